//===- Pipelines.h - apex4 pass pipelines -------------------------*- C++ -*-===//

#ifndef APEX4_PIPELINES_PIPELINES_H
#define APEX4_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace mlir::apex4 {

/// apex4 ops on tensors -> LLVM dialect that mlir-runner executes on the CPU
/// with the exact reference semantics.
void buildCPUReferencePipeline(OpPassManager &pm);

/// Registers `apex4-cpu-reference` (and the other apex4 pipelines) with the
/// global pass registry.
void registerPipelines();

} // namespace mlir::apex4

#endif // APEX4_PIPELINES_PIPELINES_H
