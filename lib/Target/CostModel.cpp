//===- CostModel.cpp - the rho cost model -----------------------------------===//
//
// All times are first computed in SM-clocks summed over the GPU, then divided
// by (SMs x clock x wave efficiency). docs/cost-model.md has the derivation.
//
//===----------------------------------------------------------------------===//

#include "apex4/Target/CostModel.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>

using namespace apex4;

namespace {

/// Kernel launch and tail latency, added to every prediction.
constexpr double kLaunchUs = 3.0;
/// Integer ops to turn 8 packed INT4 values into two registers of INT8 as
/// the generators do it: (x << 4) & 0xF0F0F0F0 and x & 0xF0F0F0F0, the
/// nibbles times 16 (IMAD.SHL + 2 LOP3 in SASS; docs/codegen.md).
constexpr double kUnpackOpsPerWord = 3.0;
/// The split-K kernel's fixed cost beyond the launch: the slices' partial
/// sums through shared memory, a barrier and the reduction (fitted with the
/// launch to the H100 sweep, bench/results/h100-split-k).
constexpr double kSplitKReduceUs = 2.0;
/// How much faster a CTA runs alone on its SM than as one of the two the
/// SM holds under full load: the fast mma.sync kernel (128 x 64, 4 warps)
/// with 128 CTAs (N = 1024, M = 1024) measured 1.3-1.4x faster than the
/// model's share-of-a-full-SM figure (bench/results/h200-wreg-cvt).
constexpr double kLoneCtaSpeedup = 1.4;
/// Per wave of s8_wgmma_wreg CTAs (one per SM with 128-row tiles), beyond
/// the K tiles:
/// filling the pipeline, the epilogue's stores and the CTA's turnover; and,
/// with K split over a cluster, the partials' round trip through
/// distributed shared memory (two cluster barriers). Fitted, with the
/// per-tile terms below, to 144 timings of 128 x 128 x 128 wreg kernels with
/// 1, 2, 4 and 8 slices on 10 shapes at M = 64 to 8192 on the H200
/// (bench/results/h200-cluster-split: 4.6 us, 0.76 us per K tile, 0.7 us;
/// 142 of 144 within 20%).
constexpr double kWregWaveUs = 4.6;
constexpr double kClusterReduceUs = 0.7;
/// cuBLAS FP16 at M <= 16 on the H200, timed as the benchmark times it
/// (CUDA events around one call): 7.0 us plus the bytes at 4.21 TB/s, 0.88
/// of the datasheet bandwidth (least squares over the 20 decode points of
/// bench/results/h200-suite-stop16-final). The FP16 baseline of the
/// explanations and of apex4-plan's speedup_vs_fp16.
constexpr double kFp16FixedUs = 7.0;
constexpr double kFp16StreamEfficiency = 0.88;
/// K values a split-K warp reduces per step (SplitKMatmulKernel.h).
constexpr int64_t kSplitKChunk = 128;
/// Fraction of the s8 wgmma peak apex4's wgmma kernel reaches without group
/// work (per-channel scales, 4096^3 on the H200: bench/results/h200-wgmma).
/// Far below a library's ~0.8: the INT4 -> INT8 unpack of W goes through
/// shared memory, whose bandwidth the tensor cores' operand reads already
/// need (docs/codegen.md, "The wgmma kernel").
constexpr double kWgmmaEfficiency = 0.40;
/// The same for path s8_wgmma_wreg (per-channel, 128 x 128 x 128 tiles on
/// the H200: 0.56 of the peak at 4096^3, 0.67 at 4096 x 8192 x 28672,
/// bench/results/h200-wreg-cvt, fitted as 0.65 with the fixed cost per wave
/// folded in; 0.74 once kWregWaveUs takes it). W is unpacked in registers
/// and the activations arrive as INT8 by TMA, so no operand goes through
/// shared memory twice.
constexpr double kWregEfficiency = 0.74;
/// Executed CUDA-core instructions of the wreg kernel's group end over the
/// model's floor. The target's dequantOverhead (2.4) describes the mma.sync
/// kernels; the wreg kernel's group end is one wait, the staged scales and
/// the arithmetic, and g128 measured 1.4x the floor with both conversions
/// (110 us cvt, 131 us magic over the per-channel kernel at 4096^3,
/// bench/results/h200-wreg-cvt; ncu: ~2 instructions per cycle per SM,
/// bench/results/h200-wreg-pingpong). 1.4 with the fixed cost per wave
/// folded in, 1.23 once kWregWaveUs takes it (the same 0.88 as the
/// efficiency: together they give the fitted 0.76 us per K tile).
constexpr double kWregDequantOverhead = 1.23;
/// Issue slots per packed W word (8 values) per row tile of the wreg kernel,
/// besides the group end: the unpack (3), ldmatrix, the copies of W and the
/// scales, addressing, the barriers and the TMA handshake. The K loop of the
/// 128 x 128 g128 kernel spends about 22 per word on them; 32 fits, with
/// the two constants above unchanged and kWregDequantOverhead applied to it
/// too (so about 39 slots in all), 678 of 720 wreg timings within 20%
/// (tiles 64 x 64, 64 x 128 and 128 x 128, M = 32 to 8192; bench/results/
/// h200-mid-tiles). The work is the same whatever the tile's activation
/// rows, which is why a 64-row tile costs more than half a 128-row one.
constexpr double kWregOpsPerWWord = 32.0;
/// Warps an SM needs resident to issue at the rate the wreg fit assumes:
/// with fewer, a warp's dependent instructions wait on each other. A lone
/// 64 x 64 CTA (4 warps) ran a K tile in 0.37-0.40 us where half a lone
/// 64 x 128 CTA's (8 warps) is 0.29 (bench/results/h200-mid-tiles).
constexpr int64_t kWregFullIssueWarps = 8;

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// MMA fragments (16 x 8 outputs) per warp along the tile's M and N. The
/// split-K kernel with tile M 8 puts the tokens on the MMA's 8-column side
/// and 16 W rows on its other: one fragment per 16 columns of the tile.
std::pair<int64_t, int64_t> warpFragments(const PlanCandidate &plan) {
  if (plan.splitK > 1 && plan.tileM == 8)
    return {1, plan.tileN / 16};
  return {plan.tileM / plan.warpsM / 16, plan.tileN / plan.warpsN / 8};
}

int64_t resolveGroup(int64_t group, int64_t k) { return group == 0 ? k : group; }

std::string groupText(int64_t group) {
  return group == 0 ? std::string("per-channel") : "g" + std::to_string(group);
}

/// Geometry shared by the tensor-core and CUDA-core terms.
struct Tiling {
  int64_t tilesM, tilesN, ctas;
  /// CTAs resident on one SM at a time.
  int64_t ctasPerSm, waves;
  double waveEfficiency;
  int64_t paddedM, paddedN;
};

Tiling tile(const GPUTarget &target, const MatmulShape &shape,
            const PlanCandidate &plan) {
  Tiling t;
  t.tilesM = ceilDiv(shape.m, plan.tileM);
  t.tilesN = ceilDiv(shape.n, plan.tileN);
  // The split-K kernel's slices are warps of one CTA; wreg's are the CTAs
  // of a cluster.
  bool wreg = plan.path == MmaPath::S8WgmmaWreg;
  t.ctas = t.tilesM * t.tilesN * (wreg ? plan.splitK : 1);
  int64_t threads =
      32 * plan.warpsM * plan.warpsN * (wreg ? 1 : plan.splitK);
  auto [fragmentsM, fragmentsN] = warpFragments(plan);
  int64_t fragments = fragmentsM * fragmentsN;
  double smemBytes =
      plan.path == MmaPath::S8WgmmaWreg // INT8 activations, staged scales
          ? plan.stages * (plan.tileM * plan.tileK +
                           plan.tileN * plan.tileK / 2.0 +
                           4.0 * (plan.tileM + plan.tileN) + 8)
          : plan.stages * (plan.tileM + plan.tileN) * plan.tileK / 2.0;
  if (plan.path == MmaPath::S8Wgmma) // plus the two INT8 staging tiles of W
    smemBytes += 2.0 * plan.tileN * plan.tileK;
  int64_t bySmem = int64_t(target.sharedMemoryPerSmKB * 1024 / smemBytes);
  // Two accumulator sets (INT32 group, f32 total) of 4 values per fragment,
  // plus addressing and operand registers.
  int64_t regsPerThread = std::min<int64_t>(255, 8 * fragments + 64);
  int64_t byRegs = target.registersPerSm / (threads * regsPerThread);
  int64_t perSm = std::max<int64_t>(1, std::min(bySmem, byRegs));
  t.ctasPerSm = perSm;
  double slots = double(target.smCount * perSm);
  // A cluster's CTAs share one GPC, so fewer clusters than SMs / size fit.
  if (wreg && plan.splitK > 1)
    slots = std::min(slots, double(target.clusterSlots(plan.splitK) * perSm));
  t.waves = ceilDiv(t.ctas, int64_t(slots));
  t.waveEfficiency = double(t.ctas) / (t.waves * slots);
  if (wreg && t.waves == 1) {
    // The wreg kernel is bound by instruction issue (docs/codegen.md): its
    // CTAs share an SM's issue rate, so a single wave runs at the rate of
    // its most loaded SM, and a CTA with an SM to itself gets all of it.
    // SMs a cluster shape leaves idle count as lost.
    double usableSms = slots / perSm;
    double busiest = std::ceil(t.ctas / usableSms);
    t.waveEfficiency = double(t.ctas) / (busiest * target.smCount);
    double warps = busiest * plan.warpsM * plan.warpsN;
    if (warps < kWregFullIssueWarps)
      t.waveEfficiency *= 0.5 + 0.5 * warps / kWregFullIssueWarps;
  } else if (t.ctas <= target.smCount && perSm > 1) {
    // The mma.sync kernels: a single partial wave loses the idle SMs (the
    // efficiency above), and with no more CTAs than SMs a kernel that fits
    // several per SM runs each alone, faster than its share of a full SM.
    t.waveEfficiency *= std::min(double(perSm), kLoneCtaSpeedup);
  }
  t.paddedM = t.tilesM * plan.tileM;
  t.paddedN = t.tilesN * plan.tileN;
  return t;
}

double tensorRate(const GPUTarget &target, MmaPath path) {
  switch (path) {
  case MmaPath::S4MmaSync:
    // An emulated rate is a measurement of the routine itself.
    return target.mmaRate("s4") *
           (target.s4Emulated ? 1.0 : target.mmaSyncEfficiency);
  case MmaPath::S8MmaSync:
    return target.mmaRate("s8") * target.mmaSyncEfficiency;
  case MmaPath::S8Wgmma:
    return target.mmaRate("s8") * kWgmmaEfficiency;
  case MmaPath::S8WgmmaWreg:
    return target.mmaRate("s8") * kWregEfficiency;
  }
  return 0;
}

/// Thread-instruction counts per CUDA-core pipe.
struct InstructionMix {
  double fp32 = 0, integer = 0, convert = 0, memory = 0;
  double total() const { return fp32 + integer + convert + memory; }
};

} // namespace

llvm::StringRef apex4::stringify(DequantPlacement placement) {
  switch (placement) {
  case DequantPlacement::MainLoop:
    return "main_loop";
  case DequantPlacement::Epilogue:
    return "epilogue";
  case DequantPlacement::OperandFold:
    return "operand_fold";
  }
  return "";
}

llvm::StringRef apex4::stringify(ConvertMethod convert) {
  return convert == ConvertMethod::Cvt ? "cvt" : "magic";
}

llvm::StringRef apex4::stringify(MmaPath path) {
  switch (path) {
  case MmaPath::S4MmaSync:
    return "s4_mma_sync";
  case MmaPath::S8MmaSync:
    return "s8_mma_sync";
  case MmaPath::S8Wgmma:
    return "s8_wgmma";
  case MmaPath::S8WgmmaWreg:
    return "s8_wgmma_wreg";
  }
  return "";
}

bool apex4::targetSupports(const GPUTarget &target, MmaPath path) {
  switch (path) {
  case MmaPath::S4MmaSync:
    return target.mmaRate("s4") > 0;
  case MmaPath::S8MmaSync:
    return target.mmaRate("s8") > 0;
  case MmaPath::S8Wgmma:
  case MmaPath::S8WgmmaWreg:
    return target.hasWgmma;
  }
  return false;
}

double apex4::predictFP16Us(const GPUTarget &target, const MatmulShape &shape) {
  // cuBLAS picks its tiles and splits K to fill the GPU, so only the rows
  // of its smallest MMA tile are padding (a 128 x 128 tiling with waves
  // predicted its decode times up to 4x too slow on the H200).
  int64_t paddedM = ceilDiv(shape.m, 16) * 16;
  double clocks = 2.0 * paddedM * shape.n * shape.k /
                  (target.mmaRate("f16") * target.fp16GemmEfficiency);
  double tensorUs = clocks / target.smClocksPerSecond() * 1e6;
  double bytes = 2.0 * (double(shape.m) * shape.k + double(shape.n) * shape.k +
                        double(shape.m) * shape.n);
  double memoryUs =
      bytes / (target.memoryBandwidthGBs * 1e9 * kFp16StreamEfficiency) * 1e6;
  return std::max(tensorUs, memoryUs) + kFp16FixedUs;
}

Prediction apex4::predict(const GPUTarget &target, const MatmulShape &shape,
                          const PlanCandidate &plan) {
  Prediction p;
  Tiling t = tile(target, shape, plan);
  double perSecond = target.smClocksPerSecond() * t.waveEfficiency;
  int64_t k = shape.k;
  int64_t aLen = resolveGroup(plan.aGroup, k), wLen = resolveGroup(plan.wGroup, k);
  int64_t fine = std::min(aLen, wLen);

  // Tensor cores: the padded tiles, at the path's rate.
  double tensorClocks = 2.0 * t.paddedM * t.paddedN * k /
                        std::max(tensorRate(target, plan.path), 1e-9);
  p.tensorUs = tensorClocks / perSecond * 1e6;

  // CUDA cores, per output element and group end.
  double outputs = double(t.paddedM) * t.paddedN;
  bool mixed = (plan.aGroup == 0) != (plan.wGroup == 0);
  double groupEnds = plan.placement == DequantPlacement::MainLoop
                         ? double(k / fine)
                         : 1.0;
  bool wreg = plan.path == MmaPath::S8WgmmaWreg;
  // Cluster slices shorter than a group dequantize once per slice.
  bool clusterSplit = wreg && plan.splitK > 1;
  if (clusterSplit)
    groupEnds = std::max(groupEnds, double(plan.splitK));
  InstructionMix perGroup;
  // One integer op per group either way: cvt resets the INT32 accumulator to
  // 0; magic resets it to the bias 0x4B400000 (mma.sync kernels) or adds the
  // bias to a sum that started at 0 (wgmma's scale-d 0), then subtracts the
  // magic float. The wreg kernel starts each group with scale-d 0, so cvt
  // needs no reset there.
  if (!wreg || plan.convert == ConvertMethod::Magic)
    perGroup.integer += 1;
  if (plan.convert == ConvertMethod::Cvt)
    perGroup.convert += 1; // cvt.rn.f32.s32
  else
    perGroup.fp32 += 1;
  // Both scales per group: p = sa * sw, then acc += f * p. With one side per
  // channel, that side's scale waits for the epilogue.
  perGroup.fp32 += mixed ? 1 : 2;
  perGroup.fp32 += 1; // add into the f32 accumulator
  auto [fragsM, fragsN] = warpFragments(plan);
  perGroup.memory += double(2 * fragsM + 2 * fragsN) / (4.0 * fragsM * fragsN);
  InstructionMix mix;
  mix.fp32 = outputs * groupEnds * perGroup.fp32;
  mix.integer = outputs * groupEnds * perGroup.integer;
  mix.convert = outputs * groupEnds * perGroup.convert;
  mix.memory = outputs * groupEnds * perGroup.memory;
  if (mixed && plan.placement == DequantPlacement::MainLoop)
    mix.fp32 += outputs; // the per-channel scale, once
  if (plan.placement == DequantPlacement::OperandFold)
    mix.integer += double(t.paddedN) * k * t.tilesM; // an imul per weight value

  // Unpacking INT4 -> INT8 for the s8 paths: mma.sync unpacks per warp use;
  // wgmma unpacks A once per warp (registers) and W once per CTA (through
  // shared memory: a load and a store more per word).
  double aWords = double(t.paddedM) * k / 8, wWords = double(t.paddedN) * k / 8;
  if (plan.path == MmaPath::S8MmaSync)
    mix.integer += kUnpackOpsPerWord * (aWords * t.tilesN * plan.warpsN +
                                        wWords * t.tilesM * plan.warpsM);
  else if (plan.path == MmaPath::S8Wgmma)
    mix.integer += kUnpackOpsPerWord * aWords * t.tilesN +
                   (kUnpackOpsPerWord + 2) * wWords * t.tilesM;
  // wreg: W in registers, the quantize kernel wrote A as INT8; W's side is
  // counted apart below.

  double fp32Clocks = mix.fp32 / target.instrRate("ffma");
  double intClocks = mix.integer / target.instrRate("iadd");
  double cvtClocks = mix.convert / target.instrRate("i2f");
  double lsuClocks = mix.memory / target.instrRate("lsu");
  double issueClocks = mix.total() / target.instrRate("issue");
  // Within the dequantization phase the pipes work in parallel (64 and more
  // independent outputs per thread): the busiest pipe, or issue, sets it.
  // apex4's generated code executes more than this floor: dequantOverhead is
  // the measured ratio (docs/cost-model.md, "Calibration").
  // The split-K kernel has no barriers in its loop and its measured times
  // follow the weight stream (bench/results/h100-split-k), so the factor,
  // fitted on the tiled kernels, does not apply to it.
  double cudaClocks =
      std::max({fp32Clocks, intClocks, cvtClocks, lsuClocks, issueClocks}) *
      (wreg ? kWregDequantOverhead
            : plan.splitK > 1 ? 1.0
                              : target.dequantOverhead);
  double groupEndUs = cudaClocks / perSecond * 1e6;
  double wregWSideUs =
      wreg ? kWregOpsPerWWord * wWords * t.tilesM /
                 target.instrRate("issue") * kWregDequantOverhead /
                 perSecond * 1e6
           : 0.0;
  p.cudaCoreUs = groupEndUs + wregWSideUs;

  // Memory: packed operands, scales and the output, each moved once.
  // wreg reads the activations as INT8 containers.
  bool splitKKernel = plan.splitK > 1 && !wreg;
  // The split-K kernel streams W (and its scales) once per row tile: each
  // tile's CTAs walk all of W. Counted as memory traffic, which the H200
  // measured: 4 row tiles at M = 64 took 4.0x the M = 16 time for
  // 28672 x 8192 (bench/results/h200-suite-stop12).
  double weightPasses = splitKKernel ? double(t.tilesM) : 1.0;
  double bytes = double(shape.m) * k / (wreg ? 1 : 2) +
                 weightPasses * (double(shape.n) * k / 2 +
                                 4.0 * double(shape.n) * (k / wLen)) +
                 4.0 * double(shape.m) * (k / aLen) + 2.0 * shape.m * shape.n;
  // Fewer CTAs than SMs leave part of the memory system without requests
  // (decode: 32 CTAs of 16 x 128 for N = 4096).
  double coverage = std::min(1.0, double(t.ctas) / target.smCount);
  p.memoryUs = bytes / (target.memoryBandwidthGBs * 1e9 * coverage) * 1e6;
  if (splitKKernel)
    p.memoryUs /= target.splitKStreamEfficiency;

  // The group-end work waits for the group's MMAs in the same warps and the
  // warps of a CTA reach it together (a barrier per K tile): the phases
  // serialize except for the measured overlap fraction of the shorter one.
  // With several CTAs on an SM, one CTA's group-end work runs while another
  // issues MMAs: the non-overlapped fraction shrinks with the resident CTAs
  // (seen on the H100: 128x64 tiles, two CTAs per SM, beat 128x128 tiles,
  // one per SM, by 1.4x with the same generator; docs/codegen.md).
  // wreg: the W side runs while the asynchronous wgmmas do; the group end
  // waits for its wgmmas, and a second CTA on the SM does not hide it (the
  // kernel is issue bound, bench/results/h200-wreg-pingpong).
  double overlap =
      1.0 - (1.0 - target.mainLoopOverlap) / double(std::min<int64_t>(
                                                 t.ctasPerSm, 2));
  double computeUs =
      wreg ? std::max(p.tensorUs, wregWSideUs) + groupEndUs
           : p.tensorUs + p.cudaCoreUs -
                 overlap * std::min(p.tensorUs, p.cudaCoreUs);
  p.totalUs = std::max(computeUs, p.memoryUs) + kLaunchUs +
              (splitKKernel ? kSplitKReduceUs : 0.0) +
              (wreg ? kWregWaveUs * t.waves : 0.0) +
              (clusterSplit ? kClusterReduceUs * t.waves : 0.0);
  p.fp16Us = predictFP16Us(target, shape);

  if (p.memoryUs >= computeUs)
    p.bottleneck = "memory";
  else if (p.cudaCoreUs >= p.tensorUs)
    p.bottleneck = "CUDA cores (dequantization)";
  else
    p.bottleneck = "tensor cores";

  const char *pipe = wregWSideUs > groupEndUs
                         ? "the W side (copies, ldmatrix, unpack)"
                     : cvtClocks >= std::max({fp32Clocks, intClocks, issueClocks})
                         ? "the quarter-rate INT32->FP32 convert"
                     : intClocks >= std::max(fp32Clocks, issueClocks)
                         ? "integer ops (unpack, magic bias)"
                     : fp32Clocks >= issueClocks ? "FP32 scale multiplies"
                                                 : "instruction issue";
  p.explanation = llvm::formatv(
      "{0} x {1}: tensor cores {2:F1} us ({3}), CUDA cores {4:F1} us ({5} "
      "group end(s) per output, limited by {6}), memory {7:F1} us for {8:F1} "
      "MB; {9} bound, {10:F2}x the FP16 GEMM's {11:F1} us",
      groupText(plan.aGroup), groupText(plan.wGroup), p.tensorUs,
      clusterSplit ? llvm::formatv("{0}, K over a cluster of {1} CTAs",
                                   stringify(plan.path), plan.splitK)
                         .str()
                   : stringify(plan.path).str(),
      p.cudaCoreUs, int64_t(groupEnds), pipe,
      p.memoryUs, bytes / 1e6, p.bottleneck, p.fp16Us / p.totalUs, p.fp16Us);
  return p;
}

std::vector<PlanCandidate>
apex4::enumeratePlans(const GPUTarget &target, const MatmulShape &shape,
                      const PlanConstraints &constraints) {
  int64_t k = shape.k;
  auto groupChoices = [&](std::optional<int64_t> fixed) {
    if (fixed)
      return std::vector<int64_t>{*fixed};
    std::vector<int64_t> groups;
    for (int64_t g = 32; g <= 1024; g *= 2)
      if (g >= constraints.finestGroup &&
          (constraints.coarsestGroup == 0 || g <= constraints.coarsestGroup) &&
          k % g == 0 && g < k)
        groups.push_back(g);
    if (constraints.coarsestGroup == 0)
      groups.push_back(0);
    return groups;
  };
  struct TileShape {
    int64_t m, n, warpsM, warpsN;
  };
  const TileShape tiles[] = {
      {128, 128, 2, 4}, {128, 64, 2, 2}, {64, 128, 2, 2}, {64, 64, 2, 2},
      // Decode: few rows, so little padded work.
      {16, 128, 1, 4}, {32, 128, 2, 4}};
  const TileShape wgmmaTiles[] = {{64, 128, 4, 1}, {128, 128, 8, 1},
                                  {128, 64, 8, 1}};
  std::vector<PlanCandidate> plans;
  for (int64_t aGroup : groupChoices(constraints.aGroup))
    for (int64_t wGroup : groupChoices(constraints.wGroup)) {
      int64_t fine = std::min(resolveGroup(aGroup, k), resolveGroup(wGroup, k));
      std::vector<DequantPlacement> placements;
      if (aGroup == 0 && wGroup == 0)
        placements = {DequantPlacement::Epilogue};
      else
        placements = {DequantPlacement::MainLoop};
      if (aGroup == 0 && wGroup != 0)
        placements.push_back(DequantPlacement::OperandFold);
      for (DequantPlacement placement : placements)
        // Magic first: with its bias folded into the accumulator reset it
        // predicts the same as cvt, and it measured 5% faster (fast kernel,
        // g128, 128x64x128: 0.627 vs 0.659 ms on the H100, docs/codegen.md).
        for (ConvertMethod convert : {ConvertMethod::Magic, ConvertMethod::Cvt}) {
          // The magic number is exact for |sum| < 2^22; |a*w| <= 64.
          if (convert == ConvertMethod::Magic && 64 * fine >= (1 << 22))
            continue;
          for (MmaPath path :
               {MmaPath::S4MmaSync, MmaPath::S8MmaSync, MmaPath::S8Wgmma,
                MmaPath::S8WgmmaWreg}) {
            if (!targetSupports(target, path))
              continue;
            int64_t step = path == MmaPath::S4MmaSync ? 64 : 32;
            bool pathBuilt =
                path == MmaPath::S8MmaSync || path == MmaPath::S8Wgmma ||
                path == MmaPath::S8WgmmaWreg ||
                (path == MmaPath::S4MmaSync && !target.s4Emulated);
            auto add = [&](int64_t tileM, int64_t tileN, int64_t tileK,
                           int64_t warpsM, int64_t warpsN, int64_t stages,
                           int64_t splitK, bool supported) {
              PlanCandidate p;
              p.aGroup = aGroup;
              p.wGroup = wGroup;
              p.placement = placement;
              p.convert = convert;
              p.path = path;
              p.tileM = tileM;
              p.tileN = tileN;
              p.tileK = tileK;
              p.warpsM = warpsM;
              p.warpsN = warpsN;
              p.stages = stages;
              p.splitK = splitK;
              p.codegenSupported = supported && pathBuilt &&
                                   placement != DequantPlacement::OperandFold;
              plans.push_back(p);
            };
            if (path == MmaPath::S8WgmmaWreg) {
              // Tile M: activation rows (the wgmmas' N), tile N: W rows, one
              // warpgroup per 64; one 128-byte TMA row of K per tile
              // (WgmmaMatmulKernel.cpp). 128 x 128 with 4 stages is the
              // measured best for prefill (bench/results/h200-wreg/tma;
              // 64 x 128 ran 1.2x slower at M = 4096). Up to 256 rows,
              // 64-row tiles win where 128-row ones are padding or leave
              // SMs idle: up to 1.7x at M = 64, 1.25x at M = 128 (bench/
              // results/h200-mid-tiles), and the model ranks them within
              // 1.11x of the best there; they are not offered above.
              // split_k > 1: K slices on the CTAs of a cluster, for grids
              // with fewer tiles than SMs; a slice starts at a group
              // boundary or lies inside one group.
              std::vector<TileShape> wregTiles = {{128, 128, 1, 8}};
              if (shape.m <= 256)
                wregTiles.insert(wregTiles.end(),
                                 {{64, 128, 1, 8}, {64, 64, 1, 4}});
              if (k % 128 == 0)
                for (const TileShape &ts : wregTiles)
                  for (int64_t slices : {1, 2, 4, 8}) {
                    int64_t tiles = k / 128, sliceTiles = tiles / slices;
                    if (tiles % slices != 0)
                      continue;
                    int64_t groupTiles = std::max<int64_t>(1, fine / 128);
                    bool sliceFits = sliceTiles % groupTiles == 0 ||
                                     groupTiles % sliceTiles == 0;
                    add(ts.m, ts.n, 128, ts.warpsM, ts.warpsN, 4, slices,
                        fine % 128 == 0 && shape.n % ts.n == 0 && sliceFits);
                  }
              continue;
            }
            if (path == MmaPath::S8Wgmma) {
              // One warpgroup per 64 rows; K tiles within a group; W tiles
              // cover N exactly (WgmmaMatmulKernel.h).
              for (const TileShape &ts : wgmmaTiles)
                for (int64_t tileK : {128, 64})
                  if (k % tileK == 0)
                    add(ts.m, ts.n, tileK, ts.warpsM, ts.warpsN,
                        ts.m == 128 && ts.n == 128 ? 3 : 4, 1,
                        fine % tileK == 0 && shape.n % ts.n == 0);
              continue;
            }
            // The model has no per-K-tile term, so both tile Ks predict the
            // same time; the ranking's stable sort keeps the first, and
            // 128 is listed first because it measured faster with the fast
            // generator at every group size (g128: 0.627 vs 0.729 ms,
            // g64: 0.852 vs 0.891 ms at 8192 x 4096 x 4096; docs/codegen.md).
            // Four stages where the ring fits the fast generator's 48 KiB
            // of static shared memory, else three: 128x64x128 ran 3-5%
            // faster with four on the H200 (bench/results/h200-prefill-tiles).
            for (const TileShape &ts : tiles)
              for (int64_t tileK : {128, 64})
                if (k % tileK == 0) {
                  int64_t stages =
                      4 * (ts.m + ts.n) * tileK / 2 <= 48 * 1024 ? 4 : 3;
                  add(ts.m, ts.n, tileK, ts.warpsM, ts.warpsN, stages, 1,
                      fine % step == 0 && shape.n % 2 == 0);
                }
            // Split-K decode kernels (s8, M <= 32 where they were measured).
            // They convert with cvt, off their critical path, so one
            // candidate per placement. On the H200 (bench/results/
            // h200-decode-loads): tile M 8 (W on the MMA's 16-row side) wins
            // whenever M <= 8, by up to 1.2x; the best split leaves about 16
            // warps per SM over the grid (fewer slices for wide N, down to
            // 2: 28672 x 8192 at M = 16 runs 1.23x faster with 2 than with
            // 4, bench/results/h200-decode-wide; 2 slices were measured up
            // to M = 16 only, so M = 17..64 starts at 4); neither a register
            // prefetch nor the shared-memory ring of stages > 1 paid
            // (bench/results/h200-decode-ring: within 8% either way).
            if (path == MmaPath::S8MmaSync && convert == ConvertMethod::Cvt &&
                shape.m <= 64 && k % kSplitKChunk == 0 &&
                k / kSplitKChunk >= 2)
              for (int64_t tileN : {16, 32}) {
                int64_t tileM = shape.m <= 8 ? 8 : 16;
                int64_t ctas = ceilDiv(shape.n, tileN) * ceilDiv(shape.m, tileM);
                int64_t splitK = shape.m <= 16 ? 2 : 4;
                while (splitK < 16 && ctas * splitK * 2 <= 16 * target.smCount)
                  splitK *= 2;
                splitK = std::min<int64_t>(splitK, k / kSplitKChunk);
                add(tileM, tileN, kSplitKChunk, 1, 1, 1, splitK,
                    fine % kSplitKChunk == 0);
              }
          }
        }
    }
  return plans;
}

std::vector<RankedPlan> apex4::rankPlans(const GPUTarget &target,
                                         const MatmulShape &shape,
                                         const PlanConstraints &constraints) {
  std::vector<RankedPlan> ranked;
  for (const PlanCandidate &plan : enumeratePlans(target, shape, constraints))
    ranked.push_back({plan, predict(target, shape, plan)});
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const RankedPlan &a, const RankedPlan &b) {
                     return a.prediction.totalUs < b.prediction.totalUs;
                   });
  return ranked;
}
