#!/usr/bin/env python3
"""Runs apex4-generated kernels on the GPU and checks them against the
reference semantics of docs/architecture.md (computed with torch: exact
integer group sums in float64, then the documented f32 steps in order).

Usage (on the GPU machine): check_kernels.py ARTIFACT_DIR [--quick] [--time]
Prints one line per (case, M) and a summary; exits non-zero on any mismatch.
"""
import argparse
import json
import os
import sys

import cupy as cp
import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
from apex4_kernels import container_tensor_map  # noqa: E402

DTYPES = {"f16": torch.float16, "bf16": torch.bfloat16, "f32": torch.float32}


def pack_int4(q):
    """[R, K] int values in [-8, 7] -> [R, K/2] bytes, even k in the low nibble."""
    q = q.to(torch.int32)
    packed = (q[:, 0::2] & 0xF) | ((q[:, 1::2] & 0xF) << 4)
    return packed.to(torch.uint8).contiguous()


def int8_containers(q):
    """[R, K] int values in [-8, 7] -> [R, K] bytes 16 q, each 32 values of K
    reordered as its 16 even-k values, then its 16 odd-k ones (the kernels'
    'AC' parameter, docs/codegen.md)."""
    r, k = q.shape
    blocks = (q.to(torch.int32) * 16).to(torch.int8).reshape(r, k // 32, 16, 2)
    return blocks.transpose(2, 3).reshape(r, k).contiguous()


def activation_operand(kernel, qa):
    """The A operand in the layout the kernel's manifest names."""
    return int8_containers(qa) if kernel.info["params"][0] == "AC" else pack_int4(qa)


def cdiv(a, b):
    return (a + b - 1) // b


class Kernel:
    def __init__(self, directory, manifest_name):
        with open(os.path.join(directory, manifest_name)) as f:
            self.manifest = json.load(f)
        binary = self.manifest["cubin"] or self.manifest["ptx"]
        self.module = cp.RawModule(path=os.path.join(directory, binary))
        self.info = self.manifest["kernels"][0]
        self.function = self.module.get_function(self.info["name"])
        self.shared = int(self.info.get("shared_bytes", 0))
        if self.shared > 0:  # dynamic + static must fit the raised limit
            self.function.max_dynamic_shared_size_bytes = self.shared

    def launch(self, m, *tensors):
        info = self.info
        if "ACMAP" in info["params"]:  # INT8 containers through TMA
            tensors = tensors + (container_tensor_map(tensors[0], m, info["grid"][1]),)
        if info["kind"] == "matmul":
            tn, tm, split = info["grid"]
            grid = (cdiv(info["n"], tn), cdiv(m, tm), split)
        else:
            grid = (cdiv(m, info["grid"][0]), 1, 1)
        args = [np.uint64(t.data_ptr()) for t in tensors] + [np.int64(m)]
        self.function(grid, tuple(info["block"]), tuple(args), shared_mem=self.shared)


def reference_matmul(qa, sa, qw, sw, ga, gw):
    k = qa.shape[1]
    fine = min(ga, gw)
    a64, w64 = qa.double(), qw.double()
    acc = torch.zeros(qa.shape[0], qw.shape[0], dtype=torch.float32, device=qa.device)
    for j in range(k // fine):
        lo, hi = j * fine, (j + 1) * fine
        isum = (a64[:, lo:hi] @ w64[:, lo:hi].T).float()  # exact integers
        p = sa[:, lo // ga][:, None] * sw[:, lo // gw][None, :]
        acc = acc + isum * p
    return acc


def f16_ulp(x):
    mag = x.abs().clamp(min=2.0 ** -14)
    return torch.exp2(torch.floor(torch.log2(mag)) - 10)


# Operand patterns at the edges of the INT4 range and of the scales.
EDGES = {
    "a=-8,w=-8": (-8, -8, None, None),   # largest positive products
    "a=7,w=-8": (7, -8, None, None),     # most negative products
    "a=-8,w=7": (-8, 7, None, None),
    "zero sa": (None, None, 0.0, None),  # zero scales: exact zeros out
    "tiny sw": (None, None, None, 1e-30),  # scale products underflow to 0
}


def check_matmul(kernel, m, generator, timing, edge=None):
    info = kernel.info
    n, k = info["n"], info["k"]
    ga, gw = info["a_group"], info["w_group"]
    dev = "cuda"
    qa = torch.randint(-8, 8, (m, k), device=dev, generator=generator, dtype=torch.int32)
    qw = torch.randint(-8, 8, (n, k), device=dev, generator=generator, dtype=torch.int32)
    # Scales small enough that an all -8 x -8 per-channel K stays finite in f16.
    sa = torch.rand(m, k // ga, device=dev, generator=generator) * 0.002 + 0.0001
    sw = torch.rand(n, k // gw, device=dev, generator=generator) * 0.002 + 0.0001
    if edge:
        a_value, w_value, sa_value, sw_value = EDGES[edge]
        if a_value is not None:
            qa.fill_(a_value)
        if w_value is not None:
            qw.fill_(w_value)
        if sa_value is not None:
            sa.fill_(sa_value)
        if sw_value is not None:
            sw.fill_(sw_value)
    out = DTYPES[info["out_type"]]
    c = torch.full((m, n), float("nan"), dtype=out, device=dev)  # poisoned
    a_packed, w_packed = activation_operand(kernel, qa), pack_int4(qw)
    kernel.launch(m, a_packed, sa, w_packed, sw, c)
    torch.cuda.synchronize()
    ref = reference_matmul(qa, sa, qw, sw, ga, gw)
    got = c.float()
    if out == torch.float16:
        allowed = f16_ulp(ref) + 1e-7
    else:
        allowed = 2e-6 * (ref.abs() + ref.abs().mean()) + 1e-30
    err = (got - ref).abs()
    ok = bool(torch.isfinite(got).all()) and bool((err <= allowed).all())
    worst = float((err / allowed).max()) if ok else float("nan")
    result = {"ok": ok, "max_err_over_tol": worst,
              "max_abs_err": float(err.nan_to_num(float("inf")).max())}
    if timing:
        result.update(time_matmul(kernel, m, a_packed, sa, w_packed, sw, c, n, k))
    return result


def time_matmul(kernel, m, a, sa, w, sw, c, n, k, reps=20):
    def median_ms(fn):
        for _ in range(5):
            fn()
        times = []
        for _ in range(reps):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
        return float(np.median(times))
    x16 = torch.randn(m, k, dtype=torch.float16, device="cuda")
    w16 = torch.randn(n, k, dtype=torch.float16, device="cuda")
    apex4_ms = median_ms(lambda: kernel.launch(m, a, sa, w, sw, c))
    fp16_ms = median_ms(lambda: torch.matmul(x16, w16.T))
    ops = 2.0 * m * n * k
    return {"apex4_ms": apex4_ms, "fp16_ms": fp16_ms,
            "apex4_tops": ops / apex4_ms / 1e9, "fp16_tflops": ops / fp16_ms / 1e9,
            "speedup_vs_fp16": fp16_ms / apex4_ms}


def reference_quantize(x, group):
    m, k = x.shape
    xg = x.float().reshape(m, k // group, group)
    # maxnum: NaN never wins; +Inf does (nan_to_num would clip it by default).
    amax = xg.abs().nan_to_num(nan=0.0, posinf=float("inf")).amax(dim=2)
    # A tensor divisor: torch turns division by a Python scalar into a
    # multiplication by its reciprocal, which is not the documented rounding.
    scale = amax / torch.full_like(amax, 7.0)
    r = xg / scale[:, :, None]
    q = torch.where(torch.isnan(r), torch.zeros_like(r), r.round().clamp(-8, 7))
    return q.reshape(m, k).to(torch.int32), scale


def check_quantize(kernel, m, generator):
    info = kernel.info
    k, group = info["k"], info["group"]
    dtype = DTYPES[info["in_type"]]
    x = (torch.randn(m, k, device="cuda", generator=generator) * 3).to(dtype)
    # Edge cases: a zero group, a NaN, an Inf, the exact halfway points.
    x[0, :group] = 0
    if m > 2:
        x[1, 3] = float("nan")
        x[2, 5] = float("inf")
    if 2 * group <= k:
        halves = (0.5 * torch.arange(group, device="cuda")) % 15 - 7
        x[min(3, m - 1), group: 2 * group] = halves.to(dtype)
    q = torch.full((m, k // 2), 0xAB, dtype=torch.uint8, device="cuda")
    s = torch.full((m, k // group), float("nan"), dtype=torch.float32, device="cuda")
    kernel.launch(m, x, q, s)
    torch.cuda.synchronize()
    ref_q, ref_s = reference_quantize(x, group)
    same_q = bool(torch.equal(q, pack_int4(ref_q)))
    same_s = bool(torch.equal(s.view(torch.int32), ref_s.view(torch.int32)))
    bad_rows = ((q != pack_int4(ref_q)).any(dim=1) |
                (s.view(torch.int32) != ref_s.view(torch.int32)).any(dim=1))
    return {"ok": same_q and same_s, "packed_equal": same_q, "scales_bitwise_equal": same_s,
            "mismatched_rows": bad_rows.nonzero().flatten()[:8].tolist()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("artifacts")
    parser.add_argument("--quick", action="store_true", help="one small M per case")
    parser.add_argument("--time", action="store_true")
    parser.add_argument("--json", help="write results here")
    parser.add_argument("--only", default="", help="run cases whose name starts with this")
    parser.add_argument("--edges", action="store_true",
                        help="matmul cases at M=7 with edge operands/scales only")
    args = parser.parse_args()
    with open(os.path.join(args.artifacts, "index.json")) as f:
        index = json.load(f)
    generator = torch.Generator(device="cuda")
    generator.manual_seed(1234)
    results, failures = [], 0
    print(f"device: {torch.cuda.get_device_name()}")
    for case in index:
        if not case["case"].startswith(args.only):
            continue
        kernel = Kernel(args.artifacts, case["manifest"])
        ms = [min(case["m"])] if args.quick else case["m"]
        if args.edges:
            if kernel.info["kind"] != "matmul":
                continue
            for edge in EDGES:
                r = check_matmul(kernel, 7, generator, False, edge)
                r.update(case=case["case"], m=7, edge=edge)
                results.append(r)
                failures += not r["ok"]
                print(f"{'PASS' if r['ok'] else 'FAIL'} {case['case']:<36} {edge:<10} "
                      f"err/tol {r['max_err_over_tol']:.3f}", flush=True)
            continue
        for m in ms:
            if kernel.info["kind"] == "matmul":
                timing = args.time and case["timed"] and m == max(case["m"])
                r = check_matmul(kernel, m, generator, timing)
            else:
                r = check_quantize(kernel, m, generator)
            r.update(case=case["case"], m=m)
            results.append(r)
            failures += not r["ok"]
            extra = ""
            if "apex4_ms" in r:
                extra = (f"  apex4 {r['apex4_ms']:.3f} ms ({r['apex4_tops']:.0f} TOPS)"
                         f"  fp16 {r['fp16_ms']:.3f} ms  x{r['speedup_vs_fp16']:.2f}")
            detail = f"err/tol {r['max_err_over_tol']:.3f}" if "max_err_over_tol" in r else ""
            print(f"{'PASS' if r['ok'] else 'FAIL'} {case['case']:<36} M={m:<5} {detail}{extra}",
                  flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": torch.cuda.get_device_name(), "results": results}, f, indent=1)
    print(f"{len(results) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
