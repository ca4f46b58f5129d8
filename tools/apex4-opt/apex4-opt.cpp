//===- apex4-opt.cpp - the apex4 optimizer driver ---------------------------===//

#include "apex4/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::apex4::registerAllDialects(registry);
  mlir::apex4::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "apex4 optimizer driver\n", registry));
}
