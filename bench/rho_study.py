#!/usr/bin/env python3
"""Measured vs predicted: the rho study on Hopper.

Reads the device checker's results (test/GPU/check_kernels.py --json) or a
benchmark run (bench/bench.py's results.json) and the manifests of the
compiled cases, asks apex4-plan for the prediction of the
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
    print(f"| case | M x N x K | measured us | predicted us | ratio |")
    print(f"| --- | --- | --- | --- | --- |")
    for case, m, measured_us in measurements(json.load(open(args.results))["results"]):
        manifest = json.load(open(os.path.join(args.artifacts, case + ".json")))
        kernel = manifest["kernels"][0]
        plan = manifest["plans"][0]["plan"]
        predicted_us = prediction(args, m, kernel, plan)
        if predicted_us is None:
            continue
        ratio = predicted_us / measured_us
        flag = "" if 0.8 <= ratio <= 1.2 else " (off by more than 20%)"
        print(f"| {case} | {m} x {kernel['n']} x {kernel['k']} | {measured_us:.0f} | "
              f"{predicted_us:.0f} | {ratio:.2f}{flag} |")


def measurements(results):
    """(case, M, measured us) from check_kernels.py --json or bench.py's
    results.json (every passing apex4 kernel)."""
    for r in results:
        if "apex4_ms" in r:
            yield r["case"], r["m"], r["apex4_ms"] * 1000
        for name, run in r.get("w4a4", {}).items():
            if name.startswith("apex4:") and "ms" in run and run.get("check", {}).get("ok"):
                yield name[len("apex4:"):], r["m"], run["ms"] * 1000


def plan_fields(plan):
    """The scalar fields of plan attribute text, and its tile as a list."""
    fields = dict(re.findall(r"(\w+) = (\w+)", plan))
    tile = [int(v) for v in re.search(r"tile = \[([^\]]*)\]", plan).group(1).split(",")]
    return fields, tile


def same_plan(candidate, plan, per_channel, same_stages=False):
    """Whether an apex4-plan candidate is the plan of `plan`'s text, up to
    its stages unless `same_stages` (the model ranks one depth per tile).
    Per-channel on both sides has one group end whatever the placement
    says; the model lists it as epilogue."""
    fields, tile = plan_fields(plan)
    return (candidate["path"] == fields["path"] and candidate["convert"] == fields["convert"]
            and (candidate["placement"] == fields["placement"] or per_channel)
            and candidate["tile"] == tile
            and candidate["split_k"] == int(fields.get("split_k", 1))
            and (not same_stages or candidate["stages"] == int(fields["stages"])))


def prediction(args, m, kernel, plan):
    """apex4-plan's prediction for this shape and plan (None: not among its
    candidates)."""
    n, k = kernel["n"], kernel["k"]
    out = subprocess.run(
        [os.path.join(args.bin, "apex4-plan"),
         f"--target-file={args.target_file}" if args.target_file else f"--target={args.target}",
         f"--m={m}", f"--n={n}", f"--k={k}",
         f"--a-group={group_flag(kernel['a_group'], k)}",
         f"--w-group={group_flag(kernel['w_group'], k)}", "--top=100000"],
        capture_output=True, text=True, check=True).stdout
    per_channel = kernel["a_group"] in (0, k) and kernel["w_group"] in (0, k)
    for c in json.loads(out)["candidates"]:
        if same_plan(c, plan, per_channel):
            return c["predicted_us"]
    return None

if __name__ == "__main__":
    main()
