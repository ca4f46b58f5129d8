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

def APEX4SelectPlan : Pass<"apex4-select-plan"> {
  let summary = "Choose granularity, dequant placement, instruction path and "
                "tiling for every apex4 matmul with the rho cost model";
  let description = [{
    For every `apex4.linear` and `apex4.matmul`, ranks the candidate plans of
    the cost model (include/apex4/Target/CostModel.h) for the target GPU and
    attaches the best one the code generator can build as `plan`. On
    `apex4.linear`, `#apex4.group<auto>` granularities are resolved too,
    within `finest-group`..`coarsest-group`; when the weight operand is a
    constant and `min-sqnr-db` is set, candidate weight granularities whose
    measured INT4 quantization SQNR falls below the budget are rejected.

    The target comes from the `target`/`target-file` options, else from the
    module's `apex4.target` string attribute, else `h100`. With `explain`,
    each op gets a remark listing the ranked candidates with predicted time,
    speedup over FP16 and bottleneck.

    Autotuning: a target description may list `tuned_plans`, plans measured
    fastest on the device for a shape, group sizes and range of M
    (`bench/autotune.py` writes them from a benchmark run). Once the groups
    are chosen, a matching tuned plan replaces the cost model's tiling and
    path (`use-tuned-plans=false` turns this off).
  }];
  let options = [
    Option<"targetName", "target", "std::string", /*default=*/"",
           "Built-in GPU description (a100, rtx3090, a40, l40s, rtx4090, "
           "h100, h200, ...)">,
    Option<"targetFile", "target-file", "std::string", /*default=*/"",
           "GPU description JSON file (overrides target)">,
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Emit a remark with the ranked candidates on every op">,
    Option<"finestGroup", "finest-group", "int64_t", /*default=*/"32",
           "Finest group size 'auto' may choose">,
    Option<"coarsestGroup", "coarsest-group", "int64_t", /*default=*/"128",
           "Coarsest group size 'auto' may choose (0: per-channel). The "
           "default keeps W4A4 at the accuracy LLM layers need; per-channel "
           "INT4 activations lose too much without outlier handling">,
    Option<"minSqnrDb", "min-sqnr-db", "double", /*default=*/"0.0",
           "Error budget: minimum INT4 weight SQNR in dB (0: none)">,
    Option<"assumedM", "assumed-m", "int64_t", /*default=*/"4096",
           "M used for planning when M is dynamic">,
    Option<"useTunedPlans", "use-tuned-plans", "bool", /*default=*/"true",
           "Take the target's measured plan when one matches">,
  ];
}

#endif // APEX4_DIALECT_APEX4_TRANSFORMS_PASSES_TD
