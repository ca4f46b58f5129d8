//===- GPUTarget.h - GPU descriptions for the cost model ----------*- C++ -*-===//
//
// A GPU as the rho cost model sees it: SM count, clock, memory bandwidth and
// per-SM-per-clock rates of the tensor-core and CUDA-core instructions that
// grouped W4A4 matmuls use. Descriptions are JSON files (targets/*.json,
// embedded at build time) with a source for every number.
//
//===----------------------------------------------------------------------===//

#ifndef APEX4_TARGET_GPUTARGET_H
#define APEX4_TARGET_GPUTARGET_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <string>
#include <vector>

namespace apex4 {

/// A plan measured fastest on the device for one matmul shape (autotuning,
/// bench/autotune.py): apex4-select-plan takes it instead of the cost
/// model's choice when the shape, the groups and M match.
struct TunedPlan {
  int64_t n = 0, k = 0;
  /// Group sizes; 0 = per-channel (the cost model's encoding).
  int64_t aGroup = 0, wGroup = 0;
  /// Rows it applies to, inclusive.
  int64_t mMin = 0, mMax = 0;
  /// The plan as `#apex4.plan<...>` text.
  std::string plan;
  /// What it measured, for the explanation (0: not given).
  double measuredUs = 0;
};

struct GPUTarget {
  std::string name;
  /// NVVM chip the kernels are built for, e.g. "sm_80" or "sm_90a".
  std::string chip;
  int64_t smCount = 0;
  double clockGHz = 0;
  double memoryBandwidthGBs = 0;
  double sharedMemoryPerSmKB = 0;
  int64_t registersPerSm = 0;
  /// Dense tensor-core ops (multiply and add count as 2) per SM per clock,
  /// keyed by operand type: "s4", "s8", "f16", "fp8" (absent: not there).
  std::map<std::string, double> mmaOpsPerClock;
  /// Thread-instructions per SM per clock, keyed by instruction class:
  /// "ffma", "fmul", "fadd", "i2f", "iadd", "lop3", "prmt", "lsu", "issue".
  std::map<std::string, double> cudaCoreInstrPerClock;
  /// Fraction of the MMA peak that mma.sync kernels reach (1 where mma.sync
  /// is the native tensor-core instruction, sm_80..sm_89).
  double mmaSyncEfficiency = 1.0;
  /// Fraction of the shorter of the two main-loop phases (the MMAs of a group,
  /// the group-end dequantization) that hides behind the longer one; measured
  /// by apex4-calibrate (docs/cost-model.md). 0: the phases serialize.
  double mainLoopOverlap = 0.0;
  /// CUDA-core time of apex4's generated kernels over the instruction-count
  /// floor of the model, measured on our H100 (docs/cost-model.md).
  double dequantOverhead = 1.0;
  /// Fraction of the FP16 peak that the FP16 baseline GEMM reaches.
  double fp16GemmEfficiency = 1.0;
  /// INT4 MMA runs as a software routine (sm_90).
  bool s4Emulated = false;
  /// Warpgroup MMA (sm_90a).
  bool hasWgmma = false;
  /// Fraction of memory_bandwidth_gbs the split-K decode kernel's weight
  /// stream reaches when every SM has work (measured per GPU: the H200's
  /// achievable copy rate is a smaller share of its datasheet figure).
  double splitKStreamEfficiency = 0.85;
  /// Clusters of a given size (key "2", "4", "8") of a one-CTA-per-SM
  /// kernel that can be resident at once, measured with
  /// cuOccupancyMaxActiveClusters (bench/probes/cluster_occupancy.cu). A
  /// cluster lives in one GPC, so this is below SMs / size where GPCs do
  /// not divide evenly; absent sizes fall back to SMs / size.
  std::map<std::string, double> maxActiveClusters;
  /// CTAs of a one-CTA-per-SM kernel resident at once in clusters of
  /// `size` CTAs.
  int64_t clusterSlots(int64_t size) const;
  /// Where each number comes from.
  std::map<std::string, std::string> sources;
  /// Measured plans (field "tuned_plans"), most specific first is not
  /// required: the first entry that matches wins.
  std::vector<TunedPlan> tunedPlans;

  /// The first tuned plan for this shape, groups and M, or null.
  const TunedPlan *findTunedPlan(int64_t m, int64_t n, int64_t k,
                                 int64_t aGroup, int64_t wGroup) const;

  /// Tensor-core ops per SM per clock for `type`, 0 when absent.
  double mmaRate(llvm::StringRef type) const;
  /// CUDA-core thread-instructions per SM per clock, 0 when absent.
  double instrRate(llvm::StringRef kind) const;
  /// rho: INT4 tensor-core ops over FP32 CUDA-core flops (2 per FFMA); with
  /// emulated s4 MMA, the s8 rate the unpacked INT4 operands run at.
  double rho() const;
  /// SM-clocks per second over the whole GPU.
  double smClocksPerSecond() const { return smCount * clockGHz * 1e9; }
};

/// Parses a description; errors name the missing or malformed field.
llvm::Expected<GPUTarget> parseTarget(llvm::StringRef json,
                                      llvm::StringRef origin);
/// Reads a description file.
llvm::Expected<GPUTarget> loadTargetFile(llvm::StringRef path);
/// A built-in description by name (case-insensitive); the error lists the
/// known names.
llvm::Expected<GPUTarget> lookupTarget(llvm::StringRef name);
std::vector<std::string> builtinTargetNames();

} // namespace apex4

#endif // APEX4_TARGET_GPUTARGET_H
