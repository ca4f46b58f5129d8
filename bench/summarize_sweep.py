#!/usr/bin/env python3
"""Summarizes a bench.log of a kernel sweep: per (N, K, M) the baselines, the
fastest apex4 kernel with its ratios and weight bandwidth, and (--all) every
variant fastest first. Usage: bench/summarize_sweep.py bench.log [--all]"""
import re
import sys

HEAD = re.compile(r"N=(\d+)\s+K=(\d+)\s+M=(\d+)\s+fp16 ([\d.]+) int8 ([\d.]+) fp8 ([\d.]+)")


def main():
    show_all = "--all" in sys.argv
    for line in open(sys.argv[1]):
        head = HEAD.match(line)
        if not head:
            continue
        n, k, m = map(int, head.groups()[:3])
        fp16, int8, fp8 = map(float, head.groups()[3:])
        triton = float(re.search(r"triton ([\d.]+) ms", line).group(1))
        kernels = sorted((float(t), name) for name, t in
                         re.findall(r"apex4:(\S+) ([\d.]+) ms \d+ TOPS ok", line))
        if not kernels:
            continue
        best_ms, best = kernels[0]
        weight_bytes = n * k / 2 + n * (k // 128) * 4
        print(f"N={n} K={k} M={m}: fp16 {fp16 * 1e3:.1f} us, fp8 {fp8 * 1e3:.1f}, "
              f"int8 {int8 * 1e3:.1f}, triton {triton * 1e3:.1f} | best {best} "
              f"{best_ms * 1e3:.1f} us = {fp16 / best_ms:.2f}x fp16, {fp8 / best_ms:.2f}x fp8, "
              f"{int8 / best_ms:.2f}x int8, {triton / best_ms:.2f}x triton, "
              f"{weight_bytes / best_ms / 1e6:.0f} GB/s on the weights")
        if show_all:
            print("   ", " ".join(f"{name}:{t * 1e3:.1f}" for t, name in kernels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
