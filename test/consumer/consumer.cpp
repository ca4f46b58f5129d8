//===- consumer.cpp - uses the installed apex4 package ----------------------===//
//
// Parses an apex4.linear, expands it, lowers it with the CPU reference
// pipeline and checks that the result is LLVM dialect only.
//
//===----------------------------------------------------------------------===//

#include "apex4/Dialect/APEX4/IR/APEX4Ops.h"
#include "apex4/InitAll.h"
#include "apex4/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

static const char *kModule = R"mlir(
func.func @layer(%x: tensor<4x64xf16>, %w: tensor<8x64xf16>) -> tensor<4x8xf16> {
  %y = apex4.linear %x, %w {a_group = #apex4.group<32>, w_group = #apex4.group<per_channel>}
      : tensor<4x64xf16>, tensor<8x64xf16> -> tensor<4x8xf16>
  return %y : tensor<4x8xf16>
}
)mlir";

int main() {
  mlir::DialectRegistry registry;
  mlir::apex4::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(kModule, &context);
  if (!module) {
    llvm::errs() << "consumer: failed to parse apex4 IR\n";
    return 1;
  }
  int linearOps = 0;
  module->walk([&](mlir::apex4::LinearOp) { ++linearOps; });

  mlir::PassManager pm(&context);
  mlir::apex4::buildCPUReferencePipeline(pm);
  if (mlir::failed(pm.run(*module))) {
    llvm::errs() << "consumer: CPU reference pipeline failed\n";
    return 1;
  }
  int leftover = 0;
  module->walk([&](mlir::Operation *op) {
    if (op->getDialect() &&
        op->getDialect()->getNamespace() != "llvm" &&
        !mlir::isa<mlir::ModuleOp>(op))
      ++leftover;
  });
  llvm::outs() << "consumer: linear ops parsed: " << linearOps
               << ", non-LLVM ops after lowering: " << leftover << "\n";
  return linearOps == 1 && leftover == 0 ? 0 : 1;
}
