//===- APEX4ToReference.cpp - apex4 -> linalg reference semantics -----------===//
//
// The CPU oracle. Every rounding step of docs/architecture.md appears here
// explicitly, in the documented order, so that the bufferized loops computed
// by mlir-runner are bit-identical to python/apex4/reference.py.
//
//===----------------------------------------------------------------------===//

#include "apex4/Conversion/Passes.h"
#include "apex4/Dialect/APEX4/IR/APEX4Ops.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::apex4 {
#define GEN_PASS_DEF_CONVERTAPEX4TOREFERENCE
#include "apex4/Conversion/Passes.h.inc"
} // namespace mlir::apex4

using namespace mlir;
using namespace mlir::apex4;

namespace {

using utils::IteratorType;

/// The sizes of `value`'s dimensions as index values (dynamic ones read with
/// tensor.dim) next to its static shape.
SmallVector<OpFoldResult> mixedSizes(OpBuilder &b, Location loc, Value value) {
  SmallVector<OpFoldResult> sizes;
  auto type = cast<RankedTensorType>(value.getType());
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (type.isDynamicDim(i))
      sizes.push_back(tensor::DimOp::create(b, loc, value, i).getResult());
    else
      sizes.push_back(b.getIndexAttr(type.getDimSize(i)));
  }
  return sizes;
}

/// An empty tensor of `sizes` filled with `fill`.
Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Type elementType, TypedAttr fill) {
  Value empty = tensor::EmptyOp::create(b, loc, sizes, elementType);
  Value scalar = arith::ConstantOp::create(b, loc, fill);
  return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
}

/// Splits the last dimension of `value` (`[..., K]`) into `[..., K/g, g]`.
Value splitLastDim(OpBuilder &b, Location loc, Value value, int64_t group) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape(type.getShape().drop_back());
  shape.push_back(type.getShape().back() / group);
  shape.push_back(group);
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t i = 0; i + 1 < rank; ++i)
    reassociation.push_back({i});
  reassociation.push_back({rank - 1, rank});
  auto expandedType = RankedTensorType::get(shape, type.getElementType());
  return tensor::ExpandShapeOp::create(b, loc, expandedType, value,
                                       reassociation);
}

/// Undoes splitLastDim.
Value joinLastDims(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rank = type.getRank();
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t i = 0; i + 2 < rank; ++i)
    reassociation.push_back({i});
  reassociation.push_back({rank - 2, rank - 1});
  return tensor::CollapseShapeOp::create(b, loc, value, reassociation);
}

Value f32Constant(OpBuilder &b, Location loc, float value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value toF32(OpBuilder &b, Location loc, Value value) {
  if (value.getType().isF32())
    return value;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), value);
}

/// apex4.quantize -> absmax reduction, scale division, rounding.
LogicalResult lowerQuantize(RewriterBase &rewriter, QuantizeOp op) {
  OpBuilder &b = rewriter;
  Location loc = op.getLoc();
  RankedTensorType inputType = op.getInput().getType();
  int64_t rank = inputType.getRank();
  int64_t k = inputType.getShape().back();
  int64_t group = op.getGroup().resolve(k);

  // Loops: the leading dims, the group index, the position in the group.
  Value grouped = splitLastDim(b, loc, op.getInput(), group);
  SmallVector<OpFoldResult> groupedSizes = mixedSizes(b, loc, grouped);
  ArrayRef<OpFoldResult> scaleSizes =
      ArrayRef<OpFoldResult>(groupedSizes).drop_back();
  MLIRContext *ctx = b.getContext();
  AffineMap all = AffineMap::getMultiDimIdentityMap(rank + 1, ctx);
  AffineMap perGroup = all.dropResult(rank);
  SmallVector<IteratorType> reduceInGroup(rank, IteratorType::parallel);
  reduceInGroup.push_back(IteratorType::reduction);
  SmallVector<IteratorType> everyElement(rank + 1, IteratorType::parallel);

  Value zeroAmax = filledTensor(b, loc, scaleSizes, b.getF32Type(),
                                b.getF32FloatAttr(0.0f));
  Value amax =
      linalg::GenericOp::create(
          b, loc, zeroAmax.getType(), ValueRange{grouped}, ValueRange{zeroAmax},
          ArrayRef<AffineMap>{all, perGroup}, reduceInGroup,
          [](OpBuilder &nb, Location nloc, ValueRange args) {
            Value magnitude =
                math::AbsFOp::create(nb, nloc, toF32(nb, nloc, args[0]));
            // maxnum: NaN elements do not poison the group's scale.
            Value max = arith::MaxNumFOp::create(nb, nloc, args[1], magnitude);
            linalg::YieldOp::create(nb, nloc, max);
          })
          .getResult(0);

  Value emptyScales = tensor::EmptyOp::create(b, loc, scaleSizes, b.getF32Type());
  AffineMap scaleIdentity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  Value scales =
      linalg::GenericOp::create(
          b, loc, emptyScales.getType(), ValueRange{amax},
          ValueRange{emptyScales},
          ArrayRef<AffineMap>{scaleIdentity, scaleIdentity},
          SmallVector<IteratorType>(rank, IteratorType::parallel),
          [](OpBuilder &nb, Location nloc, ValueRange args) {
            Value scale = arith::DivFOp::create(nb, nloc, args[0],
                                                f32Constant(nb, nloc, 7.0f));
            linalg::YieldOp::create(nb, nloc, scale);
          })
          .getResult(0);

  Type i4 = b.getIntegerType(4);
  Value emptyQuantized = tensor::EmptyOp::create(b, loc, groupedSizes, i4);
  Value quantized =
      linalg::GenericOp::create(
          b, loc, emptyQuantized.getType(), ValueRange{grouped, scales},
          ValueRange{emptyQuantized}, ArrayRef<AffineMap>{all, perGroup, all},
          everyElement,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value ratio = arith::DivFOp::create(
                nb, nloc, toF32(nb, nloc, args[0]), args[1]);
            Value isNaN = arith::CmpFOp::create(
                nb, nloc, arith::CmpFPredicate::UNO, ratio, ratio);
            Value rounded = math::RoundEvenOp::create(nb, nloc, ratio);
            Value clamped = arith::MinimumFOp::create(
                nb, nloc,
                arith::MaximumFOp::create(nb, nloc, rounded,
                                          f32Constant(nb, nloc, -8.0f)),
                f32Constant(nb, nloc, 7.0f));
            Value asI32 =
                arith::FPToSIOp::create(nb, nloc, nb.getI32Type(), clamped);
            Value asI4 = arith::TruncIOp::create(nb, nloc, i4, asI32);
            Value zero = arith::ConstantOp::create(
                nb, nloc, nb.getIntegerAttr(i4, 0));
            linalg::YieldOp::create(
                nb, nloc,
                arith::SelectOp::create(nb, nloc, isNaN, zero, asI4)
                    .getResult());
          })
          .getResult(0);

  Value result = joinLastDims(b, loc, quantized);
  // Dynamic leading dims come back as a dynamic shape; match the op's type.
  if (result.getType() != op.getQuantized().getType())
    result = tensor::CastOp::create(b, loc, op.getQuantized().getType(), result);
  if (scales.getType() != op.getScales().getType())
    scales = tensor::CastOp::create(b, loc, op.getScales().getType(), scales);
  rewriter.replaceOp(op, ValueRange{result, scales});
  return success();
}

/// apex4.matmul -> INT32 sums per fine group, then the f32 scale reduction
/// over the groups in order, then (for f16) one final rounding.
LogicalResult lowerMatmul(RewriterBase &rewriter, MatmulOp op) {
  OpBuilder &b = rewriter;
  Location loc = op.getLoc();
  MLIRContext *ctx = b.getContext();
  int64_t k = op.getK();
  int64_t aGroup = op.getAGroup().resolve(k);
  int64_t wGroup = op.getWGroup().resolve(k);
  int64_t fine = std::min(aGroup, wGroup);

  Value a = splitLastDim(b, loc, op.getA(), fine);
  Value w = splitLastDim(b, loc, op.getW(), fine);
  SmallVector<OpFoldResult> aSizes = mixedSizes(b, loc, a);
  SmallVector<OpFoldResult> wSizes = mixedSizes(b, loc, w);
  OpFoldResult m = aSizes[0], n = wSizes[0], groups = aSizes[1];

  AffineExpr dm, dn, dj, dk;
  bindDims(ctx, dm, dn, dj, dk);
  Value zeroSums = filledTensor(b, loc, {m, n, groups}, b.getI32Type(),
                                b.getI32IntegerAttr(0));
  Value sums =
      linalg::GenericOp::create(
          b, loc, zeroSums.getType(), ValueRange{a, w}, ValueRange{zeroSums},
          ArrayRef<AffineMap>{AffineMap::get(4, 0, {dm, dj, dk}, ctx),
                              AffineMap::get(4, 0, {dn, dj, dk}, ctx),
                              AffineMap::get(4, 0, {dm, dn, dj}, ctx)},
          SmallVector<IteratorType>{IteratorType::parallel,
                                    IteratorType::parallel,
                                    IteratorType::parallel,
                                    IteratorType::reduction},
          [](OpBuilder &nb, Location nloc, ValueRange args) {
            Type i32 = nb.getI32Type();
            Value product = arith::MulIOp::create(
                nb, nloc, arith::ExtSIOp::create(nb, nloc, i32, args[0]),
                arith::ExtSIOp::create(nb, nloc, i32, args[1]));
            linalg::YieldOp::create(
                nb, nloc, arith::AddIOp::create(nb, nloc, args[2], product)
                              .getResult());
          })
          .getResult(0);

  // Fine group j uses coarse scale column j / (coarse / fine).
  AffineExpr gm, gn, gj;
  bindDims(ctx, gm, gn, gj);
  Value zeroAcc = filledTensor(b, loc, {m, n}, b.getF32Type(),
                               b.getF32FloatAttr(0.0f));
  Value acc =
      linalg::GenericOp::create(
          b, loc, zeroAcc.getType(),
          ValueRange{sums, op.getAScales(), op.getWScales()},
          ValueRange{zeroAcc},
          ArrayRef<AffineMap>{
              AffineMap::get(3, 0, {gm, gn, gj}, ctx),
              AffineMap::get(3, 0, {gm, gj.floorDiv(aGroup / fine)}, ctx),
              AffineMap::get(3, 0, {gn, gj.floorDiv(wGroup / fine)}, ctx),
              AffineMap::get(3, 0, {gm, gn}, ctx)},
          SmallVector<IteratorType>{IteratorType::parallel,
                                    IteratorType::parallel,
                                    IteratorType::reduction},
          [](OpBuilder &nb, Location nloc, ValueRange args) {
            Value scale = arith::MulFOp::create(nb, nloc, args[1], args[2]);
            Value partial = arith::SIToFPOp::create(nb, nloc, nb.getF32Type(),
                                                    args[0]);
            Value term = arith::MulFOp::create(nb, nloc, partial, scale);
            linalg::YieldOp::create(
                nb, nloc,
                arith::AddFOp::create(nb, nloc, args[3], term).getResult());
          })
          .getResult(0);

  Value result = acc;
  Type resultElement = op.getType().getElementType();
  if (!resultElement.isF32()) {
    Value empty = tensor::EmptyOp::create(b, loc, {m, n}, resultElement);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
    result = linalg::GenericOp::create(
                 b, loc, empty.getType(), ValueRange{acc}, ValueRange{empty},
                 ArrayRef<AffineMap>{identity, identity},
                 SmallVector<IteratorType>(2, IteratorType::parallel),
                 [&](OpBuilder &nb, Location nloc, ValueRange args) {
                   linalg::YieldOp::create(
                       nb, nloc,
                       arith::TruncFOp::create(nb, nloc, resultElement, args[0])
                           .getResult());
                 })
                 .getResult(0);
  }
  if (result.getType() != op.getType())
    result = tensor::CastOp::create(b, loc, op.getType(), result);
  rewriter.replaceOp(op, result);
  return success();
}

struct ConvertAPEX4ToReference
    : apex4::impl::ConvertAPEX4ToReferenceBase<ConvertAPEX4ToReference> {
  using Base::Base;

  void runOnOperation() override {
    WalkResult linear = getOperation()->walk([](LinearOp op) {
      op.emitError("apex4.linear must be expanded before the reference "
                   "lowering; run apex4-expand-linear first");
      return WalkResult::interrupt();
    });
    if (linear.wasInterrupted())
      return signalPassFailure();

    IRRewriter rewriter(&getContext());
    SmallVector<Operation *> worklist;
    getOperation()->walk([&](Operation *op) {
      if (isa<QuantizeOp, MatmulOp>(op))
        worklist.push_back(op);
    });
    for (Operation *op : worklist) {
      rewriter.setInsertionPoint(op);
      LogicalResult lowered =
          isa<QuantizeOp>(op) ? lowerQuantize(rewriter, cast<QuantizeOp>(op))
                              : lowerMatmul(rewriter, cast<MatmulOp>(op));
      if (failed(lowered))
        return signalPassFailure();
    }
  }
};

} // namespace
