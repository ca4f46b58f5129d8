// RUN: apex4-opt %s -convert-apex4-to-gpu="chip=sm_80" | FileCheck %s

// Ampere path of the fast generator: the ldmatrix.x4 registers are the
// m16n8k64 s4 fragments as they are (no unpack, no x16 factor, so no unscale
// before the store).
// CHECK-LABEL: func.func @fast_s4
// CHECK: gpu.func @apex4_matmul_n128_k256_a128_w128_s4_mma_sync_magic_main_loop_64x64x64_w2x2_s3_f16_fast
// CHECK: nvgpu.ldmatrix %{{.*}} {numTiles = 4 : i32, transpose = false} : memref<3x64x32xi8, #gpu.address_space<workgroup>> -> vector<4x4xi8>
// CHECK-NOT: arith.shli
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 64]} : (vector<4x8xi4>, vector<2x8xi4>, vector<2x2xi32>) -> vector<2x2xi32>
// CHECK-NOT: 3.906250e-03
// CHECK: vector.store
func.func @fast_s4(%a: tensor<?x256xi4>, %sa: tensor<?x2xf32>, %w: tensor<128x256xi4>, %sw: tensor<128x2xf32>) -> tensor<?x128xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s4_mma_sync, tile = [64, 64, 64], warps = [2, 2], stages = 3, split_k = 1>}
      : tensor<?x256xi4>, tensor<?x2xf32>, tensor<128x256xi4>, tensor<128x2xf32> -> tensor<?x128xf16>
  return %c : tensor<?x128xf16>
}
