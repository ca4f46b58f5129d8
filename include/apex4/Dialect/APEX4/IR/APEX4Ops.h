//===- APEX4Ops.h - apex4 operations ------------------------------*- C++ -*-===//

#ifndef APEX4_DIALECT_APEX4_IR_APEX4OPS_H
#define APEX4_DIALECT_APEX4_IR_APEX4OPS_H

#include "apex4/Dialect/APEX4/IR/APEX4Attrs.h"
#include "apex4/Dialect/APEX4/IR/APEX4Dialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "apex4/Dialect/APEX4/IR/APEX4Ops.h.inc"

#endif // APEX4_DIALECT_APEX4_IR_APEX4OPS_H
