#!/usr/bin/env python3
"""How good is the cost model's pick? For every (N, K, M) and groups of a
benchmark run over a plan sweep (bench.py's results.json over
bench/make_artifacts.py artifacts), asks apex4-plan for the model's plan and
compares the measured time of that plan with the fastest passing kernel of
the sweep: the regret (1.00 = the model picked the winner). Rho study asks
whether the model's times are right; this asks whether its choices are.

  python3 bench/plan_regret.py --results bench/results/h200-decode-retune/results.json \\
      --artifacts bench/artifacts/tune --bin build/bin --target-file targets/h200.json --untuned

--untuned ranks with the target's tuned_plans removed: the model alone, as
on a target nobody has tuned (h100 has no decode entries).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from autotune import passing_kernels
from rho_study import plan_fields, same_plan


def plan_text(best):
    """apex4-plan's best_predicted as the plan attribute text of a manifest."""
    tile, warps = best["tile"], best["warps"]
    return (f"#apex4.plan<placement = {best['placement']}, convert = {best['convert']}, "
            f"path = {best['path']}, tile = [{tile[0]}, {tile[1]}, {tile[2]}], "
            f"warps = [{warps[0]}, {warps[1]}], stages = {best['stages']}, "
            f"split_k = {best['split_k']}>")


def short(plan):
    """The fields that vary in a sweep, for the table."""
    fields, tile = plan_fields(plan)
    return (f"{fields['path']} tile [{', '.join(map(str, tile))}] split {fields['split_k']} "
            f"stages {fields['stages']}")


def model_pick(args, target_file, n, k, m, a_group, w_group):
    """The model's best candidate (apex4-plan's best_predicted)."""
    cmd = [os.path.join(args.bin, "apex4-plan"), "-n", str(n), "-k", str(k), "-m", str(m),
           "--a-group", str(a_group), "--w-group", str(w_group), "--top", "1"]
    cmd += ["--target-file", target_file] if target_file else ["--target", args.target]
    ranked = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return ranked["best_predicted"]


def measured(pick, plans, per_channel):
    """The time of the sweep's kernel with the model's plan, or None."""
    for plan, us in plans.items():
        if same_plan(pick, plan, per_channel, same_stages=True):
            return us
    return None


def report(args, target_file):
    # A point is an entry of the run and its groups: a sweep may hold several.
    points, manifests = [], {}
    for entry in json.load(open(args.results))["results"]:
        by_groups = {}
        for n, k, m, a_group, w_group, us, plan in passing_kernels(
                {"results": [entry]}, args.artifacts, manifests):
            by_groups.setdefault((n, k, m, a_group, w_group), {})[plan] = us
        points += by_groups.items()
    print("| N x K | M | groups | model's plan | predicted us | measured us | sweep's best | best us | regret |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    regrets = []
    for (n, k, m, a_group, w_group), plans in points:
        best_plan, best_us = min(plans.items(), key=lambda kv: kv[1])
        pick = model_pick(args, target_file, n, k, m, a_group, w_group)
        per_channel = "per_channel" == a_group == w_group
        us = measured(pick, plans, per_channel)
        if us is None:
            cells = f"not in the sweep | {short(best_plan)} | {best_us:.1f} | -"
        else:
            regrets.append(us / best_us)
            cells = f"{us:.1f} | {short(best_plan)} | {best_us:.1f} | {us / best_us:.2f}"
        print(f"| {n} x {k} | {m} | {a_group} / {w_group} | {short(plan_text(pick))} | "
              f"{pick['predicted_us']:.1f} | {cells} |")
    if regrets:
        print(f"\n{len(points)} points; the model's plan was measured at {len(regrets)}: regret "
              f"{min(regrets):.2f}-{max(regrets):.2f}, mean {sum(regrets) / len(regrets):.3f}, "
              f"{sum(r <= 1.0 for r in regrets)} picks were the winner")
    else:
        print(f"\n{len(points)} points; the model's plan is in none of them")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--results", required=True)
    p.add_argument("--artifacts", required=True)
    p.add_argument("--bin", required=True)
    p.add_argument("--target", default="h100")
    p.add_argument("--target-file", default=None)
    p.add_argument("--untuned", action="store_true",
                   help="drop the target file's tuned_plans (needs --target-file)")
    args = p.parse_args()
    if not args.untuned:
        report(args, args.target_file)
        return 0
    if not args.target_file:
        p.error("--untuned needs --target-file")
    target = json.load(open(args.target_file))
    target["tuned_plans"] = []
    with tempfile.NamedTemporaryFile("w", suffix=".json") as scratch:
        json.dump(target, scratch)
        scratch.flush()
        report(args, scratch.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
