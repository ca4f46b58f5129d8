"""apex4.compiler without the real tools: printout parsing, tool lookup, the
apex4-compile command line and the kernel cache (with a stand-in compiler)."""
import json
import os
import stat
import sys

import numpy as np
import pytest

from apex4 import compiler
from apex4.buckets import ROW_BUCKETS
from apex4.compiler import (CompileError, ToolNotFound, compile_linear, compile_module,
                            compile_row_buckets, parse_memrefs)

PRINTOUT = """Unranked Memref base@ = 0x5592d0a1fb40 rank = 2 offset = 0 sizes = [2, 2] strides = [2, 1] data = 
[[24,   6.5], 
 [-448,   -1.5e-07]]
Unranked Memref base@ = 0x55588e064d80 rank = 2 offset = 0 sizes = [4, 1] strides = [1, 1] data = 
[[1], 
 [-2147483648], 
 [2], 
 [-7]]
Unranked Memref base@ = 0x55588e064d80 rank = 1 offset = 0 sizes = [3] strides = [1] data = 
[inf,  -inf,  nan]
"""


def test_parse_memrefs():
    a, b, c = parse_memrefs(PRINTOUT)
    assert a.dtype == np.float64 and a.tolist() == [[24, 6.5], [-448, -1.5e-07]]
    assert b.dtype == np.int64 and b.ravel().tolist() == [1, -2147483648, 2, -7]
    assert c[0] == np.inf and c[1] == -np.inf and np.isnan(c[2])
    assert parse_memrefs("no memrefs here") == []


FAKE_COMPILE = """#!{python}
# Stand-in for apex4-compile: records its argv, writes NAME.ptx/.cubin/.json.
import json, os, sys
args = sys.argv[1:]
log = os.environ["FAKE_LOG"]
with open(log, "a") as f:
    f.write(json.dumps(args) + "\\n")
src = args[0]
out = args[args.index("-o") + 1]
name = args[args.index("--name") + 1]
target = [a for a in args if a.startswith("--target=")][0].split("=", 1)[1]
if target == "tpu":
    sys.stderr.write("apex4-compile: unknown target 'tpu'\\n")
    sys.exit(1)
text = open(src).read()
assert "apex4.linear" in text
open(os.path.join(out, name + ".ptx"), "w").write("// ptx")
cubin = None
if "--no-cubin" not in args:
    cubin = name + ".cubin"
    open(os.path.join(out, cubin), "wb").write(b"\\x7fELF")
manifest = {{"apex4_version": "0.1.0", "target": target, "chip": "sm_90a",
            "ptx": name + ".ptx", "cubin": cubin,
            "kernels": [{{"name": "mm", "kind": "matmul", "n": 64, "k": 256,
                         "a_group": 128, "w_group": 256, "out_type": "f16",
                         "params": ["A", "SA", "W", "SW", "C", "M"],
                         "block": [128, 1, 1], "grid": [128, 32, 1], "shared_bytes": 0}}],
            "plans": []}}
json.dump(manifest, open(os.path.join(out, name + ".json"), "w"))
"""


@pytest.fixture
def fake_tools(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "apex4-compile"
    tool.write_text(FAKE_COMPILE.format(python=sys.executable))
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("APEX4_BIN_DIR", str(bin_dir))
    monkeypatch.setenv("APEX4_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "log"))

    def calls():
        log = tmp_path / "log"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return tool, calls


def test_find_tool_prefers_apex4_bin_dir(fake_tools):
    tool, _ = fake_tools
    assert compiler.find_tool("apex4-compile") == str(tool)
    with pytest.raises(ToolNotFound, match="APEX4_BIN_DIR"):
        compiler.find_tool("apex4-no-such-tool")


def test_cli_contract_and_cache(fake_tools):
    tool, calls = fake_tools
    manifest = compile_linear(64, 256, 128, "per_channel", target="h100")
    args, = calls()
    assert args[0].endswith(".mlir")
    assert args[1:] == ["-o", args[2], "--name", "linear", "--target=h100"]
    directory = manifest["directory"]
    assert os.path.dirname(directory) == os.environ["APEX4_CACHE_DIR"]
    assert sorted(os.listdir(directory)) == ["input.mlir", "linear.cubin", "linear.json", "linear.ptx"]
    assert manifest["kernels"][0]["kind"] == "matmul"
    # cached: same inputs, no new compiler run
    assert compile_linear(64, 256, 128, "per_channel", target="h100")["directory"] == directory
    assert len(calls()) == 1
    # any change in shape, groups, target, output kind or compiler build recompiles
    others = {compile_linear(64, 512, 128, "per_channel")["directory"],
              compile_linear(64, 256, 64, "per_channel")["directory"],
              compile_linear(64, 256, 128, "per_channel", target="a100")["directory"],
              compile_linear(64, 256, 128, "per_channel", cubin=False)["directory"]}
    assert len(others) == 4 and directory not in others
    assert calls()[-1][-1] == "--no-cubin"
    tool.write_text(tool.read_text() + "\n# rebuilt\n")
    assert compile_linear(64, 256, 128, "per_channel")["directory"] != directory
    assert len(calls()) == 6


def test_row_buckets_compile_one_plan_per_bucket(fake_tools):
    _, calls = fake_tools
    manifests = compile_row_buckets(64, 256, 128, "per_channel", target="h200")
    assert sorted(manifests) == sorted(rows for _, rows in ROW_BUCKETS)
    assert len({m["directory"] for m in manifests.values()}) == len(ROW_BUCKETS)
    assert all(args[-1] == "--target=h200" for args in calls())
    # Each bucket's module states the rows it is planned for.
    for rows, manifest in manifests.items():
        source = open(os.path.join(manifest["directory"], "input.mlir")).read()
        assert f"tensor<{rows}x256x" in source, source


def test_compile_errors_leave_no_cache_entry(fake_tools):
    _, calls = fake_tools
    with pytest.raises(CompileError, match="unknown target 'tpu'"):
        compile_linear(64, 256, 128, 128, target="tpu")
    cache = os.environ["APEX4_CACHE_DIR"]
    assert sorted(os.listdir(cache)) == ["COMPILER_VERSION"]


def test_cache_is_usable_without_the_compiler(fake_tools, monkeypatch, tmp_path):
    manifest = compile_module("// apex4.linear", target="h100", name="k")
    # a GPU machine: cache carried over, no compiler anywhere
    monkeypatch.setenv("APEX4_BIN_DIR", str(tmp_path / "empty"))
    monkeypatch.setattr(compiler, "_REPO_BUILD", tmp_path / "empty")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert compile_module("// apex4.linear", target="h100", name="k") == manifest
    with pytest.raises(ToolNotFound):
        compile_module("// apex4.linear other", target="h100", name="k")
