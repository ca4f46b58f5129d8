#!/usr/bin/env python3
"""Feeds measured plans back into a target description (autotuning).

Reads a benchmark run (bench.py's results.json) over apex4 artifacts (a sweep
from bench/make_artifacts.py, or the planned kernels), picks for every
(N, K, M) the fastest apex4 kernel whose check passed, and writes its plan
into the target file's `tuned_plans`. apex4-select-plan then takes that plan
whenever the shape, the group sizes and M match (docs/cost-model.md,
"Autotuning"). Each measured M covers the rows nearest to it on a log scale
(two consecutive measured Ms split at their geometric mean); nothing
covers Ms below the smallest or above the largest (a prefill sweep must not
decide decode plans, nor the reverse). Measure at the Ms the planner
is asked about (apex4.nn plans for the rows of python/apex4/buckets.py).

    python3 bench/autotune.py --results RUN/results.json \\
        --artifacts bench/artifacts/sweep --target-file targets/h200.json

Entries for the same shape and groups whose M range meets the new entries'
are replaced; others are kept.
"""
import argparse
import json
import math
import os
import sys

def group_field(group, k):
    return "per_channel" if group in (0, k) else group


def passing_kernels(results, artifacts, manifests=None):
    """(n, k, m, a_group, w_group, us, plan) of every apex4 kernel of a
    bench.py run whose check passed and whose manifest holds one matmul
    plan; groups as group_field writes them. `manifests` caches the manifests
    read (label -> JSON) across calls."""
    manifests = {} if manifests is None else manifests
    for point in results["results"]:
        n, k, m = point["n"], point["k"], point["m"]
        for name, run in point.get("w4a4", {}).items():
            if not name.startswith("apex4:") or "ms" not in run:
                continue
            if not run.get("check", {}).get("ok", False):
                continue
            label = name[len("apex4:"):]
            if label not in manifests:  # one read per kernel, not per M
                with open(os.path.join(artifacts, label + ".json")) as f:
                    manifests[label] = json.load(f)
            manifest = manifests[label]
            plans = [p["plan"] for p in manifest.get("plans", []) if p.get("op") == "apex4.matmul"]
            kernel = next(kern for kern in manifest["kernels"] if kern["kind"] == "matmul")
            if len(plans) != 1:
                continue
            yield (n, k, m, group_field(kernel["a_group"], k), group_field(kernel["w_group"], k),
                   run["ms"] * 1e3, plans[0])


def best_kernels(results, artifacts):
    """{(n, k, a_group, w_group): {m: (us, plan)}} of the fastest passing
    apex4 kernel per point."""
    best = {}
    for n, k, m, a_group, w_group, us, plan in passing_kernels(results, artifacts):
        points = best.setdefault((n, k, a_group, w_group), {})
        if m not in points or us < points[m][0]:
            points[m] = (us, plan)
    return best


def tuned_entries(best):
    entries = []
    for (n, k, a_group, w_group), points in sorted(best.items(), key=str):
        rows = sorted(points)
        # Consecutive measured Ms a < b split at their geometric mean.
        splits = [math.isqrt(a * b) for a, b in zip(rows, rows[1:])]
        for i, m in enumerate(rows):
            low = splits[i - 1] + 1 if i else m
            high = splits[i] if i + 1 < len(rows) else m
            us, plan = points[m]
            entries.append({"n": n, "k": k, "a_group": a_group, "w_group": w_group,
                            "m": [low, high], "plan": plan, "measured_us": round(us, 2),
                            "measured_m": m})
    return entries


def merge(target, entries, source):
    """Replaces the entries of the same shape and groups whose M range meets
    the new entries' range (a decode run keeps the prefill entries)."""
    def shape(e):
        return (e["n"], e["k"], e["a_group"], e["w_group"])
    covered = {}
    for e in entries:
        low, high = covered.get(shape(e), e["m"])
        covered[shape(e)] = [min(low, e["m"][0]), max(high, e["m"][1])]
    def replaced(e):
        span = covered.get(shape(e))
        return span is not None and e["m"][0] <= span[1] and span[0] <= e["m"][1]
    kept = [e for e in target.get("tuned_plans", []) if not replaced(e)]
    target["tuned_plans"] = kept + entries
    sources = target.setdefault("sources", {})
    earlier = sources.get("tuned_plans")
    sources["tuned_plans"] = f"{earlier}; then {source}" if kept and earlier else source
    return target


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", required=True, help="bench.py's results.json")
    p.add_argument("--artifacts", required=True, help="the manifests the run timed")
    p.add_argument("--target-file", required=True, help="target description to update")
    p.add_argument("--out", help="write here instead of updating --target-file")
    args = p.parse_args()
    with open(args.results) as f:
        results = json.load(f)
    entries = tuned_entries(best_kernels(results, args.artifacts))
    if not entries:
        print("autotune: no passing apex4 kernel in", args.results, file=sys.stderr)
        return 1
    with open(args.target_file) as f:
        target = json.load(f)
    gpu = results.get("meta", {}).get("gpu", "the device")
    source = f"bench/autotune.py on {os.path.relpath(args.results)} ({gpu})"
    merge(target, entries, source)
    out = args.out or args.target_file
    with open(out, "w") as f:
        json.dump(target, f, indent=2)
        f.write("\n")
    print(f"autotune: {len(entries)} tuned plans written to {out}")
    # The built-in targets are compiled into the tools: --target NAME keeps
    # the old plans until the next build (--target-file reads the file).
    print("autotune: rebuild (cmake --build build) before compiling with --target; "
          "--target-file reads the new file now")
    return 0


if __name__ == "__main__":
    sys.exit(main())
