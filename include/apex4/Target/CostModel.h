//===- CostModel.h - the rho cost model ---------------------------*- C++ -*-===//
//
// Predicts the time of one grouped W4A4 matmul under one plan on one GPU
// from first principles (instruction counts over per-SM rates, bytes over
// bandwidth, tile and wave quantization) plus the calibration factors of the
// target file. docs/cost-model.md derives every formula.
//
//===----------------------------------------------------------------------===//

#ifndef APEX4_TARGET_COSTMODEL_H
#define APEX4_TARGET_COSTMODEL_H

#include "apex4/Target/GPUTarget.h"

#include "llvm/ADT/ArrayRef.h"

#include <optional>
#include <string>
#include <vector>

namespace apex4 {

enum class DequantPlacement { MainLoop, Epilogue, OperandFold };
enum class ConvertMethod { Cvt, Magic };
/// S8WgmmaWreg: wgmma with W unpacked in registers and the activations as
/// INT8 containers (docs/codegen.md); tile M counts activation rows, tile N
/// W rows.
enum class MmaPath { S4MmaSync, S8MmaSync, S8Wgmma, S8WgmmaWreg };

/// The spellings of the MLIR plan attribute.
llvm::StringRef stringify(DequantPlacement placement);
llvm::StringRef stringify(ConvertMethod convert);
llvm::StringRef stringify(MmaPath path);

struct MatmulShape {
  int64_t m = 0, n = 0, k = 0;
};

/// Group sizes: 0 means per-channel (one scale per row over all of K).
struct PlanCandidate {
  int64_t aGroup = 0, wGroup = 0;
  DequantPlacement placement = DequantPlacement::MainLoop;
  ConvertMethod convert = ConvertMethod::Cvt;
  MmaPath path = MmaPath::S8MmaSync;
  int64_t tileM = 128, tileN = 128, tileK = 64;
  int64_t warpsM = 2, warpsN = 4;
  int64_t stages = 3, splitK = 1;
  /// The code generator can build this candidate today.
  bool codegenSupported = false;
};

struct Prediction {
  double tensorUs = 0, cudaCoreUs = 0, memoryUs = 0, totalUs = 0;
  /// An FP16 tensor-core GEMM of the same shape on the same GPU.
  double fp16Us = 0;
  /// "tensor cores", "CUDA cores (dequantization)" or "memory".
  std::string bottleneck;
  /// One sentence a person can follow.
  std::string explanation;
};

struct PlanConstraints {
  /// Fixed granularities (the operands are already quantized); unset: the
  /// model chooses within [finestGroup, coarsestGroup].
  std::optional<int64_t> aGroup, wGroup;
  int64_t finestGroup = 32;
  /// 0: up to per-channel.
  int64_t coarsestGroup = 0;
  /// Error budget: the least SQNR (dB) a weight quantization may have. The
  /// model cannot measure it without the weights: callers that hold them
  /// (apex4-select-plan) drop candidates with int4QuantSqnrDb below it; the
  /// activations are assumed to meet it at the granularity the weights get
  /// (docs/cost-model.md, "Accuracy guard").
  std::optional<double> minSqnrDb;
};

struct RankedPlan {
  PlanCandidate plan;
  Prediction prediction;
};

/// The candidate plans for a shape (granularities, placements, conversions,
/// paths, tiles, split-K), each marked with codegenSupported.
std::vector<PlanCandidate> enumeratePlans(const GPUTarget &target,
                                          const MatmulShape &shape,
                                          const PlanConstraints &constraints);

/// The predicted time of `shape` under `plan` on `target`.
Prediction predict(const GPUTarget &target, const MatmulShape &shape,
                   const PlanCandidate &plan);

/// The predicted time of an FP16 tensor-core GEMM of `shape`.
double predictFP16Us(const GPUTarget &target, const MatmulShape &shape);

/// All candidates, fastest first.
std::vector<RankedPlan> rankPlans(const GPUTarget &target,
                                  const MatmulShape &shape,
                                  const PlanConstraints &constraints);

/// Whether the target executes `path` on its tensor cores at all (s4 on
/// sm_90 is emulated: runnable but slow; wgmma needs sm_90a).
bool targetSupports(const GPUTarget &target, MmaPath path);

/// SQNR in dB of symmetric INT4 quantization (docs/architecture.md) of a
/// row-major `rows x cols` matrix with one scale per `group` values of a row
/// (0: per-channel).
double int4QuantSqnrDb(llvm::ArrayRef<float> values, int64_t rows,
                       int64_t cols, int64_t group);

} // namespace apex4

#endif // APEX4_TARGET_COSTMODEL_H
