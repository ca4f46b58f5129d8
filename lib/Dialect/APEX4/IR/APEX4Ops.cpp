//===- APEX4Ops.cpp - apex4 operations and their verifiers ------------------===//

#include "apex4/Dialect/APEX4/IR/APEX4Ops.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::apex4;

namespace {

/// Prints a shape as `[a, b, ?]` in diagnostics.
std::string shapeString(ArrayRef<int64_t> shape) {
  std::string result = "[";
  llvm::raw_string_ostream os(result);
  llvm::interleaveComma(shape, os, [&](int64_t dim) {
    if (ShapedType::isDynamic(dim))
      os << '?';
    else
      os << dim;
  });
  os << ']';
  return result;
}

/// Two extents agree unless both are static and differ.
bool compatible(int64_t lhs, int64_t rhs) {
  return ShapedType::isDynamic(lhs) || ShapedType::isDynamic(rhs) ||
         lhs == rhs;
}

/// Checks that `group` is usable on a reduction dimension of `k` values.
LogicalResult verifyGroup(Operation *op, StringRef name, GroupAttr group,
                          int64_t k, bool allowAuto) {
  if (group.isAuto()) {
    if (allowAuto)
      return success();
    return op->emitOpError() << name
                             << " is 'auto'; only apex4.linear accepts "
                                "'auto', run apex4-select-plan first";
  }
  if (group.isPerChannel())
    return success();
  if (k % group.getSize() != 0)
    return op->emitOpError() << name << " " << group.getSize()
                             << " does not divide K = " << k;
  return success();
}

/// Checks that K is static and packs into whole bytes.
LogicalResult verifyReductionSize(Operation *op, StringRef what, int64_t k) {
  if (ShapedType::isDynamic(k))
    return op->emitOpError() << "the K dimension of " << what
                             << " must be static";
  // Found by fuzzing: K = 0 passed every divisibility check and later
  // divided by zero in the lowerings.
  if (k <= 0)
    return op->emitOpError() << "the K dimension of " << what
                             << " must be positive, got " << k;
  if (k % 2 != 0)
    return op->emitOpError()
           << "K = " << k << " of " << what
           << " must be even so that INT4 values pack two per byte";
  return success();
}

/// Checks a scale tensor `rows x K/group` (per-channel: `rows x 1`) against
/// the leading dimensions of the tensor it scales.
LogicalResult verifyScales(Operation *op, StringRef what,
                           RankedTensorType scales, ArrayRef<int64_t> rows,
                           int64_t k, GroupAttr group) {
  SmallVector<int64_t> expected(rows);
  expected.push_back(k / group.resolve(k));
  ArrayRef<int64_t> actual = scales.getShape();
  bool ok = actual.size() == expected.size();
  for (size_t i = 0; ok && i < actual.size(); ++i)
    ok = i + 1 == actual.size() ? actual[i] == expected[i]
                                : compatible(actual[i], expected[i]);
  if (!ok)
    return op->emitOpError()
           << what << " must have shape " << shapeString(expected)
           << " (one f32 per group), got " << shapeString(actual);
  return success();
}

LogicalResult verifyRank2(Operation *op, StringRef what,
                          RankedTensorType type, StringRef layout) {
  if (type.getRank() != 2)
    return op->emitOpError() << what << " must be a rank-2 tensor (" << layout
                             << "), got rank " << type.getRank();
  return success();
}

/// Checks the `M x N` result against the operands.
LogicalResult verifyMatmulResult(Operation *op, RankedTensorType lhs,
                                 RankedTensorType rhs,
                                 RankedTensorType result) {
  SmallVector<int64_t> expected = {lhs.getDimSize(0), rhs.getDimSize(0)};
  if (result.getRank() != 2 || !compatible(result.getDimSize(0), expected[0]) ||
      !compatible(result.getDimSize(1), expected[1]))
    return op->emitOpError() << "result must have shape "
                             << shapeString(expected) << " (M x N), got "
                             << shapeString(result.getShape());
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  RankedTensorType input = getInput().getType();
  if (input.getRank() < 1)
    return emitOpError("input must have at least one dimension");
  int64_t k = input.getShape().back();
  if (failed(verifyReductionSize(*this, "the input", k)) ||
      failed(verifyGroup(*this, "group", getGroup(), k, /*allowAuto=*/false)))
    return failure();
  RankedTensorType quantized = getQuantized().getType();
  if (quantized.getShape() != input.getShape())
    return emitOpError() << "quantized result must have the input shape "
                         << shapeString(input.getShape()) << ", got "
                         << shapeString(quantized.getShape());
  return verifyScales(*this, "scales", getScales().getType(),
                      input.getShape().drop_back(), k, getGroup());
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  RankedTensorType a = getA().getType(), w = getW().getType();
  if (failed(verifyRank2(*this, "A", a, "M x K")) ||
      failed(verifyRank2(*this, "W", w, "N x K")))
    return failure();
  int64_t k = a.getDimSize(1);
  if (failed(verifyReductionSize(*this, "A", k)))
    return failure();
  if (w.getDimSize(1) != k)
    return emitOpError() << "K mismatch: A is M x " << k << " but W is N x "
                         << (w.isDynamicDim(1) ? std::string("?")
                                               : std::to_string(
                                                     w.getDimSize(1)));
  if (failed(verifyGroup(*this, "a_group", getAGroup(), k, false)) ||
      failed(verifyGroup(*this, "w_group", getWGroup(), k, false)) ||
      failed(verifyScales(*this, "a_scales", getAScales().getType(),
                          a.getDimSize(0), k, getAGroup())) ||
      failed(verifyScales(*this, "w_scales", getWScales().getType(),
                          w.getDimSize(0), k, getWGroup())))
    return failure();
  return verifyMatmulResult(*this, a, w, getResult().getType());
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::verify() {
  RankedTensorType x = getInput().getType(), w = getWeight().getType();
  if (failed(verifyRank2(*this, "input", x, "M x K")) ||
      failed(verifyRank2(*this, "weight", w, "N x K")))
    return failure();
  int64_t k = x.getDimSize(1);
  if (failed(verifyReductionSize(*this, "the input", k)))
    return failure();
  if (w.getDimSize(1) != k)
    return emitOpError() << "K mismatch: input is M x " << k
                         << " but weight is N x "
                         << (w.isDynamicDim(1) ? std::string("?")
                                               : std::to_string(
                                                     w.getDimSize(1)));
  if (failed(verifyGroup(*this, "a_group", getAGroup(), k, true)) ||
      failed(verifyGroup(*this, "w_group", getWGroup(), k, true)))
    return failure();
  return verifyMatmulResult(*this, x, w, getResult().getType());
}

#define GET_OP_CLASSES
#include "apex4/Dialect/APEX4/IR/APEX4Ops.cpp.inc"
