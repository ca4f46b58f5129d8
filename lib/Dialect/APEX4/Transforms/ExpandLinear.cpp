//===- ExpandLinear.cpp - apex4.linear -> quantize + matmul -----------------===//

#include "apex4/Dialect/APEX4/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::apex4 {
#define GEN_PASS_DEF_APEX4EXPANDLINEAR
#include "apex4/Dialect/APEX4/Transforms/Passes.h.inc"
} // namespace mlir::apex4

using namespace mlir;
using namespace mlir::apex4;

namespace {

/// Quantizes `value` (`rows x K`) and returns the INT4 tensor and its scales.
std::pair<Value, Value> quantize(OpBuilder &builder, Location loc, Value value,
                                 GroupAttr group) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t k = type.getDimSize(1);
  auto quantizedType =
      RankedTensorType::get(type.getShape(), builder.getIntegerType(4));
  auto scalesType = RankedTensorType::get(
      {type.getDimSize(0), k / group.resolve(k)}, builder.getF32Type());
  auto op = QuantizeOp::create(builder, loc, quantizedType, scalesType, value,
                               group);
  return {op.getQuantized(), op.getScales()};
}

struct ExpandLinearPattern : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getAGroup().isAuto() || op.getWGroup().isAuto())
      return failure();
    Location loc = op.getLoc();
    auto [a, aScales] = quantize(rewriter, loc, op.getInput(), op.getAGroup());
    auto [w, wScales] = quantize(rewriter, loc, op.getWeight(), op.getWGroup());
    auto matmul = MatmulOp::create(rewriter, loc, op.getType(), a, aScales, w,
                                   wScales, op.getAGroup(), op.getWGroup(),
                                   op.getPlanAttr());
    rewriter.replaceOp(op, matmul.getResult());
    return success();
  }
};

struct APEX4ExpandLinear
    : apex4::impl::APEX4ExpandLinearBase<APEX4ExpandLinear> {
  using Base::Base;

  void runOnOperation() override {
    WalkResult unresolved = getOperation()->walk([](LinearOp op) {
      if (!op.getAGroup().isAuto() && !op.getWGroup().isAuto())
        return WalkResult::advance();
      op.emitError("granularity 'auto' must be resolved before expansion; "
                   "run apex4-select-plan first");
      return WalkResult::interrupt();
    });
    if (unresolved.wasInterrupted())
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandLinearPattern>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
