//===- Passes.h - apex4 -> apex4 passes ---------------------------*- C++ -*-===//

#ifndef APEX4_DIALECT_APEX4_TRANSFORMS_PASSES_H
#define APEX4_DIALECT_APEX4_TRANSFORMS_PASSES_H

#include "apex4/Dialect/APEX4/IR/APEX4Ops.h"
#include "mlir/Pass/Pass.h"

namespace mlir::apex4 {

#define GEN_PASS_DECL
#include "apex4/Dialect/APEX4/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "apex4/Dialect/APEX4/Transforms/Passes.h.inc"

} // namespace mlir::apex4

#endif // APEX4_DIALECT_APEX4_TRANSFORMS_PASSES_H
