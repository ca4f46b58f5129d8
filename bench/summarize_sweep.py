#!/usr/bin/env python3
"""Summarizes a bench.log of a kernel sweep: per (N, K, M) the baselines, the
fastest apex4 kernel with its ratios and weight bandwidth, and (--all) every
variant fastest first; --stages: the fastest split-K kernel with stages 1
(`_st1` in its name) against the fastest with a ring (bench/results/
h200-decode-ring). Usage: bench/summarize_sweep.py bench.log [--all|--stages]"""
import re
import sys

HEAD = re.compile(r"N=(\d+)\s+K=(\d+)\s+M=(\d+)\s+(.*?)\|")


def main():
    show_all = "--all" in sys.argv
    by_stages = "--stages" in sys.argv
    for line in open(sys.argv[1]):
        head = HEAD.match(line)
        if not head:
            continue
        n, k, m = map(int, head.groups()[:3])
        # Baselines left out with --skip are missing from the line.
        baselines = {name: float(t) for name, t in
                     re.findall(r"(fp16|int8|fp8) ([\d.]+)", head.group(4))}
        triton = re.search(r"triton ([\d.]+) ms", line)
        if triton:
            baselines["triton"] = float(triton.group(1))
        kernels = sorted((float(t), name) for name, t in
                         re.findall(r"apex4:(\S+) ([\d.]+) ms \d+ TOPS ok", line))
        if not kernels:
            continue
        best_ms, best = kernels[0]
        weight_bytes = n * k / 2 + n * (k // 128) * 4
        times = ", ".join(f"{name} {t * 1e3:.1f}" for name, t in baselines.items())
        ratios = ", ".join(f"{t / best_ms:.2f}x {name}" for name, t in baselines.items())
        print(f"N={n} K={k} M={m}: {times} us | best {best} {best_ms * 1e3:.1f} us = "
              f"{ratios}, {weight_bytes / best_ms / 1e6:.0f} GB/s on the weights")
        if show_all:
            print("   ", " ".join(f"{name}:{t * 1e3:.1f}" for t, name in kernels))
        if by_stages:
            plain = [kern for kern in kernels if kern[1].endswith("_st1")]
            ring = [kern for kern in kernels if not kern[1].endswith("_st1")]
            if plain and ring:
                print(f"    stages 1: {plain[0][1]} {plain[0][0] * 1e3:.1f} us, ring: "
                      f"{ring[0][1]} {ring[0][0] * 1e3:.1f} us, stages 1 / ring "
                      f"{plain[0][0] / ring[0][0]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
