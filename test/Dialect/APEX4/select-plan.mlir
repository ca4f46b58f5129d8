// RUN: apex4-opt %s -split-input-file -apex4-select-plan="target=a100 explain=true" 2>&1 | FileCheck %s --check-prefix=A100
// RUN: apex4-opt %s -split-input-file -apex4-select-plan="target=rtx3090" | FileCheck %s --check-prefix=RTX3090
// RUN: apex4-opt %s -split-input-file -apex4-select-plan="target=h100 explain=true" 2>&1 | FileCheck %s --check-prefix=H100

// The same compute-bound g128 layer gets a different plan on each GPU, and
// the explanation says why: on the A100 (rho = 64) per-group dequantization
// on the CUDA cores makes g128 no faster than FP16; the RTX 3090 (rho = 16)
// runs it on native s4 MMAs well ahead of FP16; the H100 emulates s4 MMAs,
// so it unpacks to INT8, and its wgmma with W unpacked in registers and
// INT8-container activations beats the mma.sync kernels.

// A100: remark: apex4-select-plan on a100 for 8192x8192x8192: chose a_group=128 w_group=128 main_loop {{.*}} s4_mma_sync {{.*}} 0.{{[0-9]+}}x FP16, CUDA cores (dequantization) bound
// A100: ranked candidates:
// A100-NEXT: #1
// A100: plan = #apex4.plan<placement = main_loop, convert = {{cvt|magic}}, path = s4_mma_sync
// RTX3090: plan = #apex4.plan<placement = main_loop, convert = {{cvt|magic}}, path = s4_mma_sync
// H100: remark: apex4-select-plan on h100 for 8192x8192x8192: {{.*}} s8_wgmma_wreg
// H100-NOT: path = s4_mma_sync
// H100: plan = #apex4.plan<{{.*}}path = s8_wgmma_wreg, tile = [128, 128, 128], warps = [1, 8], stages = 4
func.func @g128(%x: tensor<8192x8192xf16>, %w: tensor<8192x8192xf16>) -> tensor<8192x8192xf16> {
  %y = apex4.linear %x, %w {a_group = #apex4.group<128>, w_group = #apex4.group<128>}
      : tensor<8192x8192xf16>, tensor<8192x8192xf16> -> tensor<8192x8192xf16>
  return %y : tensor<8192x8192xf16>
}

// -----

// 'auto' is resolved within the default bounds (32 .. 128); a plan written
// by hand is kept.
// A100-LABEL: func @auto_and_kept
// A100: apex4.linear {{.*}}a_group = #apex4.group<128>, plan = #apex4.plan<{{.*}}>, w_group = #apex4.group<128>}
// A100: apex4.matmul {{.*}}plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [64, 64, 64], warps = [2, 2], stages = 2, split_k = 1>
func.func @auto_and_kept(%x: tensor<4096x4096xf16>, %w: tensor<4096x4096xf16>,
                         %a: tensor<16x256xi4>, %sa: tensor<16x2xf32>,
                         %b: tensor<64x256xi4>, %sb: tensor<64x2xf32>) -> tensor<4096x4096xf16> {
  %y = apex4.linear %x, %w {a_group = #apex4.group<auto>, w_group = #apex4.group<auto>}
      : tensor<4096x4096xf16>, tensor<4096x4096xf16> -> tensor<4096x4096xf16>
  %c = apex4.matmul %a, %sa, %b, %sb {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
       plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync,
                          tile = [64, 64, 64], warps = [2, 2], stages = 2, split_k = 1>}
      : tensor<16x256xi4>, tensor<16x2xf32>, tensor<64x256xi4>, tensor<64x2xf32> -> tensor<16x64xf32>
  return %y : tensor<4096x4096xf16>
}

// -----

// Decode: one token is a stream over the packed weights; every GPU gets the
// split-K kernel with W on the MMA's 16-row side (tile M 8), its K split
// over as many warps as leave about 16 per SM: 8 on the H100's 132 SMs
// (256 CTAs), 4 on the A100's 108.
// H100: remark: apex4-select-plan on h100 for 1x4096x4096: chose {{.*}} tile=8x16x128 warps=1x1 stages=1 split_k=8: {{.*}} memory bound
// H100: func @decode_one_token
// H100: plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [8, 16, 128], warps = [1, 1], stages = 1, split_k = 8>
// A100-LABEL: func @decode_one_token
// A100: plan = #apex4.plan<{{.*}}path = s8_mma_sync, tile = [8, {{16|32}}, 128], warps = [1, 1], stages = 1, split_k = {{4|2}}>
func.func @decode_one_token(%x: tensor<1x4096xf16>, %w: tensor<4096x4096xf16>) -> tensor<1x4096xf16> {
  %y = apex4.linear %x, %w {a_group = #apex4.group<128>, w_group = #apex4.group<128>}
      : tensor<1x4096xf16>, tensor<4096x4096xf16> -> tensor<1x4096xf16>
  return %y : tensor<1x4096xf16>
}
