//===- KernelEmitter.h - shorthands shared by the kernel emitters -*- C++ -*-===//
//
// Private to the generators in this folder: index arithmetic and counted
// loops on an ImplicitLocOpBuilder, and the matmul kernel's function and
// arguments (the ABI of docs/architecture.md), which every matmul generator
// builds the same way.
//
//===----------------------------------------------------------------------===//

#ifndef APEX4_LIB_CONVERSION_APEX4TOGPU_KERNELEMITTER_H
#define APEX4_LIB_CONVERSION_APEX4TOGPU_KERNELEMITTER_H

#include "apex4/Conversion/APEX4ToGPU/KernelBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::apex4 {

/// The s8 paths multiply both INT4 operands by 16 (a nibble in the high half
/// of a byte), so each product carries this factor until the store.
constexpr int64_t kS8Factor = 256;
/// f32 1.5 * 2^23: its mantissa holds an integer added to its bit pattern.
constexpr int64_t kMagicBits = 0x4B400000;
constexpr float kMagicFloat = 12582912.0f;

/// The largest |INT32 sum| of one group of `spec`: |a * w| <= 64 per value,
/// times 256 on the s8 paths.
inline int64_t groupSumBound(const MatmulKernelSpec &spec) {
  bool s4 = spec.plan.getPath() == MmaPath::S4MmaSync;
  return 64 * spec.fineGroup() * (s4 ? 1 : kS8Factor);
}

/// Whether the magic-number conversion is exact for this spec (|sum| <=
/// 2^22); otherwise the generators use cvt (sitofp) whatever the plan says.
inline bool magicIsExact(const MatmulKernelSpec &spec) {
  return groupSumBound(spec) <= (int64_t(1) << 22);
}

/// The generators' shared refusal: a group whose sum can leave INT32.
inline std::optional<std::string>
checkGroupFitsInt32(const MatmulKernelSpec &spec) {
  if (groupSumBound(spec) < (int64_t(1) << 31))
    return std::nullopt;
  return ("group size " + llvm::Twine(spec.fineGroup()) +
          " overflows the INT32 accumulator")
      .str();
}

/// Base of the emitters: constants, index arithmetic that folds the trivial
/// cases (+0, *1, /1) away, and scf.for with a body callback.
struct KernelEmitterBase {
  ImplicitLocOpBuilder &b;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }

  /// An accumulator element's scale from its operands' scales: sa * sw, or
  /// with mixed granularity (one operand per channel) the grouped operand's
  /// scale at the group end and the per-channel operand's once after the
  /// main loop (`perChannelPart`): one FMUL fewer per group end.
  Value elementScale(PerChannelOperand perChannel, Value aScale, Value wScale,
                     bool perChannelPart) {
    if (perChannel == PerChannelOperand::None)
      return arith::MulFOp::create(b, aScale, wScale);
    return (perChannel == PerChannelOperand::A) == perChannelPart ? aScale
                                                                   : wScale;
  }
  Value i32(int64_t v) {
    return arith::ConstantIntOp::create(b, b.getI32Type(), v);
  }
  Value i64(int64_t v) {
    return arith::ConstantIntOp::create(b, b.getI64Type(), v);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value add(Value x, int64_t y) { return y == 0 ? x : add(x, idx(y)); }
  Value mul(Value x, int64_t y) {
    return y == 1 ? x : arith::MulIOp::create(b, x, idx(y)).getResult();
  }
  Value div(Value x, int64_t y) {
    return y == 1 ? x : arith::DivUIOp::create(b, x, idx(y)).getResult();
  }
  Value rem(Value x, int64_t y) { return arith::RemUIOp::create(b, x, idx(y)); }
  Value lessThan(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::slt, x, y);
  }
  Value minIndex(Value x, Value y) { return arith::MinSIOp::create(b, x, y); }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, cond, x, y);
  }

  /// The address of `memref` (global memory, static strides) as an i64, for
  /// the loads of loadGlobalWords / loadGlobalF32.
  Value globalBase(Value memref) {
    Value pointer = memref::ExtractAlignedPointerAsIndexOp::create(b, memref);
    return arith::IndexCastUIOp::create(b, b.getI64Type(), pointer);
  }
  /// The byte offset (index) of element `indices` of `memref` (static
  /// strides; scalar or vector elements).
  Value byteOffset(Value memref, ValueRange indices) {
    auto type = cast<MemRefType>(memref.getType());
    auto [strides, offset] = type.getStridesAndOffset();
    Type element = type.getElementType();
    auto vector = dyn_cast<VectorType>(element);
    int64_t elementBytes =
        vector ? vector.getNumElements() * vector.getElementTypeBitWidth() / 8
               : element.getIntOrFloatBitWidth() / 8;
    Value bytes = idx(offset * elementBytes);
    for (auto [index, stride] : llvm::zip(indices, strides))
      bytes = add(bytes, mul(index, stride * elementBytes));
    return bytes;
  }
  /// base + the byte offset of element `indices` of `memref`.
  Value globalAddress(Value memref, Value base, ValueRange indices) {
    return arith::AddIOp::create(
        b, base,
        arith::IndexCastUIOp::create(b, b.getI64Type(),
                                     byteOffset(memref, indices)));
  }

  /// 16 bytes at global `address` with ld.global.nc`qualifiers`, as
  /// vector<4xi32>. The load is inline PTX on purpose: LLVM's InstCombine
  /// folds a phi of two loads into one load of a phi of their addresses,
  /// which turns a prefetch carried through scf.for iteration arguments back
  /// into a load at the use (docs/codegen.md, "Register prefetch and LLVM").
  /// An asm call is never folded.
  Value loadGlobalWords(Value address, StringRef qualifiers) {
    std::string text =
        ("ld.global.nc" + qualifiers + ".v4.u32 {$0, $1, $2, $3}, [$4];").str();
    Type i32Type = b.getI32Type();
    Type resultType = LLVM::LLVMStructType::getLiteral(
        b.getContext(), SmallVector<Type>(4, i32Type));
    Value result = inlinePtx(resultType, address, text, "=r,=r,=r,=r,l");
    SmallVector<Value> elements;
    for (int64_t i = 0; i < 4; ++i)
      elements.push_back(LLVM::ExtractValueOp::create(b, result, i));
    return vector::FromElementsOp::create(
        b, VectorType::get({4}, i32Type), elements);
  }
  /// The 32-bit shared-window address of workgroup `memref` (static
  /// shape), for inline PTX such as asyncCopyToShared.
  Value sharedBase(Value memref) {
    Value pointer = memref::ExtractAlignedPointerAsIndexOp::create(b, memref);
    return arith::IndexCastOp::create(b, b.getI32Type(), pointer);
  }
  /// `base` (sharedBase) + the byte offset of element `indices`.
  Value sharedAddress(Value memref, Value base, ValueRange indices) {
    return arith::AddIOp::create(
        b, base,
        arith::IndexCastOp::create(b, b.getI32Type(),
                                   byteOffset(memref, indices)));
  }
  /// cp.async of 16 bytes from global `global` (i64) to shared `shared`
  /// (i32), bypassing L1 (.cg); when `valid` is false it reads nothing and
  /// writes zeros (src-size 0). Inline PTX for the `qualifiers` (e.g. the
  /// L2 prefetch size), which the NVVM op does not take. (4-byte copies of
  /// the split-K kernel's scales measured up to 2x slower.)
  void asyncCopyToShared(Value shared, Value global, Value valid,
                         StringRef qualifiers) {
    Value size = select(valid, i32(16), i32(0));
    ptx(("cp.async.cg.shared.global" + qualifiers + " [$0], [$1], 16, $2;")
            .str(),
        "r,l,r", {shared, global, size});
  }
  /// One f32 at global `address` (ld.global.nc, see loadGlobalWords).
  Value loadGlobalF32(Value address) {
    return inlinePtx(b.getF32Type(), address, "ld.global.nc.f32 $0, [$1];",
                     "=f,l");
  }
  /// Side-effect free inline PTX with one i64 operand.
  Value inlinePtx(Type resultType, Value operand, StringRef text,
                  StringRef constraints) {
    return inlineAsm(resultType, operand, text, constraints,
                     /*sideEffects=*/false)
        .getResult(0);
  }
  /// Inline PTX with side effects and no results.
  void ptx(StringRef text, StringRef constraints, ValueRange operands) {
    inlineAsm(TypeRange{}, operands, text, constraints, /*sideEffects=*/true);
  }
  LLVM::InlineAsmOp inlineAsm(TypeRange results, ValueRange operands,
                              StringRef text, StringRef constraints,
                              bool sideEffects) {
    return LLVM::InlineAsmOp::create(
        b, results, operands, b.getStringAttr(text),
        b.getStringAttr(constraints),
        sideEffects ? b.getUnitAttr() : UnitAttr(),
        /*is_align_stack=*/UnitAttr(), LLVM::TailCallKindAttr(),
        LLVM::AsmDialectAttr::get(b.getContext(), LLVM::AsmDialect::AD_ATT),
        ArrayAttr());
  }

  /// Runs `fn` under `cond`, or unconditionally when `cond` is null.
  void guarded(Value cond, function_ref<void()> fn) {
    if (!cond)
      return fn();
    auto ifOp = scf::IfOp::create(b, cond, /*withElse=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    fn();
  }

  /// cp.async of `elements` elements (`bytes` in all) of `source` row `row`
  /// from `column` into `dest[destIndices]` when `valid` (and `rowValid`,
  /// when given); otherwise a zero-sized copy, which zero-fills, from row 0
  /// so that its address stays in range. 16-byte copies bypass L1.
  void copyOrZeroFill(Value dest, ValueRange destIndices, Value source,
                      Value row, Value column, int64_t elements, int64_t bytes,
                      Value valid, Value rowValid) {
    Value ok = rowValid ? arith::AndIOp::create(b, valid, rowValid).getResult()
                        : valid;
    nvgpu::DeviceAsyncCopyOp::create(
        b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), dest, destIndices,
        source, ValueRange{select(ok, row, idx(0)), column},
        b.getIndexAttr(elements), select(ok, idx(elements), idx(0)),
        bytes == 16 ? b.getUnitAttr() : UnitAttr());
  }

  /// A counted loop (step 1) whose body `fn` gets the induction variable and
  /// the iteration arguments and returns the values to yield.
  scf::ForOp forLoop(Value lb, Value ub, ValueRange inits,
                     function_ref<SmallVector<Value>(Value, ValueRange)> fn) {
    return scf::ForOp::create(
        b, lb, ub, idx(1), inits,
        [&](OpBuilder &nested, Location, Value iv, ValueRange args) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nested.getInsertionBlock(),
                              nested.getInsertionPoint());
          scf::YieldOp::create(b, fn(iv, args));
        });
  }
};

/// The matmul kernel's arguments, in ABI order.
struct MatmulArguments {
  /// `acMap`: the TMA tensor map of INT8-container activations, when the
  /// kernel takes them (null otherwise).
  Value a, sa, w, sw, c, m, acMap;

  static MatmulArguments of(gpu::GPUFuncOp func) {
    unsigned last = func.getNumArguments() - 1;
    return {func.getArgument(0), func.getArgument(1), func.getArgument(2),
            func.getArgument(3), func.getArgument(4), func.getArgument(last),
            last == 6 ? func.getArgument(5) : Value()};
  }
};

/// A `gpu.func` kernel named after `spec` with the byte-addressed matmul
/// arguments, `workgroupBuffers` as workgroup attributions and the block
/// size of `spec`; the builder is left at the start of its body.
inline gpu::GPUFuncOp createMatmulKernelFunc(ImplicitLocOpBuilder &b,
                                             const MatmulKernelSpec &spec,
                                             TypeRange workgroupBuffers) {
  SmallVector<Type> args = byteMatmulArgumentTypes(b, spec);
  auto func = gpu::GPUFuncOp::create(b, spec.name, b.getFunctionType(args, {}),
                                     workgroupBuffers);
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  func.setKnownBlockSizeAttr(
      b.getDenseI32ArrayAttr({int32_t(spec.threads()), 1, 1}));
  b.setInsertionPointToStart(&func.getBody().front());
  return func;
}

} // namespace mlir::apex4

#endif // APEX4_LIB_CONVERSION_APEX4TOGPU_KERNELEMITTER_H
