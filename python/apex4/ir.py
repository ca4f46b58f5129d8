"""MLIR text for apex4 ops: the layer IR the compiler takes, and self-checking
modules that the CPU reference pipeline runs under mlir-runner.

The dialect's syntax lives in this file only.
"""
from __future__ import annotations

import numpy as np

from .quant import PER_CHANNEL, Group, group_length

_ELEMENT = {np.dtype(np.float16): "f16", np.dtype(np.float32): "f32"}


def group_attr(group: Group) -> str:
    if group == "auto":
        return "#apex4.group<auto>"
    if group == PER_CHANNEL:
        return "#apex4.group<per_channel>"
    return f"#apex4.group<{int(group)}>"


def scale_columns(group: Group, k: int) -> int:
    return 1 if group == PER_CHANNEL else k // group_length(group, k)


def linear_module(n: int, k: int, a_group: Group = "auto", w_group: Group = "auto",
                  dtype: str = "f16", out_dtype: str = "f16", m: int | None = None,
                  name: str = "linear") -> str:
    """A func taking activations [M x K] (M dynamic unless given) and weights
    [N x K], returning apex4.linear's [M x N] result."""
    rows = "?" if m is None else str(m)
    x_t, w_t = f"tensor<{rows}x{k}x{dtype}>", f"tensor<{n}x{k}x{dtype}>"
    y_t = f"tensor<{rows}x{n}x{out_dtype}>"
    return (f"func.func @{name}(%x: {x_t}, %w: {w_t}) -> {y_t} {{\n"
            f"  %y = apex4.linear %x, %w {{a_group = {group_attr(a_group)}, "
            f"w_group = {group_attr(w_group)}}}\n"
            f"      : {x_t}, {w_t} -> {y_t}\n"
            f"  return %y : {y_t}\n}}\n")


def _dense(values: np.ndarray, element: str) -> str:
    """A dense literal; floats as bit patterns so that constants are exact."""
    if element == "f32":
        items = np.asarray(values, np.float32).view(np.uint32)
        fmt = lambda v: f"0x{int(v):08X}"
    elif element == "f16":
        items = np.asarray(values, np.float16).view(np.uint16)
        fmt = lambda v: f"0x{int(v):04X}"
    else:
        items = np.asarray(values)
        fmt = lambda v: str(int(v))
    rows = ["[" + ", ".join(fmt(v) for v in row) + "]" for row in items.reshape(items.shape[0], -1)]
    return "[" + ", ".join(rows) + "]"


_PRINT_DECL = ("func.func private @printMemrefI32(memref<*xi32>) "
               "attributes {llvm.emit_c_interface}\n")


def _print_bits(value: str, shape: tuple[int, int], element: str) -> str:
    """Prints a tensor's f32 bit patterns (exact) as i32."""
    r, c = shape
    lines = []
    if element != "f32":
        lines.append(f"  {value}_w = arith.extf {value} : tensor<{r}x{c}x{element}> to tensor<{r}x{c}xf32>")
        value = f"{value}_w"
    lines += [
        f"  {value}_b = arith.bitcast {value} : tensor<{r}x{c}xf32> to tensor<{r}x{c}xi32>",
        f"  {value}_m = bufferization.to_buffer {value}_b : tensor<{r}x{c}xi32> to memref<{r}x{c}xi32>",
        f"  {value}_u = memref.cast {value}_m : memref<{r}x{c}xi32> to memref<*xi32>",
        f"  call @printMemrefI32({value}_u) : (memref<*xi32>) -> ()",
    ]
    return "\n".join(lines) + "\n"


def matmul_check_module(qa, sa, qw, sw, a_group: Group, w_group: Group,
                        out: str = "f32") -> str:
    """@main: apex4.matmul on constant operands, printing the result's bits."""
    m, k = qa.shape
    n = qw.shape[0]
    ca, cw = sa.shape[1], sw.shape[1]
    return (
        _PRINT_DECL + "func.func @main() {\n"
        f"  %a8 = arith.constant dense<{_dense(qa, 'i8')}> : tensor<{m}x{k}xi8>\n"
        f"  %w8 = arith.constant dense<{_dense(qw, 'i8')}> : tensor<{n}x{k}xi8>\n"
        f"  %a = arith.trunci %a8 : tensor<{m}x{k}xi8> to tensor<{m}x{k}xi4>\n"
        f"  %w = arith.trunci %w8 : tensor<{n}x{k}xi8> to tensor<{n}x{k}xi4>\n"
        f"  %sa = arith.constant dense<{_dense(sa, 'f32')}> : tensor<{m}x{ca}xf32>\n"
        f"  %sw = arith.constant dense<{_dense(sw, 'f32')}> : tensor<{n}x{cw}xf32>\n"
        f"  %c = apex4.matmul %a, %sa, %w, %sw {{a_group = {group_attr(a_group)}, "
        f"w_group = {group_attr(w_group)}}}\n"
        f"      : tensor<{m}x{k}xi4>, tensor<{m}x{ca}xf32>, tensor<{n}x{k}xi4>, "
        f"tensor<{n}x{cw}xf32> -> tensor<{m}x{n}x{out}>\n"
        + _print_bits("%c", (m, n), out) + "  return\n}\n")


def quantize_check_module(x: np.ndarray, group: Group) -> str:
    """@main: apex4.quantize on a constant, printing q (as i32) then the
    scales' bits."""
    m, k = x.shape
    element = _ELEMENT[np.asarray(x).dtype]
    cols = scale_columns(group, k)
    return (
        _PRINT_DECL + "func.func @main() {\n"
        f"  %x = arith.constant dense<{_dense(x, element)}> : tensor<{m}x{k}x{element}>\n"
        f"  %q, %s = apex4.quantize %x {{group = {group_attr(group)}}}\n"
        f"      : tensor<{m}x{k}x{element}> -> tensor<{m}x{k}xi4>, tensor<{m}x{cols}xf32>\n"
        f"  %qi = arith.extsi %q : tensor<{m}x{k}xi4> to tensor<{m}x{k}xi32>\n"
        f"  %qm = bufferization.to_buffer %qi : tensor<{m}x{k}xi32> to memref<{m}x{k}xi32>\n"
        f"  %qu = memref.cast %qm : memref<{m}x{k}xi32> to memref<*xi32>\n"
        f"  call @printMemrefI32(%qu) : (memref<*xi32>) -> ()\n"
        + _print_bits("%s", (m, cols), "f32") + "  return\n}\n")
