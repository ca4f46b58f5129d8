#!/usr/bin/env python3
"""Ratio ranges per M for the kernel apex4.nn would run, from a device-suite
bench run over the planned kernels (bench/make_artifacts.py --planned):
plan_m<rows> for the row bucket that holds M (python/apex4/buckets.py),
plan_prefill past the last bucket. Ratios are baseline time / apex4 time.
Runs before stop 13 named the buckets decode8 (M <= 8), decode (M <= 64)
and prefill; --old-buckets reads those.

    python3 bench/summarize_suite.py RUN/results.json [--all] [--old-buckets]
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from apex4.buckets import bucket_name  # noqa: E402


def regime(m):
    if "--old-buckets" in sys.argv:
        return "decode8" if m <= 8 else ("decode" if m <= 64 else "prefill")
    return bucket_name(m)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    results = json.load(open(sys.argv[1]))["results"]
    rows = {}
    for point in results:
        m, baselines = point["m"], point["baselines"]
        name = f"apex4:plan_{regime(m)}_n{point['n']}_k{point['k']}"
        run = point["w4a4"].get(name)
        if not run or "ms" not in run:
            print(f"missing {name} at M = {m}")
            continue
        ms = run["ms"]
        def ratio(key):
            value = baselines.get(key)
            value = value.get("ms") if isinstance(value, dict) else value
            return value / ms if value else None
        triton = point["w4a4"].get("triton", {}).get("ms")
        rows.setdefault(m, []).append({
            "shape": f"{point['n']}x{point['k']}", "us": ms * 1e3, "ok": run["check"]["ok"],
            "fp16": ratio("fp16"), "int8": ratio("int8"), "fp8": ratio("fp8"),
            "triton": triton / ms if triton else None})
    print("| M | checks | x FP16 | x INT8 | x FP8 | x Triton (lowest at) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for m in sorted(rows):
        points = rows[m]
        def span(key):
            values = [p[key] for p in points if p[key] is not None]
            return f"{min(values):.2f}-{max(values):.2f}" if values else "-"
        lowest = min((p for p in points if p["triton"]), key=lambda p: p["triton"], default=None)
        print(f"| {m} | {sum(p['ok'] for p in points)}/{len(points)} | {span('fp16')} | "
              f"{span('int8')} | {span('fp8')} | {span('triton')}"
              f"{' (' + lowest['shape'] + ')' if lowest else ''} |")
    if "--all" in sys.argv:
        for m in sorted(rows):
            for p in rows[m]:
                print(f"M={m} {p['shape']}: {p['us']:.1f} us, x FP16 {p['fp16']:.2f}, "
                      f"x INT8 {p['int8']:.2f}, x FP8 {p['fp8']:.2f}, x Triton {p['triton']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
