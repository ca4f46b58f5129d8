"""Quantization against an independent element-by-element implementation."""
import math

import numpy as np
import pytest

from apex4 import pack_int4, quant_error, quantize, unpack_int4


def loop_quantize(x, g):
    """One value at a time, in np.float32, straight from docs/architecture.md."""
    rows, k = x.shape
    q = np.zeros((rows, k), np.int64)
    s = np.zeros((rows, k // g), np.float32)
    for r in range(rows):
        for j in range(k // g):
            amax = np.float32(0)
            for i in range(j * g, (j + 1) * g):
                v = np.float32(abs(np.float32(x[r, i])))
                if not math.isnan(v) and v > amax:
                    amax = v
            scale = np.float32(amax / np.float32(7))
            s[r, j] = scale
            for i in range(j * g, (j + 1) * g):
                with np.errstate(divide="ignore", invalid="ignore"):
                    ratio = np.float32(np.float32(x[r, i]) / scale)
                if math.isnan(ratio):
                    q[r, i] = 0
                else:
                    q[r, i] = int(min(max(round(float(ratio)), -8), 7))  # half to even
    return q, s


@pytest.mark.parametrize("group", [16, 32, 64, "per_channel"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_matches_loop_reference(group, dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((5, 128)) * 3).astype(dtype)
    x[0, :16] = 0                 # all-zero group
    x[1, 3] = np.nan              # NaN
    x[2, 5] = np.inf              # Inf
    x[3, 16:32] = np.arange(16) * 0.5 - 4  # exact halves
    q, s = quantize(x, group)
    g = 128 if group == "per_channel" else group
    ref_q, ref_s = loop_quantize(x, g)
    np.testing.assert_array_equal(q, ref_q)
    np.testing.assert_array_equal(s.view(np.uint32), ref_s.view(np.uint32))
    assert q.min() >= -8 and q.max() <= 7


def test_pack_unpack_round_trip_covers_the_range():
    q = np.array([[-8, 7, 0, -1, 1, -7, 3, -4]], np.int8)
    packed = pack_int4(q)
    assert packed.tolist() == [[0x78, 0xF0, 0x91, 0xC3]]
    np.testing.assert_array_equal(unpack_int4(packed), q)
    rng = np.random.default_rng(1)
    q = rng.integers(-8, 8, (7, 64)).astype(np.int8)
    np.testing.assert_array_equal(unpack_int4(pack_int4(q)), q)


def test_invalid_input_is_rejected():
    with pytest.raises(ValueError, match="does not divide"):
        quantize(np.zeros((1, 96), np.float32), 64)
    with pytest.raises(ValueError, match="power of two"):
        quantize(np.zeros((1, 96), np.float32), 24)
    with pytest.raises(ValueError, match="must be even"):
        quantize(np.zeros((1, 7), np.float32), "per_channel")
    with pytest.raises(ValueError, match=r"\[-8, 7\]"):
        pack_int4(np.array([[8, 0]]))


def test_error_report_orders_granularities():
    rng = np.random.default_rng(2)
    w = rng.standard_normal((16, 512)).astype(np.float32)
    w[:, 7] = 30.0
    errors = [quant_error(w, g)["sqnr_db"] for g in (32, 128, "per_channel")]
    assert errors[0] > errors[1] > errors[2]
    assert quant_error(np.array([[7.0, -7.0, 1.0, 2.0]], np.float32), "per_channel")["relative_error"] == 0
