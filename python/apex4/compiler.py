"""Drives the apex4 tools: the CPU reference (apex4-opt | mlir-runner) and
apex4-compile (PTX, cubin, JSON manifest), with an on-disk kernel cache.

Tools are found in $APEX4_BIN_DIR, then on PATH, then in the repository's
build/bin. The LLVM installation (mlir-runner and its runtime libraries) is
$APEX4_LLVM_DIR, default /usr/lib/llvm-22. The cache is $APEX4_CACHE_DIR,
default ~/.cache/apex4.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from .ir import linear_module
from .quant import Group

# <repo>/python/apex4/compiler.py -> <repo>/build/bin (only in a source checkout)
_REPO_BUILD: Optional[Path] = Path(__file__).resolve().parents[2] / "build" / "bin"
if not (_REPO_BUILD.parent.parent / "CMakeLists.txt").exists():
    _REPO_BUILD = None
_RUNNER_LIBS = ("libmlir_c_runner_utils", "libmlir_runner_utils")


class ToolNotFound(RuntimeError):
    """An apex4 or LLVM tool is not installed where apex4 looks for it."""


class CompileError(RuntimeError):
    """A tool ran and failed; the message carries its stderr."""


def llvm_dir() -> Path:
    return Path(os.environ.get("APEX4_LLVM_DIR", "/usr/lib/llvm-22"))


def find_tool(name: str) -> str:
    """$APEX4_BIN_DIR/name, then PATH, then <repo>/build/bin/name."""
    candidates = []
    if os.environ.get("APEX4_BIN_DIR"):
        candidates.append(Path(os.environ["APEX4_BIN_DIR"]) / name)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    if _REPO_BUILD is not None:
        candidates.append(_REPO_BUILD / name)
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    where = "$APEX4_BIN_DIR, PATH" + (f" or {_REPO_BUILD}" if _REPO_BUILD else "")
    raise ToolNotFound(f"{name} not found in {where} "
                       "(build apex4, or set APEX4_BIN_DIR to its build/bin)")


def _run(cmd: List[str], stdin: Optional[str] = None) -> str:
    result = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if result.returncode:
        raise CompileError(f"{Path(cmd[0]).name} failed (exit {result.returncode}):\n{result.stderr}")
    return result.stdout


# --- CPU reference ------------------------------------------------------------

def run_cpu_reference(module: str) -> List[np.ndarray]:
    """Lowers `module` with `apex4-opt --apex4-cpu-reference`, runs its @main
    with mlir-runner and returns every printed memref, in order (int64
    arrays for integer memrefs, float64 for float ones)."""
    lowered = _run([find_tool("apex4-opt"), "-", "--apex4-cpu-reference"], module)
    runner = llvm_dir() / "bin" / "mlir-runner"
    if not runner.exists():
        raise ToolNotFound(f"{runner} not found (set APEX4_LLVM_DIR)")
    libs = ",".join(str(llvm_dir() / "lib" / f"{lib}.so") for lib in _RUNNER_LIBS)
    out = _run([str(runner), "-e", "main", "--entry-point-result=void",
                f"--shared-libs={libs}"], lowered)
    return parse_memrefs(out)


_NUMBER = re.compile(r"[-+]?(?:nan|inf|\d+\.?\d*(?:e[-+]?\d+)?)", re.IGNORECASE)


def parse_memrefs(text: str) -> List[np.ndarray]:
    """Parses printMemref* output ('Unranked Memref ... sizes = [..] ... data = ...')."""
    arrays = []
    for block in text.split("Unranked Memref")[1:]:
        sizes_text = re.search(r"sizes = \[([^\]]*)\]", block)
        if sizes_text is None or "data =" not in block:
            raise ValueError(f"unexpected memref printout: {block[:200]!r}")
        sizes = [int(v) for v in sizes_text.group(1).split(",") if v.strip()]
        tokens = _NUMBER.findall(block.split("data =", 1)[1])
        is_float = any(not re.fullmatch(r"[-+]?\d+", t) for t in tokens)
        values = np.array([float(t) for t in tokens] if is_float else [int(t) for t in tokens],
                          dtype=np.float64 if is_float else np.int64)
        arrays.append(values.reshape(sizes))
    return arrays


# --- compilation and the kernel cache ----------------------------------------

def cache_dir() -> Path:
    return Path(os.environ.get("APEX4_CACHE_DIR") or Path.home() / ".cache" / "apex4")


def compiler_version() -> str:
    """Identifies the compiler build for the cache key: a hash of the
    apex4-compile binary (apex4-opt --version only names LLVM). A machine
    without the compiler (a GPU box running kernels compiled elsewhere) uses
    the version recorded in the cache by the machine that filled it."""
    recorded = cache_dir() / "COMPILER_VERSION"
    try:
        tool = find_tool("apex4-compile")
    except ToolNotFound:
        if recorded.exists():
            return recorded.read_text().strip()
        raise
    version = "apex4-compile-" + hashlib.sha256(Path(tool).read_bytes()).hexdigest()[:16]
    if not recorded.exists() or recorded.read_text().strip() != version:
        recorded.parent.mkdir(parents=True, exist_ok=True)
        recorded.write_text(version)
    return version


def compile_command(source: str, out_dir: str, name: str, target: str, cubin: bool) -> List[str]:
    """The apex4-compile command line (the CLI contract, in one place):
    `apex4-compile IN.mlir -o DIR --name NAME --target=T [--no-cubin]`
    writes DIR/NAME.ptx, DIR/NAME.cubin (unless --no-cubin) and DIR/NAME.json."""
    cmd = [find_tool("apex4-compile"), source, "-o", out_dir, "--name", name, f"--target={target}"]
    if not cubin:
        cmd.append("--no-cubin")
    return cmd


def cache_key(module: str, target: str, name: str, cubin: bool) -> str:
    text = "\0".join([module, target, name, "cubin" if cubin else "ptx", compiler_version()])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def compile_module(module: str, target: str = "h100", name: str = "kernels",
                   cubin: bool = True) -> Dict[str, Any]:
    """Compiles `module` with apex4-compile, once per (module text, target,
    name, cubin, compiler build), and returns the manifest with 'directory'
    set to the folder holding the .ptx/.cubin/.json."""
    directory = cache_dir() / cache_key(module, target, name, cubin)
    manifest_path = directory / f"{name}.json"
    if not manifest_path.exists():
        if directory.exists():  # an incomplete entry (older apex4 wrote in place)
            shutil.rmtree(directory)
        cache_dir().mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=cache_dir()))
        try:
            source = staging / "input.mlir"
            source.write_text(module)
            _run(compile_command(str(source), str(staging), name, target, cubin))
            if not (staging / f"{name}.json").exists():
                raise CompileError(f"apex4-compile wrote no {name}.json")
            try:
                staging.rename(directory)  # atomic: a cache entry is complete or absent
            except OSError:
                if not manifest_path.exists():  # not a concurrent winner: a real error
                    raise
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    manifest = json.loads(manifest_path.read_text())
    manifest["directory"] = str(directory)
    return manifest


def compile_linear(n: int, k: int, a_group: Group = "auto", w_group: Group = "auto",
                   target: str = "h100", dtype: str = "f16", m: Optional[int] = None,
                   cubin: bool = True) -> Dict[str, Any]:
    """Kernels for y[M, N] = linear(x[M, K], w[N, K]): the quantize kernel(s)
    and the matmul kernel with the plan the cost model picks for `target`."""
    return compile_module(linear_module(n, k, a_group, w_group, dtype=dtype, m=m),
                          target=target, name="linear", cubin=cubin)


def compile_row_buckets(n: int, k: int, a_group: Group, w_group: Group,
                        target: str = "h100") -> Dict[int, Dict[str, Any]]:
    """The kernels apex4.nn.Linear runs below the prefill sizes: one
    compile_linear per row bucket (apex4.buckets.ROW_BUCKETS), planned for
    the bucket's rows, keyed by those rows."""
    from .buckets import ROW_BUCKETS
    return {rows: compile_linear(n, k, a_group, w_group, target, m=rows)
            for _, rows in ROW_BUCKETS}


def explain_plan(module: str, target: str = "h100") -> str:
    """The cost model's explanation (apex4-select-plan remarks) for `module`."""
    result = subprocess.run(
        [find_tool("apex4-opt"), "-", f"--apex4-select-plan=target={target} explain=true",
         "-o", os.devnull], input=module, capture_output=True, text=True)
    if result.returncode:
        raise CompileError(result.stderr)
    return "\n".join(line for line in result.stderr.splitlines() if "note:" not in line)
