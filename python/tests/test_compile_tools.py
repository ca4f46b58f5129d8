"""apex4-compile through apex4.compiler with the real tools (skipped without
a build): PTX per target, the manifest, the cache, errors, plan explanations."""
import os

import pytest

from apex4.compiler import CompileError, ToolNotFound, compile_linear, explain_plan, find_tool
from apex4.ir import linear_module

try:
    find_tool("apex4-compile")
    find_tool("apex4-opt")
except ToolNotFound as e:
    pytest.skip(f"needs the apex4 tools: {e}", allow_module_level=True)


@pytest.mark.parametrize("target,mma", [("h100", "m16n8k32.row.col.satfinite.s32.s8.s8.s32"),
                                        ("a100", "m16n8k64.row.col.satfinite.s32.s4.s4.s32")])
def test_compile_writes_ptx_and_manifest(tmp_path, monkeypatch, target, mma):
    monkeypatch.setenv("APEX4_CACHE_DIR", str(tmp_path))
    manifest = compile_linear(128, 256, 128, "per_channel", target=target, cubin=False)
    assert manifest["target"] == target and manifest["cubin"] is None
    ptx = open(os.path.join(manifest["directory"], manifest["ptx"])).read()
    assert mma in ptx
    kernels = {k["kind"]: k for k in manifest["kernels"] if k["kind"] == "matmul"}
    matmul = kernels["matmul"]
    assert matmul["params"] == ["A", "SA", "W", "SW", "C", "M"]
    assert (matmul["n"], matmul["k"], matmul["a_group"], matmul["w_group"]) == (128, 256, 128, 256)
    quantize = [k for k in manifest["kernels"] if k["kind"] == "quantize"]
    assert quantize and all(k["params"] == ["X", "Q", "S", "M"] for k in quantize)
    assert {(k["k"], k["group"]) for k in quantize} >= {(256, 128)}
    for k in manifest["kernels"]:
        assert f".entry {k['name']}(" in ptx


def test_compile_with_cubin_and_cache(tmp_path, monkeypatch):
    if not os.path.exists("/usr/local/cuda/bin/ptxas") and not any(
            os.path.exists(os.path.join(p, "ptxas")) for p in os.environ.get("PATH", "").split(":")):
        pytest.skip("no ptxas")
    monkeypatch.setenv("APEX4_CACHE_DIR", str(tmp_path))
    first = compile_linear(64, 256, 64, 64)
    cubin = os.path.join(first["directory"], first["cubin"])
    assert open(cubin, "rb").read(4) == b"\x7fELF"
    stamp = os.path.getmtime(cubin)
    second = compile_linear(64, 256, 64, 64)
    assert second == first and os.path.getmtime(cubin) == stamp


def test_auto_granularity_is_resolved(tmp_path, monkeypatch):
    monkeypatch.setenv("APEX4_CACHE_DIR", str(tmp_path))
    manifest = compile_linear(256, 1024, "auto", "auto", target="h100", cubin=False)
    matmul = next(k for k in manifest["kernels"] if k["kind"] == "matmul")
    for g in (matmul["a_group"], matmul["w_group"]):
        assert g == 1024 or (g >= 16 and g & (g - 1) == 0)
    assert manifest["plans"] and manifest["plans"][0]["plan"].startswith("#apex4.plan<")


def test_compile_errors_are_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("APEX4_CACHE_DIR", str(tmp_path))
    with pytest.raises(CompileError, match="unknown target 'tpu'"):
        compile_linear(64, 256, 64, 64, target="tpu", cubin=False)


def test_plan_explanation():
    text = explain_plan(linear_module(4096, 4096, 128, 128, m=8192), target="a100")
    assert "apex4-select-plan on a100" in text
    assert "ranked candidates" in text


def test_decode_rows_get_the_split_k_kernel(tmp_path, monkeypatch):
    # nn.Linear compiles the 16-row bucket's kernels with m = 16, as here
    # (apex4/buckets.py; apex4.nn needs torch, absent on CI).
    monkeypatch.setenv("APEX4_CACHE_DIR", str(tmp_path))
    decode = compile_linear(4096, 4096, 128, 128, target="h100", m=16, cubin=False)
    prefill = compile_linear(4096, 4096, 128, 128, target="h100", cubin=False)
    (decode_plan,) = [p["plan"] for p in decode["plans"] if p["op"] == "apex4.matmul"]
    (prefill_plan,) = [p["plan"] for p in prefill["plans"] if p["op"] == "apex4.matmul"]
    # 16 tokens on the MMA's 16-row side; K over 8 warps (H100: 132 SMs).
    assert "tile = [16, 16, 128]" in decode_plan and "split_k = 8>" in decode_plan
    assert "split_k = 1>" in prefill_plan
    matmul = next(k for k in decode["kernels"] if k["kind"] == "matmul")
    assert matmul["block"] == [256, 1, 1] and matmul["grid"] == [16, 16, 1]


def test_few_rows_put_the_weights_on_the_mma_row_side(tmp_path, monkeypatch):
    # nn.Linear's M <= 8 kernels: tile M 8, 16 W rows per MMA fragment.
    monkeypatch.setenv("APEX4_CACHE_DIR", str(tmp_path))
    few = compile_linear(4096, 4096, 128, 128, target="h100", m=8, cubin=False)
    (plan,) = [p["plan"] for p in few["plans"] if p["op"] == "apex4.matmul"]
    assert "tile = [8, 16, 128]" in plan and "split_k = 8>" in plan
    matmul = next(k for k in few["kernels"] if k["kind"] == "matmul")
    assert matmul["grid"] == [16, 8, 1]
