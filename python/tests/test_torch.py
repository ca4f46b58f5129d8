"""The torch implementation (apex4.torch_ops, apex4.nn backend='torch') against
the numpy reference, bit for bit, on the CPU. Skipped without torch."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import apex4  # noqa: E402
from apex4 import PER_CHANNEL, linear_ref, matmul_ref, pack_int4, quantize, torch_ops  # noqa: E402
from apex4.nn import Linear, quantize_model  # noqa: E402

from test_quant import edge_matrix  # noqa: E402

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("group", [16, 64, 128, PER_CHANNEL])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_quantize_matches_numpy(device, group, dtype):
    x = edge_matrix(dtype, k=256, seed=3)
    q, s = apex4.quantize(torch.from_numpy(x).to(device), group)  # dispatches to torch_ops
    want_q, want_s = quantize(x, group)
    assert q.device.type == device and q.dtype == torch.int8 and s.dtype == torch.float32
    np.testing.assert_array_equal(q.cpu().numpy(), want_q)
    np.testing.assert_array_equal(s.cpu().numpy().view(np.uint32), want_s.view(np.uint32))


@pytest.mark.parametrize("device", DEVICES)
def test_quantize_bf16_and_many_values(device):
    x = torch.randn(64, 4096, dtype=torch.bfloat16) * 5
    q, s = torch_ops.quantize(x.to(device), 128)
    want_q, want_s = quantize(x.float().numpy(), 128)
    np.testing.assert_array_equal(q.cpu().numpy(), want_q)
    np.testing.assert_array_equal(s.cpu().numpy(), want_s)
    x = torch.randn(256, 4096) * torch.rand(256, 1) * 100  # many divisions by odd scales
    q, s = torch_ops.quantize(x.to(device), 32)
    np.testing.assert_array_equal(q.cpu().numpy(), quantize(x.numpy(), 32)[0])


@pytest.mark.parametrize("device", DEVICES)
def test_pack_unpack_match_numpy(device):
    q = np.random.default_rng(0).integers(-8, 8, (9, 64)).astype(np.int8)
    q[0, :2] = [-8, 7]
    packed = apex4.pack_int4(torch.from_numpy(q).to(device))
    assert packed.dtype == torch.uint8
    np.testing.assert_array_equal(packed.cpu().numpy(), pack_int4(q))
    np.testing.assert_array_equal(apex4.unpack_int4(packed).cpu().numpy(), q)
    with pytest.raises(ValueError):
        torch_ops.pack_int4(torch.tensor([[8, 0]], device=device))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("ga,gw", [(16, 16), (32, 128), (128, 32), (64, PER_CHANNEL),
                                   (PER_CHANNEL, PER_CHANNEL)])
def test_matmul_matches_numpy(device, ga, gw):
    rng = np.random.default_rng(1)
    m, n, k = 7, 9, 256
    qa, qw = rng.integers(-8, 8, (m, k)), rng.integers(-8, 8, (n, k))
    la, lw = (k if ga == PER_CHANNEL else ga), (k if gw == PER_CHANNEL else gw)
    sa = (rng.random((m, k // la)) * 2.0 ** rng.integers(-10, 3, (m, k // la))).astype(np.float32)
    sw = (rng.random((n, k // lw)) * 2.0 ** rng.integers(-10, 3, (n, k // lw))).astype(np.float32)
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a)).to(device)  # noqa: E731
    got = torch_ops.matmul(t(qa.astype(np.int8)), t(sa), t(qw.astype(np.int8)), t(sw), ga, gw)
    want = matmul_ref(qa, sa, qw, sw, ga, gw)
    np.testing.assert_array_equal(got.cpu().numpy().view(np.uint32), want.view(np.uint32))
    got16 = torch_ops.matmul(t(qa), t(sa), t(qw), t(sw), ga, gw, torch.float16)
    np.testing.assert_array_equal(got16.cpu().numpy(), want.astype(np.float16))


@pytest.mark.parametrize("granularity", [64, PER_CHANNEL, (128, PER_CHANNEL), (PER_CHANNEL, 32)])
def test_linear_torch_backend_is_the_reference(granularity):
    torch.manual_seed(0)
    ref = torch.nn.Linear(256, 48, bias=False)
    layer = Linear.from_float(ref, granularity=granularity, backend="torch")
    ga, gw = granularity if isinstance(granularity, tuple) else (granularity, granularity)
    assert (layer.a_group, layer.w_group) == (ga, gw) and layer.backend == "torch"
    x = torch.randn(2, 5, 256)
    y = layer(x)
    assert y.shape == (2, 5, 48) and y.dtype == torch.float32
    want = linear_ref(x.reshape(10, 256).numpy(), ref.weight.detach().numpy(), ga, gw)
    np.testing.assert_array_equal(y.reshape(10, 48).detach().numpy(), want)
    y16 = layer(x.half())
    assert y16.dtype == torch.float16
    np.testing.assert_array_equal(y16.reshape(10, 48).numpy(),
                                  linear_ref(x.half().reshape(10, 256).numpy(),
                                             ref.weight.detach().numpy(), ga, gw, np.float16))


def test_linear_bias_and_state():
    torch.manual_seed(1)
    ref = torch.nn.Linear(128, 16)
    layer = Linear.from_float(ref, granularity=32, backend="torch")
    x = torch.randn(3, 128)
    no_bias = Linear.from_float(torch.nn.Linear(128, 16, bias=False), 32, backend="torch")
    no_bias.load_state_dict({"w_packed": layer.w_packed, "w_scales": layer.w_scales})
    torch.testing.assert_close(layer(x), no_bias(x) + ref.bias.detach(), rtol=0, atol=0)
    assert layer.w_packed.dtype == torch.uint8 and layer.w_packed.shape == (16, 64)
    assert layer.w_scales.shape == (16, 4)
    assert "backend=torch" in repr(layer)
    with pytest.raises(ValueError, match="input features"):
        layer(torch.randn(3, 64))
    assert layer(torch.randn(0, 128)).shape == (0, 16)


def test_quantize_model_swaps_linears_except_lm_head():
    model = torch.nn.Sequential()
    model.add_module("up", torch.nn.Linear(128, 256))
    model.add_module("act", torch.nn.ReLU())
    model.add_module("down", torch.nn.Linear(256, 96))  # K = 256: g128 fine
    model.add_module("odd", torch.nn.Linear(96, 64))    # K = 96: g128 does not divide
    model.add_module("lm_head", torch.nn.Linear(64, 10))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        apex4.quantize_model(model, granularity=128, backend="torch")
    assert isinstance(model.up, Linear) and isinstance(model.down, Linear)
    assert type(model.odd) is torch.nn.Linear and type(model.lm_head) is torch.nn.Linear
    assert any("odd stays in float" in str(w.message) for w in caught)
    out = model(torch.randn(4, 128))
    assert out.shape == (4, 10) and torch.isfinite(out).all()


def test_quantize_model_matches_float_model_roughly():
    torch.manual_seed(2)
    model = torch.nn.Sequential(torch.nn.Linear(512, 512), torch.nn.GELU(), torch.nn.Linear(512, 256))
    x = torch.randn(16, 512)
    fp = model(x).detach()
    quantize_model(model, granularity=32, backend="torch")
    rel = ((model(x) - fp).norm() / fp.norm()).item()
    assert 0.01 < rel < 0.3
