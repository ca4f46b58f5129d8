"""apex4: grouped W4A4 quantization, compilation and execution from Python.

The numerical contract (rounding, NaN rules, packed layout, kernel ABI) is
docs/architecture.md; the numpy functions here are its reference. Torch is
optional: `apex4.nn`, `apex4.quantize_model` and `apex4.runtime` need it.
"""
from typing import Any

from .quant import PER_CHANNEL, dequantize, pack_int4, quant_error, quantize, unpack_int4
from .reference import linear_ref, matmul_ref

__all__ = ["PER_CHANNEL", "quantize", "dequantize", "pack_int4", "unpack_int4", "quant_error",
           "matmul_ref", "linear_ref", "quantize_model", "__version__"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Torch-dependent parts load on first use, so `import apex4` needs numpy only.
    if name == "quantize_model":
        from .nn import quantize_model
        return quantize_model
    if name in ("nn", "runtime", "torch_ops"):
        import importlib
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'apex4' has no attribute {name!r}")
