//===- emit_fast_kernel.cpp - print one buildFastMatmulKernel kernel -------===//
//
// Development harness (not part of the build): builds one kernel with
// buildFastMatmulKernel and prints the module, so it can be lowered with the
// explicit pipeline and run on the GPU without going through the pass.
//
//   emit_fast_kernel N K A_GROUP W_GROUP OUT_TYPE PLAN CHIP NAME
//   (groups: 0 = per-channel; PLAN: '#apex4.plan<...>')
//
//===----------------------------------------------------------------------===//

#include "apex4/Conversion/APEX4ToGPU/FastMatmulKernel.h"
#include "apex4/InitAll.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

int main(int argc, char **argv) {
  if (argc != 9) {
    llvm::errs() << "usage: emit_fast_kernel N K A_GROUP W_GROUP OUT PLAN CHIP NAME\n";
    return 2;
  }
  DialectRegistry registry;
  apex4::registerAllDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  apex4::MatmulKernelSpec spec;
  spec.n = std::stoll(argv[1]);
  spec.k = std::stoll(argv[2]);
  spec.aGroup = std::stoll(argv[3]) ? std::stoll(argv[3]) : spec.k;
  spec.wGroup = std::stoll(argv[4]) ? std::stoll(argv[4]) : spec.k;
  OpBuilder b(&ctx);
  spec.outType = StringRef(argv[5]) == "f32" ? b.getF32Type() : b.getF16Type();
  spec.plan = dyn_cast_or_null<apex4::PlanAttr>(parseAttribute(argv[6], &ctx));
  if (!spec.plan) {
    llvm::errs() << "cannot parse plan\n";
    return 2;
  }
  spec.name = argv[8];
  if (auto why = apex4::checkFastMatmulSpec(spec, argv[7])) {
    llvm::errs() << "rejected: " << *why << "\n";
    return 1;
  }
  Location loc = UnknownLoc::get(&ctx);
  auto module = ModuleOp::create(loc);
  module->setAttr("gpu.container_module", b.getUnitAttr());
  b.setInsertionPointToEnd(module.getBody());
  auto gpuModule = gpu::GPUModuleOp::create(b, loc, "apex4_kernels");
  if (failed(apex4::buildFastMatmulKernel(b, gpuModule, spec, argv[7])))
    return 1;
  if (failed(verify(module))) {
    module.print(llvm::errs());
    return 1;
  }
  module.print(llvm::outs());
  return 0;
}
