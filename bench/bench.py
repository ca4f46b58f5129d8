#!/usr/bin/env python3
"""apex4 benchmark suite: W4A4-g128 matmuls on LLM linear-layer shapes.

For each (N, K) of LLaMA-2-7B, LLaMA-2-70B and Llama-3-8B linear layers and
each M (tokens), times in one process:
  fp16    cuBLAS FP16 (torch.matmul, f16 in/out)
  int8    cuBLAS INT8 W8A8: torch._int_mm (int32 out) + per-token/per-channel
          scales applied after by torch (f16 out); the GEMM alone is kept too
  fp8     FP8 e4m3 row-wise scaled: torch._scaled_mm (use_fast_accum=True)
  triton  the project's Triton W4A4-g128 kernel (bench/triton_w4a4.py),
          checked against the torch reference of docs/architecture.md
  apex4:* each apex4-generated kernel in --apex4-artifacts whose (N, K)
          matches, checked against the reference and the Triton output
Timing: CUDA events around each call, a GPU spin before each call so that
launch overhead stays out of the span, 10 warm-up calls, the median of 50,
calls rotating over several freshly generated random input sets (>= 256 MiB
in all, five times the H100's L2, where memory allows).
Writes results.json, results.md, plot.png (if matplotlib), to --out.
"""
import argparse
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apex4_kernels  # noqa: E402
import triton_w4a4 as tw  # noqa: E402
from plotting import write_plot  # noqa: E402
from shapes import MODELS  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from apex4.buckets import bucket_name  # noqa: E402

M_FULL = [1, 16, 64, 128, 256, 1024, 4096, 8192]
M_QUICK = [1, 16, 256, 4096]
# --quick: one of each kind of shape (square, wide, tall, narrow, the largest).
QUICK_SHAPES = [(4096, 4096), (11008, 4096), (4096, 11008), (1024, 4096), (28672, 8192)]
GROUP = 128
ROTATE_BYTES = 256 << 20
SPIN_CYCLES = 200_000  # ~100 us at ~2 GHz: covers the host-side launch of one call


def distinct_shapes(quick, only=None):
    shapes = {}
    for model, layers in MODELS.items():
        for layer, n, k in layers:
            shapes.setdefault((n, k), []).append(f"{model} {layer}")
    if quick:
        shapes = {s: shapes[s] for s in QUICK_SHAPES}
    if only:
        wanted = [tuple(int(v) for v in s.lower().split("x")) for s in only]
        shapes = {s: shapes.get(s, ["custom"]) for s in wanted}
    return shapes


# --- timing -------------------------------------------------------------------

def n_sets(set_bytes, reps):
    sets = max(2, math.ceil(ROTATE_BYTES / max(set_bytes, 1)))
    return int(min(sets, reps, max(2, (8 << 30) // max(set_bytes, 1))))


def time_calls(fn, sets, warmup=10, reps=50):
    """fn(*inputs) timed with CUDA events; returns (median ms, min ms)."""
    for i in range(warmup):
        fn(*sets[i % len(sets)])
    torch.cuda.synchronize()
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    for i in range(reps):
        inputs = sets[(warmup + i) % len(sets)]
        torch.cuda._sleep(SPIN_CYCLES)
        starts[i].record()
        fn(*inputs)
        ends[i].record()
    torch.cuda.synchronize()
    times = [s.elapsed_time(e) for s, e in zip(starts, ends)]
    return statistics.median(times), min(times)


def nbytes(*tensors):
    return sum(t.numel() * t.element_size() for t in tensors)


# --- baselines ------------------------------------------------------------------

def sample_rows(m, count=32):
    if m <= count:
        return torch.arange(m, device="cuda")
    half = count // 2
    return torch.cat([torch.arange(half, device="cuda"),
                      torch.arange(m - half, m, device="cuda")])


def rel_err(got, ref):
    return float((got.double() - ref).norm() / ref.norm().clamp(min=1e-30))


def bench_fp16(m, n, k, reps):
    def make():
        x = torch.randn(m, k, dtype=torch.float16, device="cuda")
        w = torch.randn(n, k, dtype=torch.float16, device="cuda") * (1.0 / math.sqrt(k))
        return x, w
    x, w = make()
    sets = [(x, w)] + [make() for _ in range(n_sets(nbytes(x, w), reps) - 1)]
    fn = lambda x, w: torch.matmul(x, w.t())  # noqa: E731
    out = fn(x, w)
    rows = sample_rows(m)
    err = rel_err(out[rows], x[rows].double() @ w.double().t())
    med, mn = time_calls(fn, sets, reps=reps)
    return {"ms": med, "min_ms": mn, "rel_err": err, "input_sets": len(sets)}


def bench_int8(m, n, k, reps):
    # torch._int_mm needs more than 16 rows: pad small M (noted in the result).
    mp = max(m, 32) if m <= 16 else m
    def make():
        a = torch.randint(-128, 128, (mp, k), dtype=torch.int8, device="cuda")
        w = torch.randint(-128, 128, (n, k), dtype=torch.int8, device="cuda")
        sa = torch.rand(mp, 1, device="cuda") * 0.01 + 0.001   # per token
        sw = torch.rand(1, n, device="cuda") * 0.01 + 0.001    # per channel
        return a, w, sa, sw
    first = make()
    sets = [first] + [make() for _ in range(n_sets(nbytes(*first), reps) - 1)]
    gemm = lambda a, w, sa, sw: torch._int_mm(a, w.t())  # noqa: E731
    full = lambda a, w, sa, sw: (torch._int_mm(a, w.t()).float() * sa * sw).half()  # noqa: E731
    a, w, sa, sw = first
    out = full(*first)
    rows = sample_rows(m)
    ref = (a[rows].double() @ w.double().t()) * sa[rows].double() * sw.double()
    err = rel_err(out[rows], ref)
    med, mn = time_calls(full, sets, reps=reps)
    gmed, _ = time_calls(gemm, sets, reps=reps)
    return {"ms": med, "min_ms": mn, "gemm_only_ms": gmed, "rel_err": err,
            "padded_m": mp if mp != m else None, "input_sets": len(sets)}


def bench_fp8(m, n, k, reps):
    mp = m
    def make(rows):
        a = (torch.randn(rows, k, device="cuda") * 2).to(torch.float8_e4m3fn)
        w = (torch.randn(n, k, device="cuda") * 2).to(torch.float8_e4m3fn)
        sa = torch.rand(rows, 1, device="cuda") * 0.01 + 0.001
        sw = torch.rand(1, n, device="cuda") * 0.01 + 0.001
        return a, w, sa, sw
    out_dtype = torch.float16
    def call(a, w, sa, sw):
        return torch._scaled_mm(a, w.t(), scale_a=sa, scale_b=sw, out_dtype=out_dtype,
                                use_fast_accum=True)
    first = make(mp)
    note = None
    try:
        out = call(*first)
    except RuntimeError:
        # Row-wise scaling may want a bf16 output and/or M a multiple of 16.
        out_dtype = torch.bfloat16
        try:
            out = call(*first)
        except RuntimeError:
            mp = max(16, (m + 15) // 16 * 16)
            first = make(mp)
            out = call(*first)
    if out_dtype != torch.float16:
        note = "bf16 output (row-wise scaling)"
    sets = [first] + [make(mp) for _ in range(n_sets(nbytes(*first), reps) - 1)]
    a, w, sa, sw = first
    rows = sample_rows(m)
    ref = (a[rows].double() @ w.double().t()) * sa[rows].double() * sw.double()
    err = rel_err(out[rows], ref)
    med, mn = time_calls(call, sets, reps=reps)
    return {"ms": med, "min_ms": mn, "rel_err": err, "padded_m": mp if mp != m else None,
            "note": note, "input_sets": len(sets)}


def bench_triton(m, n, k, reps):
    first = tw.random_w4a4(m, n, k, GROUP)
    out = tw.w4a4_matmul(*first, GROUP)  # tunes on first use
    torch.cuda.synchronize()
    rows = sample_rows(m, 64)
    check = tw.compare_f16(out[rows], *tw.reference_w4a4(*first, GROUP, rows=rows))
    sets = [first] + [tw.random_w4a4(m, n, k, GROUP)
                      for _ in range(n_sets(nbytes(*first), reps) - 1)]
    cfg = tw.chosen_config(m, n, k, GROUP)
    c = torch.empty(m, n, dtype=torch.float16, device="cuda")
    fn = lambda a, sa, w, sw: tw.w4a4_matmul(a, sa, w, sw, GROUP, out=c, config=cfg)  # noqa: E731
    med, mn = time_calls(fn, sets, reps=reps)
    return {"ms": med, "min_ms": mn, "check": check, "config": list(cfg),
            "input_sets": len(sets)}, first, out


def bench_apex4(kernel, m, reps, triton_inputs, triton_out):
    n, k = kernel.n, kernel.k
    ga, gw = kernel.group("a_group"), kernel.group("w_group")
    out_dtype = torch.float16 if kernel.info.get("out_type", "f16") == "f16" else torch.float32
    def make():
        a, sa, w, sw = tw.random_w4a4(m, n, k, GROUP)
        sa = torch.rand(m, k // ga, device="cuda") * 0.02 + 0.001
        sw = torch.rand(n, k // gw, device="cuda") * 0.02 + 0.001
        return a, sa, w, sw
    same_groups = ga == GROUP and gw == GROUP and triton_inputs is not None
    first = triton_inputs if same_groups else make()
    a, sa, w, sw = first
    c = torch.full((m, n), float("nan"), dtype=out_dtype, device="cuda")
    # Kernels taking INT8 containers ('AC') get them made ahead of timing.
    containers = "AC" in kernel.params
    def operands(a, sa, w, sw):
        return (apex4_kernels.int8_containers_from_packed(a) if containers else a,
                sa, w, sw)
    def launch(a, sa, w, sw):
        kernel(m, **{"AC" if containers else "A": a}, SA=sa, W=w, SW=sw, C=c)
    launch(*operands(a, sa, w, sw))
    torch.cuda.synchronize()
    rows = sample_rows(m, 64)
    # Reference with the finer group nesting in the coarser one.
    ref, reorder = tw.reference_w4a4(a, sa, w, sw, ga, rows=rows, w_group=gw)
    if out_dtype == torch.float16:
        check = tw.compare_f16(c[rows], ref, reorder)
    else:
        err = (c[rows] - ref).abs()
        tol = 1e-5 * ref.abs() + reorder
        check = {"ok": bool((err <= tol).all()), "max_abs_err": float(err.max())}
    check["nonfinite_outputs"] = int((~torch.isfinite(c.float())).sum())
    check["ok"] = check["ok"] and check["nonfinite_outputs"] == 0
    if same_groups and triton_out is not None and out_dtype == torch.float16:
        diff = (c.float() - triton_out.float()).abs()
        check["max_diff_vs_triton_ulps"] = float((diff / tw.ulp_f16(triton_out.float())).max())
    sets = [operands(*first)] + [operands(*make())
                                 for _ in range(n_sets(nbytes(*first), reps) - 1)]
    if containers:
        # One launch per input set encodes its TMA tensor map (host encode
        # and a pageable copy, cached per buffer) outside the timed calls:
        # an application encodes it once per activation buffer. Without
        # this the first container kernel of a run paid it inside the
        # timing and measured 2x slow at M <= 1024 (bench/results/
        # h200-suite-stop12).
        for inputs in sets:
            launch(*inputs)
        torch.cuda.synchronize()
    med, mn = time_calls(launch, sets, reps=reps)
    return {"ms": med, "min_ms": mn, "check": check, "a_group": ga, "w_group": gw,
            "input_sets": len(sets)}


def copy_bandwidth_gbs():
    """Device-to-device copy of 1 GiB; bytes read + written per second."""
    src = torch.empty(1 << 30, dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    med, _ = time_calls(lambda: dst.copy_(src), [()], warmup=3, reps=10)
    return 2 * src.numel() / (med * 1e-3) / 1e9


# --- peak / roofline -----------------------------------------------------------------

def load_peaks(path, key):
    with open(path) as f:
        d = json.load(f)
    clock = d["clock_ghz"] * 1e9
    sms = d["sm_count"]
    peak = d["mma_ops_per_clock_per_sm"][key] * sms * clock
    return {"file": path, "name": d.get("name"), "key": key,
            "tensor_peak_tops": peak / 1e12,
            "memory_bandwidth_gbs": d.get("memory_bandwidth_gbs")}


def w4a4_bytes(m, n, k, ga=GROUP, gw=GROUP):
    return m * k // 2 + n * k // 2 + 4 * (m * (k // ga) + n * (k // gw)) + 2 * m * n


def roofline(ms, m, n, k, peaks, measured_bw):
    """Fraction of the roofline: max(compute floor, memory floor) / time."""
    t = ms * 1e-3
    bw = (peaks or {}).get("memory_bandwidth_gbs") or measured_bw
    mem_floor = w4a4_bytes(m, n, k) / (bw * 1e9)
    res = {"bw_fraction": mem_floor / t, "bw_gbs_used": bw}
    if peaks:
        comp_floor = 2.0 * m * n * k / (peaks["tensor_peak_tops"] * 1e12)
        res["compute_fraction"] = comp_floor / t
        res["roofline_fraction"] = max(comp_floor, mem_floor) / t
        res["bound"] = "compute" if comp_floor >= mem_floor else "memory"
    else:
        res["roofline_fraction"] = mem_floor / t
        res["bound"] = "memory (no calibration file: bandwidth only)"
    return res


# --- output ----------------------------------------------------------------------

def fmt_ms(r):
    return f"{r['ms']:.4f}" if r and "ms" in r else "—"


def gemm_only(r):
    return f"{r['gemm_only_ms']:.4f}" if r and "gemm_only_ms" in r else "—"


def write_markdown(path, meta, rows, peaks):
    lines = [f"# apex4 benchmark — {meta['gpu']}", "",
             f"Command: `{meta['command']}`  ",
             f"Date: {meta['date']}; torch {meta['torch']}, triton {meta['triton']}, "
             f"CUDA {meta['cuda']}; driver {meta['driver']}  ",
             f"Device-to-device copy: {meta['copy_gbs']:.0f} GB/s (read+write)  "]
    if peaks:
        lines.append(f"Peak: {peaks['key']} tensor-core {peaks['tensor_peak_tops']:.0f} TOPS, "
                     f"memory {peaks['memory_bandwidth_gbs']} GB/s, from `{peaks['file']}`  ")
    else:
        lines.append("Peak: no calibration file given; '%roof' is the memory floor on packed "
                     "bytes at the measured copy bandwidth  ")
    lines += ["",
              "Times are medians in ms (CUDA events, 10 warm-up, 50 timed, rotating fresh "
              "random inputs). TOPS = 2MNK/time. 'x fp16' etc. = baseline time / W4A4 time "
              "(> 1: W4A4 faster). '%roof' = roofline floor / time (max of compute floor at "
              "the tensor-core peak and memory floor on W4A4 packed bytes). int8 includes the "
              "scale epilogue (torch ops); fp8 is row-wise scaled with fast accumulation.", "",
              "| shape (N x K) | layers | M | impl | ms | TOPS | fp16 ms | int8 ms "
              "| int8 GEMM-only ms | fp8 ms | x fp16 | x int8 | x fp8 | %roof | check |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        base = r["baselines"]
        for name, res in r["w4a4"].items():
            if "ms" not in res:
                lines.append(f"| {r['n']}x{r['k']} | {r['layers']} | {r['m']} | {name} | "
                             f"error: {res.get('error', '?')} ||||||||||")
                continue
            ratio = lambda b: (f"{base[b]['ms'] / res['ms']:.2f}"  # noqa: E731
                               if b in base and "ms" in base[b] else "—")
            chk = res.get("check", {})
            check = "ok" if chk.get("ok") else "FAIL"
            if "max_err_over_tol" in chk:
                check += f" ({chk['max_err_over_tol']:.2f} tol)"
            roof = res.get("roofline", {})
            lines.append(
                f"| {r['n']}x{r['k']} | {r['layers']} | {r['m']} | {name} | {res['ms']:.4f} | "
                f"{res['tops']:.1f} | {fmt_ms(base.get('fp16'))} | {fmt_ms(base.get('int8'))} | "
                f"{gemm_only(base.get('int8'))} | "
                f"{fmt_ms(base.get('fp8'))} | {ratio('fp16')} | {ratio('int8')} | {ratio('fp8')} | "
                f"{100 * roof.get('roofline_fraction', float('nan')):.0f}% | {check} |")
    notes = set()
    for r in rows:
        for b, res in r["baselines"].items():
            if res.get("padded_m"):
                notes.add(f"{b}: M={r['m']} padded to {res['padded_m']} rows")
            if res.get("note"):
                notes.add(f"{b}: {res['note']}")
            if "error" in res:
                notes.add(f"{b} at {r['n']}x{r['k']} M={r['m']}: {res['error']}")
    if meta.get("skipped"):
        notes.add(f"time budget reached: skipped {meta['skipped']} points")
    if meta.get("plot_note"):
        notes.add(meta["plot_note"])
    if notes:
        lines += ["", "Notes:", ""] + [f"- {n}" for n in sorted(notes)]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def gpu_info():
    info = {"gpu": torch.cuda.get_device_name(), "driver": "?", "nvidia_smi": ""}
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total,"
                              "clocks.max.sm,clocks.max.mem", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30).stdout.strip()
        info["nvidia_smi"] = out
        parts = [p.strip() for p in out.split(",")]
        if len(parts) > 1:
            info["driver"] = parts[1]
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help=f"shapes {QUICK_SHAPES}, M {M_QUICK}")
    p.add_argument("--m", type=int, nargs="*", help="override the M list")
    p.add_argument("--shapes", nargs="*", help="override the shapes: NxK ...")
    p.add_argument("--out", default=None, help="output folder (default $OUT or bench/results/run)")
    p.add_argument("--apex4-artifacts", default=None, help="folder of apex4 manifests + cubins")
    p.add_argument("--calibration", default=None,
                   help="GPU description JSON (e.g. bench/results/calibration-h100/h100-measured.json)")
    p.add_argument("--peak-key", default="s8", help="mma_ops_per_clock_per_sm key for the peak")
    p.add_argument("--reps", type=int, default=50)
    p.add_argument("--budget-s", type=float, default=420.0,
                   help="stop starting new points after this many seconds")
    p.add_argument("--skip", nargs="*", default=[], choices=["fp16", "int8", "fp8", "triton"])
    p.add_argument("--split-k-max-m", type=int, default=64,
                   help="time split-K (decode) apex4 kernels only up to this M")
    args = p.parse_args()

    t0 = time.time()
    out_dir = args.out or os.environ.get("OUT") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "results", "run")
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    info = gpu_info()
    import triton
    meta = {"command": " ".join([os.path.basename(sys.executable)] + sys.argv),
            "gpu": info["gpu"], "nvidia_smi": info["nvidia_smi"], "driver": info["driver"],
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "torch": torch.__version__,
            "triton": triton.__version__, "cuda": torch.version.cuda,
            "python": platform.python_version(), "group": GROUP, "reps": args.reps,
            "warmup": 10}
    print(f"GPU: {info['gpu']} ({info['nvidia_smi']})", flush=True)
    meta["copy_gbs"] = copy_bandwidth_gbs()
    print(f"device-to-device copy: {meta['copy_gbs']:.0f} GB/s", flush=True)
    peaks = load_peaks(args.calibration, args.peak_key) if args.calibration else None
    meta["peaks"] = peaks

    apex4 = []
    if args.apex4_artifacts:
        for path, kinfo, manifest in apex4_kernels.load_matmul_kernels(args.apex4_artifacts):
            try:
                apex4.append(apex4_kernels.Apex4Kernel(path, kinfo, manifest))
            except Exception as e:  # a PTX for another chip, say
                print(f"apex4: cannot load {path}: {type(e).__name__}: {e}", flush=True)
        print(f"apex4: {len(apex4)} matmul kernels loaded from {args.apex4_artifacts}", flush=True)

    shapes = distinct_shapes(args.quick, args.shapes)
    ms = args.m or (M_QUICK if args.quick else M_FULL)
    rows, skipped = [], 0
    for (n, k), layers in shapes.items():
        for m in ms:
            if time.time() - t0 > args.budget_s:
                skipped += 1
                continue
            r = {"n": n, "k": k, "m": m, "layers": "; ".join(layers), "baselines": {},
                 "w4a4": {}}
            for name, fn in (("fp16", bench_fp16), ("int8", bench_int8), ("fp8", bench_fp8)):
                if name in args.skip:
                    continue
                try:
                    r["baselines"][name] = fn(m, n, k, args.reps)
                except Exception as e:
                    r["baselines"][name] = {"error": f"{type(e).__name__}: {str(e)[:200]}"}
                torch.cuda.empty_cache()
            t_inputs = t_out = None
            if "triton" not in args.skip:
                try:
                    r["w4a4"]["triton"], t_inputs, t_out = bench_triton(m, n, k, args.reps)
                except Exception as e:
                    r["w4a4"]["triton"] = {"error": f"{type(e).__name__}: {str(e)[:300]}"}
            for kern in apex4:
                if (kern.n, kern.k) != (n, k):
                    continue
                if kern.info.get("max_m") and m > kern.info["max_m"]:
                    continue
                # Split-K kernels are built for decode; at large M they are
                # correct but not what the planner would pick.
                if "_splitk" in kern.info["name"] and m > args.split_k_max_m:
                    continue
                # Tile M 8 (planned for M <= 8) is apex4.nn's kernel up to 8 rows.
                if re.search(r"_splitk\d+_8x", kern.info["name"]) and m > 8:
                    continue
                # The planned kernels of a row bucket (make_artifacts.py
                # --planned) run where apex4.nn runs them.
                bucket = re.match(r"plan_(m\d+|prefill)_", kern.label)
                if bucket and bucket.group(1) != bucket_name(m):
                    continue
                try:
                    r["w4a4"]["apex4:" + kern.label] = bench_apex4(kern, m, args.reps,
                                                                  t_inputs, t_out)
                except Exception as e:
                    r["w4a4"]["apex4:" + kern.label] = {"error": f"{type(e).__name__}: {e}"}
            for res in r["w4a4"].values():
                if "ms" in res:
                    res["tops"] = 2.0 * m * n * k / res["ms"] / 1e9
                    res["roofline"] = roofline(res["ms"], m, n, k, peaks, meta["copy_gbs"])
            del t_inputs, t_out
            torch.cuda.empty_cache()
            rows.append(r)
            b = r["baselines"]
            line = f"N={n:<6} K={k:<6} M={m:<5}"
            for name in ("fp16", "int8", "fp8"):
                if name in b:
                    line += f" {name} {fmt_ms(b[name])}"
            for name, res in r["w4a4"].items():
                if "ms" in res:
                    ok = res.get("check", {}).get("ok")
                    line += f" | {name} {res['ms']:.4f} ms {res['tops']:.0f} TOPS {'ok' if ok else 'FAIL'}"
                else:
                    line += f" | {name} error {res.get('error')}"
            print(line, flush=True)
    meta["skipped"] = skipped
    meta["wall_s"] = time.time() - t0
    plot_note = write_plot(os.path.join(out_dir, "plot.png"), rows)
    meta["plot_note"] = plot_note
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump({"meta": meta, "results": rows}, f, indent=1)
    write_markdown(os.path.join(out_dir, "results.md"), meta, rows, peaks)
    fails = sum(1 for r in rows for res in r["w4a4"].values()
                if not res.get("check", {}).get("ok"))
    checks = sum(len(r["w4a4"]) for r in rows)
    print(f"wrote {out_dir}/results.md, results.json{'' if plot_note else ', plot.png'}"
          f" in {meta['wall_s']:.0f} s")
    print(f"W4A4 checks: {checks - fails} passed, {fails} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
