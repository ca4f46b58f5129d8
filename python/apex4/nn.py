"""Drop-in W4A4 replacements for torch.nn.Linear.

`Linear.from_float(linear)` quantizes the weights once (INT4, one f32 scale
per group, packed as docs/architecture.md lays out) and compiles kernels for
the layer's shape. At forward time the activations are quantized (the GPU
quantize kernel from the manifest when there is one for the input dtype,
otherwise the same math in torch) and the matmul kernel runs.

`backend="torch"` computes the identical quantized math with torch ops on
the tensor's device, needs no kernels (nor the compiler, when the group sizes
are given), and is the reference the kernels are tested against.
"""
from __future__ import annotations

import re
import warnings
from typing import Any, Dict, Optional, Sequence, Tuple, Union

import torch

from . import torch_ops
from .buckets import ROW_BUCKETS
from .compiler import CompileError, compile_linear, compile_row_buckets
from .quant import PER_CHANNEL, Group, group_length

Granularity = Union[Group, Tuple[Group, Group]]

# Kernels are planned per row bucket (buckets.ROW_BUCKETS): at M = 1 and 8 the
# split-K kernel with the weights on the MMA's 16-row side, at 16 the
# split-K kernel, at 64 to 1024 whatever the cost model picks for that M
# (on Hopper the wreg kernel, with K split over a cluster while the output
# tiles leave SMs idle), and the prefill plan above.
_IN_TYPES = {torch.float16: "f16", torch.bfloat16: "bf16", torch.float32: "f32"}
_TARGET_NAMES = (("h200", "h200"), ("h100", "h100"), ("a100", "a100"), ("l40s", "l40s"),
                 ("a40", "a40"), ("4090", "rtx4090"), ("3090", "rtx3090"))
_TARGET_BY_CAPABILITY = {(9, 0): "h100", (8, 0): "a100", (8, 6): "a40", (8, 9): "l40s"}


def default_target(device: Optional[torch.device] = None) -> str:
    """The apex4 target description for a CUDA device (h100 without one)."""
    if device is None or torch.device(device).type != "cuda" or not torch.cuda.is_available():
        return "h100"
    name = torch.cuda.get_device_name(device).lower().replace(" ", "")
    for needle, target in _TARGET_NAMES:
        if needle in name:
            return target
    return _TARGET_BY_CAPABILITY.get(torch.cuda.get_device_capability(device), "h100")


def _split(granularity: Granularity) -> Tuple[Group, Group]:
    if isinstance(granularity, (tuple, list)):
        a_group, w_group = granularity
        return a_group, w_group
    return granularity, granularity


def _op_group(g: int, k: int) -> Group:
    """A manifest group size (resolved; 0 or K = per-channel) as an op group."""
    return PER_CHANNEL if g in (0, k) else int(g)


class Linear(torch.nn.Module):
    """y = x W^T (+ b) with x and W quantized to INT4, computed by apex4
    kernels (`backend="apex4"`, CUDA tensors) or by the same math in torch
    (`backend="torch"`, any device)."""

    def __init__(self, in_features: int, out_features: int, a_group: Group, w_group: Group,
                 backend: str = "torch", manifest: Optional[Dict[str, Any]] = None,
                 bias: bool = False, device: Any = None,
                 row_manifests: Optional[Dict[int, Dict[str, Any]]] = None):
        super().__init__()
        if backend not in ("apex4", "torch"):
            raise ValueError(f"backend must be 'apex4' or 'torch', not {backend!r}")
        if backend == "apex4" and manifest is None:
            raise ValueError("backend 'apex4' needs the compiled kernels' manifest")
        k, n = in_features, out_features
        self.in_features, self.out_features = k, n
        self.a_group, self.w_group = a_group, w_group
        self.backend, self.manifest = backend, manifest
        # Bucket rows -> the kernels planned for them (ROW_BUCKETS); a bucket
        # without an entry is served by the next larger one, finally by
        # `manifest` (the prefill plan).
        self.row_manifests = dict(row_manifests or {})
        # (bucket rows or 0 for prefill, device, input type) ->
        # (matmul, quantize or None).
        self._kernel_cache: Dict[Tuple[int, int, str], Tuple[Any, Any]] = {}
        cols = k // group_length(w_group, k)
        group_length(a_group, k)
        self.register_buffer("w_packed", torch.zeros(n, k // 2, dtype=torch.uint8, device=device))
        self.register_buffer("w_scales", torch.zeros(n, cols, dtype=torch.float32, device=device))
        self.register_buffer("bias", torch.zeros(n, device=device) if bias else None)

    @classmethod
    def from_float(cls, linear: torch.nn.Linear, granularity: Granularity = "auto",
                   target: Optional[str] = None, backend: Optional[str] = None) -> "Linear":
        """Quantizes `linear`'s weights once. granularity: a group size (a power
        of two >= 16), 'per_channel', 'auto' (the cost model chooses for
        `target`), or an (activation, weight) pair of those. backend defaults
        to 'apex4' for CUDA weights and 'torch' otherwise."""
        n, k = linear.weight.shape
        device = linear.weight.device
        backend = backend or ("apex4" if device.type == "cuda" else "torch")
        a_group, w_group = _split(granularity)
        manifest = None
        if backend == "apex4" or "auto" in (a_group, w_group):
            manifest = compile_linear(n, k, a_group, w_group, target or default_target(device))
            matmul = next(kern for kern in manifest["kernels"] if kern["kind"] == "matmul")
            a_group = _op_group(matmul["a_group"], k)
            w_group = _op_group(matmul["w_group"], k)
        row_manifests = {}
        if backend == "apex4":
            # The groups are fixed now (the weights are quantized once); only
            # the kernel plan changes with M.
            row_manifests = compile_row_buckets(n, k, a_group, w_group,
                                                target or default_target(device))
        layer = cls(k, n, a_group, w_group, backend, manifest if backend == "apex4" else None,
                    linear.bias is not None, device, row_manifests)
        with torch.no_grad():
            qw, sw = torch_ops.quantize(linear.weight, w_group)
            layer.w_packed.copy_(torch_ops.pack_int4(qw))
            layer.w_scales.copy_(sw)
            if linear.bias is not None:
                layer.bias = linear.bias.detach().clone()
        return layer

    def plan(self) -> str:
        """The plan the cost model chose, as the compiler recorded it."""
        if self.manifest is None:
            return "(torch backend: no kernels)"
        text = "; ".join(p["plan"] for p in self.manifest.get("plans", []))
        for most, rows in ROW_BUCKETS:
            manifest = self.row_manifests.get(rows)
            if manifest is not None:
                text += f"; for M <= {most}: " + "; ".join(
                    p["plan"] for p in manifest.get("plans", []))
        return text

    def _manifest_for(self, m: int) -> Tuple[int, Dict[str, Any]]:
        """(bucket rows or 0, manifest) of the kernels that run M rows."""
        for most, rows in ROW_BUCKETS:
            if m <= most and rows in self.row_manifests:
                return rows, self.row_manifests[rows]
        return 0, self.manifest

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.in_features:
            raise ValueError(f"expected {self.in_features} input features, got {x.shape[-1]}")
        x2 = x.reshape(-1, self.in_features)
        if self.backend == "torch":
            qw = torch_ops.unpack_int4(self.w_packed)
            y = torch_ops.linear(x2, qw, self.w_scales, self.a_group, self.w_group).to(x.dtype)
        else:
            y = self._forward_kernels(x2).to(x.dtype)
        if self.bias is not None:
            y = y + self.bias.to(y.dtype)
        return y.reshape(*x.shape[:-1], self.out_features)

    def _kernels(self, m: int, device: int, in_type: str) -> Tuple[Any, Any]:
        """(matmul, quantize or None) for M rows on `device`, looked up once
        per layer and bucket."""
        from .runtime import load_module
        bucket, manifest = self._manifest_for(m)
        key = (bucket, device, in_type)
        cache = self._kernel_cache
        if key not in cache:
            module = load_module(manifest, device)
            k = self.in_features
            matmul = module.matmul()
            quantize = module.quantize_kernel(k, group_length(self.a_group, k), in_type,
                                              containers=matmul.params[0] == "AC")
            # _forward_kernels passes pointers in these orders: packed INT4
            # activations, or INT8 containers with their TMA tensor map.
            layouts = {("A", "SA", "W", "SW", "C", "M"): ("X", "Q", "S", "M"),
                       ("AC", "SA", "W", "SW", "C", "ACMAP", "M"): ("X", "QC", "S", "M")}
            expected_quantize = layouts.get(tuple(matmul.params))
            if expected_quantize is None or (
                    quantize is not None and tuple(quantize.params) != expected_quantize):
                raise ValueError(f"unexpected kernel parameters {matmul.params}"
                                 f"{'' if quantize is None else ' / ' + str(quantize.params)}")
            cache[key] = (matmul, quantize)
        return cache[key]

    def _forward_kernels(self, x2: torch.Tensor) -> torch.Tensor:
        if not x2.is_cuda:
            raise ValueError("backend 'apex4' runs on CUDA tensors (use backend='torch')")
        m, k = x2.shape
        device = x2.device.index
        if device is None:
            device = torch.cuda.current_device()
        matmul, quantize = self._kernels(m, device, _IN_TYPES.get(x2.dtype, ""))
        if self.w_packed.device != x2.device:
            raise ValueError(f"input on {x2.device}, weights on {self.w_packed.device}")
        ga = group_length(self.a_group, k)
        out_dtype = torch.float16 if matmul.info.get("out_type", "f16") == "f16" else torch.float32
        y = torch.empty(m, self.out_features, dtype=out_dtype, device=x2.device)
        if m == 0:
            return y
        if m > int(matmul.info.get("max_m", 1 << 24)):
            raise ValueError(f"M = {m} exceeds the kernels' {matmul.info.get('max_m')} rows")
        x2 = x2.contiguous()
        # Every tensor below is allocated here or owned by the layer with the
        # shapes the kernels were compiled for, so the runtime's per-call
        # argument checks are skipped (they cost more than a decode kernel).
        stream = torch.cuda.current_stream(x2.device).cuda_stream
        containers = matmul.params[0] == "AC"
        if quantize is not None:
            qa = torch.empty(m, k if containers else k // 2, dtype=torch.uint8,
                             device=x2.device)
            sa = torch.empty(m, k // ga, dtype=torch.float32, device=x2.device)
            quantize.launch_checked_arguments(
                m, [x2.data_ptr(), qa.data_ptr(), sa.data_ptr()], stream)
        else:
            q, sa = torch_ops.quantize(x2, self.a_group)
            qa = torch_ops.int8_containers(q) if containers else torch_ops.pack_int4(q)
            sa = sa.contiguous()
        pointers = [qa.data_ptr(), sa.data_ptr(), self.w_packed.data_ptr(),
                    self.w_scales.data_ptr(), y.data_ptr()]
        if containers:
            from .runtime import container_tensor_map
            pointers.append(container_tensor_map(qa, m, matmul.info["grid"][1]).data_ptr())
        matmul.launch_checked_arguments(m, pointers, stream)
        return y

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"a_group={self.a_group}, w_group={self.w_group}, backend={self.backend}")


def quantize_model(model: torch.nn.Module, granularity: Granularity = "auto",
                   target: Optional[str] = None, skip: Sequence[str] = (r"(^|\.)lm_head$",),
                   backend: Optional[str] = None) -> torch.nn.Module:
    """Replaces, in place, every nn.Linear whose qualified name matches none
    of the `skip` regexes with apex4.nn.Linear. Layers that cannot be
    quantized as asked (K odd, a group not dividing K, shapes the compiler
    rejects) stay in float, with a warning. Returns the model."""
    for parent_name, parent in list(model.named_modules()):
        for attr, child in list(parent.named_children()):
            name = f"{parent_name}.{attr}" if parent_name else attr
            if not isinstance(child, torch.nn.Linear) or any(re.search(p, name) for p in skip):
                continue
            try:
                setattr(parent, attr, Linear.from_float(child, granularity, target, backend))
            except (ValueError, CompileError) as e:
                warnings.warn(f"apex4.quantize_model: {name} stays in float: {e}")
    return model
