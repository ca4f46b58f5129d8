//===- GPU.cpp - apex4 -> PTX/cubin pipeline --------------------------------===//

#include "apex4/Conversion/Passes.h"
#include "apex4/Dialect/APEX4/Transforms/Passes.h"
#include "apex4/Pipelines/Pipelines.h"

#include "apex4/Target/GPUTarget.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

std::string mlir::apex4::resolveChip(const GPUPipelineOptions &options,
                                     std::string &error) {
  if (!options.chip.empty())
    return options.chip;
  llvm::Expected<::apex4::GPUTarget> target =
      options.targetFile.empty() ? ::apex4::lookupTarget(options.target)
                                 : ::apex4::loadTargetFile(options.targetFile);
  if (!target) {
    error = llvm::toString(target.takeError());
    return "";
  }
  return target->chip;
}

void mlir::apex4::buildPlanAndKernelPipeline(OpPassManager &pm,
                                             const GPUPipelineOptions &options) {
  // Decide: a plan (and resolved granularity) for every matmul.
  APEX4SelectPlanOptions plan;
  plan.targetName = options.target;
  plan.targetFile = options.targetFile;
  plan.assumedM = options.assumedM;
  pm.addPass(createAPEX4SelectPlan(plan));
  // Apply: linear -> quantize + matmul, then one kernel per op.
  pm.addPass(createAPEX4ExpandLinear());
  ConvertAPEX4ToGPUOptions kernels;
  // An unknown target leaves the chip empty; select-plan reports the target.
  std::string error;
  kernels.chip = resolveChip(options, error);
  pm.addPass(createConvertAPEX4ToGPU(kernels));
}

void mlir::apex4::buildKernelToBinaryPipeline(
    OpPassManager &pm, const GPUPipelineOptions &options) {
  // Kernel bodies -> NVVM + LLVM. Written out step by step because
  // gpu-lower-to-nvvm-pipeline does not handle n-D vector.bitcast.
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createConvertNVGPUToNVVMPass());
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(createConvertVectorToLLVMPass());
  // Also lowers arith, math, memref, index and cf through the dialects'
  // ConvertToLLVM interfaces (registered in registerAllDialects). Kernel
  // parameters are bare pointers, as the runtime passes them.
  ConvertGpuOpsToNVVMOpsOptions toNVVM;
  toNVVM.useBarePtrCallConv = true;
  kernels.addPass(createConvertGpuOpsToNVVMOps(toNVVM));
  kernels.addPass(createConvertNVVMToLLVMPass());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  // Target attribute, then PTX in-process (ptxas is run by apex4-compile).
  GpuNVVMAttachTargetOptions target;
  std::string error;
  target.chip = resolveChip(options, error);
  target.features = options.ptxFeatures;
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void mlir::apex4::buildAPEX4ToPTXPipeline(OpPassManager &pm,
                                          const GPUPipelineOptions &options) {
  buildPlanAndKernelPipeline(pm, options);
  buildKernelToBinaryPipeline(pm, options);
}
