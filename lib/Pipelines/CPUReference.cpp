//===- CPUReference.cpp - the CPU oracle pipeline ---------------------------===//

#include "apex4/Conversion/Passes.h"
#include "apex4/Dialect/APEX4/Transforms/Passes.h"
#include "apex4/Pipelines/Pipelines.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

void mlir::apex4::buildCPUReferencePipeline(OpPassManager &pm) {
  // apex4 -> linalg on tensors, with every rounding step explicit.
  pm.addPass(createAPEX4ExpandLinear());
  pm.addPass(createConvertAPEX4ToReference());
  // Elementwise arith on tensors (test drivers widen i4 results to print).
  pm.addPass(createConvertElementwiseToLinalgPass());
  // Tensors -> buffers, across function boundaries so that test drivers can
  // pass memrefs to the runner's print functions.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Sequential loops: the group reduction keeps its documented order.
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // Everything to the LLVM dialect.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::apex4::registerPipelines() {
  PassPipelineRegistration<>(
      "apex4-cpu-reference",
      "Lower apex4 ops to LLVM for exact execution on the CPU (mlir-runner)",
      buildCPUReferencePipeline);
  PassPipelineRegistration<GPUPipelineOptions>(
      "apex4-to-ptx",
      "Plan, generate kernels and compile them to PTX (gpu.binary) for a "
      "target GPU",
      buildAPEX4ToPTXPipeline);
}
