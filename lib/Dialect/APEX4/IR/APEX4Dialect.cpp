//===- APEX4Dialect.cpp - apex4 dialect registration ------------------------===//

#include "apex4/Dialect/APEX4/IR/APEX4Dialect.h"
#include "apex4/Dialect/APEX4/IR/APEX4Attrs.h"
#include "apex4/Dialect/APEX4/IR/APEX4Ops.h"

using namespace mlir;
using namespace mlir::apex4;

#include "apex4/Dialect/APEX4/IR/APEX4OpsDialect.cpp.inc"

void APEX4Dialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "apex4/Dialect/APEX4/IR/APEX4Ops.cpp.inc"
      >();
  registerAttributes();
}
