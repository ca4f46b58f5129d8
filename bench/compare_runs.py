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


def points(path):
    """{(n, k, m): (fp16 us or None, fp8 us or None, {label: (us, check ok)})}
    of the apex4 kernels of a bench.py run."""
    out = {}
    for point in json.load(open(path))["results"]:
        baselines = point["baselines"]
        fp16, fp8 = (baselines.get(name, {}).get("ms") for name in ("fp16", "fp8"))
        kernels = {name[len("apex4:"):]: (run["ms"] * 1e3, run.get("check", {}).get("ok", False))
                   for name, run in point["w4a4"].items()
                   if name.startswith("apex4:") and "ms" in run}
        out[(point["n"], point["k"], point["m"])] = (
            fp16 * 1e3 if fp16 else None, fp8 * 1e3 if fp8 else None, kernels)
    return out


def per_kernel(before, after):
    rows = [(key, label) for key in set(before) & set(after)
            for label in set(before[key][2]) & set(after[key][2])]
    for (n, k, m), label in sorted(rows):
        b = before[(n, k, m)][2][label][0]
        fp16, _, kernels = after[(n, k, m)]
        a, ok = kernels[label]
        vs_fp16 = f", {fp16 / a:.2f}x FP16 ({fp16:.1f} us)" if fp16 else ""
        print(f"{label} M={m}: {b:.1f} / {a:.1f} us, {b / a:.3f}x{vs_fp16}, "
              f"check {'ok' if ok else 'FAIL'}")


def best_per_point(before, after):
    def describe(point):
        fp16, fp8, kernels = point
        passing = {label: us for label, (us, ok) in kernels.items() if ok}
        if not passing:
            return "no passing kernel"
        label, us = min(passing.items(), key=lambda item: item[1])
        ratios = "".join(f", {name} {base:.1f} us ({base / us:.2f}x)"
                         for name, base in (("FP16", fp16), ("FP8", fp8)) if base)
        return f"{label} {us:.1f} us{ratios}"

    for key in sorted(set(before) & set(after)):
        old, new = before[key][2], after[key][2]
        shared = set(old) & set(new)
        logs = [math.log(old[label][0] / new[label][0]) for label in shared]
        mean = f"{math.exp(sum(logs) / len(logs)):.3f}x" if logs else "-"
        n, k, m = key
        print(f"N={n} K={k} M={m}: before {describe(before[key])} | after {describe(after[key])} | "
              f"kernels in both: {len(shared)}, mean speedup {mean}")


def main():
    args = sys.argv[1:]
    best = "--best" in args
    args = [arg for arg in args if arg != "--best"]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    before, after = points(args[0]), points(args[1])
    (best_per_point if best else per_kernel)(before, after)
    return 0


if __name__ == "__main__":
    sys.exit(main())
