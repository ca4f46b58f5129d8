//===- CostModelTest.cpp - the rho cost model -------------------------------===//

#include "apex4/Target/CostModel.h"

#include <optional>

#include <gtest/gtest.h>

using namespace apex4;

namespace {

GPUTarget target(llvm::StringRef name) {
  llvm::Expected<GPUTarget> t = lookupTarget(name);
  EXPECT_TRUE(bool(t));
  return *t;
}

const MatmulShape kComputeBound{8192, 8192, 8192};

PlanCandidate plan(int64_t aGroup, int64_t wGroup, MmaPath path,
                   ConvertMethod convert) {
  PlanCandidate p;
  p.aGroup = aGroup;
  p.wGroup = wGroup;
  p.path = path;
  p.convert = convert;
  p.placement = aGroup == 0 && wGroup == 0 ? DequantPlacement::Epilogue
                                           : DequantPlacement::MainLoop;
  return p;
}

/// The fastest plan the generators build for g128 on `shape`.
RankedPlan bestSupportedG128(const GPUTarget &t, const MatmulShape &shape) {
  PlanConstraints c;
  c.aGroup = c.wGroup = 128;
  for (const RankedPlan &r : rankPlans(t, shape, c))
    if (r.plan.codegenSupported)
      return r;
  return RankedPlan{};
}

/// The fastest candidate under fixed granularities.
RankedPlan best(const GPUTarget &t, int64_t aGroup, int64_t wGroup) {
  PlanConstraints c;
  c.aGroup = aGroup;
  c.wGroup = wGroup;
  return rankPlans(t, kComputeBound, c).front();
}

} // namespace

TEST(CostModel, TensorTimeIsOpsOverRate) {
  GPUTarget a100 = target("a100");
  Prediction p = predict(a100, kComputeBound,
                         plan(0, 0, MmaPath::S4MmaSync, ConvertMethod::Cvt));
  double ops = 2.0 * 8192 * 8192 * 8192;
  double rate = a100.mmaRate("s4") * a100.mmaSyncEfficiency *
                a100.smClocksPerSecond();
  // 4096 CTAs over 108 SMs: 38 waves, the last one partly idle.
  double waveEfficiency = 4096.0 / (38 * 108);
  EXPECT_NEAR(p.tensorUs, ops / rate / waveEfficiency * 1e6, 1e-6 * p.tensorUs);
}

TEST(CostModel, FinerGroupsCostMoreCudaCoreTime) {
  GPUTarget a100 = target("a100");
  double previous = 0;
  for (int64_t g : {1024, 256, 64, 32}) {
    Prediction p = predict(a100, kComputeBound,
                           plan(g, g, MmaPath::S4MmaSync, ConvertMethod::Cvt));
    EXPECT_GT(p.cudaCoreUs, previous) << g;
    previous = p.cudaCoreUs;
  }
}

// On sm_86 the magic conversion's float subtract runs on the double-rate
// FP32 pipe while cvt waits on the 16-per-clock converter. (On the A100, with
// half the FP32 rate, the two tie: docs/cost-model.md.)
TEST(CostModel, MagicConversionBeatsTheQuarterRateConvert) {
  GPUTarget rtx3090 = target("rtx3090");
  Prediction cvt = predict(rtx3090, kComputeBound,
                           plan(128, 128, MmaPath::S4MmaSync, ConvertMethod::Cvt));
  Prediction magic =
      predict(rtx3090, kComputeBound,
              plan(128, 128, MmaPath::S4MmaSync, ConvertMethod::Magic));
  EXPECT_LT(magic.cudaCoreUs, cvt.cudaCoreUs);
}

// The phenomenon behind the mission: rho decides whether g128 pays off. On
// the A100 the per-group conversions take several times the INT4 MMA time and
// the kernel loses to FP16; on the RTX 3090 it still wins clearly.
TEST(CostModel, G128LosesToFP16OnA100AndWinsOnRTX3090) {
  RankedPlan a100 = best(target("a100"), 128, 128);
  EXPECT_EQ(a100.prediction.bottleneck, "CUDA cores (dequantization)");
  double a100Speedup = a100.prediction.fp16Us / a100.prediction.totalUs;
  EXPECT_LT(a100Speedup, 1.0);
  RankedPlan rtx3090 = best(target("rtx3090"), 128, 128);
  double rtx3090Speedup =
      rtx3090.prediction.fp16Us / rtx3090.prediction.totalUs;
  EXPECT_GT(rtx3090Speedup, 2.0);
  EXPECT_GT(rtx3090Speedup, 3 * a100Speedup);
}

TEST(CostModel, PhasesAddUpExceptForTheOverlap) {
  GPUTarget a100 = target("a100");
  PlanCandidate p = plan(128, 128, MmaPath::S4MmaSync, ConvertMethod::Cvt);
  a100.mainLoopOverlap = 0;
  Prediction serial = predict(a100, kComputeBound, p);
  EXPECT_NEAR(serial.totalUs - 3.0, serial.tensorUs + serial.cudaCoreUs,
              1e-6 * serial.totalUs);
  a100.mainLoopOverlap = 1;
  Prediction overlapped = predict(a100, kComputeBound, p);
  EXPECT_NEAR(overlapped.totalUs - 3.0,
              std::max(overlapped.tensorUs, overlapped.cudaCoreUs),
              1e-6 * overlapped.totalUs);
}

TEST(CostModel, CoarseOrMixedGranularityRecoversA100) {
  GPUTarget a100 = target("a100");
  RankedPlan coarse = best(a100, 512, 512);
  EXPECT_GT(coarse.prediction.fp16Us / coarse.prediction.totalUs, 1.5);
  RankedPlan perChannel = best(a100, 0, 0);
  EXPECT_GT(perChannel.prediction.fp16Us / perChannel.prediction.totalUs, 3.0);
  // Mixed granularity saves the per-group scale product: faster than g128,
  // not yet faster than FP16 on the A100 (docs/cost-model.md).
  RankedPlan mixed = best(a100, 0, 128);
  RankedPlan fine = best(a100, 128, 128);
  EXPECT_LT(mixed.prediction.totalUs, 0.85 * fine.prediction.totalUs);
}

TEST(CostModel, HopperPrefersTheS8UnpackPath) {
  GPUTarget h100 = target("h100");
  Prediction s4 = predict(h100, kComputeBound,
                          plan(128, 128, MmaPath::S4MmaSync, ConvertMethod::Magic));
  Prediction s8 = predict(h100, kComputeBound,
                          plan(128, 128, MmaPath::S8MmaSync, ConvertMethod::Magic));
  EXPECT_LT(s8.totalUs * 3, s4.totalUs);
  EXPECT_EQ(best(h100, 128, 128).plan.path != MmaPath::S4MmaSync, true);
}

TEST(CostModel, DecodeWantsMoreCTAsAndBeatsFP16OnBytes) {
  // M = 1: one row of tiles cannot fill 132 SMs, so split-K wins; the packed
  // weights are a quarter of FP16's bytes.
  GPUTarget h100 = target("h100");
  PlanConstraints c;
  c.aGroup = 128;
  c.wGroup = 128;
  RankedPlan decode = rankPlans(h100, {1, 8192, 8192}, c).front();
  EXPECT_GT(decode.plan.splitK, 1);
  EXPECT_GT(decode.prediction.fp16Us / decode.prediction.totalUs, 1.5);
  EXPECT_LT(decode.prediction.memoryUs, predictFP16Us(h100, {1, 8192, 8192}) / 3);
}

namespace {
/// The split of the split-K decode candidate with tile N 16 for a g128 shape.
int64_t decodeSplit(const GPUTarget &gpu, int64_t m, int64_t n, int64_t k) {
  PlanConstraints c;
  c.aGroup = c.wGroup = 128;
  for (const PlanCandidate &p : enumeratePlans(gpu, {m, n, k}, c))
    if (p.splitK > 1 && p.path == MmaPath::S8MmaSync && p.tileN == 16)
      return p.splitK;
  return 0;
}
} // namespace

TEST(CostModel, DecodeSplitLeavesAbout16WarpsPerSM) {
  // 132 SMs, tile N 16: the split doubles from 2 while the grid stays
  // within 16 warps per SM. The widest layers keep 2 slices, the measured
  // best at 28672 x 8192 and M = 16 (bench/results/h200-decode-wide); above
  // M = 16, where 2 slices were never measured, the walk starts at 4.
  GPUTarget h200 = target("h200");
  EXPECT_EQ(decodeSplit(h200, 16, 28672, 8192), 2);
  EXPECT_EQ(decodeSplit(h200, 1, 11008, 4096), 2);
  EXPECT_EQ(decodeSplit(h200, 1, 8192, 8192), 4);
  EXPECT_EQ(decodeSplit(h200, 1, 4096, 4096), 8);
  EXPECT_EQ(decodeSplit(h200, 16, 1024, 8192), 16);
  EXPECT_EQ(decodeSplit(h200, 64, 4096, 4096), 4);
  // Never more slices than chunks of 128 K values.
  EXPECT_EQ(decodeSplit(h200, 1, 1024, 512), 4);
}

TEST(CostModel, ConstraintsBoundTheGranularity) {
  PlanConstraints c;
  c.finestGroup = 64;
  c.coarsestGroup = 256;
  for (const PlanCandidate &p :
       enumeratePlans(target("a100"), kComputeBound, c)) {
    EXPECT_GE(p.aGroup, 64);
    EXPECT_LE(p.aGroup, 256);
    EXPECT_GE(p.wGroup, 64);
    EXPECT_LE(p.wGroup, 256);
  }
}

TEST(CostModel, CodegenSupportFollowsTheGenerator) {
  for (const PlanCandidate &p :
       enumeratePlans(target("h100"), kComputeBound, PlanConstraints())) {
    if (p.path == MmaPath::S4MmaSync ||
        p.placement == DequantPlacement::OperandFold)
      EXPECT_FALSE(p.codegenSupported);
    if (p.path == MmaPath::S8Wgmma) {
      // The wgmma generator's shape rules (WgmmaMatmulKernel.h).
      EXPECT_EQ(p.tileM % 64, 0);
      EXPECT_EQ(p.warpsM, p.tileM / 16);
      EXPECT_EQ(p.warpsN, 1);
      EXPECT_EQ(p.splitK, 1);
      int64_t fine = std::min(p.aGroup ? p.aGroup : kComputeBound.k,
                              p.wGroup ? p.wGroup : kComputeBound.k);
      if (p.codegenSupported)
        EXPECT_EQ(fine % p.tileK, 0);
    }
  }
}

TEST(CostModel, WregIsChosenForG128PrefillAndSharedMemoryWgmmaIsNot) {
  // Measured on the H200 (the H100's SM): s8_wgmma_wreg beats the mma.sync
  // kernel at g128 by 1.2-1.6x (bench/results/h200-wreg-cvt), and s8_wgmma,
  // which unpacks W through shared memory, is slower than both
  // (bench/results/h200-wgmma).
  PlanConstraints c;
  c.aGroup = c.wGroup = 128;
  std::vector<RankedPlan> ranked =
      rankPlans(target("h100"), kComputeBound, c);
  std::optional<MmaPath> first;
  double bestMmaSync = 1e30, bestSharedWgmma = 1e30;
  for (const RankedPlan &r : ranked) {
    if (!r.plan.codegenSupported)
      continue;
    if (!first)
      first = r.plan.path;
    if (r.plan.path == MmaPath::S8MmaSync)
      bestMmaSync = std::min(bestMmaSync, r.prediction.totalUs);
    if (r.plan.path == MmaPath::S8Wgmma)
      bestSharedWgmma = std::min(bestSharedWgmma, r.prediction.totalUs);
  }
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, MmaPath::S8WgmmaWreg);
  EXPECT_LT(bestSharedWgmma, 1e30);
  EXPECT_LT(bestMmaSync, bestSharedWgmma);
}

namespace {
/// The best codegen-supported wreg plan's split for a g128 shape on h200.
int64_t bestWregSplit(int64_t m, int64_t n, int64_t k) {
  PlanConstraints c;
  c.aGroup = c.wGroup = 128;
  for (const RankedPlan &r : rankPlans(target("h200"), {m, n, k}, c))
    if (r.plan.codegenSupported && r.plan.path == MmaPath::S8WgmmaWreg)
      return r.plan.splitK;
  return 0;
}
} // namespace

TEST(CostModel, ClusterSplitKFillsTheGPUOnlyWhenTilesAreFew) {
  // Measured on the H200 (bench/results/h200-cluster-split): 8 output tiles
  // (M = 64, N = 1024) run 3.8x faster with K over 8 CTAs of a cluster;
  // once the tiles fill the GPU (M = 1024, N = 4096: 256 tiles) every split
  // is slower.
  EXPECT_EQ(bestWregSplit(64, 1024, 8192), 8);
  EXPECT_EQ(bestWregSplit(256, 4096, 4096), 2);
  EXPECT_EQ(bestWregSplit(1024, 4096, 4096), 1);
  EXPECT_EQ(bestWregSplit(8192, 8192, 8192), 1);
  // K = 11008 has 86 tiles: only two slices divide it evenly.
  EXPECT_LE(bestWregSplit(64, 4096, 11008), 2);
}

TEST(CostModel, ClustersFitInGPCs) {
  // 15 clusters of 8 fit on the H200, 120 CTAs rather than 132: 128 CTAs
  // in clusters of 8 take two waves.
  GPUTarget h200 = target("h200");
  EXPECT_EQ(h200.clusterSlots(1), 132);
  EXPECT_EQ(h200.clusterSlots(2), 132);
  EXPECT_EQ(h200.clusterSlots(8), 120);
  PlanCandidate split = plan(128, 128, MmaPath::S8WgmmaWreg, ConvertMethod::Cvt);
  split.tileM = split.tileN = split.tileK = 128;
  split.warpsM = 1;
  split.warpsN = 8;
  split.stages = 4;
  split.splitK = 8;
  // 1 x 15 tiles x 8 = 120 CTAs in one wave, 1 x 16 x 8 in two.
  double fits = predict(h200, {128, 15 * 128, 8192}, split).totalUs;
  double spills = predict(h200, {128, 16 * 128, 8192}, split).totalUs;
  EXPECT_GT(spills, 1.5 * fits);
  // Without the measurement, clusters of 8 fill 132 / 8 = 16 of them.
  h200.maxActiveClusters.clear();
  EXPECT_EQ(h200.clusterSlots(8), 128);
}

TEST(CostModel, SplitKReadsTheWeightsOncePerRowTile) {
  // At M = 64 the split-K kernel runs 4 row tiles of 16, each streaming all
  // of W: measured 4.0x its M = 16 time at 28672 x 8192 on the H200, where
  // a tiled kernel is 2x faster; on 1024 x 8192 it stays the fastest
  // (bench/results/h200-suite-stop12, h200-suite-stop13).
  GPUTarget h200 = target("h200");
  RankedPlan wide = bestSupportedG128(h200, {64, 28672, 8192});
  RankedPlan narrow = bestSupportedG128(h200, {64, 1024, 8192});
  EXPECT_EQ(wide.plan.splitK, 1);
  EXPECT_GT(narrow.plan.splitK, 1);
  EXPECT_EQ(narrow.plan.path, MmaPath::S8MmaSync);
  EXPECT_EQ(narrow.plan.tileM, 16);
  // The split-K prediction scales with the row tiles.
  PlanCandidate splitK = narrow.plan;
  double m16 = predict(h200, {16, 28672, 8192}, splitK).memoryUs;
  double m64 = predict(h200, {64, 28672, 8192}, splitK).memoryUs;
  EXPECT_NEAR(m64 / m16, 4.0, 0.1);
}

TEST(CostModel, WregTilesOf64RowsServeUpTo256Rows) {
  // At M = 64 a 128-row activation tile is half padding: the 64-row tiles
  // measured up to 1.7x faster on the H200 (4096 x 14336: 28.7 against
  // 48.7 us, bench/results/h200-mid-tiles). Above 256 rows they are not
  // offered: at prefill they measured 1.2x slower (docs/cost-model.md).
  GPUTarget h200 = target("h200");
  PlanCandidate narrow = bestSupportedG128(h200, {64, 4096, 14336}).plan;
  EXPECT_EQ(narrow.path, MmaPath::S8WgmmaWreg);
  EXPECT_EQ(narrow.tileM, 64);
  EXPECT_EQ(narrow.tileN, 64);
  EXPECT_EQ(bestSupportedG128(h200, {64, 8192, 8192}).plan.tileM, 64);
  PlanConstraints c;
  c.aGroup = c.wGroup = 128;
  for (const RankedPlan &r : rankPlans(h200, {1024, 4096, 14336}, c))
    if (r.plan.path == MmaPath::S8WgmmaWreg)
      EXPECT_EQ(r.plan.tileM, 128);
}

TEST(CostModel, WregCTAsShareTheirSMsIssueRate) {
  // The wreg kernel is issue bound: two 64 x 128 CTAs on one SM take about
  // as long as one 128 x 128 CTA, while a 64 x 128 CTA alone on its SM runs
  // at the SM's full rate (1024 x 8192, M = 64: 42 us alone against 79 us
  // for 28672 x 8192 with two per SM and the same 64 K tiles, bench/results/
  // h200-mid-tiles).
  PlanCandidate half = plan(128, 128, MmaPath::S8WgmmaWreg, ConvertMethod::Cvt);
  half.tileM = 64;
  half.tileN = half.tileK = 128;
  half.warpsM = 1;
  half.warpsN = 8;
  half.stages = 4;
  GPUTarget h200 = target("h200");
  double alone = predict(h200, {64, 1024, 8192}, half).totalUs;
  double shared = predict(h200, {64, 28672, 8192}, half).totalUs;
  EXPECT_GT(shared, 1.5 * alone);
  EXPECT_LT(shared, 2.2 * alone);
}
