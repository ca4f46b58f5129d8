//===- APEX4ToGPU.cpp - kernels for planned apex4 ops -----------------------===//
//
// Reads the decisions (`plan`, group sizes) and builds one kernel per op; the
// host-side ops stay and point at their kernel with `apex4.kernel`. Identical
// specializations share a kernel.
//
//===----------------------------------------------------------------------===//

#include "apex4/Conversion/APEX4ToGPU/FastMatmulKernel.h"
#include "apex4/Conversion/APEX4ToGPU/KernelBuilders.h"
#include "apex4/Conversion/APEX4ToGPU/SplitKMatmulKernel.h"
#include "apex4/Conversion/APEX4ToGPU/WgmmaMatmulKernel.h"
#include "apex4/Conversion/Passes.h"
#include "apex4/Dialect/APEX4/IR/APEX4Ops.h"

#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::apex4 {
#define GEN_PASS_DEF_CONVERTAPEX4TOGPU
#include "apex4/Conversion/Passes.h.inc"
} // namespace mlir::apex4

using namespace mlir;
using namespace mlir::apex4;

namespace {

constexpr llvm::StringLiteral kKernelModule = "apex4_kernels";

std::string groupName(int64_t group, int64_t k) {
  return group == k ? std::string("pc") : std::to_string(group);
}

std::string typeName(Type type) {
  std::string name;
  llvm::raw_string_ostream os(name);
  type.print(os);
  return name;
}

struct ConvertAPEX4ToGPU
    : mlir::apex4::impl::ConvertAPEX4ToGPUBase<ConvertAPEX4ToGPU> {
  using Base::Base;

  gpu::GPUModuleOp kernelModule(OpBuilder &builder) {
    ModuleOp module = getOperation();
    if (auto existing = module.lookupSymbol<gpu::GPUModuleOp>(kKernelModule))
      return existing;
    builder.setInsertionPointToEnd(module.getBody());
    return gpu::GPUModuleOp::create(builder, module.getLoc(), kKernelModule);
  }

  void pointAt(Operation *op, StringRef kernel) {
    op->setAttr("apex4.kernel",
                SymbolRefAttr::get(op->getContext(), kKernelModule,
                                   {FlatSymbolRefAttr::get(op->getContext(),
                                                           kernel)}));
  }

  LogicalResult convert(MatmulOp op, OpBuilder &builder) {
    PlanAttr plan = op.getPlanAttr();
    if (!plan)
      return op.emitError("apex4.matmul has no plan; run apex4-select-plan "
                          "or attach a #apex4.plan");
    int64_t k = op.getK();
    auto wType = op.getW().getType();
    if (wType.isDynamicDim(0))
      return op.emitError("kernel generation needs a static N");
    MatmulKernelSpec spec;
    spec.n = wType.getDimSize(0);
    spec.k = k;
    spec.aGroup = op.getAGroup().resolve(k);
    spec.wGroup = op.getWGroup().resolve(k);
    spec.outType = op.getType().getElementType();
    spec.plan = plan;
    if (plan.getPath() == MmaPath::S8Wgmma ||
        plan.getPath() == MmaPath::S8WgmmaWreg)
      return convertWgmma(op, spec, builder);
    if (plan.getSplitK() > 1)
      return convertSplitK(op, spec, builder);
    // The fast generator when it can build the plan, else the basic one.
    bool fast = generator == "fast" && !checkFastMatmulSpec(spec, chip);
    if (!fast)
      if (std::optional<std::string> problem = checkMatmulSpec(spec, chip))
        return op.emitError() << "cannot generate a kernel for " << chip
                              << ": " << *problem;
    spec.name = llvm::formatv(
        "apex4_matmul_n{0}_k{1}_a{2}_w{3}_{4}_{5}_{6}_{7}x{8}x{9}_w{10}x{11}_"
        "s{12}_{13}",
        spec.n, k, groupName(spec.aGroup, k), groupName(spec.wGroup, k),
        stringifyMmaPath(plan.getPath()), stringifyConvertMethod(plan.getConvert()),
        stringifyDequantPlacement(plan.getPlacement()), plan.getTileM(),
        plan.getTileN(), plan.getTileK(), plan.getWarpsM(), plan.getWarpsN(),
        plan.getStages(), typeName(spec.outType));
    gpu::GPUModuleOp module = kernelModule(builder);
    if (fast)
      spec.name += "_fast";
    if (!module.lookupSymbol(spec.name)) {
      if (!fast)
        buildMatmulKernel(builder, module, spec);
      else if (failed(buildFastMatmulKernel(builder, module, spec, chip)))
        return op.emitError("fast matmul kernel generation failed");
    }
    pointAt(op, spec.name);
    return success();
  }

  /// Split-K plans (small M) have one generator, whatever `generator` says.
  LogicalResult convertSplitK(MatmulOp op, MatmulKernelSpec &spec,
                              OpBuilder &builder) {
    if (std::optional<std::string> problem = checkSplitKMatmulSpec(spec, chip))
      return op.emitError() << "cannot generate a kernel for " << chip << ": "
                            << *problem;
    PlanAttr plan = spec.plan;
    int64_t k = spec.k;
    spec.name = llvm::formatv(
        "apex4_matmul_n{0}_k{1}_a{2}_w{3}_splitk{4}_{5}x{6}x{7}_s{8}_{9}",
        spec.n, k, groupName(spec.aGroup, k), groupName(spec.wGroup, k),
        plan.getSplitK(), plan.getTileM(), plan.getTileN(), plan.getTileK(),
        plan.getStages(), typeName(spec.outType));
    gpu::GPUModuleOp module = kernelModule(builder);
    if (!module.lookupSymbol(spec.name) &&
        failed(buildSplitKMatmulKernel(builder, module, spec, chip)))
      return op.emitError("split-K matmul kernel generation failed");
    pointAt(op, spec.name);
    return success();
  }

  /// wgmma plans (sm_90a) have one generator, whatever `generator` says;
  /// their K slices (wreg) are the CTAs of a cluster.
  LogicalResult convertWgmma(MatmulOp op, MatmulKernelSpec &spec,
                             OpBuilder &builder) {
    if (std::optional<std::string> problem = checkWgmmaMatmulSpec(spec, chip))
      return op.emitError() << "cannot generate a kernel for " << chip << ": "
                            << *problem;
    PlanAttr plan = spec.plan;
    int64_t k = spec.k;
    spec.name = llvm::formatv(
        "apex4_matmul_n{0}_k{1}_a{2}_w{3}_{4}_{5}_{6}x{7}x{8}_s{9}_{10}",
        spec.n, k, groupName(spec.aGroup, k), groupName(spec.wGroup, k),
        plan.getPath() == MmaPath::S8Wgmma ? "wgmma" : "wgmma_wreg",
        stringifyConvertMethod(plan.getConvert()), plan.getTileM(),
        plan.getTileN(), plan.getTileK(), plan.getStages(),
        typeName(spec.outType));
    if (plan.getSplitK() > 1)
      spec.name += llvm::formatv("_cluster{0}", plan.getSplitK()).str();
    gpu::GPUModuleOp module = kernelModule(builder);
    if (!module.lookupSymbol(spec.name) &&
        failed(buildWgmmaMatmulKernel(builder, module, spec, chip)))
      return op.emitError("wgmma matmul kernel generation failed");
    pointAt(op, spec.name);
    return success();
  }

  LogicalResult convert(QuantizeOp op, OpBuilder &builder) {
    auto type = op.getInput().getType();
    if (type.getRank() != 2)
      return op.emitError("kernel generation handles rank-2 quantize only");
    QuantizeKernelSpec spec;
    spec.k = type.getDimSize(1);
    spec.group = op.getGroup().resolve(spec.k);
    spec.inType = type.getElementType();
    if (std::optional<std::string> problem = checkQuantizeSpec(spec))
      return op.emitError() << "cannot generate a quantization kernel: "
                            << *problem;
    // The activation layout is the consuming matmuls' (INT8 containers for
    // plan path s8_wgmma_wreg); they must agree.
    std::optional<bool> containers;
    for (Operation *user : op.getQuantized().getUsers()) {
      auto matmul = dyn_cast<MatmulOp>(user);
      if (!matmul || matmul.getA() != op.getQuantized())
        continue;
      PlanAttr plan = matmul.getPlanAttr();
      bool wants = plan && plan.getPath() == MmaPath::S8WgmmaWreg;
      if (containers && *containers != wants)
        return op.emitError("its matmuls need different activation layouts "
                            "(packed INT4 and INT8 containers); quantize "
                            "once per layout");
      containers = wants;
    }
    spec.containers = containers.value_or(false);
    spec.name = llvm::formatv("apex4_quantize_k{0}_g{1}_{2}{3}", spec.k,
                              groupName(spec.group, spec.k),
                              typeName(spec.inType),
                              spec.containers ? "_containers" : "");
    gpu::GPUModuleOp module = kernelModule(builder);
    if (!module.lookupSymbol(spec.name))
      buildQuantizeKernel(builder, module, spec);
    pointAt(op, spec.name);
    return success();
  }

  void runOnOperation() override {
    static constexpr llvm::StringLiteral kChips[] = {
        "sm_80", "sm_86", "sm_89", "sm_90", "sm_90a"};
    if (!llvm::is_contained(kChips, StringRef(chip))) {
      getOperation().emitError()
          << "convert-apex4-to-gpu: unsupported chip '" << chip
          << "'; expected one of sm_80, sm_86, sm_89, sm_90, sm_90a";
      return signalPassFailure();
    }
    if (generator != "fast" && generator != "basic") {
      getOperation().emitError()
          << "convert-apex4-to-gpu: unknown generator '" << generator
          << "'; expected fast or basic";
      return signalPassFailure();
    }
    OpBuilder builder(&getContext());
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<MatmulOp, QuantizeOp, LinearOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      LogicalResult converted = success();
      if (auto matmul = dyn_cast<MatmulOp>(op))
        converted = convert(matmul, builder);
      else if (auto quantize = dyn_cast<QuantizeOp>(op))
        converted = convert(quantize, builder);
      else if (isa<LinearOp>(op))
        converted = op->emitError("apex4.linear must be expanded before "
                                  "kernel generation; run apex4-expand-linear");
      if (failed(converted))
        return signalPassFailure();
    }
  }
};

} // namespace
