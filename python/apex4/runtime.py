"""Loads what apex4-compile writes (manifest + cubin/PTX) with the CUDA driver
API (apex4.cuda_driver: cuda-python when installed, else ctypes on libcuda)
and launches the kernels on PyTorch CUDA tensors, on the current stream,
without copies.

ABI (docs/architecture.md): bare device pointers in the manifest's `params`
order, then M as an i64. Launch geometry from the manifest's `grid`:
matmul [TN, TM, Z] -> (ceil(N/TN), ceil(M/TM), Z), Z = 1 except for a cluster
split of K (Z = the slices; the cluster shape is compiled in); quantize
[ROWS] -> (ceil(M/ROWS), 1, 1); `block` as written.
"""
from __future__ import annotations

import collections
import contextlib
import ctypes
import os
import threading
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .cuda_driver import driver

_lock = threading.Lock()
_modules: Dict[Tuple[str, int], "Module"] = {}


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _group(value: int, k: int) -> int:
    return k if value in (0, None) else int(value)


def launch_grid(info: Dict[str, Any], m: int) -> Tuple[int, int, int]:
    """The grid for M rows, from a manifest kernel entry."""
    grid = info["grid"]
    if isinstance(grid, dict):  # {"x": ["N", 128], "y": ["M", 128], "z": 1}
        dims = {"M": m, "N": info.get("n", 0), "K": info.get("k", 0)}

        def axis(v: Any) -> int:
            return _ceil_div(dims[v[0]], int(v[1])) if isinstance(v, list) else int(v)
        return (axis(grid["x"]), axis(grid.get("y", 1)), axis(grid.get("z", 1)))
    if info["kind"] == "matmul":
        return (_ceil_div(info["n"], grid[0]), _ceil_div(m, grid[1]),
                int(grid[2]) if len(grid) > 2 else 1)
    return (_ceil_div(m, grid[0]), 1, 1)


def _expected(info: Dict[str, Any], m: int) -> Dict[str, Tuple[int, Tuple[str, ...]]]:
    """Per parameter: (elements needed, accepted torch dtype names)."""
    k = info["k"]
    if info["kind"] == "matmul":
        n = info["n"]
        ga, gw = _group(info["a_group"], k), _group(info["w_group"], k)
        out = "float16" if info.get("out_type", "f16") == "f16" else "float32"
        return {"A": (m * k // 2, ("uint8", "int8")), "AC": (m * k, ("uint8", "int8")),
                "SA": (m * (k // ga), ("float32",)),
                "W": (n * k // 2, ("uint8", "int8")), "SW": (n * (k // gw), ("float32",)),
                "C": (m * n, (out,)), "ACMAP": (128, ("uint8",))}
    g = _group(info["group"], k)
    x = {"f16": "float16", "bf16": "bfloat16", "f32": "float32"}[info.get("in_type", "f16")]
    return {"X": (m * k, (x,)), "Q": (m * k // 2, ("uint8", "int8")),
            "QC": (m * k, ("uint8", "int8")), "S": (m * (k // g), ("float32",))}


# Encoded maps by (device, address, M, K, rows); a map depends on nothing
# else, so a reused address reuses its map. Bounded: prefill sees many Ms.
# Each entry is (device copy, pinned host bytes or None): inside a CUDA graph
# capture the copy must come from pinned memory, which the graph replays.
_tensor_maps: "collections.OrderedDict[Tuple[int, int, int, int, int], Any]" = \
    collections.OrderedDict()
_MAX_TENSOR_MAPS = 256
# Maps a captured CUDA graph refers to (its kernels take the device copy,
# its copy node reads the pinned bytes): never evicted.
_captured_maps: Dict[Tuple[int, int, int, int, int], Any] = {}


def container_tensor_map(ac: Any, m: int, box_rows: int) -> Any:
    """The TMA tensor map an 'ACMAP' parameter points to (docs/architecture.md):
    2-D u8 [M][K] INT8 containers, box [128 bytes of K][box_rows rows],
    128-byte swizzle, zero fill past M; 128 bytes in device memory, encoded
    once per (buffer, M). Works inside CUDA graph capture."""
    import torch
    k = ac.shape[-1]
    key = (ac.device.index, ac.data_ptr(), m, k, box_rows)
    # Maps a captured graph refers to are never evicted, so finding one
    # needs neither the lock nor the capture query.
    entry = _captured_maps.get(key)
    if entry is not None:
        return entry[0]
    capturing = torch.cuda.is_current_stream_capturing()
    with _lock:
        entry = _captured_maps.get(key) or _tensor_maps.get(key)
        if entry is None:
            lib = ctypes.CDLL("libcuda.so.1")
            raw = (ctypes.c_uint8 * 192)()
            aligned = (ctypes.addressof(raw) + 63) & ~63  # CUtensorMap is 64-byte aligned
            encode = lib.cuTensorMapEncodeTiled
            encode.restype = ctypes.c_int
            # UINT8, 2-D, no interleave, SWIZZLE_128B (3), L2 promotion 128B
            # (2), out-of-bounds elements read as zero (0).
            status = encode(ctypes.c_void_p(aligned), 0, 2, ctypes.c_void_p(ac.data_ptr()),
                            (ctypes.c_uint64 * 2)(k, m), (ctypes.c_uint64 * 1)(k),
                            (ctypes.c_uint32 * 2)(128, box_rows),
                            (ctypes.c_uint32 * 2)(1, 1), 0, 3, 2, 0)
            if status != 0:
                raise RuntimeError(f"cuTensorMapEncodeTiled failed with CUresult {status}")
            host = torch.frombuffer(bytearray(ctypes.string_at(aligned, 128)),
                                    dtype=torch.uint8)
            if capturing:
                # A capture records only copies from pinned memory; pinning
                # costs a host allocation, so eager calls copy directly.
                host = host.pin_memory()
                entry = (host.to(ac.device, non_blocking=True), host)
            else:
                entry = (host.to(ac.device), None)
            if not capturing:
                _tensor_maps[key] = entry
                if len(_tensor_maps) > _MAX_TENSOR_MAPS:
                    _tensor_maps.popitem(last=False)
        if capturing:
            _tensor_maps.pop(key, None)
            _captured_maps[key] = entry
        elif key in _tensor_maps:
            _tensor_maps.move_to_end(key)
        return entry[0]


class Kernel:
    """One kernel of a loaded manifest: kernel(m, *tensors) in `params` order
    (without M), or kernel(m, **{param: tensor})."""

    def __init__(self, module: "Module", info: Dict[str, Any]):
        self.info = info
        self.device = module.device
        self.params: List[str] = list(info["params"])
        self._function = driver().get_function(module.handle, info["name"])
        shared = int(info.get("shared_bytes", 0))
        self._shared = shared
        self._block = tuple(info["block"])
        # Dynamic plus static shared memory must fit the function's limit
        # (48 KiB unless raised), so raise it whenever dynamic bytes are used.
        if shared > 0:
            driver().set_max_dynamic_shared(self._function, shared)

    def __call__(self, m: int, *tensors: Any, stream: Optional[int] = None, **named: Any) -> None:
        import torch
        names = [p for p in self.params if p != "M"]
        if tensors and named:
            raise TypeError("pass the tensors either positionally or by name")
        if named and "ACMAP" in names and "ACMAP" not in named and "AC" in named:
            named = dict(named, ACMAP=container_tensor_map(named["AC"], m, self.info["grid"][1]))
        if named:
            missing = set(names) - set(named)
            if missing:
                raise TypeError(f"missing kernel arguments {sorted(missing)}")
            tensors = tuple(named[p] for p in names)
        if len(tensors) != len(names):
            raise TypeError(f"{self.info['name']} takes {names}, got {len(tensors)} tensors")
        if m < 0 or m > int(self.info.get("max_m", 1 << 24)):
            raise ValueError(f"M = {m} outside [0, {self.info.get('max_m', 1 << 24)}]")
        if m == 0:
            return
        expected = _expected(self.info, m)
        device = tensors[0].device
        for name, t in zip(names, tensors):
            need, dtypes = expected[name]
            if not (t.is_cuda and t.is_contiguous() and t.device == device):
                raise ValueError(f"{name}: apex4 kernels take contiguous CUDA tensors on one device")
            if str(t.dtype).replace("torch.", "") not in dtypes or t.numel() < need:
                raise ValueError(f"{name}: need >= {need} elements of {dtypes}, "
                                 f"got {t.dtype} x {t.numel()}")
        if device.index != self.device:
            raise ValueError(f"tensors on {device}, kernels loaded on cuda:{self.device}")
        if self.params[-1] != "M" or self.params.count("M") != 1:
            raise ValueError(f"unsupported parameter list {self.params} (M must come last)")
        if stream is None:
            stream = torch.cuda.current_stream(device).cuda_stream
        self.launch_checked_arguments(m, [t.data_ptr() for t in tensors], stream)

    def launch_checked_arguments(self, m: int, pointers: Sequence[int], stream: int) -> None:
        """Launches with device pointers in `params` order (without M) on
        `stream`, skipping __call__'s argument checks: for callers that built
        the tensors themselves (apex4.nn.Linear) and launch per token, where
        the checks cost more host time than the kernel takes."""
        import torch
        if m <= 0:
            return
        # The function's context must be current; switching costs host time,
        # so only when another device is.
        same = torch.cuda.current_device() == self.device
        with contextlib.nullcontext() if same else torch.cuda.device(self.device):
            driver().launch(self._function, launch_grid(self.info, m), self._block,
                            self._shared, stream, pointers, m)


class Module:
    """A compiled manifest (apex4.compiler.compile_module), loaded into the
    primary context of a CUDA device (the current one by default)."""

    def __init__(self, manifest: Dict[str, Any], device: Optional[int] = None):
        import torch
        self.device = torch.cuda.current_device() if device is None else int(device)
        with torch.cuda.device(self.device):
            torch.empty(1, device="cuda")  # makes the device's primary context current
            image = manifest.get("cubin") or manifest["ptx"]
            with open(os.path.join(manifest["directory"], image), "rb") as f:
                data = f.read()
            if image.endswith(".ptx"):
                data += b"\0"  # the driver JIT-compiles NUL-terminated PTX
            self.handle = driver().load_module(data)
            self.kernels = {k["name"]: Kernel(self, k) for k in manifest["kernels"]}
        self.manifest = manifest

    def matmul(self) -> Kernel:
        found = [k for k in self.kernels.values() if k.info["kind"] == "matmul"]
        if len(found) != 1:
            raise LookupError(f"expected one matmul kernel, found {len(found)}")
        return found[0]

    def quantize_kernel(self, k: int, group: int, in_type: str = "f16",
                        containers: bool = False) -> Optional[Kernel]:
        """The quantize kernel for rows of K values at `group` (K = per-channel)
        from in_type inputs, writing packed INT4 or (containers) INT8
        containers, or None when the manifest has none."""
        for kern in self.kernels.values():
            info = kern.info
            if (info["kind"] == "quantize" and info["k"] == k and _group(info["group"], k) == group
                    and info.get("in_type", "f16") == in_type
                    and ("QC" in info["params"]) == containers):
                return kern
        return None


def load_module(manifest: Dict[str, Any], device: Optional[int] = None) -> Module:
    """A Module per (manifest directory, device), loaded once per process."""
    import torch
    index = torch.cuda.current_device() if device is None else int(device)
    key = (manifest["directory"], index)
    with _lock:
        if key not in _modules:
            _modules[key] = Module(manifest, index)
        return _modules[key]
