//===- Passes.td - apex4 conversion passes -----------------*- tablegen -*-===//

#ifndef APEX4_CONVERSION_PASSES_TD
#define APEX4_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAPEX4ToReference : Pass<"convert-apex4-to-reference"> {
  let summary = "Lower apex4 ops to linalg on tensors with the exact reference "
                "semantics";
  let description = [{
    The CPU oracle: `apex4.quantize` and `apex4.matmul` become
    `linalg.generic` ops on tensors that compute exactly the semantics of
    docs/architecture.md (INT32 sums per group, f32 scaling in a fixed order,
    one rounding to f16 at the end). `apex4.linear` must be expanded first.
    Bufferized and lowered to loops, the result runs under `mlir-runner`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // APEX4_CONVERSION_PASSES_TD
