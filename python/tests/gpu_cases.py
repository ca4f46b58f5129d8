"""The layers the GPU tests compile (n, k, a_group, w_group), for target h100.

A GPU machine has no compiler: fill a cache here and carry it over,
    APEX4_CACHE_DIR=python/build/gpu-cache python3 python/tests/gpu_cases.py
then run the tests there with the same APEX4_CACHE_DIR.
"""
import os
import sys

TARGET = "h100"
# The packed-INT4 matmul ABI (A, SA, W, SW, C): on sm_90a the planner picks
# the INT8-container kernel for prefill, so these tests take an sm_80 target
# as PTX, which the driver JIT-compiles for the device.
PACKED_TARGET = "a100"
CONTAINER_TARGET, CONTAINER_LAYER = "h200", (4096, 4096, 128, 128)
LAYERS = [
    (512, 1024, 128, 128),
    (768, 1024, 64, "per_channel"),
    (512, 1024, "per_channel", "per_channel"),
    (256, 2048, "per_channel", 256),
    (4096, 4096, 128, 128),
]

if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from apex4.compiler import cache_dir, compile_linear, compile_row_buckets
    for n, k, ga, gw in LAYERS:
        manifest = compile_linear(n, k, ga, gw, target=TARGET)
        print(n, k, ga, gw, "->", manifest["directory"])
        # apex4.nn.Linear's kernels per row bucket (apex4/buckets.py).
        for rows, planned in compile_row_buckets(n, k, ga, gw, TARGET).items():
            print(n, k, ga, gw, f"({rows} rows) ->", planned["directory"])
    # h200's tuned prefill plan for this layer takes INT8-container
    # activations through TMA (s8_wgmma_wreg); test_gpu.py runs it.
    compile_linear(*CONTAINER_LAYER, target=CONTAINER_TARGET)
    compile_row_buckets(*CONTAINER_LAYER, CONTAINER_TARGET)
    ptx_only = compile_linear(*LAYERS[0], target=PACKED_TARGET, cubin=False)  # driver JIT path
    print(*LAYERS[0], "(PTX only) ->", ptx_only["directory"])
    print("cache:", cache_dir())
