"""The numpy matmul reference against a scalar loop (exactly) and float64
math (within the rounding it allows)."""
import numpy as np
import pytest

from apex4 import PER_CHANNEL, linear_ref, matmul_ref, quantize


def length(g, k):
    return k if g == PER_CHANNEL else g


def loop_matmul(qa, sa, qw, sw, ga, gw):
    """One output at a time, straight from docs/architecture.md."""
    m, k = qa.shape
    n = qw.shape[0]
    h = min(ga, gw)
    out = np.zeros((m, n), np.float32)
    for r in range(m):
        for c in range(n):
            acc = np.float32(0)
            for j in range(k // h):
                isum = sum(int(qa[r, i]) * int(qw[c, i]) for i in range(j * h, (j + 1) * h))
                p = np.float32(np.float32(sa[r, j * h // ga]) * np.float32(sw[c, j * h // gw]))
                acc = np.float32(acc + np.float32(np.float32(isum) * p))
            out[r, c] = acc
    return out


def random_operands(rng, m, n, k, ga, gw, spread=True):
    qa = rng.integers(-8, 8, (m, k))
    qw = rng.integers(-8, 8, (n, k))
    la, lw = length(ga, k), length(gw, k)
    # scales over several binades so that the f32 roundings matter
    sa = (rng.random((m, k // la)) * 2.0 ** rng.integers(-12, 4, (m, k // la))).astype(np.float32)
    sw = (rng.random((n, k // lw)) * 2.0 ** rng.integers(-12, 4, (n, k // lw))).astype(np.float32)
    return qa, sa, qw, sw


GROUPS = [(16, 16), (32, 32), (16, 64), (64, 16), (128, 32), (32, PER_CHANNEL),
          (PER_CHANNEL, 16), (128, PER_CHANNEL), (PER_CHANNEL, PER_CHANNEL)]


@pytest.mark.parametrize("ga,gw", GROUPS)
@pytest.mark.parametrize("m,n", [(1, 1), (3, 4), (5, 2)])
def test_matches_scalar_loop_exactly(ga, gw, m, n):
    rng = np.random.default_rng(m * 10 + n)
    k = 128
    qa, sa, qw, sw = random_operands(rng, m, n, k, ga, gw)
    got = matmul_ref(qa, sa, qw, sw, ga, gw)
    want = loop_matmul(qa, sa, qw, sw, length(ga, k), length(gw, k))
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))
    got16 = matmul_ref(qa, sa, qw, sw, ga, gw, np.float16)
    assert got16.dtype == np.float16
    np.testing.assert_array_equal(got16, want.astype(np.float16))  # one RNE rounding
    np.testing.assert_array_equal(matmul_ref(qa, sa, qw, sw, ga, gw, "f16"), got16)


def test_order_of_groups_matters_and_is_kept():
    # Terms 2^24, 1, -2^24 in this order give 0 in f32; another order gives 1.
    k, h = 48, 16
    qa = np.zeros((1, k), np.int64)
    qw = np.zeros((1, k), np.int64)
    qa[0, 0], qw[0, 0] = 1, 1                   # group 0: isum 1
    qa[0, 16], qw[0, 16] = 1, 1                 # group 1: isum 1
    qa[0, 32], qw[0, 32] = -1, 1                # group 2: isum -1
    sa = np.ones((1, 3), np.float32)
    sw = np.array([[2.0 ** 24, 1.0, 2.0 ** 24]], np.float32)
    assert matmul_ref(qa, sa, qw, sw, h, h)[0, 0] == 0.0


def test_extreme_operands():
    k = 1024
    qa = np.full((2, k), -8)
    qw = np.full((3, k), -8)
    sa = np.ones((2, k // 16), np.float32)
    sw = np.ones((3, 1), np.float32)  # per-channel
    got = matmul_ref(qa, sa, qw, sw, 16, PER_CHANNEL)
    assert (got == 64.0 * k).all()


@pytest.mark.parametrize("ga,gw", [(32, 32), (64, PER_CHANNEL), (PER_CHANNEL, 128)])
def test_close_to_float64_math(ga, gw):
    rng = np.random.default_rng(7)
    m, n, k = 16, 24, 512
    qa, sa, qw, sw = random_operands(rng, m, n, k, ga, gw)
    la, lw = length(ga, k), length(gw, k)
    exact = np.zeros((m, n))
    for j in range(k // min(la, lw)):
        lo, hi = j * min(la, lw), (j + 1) * min(la, lw)
        isum = qa[:, lo:hi].astype(np.float64) @ qw[:, lo:hi].T.astype(np.float64)
        exact += isum * sa[:, lo // la, None].astype(np.float64) * sw[None, :, lo // lw]
    got = matmul_ref(qa, sa, qw, sw, ga, gw)
    bound = np.zeros((m, n))
    for j in range(k // min(la, lw)):  # each step adds at most ~3 ulps of its magnitudes
        lo, hi = j * min(la, lw), (j + 1) * min(la, lw)
        mag = np.abs(qa[:, lo:hi]).astype(np.float64) @ np.abs(qw[:, lo:hi]).T
        bound += mag * sa[:, lo // la, None] * sw[None, :, lo // lw]
    assert (np.abs(got - exact) <= 3 * 2.0 ** -24 * bound * (k // min(la, lw)) + 1e-30).all()


def test_shapes_are_checked():
    qa, qw = np.zeros((2, 64), np.int8), np.zeros((3, 64), np.int8)
    with pytest.raises(ValueError, match="scale shapes"):
        matmul_ref(qa, np.ones((2, 2), np.float32), qw, np.ones((3, 4), np.float32), 16, 16)
    with pytest.raises(ValueError, match="K mismatch"):
        matmul_ref(qa, np.ones((2, 4), np.float32), np.zeros((3, 32), np.int8),
                   np.ones((3, 2), np.float32), 16, 16)
    with pytest.raises(ValueError, match="f16 or f32"):
        matmul_ref(qa, np.ones((2, 4), np.float32), qw, np.ones((3, 4), np.float32), 16, 16,
                   np.float64)


def test_linear_is_quantize_then_matmul_and_close_to_float():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((8, 256)).astype(np.float32)
    w = rng.standard_normal((16, 256)).astype(np.float32)
    qa, sa = quantize(x, 32)
    qw, sw = quantize(w, PER_CHANNEL)
    y = linear_ref(x, w, 32, PER_CHANNEL)
    np.testing.assert_array_equal(y, matmul_ref(qa, sa, qw, sw, 32, PER_CHANNEL))
    exact = x.astype(np.float64) @ w.astype(np.float64).T
    rel = np.linalg.norm(y - exact) / np.linalg.norm(exact)
    assert 0.01 < rel < 0.3  # 4-bit operands: percent-level error, not noise
    assert linear_ref(x, w, 32, 32, np.float16).dtype == np.float16
