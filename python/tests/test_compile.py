"""IR generation and compiler invocation (PTX; cubin when ptxas exists)."""
import os

import pytest

from apex4.compiler import ToolNotFound, compile_module, explain_plan, find_tool
from apex4.ir import linear_module

try:
    find_tool("apex4-compile")
except ToolNotFound as e:  # pragma: no cover
    pytest.skip(str(e), allow_module_level=True)


def test_linear_module_text():
    text = linear_module(64, 256, 128, "per_channel")
    assert "apex4.linear %x, %w {a_group = #apex4.group<128>, w_group = #apex4.group<per_channel>}" in text
    assert "tensor<?x256xf16>, tensor<64x256xf16> -> tensor<?x64xf16>" in text


@pytest.mark.parametrize("target,mma", [("h100", "m16n8k32.row.col.satfinite.s32.s8.s8.s32"),
                                        ("a100", "m16n8k64.row.col.satfinite.s32.s4.s4.s32")])
def test_compile_writes_ptx_and_manifest(tmp_path, monkeypatch, target, mma):
    monkeypatch.setenv("APEX4_CACHE_DIR", str(tmp_path))
    manifest = compile_module(linear_module(128, 256, 128, 128), target=target, cubin=False)
    ptx = open(os.path.join(manifest["directory"], manifest["ptx"])).read()
    assert mma in ptx
    kinds = sorted(k["kind"] for k in manifest["kernels"])
    assert kinds == ["matmul", "quantize"]
    matmul = next(k for k in manifest["kernels"] if k["kind"] == "matmul")
    assert matmul["params"] == ["A", "SA", "W", "SW", "C", "M"]
    assert (matmul["n"], matmul["k"], matmul["a_group"], matmul["w_group"]) == (128, 256, 128, 128)


def test_compile_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("APEX4_CACHE_DIR", str(tmp_path))
    first = compile_module(linear_module(64, 256, 64, 64), cubin=False)
    stamp = os.path.getmtime(os.path.join(first["directory"], first["ptx"]))
    second = compile_module(linear_module(64, 256, 64, 64), cubin=False)
    assert second["directory"] == first["directory"]
    assert os.path.getmtime(os.path.join(second["directory"], second["ptx"])) == stamp
    other = compile_module(linear_module(64, 256, 64, 64), target="a100", cubin=False)
    assert other["directory"] != first["directory"]


def test_compile_errors_are_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("APEX4_CACHE_DIR", str(tmp_path))
    with pytest.raises(RuntimeError, match="unknown target 'tpu'"):
        compile_module(linear_module(64, 256, 64, 64), target="tpu", cubin=False)


def test_plan_explanation():
    text = explain_plan(linear_module(4096, 4096, 128, 128, m=8192), target="a100")
    assert "apex4-select-plan on a100" in text
    assert "ranked candidates" in text
