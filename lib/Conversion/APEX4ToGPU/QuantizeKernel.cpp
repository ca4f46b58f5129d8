//===- QuantizeKernel.cpp - activation quantization kernel ------------------===//
//
// Each lane owns 8 consecutive values (one 16-byte load for f16/bf16) and
// writes them as one packed i32. A group of g <= 256 values is g / 8
// adjacent lanes, whose absmax is a butterfly of shuffles inside the
// segment; such groups are independent, so the 8 warps of a CTA share one
// row, warp w taking passes w, w + 8, ... (at M = 1 and K = 4096 that is
// 2 dependent loads per warp instead of 16). Longer groups (and
// per-channel) span several 256-value chunks, reduced per lane first and
// then across the whole warp: one warp per row. The arithmetic is
// exactly docs/architecture.md's, so the output matches the CPU reference
// bit for bit.
//
//===----------------------------------------------------------------------===//

#include "apex4/Conversion/APEX4ToGPU/KernelBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::apex4;

namespace {

constexpr int64_t kValuesPerLane = 8;
constexpr int64_t kChunk = 32 * kValuesPerLane; // values per warp pass

struct QuantizeEmitter {
  ImplicitLocOpBuilder &b;
  const QuantizeKernelSpec &spec;
  Value x, q, s, row, lane;
  /// This warp's index among the warps sharing the row.
  Value warpInRow;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value f32(float v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
  }
  VectorType laneType() { return VectorType::get({kValuesPerLane}, b.getF32Type()); }

  /// The lane's 8 values at K offset `k`, widened to f32.
  Value loadValues(Value k) {
    auto type = VectorType::get({kValuesPerLane}, spec.inType);
    Value values = vector::LoadOp::create(b, type, x, ValueRange{row, k});
    if (!spec.inType.isF32())
      values = arith::ExtFOp::create(b, laneType(), values);
    return values;
  }

  Value laneOffset(Value chunkStart) {
    return arith::AddIOp::create(
        b, chunkStart, arith::MulIOp::create(b, lane, idx(kValuesPerLane)));
  }

  /// |v| by clearing the sign bits. The kernel uses plain arith for abs, max
  /// and rounding: the NVVM lowering would turn the math/arith forms into
  /// libdevice calls, and the PTX could not be assembled without libdevice.
  Value absolute(Value v) {
    auto intType = VectorType::get({kValuesPerLane}, b.getI32Type());
    Value bits = arith::BitcastOp::create(b, intType, v);
    Value mask = arith::ConstantOp::create(
        b, intType,
        DenseElementsAttr::get(intType, b.getI32IntegerAttr(0x7FFFFFFF)));
    return arith::BitcastOp::create(b, laneType(),
                                    arith::AndIOp::create(b, bits, mask));
  }

  /// Round half to even for |v| < 2^22: adding 1.5 * 2^23 leaves no fraction
  /// bits, so the FPU's round-to-nearest-even does the rounding; subtracting
  /// it again is exact. Here |v| <= 7 (and NaN stays NaN).
  Value roundEven(Value v) {
    Value magic = arith::ConstantOp::create(
        b, laneType(),
        DenseElementsAttr::get(laneType(), b.getF32FloatAttr(12582912.0f)));
    return arith::SubFOp::create(b, arith::AddFOp::create(b, v, magic), magic);
  }

  /// maxnum(a, b) (a NaN operand loses) from a compare and a select.
  Value maxNum(Value a, Value bValue) {
    Value bigger =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, bValue, a);
    Value aIsNaN = arith::CmpFOp::create(b, arith::CmpFPredicate::UNO, a, a);
    Value takeB = arith::OrIOp::create(b, bigger, aIsNaN);
    return arith::SelectOp::create(b, takeB, bValue, a);
  }

  /// maxnum over lanes that differ in the bits below `lanes` (a power of 2).
  Value segmentMax(Value value, int64_t lanes) {
    for (int64_t offset = 1; offset < lanes; offset *= 2) {
      auto shuffle = gpu::ShuffleOp::create(b, value, int32_t(offset), 32,
                                            gpu::ShuffleMode::XOR);
      value = maxNum(value, shuffle.getShuffleResult());
    }
    return value;
  }

  /// q = 0 where x / scale is NaN, else clamp(roundeven(x / scale), -8, 7),
  /// as i32 values.
  Value quantize(Value values, Value scale) {
    Value scales = vector::BroadcastOp::create(b, laneType(), scale);
    Value ratio = arith::DivFOp::create(b, values, scales);
    Value isNaN =
        arith::CmpFOp::create(b, arith::CmpFPredicate::UNO, ratio, ratio);
    Value rounded = roundEven(ratio);
    auto splat = [&](float v) {
      return arith::ConstantOp::create(
          b, laneType(), DenseElementsAttr::get(laneType(), b.getF32FloatAttr(v)));
    };
    Value clamped = arith::MinimumFOp::create(
        b, arith::MaximumFOp::create(b, rounded, splat(-8.0f)), splat(7.0f));
    auto intType = VectorType::get({kValuesPerLane}, b.getI32Type());
    Value asInt = arith::FPToSIOp::create(b, intType, clamped);
    Value zeros = arith::ConstantOp::create(
        b, intType, DenseElementsAttr::get(intType, b.getI32IntegerAttr(0)));
    return arith::SelectOp::create(b, isNaN, zeros, asInt);
  }

  /// Elements `first`, `first + step`, ... of `quantized` (`count` of
  /// them), each times `scale`, in fields of `bits` bits, the first lowest.
  Value packFields(Value quantized, int64_t first, int64_t step, int64_t count,
                   int64_t bits, int64_t scale) {
    auto constant = [&](int64_t v) {
      return arith::ConstantIntOp::create(b, b.getI32Type(), v);
    };
    Value packed = constant(0);
    for (int64_t i = 0; i < count; ++i) {
      Value element = vector::ExtractOp::create(b, quantized, first + i * step);
      if (scale != 1)
        element = arith::MulIOp::create(b, element, constant(scale));
      Value field =
          arith::AndIOp::create(b, element, constant((1 << bits) - 1));
      packed = arith::OrIOp::create(
          b, packed, arith::ShLIOp::create(b, field, constant(bits * i)));
    }
    return packed;
  }

  /// Writes the lane's 8 quantized values at K offset `k`: one packed i32
  /// (low nibble first), or with containers two i32 of bytes 16·q, the
  /// even-k values at byte (k / 32) * 32 + (k % 32) / 2 of the row and the
  /// odd-k ones 16 bytes further.
  void store(Value quantized, Value k) {
    if (!spec.containers) {
      memref::StoreOp::create(
          b, packFields(quantized, 0, 1, kValuesPerLane, 4, 1), q,
          ValueRange{row, arith::DivUIOp::create(b, k, idx(kValuesPerLane))});
      return;
    }
    Value block = arith::DivUIOp::create(b, k, idx(32));
    Value inBlock = arith::RemUIOp::create(b, k, idx(32));
    Value evenWord = arith::AddIOp::create(
        b, arith::MulIOp::create(b, block, idx(8)),
        arith::DivUIOp::create(b, inBlock, idx(8)));
    memref::StoreOp::create(b, packFields(quantized, 0, 2, 4, 8, 16), q,
                            ValueRange{row, evenWord});
    memref::StoreOp::create(
        b, packFields(quantized, 1, 2, 4, 8, 16), q,
        ValueRange{row, arith::AddIOp::create(b, evenWord, idx(4))});
  }

  void emitRow() {
    int64_t group = spec.group;
    int64_t piece = std::max(group, kChunk);       // values per scale pass
    int64_t chunksPerPiece = piece / kChunk;
    int64_t lanesPerGroup = std::min(group, kChunk) / kValuesPerLane;
    Value zero = idx(0), one = idx(1);
    auto pieces = scf::ForOp::create(b, warpInRow, idx(spec.k / piece),
                                     idx(spec.warpsPerRow()));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(pieces.getBody());
    Value pieceStart =
        arith::MulIOp::create(b, pieces.getInductionVar(), idx(piece));

    // Pass 1: absmax per lane over the piece, then across the group.
    auto chunkStart = [&](Value chunk) {
      return arith::AddIOp::create(b, pieceStart,
                                   arith::MulIOp::create(b, chunk, idx(kChunk)));
    };
    auto absmax = scf::ForOp::create(
        b, zero, idx(chunksPerPiece), one, ValueRange{f32(0.0f)},
        [&](OpBuilder &nested, Location, Value chunk, ValueRange acc) {
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPoint(nested.getInsertionBlock(),
                              nested.getInsertionPoint());
          Value magnitudes =
              absolute(loadValues(laneOffset(chunkStart(chunk))));
          Value laneMax = acc[0];
          for (int64_t i = 0; i < kValuesPerLane; ++i)
            laneMax =
                maxNum(laneMax, vector::ExtractOp::create(b, magnitudes, i));
          scf::YieldOp::create(b, ValueRange{laneMax});
        });
    Value amax = segmentMax(absmax.getResult(0), lanesPerGroup);
    Value scale = arith::DivFOp::create(b, amax, f32(7.0f));

    // The first lane of each group segment writes its scale.
    Value firstK = laneOffset(pieceStart);
    Value leader = arith::CmpIOp::create(
        b, arith::CmpIPredicate::eq,
        arith::RemUIOp::create(b, lane, idx(lanesPerGroup)), zero);
    auto writeScale = scf::IfOp::create(b, leader, false);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(writeScale.thenBlock());
      Value column = arith::DivUIOp::create(b, firstK, idx(group));
      memref::StoreOp::create(b, scale, s, ValueRange{row, column});
    }

    // Pass 2: quantize and pack, 8 values per lane per chunk.
    scf::ForOp::create(
        b, zero, idx(chunksPerPiece), one, ValueRange{},
        [&](OpBuilder &nested, Location, Value chunk, ValueRange) {
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPoint(nested.getInsertionBlock(),
                              nested.getInsertionPoint());
          Value k = laneOffset(chunkStart(chunk));
          store(quantize(loadValues(k), scale), k);
          scf::YieldOp::create(b);
        });
  }
};

} // namespace

std::optional<std::string>
mlir::apex4::checkQuantizeSpec(const QuantizeKernelSpec &spec) {
  if (spec.k % kChunk != 0)
    return "K = " + std::to_string(spec.k) +
           " must be a multiple of 256 for the quantization kernel";
  if (spec.group < 16 || spec.k % spec.group != 0)
    return "group size " + std::to_string(spec.group) +
           " is not supported by the quantization kernel";
  return std::nullopt;
}

gpu::GPUFuncOp mlir::apex4::buildQuantizeKernel(OpBuilder &builder,
                                                gpu::GPUModuleOp module,
                                                const QuantizeKernelSpec &spec) {
  MLIRContext *ctx = builder.getContext();
  ImplicitLocOpBuilder b(module.getLoc(), builder);
  b.setInsertionPointToEnd(module.getBody());
  int64_t k = spec.k;
  SmallVector<Type> args = {
      MemRefType::get({kMaxRows, k}, spec.inType),                   // X
      MemRefType::get({kMaxRows, k / (spec.containers ? 4 : 8)},
                      b.getI32Type()),                               // Q / QC
      MemRefType::get({kMaxRows, k / spec.group}, b.getF32Type()),   // S
      b.getIndexType()};                                             // M
  auto func =
      gpu::GPUFuncOp::create(b, spec.name, b.getFunctionType(args, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  int64_t threads = spec.threads();
  func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr({int32_t(threads), 1, 1}));

  b.setInsertionPointToStart(&func.getBody().front());
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value block = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value thirtyTwo = arith::ConstantIndexOp::create(b, 32);
  Value warp = arith::DivUIOp::create(b, tid, thirtyTwo);
  Value warpsPerRow = arith::ConstantIndexOp::create(b, spec.warpsPerRow());
  Value row = arith::AddIOp::create(
      b,
      arith::MulIOp::create(
          b, block, arith::ConstantIndexOp::create(b, spec.rowsPerBlock())),
      arith::DivUIOp::create(b, warp, warpsPerRow));
  Value inRange = arith::CmpIOp::create(b, arith::CmpIPredicate::slt, row,
                                        func.getArgument(3));
  auto ifOp = scf::IfOp::create(b, inRange, false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    QuantizeEmitter emitter{b,
                            spec,
                            func.getArgument(0),
                            func.getArgument(1),
                            func.getArgument(2),
                            row,
                            arith::RemUIOp::create(b, tid, thirtyTwo),
                            arith::RemUIOp::create(b, warp, warpsPerRow)};
    emitter.emitRow();
  }
  gpu::ReturnOp::create(b);

  auto str = [&](StringRef v) { return b.getStringAttr(v); };
  std::string inType = spec.inType.isF16() ? "f16"
                       : spec.inType.isBF16() ? "bf16"
                                              : "f32";
  NamedAttrList info;
  info.append("kind", str("quantize"));
  info.append("k", b.getI64IntegerAttr(k));
  info.append("group", b.getI64IntegerAttr(spec.group));
  info.append("in_type", str(inType));
  info.append("params", b.getStrArrayAttr(
                            {"X", spec.containers ? "QC" : "Q", "S", "M"}));
  info.append("block", b.getDenseI64ArrayAttr({threads, 1, 1}));
  info.append("grid", b.getDenseI64ArrayAttr({spec.rowsPerBlock()}));
  info.append("shared_bytes", b.getI64IntegerAttr(0));
  info.append("max_m", b.getI64IntegerAttr(kMaxRows));
  func->setAttr("apex4.kernel_info", info.getDictionary(ctx));
  return func;
}
