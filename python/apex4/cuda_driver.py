"""The four CUDA driver calls apex4.runtime needs, through `cuda-python`
(cuda.bindings.driver) when it is installed, else through ctypes on
libcuda.so.1. $APEX4_CUDA_DRIVER = "cuda-python" | "ctypes" forces one.

Both work in the current context (the device's primary context, which torch
makes current) and take pointers and M as plain ints.
"""
from __future__ import annotations

import ctypes
import os
from typing import Any, Optional, Sequence, Tuple

_MAX_DYNAMIC_SHARED = 8  # CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES


class CtypesDriver:
    name = "ctypes"

    def __init__(self) -> None:
        self._lib = ctypes.CDLL("libcuda.so.1")

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
        args = [ctypes.c_void_p(p) for p in pointers] + [ctypes.c_int64(m)]
        params = (ctypes.c_void_p * len(args))(*[ctypes.addressof(a) for a in args])
        self._check(self._lib.cuLaunchKernel(function, *grid, *block, shared,
                                             ctypes.c_void_p(stream), params, None),
                    "cuLaunchKernel")


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
