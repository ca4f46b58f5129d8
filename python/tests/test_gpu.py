"""GPU tests: skipped without torch + CUDA; run on the device machine with a
carried kernel cache (APEX4_CACHE_DIR) compiled on the build machine."""
import pytest

torch = pytest.importorskip("torch")
if not torch.cuda.is_available():
    pytest.skip("no CUDA device", allow_module_level=True)

from apex4.nn import Linear, quantize_model  # noqa: E402


@pytest.mark.parametrize("m", [1, 7, 300])
def test_linear_matches_its_quantized_math(m):
    torch.manual_seed(m)
    ref = torch.nn.Linear(4096, 4096, bias=True).cuda().half()
    layer = Linear.from_float(ref, granularity=128, target="h100")
    assert layer.backend == "apex4"
    x = torch.randn(m, 4096, device="cuda", dtype=torch.float16)
    y = layer(x)
    exact = Linear.from_float(ref, granularity=128, target="h100", backend="torch")(x.float())
    # The kernels match the quantized math within one f16 rounding.
    tol = exact.abs().float() * 2 ** -10 + 1e-3
    assert bool(((y.float() - exact.float()).abs() <= tol).all())
    # ... and the float layer within the error 4-bit operands bring.
    fp = ref(x).float()
    rel = ((y.float() - fp).norm() / fp.norm()).item()
    assert rel < 0.2


def test_quantize_model_swaps_linears():
    model = torch.nn.Sequential(torch.nn.Linear(4096, 4096), torch.nn.ReLU(),
                                torch.nn.Linear(4096, 4096)).cuda().half()
    quantize_model(model, granularity=128, target="h100")
    assert isinstance(model[0], Linear) and isinstance(model[2], Linear)
    out = model(torch.randn(3, 4096, device="cuda", dtype=torch.float16))
    assert out.shape == (3, 4096) and torch.isfinite(out).all()
