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
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::apex4 {

/// Base of the emitters: constants, index arithmetic that folds the trivial
/// cases (+0, *1, /1) away, and scf.for with a body callback.
struct KernelEmitterBase {
  ImplicitLocOpBuilder &b;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
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
  Value a, sa, w, sw, c, m;

  static MatmulArguments of(gpu::GPUFuncOp func) {
    return {func.getArgument(0), func.getArgument(1), func.getArgument(2),
            func.getArgument(3), func.getArgument(4), func.getArgument(5)};
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
