"""apex4 kernels through apex4.runtime / apex4.nn on a CUDA device. Skipped
without torch + CUDA, or without the kernels (no compiler and no carried cache:
see gpu_cases.py)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
if not torch.cuda.is_available():
    pytest.skip("no CUDA device", allow_module_level=True)

from apex4 import PER_CHANNEL, torch_ops  # noqa: E402
from apex4.quant import group_length  # noqa: E402
from apex4.compiler import ToolNotFound, compile_linear  # noqa: E402
from apex4.nn import Linear, quantize_model  # noqa: E402
from apex4 import runtime  # noqa: E402
from apex4.runtime import launch_grid, load_module  # noqa: E402

from gpu_cases import (CONTAINER_LAYER, CONTAINER_TARGET, LAYERS,  # noqa: E402
                       PACKED_TARGET, TARGET)


def manifest_for(n, k, ga, gw, target=TARGET, cubin=True, m=None):
    try:
        return compile_linear(n, k, ga, gw, target=target, cubin=cubin, m=m)
    except ToolNotFound as e:
        pytest.skip(f"no kernels for {(n, k, ga, gw)}: {e}")


def container_layer_on_hopper(m=None):
    """CONTAINER_LAYER's kernels for CONTAINER_TARGET (planned for m rows);
    skips without them or off sm_90a, where s8_wgmma_wreg cannot run."""
    manifest_for(*CONTAINER_LAYER, target=CONTAINER_TARGET, m=m)
    if torch.cuda.get_device_capability() != (9, 0):
        pytest.skip("s8_wgmma_wreg runs on sm_90a")
    return CONTAINER_LAYER


def matmul_plan(manifest):
    """The plan text of a manifest's matmul."""
    return next(p["plan"] for p in manifest["plans"] if p["op"] == "apex4.matmul")


def reorder_bound(layer, x):
    """docs/runtime.md: f32 error of adding the group terms in another order
    (FMA dequantization, split-K slices), (K/h + 1) 2^-24 sum_j |isum_j p_j|,
    bounded with the dequantized operands' absolute values."""
    k = layer.in_features
    ga, gw = group_length(layer.a_group, k), group_length(layer.w_group, k)
    qa, sa = torch_ops.quantize(x.float(), layer.a_group)
    a = qa.float() * sa.repeat_interleave(ga, dim=1)
    w = (torch_ops.unpack_int4(layer.w_packed).float()
         * layer.w_scales.repeat_interleave(gw, dim=1))
    return (k // min(ga, gw) + 1) * 2.0 ** -24 * (a.abs() @ w.abs().T)


def within_one_f16_rounding(y, exact, reorder=0.0):
    """docs/architecture.md: kernels match the f32 reference within one f16
    rounding (plus the f32 reordering bound, which matters near zero)."""
    y, exact = y.float(), exact.float()
    ulp = torch.where(exact == 0, torch.full_like(exact, 2.0 ** -24),
                      2.0 ** (torch.floor(torch.log2(exact.abs().clamp_min(2.0 ** -14))) - 10))
    return bool(((y - exact).abs() <= ulp + reorder).all())


def assert_graph_replays(layer, static_x, before_capture=None):
    """Captures layer(static_x) in a CUDA graph (after one eager call on a
    side stream, which loads the module), replays it on new inputs written
    into static_x, and checks each replay against an eager call."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        layer(static_x)
    torch.cuda.current_stream().wait_stream(side)
    if before_capture:
        before_capture()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        static_y = layer(static_x)
    for seed in (1, 2):
        torch.manual_seed(seed)
        static_x.copy_(torch.randn_like(static_x))
        graph.replay()
        torch.cuda.synchronize()
        assert torch.equal(static_y, layer(static_x))


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("m", [1, 7, 16, 300])
def test_linear_kernels_match_the_reference(layer, m):
    n, k, ga, gw = layer
    manifest_for(n, k, ga, gw)
    torch.manual_seed(m)
    ref = torch.nn.Linear(k, n, bias=False).cuda().half()
    fast = Linear.from_float(ref, granularity=(ga, gw), target=TARGET)
    slow = Linear.from_float(ref, granularity=(ga, gw), target=TARGET, backend="torch")
    assert fast.backend == "apex4" and "#apex4.plan<" in fast.plan()
    x = torch.randn(m, k, device="cuda", dtype=torch.float16)
    y = fast(x)
    torch.cuda.synchronize()
    exact = slow(x.float())  # f32 result of the same quantized math
    assert y.dtype == torch.float16 and y.shape == (m, n)
    assert within_one_f16_rounding(y, exact, reorder_bound(fast, x))
    fp = ref(x).float()
    assert ((y.float() - fp).norm() / fp.norm()).item() < 0.25


@pytest.mark.parametrize("layer", LAYERS[:2])
def test_quantize_kernel_is_bit_exact(layer):
    n, k, ga, gw = layer
    module = load_module(manifest_for(n, k, ga, gw))
    g = k if ga == PER_CHANNEL else ga
    kernel = module.quantize_kernel(k, g, "f16")
    assert kernel is not None
    x = torch.randn(37, k, device="cuda", dtype=torch.float16) * 3
    x[0, :g] = 0
    x[1, 5] = float("nan")
    x[2, 9] = float("inf")
    x[3, :16] = torch.arange(16, device="cuda") * 0.5 - 4
    q = torch.empty(37, k // 2, dtype=torch.uint8, device="cuda")
    s = torch.empty(37, k // g, dtype=torch.float32, device="cuda")
    kernel(37, x, q, s)
    want_q, want_s = torch_ops.quantize(x, ga)
    torch.cuda.synchronize()
    assert torch.equal(q, torch_ops.pack_int4(want_q))
    assert torch.equal(s.view(torch.int32), want_s.view(torch.int32))


def test_driver_binding_is_reported():
    from apex4.cuda_driver import driver
    print("CUDA driver binding:", driver().name)
    assert driver().name in ("ctypes", "cuda-python")


def test_launch_checks_arguments():
    n, k, ga, gw = LAYERS[0]
    # sm_80 PTX, JIT-compiled for the device (an sm_80 cubin does not load
    # on Hopper).
    module = load_module(manifest_for(n, k, ga, gw, target=PACKED_TARGET, cubin=False))
    mm = module.matmul()
    assert launch_grid(mm.info, 300)[0] == -(-n // mm.info["grid"][0])
    a = torch.zeros(4, k // 2, dtype=torch.uint8, device="cuda")
    sa = torch.zeros(4, k // 128, device="cuda")
    w = torch.zeros(n, k // 2, dtype=torch.uint8, device="cuda")
    sw = torch.zeros(n, k // 128, device="cuda")
    c = torch.empty(4, n, dtype=torch.float16, device="cuda")
    mm(4, A=a, SA=sa, W=w, SW=sw, C=c)
    torch.cuda.synchronize()
    assert (c == 0).all()
    with pytest.raises(ValueError, match="A: need"):
        mm(5, a, sa, w, sw, c)  # A too small for M = 5
    with pytest.raises(ValueError, match="C: need"):
        mm(4, a, sa, w, sw, c[:3])  # C too small for M = 4
    with pytest.raises(ValueError, match="SW: need"):
        mm(4, a, sa, w, sw.half(), c)  # wrong dtype
    with pytest.raises(ValueError, match="contiguous CUDA"):
        mm(4, a.cpu(), sa, w, sw, c)
    with pytest.raises(TypeError):
        mm(4, a, sa, w, sw)


def test_ptx_only_manifest_is_jit_compiled():
    n, k, ga, gw = LAYERS[0]
    try:
        manifest = compile_linear(n, k, ga, gw, target=PACKED_TARGET, cubin=False)
    except ToolNotFound as e:
        pytest.skip(f"no PTX-only kernels: {e}")
    assert manifest["cubin"] is None
    module = load_module(manifest)
    torch.manual_seed(9)
    ref = torch.nn.Linear(k, n, bias=False).cuda().half()
    slow = Linear.from_float(ref, granularity=(ga, gw), backend="torch")
    x = torch.randn(33, k, device="cuda", dtype=torch.float16)
    qa, sa = torch_ops.quantize(x, ga)
    y = torch.empty(33, n, dtype=torch.float16, device="cuda")
    module.matmul()(33, torch_ops.pack_int4(qa), sa, slow.w_packed, slow.w_scales, y)
    assert within_one_f16_rounding(y, slow(x.float()))


def test_bf16_input_and_bias_and_3d():
    n, k, ga, gw = LAYERS[0]
    manifest_for(n, k, ga, gw)
    torch.manual_seed(5)
    ref = torch.nn.Linear(k, n).cuda().to(torch.bfloat16)
    fast = Linear.from_float(ref, granularity=(ga, gw), target=TARGET)
    x = torch.randn(2, 3, k, device="cuda", dtype=torch.bfloat16)
    y = fast(x)  # an f16 manifest has no bf16 quantize kernel: torch quantizes
    assert y.dtype == torch.bfloat16 and y.shape == (2, 3, n)
    kernel_out = fast._forward_kernels(x.reshape(6, k))
    assert torch.equal(y.reshape(6, n), kernel_out.to(torch.bfloat16) + ref.bias)
    exact = torch_ops.linear(x.reshape(6, k), torch_ops.unpack_int4(fast.w_packed),
                             fast.w_scales, ga, gw)
    assert within_one_f16_rounding(kernel_out, exact)


def test_quantize_model_on_gpu():
    n, k, ga, gw = LAYERS[-1]
    manifest_for(n, k, ga, gw)
    model = torch.nn.Sequential(torch.nn.Linear(k, n), torch.nn.ReLU(),
                                torch.nn.Linear(k, n)).cuda().half()
    x = torch.randn(3, k, device="cuda", dtype=torch.float16)
    fp = model(x).float()
    quantize_model(model, granularity=(ga, gw), target=TARGET)
    assert isinstance(model[0], Linear) and isinstance(model[2], Linear)
    assert model[0].backend == "apex4"
    out = model(x)
    assert out.shape == (3, n) and torch.isfinite(out).all()
    assert ((out.float() - fp).norm() / fp.norm()).item() < 0.3


def test_linear_replays_in_a_cuda_graph():
    # Decode loops capture their layers once and replay them: the kernels go
    # to the capturing stream and the layer's buffers come from its pool.
    n, k, ga, gw = LAYERS[0]
    manifest_for(n, k, ga, gw)
    torch.manual_seed(11)
    ref = torch.nn.Linear(k, n, bias=False).cuda().half()
    fast = Linear.from_float(ref, granularity=(ga, gw), target=TARGET)
    assert_graph_replays(fast, torch.randn(1, k, device="cuda", dtype=torch.float16))


def test_linear_with_int8_container_activations():
    """The h200 target's tuned prefill plan for this layer is s8_wgmma_wreg:
    the quantize kernel writes INT8 containers, the layer encodes their TMA
    tensor map, and the result matches the same quantized math in torch.
    M = 129 runs the 256-row bucket's plan, which splits K over a cluster
    of CTAs (64 output tiles leave SMs idle); M = 64 runs the 64-row
    bucket's plan, whatever the model picked there."""
    n, k, ga, gw = container_layer_on_hopper()
    torch.manual_seed(5)
    ref = torch.nn.Linear(k, n, bias=False).cuda().half()
    fast = Linear.from_float(ref, granularity=(ga, gw), target=CONTAINER_TARGET)
    slow = Linear.from_float(ref, granularity=(ga, gw), target=CONTAINER_TARGET, backend="torch")
    assert "s8_wgmma_wreg" in fast.plan().split(";")[0]
    # 256 rows are 2 x 32 output tiles: the model splits K over a cluster.
    plan = matmul_plan(fast.row_manifests[256])
    assert "s8_wgmma_wreg" in plan and "split_k = 1>" not in plan
    for m in (300, 129, 64):
        x = torch.randn(m, k, device="cuda", dtype=torch.float16)
        y = fast(x)
        torch.cuda.synchronize()
        assert within_one_f16_rounding(y, slow(x.float()), reorder_bound(fast, x))


def test_one_row_runs_the_kernels_planned_for_one_row():
    """Decode of one or two rows has its own bucket (apex4/buckets.py):
    M = 1 and 2 run the kernels planned for one row, M = 3 the 8-row
    bucket's, and all match the same quantized math in torch."""
    n, k, ga, gw = container_layer_on_hopper(m=1)
    torch.manual_seed(13)
    ref = torch.nn.Linear(k, n, bias=False).cuda().half()
    fast = Linear.from_float(ref, granularity=(ga, gw), target=CONTAINER_TARGET)
    slow = Linear.from_float(ref, granularity=(ga, gw), target=CONTAINER_TARGET, backend="torch")
    assert fast._manifest_for(1) == (1, fast.row_manifests[1])
    assert fast._manifest_for(2) == (1, fast.row_manifests[1])
    assert fast._manifest_for(3) == (8, fast.row_manifests[8])
    for m in (1, 2, 3):
        x = torch.randn(m, k, device="cuda", dtype=torch.float16)
        y = fast(x)
        torch.cuda.synchronize()
        assert within_one_f16_rounding(y, slow(x.float()), reorder_bound(fast, x))


def test_container_kernels_replay_in_a_cuda_graph():
    """A layer whose kernels take INT8 containers encodes their TMA tensor map
    for the buffer the graph's pool hands out during capture; the map's copy
    must be capturable (pinned) and outlive the capture."""
    n, k, ga, gw = container_layer_on_hopper(m=1024)
    torch.manual_seed(12)
    ref = torch.nn.Linear(k, n, bias=False).cuda().half()
    fast = Linear.from_float(ref, granularity=(ga, gw), target=CONTAINER_TARGET)
    assert "s8_wgmma_wreg" in matmul_plan(fast.row_manifests[1024])
    # Whatever the allocator hands out during capture, its map is encoded
    # (and copied to the device) inside the capture.
    assert_graph_replays(fast, torch.randn(300, k, device="cuda", dtype=torch.float16),
                         before_capture=runtime._tensor_maps.clear)
