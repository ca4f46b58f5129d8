"""The compiler's CPU reference (apex4-opt --apex4-cpu-reference | mlir-runner)
against the independent numpy implementation, bit for bit."""
import numpy as np
import pytest

from apex4 import matmul_ref, quantize
from apex4.compiler import ToolNotFound, find_tool, run_cpu_reference
from apex4.ir import matmul_check_module, quantize_check_module

try:
    find_tool("apex4-opt")
except ToolNotFound as e:  # pragma: no cover - only without a build
    pytest.skip(str(e), allow_module_level=True)


def group_len(g, k):
    return k if g == "per_channel" else g


CASES = [  # (m, n, k, a_group, w_group, out)
    (1, 3, 64, 16, 16, "f32"),
    (3, 16, 64, 32, "per_channel", "f32"),
    (16, 1, 256, 128, 16, "f32"),
    (3, 3, 256, "per_channel", 64, "f16"),
    (16, 16, 256, 64, 64, "f16"),
    (2, 5, 256, "per_channel", "per_channel", "f32"),
]


@pytest.mark.parametrize("m,n,k,ga,gw,out", CASES)
def test_matmul_cpu_reference_is_bit_exact(m, n, k, ga, gw, out):
    rng = np.random.default_rng(m * 1000 + n * 10 + k)
    qa = rng.integers(-8, 8, (m, k))
    qw = rng.integers(-8, 8, (n, k))
    sa = (rng.random((m, k // group_len(ga, k))) * 0.05 + 0.001).astype(np.float32)
    sw = (rng.random((n, k // group_len(gw, k))) * 0.05 + 0.001).astype(np.float32)
    printed, = run_cpu_reference(matmul_check_module(qa, sa, qw, sw, ga, gw, out))
    got = printed.astype(np.uint32).view(np.float32)
    want = matmul_ref(qa, sa, qw, sw, ga, gw, np.float16 if out == "f16" else np.float32)
    np.testing.assert_array_equal(got, want.astype(np.float32))


@pytest.mark.parametrize("group,dtype", [(16, np.float32), (32, np.float16), (64, np.float32),
                                         ("per_channel", np.float16)])
def test_quantize_cpu_reference_is_bit_exact(group, dtype):
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((4, 128)) * 2).astype(dtype)
    x[0, :32] = 0
    x[1, 7] = np.nan
    x[2, 9] = np.inf
    x[3, :16] = (np.arange(16) * 0.5 - 4).astype(dtype)
    q_printed, s_printed = run_cpu_reference(quantize_check_module(x, group))
    q, s = quantize(x, group)
    np.testing.assert_array_equal(q_printed, q)
    np.testing.assert_array_equal(s_printed.astype(np.uint32), s.view(np.uint32))
