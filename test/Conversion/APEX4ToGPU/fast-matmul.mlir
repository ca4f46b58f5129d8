// RUN: apex4-opt %s -split-input-file -convert-apex4-to-gpu="chip=sm_90a" | FileCheck %s

// The fast generator (the default): packed i8 operands, a 3-stage ring of
// swizzled i8 tiles filled by 16-byte cp.async, ldmatrix.x4 fragments (the
// first ones loaded before the loop and carried across the K-tile barrier),
// the 3-op unpack ((x << 4) & 0xF0F0F0F0, x & 0xF0F0F0F0), s8 m16n8k32 MMAs
// into INT32 accumulators that start at the magic bias 0x4B400000, fused
// scale-and-add at the group end, and the x1/256 unscale before the store.
// CHECK-LABEL: func.func @fast_g128
// CHECK: apex4.matmul {{.*}}apex4.kernel = @apex4_kernels::@apex4_matmul_n128_k256_a128_w128_s8_mma_sync_magic_main_loop_64x64x128_w2x2_s3_f16_fast
// CHECK: gpu.func @apex4_matmul_n128_k256_a128_w128_s8_mma_sync_magic_main_loop_64x64x128_w2x2_s3_f16_fast(
// CHECK-SAME: memref<16777216x128xi8>, %{{.*}}: memref<16777216x2xf32>, %{{.*}}: memref<128x128xi8>, %{{.*}}: memref<128x2xf32>, %{{.*}}: memref<16777216x128xf16>, %{{.*}}: index)
// CHECK-SAME: workgroup(%{{.*}} : memref<3x64x64xi8, #gpu.address_space<workgroup>> {llvm.align = 128 : i64}
// CHECK-SAME: kernel attributes {apex4.kernel_info = {a_group = 128 : i64, block = array<i64: 128, 1, 1>, grid = array<i64: 64, 64, 1>
// CHECK: nvgpu.device_async_copy {{.*}}, 16, %{{.*}} {bypassL1} : memref<16777216x128xi8> to memref<3x64x64xi8, #gpu.address_space<workgroup>>
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.wait.group 1
// CHECK: gpu.barrier
// CHECK: nvgpu.ldmatrix %{{.*}} {numTiles = 4 : i32, transpose = false} : memref<3x64x64xi8, #gpu.address_space<workgroup>> -> vector<4x4xi8>
// CHECK: scf.for {{.*}} -> (vector<2x2xf32>, {{.*}}, vector<4x4xi8>
// CHECK: memref.load %{{.*}} : memref<16777216x2xf32>
// CHECK: arith.constant dense<1262485504> : vector<2x2xi32>
// CHECK: scf.for {{.*}} -> (vector<2x2xi32>,
// CHECK: nvvm.cp.async.wait.group 0
// CHECK: gpu.barrier
// CHECK: nvgpu.ldmatrix
// CHECK: arith.shli %{{.*}}, %{{.*}} : i32
// CHECK: arith.constant -252645136 : i32
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 32]} : (vector<4x4xi8>, vector<2x4xi8>, vector<2x2xi32>) -> vector<2x2xi32>
// CHECK: scf.yield
// CHECK: arith.bitcast %{{.*}} : vector<2x2xi32> to vector<2x2xf32>
// CHECK: arith.subf
// CHECK: arith.mulf %{{.*}} fastmath<contract> : vector<2x2xf32>
// CHECK: arith.addf %{{.*}} fastmath<contract> : vector<2x2xf32>
// CHECK: nvvm.cp.async.wait.group 0
// CHECK: arith.constant dense<3.906250e-03> : vector<2xf32>
// CHECK: arith.truncf %{{.*}} : vector<2xf32> to vector<2xf16>
// CHECK: vector.store {{.*}} {alignment = 4 : i64} : memref<16777216x128xf16>, vector<2xf16>
// CHECK-NOT: vector<4x8xi4>
func.func @fast_g128(%a: tensor<?x256xi4>, %sa: tensor<?x2xf32>, %w: tensor<128x256xi4>, %sw: tensor<128x2xf32>) -> tensor<?x128xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_mma_sync, tile = [64, 64, 128], warps = [2, 2], stages = 3, split_k = 1>}
      : tensor<?x256xi4>, tensor<?x2xf32>, tensor<128x256xi4>, tensor<128x2xf32> -> tensor<?x128xf16>
  return %c : tensor<?x128xf16>
}

// -----

// Groups finer than the K tile end at static MMA steps inside the tile body:
// two conversions per 64-value tile for g32, no inner loop.
// CHECK-LABEL: func.func @fast_g32
// CHECK: gpu.func @apex4_matmul_n64_k256_a32_w32_s8_mma_sync_magic_main_loop_64x64x64_w2x2_s3_f16_fast
// CHECK: scf.for
// CHECK-NOT: scf.for
// CHECK: nvgpu.mma.sync
// CHECK: arith.bitcast %{{.*}} : vector<2x2xi32> to vector<2x2xf32>
// CHECK: memref.load %{{.*}} : memref<16777216x8xf32>
// CHECK: nvgpu.mma.sync
// CHECK: arith.bitcast %{{.*}} : vector<2x2xi32> to vector<2x2xf32>
// CHECK: scf.yield
func.func @fast_g32(%a: tensor<?x256xi4>, %sa: tensor<?x8xf32>, %w: tensor<64x256xi4>, %sw: tensor<64x8xf32>) -> tensor<?x64xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<32>, w_group = #apex4.group<32>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_mma_sync, tile = [64, 64, 64], warps = [2, 2], stages = 3, split_k = 1>}
      : tensor<?x256xi4>, tensor<?x8xf32>, tensor<64x256xi4>, tensor<64x8xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

// Both operands per channel (epilogue placement), f32 output: one group as
// long as K, converted with cvt once after the tiles; two stages, so no
// fragment prefetch (wait for the current tile, not the next).
// CHECK-LABEL: func.func @fast_epilogue
// CHECK: gpu.func @apex4_matmul_n64_k256_apc_wpc_s8_mma_sync_cvt_epilogue_64x64x64_w2x2_s2_f32_fast
// CHECK: scf.for
// CHECK: arith.constant dense<0> : vector<2x2xi32>
// CHECK: scf.for
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NOT: arith.sitofp
// CHECK: scf.yield
// CHECK: arith.sitofp %{{.*}} : vector<2x2xi32> to vector<2x2xf32>
// CHECK: vector.store {{.*}} {alignment = 8 : i64} : memref<16777216x64xf32>, vector<2xf32>
func.func @fast_epilogue(%a: tensor<?x256xi4>, %sa: tensor<?x1xf32>, %w: tensor<64x256xi4>, %sw: tensor<64x1xf32>) -> tensor<?x64xf32> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<per_channel>, w_group = #apex4.group<per_channel>,
     plan = #apex4.plan<placement = epilogue, convert = cvt, path = s8_mma_sync, tile = [64, 64, 64], warps = [2, 2], stages = 2, split_k = 1>}
      : tensor<?x256xi4>, tensor<?x1xf32>, tensor<64x256xi4>, tensor<64x1xf32> -> tensor<?x64xf32>
  return %c : tensor<?x64xf32>
}

// -----

// A group of 512 values times the s8 factor 256 leaves the magic number's
// exact range (2^22): the fast generator converts with cvt instead.
// CHECK-LABEL: func.func @fast_magic_out_of_range
// CHECK: gpu.func @apex4_matmul_n64_k1024_a512_w512_s8_mma_sync_magic_main_loop_64x64x128_w2x2_s3_f16_fast
// CHECK-NOT: 1262485504
// CHECK: arith.sitofp
func.func @fast_magic_out_of_range(%a: tensor<?x1024xi4>, %sa: tensor<?x2xf32>, %w: tensor<64x1024xi4>, %sw: tensor<64x2xf32>) -> tensor<?x64xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<512>, w_group = #apex4.group<512>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_mma_sync, tile = [64, 64, 128], warps = [2, 2], stages = 3, split_k = 1>}
      : tensor<?x1024xi4>, tensor<?x2xf32>, tensor<64x1024xi4>, tensor<64x2xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

// A plan the fast generator does not take (tile K 256) falls back to the
// basic generator: no _fast suffix, i32-word tiles.
// CHECK-LABEL: func.func @fallback
// CHECK: gpu.func @apex4_matmul_n64_k512_a256_w256_s8_mma_sync_cvt_main_loop_64x64x256_w2x2_s2_f16(
// CHECK-SAME: memref<16777216x64xi32>
func.func @fallback(%a: tensor<?x512xi4>, %sa: tensor<?x2xf32>, %w: tensor<64x512xi4>, %sw: tensor<64x2xf32>) -> tensor<?x64xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<256>, w_group = #apex4.group<256>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [64, 64, 256], warps = [2, 2], stages = 2, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x2xf32>, tensor<64x512xi4>, tensor<64x2xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

// Mixed granularity (g128 activations, per-channel weights): the group end
// multiplies by the A scales only (no scale products), and each accumulator
// takes its column's per-channel W scale once, after the main loop.
// CHECK-LABEL: func.func @fast_per_channel_weights
// CHECK: gpu.func @apex4_matmul_n128_k512_a128_wpc_s8_mma_sync_magic_main_loop_64x64x128_w2x2_s3_f16_fast(
// CHECK: arith.subf
// CHECK-NEXT: arith.mulf %{{.*}}, %{{.*}} fastmath<contract> : vector<2x2xf32>
// CHECK-NOT: arith.mulf %{{[^ ]*}}, %{{[^ ]*}} : f32
// CHECK: scf.yield
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-COUNT-8: memref.load %arg3[%{{.*}}, %{{.*}}] : memref<128x1xf32>
// CHECK-COUNT-8: arith.mulf %{{.*}}, %{{.*}} : vector<2x2xf32>
func.func @fast_per_channel_weights(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<128x512xi4>, %sw: tensor<128x1xf32>) -> tensor<?x128xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<per_channel>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_mma_sync, tile = [64, 64, 128], warps = [2, 2], stages = 3, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<128x512xi4>, tensor<128x1xf32> -> tensor<?x128xf16>
  return %c : tensor<?x128xf16>
}
