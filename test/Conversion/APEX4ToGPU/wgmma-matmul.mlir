// RUN: apex4-opt %s -split-input-file -convert-apex4-to-gpu="chip=sm_90a" -verify-diagnostics | FileCheck %s

// One warpgroup, 64 x 128 outputs, K tiles of 128 values, 3 ring stages.
// Dynamic shared memory: two W staging tiles (2 x 8 x 128 core-matrix rows
// of 16 bytes = 32 KiB) then the INT4 ring (3 x 192 rows x 64 bytes), seen
// both as bytes (cp.async, ldmatrix) and as 16-byte chunks (unpack reads).
// Each thread copies 6 chunks per tile: 2 of A, 4 of W. The prologue waits
// for tile 0, unpacks its W chunks (even / odd nibbles into core-matrix
// columns 2c / 2c+1), fences them for the tensor cores and loads the
// warp's A fragments with ldmatrix. Per tile: 4 wgmma m64n128k32 with A in
// registers (the first of a group with scale-d 0), the copy 2 tiles ahead,
// then the next tile's W unpack once wait_group 1 has retired the previous
// tile's wgmmas; at the group end wait_group 0 and the dequantization
// (magic conversion: integer add, bitcast, float subtract).
// CHECK-LABEL: func.func @prefill_g128
// CHECK: apex4.kernel = @apex4_kernels::@apex4_matmul_n256_k512_a128_w128_wgmma_magic_64x128x128_s3_f16
// CHECK: gpu.func @apex4_matmul_n256_k512_a128_w128_wgmma_magic_64x128x128_s3_f16(
// CHECK-SAME: apex4.kernel_info = {{.*}}block = array<i64: 128, 1, 1>, {{.*}}grid = array<i64: 128, 64, 1>, {{.*}}shared_bytes = 69632
// CHECK-SAME: known_block_size = array<i32: 128, 1, 1>
// CHECK: %[[DYN:.*]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK: %[[STAGE:.*]] = memref.view %[[DYN]][%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<2x8x128xvector<4xi32>, #gpu.address_space<workgroup>>
// CHECK: %[[RING:.*]] = memref.view %[[DYN]][%{{.*}}][] : {{.*}} to memref<3x192x64xi8, #gpu.address_space<workgroup>>
// CHECK: %[[CHUNKS:.*]] = memref.view %[[DYN]][%{{.*}}][] : {{.*}} to memref<3x192x4xvector<4xi32>, #gpu.address_space<workgroup>>
// CHECK: memref.extract_aligned_pointer_as_index %[[STAGE]]
// CHECK-COUNT-6: nvgpu.device_async_copy {{.*}}, %[[RING]]{{.*}}, 16, %{{.*}} {bypassL1}
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.wait.group 1
// CHECK: gpu.barrier
// CHECK: memref.load %[[CHUNKS]]
// CHECK: arith.shli
// CHECK: memref.store %{{.*}}, %[[STAGE]]
// CHECK: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-COUNT-2: nvgpu.ldmatrix %[[RING]]{{.*}} {numTiles = 4 : i32, transpose = false}
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK: memref.load %arg1
// CHECK: nvvm.wgmma.fence.aligned
// CHECK: llvm.inline_asm has_side_effects {{.*}}wgmma.mma_async.sync.aligned.m64n128k32.s32.s8.s8 {{.*}}, {$128, $129, $130, $131}, $132, p;
// CHECK-SAME: "=r,{{.*}},r,r,r,r,l,n"
// CHECK-COUNT-3: llvm.inline_asm has_side_effects {{.*}}wgmma.mma_async.sync.aligned.m64n128k32.s32.s8.s8
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-COUNT-6: nvgpu.device_async_copy
// CHECK: nvvm.cp.async.wait.group 1
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK: gpu.barrier
// CHECK: scf.if
// CHECK: memref.store %{{.*}}, %[[STAGE]]
// CHECK: nvvm.fence.proxy
// CHECK: nvgpu.ldmatrix %[[RING]]
// CHECK: gpu.barrier
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: llvm.extractvalue
// CHECK: arith.addi %{{.*}}, %{{.*}} : i32
// CHECK: arith.bitcast %{{.*}} : i32 to f32
// CHECK: arith.subf
// CHECK: scf.yield
// CHECK: nvvm.cp.async.wait.group 0
// CHECK: scf.if
// CHECK: arith.truncf {{.*}} : f32 to f16
// CHECK: vector.store {{.*}} : memref<16777216x256xf16>, vector<2xf16>
func.func @prefill_g128(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<256x512xi4>, %sw: tensor<256x4xf32>) -> tensor<?x256xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma, tile = [64, 128, 128], warps = [4, 1], stages = 3, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<256x512xi4>, tensor<256x4xf32> -> tensor<?x256xf16>
  return %c : tensor<?x256xf16>
}

// -----

// Two warpgroups (256 threads, 128 rows), 64 columns, K tiles of 64 values,
// groups of 256 (4 tiles: the first with scale-d 0, then a loop over 3),
// cvt conversion and an f32 output.
// CHECK-LABEL: func.func @two_warpgroups_g256
// CHECK: gpu.func @apex4_matmul_n128_k1024_a256_w256_wgmma_cvt_128x64x64_s4_f32(
// CHECK-SAME: block = array<i64: 256, 1, 1>, {{.*}}shared_bytes = 32768
// CHECK: memref<2x4x64xvector<4xi32>, #gpu.address_space<workgroup>>
// CHECK: memref<4x192x32xi8, #gpu.address_space<workgroup>>
// CHECK: scf.for
// CHECK-COUNT-2: wgmma.mma_async.sync.aligned.m64n64k32.s32.s8.s8
// CHECK: scf.for
// CHECK-COUNT-2: wgmma.mma_async.sync.aligned.m64n64k32.s32.s8.s8
// CHECK: scf.yield
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: arith.sitofp %{{.*}} : i32 to f32
// CHECK: vector.store {{.*}} : memref<16777216x128xf32>, vector<2xf32>
func.func @two_warpgroups_g256(%a: tensor<?x1024xi4>, %sa: tensor<?x4xf32>, %w: tensor<128x1024xi4>, %sw: tensor<128x4xf32>) -> tensor<?x128xf32> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<256>, w_group = #apex4.group<256>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_wgmma, tile = [128, 64, 64], warps = [8, 1], stages = 4, split_k = 1>}
      : tensor<?x1024xi4>, tensor<?x4xf32>, tensor<128x1024xi4>, tensor<128x4xf32> -> tensor<?x128xf32>
  return %c : tensor<?x128xf32>
}

// -----

func.func @tile_m_not_warpgroups(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<128x512xi4>, %sw: tensor<128x4xf32>) -> tensor<?x128xf16> {
  // expected-error @+1 {{the wgmma kernel needs tile M 64, 128, 192 or 256 (one warpgroup per 64 rows), not 96}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma, tile = [96, 128, 128], warps = [6, 1], stages = 4, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<128x512xi4>, tensor<128x4xf32> -> tensor<?x128xf16>
  return %c : tensor<?x128xf16>
}

// -----

func.func @warps_not_a_column(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<128x512xi4>, %sw: tensor<128x4xf32>) -> tensor<?x128xf16> {
  // expected-error @+1 {{the wgmma kernel needs warps [8, 1] for tile M 128}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma, tile = [128, 128, 128], warps = [4, 2], stages = 4, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<128x512xi4>, tensor<128x4xf32> -> tensor<?x128xf16>
  return %c : tensor<?x128xf16>
}

// -----

func.func @tile_n_too_wide(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<256x512xi4>, %sw: tensor<256x4xf32>) -> tensor<?x256xf16> {
  // expected-error @+1 {{the wgmma kernel needs tile N 64 or 128, not 256}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma, tile = [64, 256, 128], warps = [4, 1], stages = 4, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<256x512xi4>, tensor<256x4xf32> -> tensor<?x256xf16>
  return %c : tensor<?x256xf16>
}

// -----

func.func @n_not_tiled(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<96x512xi4>, %sw: tensor<96x4xf32>) -> tensor<?x96xf16> {
  // expected-error @+1 {{N = 96 is not a multiple of the plan's tile N 64}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma, tile = [64, 64, 128], warps = [4, 1], stages = 4, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<96x512xi4>, tensor<96x4xf32> -> tensor<?x96xf16>
  return %c : tensor<?x96xf16>
}

// -----

func.func @tile_k_256(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<128x512xi4>, %sw: tensor<128x4xf32>) -> tensor<?x128xf16> {
  // expected-error @+1 {{the wgmma kernel needs tile K 64 or 128, not 256}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma, tile = [64, 128, 256], warps = [4, 1], stages = 4, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<128x512xi4>, tensor<128x4xf32> -> tensor<?x128xf16>
  return %c : tensor<?x128xf16>
}

// -----

func.func @group_finer_than_tile(%a: tensor<?x512xi4>, %sa: tensor<?x8xf32>, %w: tensor<128x512xi4>, %sw: tensor<128x8xf32>) -> tensor<?x128xf16> {
  // expected-error @+1 {{the wgmma kernel needs the group size (64) to be a multiple of tile K 128}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<64>, w_group = #apex4.group<64>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma, tile = [64, 128, 128], warps = [4, 1], stages = 4, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x8xf32>, tensor<128x512xi4>, tensor<128x8xf32> -> tensor<?x128xf16>
  return %c : tensor<?x128xf16>
}

// -----

func.func @too_many_stages(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<128x512xi4>, %sw: tensor<128x4xf32>) -> tensor<?x128xf16> {
  // expected-error @+1 {{the wgmma kernel keeps stages - 1 tiles in flight; stages must be 2 to 6, not 7}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma, tile = [64, 128, 128], warps = [4, 1], stages = 7, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<128x512xi4>, tensor<128x4xf32> -> tensor<?x128xf16>
  return %c : tensor<?x128xf16>
}

// -----

func.func @one_stage(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<128x512xi4>, %sw: tensor<128x4xf32>) -> tensor<?x128xf16> {
  // expected-error @+1 {{the wgmma kernel keeps stages - 1 tiles in flight; stages must be 2 to 6, not 1}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma, tile = [64, 128, 128], warps = [4, 1], stages = 1, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<128x512xi4>, tensor<128x4xf32> -> tensor<?x128xf16>
  return %c : tensor<?x128xf16>
}

// -----

// Path s8_wgmma splits K nowhere (its slices would need a reduction it
// does not have).
func.func @split_k(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<128x512xi4>, %sw: tensor<128x4xf32>) -> tensor<?x128xf16> {
  // expected-error @+1 {{cannot generate a kernel for sm_90a: path s8_wgmma has no split-K; split_k must be 1, not 2}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma, tile = [64, 128, 128], warps = [4, 1], stages = 4, split_k = 2>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<128x512xi4>, tensor<128x4xf32> -> tensor<?x128xf16>
  return %c : tensor<?x128xf16>
}

// -----

// Path s8_wgmma_wreg: W rows (tile N = 128, two warpgroups) on the wgmmas'
// register side, 64 activation rows as their N. The activations arrive as
// INT8 containers (parameter AC, i8 [M][K]); thread 0 copies each tile of
// them with TMA (tensor map ACMAP, 128-byte swizzle) into a ring of 3 x 64
// rows x 128 bytes that the wgmmas read in place (descriptor layout type
// 128B swizzle: bit 62), completing on one mbarrier per slot. The INT4 ring
// holds only W (3 x 128 rows x 64 bytes, cp.async). Per tile: the wgmmas,
// wait_group 1 and a barrier (the previous tile's slot is free), the copies
// 2 tiles ahead, then cp.async.wait, the mbarrier wait for the next tile and
// a barrier before its W fragments. The scales of each tile's group travel
// with it (4-byte copies into a [3][128 + 64] f32 ring: sw of the W rows,
// then sa of the activation rows); the group end reads them from shared
// memory: sw by register row, sa by column. The output is stored
// transposed, one value at a time.
// CHECK-LABEL: func.func @prefill_weights_in_registers
// CHECK: gpu.func @apex4_matmul_n256_k512_a128_w128_wgmma_wreg_magic_64x128x128_s3_f16(%{{.*}}: memref<16777216x512xi8>, {{.*}}, %{{.*}}: memref<128xi8>, %{{.*}}: index)
// CHECK-SAME: apex4.kernel_info = {{.*}}block = array<i64: 256, 1, 1>, {{.*}}grid = array<i64: 128, 64, 1>, {{.*}}params = ["AC", "SA", "W", "SW", "C", "ACMAP", "M"], shared_bytes = 51480
// CHECK: %[[CONTAINERS:.*]] = memref.view %{{.*}} to memref<3x8x64x16xi8, #gpu.address_space<workgroup>>
// CHECK: %[[SCALES:.*]] = memref.view %{{.*}} to memref<3x192xf32, #gpu.address_space<workgroup>>
// CHECK: %[[BARRIERS:.*]] = memref.view %{{.*}} to memref<3xi64, #gpu.address_space<workgroup>>
// CHECK: %[[RING:.*]] = memref.view %{{.*}} to memref<3x128x64xi8, #gpu.address_space<workgroup>>
// CHECK: memref.extract_aligned_pointer_as_index %[[CONTAINERS]]
// CHECK: arith.constant 4611686293305360384 : i64
// CHECK: llvm.inline_asm has_side_effects {{.*}}"{{.*}}@bad trap;
// CHECK-COUNT-3: llvm.inline_asm has_side_effects {{.*}}"mbarrier.init.shared::cta.b64 [$0], 1;"
// CHECK: gpu.barrier
// CHECK-COUNT-2: nvgpu.device_async_copy %arg2{{.*}}, %[[RING]]
// CHECK: "mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;"
// CHECK: "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [$0], [$1, {$2, $3}], [$4];"
// CHECK: nvgpu.device_async_copy %arg3{{.*}}, %[[SCALES]]{{.*}}, 1, %{{.*}} :
// CHECK: nvgpu.device_async_copy %arg1{{.*}}, %[[SCALES]]{{.*}}, 1, %{{.*}} :
// CHECK: nvvm.cp.async.commit.group
// CHECK: nvvm.cp.async.wait.group 1
// CHECK: mbarrier.try_wait.parity.shared::cta.b64
// CHECK: gpu.barrier
// CHECK-COUNT-2: nvgpu.ldmatrix %[[RING]]
// CHECK: scf.for
// CHECK-NOT: memref.load %arg
// CHECK-COUNT-4: wgmma.mma_async.sync.aligned.m64n64k32.s32.s8.s8
// CHECK: nvvm.wgmma.wait.group.sync.aligned 1
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.device_async_copy %arg2
// CHECK: cp.async.bulk.tensor.2d
// CHECK: nvvm.cp.async.wait.group 1
// CHECK: mbarrier.try_wait.parity.shared::cta.b64
// CHECK: gpu.barrier
// CHECK: nvgpu.ldmatrix %[[RING]]
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-COUNT-2: memref.load %[[SCALES]]
// CHECK: memref.store %{{.*}}, %arg4[%{{.*}}, %{{.*}}] : memref<16777216x256xf16>
func.func @prefill_weights_in_registers(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<256x512xi4>, %sw: tensor<256x4xf32>) -> tensor<?x256xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma_wreg, tile = [64, 128, 128], warps = [1, 8], stages = 3, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<256x512xi4>, tensor<256x4xf32> -> tensor<?x256xf16>
  return %c : tensor<?x256xf16>
}

// -----

func.func @weights_in_registers_need_warpgroup_rows(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<256x512xi4>, %sw: tensor<256x4xf32>) -> tensor<?x256xf16> {
  // expected-error @+1 {{path s8_wgmma_wreg needs tile N 64, 128, 192 or 256 (one warpgroup per 64 W rows), not 32}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma_wreg, tile = [64, 32, 128], warps = [1, 2], stages = 3, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<256x512xi4>, tensor<256x4xf32> -> tensor<?x256xf16>
  return %c : tensor<?x256xf16>
}

// -----

func.func @weights_in_registers_warps(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<256x512xi4>, %sw: tensor<256x4xf32>) -> tensor<?x256xf16> {
  // expected-error @+1 {{path s8_wgmma_wreg needs warps [1, 8] for tile N 128}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma_wreg, tile = [64, 128, 128], warps = [4, 1], stages = 3, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<256x512xi4>, tensor<256x4xf32> -> tensor<?x256xf16>
  return %c : tensor<?x256xf16>
}

// -----

func.func @weights_in_registers_tile_k(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<256x512xi4>, %sw: tensor<256x4xf32>) -> tensor<?x256xf16> {
  // expected-error @+1 {{path s8_wgmma_wreg needs tile K 128 (one 128-byte swizzled row of containers per TMA box row), not 64}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma_wreg, tile = [64, 128, 64], warps = [1, 8], stages = 3, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<256x512xi4>, tensor<256x4xf32> -> tensor<?x256xf16>
  return %c : tensor<?x256xf16>
}

// -----

func.func @weights_in_registers_n_side(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<256x512xi4>, %sw: tensor<256x4xf32>) -> tensor<?x256xf16> {
  // expected-error @+1 {{path s8_wgmma_wreg needs tile M 64 or 128 (the wgmmas' N), not 256}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma_wreg, tile = [256, 128, 128], warps = [1, 8], stages = 3, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<256x512xi4>, tensor<256x4xf32> -> tensor<?x256xf16>
  return %c : tensor<?x256xf16>
}

// -----

// Cluster split-K: K = 1024 (8 tiles) over the 2 CTAs of a 1 x 1 x 2
// cluster (grid z 2, PTX .reqnctapercluster), 4 tiles each, starting at
// tile 4 z. After the main loop every CTA writes its f32 partials
// ([16][256] vectors of 4 f32 over the container ring at offset 0) and
// passes a cluster barrier; CTA z then adds vectors 8z .. 8z + 7 of both
// CTAs in rank order (mapa to rank 0, then 1; unrolled: left as a loop it
// made ptxas copy the main loop's accumulators) and stores them; a second
// cluster barrier keeps its shared memory alive for the other CTA's reads.
// CHECK-LABEL: func.func @cluster_split_k
// CHECK: gpu.func @apex4_matmul_n256_k1024_a128_w128_wgmma_wreg_cvt_128x128x128_s4_f16_cluster2(
// CHECK-SAME: grid = array<i64: 128, 128, 2>
// CHECK-SAME: nvvm.cluster_dim = array<i32: 1, 1, 2>
// CHECK: %[[PARTIALS:.*]] = memref.view %{{.*}}[%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<16x256xvector<4xf32>, #gpu.address_space<workgroup>>
// CHECK: %[[Z:.*]] = gpu.block_id  z
// CHECK: arith.muli %[[Z]], %{{.*}} : index
// CHECK: cp.async.bulk.tensor.2d
// CHECK: scf.for
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-16: memref.store %{{.*}}, %[[PARTIALS]]
// CHECK: nvvm.cluster.arrive {aligned}
// CHECK-NEXT: nvvm.cluster.wait {aligned}
// CHECK-NOT: scf.for
// CHECK: %[[LOCAL0:.*]] = llvm.inttoptr %{{.*}} : i32 to !llvm.ptr<3>
// CHECK: %[[REMOTE0:.*]] = nvvm.mapa %[[LOCAL0]], %c0_i32 : !llvm.ptr<3> -> !llvm.ptr<7>
// CHECK: llvm.load %[[REMOTE0]] {alignment = 16 : i64} : !llvm.ptr<7> -> vector<4xf32>
// CHECK: %[[REMOTE1:.*]] = nvvm.mapa %{{.*}}, %c1_i32 : !llvm.ptr<3> -> !llvm.ptr<7>
// CHECK: llvm.load %[[REMOTE1]] {alignment = 16 : i64} : !llvm.ptr<7> -> vector<4xf32>
// CHECK-COUNT-4: arith.addf
// CHECK: memref.store %{{.*}}, %arg4
// CHECK: nvvm.cluster.arrive {aligned}
// CHECK-NEXT: nvvm.cluster.wait {aligned}
func.func @cluster_split_k(%a: tensor<?x1024xi4>, %sa: tensor<?x8xf32>, %w: tensor<256x1024xi4>, %sw: tensor<256x8xf32>) -> tensor<?x256xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_wgmma_wreg, tile = [128, 128, 128], warps = [1, 8], stages = 4, split_k = 2>}
      : tensor<?x1024xi4>, tensor<?x8xf32>, tensor<256x1024xi4>, tensor<256x8xf32> -> tensor<?x256xf16>
  return %c : tensor<?x256xf16>
}

// -----

func.func @cluster_of_three(%a: tensor<?x1536xi4>, %sa: tensor<?x12xf32>, %w: tensor<256x1536xi4>, %sw: tensor<256x12xf32>) -> tensor<?x256xf16> {
  // expected-error @+1 {{path s8_wgmma_wreg splits K over the CTAs of a cluster: split_k must be 1, 2, 4 or 8, not 3}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_wgmma_wreg, tile = [128, 128, 128], warps = [1, 8], stages = 4, split_k = 3>}
      : tensor<?x1536xi4>, tensor<?x12xf32>, tensor<256x1536xi4>, tensor<256x12xf32> -> tensor<?x256xf16>
  return %c : tensor<?x256xf16>
}

// -----

func.func @cluster_slices_uneven(%a: tensor<?x768xi4>, %sa: tensor<?x6xf32>, %w: tensor<256x768xi4>, %sw: tensor<256x6xf32>) -> tensor<?x256xf16> {
  // expected-error @+1 {{split_k 4 does not divide the 6 K tiles of K = 768}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_wgmma_wreg, tile = [128, 128, 128], warps = [1, 8], stages = 4, split_k = 4>}
      : tensor<?x768xi4>, tensor<?x6xf32>, tensor<256x768xi4>, tensor<256x6xf32> -> tensor<?x256xf16>
  return %c : tensor<?x256xf16>
}

// -----

// 16 warps over 256 W rows with K split over a cluster: the partials go
// after the 3-stage ring and pass the 227 KiB a CTA may have.
func.func @cluster_partials_exceed_shared_memory(%a: tensor<?x1024xi4>, %sa: tensor<?x8xf32>, %w: tensor<256x1024xi4>, %sw: tensor<256x8xf32>) -> tensor<?x256xf16> {
  // expected-error @+1 {{the wgmma kernel needs 234016 bytes of shared memory, more than the 232448 a CTA has on sm_90a; use fewer stages or a smaller tile}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_wgmma_wreg, tile = [128, 256, 128], warps = [1, 16], stages = 3, split_k = 2>}
      : tensor<?x1024xi4>, tensor<?x8xf32>, tensor<256x1024xi4>, tensor<256x8xf32> -> tensor<?x256xf16>
  return %c : tensor<?x256xf16>
}

// -----

// Slices of 3 tiles (384 values) would cut the groups of 256.
func.func @cluster_slice_cuts_group(%a: tensor<?x1536xi4>, %sa: tensor<?x6xf32>, %w: tensor<256x1536xi4>, %sw: tensor<256x6xf32>) -> tensor<?x256xf16> {
  // expected-error @+1 {{with split_k 4 a slice of 384 K values would cut a group of 256}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<256>, w_group = #apex4.group<256>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_wgmma_wreg, tile = [128, 128, 128], warps = [1, 8], stages = 4, split_k = 4>}
      : tensor<?x1536xi4>, tensor<?x6xf32>, tensor<256x1536xi4>, tensor<256x6xf32> -> tensor<?x256xf16>
  return %c : tensor<?x256xf16>
}


// -----

// Mixed granularity (per-token activations, g128 weights): the group end
// multiplies by the W scale only (no scale product), and each accumulator
// takes its activation row's per-channel scale once, after the main loop.
// CHECK-LABEL: func.func @prefill_per_token_activations
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: arith.sitofp
// CHECK-NEXT: arith.mulf %{{.*}}, %{{.*}} fastmath<contract> : f32
// CHECK-NEXT: arith.addf %{{.*}}, %{{.*}} fastmath<contract> : f32
// CHECK-NOT: arith.mulf %{{[^ ]*}}, %{{[^ ]*}} : f32
// CHECK: scf.yield
// CHECK: nvvm.cp.async.wait.group 0
// CHECK: %[[SA0:.*]] = memref.load %arg1[%{{.*}}, %{{.*}}] : memref<16777216x1xf32>
// CHECK: %[[SA1:.*]] = memref.load %arg1[%{{.*}}, %{{.*}}] : memref<16777216x1xf32>
// CHECK: arith.mulf %{{.*}}#0, %[[SA0]] : f32
// CHECK: arith.mulf %{{.*}}#2, %[[SA1]] : f32
func.func @prefill_per_token_activations(%a: tensor<?x512xi4>, %sa: tensor<?x1xf32>, %w: tensor<128x512xi4>, %sw: tensor<128x4xf32>) -> tensor<?x128xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<per_channel>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_wgmma, tile = [64, 64, 128], warps = [4, 1], stages = 3, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x1xf32>, tensor<128x512xi4>, tensor<128x4xf32> -> tensor<?x128xf16>
  return %c : tensor<?x128xf16>
}
