//===- SelectPlan.cpp - choose a plan per matmul with the cost model --------===//
//
// Decide, then apply: this pass only writes `plan` (and resolves 'auto'
// granularities); the lowering passes read it.
//
//===----------------------------------------------------------------------===//

#include "apex4/Dialect/APEX4/Transforms/Passes.h"
#include "apex4/Target/CostModel.h"
#include "apex4/Target/GPUTarget.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::apex4 {
#define GEN_PASS_DEF_APEX4SELECTPLAN
#include "apex4/Dialect/APEX4/Transforms/Passes.h.inc"
} // namespace mlir::apex4

using namespace mlir;
using namespace mlir::apex4;

namespace {

/// The cost model's group encoding (0 = per-channel) for an op granularity.
std::optional<int64_t> modelGroup(GroupAttr group) {
  if (group.isAuto())
    return std::nullopt;
  return group.isPerChannel() ? int64_t(0) : group.getSize();
}

GroupAttr groupAttr(MLIRContext *ctx, int64_t modelGroupSize) {
  return modelGroupSize == 0 ? GroupAttr::getPerChannel(ctx)
                             : GroupAttr::get(ctx, modelGroupSize);
}

std::string describeGroup(int64_t modelGroupSize) {
  return modelGroupSize == 0 ? std::string("per_channel")
                             : std::to_string(modelGroupSize);
}

std::string describe(const ::apex4::RankedPlan &ranked) {
  const ::apex4::PlanCandidate &p = ranked.plan;
  const ::apex4::Prediction &t = ranked.prediction;
  return llvm::formatv(
      "a_group={0} w_group={1} {2} {3} {4} tile={5}x{6}x{7} warps={8}x{9} "
      "stages={10} split_k={11}: {12:F1} us, {13:F2}x FP16, {14} bound",
      describeGroup(p.aGroup), describeGroup(p.wGroup),
      ::apex4::stringify(p.placement), ::apex4::stringify(p.convert),
      ::apex4::stringify(p.path), p.tileM, p.tileN, p.tileK, p.warpsM,
      p.warpsN, p.stages, p.splitK, t.totalUs, t.fp16Us / t.totalUs,
      t.bottleneck);
}

/// The weights as floats when they are a constant in the IR.
std::optional<std::vector<float>> constantWeights(Value weight) {
  DenseElementsAttr dense;
  if (auto constant = weight.getDefiningOp<arith::ConstantOp>())
    dense = dyn_cast<DenseElementsAttr>(constant.getValue());
  if (!dense || !isa<FloatType>(dense.getElementType()))
    return std::nullopt;
  std::vector<float> values;
  values.reserve(dense.getNumElements());
  for (APFloat v : dense.getValues<APFloat>()) {
    bool lossy = false;
    v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lossy);
    values.push_back(v.convertToFloat());
  }
  return values;
}

struct APEX4SelectPlan
    : mlir::apex4::impl::APEX4SelectPlanBase<APEX4SelectPlan> {
  using Base::Base;

  /// Resolves the target from the options, the module, or the default.
  FailureOr<::apex4::GPUTarget> resolveTarget() {
    llvm::Expected<::apex4::GPUTarget> target = [&] {
      if (!targetFile.empty())
        return ::apex4::loadTargetFile(targetFile);
      std::string name = targetName;
      if (name.empty()) {
        Operation *module = getOperation();
        if (!isa<ModuleOp>(module))
          module = module->getParentOfType<ModuleOp>();
        if (auto attr = module ? module->getAttrOfType<StringAttr>(
                                     "apex4.target")
                               : StringAttr())
          name = attr.str();
        else
          name = "h100";
      }
      return ::apex4::lookupTarget(name);
    }();
    if (!target) {
      getOperation()->emitError()
          << "apex4-select-plan: " << llvm::toString(target.takeError());
      return failure();
    }
    return std::move(*target);
  }

  LogicalResult planOp(Operation *op, const ::apex4::GPUTarget &target) {
    auto linear = dyn_cast<LinearOp>(op);
    auto matmul = dyn_cast<MatmulOp>(op);
    auto lhsType = cast<RankedTensorType>(op->getOperand(0).getType());
    auto rhsType = cast<RankedTensorType>(
        op->getOperand(linear ? 1 : 2).getType());
    int64_t m = lhsType.isDynamicDim(0) ? int64_t(assumedM)
                                         : lhsType.getDimSize(0);
    if (rhsType.isDynamicDim(0))
      return op->emitError("apex4-select-plan needs a static N (weight rows)");
    ::apex4::MatmulShape shape{m, rhsType.getDimSize(0),
                               lhsType.getDimSize(1)};

    GroupAttr aGroup = linear ? linear.getAGroup() : matmul.getAGroup();
    GroupAttr wGroup = linear ? linear.getWGroup() : matmul.getWGroup();
    // A plan written by hand (or by an earlier run) is kept.
    if (op->hasAttr("plan") && !aGroup.isAuto() && !wGroup.isAuto())
      return success();
    ::apex4::PlanConstraints constraints;
    constraints.aGroup = modelGroup(aGroup);
    constraints.wGroup = modelGroup(wGroup);
    constraints.finestGroup = finestGroup;
    constraints.coarsestGroup = coarsestGroup;

    // Accuracy guard: measure constant weights at every candidate group.
    std::optional<std::vector<float>> weights;
    if (linear && wGroup.isAuto() && minSqnrDb > 0.0)
      weights = constantWeights(linear.getWeight());

    std::vector<::apex4::RankedPlan> ranked =
        ::apex4::rankPlans(target, shape, constraints);
    std::map<int64_t, double> sqnrByGroup;
    if (weights) {
      llvm::erase_if(ranked, [&](const ::apex4::RankedPlan &r) {
        auto [it, inserted] = sqnrByGroup.try_emplace(r.plan.wGroup, 0.0);
        if (inserted)
          it->second = ::apex4::int4QuantSqnrDb(*weights, shape.n, shape.k,
                                                r.plan.wGroup);
        return it->second < minSqnrDb;
      });
    }
    auto chosen = llvm::find_if(ranked, [&](const ::apex4::RankedPlan &r) {
      return r.plan.codegenSupported &&
             ::apex4::targetSupports(target, r.plan.path);
    });
    if (chosen == ranked.end()) {
      InFlightDiagnostic diag = op->emitError()
                                << "apex4-select-plan: no plan for "
                                << shape.m << "x" << shape.n << "x" << shape.k
                                << " on " << target.name
                                << " that the code generator can build";
      if (weights)
        diag << " within the weight SQNR budget of "
             << llvm::formatv("{0:F1}", double(minSqnrDb)).str() << " dB";
      return diag;
    }

    MLIRContext *ctx = op->getContext();
    const ::apex4::PlanCandidate &p = chosen->plan;
    auto plan = PlanAttr::get(
        ctx, *symbolizeDequantPlacement(::apex4::stringify(p.placement)),
        *symbolizeConvertMethod(::apex4::stringify(p.convert)),
        *symbolizeMmaPath(::apex4::stringify(p.path)),
        {p.tileM, p.tileN, p.tileK}, {p.warpsM, p.warpsN}, p.stages,
        p.splitK);
    // A plan measured on the device for these groups wins over the model.
    const ::apex4::TunedPlan *tuned =
        useTunedPlans ? target.findTunedPlan(shape.m, shape.n, shape.k,
                                             p.aGroup, p.wGroup)
                      : nullptr;
    if (tuned) {
      auto parsed = dyn_cast_or_null<PlanAttr>(parseAttribute(tuned->plan, ctx));
      if (!parsed)
        return op->emitError()
               << "apex4-select-plan: target " << target.name
               << " has a tuned plan for " << shape.n << "x" << shape.k
               << " that is not an #apex4.plan: " << tuned->plan;
      plan = parsed;
    }
    op->setAttr("plan", plan);
    if (linear) {
      linear.setAGroupAttr(groupAttr(ctx, p.aGroup));
      linear.setWGroupAttr(groupAttr(ctx, p.wGroup));
    }

    if (explain) {
      InFlightDiagnostic remark = op->emitRemark();
      remark << "apex4-select-plan on " << target.name << " for " << shape.m
             << "x" << shape.n << "x" << shape.k << ": chose "
             << describe(*chosen) << ". " << chosen->prediction.explanation;
      if (tuned)
        remark << "\n  replaced by the target's tuned plan for M "
               << tuned->mMin << ".." << tuned->mMax << " (measured "
               << llvm::formatv("{0:F1}", tuned->measuredUs).str()
               << " us): " << tuned->plan;
      for (auto [group, sqnr] : sqnrByGroup)
        remark << "\n  weight SQNR at group " << describeGroup(group) << ": "
               << llvm::formatv("{0:F1}", sqnr).str() << " dB";
      remark << "\n  ranked candidates:";
      for (auto [index, candidate] :
           llvm::enumerate(llvm::ArrayRef(ranked).take_front(8)))
        remark << "\n  #" << index + 1 << " " << describe(candidate)
               << (candidate.plan.codegenSupported ? "" : " (no codegen yet)");
    }
    return success();
  }

  void runOnOperation() override {
    FailureOr<::apex4::GPUTarget> target = resolveTarget();
    if (failed(target))
      return signalPassFailure();
    WalkResult result = getOperation()->walk([&](Operation *op) {
      if (!isa<LinearOp, MatmulOp>(op))
        return WalkResult::advance();
      return failed(planOp(op, *target)) ? WalkResult::interrupt()
                                         : WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
