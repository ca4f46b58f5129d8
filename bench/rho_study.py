#!/usr/bin/env python3
"""Measured vs predicted: the rho study on Hopper.

Reads the device checker's results (test/GPU/check_kernels.py --json) and the
manifests of the compiled cases, asks apex4-plan for the prediction of the
same shape and plan, and prints a table; rows off by more than 20% are
flagged.

  python3 bench/rho_study.py --results bench/results/h100-correctness/check.json \
      --artifacts gpu-artifacts --bin build/bin
"""
import argparse
import json
import os
import re
import subprocess


def group_flag(g, k):
    return "per_channel" if g == k else str(g)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--results", required=True)
    p.add_argument("--artifacts", required=True)
    p.add_argument("--bin", required=True)
    p.add_argument("--target", default="h100")
    p.add_argument("--target-file", default=None, help="GPU description JSON (overrides --target)")
    args = p.parse_args()
    results = json.load(open(args.results))["results"]
    print(f"| case | M x N x K | measured us | predicted us | ratio |")
    print(f"| --- | --- | --- | --- | --- |")
    for r in results:
        if "apex4_ms" not in r:
            continue
        manifest = json.load(open(os.path.join(args.artifacts, r["case"] + ".json")))
        kernel = manifest["kernels"][0]
        plan = manifest["plans"][0]["plan"]
        fields = dict(re.findall(r"(\w+) = (\w+)", plan))
        tile = [int(v) for v in re.search(r"tile = \[([^\]]*)\]", plan).group(1).split(",")]
        n, k, m = kernel["n"], kernel["k"], r["m"]
        out = subprocess.run(
            [os.path.join(args.bin, "apex4-plan"),
             f"--target-file={args.target_file}" if args.target_file else f"--target={args.target}",
             f"--m={m}", f"--n={n}", f"--k={k}",
             f"--a-group={group_flag(kernel['a_group'], k)}",
             f"--w-group={group_flag(kernel['w_group'], k)}", "--top=100000"],
            capture_output=True, text=True, check=True).stdout
        for c in json.loads(out)["candidates"]:
            if (c["path"] == fields["path"] and c["convert"] == fields["convert"]
                    and c["placement"] == fields["placement"] and c["tile"] == tile
                    and c["split_k"] == 1):
                measured = r["apex4_ms"] * 1000
                ratio = c["predicted_us"] / measured
                flag = "" if 0.8 <= ratio <= 1.2 else " (off by more than 20%)"
                print(f"| {r['case']} | {m} x {n} x {k} | {measured:.0f} | "
                      f"{c['predicted_us']:.0f} | {ratio:.2f}{flag} |")
                break


if __name__ == "__main__":
    main()
