#!/usr/bin/env python3
"""Compiles apex4 kernels for the benchmark suite (run on the build machine).

  --sweep-split-k   split-K (decode) kernels over tile M, tile N, split_k and stages
                    (stages - 1 chunks in flight through the shared-memory ring)
                    for the decode shapes, each tile M in its own folder
                    (<out>/m8: time at M = 1, <out>/m16: at M = 16); plans the
                    compiler refuses (shared memory) are skipped: what the
                    cost model's decode terms are calibrated against
                    (bench/results/h100-split-k, h200-decode-ring).
  --tune-decode     the --sweep-split-k plans with stages 1 and 2 (deeper rings
                    never won) in one folder, for bench.py --m 1 8 16 and then
                    bench/autotune.py (bench/results/h200-decode-tuned).
  --tune-decode-wide  like --tune-decode, for every benchmark shape and over
                    every tile and split the split-K kernel takes: tile N 8,
                    16, 24 and 32 at tile M 16
                    (16 and 32 at tile M 8), split_k 2, 4, 6, 8, 12 and 16,
                    stages 1 and 2 (bench/results/h200-decode-wide).
  --sweep-decode-convert  the planner's decode plans with cvt and with magic
                    conversion (bench/results/h200-decode-magic).
  --sweep-wreg-shapes  s8_wgmma_wreg 128x128x128 (g128 with 3 and 4 stages,
                    per-channel; magic and cvt conversion) and the fast
                    mma.sync plan for every benchmark shape
                    (bench/results/h200-wreg-shapes, h200-wreg-cvt).
  --sweep-cluster   s8_wgmma_wreg 128x128x128 (g128, cvt) with K split over
                    1, 2, 4 and 8 CTAs of a cluster, and the fast mma.sync
                    64x128x128 plan, for every benchmark shape: what the
                    cost model's cluster split-K term is fitted to
                    (bench/results/h200-cluster-split).
  --sweep-wgmma     s8 wgmma (sm_90a) prefill kernels over tiles and stages,
                    both paths (s8_wgmma, s8_wgmma_wreg), against the fast
                    mma.sync plan (bench/results/h200-wgmma, h200-wreg).
  --sweep-wreg      the s8_wgmma_wreg part of --sweep-wgmma (and the mma.sync plan).
  --sweep-prefill   fast mma.sync prefill plans over CTA tiles, warp grids,
                    tile K and stages for the square shapes (what the
                    planner's prefill tile list is checked against).
  --mixed           for every benchmark shape, the h200 planner's prefill kernel
                    (M = 4096) with per-token activations and g128 weights,
                    with g128 activations and per-channel weights, and with
                    both per-channel: mixed granularity against its neighbours
                    (bench/results/h200-mixed-granularity).
  --planned         for every benchmark shape and each of apex4.nn's row
                    buckets (python/apex4/buckets.py: 1, 8, 16, 64, 128, 256
                    and 1024 rows, prefill 4096), the plan apex4-select-plan picks for
                    the target with g128 weights and activations: what a user
                    of apex4 gets. Named plan_m<rows>_n<N>_k<K> and
                    plan_prefill_n<N>_k<K>; bench.py times each at the M of
                    its bucket.
Writes <out>/<name>.{mlir,ptx,cubin,json}; bench/bench.py --apex4-artifacts
<out> times every kernel whose (N, K) matches.
"""
import argparse
import itertools
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from shapes import MODELS  # noqa: E402
from apex4.buckets import PREFILL_M, ROW_BUCKETS, bucket_name  # noqa: E402

SWEEP_SHAPES = [(4096, 4096), (8192, 8192), (4096, 11008), (1024, 8192), (28672, 8192)]
# Plus the two shapes where decode at M = 16 missed 1.5x FP8 (stop 13).
DECODE_SWEEP_SHAPES = SWEEP_SHAPES + [(11008, 4096), (14336, 4096), (4096, 14336)]
# Every (N, K) of the benchmark suite's models.
SUITE_SHAPES = sorted({(n, k) for layers in MODELS.values() for _, n, k in layers})


def module(n, k, group, plan=None, w_group=None):
    """A matmul with activation groups `group` and weight groups `w_group`
    (default: the same); a group of k is per-channel. No plan: the planner's."""
    w_group = group if w_group is None else w_group
    sa, sw = k // group, k // w_group
    plan_text = f", plan = {plan}" if plan else ""
    a_text, w_text = ("per_channel" if g == k else g for g in (group, w_group))
    return f"""func.func @case(%a: tensor<?x{k}xi4>, %sa: tensor<?x{sa}xf32>,
                 %w: tensor<{n}x{k}xi4>, %sw: tensor<{n}x{sw}xf32>) -> tensor<?x{n}xf16> {{
  %c = apex4.matmul %a, %sa, %w, %sw {{a_group = #apex4.group<{a_text}>, w_group = #apex4.group<{w_text}>{plan_text}}}
      : tensor<?x{k}xi4>, tensor<?x{sa}xf32>, tensor<{n}x{k}xi4>, tensor<{n}x{sw}xf32> -> tensor<?x{n}xf16>
  return %c : tensor<?x{n}xf16>
}}
"""


def group_label(group, k):
    return "pc" if group == k else f"g{group}"


def split_k_plan(tn, split_k, stages, tm=16, convert="cvt"):
    return (f"#apex4.plan<placement = main_loop, convert = {convert}, path = s8_mma_sync, "
            f"tile = [{tm}, {tn}, 128], warps = [1, 1], stages = {stages}, split_k = {split_k}>")


WGMMA_SHAPES = [(4096, 4096), (8192, 8192), (11008, 4096)]
# (tile M, tile N, tile K, stages)
WGMMA_TILES = [(64, 128, 128, 4), (128, 128, 128, 3), (128, 128, 64, 4), (128, 64, 128, 4),
               (192, 64, 128, 4), (256, 64, 128, 3), (256, 64, 128, 4), (256, 64, 64, 6)]


# s8_wgmma_wreg: (tile M = activation rows, tile N = W rows, tile K, stages)
WREG_TILES = [(64, 128, 128, 4), (64, 128, 128, 6), (128, 128, 128, 3), (128, 128, 128, 4),
              (128, 64, 128, 4), (64, 256, 128, 3), (64, 256, 128, 4)]

# (tile M, tile N) of the --sweep-mid wreg kernels (tile K 128, 4 stages).
MID_WREG_TILES = [(64, 64), (64, 128), (64, 256), (128, 128)]


def wreg_plan(tm, tn, tk, stages, convert="magic", split_k=1):
    return (f"#apex4.plan<placement = main_loop, convert = {convert}, path = s8_wgmma_wreg, "
            f"tile = [{tm}, {tn}, {tk}], warps = [1, {tn // 16}], stages = {stages}, "
            f"split_k = {split_k}>")


def wgmma_plan(tm, tn, tk, stages):
    return ("#apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma, "
            f"tile = [{tm}, {tn}, {tk}], warps = [{tm // 16}, 1], stages = {stages}, split_k = 1>")


# (tile M, tile N, tile K, warps M, warps N, stages), all within the fast
# generator's limits (<= 16 fragments per warp, <= 48 KiB of shared memory).
PREFILL_TILES = [(128, 64, 128, 2, 2, 3), (128, 64, 128, 2, 2, 4), (128, 64, 64, 2, 2, 4),
                 (64, 128, 128, 2, 2, 3), (128, 128, 128, 4, 2, 3), (128, 128, 64, 2, 4, 3),
                 (64, 64, 128, 2, 2, 4), (128, 32, 128, 4, 1, 4), (256, 64, 64, 4, 2, 3),
                 (64, 64, 128, 1, 2, 4)]


def fast_plan(tm, tn, tk, wm, wn, stages):
    return ("#apex4.plan<placement = main_loop, convert = magic, path = s8_mma_sync, "
            f"tile = [{tm}, {tn}, {tk}], warps = [{wm}, {wn}], stages = {stages}, split_k = 1>")


FAST_PREFILL_PLAN = fast_plan(128, 64, 128, 2, 2, 3)


def compile_case(bindir, out, name, text, target, extra=(), quiet=False):
    """quiet: a refused plan leaves no files and no diagnostics behind."""
    src = os.path.join(out, name + ".mlir")
    with open(src, "w") as f:
        f.write(text)
    cmd = [os.path.join(bindir, "apex4-compile"), src, "-o", out, "--name", name,
           "--target", target, *extra]
    try:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL if quiet else None)
    except subprocess.CalledProcessError:
        if quiet:
            os.remove(src)
        raise


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", required=True, help="apex4 build bin directory")
    p.add_argument("--out", required=True)
    p.add_argument("--target", default="h100")
    p.add_argument("--sweep-split-k", action="store_true")
    p.add_argument("--tune-decode", action="store_true")
    p.add_argument("--tune-decode-wide", action="store_true")
    p.add_argument("--sweep-decode-convert", action="store_true")
    p.add_argument("--sweep-wreg-shapes", action="store_true")
    p.add_argument("--sweep-wgmma", action="store_true")
    p.add_argument("--sweep-wreg", action="store_true")
    p.add_argument("--sweep-cluster", action="store_true")
    p.add_argument("--sweep-mid", action="store_true",
                   help="wreg tiles with 64 activation rows against 128, cluster split 1-8")
    p.add_argument("--sweep-prefill", action="store_true")
    p.add_argument("--mixed", action="store_true")
    p.add_argument("--planned", action="store_true")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    count = 0

    def emit(name, text, folder=args.out, **options):
        nonlocal count
        compile_case(args.bin, folder, name, text, args.target, **options)
        count += 1

    def split_k_sweep(points, folder_of=None):
        """Compiles split-K sweep points (N, K, tile M, tile N, split_k,
        stages) into folder_of(tile M), or --out; a plan the compiler
        refuses (shared memory) is counted, not an error."""
        refused = 0
        for n, k, tm, tn, split_k, stages in points:
            folder = folder_of(tm) if folder_of else args.out
            os.makedirs(folder, exist_ok=True)
            try:
                emit(f"sk_n{n}_k{k}_m{tm}_t{tn}_s{split_k}_st{stages}",
                     module(n, k, 128, split_k_plan(tn, split_k, stages, tm)), folder,
                     quiet=True)
            except subprocess.CalledProcessError:
                refused += 1
        print(f"{refused} split-K plans refused by the compiler")

    def wreg_splits(n, k, tm, tn, name):
        """The g128 wreg plan (cvt, 4 stages) with K over 1, 2, 4 and 8 CTAs
        of a cluster, wherever that divides the K tiles; name(slices) names
        each kernel."""
        for slices in (1, 2, 4, 8):
            if (k // 128) % slices == 0 and n % tn == 0:
                emit(name(slices), module(n, k, 128, wreg_plan(tm, tn, 128, 4, "cvt", slices)))

    if args.mixed:
        for n, k in SUITE_SHAPES:
            for label, ga, gw in (("apc_w128", k, 128), ("a128_wpc", 128, k), ("pc", k, k)):
                emit(f"mixed_{label}_n{n}_k{k}", module(n, k, ga, w_group=gw))
    if args.sweep_split_k or args.tune_decode:
        stages = (1, 2) if args.tune_decode else (1, 2, 4)
        split_k_sweep(((n, k) + point for (n, k), point in itertools.product(
                          DECODE_SWEEP_SHAPES,
                          itertools.product((8, 16), (16, 32), (4, 8, 16), stages))),
                      None if args.tune_decode else
                      lambda tm: os.path.join(args.out, f"m{tm}"))
    if args.tune_decode_wide:
        tiles = [(16, tn) for tn in (8, 16, 24, 32)] + [(8, tn) for tn in (16, 32)]
        split_k_sweep((n, k, tm, tn, split_k, stages)
                      for (n, k), (tm, tn), split_k, stages in itertools.product(
                          SUITE_SHAPES, tiles, (2, 4, 6, 8, 12, 16), (1, 2)))
    if args.sweep_decode_convert:
        # The planner's decode plans (tile M 8 and 16, tile N 16, split_k
        # for ~16 warps per SM on 132 SMs, stages 1) with each conversion.
        for n, k in SWEEP_SHAPES + [(11008, 4096), (14336, 4096)]:
            split_k = 4
            while split_k < 16 and (n // 16) * split_k * 2 <= 16 * 132:
                split_k *= 2
            for tm, convert in itertools.product((8, 16), ("cvt", "magic")):
                emit(f"sk_n{n}_k{k}_m{tm}_s{split_k}_{convert}",
                     module(n, k, 128, split_k_plan(16, split_k, 1, tm, convert)))
    if args.sweep_wreg_shapes:
        # The measured-best s8_wgmma_wreg tiles (bench/results/h200-wreg/tma)
        # on every benchmark shape, g128 and per-channel, against the fast
        # mma.sync plan: what bench/autotune.py turns into tuned plans.
        for n, k in SUITE_SHAPES:
            emit(f"fast_n{n}_k{k}_128x64x128_s4", module(n, k, 128, fast_plan(128, 64, 128, 2, 2, 4)))
            for group, stages, convert in ((128, 3, "magic"), (128, 4, "magic"),
                                           (128, 4, "cvt"), (k, 4, "magic"), (k, 4, "cvt")):
                suffix = "_cvt" if convert == "cvt" else ""
                emit(f"wr_n{n}_k{k}_{group_label(group, k)}_128x128x128_s{stages}{suffix}",
                     module(n, k, group, wreg_plan(128, 128, 128, stages, convert)))
    if args.sweep_cluster:
        for n, k in SUITE_SHAPES:
            emit(f"fast_n{n}_k{k}_64x128x128_s4", module(n, k, 128, fast_plan(64, 128, 128, 2, 2, 4)))
            wreg_splits(n, k, 128, 128, lambda slices: f"wc_n{n}_k{k}_g128_c{slices}")
    if args.sweep_mid:
        # M = 17-64 runs the m64 bucket's kernel; a 128-row activation tile
        # is half padding at M = 64 and three quarters at M = 32.
        for (n, k), (tm, tn) in itertools.product(SUITE_SHAPES, MID_WREG_TILES):
            wreg_splits(n, k, tm, tn, lambda slices: f"wm_n{n}_k{k}_g128_{tm}x{tn}_c{slices}")
    if args.sweep_wgmma or args.sweep_wreg:
        for n, k in WGMMA_SHAPES:
            emit(f"fast_n{n}_k{k}_128x64x128_s3", module(n, k, 128, FAST_PREFILL_PLAN))
            for tm, tn, tk, stages in WGMMA_TILES if args.sweep_wgmma else ():
                emit(f"wg_n{n}_k{k}_{tm}x{tn}x{tk}_s{stages}",
                     module(n, k, 128, wgmma_plan(tm, tn, tk, stages)))
            # W in registers, INT8-container activations; per-channel (group
            # = K) shows the kernel without group-end work.
            for tm, tn, tk, stages in WREG_TILES:
                for group in (128, k):
                    emit(f"wr_n{n}_k{k}_{group_label(group, k)}_{tm}x{tn}x{tk}_s{stages}",
                         module(n, k, group, wreg_plan(tm, tn, tk, stages)))
    if args.sweep_prefill:
        for n, k in WGMMA_SHAPES[:2]:
            for tile in PREFILL_TILES:
                tm, tn, tk, wm, wn, stages = tile
                emit(f"fast_n{n}_k{k}_{tm}x{tn}x{tk}_w{wm}x{wn}_s{stages}",
                     module(n, k, 128, fast_plan(*tile)))
    if args.planned:
        for n, k in SUITE_SHAPES:
            for m in [rows for _, rows in ROW_BUCKETS] + [PREFILL_M]:
                emit(f"plan_{bucket_name(m)}_n{n}_k{k}", module(n, k, 128),
                     extra=["--assumed-m", str(m)])
    print(f"{count} kernels compiled into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
