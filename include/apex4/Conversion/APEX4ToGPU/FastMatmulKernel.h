//===- FastMatmulKernel.h - ldmatrix/swizzled W4A4 matmul kernel --*- C++ -*-===//
//
// The second-generation grouped W4A4 matmul kernel (docs/codegen.md, "Fast
// matmul kernel"): XOR-swizzled shared memory filled by cp.async, ldmatrix.x4
// fragment loads prefetched across the K-tile barrier, a 3-op INT4 -> INT8
// unpack that keeps every value times 16 (s8 path), bias-initialised INT32
// accumulators for the magic-number conversion, and FMA group dequantization.
// Same kernel ABI and `apex4.kernel_info` as buildMatmulKernel.
//
//===----------------------------------------------------------------------===//

#ifndef APEX4_CONVERSION_APEX4TOGPU_FASTMATMULKERNEL_H
#define APEX4_CONVERSION_APEX4TOGPU_FASTMATMULKERNEL_H

#include "apex4/Conversion/APEX4ToGPU/KernelBuilders.h"

#include "mlir/Support/LLVM.h"

namespace mlir::apex4 {

/// Returns why the fast generator cannot build `spec` for `chip`, or nullopt.
/// It accepts: paths s8_mma_sync (any sm_80+) and s4_mma_sync (not sm_90+),
/// placements main_loop and epilogue (both operands per channel), split_k 1,
/// TK in {64, 128, 256}, warp tiles of (16 x i) x (16 x j) with at most 16
/// m16n8 fragments, stages >= 2, static shared memory <= 48 KiB, fine group
/// a multiple of one MMA step (32 for s8, 64 for s4) and K a multiple of TK.
std::optional<std::string> checkFastMatmulSpec(const MatmulKernelSpec &spec,
                                               StringRef chip);

/// Builds the kernel into `module` (named spec.name) with
/// `apex4.kernel_info`; fails, emitting nothing, when checkFastMatmulSpec
/// rejects the spec.
FailureOr<gpu::GPUFuncOp> buildFastMatmulKernel(OpBuilder &builder,
                                                gpu::GPUModuleOp module,
                                                const MatmulKernelSpec &spec,
                                                StringRef chip);

} // namespace mlir::apex4

#endif // APEX4_CONVERSION_APEX4TOGPU_FASTMATMULKERNEL_H
