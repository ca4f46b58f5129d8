"""The numpy matmul reference against a scalar loop and float64 math."""
import numpy as np
import pytest

from apex4 import linear_ref, matmul_ref


def loop_matmul(qa, sa, qw, sw, ga, gw):
    m, k = qa.shape
    n = qw.shape[0]
    fine = min(ga, gw)
    out = np.zeros((m, n), np.float32)
    for r in range(m):
        for c in range(n):
            acc = np.float32(0)
            for j in range(k // fine):
                isum = sum(int(qa[r, i]) * int(qw[c, i]) for i in range(j * fine, (j + 1) * fine))
                p = np.float32(sa[r, j * fine // ga] * sw[c, j * fine // gw])
                acc = np.float32(acc + np.float32(np.float32(isum) * p))
            out[r, c] = acc
    return out


@pytest.mark.parametrize("ga,gw", [(32, 32), (16, 64), (64, 16), (128, "per_channel"), ("per_channel", "per_channel")])
def test_matches_scalar_loop_exactly(ga, gw):
    rng = np.random.default_rng(3)
    k = 128
    la = k if ga == "per_channel" else ga
    lw = k if gw == "per_channel" else gw
    qa = rng.integers(-8, 8, (3, k))
    qw = rng.integers(-8, 8, (4, k))
    sa = rng.random((3, k // la), dtype=np.float32) * 0.1
    sw = rng.random((4, k // lw), dtype=np.float32) * 0.1
    got = matmul_ref(qa, sa, qw, sw, ga, gw)
    np.testing.assert_array_equal(got, loop_matmul(qa, sa, qw, sw, la, lw))


def test_linear_is_close_to_float_math():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((8, 256)).astype(np.float32)
    w = rng.standard_normal((16, 256)).astype(np.float32)
    exact = x.astype(np.float64) @ w.astype(np.float64).T
    y = linear_ref(x, w, 32, 32)
    rel = np.linalg.norm(y - exact) / np.linalg.norm(exact)
    assert 0.01 < rel < 0.3  # 4-bit operands: percent-level error, not noise
    y16 = linear_ref(x, w, 32, 32, np.float16)
    assert y16.dtype == np.float16
