//===- KernelBuilders.h - GPU kernels for apex4 ops ---------------*- C++ -*-===//
//
// The kernel generators behind convert-apex4-to-gpu. Each builds one
// `gpu.func` kernel following the ABI of docs/architecture.md; the spec holds
// every compile-time fact, M stays a runtime parameter.
//
//===----------------------------------------------------------------------===//

#ifndef APEX4_CONVERSION_APEX4TOGPU_KERNELBUILDERS_H
#define APEX4_CONVERSION_APEX4TOGPU_KERNELBUILDERS_H

#include "apex4/Dialect/APEX4/IR/APEX4Attrs.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"

namespace mlir::apex4 {

/// Largest M the kernels address: their memref types carry it as a static
/// leading extent because kernel parameters are bare pointers.
constexpr int64_t kMaxRows = int64_t(1) << 24;

/// Everything the matmul kernel is specialized on.
/// Mixed granularity: the operand whose scales are per-channel (constant
/// over K) while the other's are grouped. The group end then multiplies by
/// the grouped operand's scale only, and the per-channel scale is applied
/// once after the main loop. None when both or neither are per-channel.
enum class PerChannelOperand { None, A, W };

struct MatmulKernelSpec {
  std::string name;
  int64_t n = 0, k = 0;
  /// Group lengths in K values (per-channel resolved to K).
  int64_t aGroup = 0, wGroup = 0;
  /// f16 or f32.
  Type outType;
  PlanAttr plan;

  /// Whether the split_k K slices are CTAs of one thread-block cluster
  /// (path s8_wgmma_wreg) rather than warps of one CTA (the split-K kernel).
  bool slicesAreClusterCtas() const {
    return plan.getPath() == MmaPath::S8WgmmaWreg;
  }
  /// Threads of one CTA: WM x WN warps, per K slice when the slices are
  /// warps.
  int64_t threads() const {
    return 32 * plan.getWarpsM() * plan.getWarpsN() *
           (slicesAreClusterCtas() ? 1 : plan.getSplitK());
  }
  int64_t fineGroup() const { return std::min(aGroup, wGroup); }
  PerChannelOperand perChannelOperand() const {
    bool a = aGroup == k, w = wGroup == k;
    if (a == w)
      return PerChannelOperand::None;
    return a ? PerChannelOperand::A : PerChannelOperand::W;
  }
};

/// Everything the activation-quantization kernel is specialized on.
struct QuantizeKernelSpec {
  std::string name;
  int64_t k = 0;
  /// Group length in K values (per-channel resolved to K).
  int64_t group = 0;
  /// f16, bf16 or f32.
  Type inType;
  /// Write INT8 containers (parameter QC, i8 [M x K], the layout of
  /// activationsAsContainers) instead of packed INT4 (Q, i8 [M x K/2]).
  bool containers = false;

  /// Groups of at most 256 values (one warp pass) are independent: 8 warps
  /// share a row, each taking every 8th pass, so that a few rows (decode)
  /// still fill the GPU and each warp has few dependent loads. Longer
  /// groups reduce across passes: one warp per row, 4 rows per CTA.
  bool warpsShareRows() const { return group <= 256; }
  int64_t warpsPerRow() const { return warpsShareRows() ? 8 : 1; }
  int64_t rowsPerBlock() const { return warpsShareRows() ? 1 : 4; }
  int64_t threads() const { return 32 * warpsPerRow() * rowsPerBlock(); }
};

/// The checks every matmul generator shares: the path runs natively on
/// `chip` and the placement / split-K are generated at all.
std::optional<std::string> checkPlanIsGenerated(const MatmulKernelSpec &spec,
                                                StringRef chip);

/// Shared memory one CTA may have on `chip` (the opt-in dynamic limit).
int64_t maxSharedBytesPerCta(StringRef chip);

/// Returns a message when the generator cannot build `spec` for `chip`
/// (e.g. an s4 MMA on sm_90, a group finer than one MMA step), else nullopt.
std::optional<std::string> checkMatmulSpec(const MatmulKernelSpec &spec,
                                           StringRef chip);
std::optional<std::string> checkQuantizeSpec(const QuantizeKernelSpec &spec);

/// The ABI's argument types with byte-addressed packed operands
/// (A: i8 [kMaxRows x K/2], SA, W: i8 [N x K/2], SW, C, M), as the fast and
/// split-K generators take them. With activationsAsContainers(spec), A is
/// i8 [kMaxRows x K] instead, and ACMAP (the containers' TMA tensor map,
/// i8 [128] in global memory) comes before M.
SmallVector<Type> byteMatmulArgumentTypes(Builder &b,
                                          const MatmulKernelSpec &spec);

/// Whether the kernel of `spec` takes its activations as INT8 containers:
/// each INT4 value q as the byte 16·q, and within every 32 values of K the
/// 16 even-k values first, then the 16 odd-k ones (the K order of the s8
/// MMA fragments). Plan path s8_wgmma_wreg does.
bool activationsAsContainers(const MatmulKernelSpec &spec);

/// The even-k (resp. odd-k) INT4 values of a packed i32, times 16, as the
/// four signed bytes of an i32: (x << 4) & 0xF0F0F0F0 (resp. x & 0xF0F0F0F0).
Value evenNibblesTimes16(OpBuilder &b, Location loc, Value word);
Value oddNibblesTimes16(OpBuilder &b, Location loc, Value word);

/// Packs i32 registers as the rows of an MMA operand fragment of `element`
/// (i8 or i4): vector<words x (32 / bits) x element>.
Value packFragment(OpBuilder &b, Location loc, ArrayRef<Value> words,
                   Type element);

/// Records the launch facts of a matmul kernel (`apex4.kernel_info`) for
/// apex4-compile's manifest; every matmul generator calls it.
/// `dynamicSharedBytes` is what the launch must pass (0: static only).
void attachMatmulKernelInfo(OpBuilder &builder, gpu::GPUFuncOp func,
                            const MatmulKernelSpec &spec,
                            int64_t dynamicSharedBytes = 0);

/// Builds the kernel into `module` and attaches `apex4.kernel_info`.
gpu::GPUFuncOp buildMatmulKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                                 const MatmulKernelSpec &spec);
gpu::GPUFuncOp buildQuantizeKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                                   const QuantizeKernelSpec &spec);

} // namespace mlir::apex4

#endif // APEX4_CONVERSION_APEX4TOGPU_KERNELBUILDERS_H
