//===- APEX4Dialect.h - apex4 dialect -----------------------------*- C++ -*-===//

#ifndef APEX4_DIALECT_APEX4_IR_APEX4DIALECT_H
#define APEX4_DIALECT_APEX4_IR_APEX4DIALECT_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "apex4/Dialect/APEX4/IR/APEX4OpsDialect.h.inc"

#endif // APEX4_DIALECT_APEX4_IR_APEX4DIALECT_H
