//===- GPUTargetTest.cpp - target descriptions ------------------------------===//

#include "apex4/Target/GPUTarget.h"

#include <gtest/gtest.h>

using namespace apex4;

TEST(GPUTarget, EveryBuiltinParsesWithSources) {
  std::vector<std::string> names = builtinTargetNames();
  for (const char *expected :
       {"a100", "rtx3090", "a40", "l40s", "rtx4090", "h100", "h200",
        "h100-measured"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end())
        << expected;
  for (const std::string &name : names) {
    llvm::Expected<GPUTarget> target = lookupTarget(name);
    ASSERT_TRUE(bool(target)) << llvm::toString(target.takeError());
    EXPECT_FALSE(target->sources.empty()) << name;
    EXPECT_GT(target->mmaRate("s8"), 0) << name;
  }
}

TEST(GPUTarget, RhoMatchesPublishedRatios) {
  // INT4 tensor ops over FP32 flops: A100 64, RTX 3090 16, A40 16, L40S 8.
  EXPECT_NEAR(lookupTarget("a100")->rho(), 64, 0.5);
  EXPECT_NEAR(lookupTarget("rtx3090")->rho(), 16, 0.5);
  EXPECT_NEAR(lookupTarget("a40")->rho(), 16, 0.5);
  EXPECT_NEAR(lookupTarget("l40s")->rho(), 8, 0.5);
  // Hopper: INT4 runs as INT8 (wgmma peak 8192) against 128 FFMA.
  EXPECT_NEAR(lookupTarget("h100")->rho(), 32, 0.5);
}

TEST(GPUTarget, TheMeasuredH100CarriesItsMeasurements) {
  llvm::Expected<GPUTarget> measured = lookupTarget("h100-measured");
  ASSERT_TRUE(bool(measured)) << llvm::toString(measured.takeError());
  EXPECT_TRUE(measured->s4Emulated);
  // Emulated s4 is tens of times slower than s8 (DESIGN.md: ~28x).
  EXPECT_GT(measured->mmaRate("s8") / measured->mmaRate("s4"), 20);
  EXPECT_GT(measured->mainLoopOverlap, 0);
  EXPECT_LT(measured->mainLoopOverlap, 0.5);
  EXPECT_NE(measured->sources.count("measured"), 0u);
}

TEST(GPUTarget, LookupIsCaseInsensitiveAndUnknownNamesListTheKnownOnes) {
  EXPECT_TRUE(bool(lookupTarget("H100")));
  llvm::Expected<GPUTarget> missing = lookupTarget("tpu");
  ASSERT_FALSE(bool(missing));
  std::string message = llvm::toString(missing.takeError());
  EXPECT_NE(message.find("unknown target 'tpu'"), std::string::npos);
  EXPECT_NE(message.find("a100"), std::string::npos);
}

TEST(GPUTarget, ParseErrorsNameTheField) {
  llvm::Expected<GPUTarget> bad = parseTarget(R"({"name": "x", "chip": "sm_80",
      "sm_count": 1, "clock_ghz": 1, "memory_bandwidth_gbs": 1,
      "shared_memory_per_sm_kb": 1, "registers_per_sm": 1,
      "mma_ops_per_clock_per_sm": {"s8": 1},
      "cuda_core_instructions_per_clock_per_sm": {}})",
                                              "test");
  ASSERT_FALSE(bool(bad));
  EXPECT_NE(llvm::toString(bad.takeError()).find("mma_ops_per_clock_per_sm.f16"),
            std::string::npos);
  llvm::Expected<GPUTarget> badClusters = parseTarget(R"({"name": "x",
      "chip": "sm_90a", "sm_count": 1, "clock_ghz": 1,
      "memory_bandwidth_gbs": 1, "shared_memory_per_sm_kb": 1,
      "registers_per_sm": 1, "mma_ops_per_clock_per_sm": {"s8": 1, "f16": 1},
      "cuda_core_instructions_per_clock_per_sm": {"ffma": 1, "fmul": 1,
        "fadd": 1, "i2f": 1, "iadd": 1, "lop3": 1, "lsu": 1, "issue": 1},
      "max_active_clusters": {"2": "many"}})",
                                                      "test");
  ASSERT_FALSE(bool(badClusters));
  EXPECT_NE(llvm::toString(badClusters.takeError()).find("max_active_clusters.2"),
            std::string::npos);
  llvm::Expected<GPUTarget> notJson = parseTarget("{", "test");
  ASSERT_FALSE(bool(notJson));
  llvm::consumeError(notJson.takeError());
  llvm::Expected<GPUTarget> noFile = loadTargetFile("/nonexistent/gpu.json");
  ASSERT_FALSE(bool(noFile));
  EXPECT_NE(llvm::toString(noFile.takeError()).find("cannot read"),
            std::string::npos);
}
