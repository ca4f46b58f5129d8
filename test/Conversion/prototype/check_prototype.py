#!/usr/bin/env python3
"""Device-side check + timing of the prototype kernels (CuPy launch of the cubins).

Usage (GPU machine): check_prototype.py DIR [--time-m 4096 8192]
DIR holds <case>.cubin and cases.json: [{"case", "cubin", "kernel", "n", "k",
"group" (0 = per-channel), "out", "tm", "tn", "threads", "ms": [...],
"exact": bool, "time": bool}]

Reference: docs/architecture.md semantics (exact integer group sums in float64,
then the f32 steps in group order). Pass: every f16 output within one f16 ulp
of the reference (f32 outputs: relative 2e-6); `exact` cases run with unit
scales and per-channel groups, f32 output, so C must equal the INT32 dot
product bit for bit.
"""
import argparse
import json
import os
import sys

import cupy as cp
import numpy as np
import torch


def pack_int4(q):
    q = q.to(torch.int32)
    return ((q[:, 0::2] & 0xF) | ((q[:, 1::2] & 0xF) << 4)).to(torch.uint8).contiguous()


def cdiv(a, b):
    return (a + b - 1) // b


def reference(qa, sa, qw, sw, ga, gw):
    k = qa.shape[1]
    g = min(ga, gw)
    a64, w64 = qa.double(), qw.double()
    acc = torch.zeros(qa.shape[0], qw.shape[0], dtype=torch.float32, device=qa.device)
    for j in range(k // g):
        lo, hi = j * g, (j + 1) * g
        isum = (a64[:, lo:hi] @ w64[:, lo:hi].T).float()
        acc = acc + isum * (sa[:, lo // ga][:, None] * sw[:, lo // gw][None, :])
    return acc


def groups(cs):
    k = cs["k"]
    ga = cs.get("a_group", cs.get("group", 0)) or k
    gw = cs.get("w_group", cs.get("group", 0)) or k
    return ga, gw


def f16_ulp(x):
    return torch.exp2(torch.floor(torch.log2(x.abs().clamp(min=2.0 ** -14))) - 10)


class Kernel:
    def __init__(self, d, case):
        self.case = case
        self.mod = cp.RawModule(path=os.path.join(d, case["cubin"]))
        self.fn = self.mod.get_function(case["kernel"])

    def launch(self, m, a, sa, w, sw, c):
        cs = self.case
        grid = (cdiv(cs["n"], cs["tn"]), cdiv(m, cs["tm"]), 1)
        args = [np.uint64(t.data_ptr()) for t in (a, sa, w, sw, c)] + [np.int64(m)]
        self.fn(grid, (cs["threads"], 1, 1), tuple(args))


def inputs(m, n, k, ga, gw, gen, unit=False):
    qa = torch.randint(-8, 8, (m, k), device="cuda", generator=gen, dtype=torch.int32)
    qw = torch.randint(-8, 8, (n, k), device="cuda", generator=gen, dtype=torch.int32)
    if unit:
        sa = torch.ones(m, k // ga, device="cuda")
        sw = torch.ones(n, k // gw, device="cuda")
    else:
        sa = torch.rand(m, k // ga, device="cuda", generator=gen) * 0.002 + 0.0001
        sw = torch.rand(n, k // gw, device="cuda", generator=gen) * 0.002 + 0.0001
    return qa, sa, qw, sw


def check(kern, m, gen):
    cs = kern.case
    n, k = cs["n"], cs["k"]
    ga, gw = groups(cs)
    exact = cs.get("exact", False)
    qa, sa, qw, sw = inputs(m, n, k, ga, gw, gen, unit=exact)
    if m > 3 and not exact:
        qa[1].fill_(-8)  # worst-case magnitudes: -8 x -8 over a whole group
        qw[2].fill_(-8)
    dt = torch.float16 if cs["out"] == "f16" else torch.float32
    c = torch.full((m, n), float("nan"), dtype=dt, device="cuda")
    kern.launch(m, pack_int4(qa), sa, pack_int4(qw), sw, c)
    torch.cuda.synchronize()
    got = c.float()
    if exact:
        ref = (qa.double() @ qw.double().T)
        ok = bool(torch.equal(got.double(), ref))
        return ok, float((got.double() - ref).abs().max())
    ref = reference(qa, sa, qw, sw, ga, gw)
    tol = f16_ulp(ref) + 1e-7 if dt == torch.float16 else 2e-6 * (ref.abs() + ref.abs().mean()) + 1e-30
    err = (got - ref).abs()
    ok = bool(torch.isfinite(got).all()) and bool((err <= tol).all())
    return ok, float((err / tol).max()) if ok else float("nan")


def median_ms(fn, reps=20):
    for _ in range(5):
        fn()
    ts = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        fn()
        e.record()
        e.synchronize()
        ts.append(s.elapsed_time(e))
    return float(np.median(ts))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--time-m", type=int, nargs="*", default=[4096, 8192])
    p.add_argument("--json")
    p.add_argument("--only", default="", help="cases whose name starts with this")
    p.add_argument("--no-time", action="store_true")
    p.add_argument("--ms", type=int, nargs="*", help="override the M values checked")
    a = p.parse_args()
    cases = [c for c in json.load(open(os.path.join(a.dir, "cases.json")))
             if c["case"].startswith(a.only)]
    gen = torch.Generator(device="cuda")
    gen.manual_seed(7)
    print("device:", torch.cuda.get_device_name())
    results, fails, fp16 = [], 0, {}
    for cs in cases:
        kern = Kernel(a.dir, cs)
        for m in a.ms or cs.get("ms", [1, 7, 128, 1000]):
            ok, worst = check(kern, m, gen)
            fails += not ok
            results.append({"case": cs["case"], "m": m, "ok": ok, "worst": worst})
            print(f"{'PASS' if ok else 'FAIL'} {cs['case']:<34} M={m:<5} "
                  f"{'max|diff|' if cs.get('exact') else 'err/tol'} {worst:.3f}", flush=True)
    print(f"{len(results) - fails} passed, {fails} failed")
    rows = []
    for cs in cases:
        if not cs.get("time") or a.no_time:
            continue
        kern = Kernel(a.dir, cs)
        n, k = cs["n"], cs["k"]
        ga, gw = groups(cs)
        for m in cs.get("time_m", a.time_m):
            qa, sa, qw, sw = inputs(m, n, k, ga, gw, gen)
            A, W = pack_int4(qa), pack_int4(qw)
            c = torch.empty((m, n), dtype=torch.float16 if cs["out"] == "f16" else torch.float32, device="cuda")
            ms = median_ms(lambda: kern.launch(m, A, sa, W, sw, c))
            if (m, n, k) not in fp16:
                x = torch.randn(m, k, dtype=torch.float16, device="cuda")
                w = torch.randn(n, k, dtype=torch.float16, device="cuda")
                fp16[(m, n, k)] = median_ms(lambda: torch.matmul(x, w.T))
            f = fp16[(m, n, k)]
            tops = 2.0 * m * n * k / ms / 1e9
            rows.append({"case": cs["case"], "m": m, "n": n, "k": k, "ms": ms, "tops": tops,
                         "fp16_ms": f, "x_fp16": f / ms})
    print(f"{'case':<34} {'M':>5} {'ms':>8} {'TOPS':>6} {'fp16 ms':>8} {'x fp16':>6}")
    for r in rows:
        print(f"{r['case']:<34} {r['m']:>5} {r['ms']:8.4f} {r['tops']:6.0f} {r['fp16_ms']:8.4f} {r['x_fp16']:6.2f}")
    if a.json:
        json.dump({"device": torch.cuda.get_device_name(), "checks": results, "timing": rows},
                  open(a.json, "w"), indent=1)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
