"""MLIR text for apex4 ops: the layer IR the compiler takes, and self-checking
`@main` modules that the CPU reference pipeline runs under mlir-runner.

The apex4 dialect's textual syntax lives in `_SYNTAX` and `group_attr` only;
change it there when the dialect changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Union

import numpy as np

from .quant import PER_CHANNEL, Group, group_length

# --- the dialect's syntax: the one place -----------------------------------

_SYNTAX = {
    "group": "#apex4.group<{value}>",
    "linear": ("{y} = apex4.linear {x}, {w} {{a_group = {ga}, w_group = {gw}}}\n"
               "      : {x_t}, {w_t} -> {y_t}"),
    "quantize": ("{q}, {s} = apex4.quantize {x} {{group = {g}}}\n"
                 "      : {x_t} -> {q_t}, {s_t}"),
    "matmul": ("{c} = apex4.matmul {a}, {sa}, {w}, {sw} {{a_group = {ga}, w_group = {gw}}}\n"
               "      : {a_t}, {sa_t}, {w_t}, {sw_t} -> {c_t}"),
}


def group_attr(group: Group) -> str:
    """`#apex4.group<128>`, `#apex4.group<per_channel>` or `#apex4.group<auto>`."""
    if group in ("auto", PER_CHANNEL):
        return _SYNTAX["group"].format(value=group)
    group_length(group, int(group))  # validates: a power of two >= 16
    return _SYNTAX["group"].format(value=int(group))


def tensor_type(shape: Sequence[Optional[int]], element: str) -> str:
    dims = "x".join("?" if d is None else str(int(d)) for d in shape)
    return f"tensor<{dims}x{element}>"


def scale_columns(group: Group, k: int) -> int:
    return k // group_length(group, k)


def linear_op(y: str, x: str, w: str, a_group: Group, w_group: Group,
              x_t: str, w_t: str, y_t: str) -> str:
    return _SYNTAX["linear"].format(y=y, x=x, w=w, ga=group_attr(a_group),
                                    gw=group_attr(w_group), x_t=x_t, w_t=w_t, y_t=y_t)


def quantize_op(q: str, s: str, x: str, group: Group, x_t: str, q_t: str, s_t: str) -> str:
    return _SYNTAX["quantize"].format(q=q, s=s, x=x, g=group_attr(group),
                                      x_t=x_t, q_t=q_t, s_t=s_t)


def matmul_op(c: str, a: str, sa: str, w: str, sw: str, a_group: Group, w_group: Group,
              a_t: str, sa_t: str, w_t: str, sw_t: str, c_t: str) -> str:
    return _SYNTAX["matmul"].format(c=c, a=a, sa=sa, w=w, sw=sw, ga=group_attr(a_group),
                                    gw=group_attr(w_group), a_t=a_t, sa_t=sa_t, w_t=w_t,
                                    sw_t=sw_t, c_t=c_t)


# --- the layer IR -----------------------------------------------------------

def linear_module(n: int, k: int, a_group: Group = "auto", w_group: Group = "auto",
                  dtype: str = "f16", out_dtype: Optional[str] = None,
                  m: Optional[int] = None, name: str = "linear") -> str:
    """`func.func @linear(%x: [M x K], %w: [N x K]) -> [M x N]` around one
    apex4.linear. M is dynamic unless given (a GPU kernel serves every M);
    the result type defaults to the input type."""
    if k <= 0 or k % 2 or n <= 0:
        raise ValueError(f"bad linear shape N = {n}, K = {k} (K must be even)")
    for g in (a_group, w_group):
        if g not in ("auto", PER_CHANNEL):
            group_length(g, k)
    x_t = tensor_type((m, k), dtype)
    w_t = tensor_type((n, k), dtype)
    y_t = tensor_type((m, n), out_dtype or dtype)
    return (f"func.func @{name}(%x: {x_t}, %w: {w_t}) -> {y_t} {{\n"
            f"  {linear_op('%y', '%x', '%w', a_group, w_group, x_t, w_t, y_t)}\n"
            f"  return %y : {y_t}\n}}\n")


# --- self-checking modules for the CPU reference ---------------------------

@dataclass
class MatmulCheck:
    """apex4.matmul on constants: qa [M, K], qw [N, K] ints in [-8, 7]."""
    qa: np.ndarray
    sa: np.ndarray
    qw: np.ndarray
    sw: np.ndarray
    a_group: Group
    w_group: Group
    out: str = "f32"


@dataclass
class QuantizeCheck:
    """apex4.quantize on a constant x [M, K] (f16 or f32)."""
    x: np.ndarray
    group: Group


Check = Union[MatmulCheck, QuantizeCheck]

_ELEMENT = {np.dtype(np.float16): "f16", np.dtype(np.float32): "f32"}
_PRINT_DECL = ("func.func private @printMemrefI32(memref<*xi32>) "
               "attributes {llvm.emit_c_interface}\n")


def _dense(values: np.ndarray, element: str) -> str:
    """A dense literal; floats as hex bit patterns so constants are exact."""
    if element == "f32":
        items, fmt = np.asarray(values, np.float32).view(np.uint32), "0x{:08X}"
    elif element == "f16":
        items, fmt = np.asarray(values, np.float16).view(np.uint16), "0x{:04X}"
    else:
        items, fmt = np.asarray(values, np.int64), "{:d}"
    rows = ("[" + ", ".join(fmt.format(int(v)) for v in row) + "]" for row in items)
    return "[" + ", ".join(rows) + "]"


def _constant(name: str, values: np.ndarray, element: str) -> str:
    t = tensor_type(values.shape, element)
    return f"  {name} = arith.constant dense<{_dense(values, element)}> : {t}\n"


def _print_bits(value: str, shape: Sequence[int], element: str) -> str:
    """Prints a 2-D tensor exactly: f32 bit patterns (f16 widened first,
    which is exact) or sign-extended integers, through printMemrefI32."""
    f32_t, i32_t = tensor_type(shape, "f32"), tensor_type(shape, "i32")
    memref_t = i32_t.replace("tensor", "memref")
    out = ""
    if element == "f16":
        out += f"  {value}_w = arith.extf {value} : {tensor_type(shape, 'f16')} to {f32_t}\n"
        value, element = f"{value}_w", "f32"
    if element == "f32":
        out += f"  {value}_b = arith.bitcast {value} : {f32_t} to {i32_t}\n"
    elif element in ("i4", "i8"):
        out += f"  {value}_b = arith.extsi {value} : {tensor_type(shape, element)} to {i32_t}\n"
    else:
        raise ValueError(f"cannot print {element}")
    out += (f"  {value}_m = bufferization.to_buffer {value}_b : {i32_t} to {memref_t}\n"
            f"  {value}_u = memref.cast {value}_m : {memref_t} to memref<*xi32>\n"
            f"  call @printMemrefI32({value}_u) : (memref<*xi32>) -> ()\n")
    return out


def _matmul_body(p: str, case: MatmulCheck) -> str:
    qa, qw = np.asarray(case.qa), np.asarray(case.qw)
    m, k = qa.shape
    n = qw.shape[0]
    sa, sw = np.asarray(case.sa, np.float32), np.asarray(case.sw, np.float32)
    if sa.shape != (m, scale_columns(case.a_group, k)) or sw.shape != (n, scale_columns(case.w_group, k)):
        raise ValueError("scale shapes do not match the group sizes")
    a_t, w_t = tensor_type((m, k), "i4"), tensor_type((n, k), "i4")
    c_t = tensor_type((m, n), case.out)
    return (_constant(f"{p}a8", qa, "i8") + _constant(f"{p}w8", qw, "i8")
            + f"  {p}a = arith.trunci {p}a8 : {tensor_type((m, k), 'i8')} to {a_t}\n"
            + f"  {p}w = arith.trunci {p}w8 : {tensor_type((n, k), 'i8')} to {w_t}\n"
            + _constant(f"{p}sa", sa, "f32") + _constant(f"{p}sw", sw, "f32")
            + "  " + matmul_op(f"{p}c", f"{p}a", f"{p}sa", f"{p}w", f"{p}sw",
                               case.a_group, case.w_group, a_t,
                               tensor_type(sa.shape, "f32"), w_t,
                               tensor_type(sw.shape, "f32"), c_t) + "\n"
            + _print_bits(f"{p}c", (m, n), case.out))


def _quantize_body(p: str, case: QuantizeCheck) -> str:
    x = np.asarray(case.x)
    element = _ELEMENT.get(x.dtype)
    if element is None:
        raise ValueError(f"quantize checks take f16 or f32 inputs, not {x.dtype}")
    m, k = x.shape
    q_t = tensor_type((m, k), "i4")
    s_t = tensor_type((m, scale_columns(case.group, k)), "f32")
    return (_constant(f"{p}x", x, element)
            + "  " + quantize_op(f"{p}q", f"{p}s", f"{p}x", case.group,
                                 tensor_type((m, k), element), q_t, s_t) + "\n"
            + _print_bits(f"{p}q", (m, k), "i4")
            + _print_bits(f"{p}s", (m, scale_columns(case.group, k)), "f32"))


def reference_check_module(cases: Union[Check, Sequence[Check]]) -> str:
    """`func.func @main()` running each case on constants and printing its
    results, in order, as exact i32 memrefs: a matmul prints C's f32 bits
    (f16 results widened exactly first); a quantize prints q then the
    scales' f32 bits. `apex4.compiler.run_cpu_reference` runs it and
    `decode_check_outputs` turns the printout back into arrays."""
    if isinstance(cases, (MatmulCheck, QuantizeCheck)):
        cases = [cases]
    body = ""
    for i, case in enumerate(cases):
        if isinstance(case, MatmulCheck):
            body += _matmul_body(f"%m{i}_", case)
        elif isinstance(case, QuantizeCheck):
            body += _quantize_body(f"%q{i}_", case)
        else:
            raise TypeError(f"not a check case: {case!r}")
    return _PRINT_DECL + "func.func @main() {\n" + body + "  return\n}\n"


def decode_check_outputs(cases: Union[Check, Sequence[Check]],
                         printed: Sequence[np.ndarray]) -> List[object]:
    """Per case: the matmul result (np.float32 or np.float16) or (q int8, scales f32)."""
    if isinstance(cases, (MatmulCheck, QuantizeCheck)):
        cases = [cases]
    arrays = iter(printed)
    results: List[object] = []
    for case in cases:
        if isinstance(case, MatmulCheck):
            c = np.asarray(next(arrays), np.int64).astype(np.uint32).view(np.float32)
            results.append(c.astype(np.float16) if case.out == "f16" else c)
        else:
            q = np.asarray(next(arrays), np.int64).astype(np.int8)
            s = np.asarray(next(arrays), np.int64).astype(np.uint32).view(np.float32)
            results.append((q, s))
    return results


def matmul_check_module(qa: np.ndarray, sa: np.ndarray, qw: np.ndarray, sw: np.ndarray,
                        a_group: Group, w_group: Group, out: str = "f32") -> str:
    """One apex4.matmul case (see reference_check_module)."""
    return reference_check_module(MatmulCheck(qa, sa, qw, sw, a_group, w_group, out))


def quantize_check_module(x: np.ndarray, group: Group) -> str:
    """One apex4.quantize case (see reference_check_module)."""
    return reference_check_module(QuantizeCheck(x, group))
