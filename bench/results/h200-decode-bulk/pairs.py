#!/usr/bin/env python3
"""Per point of results.json: kernels measured twice in one run, as LABEL
(bulk-copy ring) and LABEL + "ca" (the cp.async ring), and the geometric
mean of cp.async time / bulk time (below 1: the bulk ring is slower)."""
import json
import math
import sys

results = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "results.json"))
every = []
for point in results["results"]:
    runs = point["w4a4"]
    ratios = [runs[label]["ms"] / runs[label[:-2]]["ms"]
              for label in runs if label.endswith("_st2ca") and label[:-2] in runs]
    every += ratios
    mean = math.exp(sum(map(math.log, ratios)) / len(ratios))
    print(f"{point['n']}x{point['k']} M={point['m']}: {len(ratios)} pairs, cp.async / bulk "
          f"{mean:.3f} (range {min(ratios):.2f}-{max(ratios):.2f})")
print(f"all {len(every)} pairs: {math.exp(sum(map(math.log, every)) / len(every)):.3f}")
