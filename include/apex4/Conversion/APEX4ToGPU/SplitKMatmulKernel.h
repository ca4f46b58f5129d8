//===- SplitKMatmulKernel.h - split-K W4A4 kernel for small M -----*- C++ -*-===//
//
// The decode kernel (docs/codegen.md, "Split-K kernel"): for M up to a few
// rows the matmul is a stream over the packed weights, so a CTA owns a
// narrow column slab (TN columns) and `split_k` warps each reduce a slice of
// K straight from global memory (16-byte loads, `stages - 1` chunks ahead
// through a per-warp cp.async ring in shared memory); the slices' f32 partial sums meet in
// shared memory and are added in a fixed order, so results are deterministic
// and rounded once. Same kernel ABI and `apex4.kernel_info` as the others.
//
//===----------------------------------------------------------------------===//

#ifndef APEX4_CONVERSION_APEX4TOGPU_SPLITKMATMULKERNEL_H
#define APEX4_CONVERSION_APEX4TOGPU_SPLITKMATMULKERNEL_H

#include "apex4/Conversion/APEX4ToGPU/KernelBuilders.h"

#include "mlir/Support/LLVM.h"

namespace mlir::apex4 {

/// K values one warp reduces per loop iteration: four lanes of a quad each
/// load 16 bytes (32 INT4 values) of the same row.
constexpr int64_t kSplitKChunk = 128;

/// Returns why the split-K generator cannot build `spec` for `chip`, or
/// nullopt. It takes plans with split_k in [2, 16], tile [16, TN, 128] with
/// TN in {8, 16, 24, 32}, warps [1, 1], path s8_mma_sync, stages
/// (stages - 1 chunks in flight per warp) within the chip's shared memory, K
/// and the finer group multiples of 128.
std::optional<std::string> checkSplitKMatmulSpec(const MatmulKernelSpec &spec,
                                                 StringRef chip);

/// Builds the kernel into `module` with `apex4.kernel_info`; fails, emitting
/// nothing, when checkSplitKMatmulSpec rejects the spec.
FailureOr<gpu::GPUFuncOp> buildSplitKMatmulKernel(OpBuilder &builder,
                                                  gpu::GPUModuleOp module,
                                                  const MatmulKernelSpec &spec,
                                                  StringRef chip);

} // namespace mlir::apex4

#endif // APEX4_CONVERSION_APEX4TOGPU_SPLITKMATMULKERNEL_H
