"""The exact apex4.matmul semantics in numpy (docs/architecture.md).

INT32 sums over fine groups (h = min(a_group, w_group)) in order; per group
p = sa * sw, then acc = acc + f32(isum) * p with f32 rounding at each step;
an f16 result is rounded once at the end. Vectorised over rows and columns,
sequential over groups, so rounding matches the compiler's CPU reference bit
for bit.
"""
from __future__ import annotations

import numpy as np

from .quant import Group, group_length, quantize


def matmul_ref(qa: np.ndarray, sa: np.ndarray, qw: np.ndarray, sw: np.ndarray,
               a_group: Group, w_group: Group, out_dtype=np.float32) -> np.ndarray:
    m, k = qa.shape
    n = qw.shape[0]
    ga, gw = group_length(a_group, k), group_length(w_group, k)
    fine = min(ga, gw)
    a64, w64 = qa.astype(np.int64), qw.astype(np.int64)
    sa32, sw32 = np.asarray(sa, np.float32), np.asarray(sw, np.float32)
    acc = np.zeros((m, n), dtype=np.float32)
    for j in range(k // fine):
        lo, hi = j * fine, (j + 1) * fine
        isum = (a64[:, lo:hi] @ w64[:, lo:hi].T).astype(np.int32)
        p = (sa32[:, lo // ga][:, None] * sw32[:, lo // gw][None, :]).astype(np.float32)
        term = (isum.astype(np.float32) * p).astype(np.float32)
        acc = (acc + term).astype(np.float32)
    return acc.astype(out_dtype)


def linear_ref(x: np.ndarray, w: np.ndarray, a_group: Group, w_group: Group,
               out_dtype=np.float32) -> np.ndarray:
    qa, sa = quantize(x, a_group)
    qw, sw = quantize(w, w_group)
    return matmul_ref(qa, sa, qw, sw, a_group, w_group, out_dtype)
