"""bench/plan_regret.py: the measured time of the cost model's pick against
the fastest kernel of a sweep."""
import json
import os
import subprocess
import sys

import pytest

from apex4.compiler import ToolNotFound, find_tool
from bench_tools import load_bench_script

REPO = os.path.join(os.path.dirname(__file__), "..", "..")
OTHER_PLAN = ("#apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, "
              "tile = [16, 32, 128], warps = [1, 1], stages = 2, split_k = 16>")


def model_plan(bindir, n, k, m):
    plan_regret = load_bench_script("plan_regret")
    ranked = subprocess.run([os.path.join(bindir, "apex4-plan"), "--target", "h100", "-n", str(n),
                             "-k", str(k), "-m", str(m), "--group", "128", "--top", "1"],
                            check=True, capture_output=True, text=True).stdout
    return plan_regret.plan_text(json.loads(ranked)["best_predicted"])


def write_kernel(directory, name, plan):
    manifest = {"plans": [{"op": "apex4.matmul", "plan": plan}],
                "kernels": [{"kind": "matmul", "n": 4096, "k": 4096, "a_group": 128, "w_group": 128}]}
    (directory / (name + ".json")).write_text(json.dumps(manifest))


def test_regret_of_the_models_pick(tmp_path):
    try:
        bindir = os.path.dirname(find_tool("apex4-plan"))
    except ToolNotFound as e:
        pytest.skip(str(e))
    pick = model_plan(bindir, 4096, 4096, 1)
    assert pick != OTHER_PLAN
    write_kernel(tmp_path, "pick", pick)
    write_kernel(tmp_path, "other", OTHER_PLAN)
    def point(m, times):
        return {"n": 4096, "k": 4096, "m": m, "w4a4": {
            "apex4:" + name: {"ms": ms, "check": {"ok": ok}} for name, (ms, ok) in times.items()}}
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"results": [
        point(1, {"pick": (0.010, True), "other": (0.008, True)}),   # regret 1.25
        point(1, {"pick": (0.010, False), "other": (0.009, True)}),  # the pick failed its check
    ]}))
    out = subprocess.run([sys.executable, os.path.join(REPO, "bench", "plan_regret.py"),
                          "--results", str(results), "--artifacts", str(tmp_path),
                          "--bin", bindir, "--target", "h100"],
                         check=True, capture_output=True, text=True).stdout
    rows = [line for line in out.splitlines() if line.startswith("| 4096 x 4096")]
    assert rows[0].endswith("| 10.0 | s8_mma_sync tile [16, 32, 128] split 16 stages 2 | 8.0 | 1.25 |")
    assert "| not in the sweep |" in rows[1]
    assert out.strip().endswith("2 points; the model's plan was measured at 1: regret "
                                "1.25-1.25, mean 1.250, 0 picks were the winner")
