//===- APEX4Attrs.td - apex4 attributes --------------------*- tablegen -*-===//

#ifndef APEX4_DIALECT_APEX4_IR_APEX4ATTRS_TD
#define APEX4_DIALECT_APEX4_IR_APEX4ATTRS_TD

include "apex4/Dialect/APEX4/IR/APEX4Dialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums used by the plan.
//===----------------------------------------------------------------------===//

def APEX4_DequantPlacement : I32EnumAttr<"DequantPlacement",
    "where the per-group dequantization runs", [
      I32EnumAttrCase<"MainLoop", 0, "main_loop">,
      I32EnumAttrCase<"Epilogue", 1, "epilogue">,
      I32EnumAttrCase<"OperandFold", 2, "operand_fold">]> {
  let cppNamespace = "::mlir::apex4";
  let genSpecializedAttr = 0;
}

def APEX4_ConvertMethod : I32EnumAttr<"ConvertMethod",
    "how INT32 partial sums become f32", [
      I32EnumAttrCase<"Cvt", 0, "cvt">,
      I32EnumAttrCase<"Magic", 1, "magic">]> {
  let cppNamespace = "::mlir::apex4";
  let genSpecializedAttr = 0;
}

def APEX4_MmaPath : I32EnumAttr<"MmaPath",
    "tensor-core instruction path", [
      I32EnumAttrCase<"S4MmaSync", 0, "s4_mma_sync">,
      I32EnumAttrCase<"S8MmaSync", 1, "s8_mma_sync">,
      I32EnumAttrCase<"S8Wgmma", 2, "s8_wgmma">,
      // wgmma with W unpacked in registers (the A operand) and the
      // activations as INT8 containers in shared memory (the B operand).
      I32EnumAttrCase<"S8WgmmaWreg", 3, "s8_wgmma_wreg">]> {
  let cppNamespace = "::mlir::apex4";
  let genSpecializedAttr = 0;
}

class APEX4_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<APEX4_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

//===----------------------------------------------------------------------===//
// GroupAttr
//===----------------------------------------------------------------------===//

def APEX4_GroupAttr : APEX4_Attr<"Group", "group"> {
  let summary = "quantization granularity along K";
  let description = [{
    The number of consecutive K values that share one scale:

    ```mlir
    #apex4.group<128>          // one scale per 128 values
    #apex4.group<per_channel>  // one scale per row (the whole of K)
    #apex4.group<auto>         // left to apex4-select-plan (apex4.linear only)
    ```

    Explicit sizes must be powers of two and at least 16.
  }];
  // size > 0: explicit; kPerChannel / kAuto: the two keywords.
  let parameters = (ins "int64_t":$size);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    static constexpr int64_t kPerChannel = 0;
    static constexpr int64_t kAuto = -1;
    static GroupAttr getPerChannel(::mlir::MLIRContext *ctx) {
      return get(ctx, kPerChannel);
    }
    static GroupAttr getAuto(::mlir::MLIRContext *ctx) {
      return get(ctx, kAuto);
    }
    bool isAuto() const { return getSize() == kAuto; }
    bool isPerChannel() const { return getSize() == kPerChannel; }
    /// The group length for a reduction dimension of `k` values.
    int64_t resolve(int64_t k) const { return isPerChannel() ? k : getSize(); }
  }];
}

//===----------------------------------------------------------------------===//
// PlanAttr
//===----------------------------------------------------------------------===//

def APEX4_PlanAttr : APEX4_Attr<"Plan", "plan"> {
  let summary = "how one matmul executes on the target, chosen by the cost model";
  let description = [{
    The execution decisions for one `apex4.matmul` / `apex4.linear`:

    ```mlir
    #apex4.plan<placement = main_loop, convert = magic, path = s8_mma_sync,
                tile = [128, 128, 64], warps = [2, 2], stages = 3, split_k = 1>
    ```

    `tile` is the CTA tile `[TM, TN, TK]` (TK counted in INT4 elements),
    `warps` the warp grid `[WM, WN]`, `stages` the depth of the asynchronous
    copy pipeline and `split_k` the number of K slices. Group sizes are not
    part of the plan; they live on the op.
  }];
  let parameters = (ins
    EnumParameter<APEX4_DequantPlacement>:$placement,
    EnumParameter<APEX4_ConvertMethod>:$convert,
    EnumParameter<APEX4_MmaPath>:$path,
    ArrayRefParameter<"int64_t">:$tile,
    ArrayRefParameter<"int64_t">:$warps,
    "int64_t":$stages,
    "int64_t":$split_k
  );
  let assemblyFormat = [{
    `<` `placement` `=` $placement `,` `convert` `=` $convert `,`
        `path` `=` $path `,` `tile` `=` `[` $tile `]` `,`
        `warps` `=` `[` $warps `]` `,` `stages` `=` $stages `,`
        `split_k` `=` $split_k `>`
  }];
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getTileM() const { return getTile()[0]; }
    int64_t getTileN() const { return getTile()[1]; }
    int64_t getTileK() const { return getTile()[2]; }
    int64_t getWarpsM() const { return getWarps()[0]; }
    int64_t getWarpsN() const { return getWarps()[1]; }
  }];
}

#endif // APEX4_DIALECT_APEX4_IR_APEX4ATTRS_TD
