#!/usr/bin/env python3
"""Host time of one apex4.nn.Linear call at decode size (M = 1), against the
GPU time of its kernels and an FP16 nn.Linear: where a decode step's time
goes when the kernels are a few microseconds. Prints per-call microseconds
for the driver binding $APEX4_CUDA_DRIVER selects, and with --profile the top
of a cProfile of the apex4 call. One binding per process (loaded modules
belong to the binding that loaded them).

Kernels come from the carried cache (APEX4_CACHE_DIR), compiled on the build
machine by `python3 bench/e2e_llama.py --compile-only`.
"""
import cProfile
import io
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))


def per_call_us(fn, reps=200):
    import torch
    for _ in range(10):
        fn()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    host = (time.perf_counter() - start) / reps * 1e6
    torch.cuda.synchronize()
    wall = (time.perf_counter() - start) / reps * 1e6
    return host, wall


def main():
    import torch
    from apex4.cuda_driver import driver
    from apex4.nn import Linear
    torch.manual_seed(0)
    dense = torch.nn.Linear(4096, 4096, bias=False).cuda().half()
    x = torch.randn(1, 4096, device="cuda", dtype=torch.float16)
    with torch.no_grad():
        host, wall = per_call_us(lambda: dense(x))
        print(f"fp16 nn.Linear 4096x4096 M=1: host {host:.1f} us/call, wall {wall:.1f} us/call")
        layer = Linear.from_float(dense, granularity=128, target="h100")
        host, wall = per_call_us(lambda: layer(x))
        print(f"apex4 Linear ({driver().name}) M=1: host {host:.1f} us/call, wall {wall:.1f} us/call")
        if "--profile" in sys.argv:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(200):
                layer(x)
            profile.disable()
            torch.cuda.synchronize()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(12)
            print(out.getvalue())


if __name__ == "__main__":
    main()
