//===- APEX4Attrs.cpp - apex4 attributes ------------------------------------===//

#include "apex4/Dialect/APEX4/IR/APEX4Attrs.h"
#include "apex4/Dialect/APEX4/IR/APEX4Dialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::apex4;

#include "apex4/Dialect/APEX4/IR/APEX4Enums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "apex4/Dialect/APEX4/IR/APEX4Attrs.cpp.inc"

void APEX4Dialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "apex4/Dialect/APEX4/IR/APEX4Attrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// GroupAttr
//===----------------------------------------------------------------------===//

static constexpr llvm::StringLiteral kPerChannelKeyword = "per_channel";
static constexpr llvm::StringLiteral kAutoKeyword = "auto";

Attribute GroupAttr::parse(AsmParser &parser, Type) {
  if (parser.parseLess())
    return {};
  int64_t size = 0;
  llvm::SMLoc loc = parser.getCurrentLocation();
  OptionalParseResult intResult = parser.parseOptionalInteger(size);
  if (!intResult.has_value()) {
    StringRef keyword;
    if (parser.parseKeyword(&keyword)) {
      parser.emitError(loc, "expected a group size, 'per_channel' or 'auto'");
      return {};
    }
    if (keyword == kPerChannelKeyword) {
      size = kPerChannel;
    } else if (keyword == kAutoKeyword) {
      size = kAuto;
    } else {
      parser.emitError(loc, "unknown granularity '")
          << keyword << "'; expected a group size, 'per_channel' or 'auto'";
      return {};
    }
  } else if (failed(*intResult)) {
    return {};
  } else if (size <= 0) {
    parser.emitError(loc, "group size must be positive, got ") << size;
    return {};
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<GroupAttr>(loc, parser.getContext(), size);
}

void GroupAttr::print(AsmPrinter &printer) const {
  printer << '<';
  if (isPerChannel())
    printer << kPerChannelKeyword;
  else if (isAuto())
    printer << kAutoKeyword;
  else
    printer << getSize();
  printer << '>';
}

LogicalResult GroupAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                int64_t size) {
  if (size == kPerChannel || size == kAuto)
    return success();
  if (size < 16 || !llvm::isPowerOf2_64(size))
    return emitError() << "group size must be a power of two >= 16, "
                          "'per_channel' or 'auto', got "
                       << size;
  return success();
}

//===----------------------------------------------------------------------===//
// PlanAttr
//===----------------------------------------------------------------------===//

LogicalResult PlanAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               DequantPlacement, ConvertMethod, MmaPath,
                               ArrayRef<int64_t> tile, ArrayRef<int64_t> warps,
                               int64_t stages, int64_t splitK) {
  if (tile.size() != 3)
    return emitError() << "plan tile must be [TM, TN, TK], got "
                       << tile.size() << " values";
  if (warps.size() != 2)
    return emitError() << "plan warps must be [WM, WN], got " << warps.size()
                       << " values";
  if (llvm::any_of(tile, [](int64_t v) { return v <= 0; }) ||
      llvm::any_of(warps, [](int64_t v) { return v <= 0; }))
    return emitError() << "plan tile and warp counts must be positive";
  // One warp covers whole MMA fragments: 16 rows (M) and 8 columns (N).
  // The split-K kernel may swap the sides (tile M 8: the tokens are the
  // MMA's 8 columns, W its 16 rows).
  bool tokensOnN = splitK > 1 && tile[0] == 8 && warps[0] == 1;
  if (!tokensOnN && tile[0] % (16 * warps[0]) != 0)
    return emitError() << "plan tile M (" << tile[0]
                       << ") must be a multiple of 16 * warps M ("
                       << 16 * warps[0] << ")";
  if (tile[1] % (8 * warps[1]) != 0)
    return emitError() << "plan tile N (" << tile[1]
                       << ") must be a multiple of 8 * warps N ("
                       << 8 * warps[1] << ")";
  // 64 INT4 values are the K extent of one s4 MMA and of two s8 MMAs.
  if (tile[2] % 64 != 0)
    return emitError() << "plan tile K (" << tile[2]
                       << ") must be a multiple of 64";
  if (stages < 1 || stages > 8)
    return emitError() << "plan stages must be in [1, 8], got " << stages;
  if (splitK < 1)
    return emitError() << "plan split_k must be >= 1, got " << splitK;
  return success();
}
