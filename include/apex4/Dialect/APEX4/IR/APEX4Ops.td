//===- APEX4Ops.td - apex4 operations ----------------------*- tablegen -*-===//

#ifndef APEX4_DIALECT_APEX4_IR_APEX4OPS_TD
#define APEX4_DIALECT_APEX4_IR_APEX4OPS_TD

include "apex4/Dialect/APEX4/IR/APEX4Dialect.td"
include "apex4/Dialect/APEX4/IR/APEX4Attrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinTypes.td"

def APEX4_FloatElement : AnyTypeOf<[F16, BF16, F32]>;
def APEX4_FloatTensor : RankedTensorOf<[F16, BF16, F32]>;
def APEX4_Int4Tensor : RankedTensorOf<[I<4>]>;
def APEX4_ScaleTensor : RankedTensorOf<[F32]>;
def APEX4_ResultTensor : RankedTensorOf<[F16, F32]>;

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

def APEX4_QuantizeOp : APEX4_Op<"quantize", [Pure]> {
  let summary = "symmetric INT4 quantization with one scale per group";
  let description = [{
    Quantizes a float tensor `[..., K]` to signed 4-bit values and one f32
    scale per group of `group` consecutive values along the last dimension
    (per-channel: one scale per row):

        scale = maxnum(|x|) / 7 over the group            (f32)
        q     = clamp(roundeven(x / scale), -8, 7), or 0 where x / scale is NaN

    so an all-zero group gets scale 0 and q 0. See docs/architecture.md.

    ```mlir
    %q, %s = apex4.quantize %x {group = #apex4.group<128>}
        : tensor<16x256xf16> -> tensor<16x256xi4>, tensor<16x2xf32>
    ```
  }];
  let arguments = (ins APEX4_FloatTensor:$input, APEX4_GroupAttr:$group);
  let results = (outs APEX4_Int4Tensor:$quantized, APEX4_ScaleTensor:$scales);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($quantized) `,` type($scales)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

def APEX4_MatmulOp : APEX4_Op<"matmul", [Pure]> {
  let summary = "grouped W4A4 matmul: C = A * W^T with per-group scales";
  let description = [{
    `C[m, n] = sum_g sa[m, g] * sw[n, g] * sum_{k in g} A[m, k] * W[n, k]`
    with `A : M x K` and `W : N x K` (the `nn.Linear` weight layout), both
    `i4`, and f32 scales `sa : M x K/a_group`, `sw : N x K/w_group`. The two
    group sizes may differ (mixed granularity); products are summed exactly in
    INT32 over each group of `min(a_group, w_group)` values, then converted,
    scaled and accumulated in f32; an f16 result is rounded once at the end.

    ```mlir
    %c = apex4.matmul %a, %sa, %w, %sw
        {a_group = #apex4.group<128>, w_group = #apex4.group<per_channel>}
        : tensor<16x256xi4>, tensor<16x2xf32>, tensor<64x256xi4>,
          tensor<64x1xf32> -> tensor<16x64xf16>
    ```

    An optional `plan` (`#apex4.plan<...>`) records how it runs on the GPU.
  }];
  let arguments = (ins APEX4_Int4Tensor:$a, APEX4_ScaleTensor:$a_scales,
                       APEX4_Int4Tensor:$w, APEX4_ScaleTensor:$w_scales,
                       APEX4_GroupAttr:$a_group, APEX4_GroupAttr:$w_group,
                       OptionalAttr<APEX4_PlanAttr>:$plan);
  let results = (outs APEX4_ResultTensor:$result);
  let assemblyFormat = [{
    $a `,` $a_scales `,` $w `,` $w_scales attr-dict `:` type($a) `,`
    type($a_scales) `,` type($w) `,` type($w_scales) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The static reduction size K.
    int64_t getK() { return getA().getType().getDimSize(1); }
  }];
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

def APEX4_LinearOp : APEX4_Op<"linear", [Pure]> {
  let summary = "float linear layer computed as a grouped W4A4 matmul";
  let description = [{
    The user-level op: `y = x * w^T` where both operands are quantized to
    INT4 with the given granularities first. `#apex4.group<auto>` leaves the
    choice to `apex4-select-plan`; `apex4-expand-linear` rewrites the op into
    two `apex4.quantize` and one `apex4.matmul` once granularities are known.

    ```mlir
    %y = apex4.linear %x, %w
        {a_group = #apex4.group<128>, w_group = #apex4.group<auto>}
        : tensor<16x256xf16>, tensor<64x256xf16> -> tensor<16x64xf16>
    ```
  }];
  let arguments = (ins APEX4_FloatTensor:$input, APEX4_FloatTensor:$weight,
                       APEX4_GroupAttr:$a_group, APEX4_GroupAttr:$w_group,
                       OptionalAttr<APEX4_PlanAttr>:$plan);
  let results = (outs APEX4_ResultTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight) `->`
    type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    int64_t getK() { return getInput().getType().getDimSize(1); }
  }];
}

#endif // APEX4_DIALECT_APEX4_IR_APEX4OPS_TD
