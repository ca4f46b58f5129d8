"""The compiler's CPU reference (apex4-opt --apex4-cpu-reference | mlir-runner)
against the numpy reference, bit for bit. Needs a built apex4-opt and
/usr/lib/llvm-22 (skipped otherwise). APEX4_ORACLE_FULL=1 runs every
(M, N, out) for every group pair instead of a rotation through them."""
import itertools
import os

import numpy as np
import pytest

from apex4 import PER_CHANNEL, matmul_ref, quantize
from apex4.compiler import ToolNotFound, find_tool, llvm_dir, run_cpu_reference
from apex4.ir import MatmulCheck, QuantizeCheck, decode_check_outputs, reference_check_module

try:
    find_tool("apex4-opt")
except ToolNotFound as e:
    pytest.skip(f"CPU oracle needs apex4-opt: {e}", allow_module_level=True)
if not (llvm_dir() / "bin" / "mlir-runner").exists():
    pytest.skip(f"CPU oracle needs {llvm_dir()}/bin/mlir-runner", allow_module_level=True)

GROUPS = [16, 32, 64, 128, PER_CHANNEL]
SIZES = [1, 3, 16]
FULL = os.environ.get("APEX4_ORACLE_FULL") == "1"


def length(g, k):
    return k if g == PER_CHANNEL else g


def matmul_cases(k):
    """(m, n, ga, gw, out) for every group pair valid at K."""
    pairs = [(ga, gw) for ga in GROUPS for gw in GROUPS if length(ga, k) <= k and length(gw, k) <= k]
    shapes = list(itertools.product(SIZES, SIZES))
    if FULL:
        return [(m, n, ga, gw, out) for (ga, gw) in pairs for (m, n) in shapes
                for out in ("f32", "f16")]
    rotation = itertools.cycle(shapes)
    return [(*next(rotation), ga, gw, out) for (ga, gw) in pairs for out in ("f32", "f16")]


def make_matmul(rng, m, n, k, ga, gw, out):
    qa = rng.integers(-8, 8, (m, k))
    qw = rng.integers(-8, 8, (n, k))
    qa[0, :16] = -8  # the extreme products
    qw[0, :16] = -8
    la, lw = length(ga, k), length(gw, k)
    sa = (rng.random((m, k // la)) * 2.0 ** rng.integers(-10, 3, (m, k // la))).astype(np.float32)
    sw = (rng.random((n, k // lw)) * 2.0 ** rng.integers(-10, 3, (n, k // lw))).astype(np.float32)
    return MatmulCheck(qa, sa, qw, sw, ga, gw, out)


@pytest.mark.parametrize("k", [64, 256])
def test_matmul_cpu_reference_is_bit_exact(k):
    rng = np.random.default_rng(k)
    cases = [make_matmul(rng, m, n, k, ga, gw, out) for m, n, ga, gw, out in matmul_cases(k)]
    results = decode_check_outputs(cases, run_cpu_reference(reference_check_module(cases)))
    assert len(results) == len(cases)
    for case, got in zip(cases, results):
        want = matmul_ref(case.qa, case.sa, case.qw, case.sw, case.a_group, case.w_group,
                          case.out)
        assert got.dtype == want.dtype and got.shape == want.shape
        bits = np.uint16 if case.out == "f16" else np.uint32
        np.testing.assert_array_equal(got.view(bits), want.view(bits),
                                      err_msg=f"M={case.qa.shape[0]} N={case.qw.shape[0]} K={k} "
                                              f"ga={case.a_group} gw={case.w_group} {case.out}")


def edge_rows(rng, m, k, dtype):
    x = (rng.standard_normal((m, k)) * 3).astype(dtype)
    specials = [0.0, np.nan, np.inf, -np.inf, 0.5, -2.5, -0.0, np.finfo(dtype).max]
    x[0, :16] = 0                                    # an all-zero group
    if m > 1:
        x[1, : len(specials)] = specials             # NaN, +-Inf, ties, -0, max
        x[1, 20] = np.nan
    if m > 2:
        x[2, :16] = np.arange(16) * 0.5 - 4          # exact halves
        x[2, 16:32] = np.finfo(dtype).smallest_subnormal * 3
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_quantize_cpu_reference_is_bit_exact(dtype):
    rng = np.random.default_rng(11)
    cases = [QuantizeCheck(edge_rows(rng, m, k, dtype), g)
             for k in (64, 256) for g in GROUPS if length(g, k) <= k for m in SIZES]
    results = decode_check_outputs(cases, run_cpu_reference(reference_check_module(cases)))
    for case, (q, s) in zip(cases, results):
        want_q, want_s = quantize(case.x, case.group)
        msg = f"shape={case.x.shape} group={case.group} {np.dtype(dtype).name}"
        np.testing.assert_array_equal(q, want_q, err_msg=msg)
        np.testing.assert_array_equal(s.view(np.uint32), want_s.view(np.uint32), err_msg=msg)
