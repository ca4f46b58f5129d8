#!/usr/bin/env python3
"""How good is the cost model's pick? For every (N, K, M) of a benchmark run
over a plan sweep (bench.py's results.json over bench/make_artifacts.py
artifacts), asks apex4-plan for the model's plan and compares the measured
time of that plan with the fastest passing kernel of the sweep: the regret
(1.00 = the model picked the winner). Rho study asks whether the model's
times are right; this asks whether its choices are.

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


def group_flag(group, k):
    return "per_channel" if group in (0, k) else str(group)


def plan_text(best):
    """apex4-plan's best_predicted as the plan attribute text of a manifest."""
    tile, warps = best["tile"], best["warps"]
    return (f"#apex4.plan<placement = {best['placement']}, convert = {best['convert']}, "
            f"path = {best['path']}, tile = [{tile[0]}, {tile[1]}, {tile[2]}], "
            f"warps = [{warps[0]}, {warps[1]}], stages = {best['stages']}, "
            f"split_k = {best['split_k']}>")


def short(plan):
    """The fields that vary in a sweep, for the table."""
    inner = plan[len("#apex4.plan<"):-1]
    # "tile = [a, b, c]" splits into pieces without " = ": only the scalar fields remain.
    fields = dict(part.split(" = ", 1) for part in inner.split(", ") if " = " in part)
    tile = plan[plan.index("tile = [") + 8:plan.index("]", plan.index("tile = ["))]
    return f"{fields['path']} tile [{tile}] split {fields['split_k']} stages {fields['stages']}"


def model_pick(args, target_file, n, k, m, a_group, w_group):
    cmd = [os.path.join(args.bin, "apex4-plan"), "-n", str(n), "-k", str(k), "-m", str(m),
           "--a-group", group_flag(a_group, k), "--w-group", group_flag(w_group, k), "--top", "1"]
    cmd += ["--target-file", target_file] if target_file else ["--target", args.target]
    ranked = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return plan_text(ranked["best_predicted"]), ranked["best_predicted"]["predicted_us"]


def sweep_plans(artifacts, point):
    """{plan text: (measured us, label)} of the point's passing apex4 kernels."""
    plans = {}
    for label, run in point.get("w4a4", {}).items():
        if not label.startswith("apex4:") or "ms" not in run or not run.get("check", {}).get("ok"):
            continue
        manifest = json.load(open(os.path.join(artifacts, label[len("apex4:"):] + ".json")))
        plan = next(p["plan"] for p in manifest["plans"] if p["op"] == "apex4.matmul")
        kernel = manifest["kernels"][0]
        plans[plan] = (run["ms"] * 1e3, kernel.get("a_group", 128), kernel.get("w_group", 128))
    return plans


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
    target_file = args.target_file
    if args.untuned:
        if not target_file:
            p.error("--untuned needs --target-file")
        target = json.load(open(target_file))
        target["tuned_plans"] = []
        scratch = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(target, scratch)
        scratch.close()
        target_file = scratch.name

    print("| N x K | M | model's plan | predicted us | measured us | sweep's best | best us | regret |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    regrets, points = [], 0
    for point in json.load(open(args.results))["results"]:
        plans = sweep_plans(args.artifacts, point)
        if not plans:
            continue
        points += 1
        n, k, m = point["n"], point["k"], point["m"]
        best_plan, (best_us, a_group, w_group) = min(plans.items(), key=lambda kv: kv[1][0])
        pick, predicted = model_pick(args, target_file, n, k, m, a_group, w_group)
        measured = plans.get(pick, (None,))[0]
        if measured is None:
            cells = f"not in the sweep | {short(best_plan)} | {best_us:.1f} | -"
        else:
            regrets.append(measured / best_us)
            cells = f"{measured:.1f} | {short(best_plan)} | {best_us:.1f} | {measured / best_us:.2f}"
        print(f"| {n} x {k} | {m} | {short(pick)} | {predicted:.1f} | {cells} |")
    if args.untuned:
        os.unlink(target_file)
    if regrets:
        print(f"\n{points} points; the model's plan was measured at {len(regrets)}: regret "
              f"{min(regrets):.2f}-{max(regrets):.2f}, mean {sum(regrets) / len(regrets):.3f}, "
              f"{sum(r <= 1.0 for r in regrets)} picks were the winner")
    else:
        print(f"\n{points} points; the model's plan is in none of them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
