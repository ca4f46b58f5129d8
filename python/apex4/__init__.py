"""apex4: grouped W4A4 quantization, compilation and execution from Python.

The numerical contract (rounding, NaN rules, packed layout) is
docs/architecture.md; every function here follows it exactly.
"""
from .quant import PER_CHANNEL, pack_int4, quant_error, quantize, unpack_int4
from .reference import linear_ref, matmul_ref

__all__ = ["PER_CHANNEL", "pack_int4", "unpack_int4", "quantize", "quant_error",
           "matmul_ref", "linear_ref"]
__version__ = "0.1.0"
