//===- WgmmaMatmulKernel.h - warpgroup-MMA W4A4 kernel (sm_90a) ---*- C++ -*-===//
//
// The Hopper prefill kernel (docs/codegen.md, "The wgmma kernel"): INT4 tiles
// stream into a shared-memory ring with cp.async; A fragments are unpacked in
// registers (ldmatrix), W chunks into INT8 core matrices of a double-buffered
// staging tile; warpgroups run asynchronous s8 `wgmma` (A from registers, W
// from shared memory) on one tile while the next one is unpacked. Each group gets its own INT32 partial (the first MMA of a
// group does not accumulate), dequantized into f32 accumulators when the
// group's MMAs retire. Same ABI as the other matmul kernels; the shared
// memory is dynamic (`shared_bytes` in `apex4.kernel_info`).
//
//===----------------------------------------------------------------------===//

#ifndef APEX4_CONVERSION_APEX4TOGPU_WGMMAMATMULKERNEL_H
#define APEX4_CONVERSION_APEX4TOGPU_WGMMAMATMULKERNEL_H

#include "apex4/Conversion/APEX4ToGPU/KernelBuilders.h"

#include "mlir/Support/LLVM.h"

namespace mlir::apex4 {

/// Dynamic shared memory a wgmma plan needs: the INT4 ring
/// (stages x (TM + TN) x TK/2 bytes) and two INT8 staging tiles of W
/// (2 x TN x TK bytes).
int64_t wgmmaSharedBytes(PlanAttr plan);

/// Returns why the wgmma generator cannot build `spec` for `chip`, or
/// nullopt. Path s8_wgmma_wreg may split K over the CTAs of a cluster
/// (split_k 2, 4 or 8, slices aligned with the groups). It takes path
/// s8_wgmma on sm_90a with split_k 1, tile M 64 to
/// 256 in steps of 64 with warps [TM / 16, 1] (one warpgroup per 64 rows), tile N 64 or 128
/// dividing N, tile K 64 or 128 dividing K and the finer group, and 2 to 6
/// stages.
std::optional<std::string> checkWgmmaMatmulSpec(const MatmulKernelSpec &spec,
                                                StringRef chip);

/// Builds the kernel into `module` with `apex4.kernel_info`; fails, emitting
/// nothing, when checkWgmmaMatmulSpec rejects the spec.
FailureOr<gpu::GPUFuncOp> buildWgmmaMatmulKernel(OpBuilder &builder,
                                                 gpu::GPUModuleOp module,
                                                 const MatmulKernelSpec &spec,
                                                 StringRef chip);

} // namespace mlir::apex4

#endif // APEX4_CONVERSION_APEX4TOGPU_WGMMAMATMULKERNEL_H
