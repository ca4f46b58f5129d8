//===- Passes.td - apex4 conversion passes -----------------*- tablegen -*-===//

#ifndef APEX4_CONVERSION_PASSES_TD
#define APEX4_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAPEX4ToReference : Pass<"convert-apex4-to-reference"> {
  let summary = "Lower apex4 ops to linalg on tensors with the exact reference "
                "semantics";
  let description = [{
    The CPU oracle: `apex4.quantize` and `apex4.matmul` become
    `linalg.generic` ops on tensors that compute exactly the semantics of
    docs/architecture.md (INT32 sums per group, f32 scaling in a fixed order,
    one rounding to f16 at the end). `apex4.linear` must be expanded first.
    Bufferized and lowered to loops, the result runs under `mlir-runner`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def ConvertAPEX4ToGPU : Pass<"convert-apex4-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Generate GPU kernels (gpu/nvgpu/nvvm) for planned apex4 ops";
  let description = [{
    For every `apex4.matmul` (which must carry a `#apex4.plan`) and every
    `apex4.quantize`, builds a kernel in the `gpu.module @apex4_kernels` of
    the enclosing module, following the kernel ABI of docs/architecture.md,
    and records it on the op as `apex4.kernel = @apex4_kernels::@<name>`.
    Each kernel carries `apex4.kernel_info`, the launch facts a runtime needs.
    Plans the chip cannot run are diagnosed.
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "Target chip (sm_80, sm_86, sm_89, sm_90, sm_90a)">,
    Option<"generator", "generator", "std::string", /*default=*/"\"fast\"",
           "Matmul kernel generator: 'fast' (swizzled shared memory, "
           "ldmatrix.x4 prefetched across the K-tile barrier, 3-op unpack, "
           "FMA dequantization; plans it cannot build fall back to 'basic') "
           "or 'basic'">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // APEX4_CONVERSION_PASSES_TD
