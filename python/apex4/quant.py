"""Symmetric INT4 quantization with one f32 scale per group (numpy).

`quantize` is the reference for apex4.quantize: f32 arithmetic, absmax
ignoring NaN, scale = amax / 7, q = clamp(roundeven(x / scale), -8, 7) or 0
where x / scale is NaN. `pack_int4` writes the kernels' global layout: two
values per byte, even k in the low nibble, two's complement.
"""
from __future__ import annotations

from typing import Union

import numpy as np

#: Granularity meaning one scale per row (the whole of K).
PER_CHANNEL = "per_channel"

Group = Union[int, str]


def group_length(group: Group, k: int) -> int:
    """The number of K values sharing a scale; validates like the compiler."""
    if group == PER_CHANNEL:
        return k
    if not isinstance(group, int) or group < 16 or group & (group - 1):
        raise ValueError(f"group must be a power of two >= 16 or 'per_channel', got {group!r}")
    if k % group:
        raise ValueError(f"group {group} does not divide K = {k}")
    return group


def quantize(x: np.ndarray, group: Group) -> tuple[np.ndarray, np.ndarray]:
    """x [..., K] float -> (q [..., K] int8 in [-8, 7], scales [..., K/g] f32)."""
    x32 = np.asarray(x).astype(np.float32)
    k = x32.shape[-1]
    if k % 2:
        raise ValueError(f"K = {k} must be even so that INT4 values pack two per byte")
    g = group_length(group, k)
    grouped = x32.reshape(*x32.shape[:-1], k // g, g)
    magnitude = np.abs(grouped)
    amax = np.where(np.isnan(magnitude), np.float32(0), magnitude).max(axis=-1)
    amax = np.maximum(amax, np.float32(0)).astype(np.float32)
    scale = (amax / np.float32(7)).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (grouped / scale[..., None]).astype(np.float32)
    q = np.clip(np.rint(ratio), -8, 7)
    q = np.where(np.isnan(ratio), 0, q).astype(np.int8)
    return q.reshape(x32.shape), scale


def pack_int4(q: np.ndarray) -> np.ndarray:
    """[R, K] int values in [-8, 7] -> [R, K/2] uint8 (even k in the low nibble)."""
    q = np.asarray(q)
    if q.shape[-1] % 2:
        raise ValueError("K must be even to pack")
    if q.min(initial=0) < -8 or q.max(initial=0) > 7:
        raise ValueError("INT4 values must be in [-8, 7]")
    nibbles = (q.astype(np.int16) & 0xF).astype(np.uint8)
    return (nibbles[..., 0::2] | (nibbles[..., 1::2] << 4)).astype(np.uint8)


def unpack_int4(packed: np.ndarray) -> np.ndarray:
    """Inverse of pack_int4: [R, K/2] uint8 -> [R, K] int8."""
    packed = np.asarray(packed, dtype=np.uint8)
    low = (packed & 0xF).astype(np.int8)
    high = (packed >> 4).astype(np.int8)
    out = np.empty(packed.shape[:-1] + (packed.shape[-1] * 2,), dtype=np.int8)
    out[..., 0::2] = np.where(low > 7, low - 16, low)
    out[..., 1::2] = np.where(high > 7, high - 16, high)
    return out


def dequantize(q: np.ndarray, scales: np.ndarray) -> np.ndarray:
    k = q.shape[-1]
    g = k // scales.shape[-1]
    grouped = q.astype(np.float32).reshape(*q.shape[:-1], k // g, g)
    return (grouped * scales[..., None]).reshape(q.shape).astype(np.float32)


def quant_error(x: np.ndarray, group: Group) -> dict:
    """SQNR (dB) and relative Frobenius error of quantizing x at `group`."""
    x32 = np.asarray(x).astype(np.float32)
    q, s = quantize(x32, group)
    err = x32.astype(np.float64) - dequantize(q, s).astype(np.float64)
    signal = float(np.sum(x32.astype(np.float64) ** 2))
    noise = float(np.sum(err ** 2))
    sqnr = float("inf") if noise == 0 else 10 * np.log10(signal / noise)
    rel = 0.0 if signal == 0 else float(np.sqrt(noise / signal))
    return {"group": group, "sqnr_db": sqnr, "relative_error": rel}
