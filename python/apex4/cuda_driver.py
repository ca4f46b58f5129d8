"""The four CUDA driver calls apex4.runtime needs, through `cuda-python`
(cuda.bindings.driver) when it is installed, else through ctypes on
libcuda.so.1. $APEX4_CUDA_DRIVER = "cuda-python" | "ctypes" forces one.

Both work in the current context (the device's primary context, which torch
makes current) and take pointers and M as plain ints.
"""
from __future__ import annotations

import ctypes
import os
import threading
from typing import Any, Dict, Optional, Sequence, Tuple

_MAX_DYNAMIC_SHARED = 8  # CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES


class _LaunchSlots:
    """A kernel's parameter block, built once: every apex4 kernel parameter
    is 8 bytes (a device pointer, then M as an i64), so each launch only
    writes the values into the same storage. cuLaunchKernel copies them
    before it returns; the lock keeps two threads from interleaving."""

    def __init__(self, count: int) -> None:
        self.values = (ctypes.c_uint64 * count)()
        base = ctypes.addressof(self.values)
        self.params = (ctypes.c_void_p * count)(*[base + 8 * i for i in range(count)])
        self.lock = threading.Lock()


class CtypesDriver:
    name = "ctypes"

    def __init__(self) -> None:
        self._lib = ctypes.CDLL("libcuda.so.1")
        self._launch = self._lib.cuLaunchKernel
        # Declared once: ctypes then converts the 11 arguments without
        # guessing their types on every call.
        self._launch.argtypes = [ctypes.c_void_p] + [ctypes.c_uint] * 7 + [
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        self._launch.restype = ctypes.c_int
        self._slots: Dict[Tuple[int, int], _LaunchSlots] = {}

    def _check(self, status: int, what: str) -> None:
        if status != 0:
            text = ctypes.c_char_p()
            self._lib.cuGetErrorName(status, ctypes.byref(text))
            raise RuntimeError(f"{what} failed: {text.value.decode() if text.value else status}")

    def load_module(self, image: bytes) -> Any:
        handle = ctypes.c_void_p()
        self._check(self._lib.cuModuleLoadData(ctypes.byref(handle), ctypes.c_char_p(image)),
                    "cuModuleLoadData")
        return handle

    def get_function(self, module: Any, name: str) -> Any:
        function = ctypes.c_void_p()
        self._check(self._lib.cuModuleGetFunction(ctypes.byref(function), module, name.encode()),
                    f"cuModuleGetFunction({name})")
        return function

    def set_max_dynamic_shared(self, function: Any, nbytes: int) -> None:
        self._check(self._lib.cuFuncSetAttribute(function, _MAX_DYNAMIC_SHARED, nbytes),
                    "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)")

    def launch(self, function: Any, grid: Tuple[int, int, int], block: Sequence[int],
               shared: int, stream: int, pointers: Sequence[int], m: int) -> None:
        count = len(pointers) + 1
        key = (function.value, count)
        slots = self._slots.get(key)
        if slots is None:
            slots = self._slots.setdefault(key, _LaunchSlots(count))
        with slots.lock:
            values = slots.values
            for i, pointer in enumerate(pointers):
                values[i] = pointer
            values[count - 1] = m & 0xFFFFFFFFFFFFFFFF  # the i64's bits
            status = self._launch(function, grid[0], grid[1], grid[2], block[0], block[1],
                                  block[2], shared, stream, slots.params, None)
        if status != 0:
            self._check(status, "cuLaunchKernel")


class CudaPythonDriver:
    name = "cuda-python"

    def __init__(self) -> None:
        from cuda.bindings import driver
        self._cu = driver

    def _check(self, result: Any, what: str) -> Any:
        status, *values = result if isinstance(result, tuple) else (result,)
        if status != self._cu.CUresult.CUDA_SUCCESS:
            raise RuntimeError(f"{what} failed: {status.name if hasattr(status, 'name') else status}")
        return values[0] if values else None

    def load_module(self, image: bytes) -> Any:
        return self._check(self._cu.cuModuleLoadData(image), "cuModuleLoadData")

    def get_function(self, module: Any, name: str) -> Any:
        return self._check(self._cu.cuModuleGetFunction(module, name.encode()),
                           f"cuModuleGetFunction({name})")

    def set_max_dynamic_shared(self, function: Any, nbytes: int) -> None:
        attribute = self._cu.CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
        self._check(self._cu.cuFuncSetAttribute(function, attribute, nbytes),
                    "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)")

    def launch(self, function: Any, grid: Tuple[int, int, int], block: Sequence[int],
               shared: int, stream: int, pointers: Sequence[int], m: int) -> None:
        values = tuple(pointers) + (m,)
        types = (ctypes.c_void_p,) * len(pointers) + (ctypes.c_int64,)
        self._check(self._cu.cuLaunchKernel(function, *grid, *block, shared,
                                            self._cu.CUstream(stream), (values, types), 0),
                    "cuLaunchKernel")


_driver: Optional[Any] = None


def driver() -> Any:
    """The process's driver binding (chosen once)."""
    global _driver
    if _driver is None:
        choice = os.environ.get("APEX4_CUDA_DRIVER", "")
        if choice not in ("", "ctypes", "cuda-python"):
            raise ValueError(f"APEX4_CUDA_DRIVER must be 'ctypes' or 'cuda-python', not {choice!r}")
        if choice == "ctypes":
            _driver = CtypesDriver()
        elif choice == "cuda-python":
            _driver = CudaPythonDriver()
        else:
            try:
                _driver = CudaPythonDriver()
            except ImportError:
                _driver = CtypesDriver()
    return _driver
