#!/usr/bin/env python3
"""Compiles the GPU test grid with apex4-compile (run on the build machine).

Each case is one apex4 op with an explicit plan (or a quantize op), compiled
for its chip into <out>/<case>.{ptx,cubin,json}; <out>/index.json lists them.
The device-side checker (check_kernels.py) reads only these artifacts.
"""
import argparse
import json
import os
import subprocess
import sys

PLAN = ("#apex4.plan<placement = {placement}, convert = {convert}, path = {path}, "
        "tile = [{tm}, {tn}, {tk}], warps = [{wm}, {wn}], stages = {stages}, split_k = {split_k}>")


def group_attr(g):
    return "#apex4.group<per_channel>" if g == "pc" else f"#apex4.group<{g}>"


def scale_cols(g, k):
    return 1 if g == "pc" else k // g


def matmul_module(n, k, ga, gw, out, plan):
    sa, sw = scale_cols(ga, k), scale_cols(gw, k)
    return f"""func.func @case(%a: tensor<?x{k}xi4>, %sa: tensor<?x{sa}xf32>,
                 %w: tensor<{n}x{k}xi4>, %sw: tensor<{n}x{sw}xf32>) -> tensor<?x{n}x{out}> {{
  %c = apex4.matmul %a, %sa, %w, %sw {{a_group = {group_attr(ga)}, w_group = {group_attr(gw)},
      plan = {PLAN.format(**plan)}}}
      : tensor<?x{k}xi4>, tensor<?x{sa}xf32>, tensor<{n}x{k}xi4>, tensor<{n}x{sw}xf32> -> tensor<?x{n}x{out}>
  return %c : tensor<?x{n}x{out}>
}}
"""


def quantize_module(k, g, dtype):
    s = scale_cols(g, k)
    return f"""func.func @case(%x: tensor<?x{k}x{dtype}>) -> (tensor<?x{k}xi4>, tensor<?x{s}xf32>) {{
  %q, %s = apex4.quantize %x {{group = {group_attr(g)}}}
      : tensor<?x{k}x{dtype}> -> tensor<?x{k}xi4>, tensor<?x{s}xf32>
  return %q, %s : tensor<?x{k}xi4>, tensor<?x{s}xf32>
}}
"""


def plan(path="s8_mma_sync", convert="magic", placement="main_loop",
         tm=128, tn=128, tk=64, wm=2, wn=4, stages=3, split_k=1):
    return dict(path=path, convert=convert, placement=placement, tm=tm, tn=tn,
                tk=tk, wm=wm, wn=wn, stages=stages, split_k=split_k)


def split_k_plan(tn=16, split_k=8, stages=3, placement="main_loop", tm=16, convert="cvt"):
    return plan(convert=convert, placement=placement, tm=tm, tn=tn, tk=128, wm=1, wn=1,
                stages=stages, split_k=split_k)


def wgmma_plan(tm=64, tn=128, tk=128, stages=4, convert="magic", placement="main_loop"):
    return plan(path="s8_wgmma", convert=convert, placement=placement, tm=tm, tn=tn, tk=tk,
                wm=tm // 16, wn=1, stages=stages)


def wreg_plan(tm=64, tn=128, tk=128, stages=4, convert="magic", placement="main_loop",
              split_k=1):
    """s8_wgmma_wreg: W rows (tile N) on the wgmmas' register side; split_k > 1
    splits K over the CTAs of a cluster."""
    return plan(path="s8_wgmma_wreg", convert=convert, placement=placement, tm=tm, tn=tn,
                tk=tk, wm=1, wn=tn // 16, stages=stages, split_k=split_k)


# (name, chip, module text, M values to check, timed?)
def cases():
    big = [1, 7, 16, 128, 1000, 4096]
    small = [1, 7, 128, 1000]
    yield ("mm_n4096_k4096_g128_s8_magic", "sm_90a",
           matmul_module(4096, 4096, 128, 128, "f16", plan()), big, True)
    # The tile the H100 prefers with the fast generator (two CTAs per SM).
    yield ("mm_n4096_k4096_g128_s8_t128x64x128", "sm_90a",
           matmul_module(4096, 4096, 128, 128, "f16", plan(tn=64, tk=128, wm=2, wn=2)), big, True)
    yield ("mm_n4096_k4096_pc_t128x64x128", "sm_90a",
           matmul_module(4096, 4096, "pc", "pc", "f16",
                         plan(placement="epilogue", tn=64, tk=128, wm=2, wn=2)), small, True)
    yield ("mm_n4096_k4096_g64_s8_cvt", "sm_90a",
           matmul_module(4096, 4096, 64, 64, "f16", plan(convert="cvt")), small, True)
    yield ("mm_n4096_k4096_g32_s8_magic", "sm_90a",
           matmul_module(4096, 4096, 32, 32, "f16", plan()), small, True)
    yield ("mm_n4096_k4096_g256_s8_magic", "sm_90a",
           matmul_module(4096, 4096, 256, 256, "f16", plan()), small, True)
    yield ("mm_n4096_k4096_pc_epilogue", "sm_90a",
           matmul_module(4096, 4096, "pc", "pc", "f16", plan(placement="epilogue")), small, True)
    yield ("mm_n4096_k4096_a128_wpc_mixed", "sm_90a",
           matmul_module(4096, 4096, 128, "pc", "f16", plan()), small, True)
    yield ("mm_n4096_k4096_apc_w256_mixed", "sm_90a",
           matmul_module(4096, 4096, "pc", 256, "f16", plan()), small, False)
    yield ("mm_n11008_k4096_g128_s8", "sm_90a",
           matmul_module(11008, 4096, 128, 128, "f16", plan()), [1, 16, 1000], True)
    yield ("mm_n4096_k11008_g128_s8", "sm_90a",
           matmul_module(4096, 11008, 128, 128, "f16", plan()), [1, 16, 1000], True)
    yield ("mm_n14336_k4096_g128_s8", "sm_90a",
           matmul_module(14336, 4096, 128, 128, "f16", plan()), [1, 16, 1000], True)
    yield ("mm_n4096_k14336_g64_s8", "sm_90a",
           matmul_module(4096, 14336, 64, 64, "f16", plan()), [1, 16, 1000], True)
    # The 32-row tile the planner picks at M = 64 for wide N (fast generator,
    # 2 x 4 warps of 16 x 32): M tails inside and across row tiles.
    yield ("mm_n4096_k4096_g128_32x128x128_w2x4_s4", "sm_90a",
           matmul_module(4096, 4096, 128, 128, "f16",
                         plan(tm=32, tn=128, tk=128, wm=2, wn=4, stages=4)), [1, 33, 64, 300], True)
    yield ("mm_n1000_k4096_g128_tail_f32", "sm_90a",
           matmul_module(1000, 4096, 128, 128, "f32", plan(tm=64, tn=64, wm=2, wn=2, stages=4)),
           [1, 7, 130], False)
    yield ("mm_n4096_k4096_g128_s4_sm80", "sm_80",
           matmul_module(4096, 4096, 128, 128, "f16", plan(path="s4_mma_sync", tk=128)), [1, 7, 128], False)
    # Split-K (decode) kernels: M tiles of 16, uneven K slices (K = 11008 is
    # 86 chunks), N tails, every prefetch depth, per-channel and mixed groups.
    decode = [1, 7, 16, 33]
    yield ("sk_n4096_k4096_g128_t16_s8", "sm_90a",
           matmul_module(4096, 4096, 128, 128, "f16", split_k_plan()), decode, True)
    yield ("sk_n11008_k4096_g128_t32_s8", "sm_90a",
           matmul_module(11008, 4096, 128, 128, "f16", split_k_plan(tn=32)), [1, 16], True)
    yield ("sk_n4096_k11008_g128_t16_s8", "sm_90a",
           matmul_module(4096, 11008, 128, 128, "f16", split_k_plan()), [1, 16], True)
    yield ("sk_n1000_k4096_pc_t24_s4_f32", "sm_90a",
           matmul_module(1000, 4096, "pc", "pc", "f32",
                         split_k_plan(tn=24, split_k=4, stages=1, placement="epilogue")),
           [1, 5, 17], False)
    yield ("sk_n4096_k4096_a128_wpc_t8_s16", "sm_90a",
           matmul_module(4096, 4096, 128, "pc", "f16",
                         split_k_plan(tn=8, split_k=16, stages=2)), [3, 16], False)
    yield ("sk_n2048_k4096_g256_t32_s5", "sm_90a",
           matmul_module(2048, 4096, 256, 256, "f16",
                         split_k_plan(tn=32, split_k=5, stages=4)), [2, 20], False)
    # Two slices (the h200 plan of 28672 x 8192 at M <= 16) with an N tail
    # (1000 = 62 x 16 + 8), and six uneven slices of 86 chunks at tile N 24.
    yield ("sk_n1000_k8192_g128_t16_s2", "sm_90a",
           matmul_module(1000, 8192, 128, 128, "f16",
                         split_k_plan(tn=16, split_k=2, stages=1)), [1, 16], True)
    yield ("sk_n1000_k11008_g128_t24_s6", "sm_90a",
           matmul_module(1000, 11008, 128, 128, "f16",
                         split_k_plan(tn=24, split_k=6, stages=2)), [3, 16], False)
    # Tile M 8 (W on the MMA's 16-row side, tokens on its 8 columns): M
    # tails inside one tile and across tiles, N tails, mixed and coarse groups.
    yield ("sk8_n4096_k4096_g128_t16_s8", "sm_90a",
           matmul_module(4096, 4096, 128, 128, "f16", split_k_plan(tm=8)), decode, True)
    yield ("sk8_n1000_k4096_pc_t32_s4_f32", "sm_90a",
           matmul_module(1000, 4096, "pc", "pc", "f32",
                         split_k_plan(tm=8, tn=32, split_k=4, stages=1, placement="epilogue")),
           [1, 5, 17], False)
    yield ("sk8_n4096_k4096_apc_w128_t16_s8", "sm_90a",
           matmul_module(4096, 4096, "pc", 128, "f16",
                         split_k_plan(tm=8, split_k=8, stages=1)), [1, 5], False)
    yield ("sk8_n1000_k8192_g128_t16_s2", "sm_90a",
           matmul_module(1000, 8192, 128, 128, "f16",
                         split_k_plan(tm=8, split_k=2, stages=1)), [1, 8], True)
    yield ("sk8_n2048_k11008_a128_wpc_t32_s16", "sm_90a",
           matmul_module(2048, 11008, 128, "pc", "f16",
                         split_k_plan(tm=8, tn=32, split_k=16, stages=2)), [3, 8, 9], False)
    # Magic conversion: g128, and g256, whose extreme sums reach 2^22, the
    # edge of its exact range (the quick grid's edge operands).
    yield ("sk8_n4096_k4096_g128_t16_s8_magic", "sm_90a",
           matmul_module(4096, 4096, 128, 128, "f16",
                         split_k_plan(tm=8, stages=1, convert="magic")), decode, True)
    yield ("sk_n2048_k4096_g256_t16_s4_magic", "sm_90a",
           matmul_module(2048, 4096, 256, 256, "f16",
                         split_k_plan(split_k=4, stages=2, convert="magic")), [7, 16], True)
    yield ("sk8_n2048_k4096_g256_t16_s5", "sm_90a",
           matmul_module(2048, 4096, 256, 256, "f16",
                         split_k_plan(tm=8, split_k=5, stages=4)), [2, 20], True)
    # wgmma (sm_90a) kernels: one or two warpgroups, TK 64 / 128, every
    # conversion, groups from 64 to per-channel, mixed groups, M tails.
    yield ("wg_n4096_k4096_g128_64x128x128_s4", "sm_90a",
           matmul_module(4096, 4096, 128, 128, "f16", wgmma_plan()), big, True)
    yield ("wg_n4096_k4096_g128_128x128x64_s4", "sm_90a",
           matmul_module(4096, 4096, 128, 128, "f16", wgmma_plan(tm=128, tk=64)), big, True)
    yield ("wg_n4096_k4096_pc_64x128x128_s4", "sm_90a",
           matmul_module(4096, 4096, "pc", "pc", "f16", wgmma_plan(placement="epilogue")),
           small + [4096], True)
    yield ("wg_n4096_k4096_g256_64x128x128_s3", "sm_90a",
           matmul_module(4096, 4096, 256, 256, "f16", wgmma_plan(stages=3)), small + [4096], True)
    yield ("wg_n1024_k4096_g64_64x64x64_cvt_f32", "sm_90a",
           matmul_module(1024, 4096, 64, 64, "f32", wgmma_plan(tn=64, tk=64, convert="cvt")),
           [1, 7, 130], False)
    yield ("wg_n4096_k11008_a128_wpc_64x128x128_s2", "sm_90a",
           matmul_module(4096, 11008 - 11008 % 128, 128, "pc", "f16", wgmma_plan(stages=2)),
           [5, 300], False)
    # Per-token activations, g128 weights: the per-channel scale is applied
    # once after the main loop (activation rows: the MMA's row side here).
    yield ("wg_n4096_k4096_apc_w128_64x128x128_s4", "sm_90a",
           matmul_module(4096, 4096, "pc", 128, "f16", wgmma_plan()), [3, 200], False)
    # wgmma with W on the register side and INT8-container activations
    # (TMA, so TK 128): activation tails within a tile and across tiles
    # (TMA zero fill), one to four warpgroups, both conversions, g128,
    # per-channel and mixed.
    yield ("wr_n4096_k4096_g128_64x128x128_s4", "sm_90a",
           matmul_module(4096, 4096, 128, 128, "f16", wreg_plan()), big, True)
    yield ("wr_n4096_k4096_g128_128x64x128_s4", "sm_90a",
           matmul_module(4096, 4096, 128, 128, "f16", wreg_plan(tm=128, tn=64)),
           [1, 100, 300], True)
    yield ("wr_n4096_k4096_pc_64x256x128_s3", "sm_90a",
           matmul_module(4096, 4096, "pc", "pc", "f16", wreg_plan(tn=256, stages=3)),
           [5, 64, 1000], True)
    yield ("wr_n1024_k4096_g128_64x64x128_cvt_f32", "sm_90a",
           matmul_module(1024, 4096, 128, 128, "f32",
                         wreg_plan(tn=64, convert="cvt")), [1, 77], False)
    yield ("wr_n4096_k11008_a128_wpc_64x128x128_s2", "sm_90a",
           matmul_module(4096, 11008, 128, "pc", "f16", wreg_plan(stages=2)), [3, 200], False)
    yield ("wr_n4096_k4096_apc_w128_128x128x128_cvt_s4", "sm_90a",
           matmul_module(4096, 4096, "pc", 128, "f16", wreg_plan(tm=128, convert="cvt")),
           [1, 130, 1000], True)
    # g128 alternates two accumulator sets over pairs of tiles: an odd
    # tile count (9), two tiles, and the 128 x 128 tile of the tuned plans.
    yield ("wr_n1024_k1152_g128_128x128x128_s3", "sm_90a",
           matmul_module(1024, 1152, 128, 128, "f16", wreg_plan(tm=128, stages=3)),
           [1, 130, 257], False)
    yield ("wr_n256_k256_g128_128x128x128_cvt_s2", "sm_90a",
           matmul_module(256, 256, 128, 128, "f16",
                         wreg_plan(tm=128, stages=2, convert="cvt")), [2, 128], False)
    # Cluster split-K: K slices on 2, 4 or 8 CTAs of a cluster, summed in
    # rank order through distributed shared memory. Slices of whole groups,
    # slices inside one group (g512 over 8: 256 values each), per-channel,
    # mixed groups, uneven K (11008 = 86 tiles over 2), two stages (the
    # partials then lie after the mbarriers), tile M 64, f32 output.
    yield ("wc_n1024_k8192_g128_128x128x128_cvt_c8", "sm_90a",
           matmul_module(1024, 8192, 128, 128, "f16",
                         wreg_plan(tm=128, convert="cvt", split_k=8)), [1, 64, 256, 300], True)
    yield ("wc_n4096_k4096_g128_128x128x128_cvt_c2", "sm_90a",
           matmul_module(4096, 4096, 128, 128, "f16",
                         wreg_plan(tm=128, convert="cvt", split_k=2)), [16, 256, 1000], True)
    yield ("wc_n1024_k4096_g512_128x128x128_c8", "sm_90a",
           matmul_module(1024, 4096, 512, 512, "f16",
                         wreg_plan(tm=128, split_k=8)), [7, 200], False)
    yield ("wc_n2048_k4096_pc_128x128x128_c4", "sm_90a",
           matmul_module(2048, 4096, "pc", "pc", "f16",
                         wreg_plan(tm=128, split_k=4, placement="epilogue")), [5, 130], False)
    yield ("wc_n1024_k11008_a128_wpc_128x128x128_c2_f32", "sm_90a",
           matmul_module(1024, 11008, 128, "pc", "f32",
                         wreg_plan(tm=128, convert="cvt", split_k=2)), [3, 129], False)
    yield ("wc_n1024_k8192_apc_w128_128x128x128_cvt_c4_f32", "sm_90a",
           matmul_module(1024, 8192, "pc", 128, "f32",
                         wreg_plan(tm=128, convert="cvt", split_k=4)), [2, 129], False)
    yield ("wc_n512_k2048_g128_128x128x128_s2_c4", "sm_90a",
           matmul_module(512, 2048, 128, 128, "f16",
                         wreg_plan(tm=128, stages=2, split_k=4)), [1, 128], False)
    yield ("wc_n1024_k4096_g128_64x128x128_c8", "sm_90a",
           matmul_module(1024, 4096, 128, 128, "f16",
                         wreg_plan(split_k=8)), [1, 65], False)
    # The m64 bucket's 64 x 64 tile with a cluster of 2 (one warpgroup per
    # CTA), with a row tail and more rows than one tile.
    yield ("wc_n4096_k4096_g128_64x64x128_cvt_c2", "sm_90a",
           matmul_module(4096, 4096, 128, 128, "f16",
                         wreg_plan(tn=64, convert="cvt", split_k=2)), [1, 37, 64, 130], True)
    yield ("q_k4096_g128_f16", "sm_90a", quantize_module(4096, 128, "f16"), [1, 7, 1000], False)
    yield ("q_k4096_g32_f16", "sm_90a", quantize_module(4096, 32, "f16"), [1, 7, 1000], False)
    yield ("q_k4096_pc_f16", "sm_90a", quantize_module(4096, "pc", "f16"), [1, 7, 1000], False)
    yield ("q_k11008_g128_bf16", "sm_90a", quantize_module(11008, 128, "bf16"), [3, 1000], False)
    yield ("q_k4096_g512_f32", "sm_90a", quantize_module(4096, 512, "f32"), [5, 300], False)
    yield ("q_k4096_g16_f16", "sm_90a", quantize_module(4096, 16, "f16"), [5, 300], False)
    yield ("q_k14336_g128_f16", "sm_90a", quantize_module(14336, 128, "f16"), [3, 1000], False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True, help="apex4 build bin directory")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    index = []
    for name, chip, text, ms, timed in cases():
        src = os.path.join(args.out, name + ".mlir")
        with open(src, "w") as f:
            f.write(text)
        # The sm_80 case runs on Hopper through the driver's PTX JIT.
        cmd = [os.path.join(args.bin, "apex4-compile"), src, "-o", args.out,
               "--name", name, "--chip", chip]
        if chip != "sm_90a":
            cmd.append("--no-cubin")
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        index.append({"case": name, "chip": chip, "m": ms, "timed": timed,
                      "manifest": name + ".json"})
    with open(os.path.join(args.out, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
    print(f"{len(index)} cases compiled into {args.out}")


if __name__ == "__main__":
    sys.exit(main())
