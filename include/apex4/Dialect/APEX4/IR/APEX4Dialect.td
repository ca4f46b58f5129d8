//===- APEX4Dialect.td - apex4 dialect definition ----------*- tablegen -*-===//
//
// The apex4 dialect: grouped low-bit (W4A4) quantization and matmuls.
//
//===----------------------------------------------------------------------===//

#ifndef APEX4_DIALECT_APEX4_IR_APEX4DIALECT_TD
#define APEX4_DIALECT_APEX4_IR_APEX4DIALECT_TD

include "mlir/IR/OpBase.td"

def APEX4_Dialect : Dialect {
  let name = "apex4";
  let cppNamespace = "::mlir::apex4";
  let summary = "Grouped INT4 quantization and W4A4 matmuls for NVIDIA GPUs";
  let description = [{
    The apex4 dialect models 4-bit weight / 4-bit activation matrix
    multiplications with one float scale per group of `g` consecutive values
    along the reduction dimension. Quantized values are `i4` tensors at this
    level; packed storage (two values per byte) appears only when kernels are
    generated. `docs/architecture.md` gives the exact numerical semantics that
    the CPU reference, the numpy reference and the GPU kernels share.
  }];
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

class APEX4_Op<string mnemonic, list<Trait> traits = []>
    : Op<APEX4_Dialect, mnemonic, traits>;

#endif // APEX4_DIALECT_APEX4_IR_APEX4DIALECT_TD
