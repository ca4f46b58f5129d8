"""The exact apex4.matmul semantics in numpy (docs/architecture.md).

With h = min(a_group, w_group): INT32 sums over the K groups of length h,
in order; per group p = sa * sw (f32), then acc = acc + f32(isum) * p with
f32 rounding after the multiply and after the add; an f16 result is acc
rounded once (RNE). Vectorised over rows and columns, sequential over groups,
so the rounding sequence is the compiler's CPU reference's, bit for bit.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .quant import Group, group_length, quantize

_OUT = {"f32": np.float32, "f16": np.float16}


def out_numpy_dtype(out_dtype: Any) -> np.dtype:
    """np.float32 / np.float16, also spelled 'f32' / 'f16'."""
    dtype = np.dtype(_OUT.get(out_dtype, out_dtype))
    if dtype not in (np.dtype(np.float32), np.dtype(np.float16)):
        raise ValueError(f"apex4.matmul results are f16 or f32, not {out_dtype!r}")
    return dtype


def matmul_ref(qa: np.ndarray, sa: np.ndarray, qw: np.ndarray, sw: np.ndarray,
               a_group: Group, w_group: Group, out_dtype: Any = np.float32) -> np.ndarray:
    """C [M, N] from qa [M, K], sa [M, K/ga], qw [N, K], sw [N, K/gw] (INT4 as
    unpacked integers in [-8, 7])."""
    qa, qw = np.asarray(qa), np.asarray(qw)
    sa32, sw32 = np.asarray(sa, np.float32), np.asarray(sw, np.float32)
    m, k = qa.shape
    n, kw = qw.shape
    if kw != k:
        raise ValueError(f"K mismatch: activations have {k}, weights {kw}")
    ga, gw = group_length(a_group, k), group_length(w_group, k)
    if sa32.shape != (m, k // ga) or sw32.shape != (n, k // gw):
        raise ValueError(f"scale shapes {sa32.shape}, {sw32.shape} do not match "
                         f"({m}, {k // ga}) and ({n}, {k // gw})")
    dtype = out_numpy_dtype(out_dtype)
    h = min(ga, gw)
    a64, w64 = qa.astype(np.int64), qw.astype(np.int64)
    acc = np.zeros((m, n), dtype=np.float32)
    for j in range(k // h):
        lo, hi = j * h, (j + 1) * h
        isum = (a64[:, lo:hi] @ w64[:, lo:hi].T).astype(np.int32)
        p = np.multiply(sa32[:, lo // ga, None], sw32[None, :, lo // gw], dtype=np.float32)
        term = np.multiply(isum.astype(np.float32), p, dtype=np.float32)
        acc = np.add(acc, term, dtype=np.float32)
    return acc.astype(dtype)


def linear_ref(x: np.ndarray, w: np.ndarray, a_group: Group, w_group: Group,
               out_dtype: Any = np.float32) -> np.ndarray:
    """apex4.linear: quantize x [M, K] and w [N, K], then matmul_ref."""
    qa, sa = quantize(np.asarray(x), a_group)
    qw, sw = quantize(np.asarray(w), w_group)
    return matmul_ref(qa, sa, qw, sw, a_group, w_group, out_dtype)
