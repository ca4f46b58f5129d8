"""The apex4 semantics in torch, on the tensor's device (CPU or CUDA).

Same math as the numpy reference in apex4.quant / apex4.reference, bit for
bit: f32 arithmetic, one rounding per operation. Two details keep it exact:
divisions are tensor / tensor (torch turns `t / scalar` on CUDA into a
multiplication by the reciprocal, which rounds differently), and integer
group sums are computed in float64, exact for |sum| < 2^53.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch

from .quant import Group, check_k, group_length


def quantize(x: torch.Tensor, group: Group) -> Tuple[torch.Tensor, torch.Tensor]:
    """x [..., K] float -> (q [..., K] int8, scales [..., K/g] f32), on x's device."""
    if x.dim() == 0:
        raise ValueError("quantize needs at least one dimension")
    k = x.shape[-1]
    check_k(k)
    g = group_length(group, k)
    x32 = x.detach().to(torch.float32)
    grouped = x32.reshape(*x32.shape[:-1], k // g, g)
    magnitude = grouped.abs()
    amax = torch.where(torch.isnan(magnitude), torch.zeros_like(magnitude), magnitude).amax(dim=-1)
    scale = amax / torch.full_like(amax, 7.0)
    ratio = grouped / scale.unsqueeze(-1)
    q = torch.where(torch.isnan(ratio), torch.zeros_like(ratio), ratio.round().clamp(-8, 7))
    return q.to(torch.int8).reshape(x32.shape), scale


def pack_int4(q: torch.Tensor) -> torch.Tensor:
    """[..., K] int in [-8, 7] -> [..., K/2] uint8 (even k in the low nibble)."""
    if q.dim() == 0 or q.shape[-1] % 2:
        raise ValueError("K must be even to pack")
    if q.is_floating_point() or q.is_complex():
        raise ValueError(f"pack_int4 takes integers, got {q.dtype}")
    if q.numel() and (int(q.min()) < -8 or int(q.max()) > 7):
        raise ValueError("INT4 values must be in [-8, 7]")
    nibbles = (q.to(torch.int16) & 0xF).to(torch.uint8)
    return nibbles[..., 0::2] | (nibbles[..., 1::2] << 4)


def int8_containers(q: torch.Tensor) -> torch.Tensor:
    """[M, K] int in [-8, 7] -> [M, K] uint8 INT8 containers, the activation
    layout of plan path s8_wgmma_wreg (docs/architecture.md): each value as
    the byte 16 q, and within every 32 values of K the 16 even-k values
    first, then the 16 odd-k ones."""
    if q.dim() != 2 or q.shape[-1] % 32:
        raise ValueError("containers take [M, K] with K a multiple of 32")
    m, k = q.shape
    blocks = (q.to(torch.int16) * 16).to(torch.int8).reshape(m, k // 32, 16, 2)
    return blocks.transpose(2, 3).reshape(m, k).contiguous().view(torch.uint8)


def unpack_int4(packed: torch.Tensor) -> torch.Tensor:
    """[..., K/2] uint8 -> [..., K] int8."""
    if packed.dtype not in (torch.uint8, torch.int8):
        raise ValueError(f"unpack_int4 takes bytes (uint8/int8), got {packed.dtype}")
    b = packed.to(torch.int16) & 0xFF
    low, high = b & 0xF, b >> 4
    low = torch.where(low > 7, low - 16, low)
    high = torch.where(high > 7, high - 16, high)
    return torch.stack((low, high), dim=-1).reshape(*packed.shape[:-1], -1).to(torch.int8)


def matmul(qa: torch.Tensor, sa: torch.Tensor, qw: torch.Tensor, sw: torch.Tensor,
           a_group: Group, w_group: Group, out_dtype: Optional[torch.dtype] = None) -> torch.Tensor:
    """apex4.matmul: qa [M, K], qw [N, K] int (unpacked), sa [M, K/ga], sw [N, K/gw] f32."""
    m, k = qa.shape
    n = qw.shape[0]
    ga, gw = group_length(a_group, k), group_length(w_group, k)
    h = min(ga, gw)
    a, w = qa.to(torch.float64), qw.to(torch.float64)
    sa32, sw32 = sa.to(torch.float32), sw.to(torch.float32)
    acc = torch.zeros(m, n, dtype=torch.float32, device=qa.device)
    for j in range(k // h):
        lo, hi = j * h, (j + 1) * h
        isum = (a[:, lo:hi] @ w[:, lo:hi].T).to(torch.float32)
        p = sa32[:, lo // ga].unsqueeze(1) * sw32[:, lo // gw].unsqueeze(0)
        acc = acc + isum * p
    return acc if out_dtype is None else acc.to(out_dtype)


def linear(x: torch.Tensor, qw: torch.Tensor, sw: torch.Tensor, a_group: Group,
           w_group: Group, out_dtype: Optional[torch.dtype] = None) -> torch.Tensor:
    """Quantize x [M, K] at a_group, then apex4.matmul against quantized weights."""
    qa, sa = quantize(x, a_group)
    return matmul(qa, sa, qw, sw, a_group, w_group, out_dtype)
