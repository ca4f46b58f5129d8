"""bench/autotune.py: measured plans into a target description, and
apex4-select-plan taking them (docs/cost-model.md, "Autotuning")."""
import json
import os
import subprocess

import pytest

from apex4.compiler import ToolNotFound, find_tool
from bench_tools import load_bench_script

REPO = os.path.join(os.path.dirname(__file__), "..", "..")


def load_autotune():
    return load_bench_script("autotune")


def plan_text(tile_m, tile_n, split_k, stages):
    return ("#apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, "
            f"tile = [{tile_m}, {tile_n}, 128], warps = [1, 1], stages = {stages}, "
            f"split_k = {split_k}>")


def write_manifest(directory, name, plan, group=128):
    manifest = {"plans": [{"op": "apex4.matmul", "plan": plan}],
                "kernels": [{"kind": "matmul", "n": 4096, "k": 4096,
                             "a_group": group, "w_group": group}]}
    with open(os.path.join(directory, name + ".json"), "w") as f:
        json.dump(manifest, f)


def run(m, times):
    """One results.json point: apex4 kernel name -> (ms, check ok)."""
    return {"n": 4096, "k": 4096, "m": m,
            "w4a4": {"apex4:" + name: {"ms": ms, "check": {"ok": ok}}
                     for name, (ms, ok) in times.items()}}


def test_fastest_passing_plan_per_m_with_log_scale_ranges(tmp_path):
    autotune = load_autotune()
    write_manifest(tmp_path, "a", plan_text(8, 16, 8, 1))
    write_manifest(tmp_path, "b", plan_text(16, 16, 4, 1))
    write_manifest(tmp_path, "c", plan_text(8, 32, 16, 2))
    results = {"results": [
        run(1, {"a": (0.008, True), "b": (0.009, True), "c": (0.007, False)}),  # c failed
        run(16, {"a": (0.011, True), "b": (0.009, True)}),
        run(64, {"a": (0.030, True), "b": (0.020, True), "c": (0.019, True)}),
    ]}
    entries = autotune.tuned_entries(autotune.best_kernels(results, str(tmp_path)))
    assert [(e["m"], e["plan"]) for e in entries] == [
        ([1, 4], plan_text(8, 16, 8, 1)),     # 4 = isqrt(1 * 16)
        ([5, 32], plan_text(16, 16, 4, 1)),   # 32 = isqrt(16 * 64)
        ([33, 64], plan_text(8, 32, 16, 2)),  # nothing above the largest M
    ]
    assert entries[0]["measured_us"] == 8.0 and entries[0]["a_group"] == 128


def test_merge_replaces_the_same_shape_only(tmp_path):
    autotune = load_autotune()
    old = {"n": 4096, "k": 4096, "a_group": 128, "w_group": 128, "m": [1, 8], "plan": "x"}
    other = dict(old, n=1024)
    target = autotune.merge({"tuned_plans": [old, other]},
                            [dict(old, plan="y")], "test")
    assert target["tuned_plans"] == [other, dict(old, plan="y")]
    assert target["sources"]["tuned_plans"] == "test"


def test_merge_keeps_the_same_shape_at_other_rows():
    autotune = load_autotune()
    prefill = {"n": 4096, "k": 4096, "a_group": 128, "w_group": 128, "m": [1024, 8192],
               "plan": "p"}
    old_decode = dict(prefill, m=[8, 16], plan="x")
    decode = [dict(prefill, m=[1, 2], plan="a"), dict(prefill, m=[3, 16], plan="b")]
    target = autotune.merge({"tuned_plans": [prefill, old_decode],
                             "sources": {"tuned_plans": "prefill run"}}, decode, "decode run")
    assert target["tuned_plans"] == [prefill] + decode
    assert target["sources"]["tuned_plans"] == "prefill run; then decode run"


def test_select_plan_takes_the_written_plan(tmp_path):
    autotune = load_autotune()
    write_manifest(tmp_path, "a", plan_text(8, 32, 16, 2), group=4096)
    results = {"meta": {"gpu": "test GPU"}, "results": [run(1, {"a": (0.005, True)})]}
    with open(tmp_path / "results.json", "w") as f:
        json.dump(results, f)
    out = tmp_path / "tuned.json"
    subprocess.run(["python3", os.path.join(REPO, "bench", "autotune.py"),
                    "--results", str(tmp_path / "results.json"), "--artifacts", str(tmp_path),
                    "--target-file", os.path.join(REPO, "targets", "h100.json"),
                    "--out", str(out)], check=True)
    written = json.loads(out.read_text())
    assert written["tuned_plans"][0]["a_group"] == "per_channel"
    module = tmp_path / "decode.mlir"
    module.write_text(
        "func.func @f(%a: tensor<1x4096xi4>, %sa: tensor<1x1xf32>, %w: tensor<4096x4096xi4>,"
        " %sw: tensor<4096x1xf32>) -> tensor<1x4096xf16> {\n"
        "  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<per_channel>,"
        " w_group = #apex4.group<per_channel>} : tensor<1x4096xi4>, tensor<1x1xf32>,"
        " tensor<4096x4096xi4>, tensor<4096x1xf32> -> tensor<1x4096xf16>\n"
        "  return %c : tensor<1x4096xf16>\n}\n")
    try:
        opt = find_tool("apex4-opt")
    except ToolNotFound as e:  # a GPU machine has no compiler
        pytest.skip(str(e))
    planned = subprocess.run([opt, str(module), f"-apex4-select-plan=target-file={out}"],
                             check=True, capture_output=True, text=True).stdout
    assert "tile = [8, 32, 128], warps = [1, 1], stages = 2, split_k = 16" in planned
