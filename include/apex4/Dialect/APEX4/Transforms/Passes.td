//===- Passes.td - apex4 -> apex4 passes -------------------*- tablegen -*-===//

#ifndef APEX4_DIALECT_APEX4_TRANSFORMS_PASSES_TD
#define APEX4_DIALECT_APEX4_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def APEX4ExpandLinear : Pass<"apex4-expand-linear"> {
  let summary = "Rewrite apex4.linear into apex4.quantize + apex4.matmul";
  let description = [{
    Quantizes the activations and the weights of every `apex4.linear` with
    its granularities and multiplies the results with `apex4.matmul`; the
    plan, if any, moves to the matmul. Granularity `auto` must have been
    resolved by `apex4-select-plan` first; it is reported as an error.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

#endif // APEX4_DIALECT_APEX4_TRANSFORMS_PASSES_TD
