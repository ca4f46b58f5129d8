// RUN: apex4-opt %s -split-input-file -apex4-select-plan="target-file=%S/Inputs/h100-tuned.json explain=true" 2>&1 | FileCheck %s
// RUN: apex4-opt %s -split-input-file -apex4-select-plan="target-file=%S/Inputs/h100-tuned.json use-tuned-plans=false" 2>&1 | FileCheck %s --check-prefix=MODEL
// RUN: not apex4-opt %s -split-input-file -apex4-select-plan="target-file=%S/Inputs/h100-bad-tuned-plan.json" 2>&1 | FileCheck %s --check-prefix=BADPLAN
// RUN: not apex4-opt %s -split-input-file -apex4-select-plan="target-file=%S/Inputs/h100-bad-tuned-range.json" 2>&1 | FileCheck %s --check-prefix=BADRANGE

// Autotuning: the target lists plans measured fastest on the device
// (Inputs/h100-tuned.json). One token at 4096 x 4096 g128 is inside the first
// entry's M range, so its plan replaces the model's; the remark keeps the
// model's choice and names the replacement.
// CHECK: remark: apex4-select-plan on h100-tuned for 1x4096x4096: chose {{.*}}tile=8x16x128{{.*}}
// CHECK-NEXT: replaced by the target's tuned plan for M 1..8 (measured 7.4 us): #apex4.plan<{{.*}}tile = [8, 32, 128], warps = [1, 1], stages = 2, split_k = 16>
// CHECK-LABEL: func @decode_one_token
// CHECK: plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [8, 32, 128], warps = [1, 1], stages = 2, split_k = 16>
// MODEL-LABEL: func @decode_one_token
// MODEL: plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [8, 16, 128], warps = [1, 1], stages = 1, split_k = 8>
// BADPLAN: error: apex4-select-plan: target h100-bad-plan has a tuned plan for 4096x4096 that is not an #apex4.plan: #apex4.plan<tile = [8, 32]>
// BADRANGE: error: apex4-select-plan: target description {{.*}}h100-bad-tuned-range.json: field 'tuned_plans[].m' must be [first row count, last row count]
func.func @decode_one_token(%x: tensor<1x4096xf16>, %w: tensor<4096x4096xf16>) -> tensor<1x4096xf16> {
  %y = apex4.linear %x, %w {a_group = #apex4.group<128>, w_group = #apex4.group<128>}
      : tensor<1x4096xf16>, tensor<4096x4096xf16> -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}

// -----

// 16 tokens lie outside the entry's M range: the model's plan stays.
// CHECK-LABEL: func @sixteen_tokens
// CHECK: plan = #apex4.plan<{{.*}}tile = [16, 16, 128], warps = [1, 1], stages = 1, split_k = 8>
func.func @sixteen_tokens(%x: tensor<16x4096xf16>, %w: tensor<4096x4096xf16>) -> tensor<16x4096xf16> {
  %y = apex4.linear %x, %w {a_group = #apex4.group<128>, w_group = #apex4.group<128>}
      : tensor<16x4096xf16>, tensor<4096x4096xf16> -> tensor<16x4096xf16>
  return %y : tensor<16x4096xf16>
}

// -----

// Per-channel prefill matches the second entry (groups written as
// "per_channel"), whatever M.
// CHECK-LABEL: func @prefill_per_channel
// CHECK: plan = #apex4.plan<placement = epilogue, convert = magic, path = s8_wgmma, tile = [64, 128, 128], warps = [4, 1], stages = 4, split_k = 1>
func.func @prefill_per_channel(%x: tensor<4096x4096xf16>, %w: tensor<4096x4096xf16>) -> tensor<4096x4096xf16> {
  %y = apex4.linear %x, %w {a_group = #apex4.group<per_channel>, w_group = #apex4.group<per_channel>}
      : tensor<4096x4096xf16>, tensor<4096x4096xf16> -> tensor<4096x4096xf16>
  return %y : tensor<4096x4096xf16>
}
