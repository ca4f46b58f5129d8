"""Drop-in W4A4 replacements for torch.nn.Linear."""
from __future__ import annotations

import re

import numpy as np
import torch

from .compiler import compile_module
from .ir import linear_module
from .quant import PER_CHANNEL, pack_int4, quantize


def _plan_groups(manifest: dict, k: int) -> tuple[int, int]:
    matmul = next(kern for kern in manifest["kernels"] if kern["kind"] == "matmul")
    return matmul["a_group"], matmul["w_group"]


def _as_group(g: int, k: int):
    return PER_CHANNEL if g == k else g


def torch_quantize(x: torch.Tensor, group: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The apex4 quantization in torch (any device): q int8, scales f32."""
    rows, k = x.shape
    grouped = x.float().reshape(rows, k // group, group)
    amax = grouped.abs().nan_to_num(nan=0.0, posinf=float("inf")).amax(dim=2)
    scale = amax / torch.full_like(amax, 7.0)
    ratio = grouped / scale[..., None]
    q = torch.where(torch.isnan(ratio), torch.zeros_like(ratio), ratio.round().clamp(-8, 7))
    return q.reshape(rows, k).to(torch.int8), scale


class Linear(torch.nn.Module):
    """y = x W^T (+ b) with W and x quantized to INT4, run by apex4's kernels.

    `backend="apex4"` launches the generated kernels (CUDA tensors, f16);
    `backend="torch"` computes the same quantized math with torch ops, for
    CPUs and for checking."""

    def __init__(self, in_features: int, out_features: int, a_group: int, w_group: int,
                 manifest: dict | None, bias: torch.Tensor | None, backend: str):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.a_group, self.w_group = a_group, w_group
        self.backend = backend
        self.manifest = manifest
        self._module = None
        self.register_buffer("bias", bias)

    @classmethod
    def from_float(cls, linear: torch.nn.Linear, granularity="auto", target: str | None = None,
                   backend: str | None = None) -> "Linear":
        n, k = linear.weight.shape
        target = target or "h100"
        if isinstance(granularity, tuple):
            a_group, w_group = granularity
        else:
            a_group = w_group = granularity
        manifest = compile_module(linear_module(n, k, a_group, w_group), target=target,
                                  name="linear")
        ga, gw = _plan_groups(manifest, k)
        if backend is None:
            backend = "apex4" if linear.weight.is_cuda else "torch"
        bias = None if linear.bias is None else linear.bias.detach().clone()
        layer = cls(k, n, ga, gw, manifest, bias, backend)
        w = linear.weight.detach().float().cpu().numpy()
        qw, sw = quantize(w, _as_group(gw, k))
        device = linear.weight.device
        layer.register_buffer("w_packed", torch.from_numpy(pack_int4(qw)).to(device))
        layer.register_buffer("w_scales", torch.from_numpy(np.ascontiguousarray(sw)).to(device))
        layer.register_buffer("w_q", torch.from_numpy(qw).to(device) if backend == "torch" else None)
        return layer

    def plan(self) -> str:
        """The plan the cost model chose, as the compiler recorded it."""
        return "; ".join(p["plan"] for p in self.manifest["plans"])

    def _kernels(self):
        if self._module is None:
            from .runtime import Module
            self._module = Module(self.manifest)
        return self._module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        x2 = x.reshape(-1, self.in_features)
        m = x2.shape[0]
        if self.backend == "torch":
            qa, sa = torch_quantize(x2, self.a_group)
            y = _torch_matmul(qa, sa, self.w_q, self.w_scales, self.a_group, self.w_group)
            y = y.to(x.dtype)
        else:
            module = self._kernels()
            x16 = x2.to(torch.float16).contiguous()
            q = torch.empty(m, self.in_features // 2, dtype=torch.uint8, device=x.device)
            s = torch.empty(m, self.in_features // self.a_group, dtype=torch.float32, device=x.device)
            module.quantize_kernel(self.in_features, self.a_group)(m, x16, q, s)
            y = torch.empty(m, self.out_features, dtype=torch.float16, device=x.device)
            module.matmul()(m, q, s, self.w_packed, self.w_scales, y)
            y = y.to(x.dtype)
        if self.bias is not None:
            y = y + self.bias
        return y.reshape(*shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"a_group={self.a_group}, w_group={self.w_group}, backend={self.backend}")


def _torch_matmul(qa, sa, qw, sw, ga, gw):
    k = qa.shape[1]
    fine = min(ga, gw)
    acc = torch.zeros(qa.shape[0], qw.shape[0], dtype=torch.float32, device=qa.device)
    a, w = qa.double(), qw.double()
    for j in range(k // fine):
        lo, hi = j * fine, (j + 1) * fine
        isum = (a[:, lo:hi] @ w[:, lo:hi].T).float()
        acc = acc + isum * (sa[:, lo // ga][:, None] * sw[:, lo // gw][None, :])
    return acc


def quantize_model(model: torch.nn.Module, granularity="auto", target: str | None = None,
                   skip=(r"lm_head",), backend: str | None = None) -> torch.nn.Module:
    """Replaces the model's nn.Linear layers (except names matching `skip`,
    and layers the kernels cannot take: K not a multiple of 256) in place."""
    for name, child in list(model.named_modules()):
        for attr, layer in list(child.named_children()):
            full = f"{name}.{attr}" if name else attr
            if not isinstance(layer, torch.nn.Linear) or any(re.search(p, full) for p in skip):
                continue
            if layer.in_features % 256 or layer.out_features % 2:
                continue
            setattr(child, attr, Linear.from_float(layer, granularity, target, backend))
    return model
