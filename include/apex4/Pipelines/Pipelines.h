//===- Pipelines.h - apex4 pass pipelines -------------------------*- C++ -*-===//

#ifndef APEX4_PIPELINES_PIPELINES_H
#define APEX4_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::apex4 {

/// apex4 ops on tensors -> LLVM dialect that mlir-runner executes on the CPU
/// with the exact reference semantics.
void buildCPUReferencePipeline(OpPassManager &pm);

struct GPUPipelineOptions : public PassPipelineOptions<GPUPipelineOptions> {
  PassOptions::Option<std::string> target{
      *this, "target",
      llvm::cl::desc("Built-in GPU description the cost model plans for"),
      llvm::cl::init("h100")};
  PassOptions::Option<std::string> targetFile{
      *this, "target-file",
      llvm::cl::desc("GPU description JSON file (overrides target)"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("NVVM chip for the kernels (default: the target's)"),
      llvm::cl::init("")};
  PassOptions::Option<int64_t> assumedM{
      *this, "assumed-m",
      llvm::cl::desc("Rows the planner assumes for a dynamic M (16: decode)"),
      llvm::cl::init(4096)};
  PassOptions::Option<std::string> ptxFeatures{
      *this, "features", llvm::cl::desc("NVPTX features (PTX ISA version)"),
      llvm::cl::init("+ptx80")};
};

/// The chip to build for: the `chip` option, else the target description's.
/// Fails (with a message in `error`) for an unknown target.
std::string resolveChip(const GPUPipelineOptions &options, std::string &error);

/// Plan selection, linear expansion and kernel generation: the module then
/// holds `gpu.module @apex4_kernels` with one kernel per apex4 op.
void buildPlanAndKernelPipeline(OpPassManager &pm,
                                const GPUPipelineOptions &options);

/// The generated `gpu.module`s -> `gpu.binary` holding PTX.
void buildKernelToBinaryPipeline(OpPassManager &pm,
                                 const GPUPipelineOptions &options);

/// Both of the above: apex4 ops -> PTX for the chosen target.
void buildAPEX4ToPTXPipeline(OpPassManager &pm,
                             const GPUPipelineOptions &options);

/// Registers `apex4-cpu-reference` and `apex4-to-ptx` with the global pass
/// registry.
void registerPipelines();

} // namespace mlir::apex4

#endif // APEX4_PIPELINES_PIPELINES_H
