"""Symmetric INT4 quantization with one f32 scale per group.

`quantize` is the reference for `apex4.quantize` (docs/architecture.md):

    x32 = f32(x); amax = max |x32| over the group, NaN ignored;
    scale = amax / 7 (f32); r = x32 / scale (f32);
    q = 0 where r is NaN, else clamp(roundeven(r), -8, 7).

The numpy path is the reference. Torch tensors are accepted too and are
handled by `apex4.torch_ops` with the same math on the tensor's device.
`pack_int4` writes the kernels' global layout: two values per byte, even k
in the low nibble, each nibble two's complement.
"""
from __future__ import annotations

from typing import Any, Dict, Tuple, Union

import numpy as np

#: Granularity meaning one scale per row (the whole of K).
PER_CHANNEL = "per_channel"

#: A group size: a power of two >= 16, or PER_CHANNEL.
Group = Union[int, str]


def group_length(group: Group, k: int) -> int:
    """The number of K values that share one scale; validates `group`."""
    if group == PER_CHANNEL:
        return k
    if isinstance(group, bool) or not isinstance(group, (int, np.integer)):
        raise ValueError(f"group must be a power of two >= 16 or 'per_channel', got {group!r}")
    g = int(group)
    if g < 16 or g & (g - 1):
        raise ValueError(f"group must be a power of two >= 16 or 'per_channel', got {group!r}")
    if k % g:
        raise ValueError(f"group {g} does not divide K = {k}")
    return g


def check_k(k: int) -> None:
    if k <= 0 or k % 2:
        raise ValueError(f"K = {k} must be positive and even so that INT4 values pack two per byte")


def _is_torch(x: Any) -> bool:
    return type(x).__module__.startswith("torch")


def quantize(x: Any, group: Group) -> Tuple[Any, Any]:
    """x [..., K] float -> (q [..., K] int8 in [-8, 7], scales [..., K/g] f32).

    numpy in, numpy out; a torch tensor in gives torch tensors on its device."""
    if _is_torch(x):
        from . import torch_ops
        return torch_ops.quantize(x, group)
    x32 = np.asarray(x).astype(np.float32)
    if x32.ndim == 0:
        raise ValueError("quantize needs at least one dimension")
    k = x32.shape[-1]
    check_k(k)
    g = group_length(group, k)
    grouped = x32.reshape(*x32.shape[:-1], k // g, g)
    magnitude = np.abs(grouped)
    amax = np.where(np.isnan(magnitude), np.float32(0), magnitude).max(axis=-1)
    scale = np.divide(amax, np.float32(7), dtype=np.float32)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.divide(grouped, scale[..., None], dtype=np.float32)
    q = np.where(np.isnan(ratio), np.float32(0), np.clip(np.rint(ratio), -8, 7))
    return q.astype(np.int8).reshape(x32.shape), scale


def dequantize(q: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """q * scale per group, in f32 (one rounding per element)."""
    q = np.asarray(q)
    scales = np.asarray(scales, np.float32)
    k = q.shape[-1]
    groups = scales.shape[-1]
    if groups == 0 or k % groups:
        raise ValueError(f"{groups} scale columns do not divide K = {k}")
    grouped = q.astype(np.float32).reshape(*q.shape[:-1], groups, k // groups)
    return np.multiply(grouped, scales[..., None], dtype=np.float32).reshape(q.shape)


def pack_int4(q: Any) -> Any:
    """[..., K] int values in [-8, 7] -> [..., K/2] uint8, even k in the low nibble."""
    if _is_torch(q):
        from . import torch_ops
        return torch_ops.pack_int4(q)
    q = np.asarray(q)
    if q.ndim == 0 or q.shape[-1] % 2:
        raise ValueError("K must be even to pack")
    if not np.issubdtype(q.dtype, np.integer):
        raise ValueError(f"pack_int4 takes integers, got {q.dtype}")
    if q.size and (q.min() < -8 or q.max() > 7):
        raise ValueError("INT4 values must be in [-8, 7]")
    nibbles = (q.astype(np.int16) & 0xF).astype(np.uint8)
    return nibbles[..., 0::2] | (nibbles[..., 1::2] << np.uint8(4))


def unpack_int4(packed: Any) -> Any:
    """Inverse of pack_int4: [..., K/2] uint8 -> [..., K] int8."""
    if _is_torch(packed):
        from . import torch_ops
        return torch_ops.unpack_int4(packed)
    packed = np.asarray(packed)
    if packed.dtype not in (np.uint8, np.int8):
        raise ValueError(f"unpack_int4 takes bytes (uint8/int8), got {packed.dtype}")
    packed = packed.view(np.uint8)
    # Shift each nibble to the top of a signed byte, then arithmetic-shift back.
    low = ((packed << np.uint8(4)).view(np.int8) >> 4).astype(np.int8)
    high = (packed.view(np.int8) >> 4).astype(np.int8)
    out = np.empty(packed.shape[:-1] + (packed.shape[-1] * 2,), dtype=np.int8)
    out[..., 0::2] = low
    out[..., 1::2] = high
    return out


def quant_error(x: Any, group: Group) -> Dict[str, Any]:
    """How much quantizing x at `group` loses: SQNR in dB and the relative
    Frobenius error ||x - dq(q(x))|| / ||x||, over the finite elements of x."""
    x32 = np.asarray(x).astype(np.float32)
    q, s = quantize(x32, group)
    finite = np.isfinite(x32)
    ref = np.where(finite, x32, 0).astype(np.float64)
    err = ref - np.where(finite, dequantize(q, s), 0).astype(np.float64)
    signal = float(np.sum(ref * ref))
    noise = float(np.sum(err * err))
    sqnr = float("inf") if noise == 0 else (float("-inf") if signal == 0
                                             else float(10 * np.log10(signal / noise)))
    rel = 0.0 if noise == 0 else (float("inf") if signal == 0 else float(np.sqrt(noise / signal)))
    return {"group": group, "sqnr_db": sqnr, "relative_error": rel,
            "max_abs_error": float(np.max(np.abs(err), initial=0.0))}
