#!/usr/bin/env python3
"""Compares two bench.py runs kernel by kernel: for every apex4 kernel label
and (N, K, M) in both results.json files, the time before and after, the
speedup and the after-run's ratio to FP16 (when measured).
With --best, one line per (N, K, M) instead: the fastest passing kernel of
each run, each run's FP16 and FP8 times, and the geometric mean of the
speedups of the kernels both runs measured (a sweep run twice: did the
kernels change, and did the winner).
Usage: bench/compare_runs.py [--best] BEFORE/results.json AFTER/results.json"""
import json
import math
import sys


def times(path):
    """{(n, k, m, label): (us, fp16 us or None, fp8 us or None, check ok)}"""
    out = {}
    for point in json.load(open(path))["results"]:
        baselines = point["baselines"]
        fp16 = baselines.get("fp16", {}).get("ms")
        fp8 = baselines.get("fp8", {}).get("ms")
        for name, run in point["w4a4"].items():
            if name.startswith("apex4:") and "ms" in run:
                key = (point["n"], point["k"], point["m"], name[len("apex4:"):])
                out[key] = (run["ms"] * 1e3, fp16 * 1e3 if fp16 else None,
                            fp8 * 1e3 if fp8 else None,
                            run.get("check", {}).get("ok", False))
    return out


def per_kernel(before, after):
    for key in sorted(set(before) & set(after)):
        n, k, m, label = key
        b, (a, fp16, _, ok) = before[key][0], after[key]
        vs_fp16 = f", {fp16 / a:.2f}x FP16 ({fp16:.1f} us)" if fp16 else ""
        print(f"{label} M={m}: {b:.1f} / {a:.1f} us, {b / a:.3f}x{vs_fp16}, "
              f"check {'ok' if ok else 'FAIL'}")


def best_per_point(before, after):
    def points(run):
        grouped = {}
        for (n, k, m, label), value in run.items():
            grouped.setdefault((n, k, m), {})[label] = value
        return grouped

    def describe(kernels):
        passing = {label: v for label, v in kernels.items() if v[3]}
        if not passing:
            return "no passing kernel", None
        label, (us, fp16, fp8, _) = min(passing.items(), key=lambda item: item[1][0])
        ratios = "".join(f", {name} {base:.1f} us ({base / us:.2f}x)"
                         for name, base in (("FP16", fp16), ("FP8", fp8)) if base)
        return f"{label} {us:.1f} us{ratios}", us

    old, new = points(before), points(after)
    for point in sorted(set(old) & set(new)):
        shared = set(old[point]) & set(new[point])
        logs = [math.log(old[point][label][0] / new[point][label][0]) for label in shared]
        mean = f"{math.exp(sum(logs) / len(logs)):.3f}x" if logs else "-"
        (b, _), (a, _) = describe(old[point]), describe(new[point])
        n, k, m = point
        print(f"N={n} K={k} M={m}: before {b} | after {a} | "
              f"kernels in both: {len(shared)}, mean speedup {mean}")


def main():
    args = sys.argv[1:]
    best = "--best" in args
    args = [arg for arg in args if arg != "--best"]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    before, after = times(args[0]), times(args[1])
    (best_per_point if best else per_kernel)(before, after)
    return 0


if __name__ == "__main__":
    sys.exit(main())
