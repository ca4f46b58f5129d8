//===- Passes.h - apex4 conversion passes -------------------------*- C++ -*-===//

#ifndef APEX4_CONVERSION_PASSES_H
#define APEX4_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::apex4 {

#define GEN_PASS_DECL
#include "apex4/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "apex4/Conversion/Passes.h.inc"

} // namespace mlir::apex4

#endif // APEX4_CONVERSION_PASSES_H
