"""Runs the apex4 tools: the CPU reference (apex4-opt | mlir-runner) and
apex4-compile (PTX, cubin, manifest), with an on-disk cache of compiled
kernels keyed by (IR, target, compiler version)."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

LLVM_DIR = Path(os.environ.get("APEX4_LLVM_DIR", "/usr/lib/llvm-22"))
_REPO_BUILD = Path(__file__).resolve().parents[2] / "build" / "bin"


class ToolNotFound(RuntimeError):
    pass


def find_tool(name: str) -> str:
    """APEX4_BIN_DIR, then PATH, then the repository's build/bin."""
    candidates = []
    if os.environ.get("APEX4_BIN_DIR"):
        candidates.append(Path(os.environ["APEX4_BIN_DIR"]) / name)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    candidates.append(_REPO_BUILD / name)
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    raise ToolNotFound(f"{name} not found (set APEX4_BIN_DIR to apex4's build/bin)")


def compiler_version() -> str:
    """Identifies the compiler build for the cache key: a hash of the
    apex4-compile binary, or, on a machine without the compiler (a GPU box
    running kernels compiled elsewhere), the version recorded in the cache."""
    try:
        tool = find_tool("apex4-compile")
    except ToolNotFound:
        recorded = cache_dir() / "COMPILER_VERSION"
        if recorded.exists():
            return recorded.read_text().strip()
        raise
    version = hashlib.sha256(Path(tool).read_bytes()).hexdigest()[:16]
    cache_dir().mkdir(parents=True, exist_ok=True)
    (cache_dir() / "COMPILER_VERSION").write_text(version)
    return version


def run_cpu_reference(module: str) -> list[np.ndarray]:
    """Lowers `module` with --apex4-cpu-reference, runs @main with
    mlir-runner, and returns every printed i32 memref as an array."""
    lowered = subprocess.run([find_tool("apex4-opt"), "-", "--apex4-cpu-reference"],
                             input=module, capture_output=True, text=True)
    if lowered.returncode:
        raise RuntimeError(f"apex4-opt failed:\n{lowered.stderr}")
    libs = ",".join(str(LLVM_DIR / "lib" / f"{lib}.so")
                    for lib in ("libmlir_c_runner_utils", "libmlir_runner_utils"))
    run = subprocess.run([str(LLVM_DIR / "bin" / "mlir-runner"), "-e", "main",
                          "--entry-point-result=void", f"--shared-libs={libs}"],
                         input=lowered.stdout, capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError(f"mlir-runner failed:\n{run.stderr}")
    return _parse_memrefs(run.stdout)


def _parse_memrefs(text: str) -> list[np.ndarray]:
    arrays = []
    for block in text.split("Unranked Memref")[1:]:
        sizes = [int(v) for v in re.search(r"sizes = \[([^\]]*)\]", block).group(1).split(",")]
        data = block.split("data =", 1)[1]
        values = [int(v) for v in re.findall(r"-?\d+", data)]
        arrays.append(np.array(values, dtype=np.int64).reshape(sizes))
    return arrays


def cache_dir() -> Path:
    root = os.environ.get("APEX4_CACHE_DIR") or Path.home() / ".cache" / "apex4"
    return Path(root)


def compile_module(module: str, target: str = "h100", name: str = "kernels",
                   cubin: bool = True) -> dict:
    """Compiles with apex4-compile (cached) and returns the manifest, with
    'directory' set to where the .ptx/.cubin live."""
    key = hashlib.sha256("\0".join([module, target, str(cubin), compiler_version()])
                         .encode()).hexdigest()[:24]
    directory = cache_dir() / key
    manifest_path = directory / f"{name}.json"
    if not manifest_path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
            f.write(module)
            source = f.name
        try:
            cmd = [find_tool("apex4-compile"), source, "-o", str(directory),
                   "--name", name, f"--target={target}"]
            if not cubin:
                cmd.append("--no-cubin")
            result = subprocess.run(cmd, capture_output=True, text=True)
        finally:
            os.unlink(source)
        if result.returncode:
            raise RuntimeError(f"apex4-compile failed:\n{result.stderr}")
    manifest = json.loads(manifest_path.read_text())
    manifest["directory"] = str(directory)
    return manifest


def explain_plan(module: str, target: str = "h100") -> str:
    """The cost model's explanation (apex4-select-plan remarks) for `module`."""
    result = subprocess.run(
        [find_tool("apex4-opt"), "-", f"--apex4-select-plan=target={target} explain=true",
         "-o", os.devnull], input=module, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(result.stderr)
    return "\n".join(line for line in result.stderr.splitlines() if "note:" not in line)
