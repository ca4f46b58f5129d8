//===- APEX4Attrs.h - apex4 attributes ----------------------------*- C++ -*-===//

#ifndef APEX4_DIALECT_APEX4_IR_APEX4ATTRS_H
#define APEX4_DIALECT_APEX4_IR_APEX4ATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

#include "apex4/Dialect/APEX4/IR/APEX4Enums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "apex4/Dialect/APEX4/IR/APEX4Attrs.h.inc"

#endif // APEX4_DIALECT_APEX4_IR_APEX4ATTRS_H
