"""MLIR text generation: structure checks (no tools needed)."""
import re

import numpy as np
import pytest

from apex4 import PER_CHANNEL
from apex4.ir import (MatmulCheck, QuantizeCheck, decode_check_outputs, group_attr,
                      linear_module, matmul_check_module, quantize_check_module,
                      reference_check_module)


def test_group_attributes():
    assert group_attr(128) == "#apex4.group<128>"
    assert group_attr(np.int64(16)) == "#apex4.group<16>"
    assert group_attr(PER_CHANNEL) == "#apex4.group<per_channel>"
    assert group_attr("auto") == "#apex4.group<auto>"
    with pytest.raises(ValueError):
        group_attr(24)


def test_linear_module():
    text = linear_module(64, 256, 128, PER_CHANNEL)
    assert text.startswith("func.func @linear(%x: tensor<?x256xf16>, %w: tensor<64x256xf16>)"
                           " -> tensor<?x64xf16> {")
    assert ("%y = apex4.linear %x, %w {a_group = #apex4.group<128>, "
            "w_group = #apex4.group<per_channel>}") in text
    assert ": tensor<?x256xf16>, tensor<64x256xf16> -> tensor<?x64xf16>" in text
    assert "return %y : tensor<?x64xf16>" in text
    static = linear_module(64, 256, m=16, dtype="f32", out_dtype="f16", name="layer0")
    assert "func.func @layer0(%x: tensor<16x256xf32>, %w: tensor<64x256xf32>) -> tensor<16x64xf16>" in static
    assert "{a_group = #apex4.group<auto>, w_group = #apex4.group<auto>}" in static
    with pytest.raises(ValueError, match="does not divide"):
        linear_module(64, 96, 64, 64)
    with pytest.raises(ValueError, match="even"):
        linear_module(64, 7)


def test_matmul_check_module_structure():
    rng = np.random.default_rng(0)
    qa, qw = rng.integers(-8, 8, (3, 64)), rng.integers(-8, 8, (5, 64))
    sa = np.full((3, 4), 0.1, np.float32)
    sw = np.full((5, 1), 0.5, np.float32)
    text = matmul_check_module(qa, sa, qw, sw, 16, PER_CHANNEL, "f16")
    assert "func.func private @printMemrefI32(memref<*xi32>) attributes {llvm.emit_c_interface}" in text
    assert "func.func @main() {" in text and text.rstrip().endswith("return\n}")
    assert re.search(r"arith.constant dense<\[\[-?\d.*\]\]> : tensor<3x64xi8>", text)
    assert "arith.trunci %m0_a8 : tensor<3x64xi8> to tensor<3x64xi4>" in text
    assert "0x3DCCCCCD" in text  # 0.1f exactly, as bits
    assert ("%m0_c = apex4.matmul %m0_a, %m0_sa, %m0_w, %m0_sw {a_group = #apex4.group<16>, "
            "w_group = #apex4.group<per_channel>}") in text
    assert ": tensor<3x64xi4>, tensor<3x4xf32>, tensor<5x64xi4>, tensor<5x1xf32> -> tensor<3x5xf16>" in text
    assert "arith.extf %m0_c : tensor<3x5xf16> to tensor<3x5xf32>" in text
    assert "arith.bitcast %m0_c_w : tensor<3x5xf32> to tensor<3x5xi32>" in text
    assert "bufferization.to_buffer %m0_c_w_b : tensor<3x5xi32> to memref<3x5xi32>" in text
    assert "memref.cast %m0_c_w_m : memref<3x5xi32> to memref<*xi32>" in text
    assert text.count("call @printMemrefI32") == 1
    with pytest.raises(ValueError, match="scale shapes"):
        matmul_check_module(qa, sa, qw, np.ones((5, 2), np.float32), 16, PER_CHANNEL)


def test_quantize_check_module_structure():
    x = np.zeros((2, 32), np.float16)
    x[0, 0] = 1.0
    text = quantize_check_module(x, 16)
    assert "dense<[[0x3C00, 0x0000" in text  # f16 1.0 as bits
    assert ("%q0_q, %q0_s = apex4.quantize %q0_x {group = #apex4.group<16>}\n"
            "      : tensor<2x32xf16> -> tensor<2x32xi4>, tensor<2x2xf32>") in text
    assert "arith.extsi %q0_q : tensor<2x32xi4> to tensor<2x32xi32>" in text
    assert text.count("call @printMemrefI32") == 2
    with pytest.raises(ValueError, match="f16 or f32"):
        quantize_check_module(np.zeros((2, 32)), 16)


def test_batched_module_and_decoding():
    rng = np.random.default_rng(1)
    cases = [MatmulCheck(rng.integers(-8, 8, (1, 32)), np.ones((1, 2), np.float32),
                         rng.integers(-8, 8, (2, 32)), np.ones((2, 1), np.float32), 16, PER_CHANNEL),
             QuantizeCheck(np.ones((1, 32), np.float32), PER_CHANNEL),
             MatmulCheck(rng.integers(-8, 8, (1, 32)), np.ones((1, 1), np.float32),
                         rng.integers(-8, 8, (2, 32)), np.ones((2, 2), np.float32), PER_CHANNEL, 16,
                         "f16")]
    text = reference_check_module(cases)
    assert text.count("func.func @main") == 1 and text.count("call @printMemrefI32") == 4
    for prefix in ("%m0_", "%q1_", "%m2_"):
        assert f"{prefix}" in text
    printed = [np.array([[0x3F800000, 0xC0000000]]), np.full((1, 32), 7),
               np.array([[0x3F800000]]).reshape(1, 1), np.array([[0x3F800000, 0x3C000000]])]
    c0, (q1, s1), c2 = decode_check_outputs(cases, printed)
    assert c0.dtype == np.float32 and c0.tolist() == [[1.0, -2.0]]
    assert q1.dtype == np.int8 and s1.tolist() == [[1.0]]
    assert c2.dtype == np.float16 and c2.tolist() == [[1.0, 0.0078125]]
