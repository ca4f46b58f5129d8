#!/usr/bin/env python3
"""Compares two bench.py runs kernel by kernel: for every apex4 kernel label
and (N, K, M) in both results.json files, the time before and after, the
speedup and the after-run's ratio to FP16 (when measured).
Usage: bench/compare_runs.py BEFORE/results.json AFTER/results.json"""
import json
import sys


def times(path):
    out = {}
    for point in json.load(open(path))["results"]:
        fp16 = point["baselines"].get("fp16", {}).get("ms")
        for name, run in point["w4a4"].items():
            if name.startswith("apex4:") and "ms" in run:
                key = (point["n"], point["k"], point["m"], name[len("apex4:"):])
                out[key] = (run["ms"] * 1e3, fp16 * 1e3 if fp16 else None,
                            run.get("check", {}).get("ok", False))
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    before, after = times(sys.argv[1]), times(sys.argv[2])
    for key in sorted(set(before) & set(after)):
        n, k, m, label = key
        (b, _, _), (a, fp16, ok) = before[key], after[key]
        vs_fp16 = f", {fp16 / a:.2f}x FP16 ({fp16:.1f} us)" if fp16 else ""
        print(f"{label} M={m}: {b:.1f} / {a:.1f} us, {b / a:.3f}x{vs_fp16}, "
              f"check {'ok' if ok else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
