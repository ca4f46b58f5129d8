"""Loads apex4 cubins with the CUDA driver API (ctypes) and launches them on
PyTorch CUDA tensors, on the current stream, without copies."""
from __future__ import annotations

import ctypes
import os

_driver = None


def _cuda():
    global _driver
    if _driver is None:
        _driver = ctypes.CDLL("libcuda.so.1")
    return _driver


def _check(status: int, what: str) -> None:
    if status != 0:
        name = ctypes.c_char_p()
        _cuda().cuGetErrorName(status, ctypes.byref(name))
        raise RuntimeError(f"{what} failed: {name.value.decode() if name.value else status}")


def _ceil_div(a: int, b: int) -> int:
    return (a + b - 1) // b


class Kernel:
    """One kernel of a manifest, launchable as kernel(m, *tensors)."""

    def __init__(self, module: "Module", info: dict):
        self.info = info
        self._function = ctypes.c_void_p()
        _check(_cuda().cuModuleGetFunction(ctypes.byref(self._function), module.handle,
                                           info["name"].encode()), "cuModuleGetFunction")

    def grid(self, m: int) -> tuple[int, int, int]:
        g = self.info["grid"]
        if self.info["kind"] == "matmul":
            return (_ceil_div(self.info["n"], g[0]), _ceil_div(m, g[1]), g[2])
        return (_ceil_div(m, g[0]), 1, 1)

    def __call__(self, m: int, *tensors, stream: int | None = None) -> None:
        import torch
        if m <= 0:
            return
        if m >= self.info.get("max_m", 1 << 24):
            raise ValueError(f"M = {m} exceeds the kernel's limit {self.info['max_m']}")
        for t in tensors:
            if not (t.is_cuda and t.is_contiguous()):
                raise ValueError("apex4 kernels take contiguous CUDA tensors")
        args = [ctypes.c_void_p(t.data_ptr()) for t in tensors] + [ctypes.c_int64(m)]
        params = (ctypes.c_void_p * len(args))(*[ctypes.addressof(a) for a in args])
        if stream is None:
            stream = torch.cuda.current_stream().cuda_stream
        gx, gy, gz = self.grid(m)
        bx, by, bz = self.info["block"]
        _check(_cuda().cuLaunchKernel(self._function, gx, gy, gz, bx, by, bz,
                                      self.info.get("shared_bytes", 0), ctypes.c_void_p(stream),
                                      params, None), "cuLaunchKernel")


class Module:
    """A compiled manifest (apex4.compiler.compile_module) loaded on the
    current device."""

    def __init__(self, manifest: dict):
        import torch
        torch.cuda.init()
        torch.cuda.current_device()
        torch.empty(1, device="cuda")  # makes the primary context current
        path = os.path.join(manifest["directory"], manifest["cubin"] or manifest["ptx"])
        data = open(path, "rb").read()
        if path.endswith(".ptx"):
            data += b"\0"
        self.handle = ctypes.c_void_p()
        _check(_cuda().cuModuleLoadData(ctypes.byref(self.handle), ctypes.c_char_p(data)),
               "cuModuleLoadData")
        self.kernels = {k["kind"] if k["kind"] == "matmul" else f"quantize_k{k['k']}_g{k['group']}": Kernel(self, k)
                        for k in manifest["kernels"]}

    def kernel(self, kind: str) -> Kernel:
        return self.kernels[kind]

    def quantize_kernel(self, k: int, group: int) -> Kernel:
        return self.kernels[f"quantize_k{k}_g{group}"]

    def matmul(self) -> Kernel:
        return self.kernels["matmul"]


