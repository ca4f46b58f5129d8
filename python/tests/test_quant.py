"""Quantization and packing against an independent element-by-element
implementation written straight from docs/architecture.md."""
import math

import numpy as np
import pytest

from apex4 import PER_CHANNEL, dequantize, pack_int4, quant_error, quantize, unpack_int4


def loop_quantize(x, g):
    """One value at a time, every operation in np.float32."""
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
                elif math.isinf(ratio):
                    q[r, i] = 7 if ratio > 0 else -8
                else:
                    q[r, i] = min(max(round(float(ratio)), -8), 7)  # round(): half to even
    return q, s


def edge_matrix(dtype, k=128, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((8, k)) * 3).astype(dtype)
    x[0, :16] = 0                                  # all-zero group: scale 0, q 0
    x[1, 3] = np.nan                               # NaN: ignored by amax, q 0
    x[2, 5] = np.inf                               # +Inf: scale Inf, q 0
    x[2, 40] = -np.inf                             # -Inf
    x[3, 16:32] = np.arange(16) * 0.5 - 4          # exact halves -> ties to even
    x[4, :16] = np.finfo(dtype).smallest_subnormal * 3  # amax / 7 underflows to 0
    x[4, 1] = 0
    x[5, :16] = -0.0                               # negative zeros
    x[6, :16] = np.finfo(dtype).max                # the largest finite value
    x[6, 3] = -np.finfo(dtype).max
    x[7, 0:32:2] = np.nan                          # half NaN
    return x


@pytest.mark.parametrize("group", [16, 32, 64, 128, PER_CHANNEL])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_matches_loop_reference(group, dtype):
    x = edge_matrix(dtype)
    q, s = quantize(x, group)
    g = x.shape[1] if group == PER_CHANNEL else group
    ref_q, ref_s = loop_quantize(x, g)
    assert q.dtype == np.int8 and s.dtype == np.float32
    np.testing.assert_array_equal(q, ref_q)
    np.testing.assert_array_equal(s.view(np.uint32), ref_s.view(np.uint32))
    assert q.min() >= -8 and q.max() <= 7


def test_edge_case_values():
    x = edge_matrix(np.float32)
    q, s = quantize(x, 16)
    assert (q[0, :16] == 0).all() and s[0, 0] == 0
    assert q[1, 3] == 0 and np.isfinite(s[1, 0])
    assert np.isinf(s[2, 0]) and (q[2, :16] == 0).all()
    assert s[4, 0] == 0 and q[4, 0] == 7 and q[4, 1] == 0  # x / 0 = Inf -> clamped
    assert (q[5, :16] == 0).all()
    assert q[6, 0] == 7 and q[6, 3] == -7
    assert (q[7, 0:32:2] == 0).all()


def test_ties_round_to_even():
    x = np.array([[7.0, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5] + [0.0] * 8], np.float32)
    q, s = quantize(x, 16)
    assert s[0, 0] == 1.0
    assert q[0, :8].tolist() == [7, 0, 2, 2, 0, -2, -2, 4]


def test_higher_rank_and_large_groups():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 1024)).astype(np.float32)
    for g in (256, 512, 1024, PER_CHANNEL):
        q, s = quantize(x, g)
        ref_q, ref_s = loop_quantize(x.reshape(6, 1024), 1024 if g == PER_CHANNEL else g)
        np.testing.assert_array_equal(q.reshape(6, 1024), ref_q)
        np.testing.assert_array_equal(s.reshape(6, -1), ref_s)


def test_symmetric_never_gives_minus_8():
    x = np.random.default_rng(4).standard_normal((64, 256)).astype(np.float32)
    assert quantize(x, 16)[0].min() >= -7


def test_pack_layout_and_round_trip():
    q = np.array([[-8, 7, 0, -1, 1, -7, 3, -4]], np.int8)
    packed = pack_int4(q)
    assert packed.dtype == np.uint8
    # even k in the low nibble, odd k in the high nibble, two's complement
    assert packed.tolist() == [[0x78, 0xF0, 0x91, 0xC3]]
    np.testing.assert_array_equal(unpack_int4(packed), q)
    all_pairs = np.array([[a, b] for a in range(-8, 8) for b in range(-8, 8)], np.int8)
    flat = all_pairs.reshape(1, -1)
    np.testing.assert_array_equal(unpack_int4(pack_int4(flat)), flat)
    assert sorted(pack_int4(flat)[0].tolist()) == list(range(256))
    rng = np.random.default_rng(1)
    q = rng.integers(-8, 8, (7, 64)).astype(np.int64)
    np.testing.assert_array_equal(unpack_int4(pack_int4(q)), q)
    np.testing.assert_array_equal(unpack_int4(pack_int4(q).view(np.int8)), q)


def test_invalid_input_is_rejected():
    with pytest.raises(ValueError, match="does not divide"):
        quantize(np.zeros((1, 96), np.float32), 64)
    for bad in (24, 8, 0, -16, 16.0, "auto", True):
        with pytest.raises(ValueError, match="power of two"):
            quantize(np.zeros((1, 96), np.float32), bad)
    with pytest.raises(ValueError, match="even"):
        quantize(np.zeros((1, 7), np.float32), PER_CHANNEL)
    with pytest.raises(ValueError, match=r"\[-8, 7\]"):
        pack_int4(np.array([[8, 0]]))
    with pytest.raises(ValueError, match="even"):
        pack_int4(np.array([[1, 2, 3]]))
    with pytest.raises(ValueError, match="integers"):
        pack_int4(np.array([[1.0, 2.0]]))


def test_dequantize_is_q_times_scale():
    x = np.random.default_rng(5).standard_normal((3, 64)).astype(np.float32)
    q, s = quantize(x, 32)
    d = dequantize(q, s)
    np.testing.assert_array_equal(d[:, :32], q[:, :32].astype(np.float32) * s[:, :1])
    assert np.abs(d - x).max() <= s.max() / 2 * (1 + 1e-6)


def test_error_report_orders_granularities():
    rng = np.random.default_rng(2)
    w = rng.standard_normal((16, 512)).astype(np.float32)
    w[:, 7] = 30.0
    reports = [quant_error(w, g) for g in (32, 128, PER_CHANNEL)]
    sqnr = [r["sqnr_db"] for r in reports]
    assert sqnr[0] > sqnr[1] > sqnr[2]
    for r in reports:
        assert r["relative_error"] == pytest.approx(10 ** (-r["sqnr_db"] / 20))
    exact = quant_error(np.array([[7.0, -7.0, 1.0, 2.0]], np.float32), PER_CHANNEL)
    assert exact["relative_error"] == 0 and exact["sqnr_db"] == float("inf")
