// RUN: apex4-opt %s -split-input-file -convert-apex4-to-gpu="chip=sm_90a generator=basic" -verify-diagnostics | FileCheck %s

// Hopper path, g128: cp.async into a 3-stage ring, 8 INT4 values per i32
// split into even/odd nibbles sign-extended to bytes (mask 0x0F0F0F0F, then
// ((v ^ 0x08080808) + 0x78787878) ^ 0x80808080), mma.sync m16n8k32 on s8,
// and at every group end the magic-number conversion (0x4B400000) and the
// scale multiply inside the K loop.
// CHECK-LABEL: func.func @s8_g128
// CHECK: apex4.matmul {{.*}}apex4.kernel = @apex4_kernels::@apex4_matmul_n128_k256_a128_w128_s8_mma_sync_magic_main_loop_64x64x64_w2x2_s3_f16
// CHECK: gpu.module @apex4_kernels
// CHECK: gpu.func @apex4_matmul_n128_k256_a128_w128_s8_mma_sync_magic_main_loop_64x64x64_w2x2_s3_f16(
// CHECK-SAME: memref<16777216x32xi32>, %{{.*}}: memref<16777216x2xf32>, %{{.*}}: memref<128x32xi32>, %{{.*}}: memref<128x2xf32>, %{{.*}}: memref<16777216x128xf16>, %{{.*}}: index)
// CHECK-SAME: workgroup(%{{.*}} : memref<3x64x8xi32, #gpu.address_space<workgroup>> {llvm.align = 128 : i64}
// CHECK-SAME: kernel attributes {apex4.kernel_info = {a_group = 128 : i64, block = array<i64: 128, 1, 1>, grid = array<i64: 64, 64, 1>
// CHECK: nvgpu.device_async_copy {{.*}} {bypassL1} : memref<16777216x32xi32> to memref<3x64x8xi32, #gpu.address_space<workgroup>>
// CHECK: nvvm.cp.async.commit.group
// CHECK: scf.for
// CHECK: nvvm.cp.async.wait.group 1
// CHECK: gpu.barrier
// CHECK: nvgpu.ldmatrix %{{.*}} {numTiles = 2 : i32, transpose = false} : memref<3x64x8xi32, #gpu.address_space<workgroup>> -> vector<2x1xi32>
// CHECK: arith.constant 252645135 : i32
// CHECK: arith.xori %{{.*}}, %{{.*}} : i32
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 32]} : (vector<4x4xi8>, vector<2x4xi8>, vector<2x2xi32>) -> vector<2x2xi32>
// CHECK: memref.load %{{.*}} : memref<16777216x2xf32>
// CHECK: arith.constant dense<1262485504> : vector<2x2xi32>
// CHECK: arith.bitcast %{{.*}} : vector<2x2xi32> to vector<2x2xf32>
// CHECK: arith.mulf %{{.*}} : vector<2x2xf32>
// CHECK: arith.addf %{{.*}} : vector<2x2xf32>
// CHECK: scf.yield
// CHECK: nvvm.cp.async.wait.group 0
// CHECK: arith.truncf %{{.*}} : vector<2xf32> to vector<2xf16>
// CHECK: vector.store
// CHECK-NOT: vector<4x8xi4>
func.func @s8_g128(%a: tensor<?x256xi4>, %sa: tensor<?x2xf32>, %w: tensor<128x256xi4>, %sw: tensor<128x2xf32>) -> tensor<?x128xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_mma_sync, tile = [64, 64, 64], warps = [2, 2], stages = 3, split_k = 1>}
      : tensor<?x256xi4>, tensor<?x2xf32>, tensor<128x256xi4>, tensor<128x2xf32> -> tensor<?x128xf16>
  return %c : tensor<?x128xf16>
}

// -----

// Both operands per channel (epilogue placement): no dequantization inside
// the K loop, one conversion (cvt) after it.
// CHECK-LABEL: func.func @epilogue
// CHECK: gpu.func @apex4_matmul_n64_k256_apc_wpc_s8_mma_sync_cvt_epilogue
// CHECK: scf.for
// CHECK-NOT: arith.sitofp
// CHECK: scf.yield
// CHECK: nvvm.cp.async.wait.group 0
// CHECK: arith.sitofp %{{.*}} : vector<2x2xi32> to vector<2x2xf32>
func.func @epilogue(%a: tensor<?x256xi4>, %sa: tensor<?x1xf32>, %w: tensor<64x256xi4>, %sw: tensor<64x1xf32>) -> tensor<?x64xf32> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<per_channel>, w_group = #apex4.group<per_channel>,
     plan = #apex4.plan<placement = epilogue, convert = cvt, path = s8_mma_sync, tile = [64, 64, 64], warps = [2, 2], stages = 2, split_k = 1>}
      : tensor<?x256xi4>, tensor<?x1xf32>, tensor<64x256xi4>, tensor<64x1xf32> -> tensor<?x64xf32>
  return %c : tensor<?x64xf32>
}

// -----

// A group longer than the K tile ends every 4 tiles: the dequantization sits
// under an scf.if in the loop.
// CHECK-LABEL: func.func @long_group
// CHECK: scf.for
// CHECK: nvgpu.mma.sync
// CHECK: arith.remui
// CHECK: scf.if %{{.*}} -> (vector<2x2xi32>
// CHECK: arith.sitofp
func.func @long_group(%a: tensor<?x512xi4>, %sa: tensor<?x2xf32>, %w: tensor<64x512xi4>, %sw: tensor<64x1xf32>) -> tensor<?x64xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<256>, w_group = #apex4.group<per_channel>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [64, 64, 64], warps = [2, 2], stages = 2, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x2xf32>, tensor<64x512xi4>, tensor<64x1xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

// Activation quantization: groups of at most 256 values are independent, so
// the 8 warps of a CTA share one row (grid [1]: one row per CTA), warp w
// taking passes w, w + 8, ...; shuffles for the group absmax.
// CHECK-LABEL: func.func @quantize
// CHECK: gpu.func @apex4_quantize_k256_g64_f16(%{{.*}}: memref<16777216x256xf16>, %{{.*}}: memref<16777216x32xi32>, %{{.*}}: memref<16777216x4xf32>, %{{.*}}: index) kernel
// CHECK-SAME: block = array<i64: 256, 1, 1>, grid = array<i64: 1>
// CHECK: %[[WARP:.*]] = arith.divui %{{.*}}, %c32
// CHECK: %[[IN_ROW:.*]] = arith.remui %[[WARP]], %c8
// CHECK: scf.for %{{.*}} = %[[IN_ROW]] to %{{.*}} step %c8
// CHECK: vector.load %{{.*}} : memref<16777216x256xf16>, vector<8xf16>
// CHECK: arith.andi %{{.*}} : vector<8xi32>
// CHECK: arith.cmpf ogt
// CHECK: gpu.shuffle  xor
// CHECK: arith.divf
// CHECK: arith.addf %{{.*}} : vector<8xf32>
// CHECK: arith.subf %{{.*}} : vector<8xf32>
// CHECK: arith.select
func.func @quantize(%x: tensor<?x256xf16>) -> (tensor<?x256xi4>, tensor<?x4xf32>) {
  %q, %s = apex4.quantize %x {group = #apex4.group<64>} : tensor<?x256xf16> -> tensor<?x256xi4>, tensor<?x4xf32>
  return %q, %s : tensor<?x256xi4>, tensor<?x4xf32>
}

// -----

// Per-channel scales reduce over the whole row: one warp per row, 4 rows per
// CTA (grid [4]).
// CHECK-LABEL: func.func @quantize_per_channel
// CHECK: gpu.func @apex4_quantize_k512_gpc_f16(
// CHECK-SAME: block = array<i64: 128, 1, 1>, grid = array<i64: 4>
func.func @quantize_per_channel(%x: tensor<?x512xf16>) -> (tensor<?x512xi4>, tensor<?x1xf32>) {
  %q, %s = apex4.quantize %x {group = #apex4.group<per_channel>} : tensor<?x512xf16> -> tensor<?x512xi4>, tensor<?x1xf32>
  return %q, %s : tensor<?x512xi4>, tensor<?x1xf32>
}

// -----

// A quantize feeding an s8_wgmma_wreg matmul writes INT8 containers (QC,
// i32 [M x K/4]): per lane and chunk, the 4 even-k values times 16 as bytes
// into one word and the 4 odd-k ones into the word 16 bytes further.
// CHECK-LABEL: func.func @quantize_to_containers
// CHECK: gpu.func @apex4_quantize_k256_g128_f16_containers(%{{.*}}: memref<16777216x256xf16>, %[[QC:.*]]: memref<16777216x64xi32>, %{{.*}}: memref<16777216x2xf32>, %{{.*}}: index) kernel
// CHECK-SAME: params = ["X", "QC", "S", "M"]
// CHECK: arith.muli %{{.*}}, %c16_i32
// CHECK: arith.andi %{{.*}}, %c255_i32
// CHECK: memref.store %{{.*}}, %[[QC]]
// CHECK: memref.store %{{.*}}, %[[QC]]
// CHECK: gpu.func @apex4_matmul_n128_k256_a128_w128_wgmma_wreg_magic_64x128x128_s2_f16
func.func @quantize_to_containers(%x: tensor<?x256xf16>, %w: tensor<128x256xi4>, %sw: tensor<128x2xf32>) -> tensor<?x128xf16> {
  %q, %s = apex4.quantize %x {group = #apex4.group<128>} : tensor<?x256xf16> -> tensor<?x256xi4>, tensor<?x2xf32>
  %c = apex4.matmul %q, %s, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma_wreg, tile = [64, 128, 128], warps = [1, 8], stages = 2, split_k = 1>}
      : tensor<?x256xi4>, tensor<?x2xf32>, tensor<128x256xi4>, tensor<128x2xf32> -> tensor<?x128xf16>
  return %c : tensor<?x128xf16>
}

// -----

func.func @quantize_for_two_layouts(%x: tensor<?x256xf16>, %w: tensor<128x256xi4>, %sw: tensor<128x2xf32>) -> (tensor<?x128xf16>, tensor<?x128xf16>) {
  // expected-error @+1 {{its matmuls need different activation layouts (packed INT4 and INT8 containers); quantize once per layout}}
  %q, %s = apex4.quantize %x {group = #apex4.group<128>} : tensor<?x256xf16> -> tensor<?x256xi4>, tensor<?x2xf32>
  %c = apex4.matmul %q, %s, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma_wreg, tile = [64, 128, 128], warps = [1, 8], stages = 2, split_k = 1>}
      : tensor<?x256xi4>, tensor<?x2xf32>, tensor<128x256xi4>, tensor<128x2xf32> -> tensor<?x128xf16>
  %d = apex4.matmul %q, %s, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_mma_sync, tile = [64, 64, 64], warps = [2, 2], stages = 2, split_k = 1>}
      : tensor<?x256xi4>, tensor<?x2xf32>, tensor<128x256xi4>, tensor<128x2xf32> -> tensor<?x128xf16>
  return %c, %d : tensor<?x128xf16>, tensor<?x128xf16>
}

// -----

func.func @s4_on_hopper(%a: tensor<?x256xi4>, %sa: tensor<?x2xf32>, %w: tensor<64x256xi4>, %sw: tensor<64x2xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{cannot generate a kernel for sm_90a: plan path s4_mma_sync is emulated in software on sm_90a (about 28x slower than s8); use s8_mma_sync}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s4_mma_sync, tile = [64, 64, 64], warps = [2, 2], stages = 2, split_k = 1>}
      : tensor<?x256xi4>, tensor<?x2xf32>, tensor<64x256xi4>, tensor<64x2xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

func.func @no_plan(%a: tensor<?x256xi4>, %sa: tensor<?x2xf32>, %w: tensor<64x256xi4>, %sw: tensor<64x2xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{apex4.matmul has no plan; run apex4-select-plan or attach a #apex4.plan}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>}
      : tensor<?x256xi4>, tensor<?x2xf32>, tensor<64x256xi4>, tensor<64x2xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

func.func @group_finer_than_mma(%a: tensor<?x256xi4>, %sa: tensor<?x16xf32>, %w: tensor<64x256xi4>, %sw: tensor<64x16xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{cannot generate a kernel for sm_90a: group size 16 is finer than one s8 MMA (32 values)}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<16>, w_group = #apex4.group<16>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [64, 64, 64], warps = [2, 2], stages = 2, split_k = 1>}
      : tensor<?x256xi4>, tensor<?x16xf32>, tensor<64x256xi4>, tensor<64x16xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

// wgmma plans go to the wgmma generator whatever `generator` says.
func.func @wgmma_needs_warpgroups(%a: tensor<?x256xi4>, %sa: tensor<?x2xf32>, %w: tensor<64x256xi4>, %sw: tensor<64x2xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{cannot generate a kernel for sm_90a: the wgmma kernel needs warps [4, 1] for tile M 64}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_wgmma, tile = [64, 64, 64], warps = [2, 2], stages = 2, split_k = 1>}
      : tensor<?x256xi4>, tensor<?x2xf32>, tensor<64x256xi4>, tensor<64x2xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

func.func @split_k_needs_decode_tile(%a: tensor<?x256xi4>, %sa: tensor<?x2xf32>, %w: tensor<64x256xi4>, %sw: tensor<64x2xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{cannot generate a kernel for sm_90a: the split-K kernel needs tile [8 or 16, TN, 128] and warps [1, 1]}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [64, 64, 64], warps = [2, 2], stages = 2, split_k = 2>}
      : tensor<?x256xi4>, tensor<?x2xf32>, tensor<64x256xi4>, tensor<64x2xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

func.func @epilogue_needs_per_channel(%a: tensor<?x256xi4>, %sa: tensor<?x2xf32>, %w: tensor<64x256xi4>, %sw: tensor<64x2xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{plan placement epilogue needs per-channel scales on both operands}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = epilogue, convert = cvt, path = s8_mma_sync, tile = [64, 64, 64], warps = [2, 2], stages = 2, split_k = 1>}
      : tensor<?x256xi4>, tensor<?x2xf32>, tensor<64x256xi4>, tensor<64x2xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

func.func @registers(%a: tensor<?x256xi4>, %sa: tensor<?x2xf32>, %w: tensor<128x256xi4>, %sw: tensor<128x2xf32>) -> tensor<?x128xf16> {
  // expected-error @+1 {{a warp tile of 32 MMA fragments exceeds the register budget (16)}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [128, 128, 64], warps = [2, 2], stages = 2, split_k = 1>}
      : tensor<?x256xi4>, tensor<?x2xf32>, tensor<128x256xi4>, tensor<128x2xf32> -> tensor<?x128xf16>
  return %c : tensor<?x128xf16>
}

// -----

func.func @linear_not_expanded(%x: tensor<4x256xf16>, %w: tensor<64x256xf16>) -> tensor<4x64xf16> {
  // expected-error @+1 {{apex4.linear must be expanded before kernel generation; run apex4-expand-linear}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<128>, w_group = #apex4.group<128>}
      : tensor<4x256xf16>, tensor<64x256xf16> -> tensor<4x64xf16>
  return %y : tensor<4x64xf16>
}
