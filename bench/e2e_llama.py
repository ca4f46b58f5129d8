#!/usr/bin/env python3
"""End to end on the GPU: a LLaMA-architecture model (random weights, built
from a transformers config) in FP16 vs with apex4 W4A4 layers: prefill and
decode tokens/s, and each layer's output error vs FP16 on the same inputs.

Kernels come from the carried cache (APEX4_CACHE_DIR), compiled on the build
machine by `python3 bench/e2e_llama.py --compile-only`.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))

SHAPES = [(4096, 4096), (11008, 4096), (4096, 11008)]  # (N, K) of LLaMA-2-7B layers


def compile_only(granularity, target):
    from apex4.compiler import compile_linear, compile_row_buckets
    for n, k in SHAPES:
        # apex4.nn.Linear's prefill kernels and those of each row bucket.
        compile_linear(n, k, granularity, granularity, target)
        compile_row_buckets(n, k, granularity, granularity, target)
    print("compiled", len(SHAPES), "layer shapes")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--compile-only", action="store_true")
    p.add_argument("--group", type=int, default=128)
    p.add_argument("--target", default="h200",
                   help="apex4 target description the kernels are planned for (the same "
                        "with --compile-only on the build machine and on the device)")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--prefill", type=int, default=1024)
    p.add_argument("--decode-batch", type=int, default=64,
                   help="sequences of the batched decode step (one token each)")
    p.add_argument("--json")
    p.add_argument("--profile-decode", action="store_true",
                   help="print a cProfile of 20 apex4 decode steps and exit")
    args = p.parse_args()
    if args.compile_only:
        return compile_only(args.group, args.target)
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    from apex4.nn import Linear, quantize_model

    torch.manual_seed(0)
    config = LlamaConfig(hidden_size=4096, intermediate_size=11008, num_hidden_layers=args.layers,
                         num_attention_heads=32, num_key_value_heads=32, vocab_size=32000,
                         max_position_embeddings=4096)
    fp16 = LlamaForCausalLM(config).cuda().half().eval()
    w4a4 = LlamaForCausalLM(config).cuda().half().eval()
    w4a4.load_state_dict(fp16.state_dict())
    quantize_model(w4a4, granularity=args.group, target=args.target)
    swapped = [n for n, m in w4a4.named_modules() if isinstance(m, Linear)]

    def timed(model, ids, reps=10):
        with torch.no_grad():
            for _ in range(3):
                model(ids)
            torch.cuda.synchronize()
            times = []
            for _ in range(reps):
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                model(ids)
                end.record()
                end.synchronize()
                times.append(start.elapsed_time(end))
        times.sort()
        return times[len(times) // 2]

    if args.profile_decode:
        import cProfile
        import pstats
        ids = torch.randint(0, 32000, (1, 1), device="cuda")
        with torch.no_grad():
            for _ in range(3):
                w4a4(ids)
            torch.cuda.synchronize()
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(20):
                w4a4(ids)
            torch.cuda.synchronize()
            profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        return 0

    def graphed(model, ids, reps=20):
        """One forward captured in a CUDA graph and replayed: the GPU time
        without Python in between (what a serving loop with graphs sees)."""
        static = ids.clone()
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.no_grad(), torch.cuda.stream(side):
            for _ in range(3):
                model(static, use_cache=False)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.no_grad(), torch.cuda.graph(graph):
            model(static, use_cache=False)
        times = []
        for _ in range(reps):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            graph.replay()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
        times.sort()
        return times[len(times) // 2]

    results = {"device": torch.cuda.get_device_name(), "target": args.target,
               "layers": args.layers, "group": args.group, "swapped_linears": len(swapped)}
    prefill = torch.randint(0, 32000, (1, args.prefill), device="cuda")
    decode = torch.randint(0, 32000, (1, 1), device="cuda")
    # A serving step: one new token for each of several sequences, so the
    # linear layers see M = decode_batch rows.
    batch = torch.randint(0, 32000, (args.decode_batch, 1), device="cuda")
    batch_key = f"decode_batch{args.decode_batch}"
    for name, model in (("fp16", fp16), ("apex4_w4a4", w4a4)):
        ms_prefill = timed(model, prefill)
        ms_decode = timed(model, decode)
        results[name] = {"prefill_ms": ms_prefill, "prefill_tokens_per_s": args.prefill / ms_prefill * 1e3,
                         "decode_ms": ms_decode, "decode_tokens_per_s": 1e3 / ms_decode,
                         f"{batch_key}_ms": timed(model, batch)}
        try:
            results[name]["decode_cuda_graph_ms"] = graphed(model, decode)
            results[name][f"{batch_key}_cuda_graph_ms"] = graphed(model, batch)
            # Eager prefill has the host in the loop (launches, allocations,
            # tensor-map encodes); the graph shows the GPU time alone.
            results[name]["prefill_cuda_graph_ms"] = graphed(model, prefill)
        except Exception as e:  # noqa: BLE001 - a model that cannot be captured is a result too
            results[name]["cuda_graph_error"] = f"{type(e).__name__}: {e}"[:300]

    # Each layer on the same inputs: apex4 vs the FP16 layer it replaced.
    errors = {}
    fp16_modules = dict(fp16.named_modules())
    for name in swapped:
        layer = dict(w4a4.named_modules())[name]
        x = torch.randn(64, layer.in_features, device="cuda", dtype=torch.float16)
        with torch.no_grad():
            ref = fp16_modules[name](x).float()
            got = layer(x).float()
        errors[name] = ((got - ref).norm() / ref.norm()).item()
    results["layer_relative_error_vs_fp16"] = errors
    with torch.no_grad():
        logits_ref = fp16(prefill[:, :128]).logits.float()
        logits = w4a4(prefill[:, :128]).logits.float()
    results["logits_relative_error"] = ((logits - logits_ref).norm() / logits_ref.norm()).item()
    print(json.dumps(results, indent=1))
    if args.json:
        json.dump(results, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
