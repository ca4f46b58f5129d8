// RUN: apex4-opt %s -split-input-file -convert-apex4-to-gpu="chip=sm_90a" -verify-diagnostics | FileCheck %s

// Decode plan: K = 512 is 4 chunks of 128 values, one for each of the
// split_k = 4 warps. Every lane copies 16 bytes of each W fragment row 2
// chunks ahead (stages = 3) into its warp's shared-memory ring with
// cp.async, loads the W scales of their group into registers, and loads 16
// bytes of A rows g and g+8 at use; 4 m16n8k32 s8 MMAs per fragment and chunk; the group end is a
// branch; partial sums meet in shared memory (split_k x 16 x TN f32, over
// the ring once every warp has left its loop) behind a barrier and are added
// in slice order before the single store. The ring (12 KiB) is dynamic
// shared memory.
// CHECK-LABEL: func.func @decode_g128
// CHECK: apex4.kernel = @apex4_kernels::@apex4_matmul_n64_k512_a128_w128_splitk4_16x16x128_s3_f16
// CHECK: gpu.func @apex4_matmul_n64_k512_a128_w128_splitk4_16x16x128_s3_f16(
// CHECK-SAME: block = array<i64: 128, 1, 1>, grid = array<i64: 16, 16, 1>
// CHECK-SAME: shared_bytes = 12288
// CHECK: %[[DYNAMIC:.*]] = gpu.dynamic_shared_memory
// CHECK: %[[WRING:.*]] = memref.view %[[DYNAMIC]][%{{.*}}][] : {{.*}} to memref<4x3x2x32xvector<4xi32>, #gpu.address_space<workgroup>>
// CHECK: %[[PARTIALS:.*]] = memref.view %[[DYNAMIC]][%{{.*}}][] : {{.*}} to memref<4x16x16xf32, #gpu.address_space<workgroup>>
// TN = 16 divides N = 64: no column is clamped to N - 1.
// CHECK-NOT: arith.constant 63 : index
// Two chunks start before the loop: per lane four W scales each, then two
// 16-byte W copies each (skipping L1, 256-byte L2 prefetch).
// CHECK-COUNT-8: llvm.inline_asm {{.*}}"ld.global.nc.f32
// CHECK-COUNT-2: llvm.inline_asm has_side_effects {{.*}}"cp.async.cg.shared.global.L2::256B [$0], [$1], 16, $2;"
// CHECK-NEXT: nvvm.cp.async.commit.group
// CHECK-COUNT-2: llvm.inline_asm has_side_effects {{.*}}"cp.async.cg.shared.global.L2::256B
// CHECK-NEXT: nvvm.cp.async.commit.group
// CHECK-NOT: ld.global
// CHECK: scf.for
// CHECK-COUNT-2: llvm.inline_asm has_side_effects {{.*}}"cp.async.cg.shared.global.L2::256B
// CHECK-NEXT: nvvm.cp.async.commit.group
// CHECK-COUNT-4: llvm.inline_asm {{.*}}"ld.global.nc.f32
// CHECK: nvvm.cp.async.wait.group 2
// CHECK-COUNT-2: memref.load %[[WRING]]
// CHECK-COUNT-2: llvm.inline_asm {{.*}}"ld.global.nc.v4.u32
// CHECK-COUNT-2: llvm.inline_asm {{.*}}"ld.global.nc.f32
// CHECK-COUNT-8: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 32]} : (vector<4x4xi8>, vector<2x4xi8>, vector<2x2xi32>) -> vector<2x2xi32>
// CHECK-NOT: nvgpu.mma.sync
// CHECK: scf.if
// CHECK: arith.sitofp
// CHECK: scf.yield
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// CHECK: memref.store {{.*}}, %[[PARTIALS]]
// CHECK: gpu.barrier
// CHECK: scf.if
// CHECK-COUNT-3: arith.addf
// CHECK: arith.truncf {{.*}} : f32 to f16
// CHECK: memref.store {{.*}} : memref<16777216x64xf16>
func.func @decode_g128(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<64x512xi4>, %sw: tensor<64x4xf32>) -> tensor<?x64xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [16, 16, 128], warps = [1, 1], stages = 3, split_k = 4>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<64x512xi4>, tensor<64x4xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

// Per-channel scales (epilogue placement) with an f32 output and no prefetch:
// each warp's INT32 sums run over its whole slice.
// CHECK-LABEL: func.func @decode_per_channel
// Without a ring the partials are static shared memory.
// CHECK: gpu.func @apex4_matmul_n40_k1024_apc_wpc_splitk2_16x8x128_s1_f32(
// CHECK-SAME: workgroup(%{{.*}} : memref<2x16x8xf32, #gpu.address_space<workgroup>>)
// CHECK-SAME: block = array<i64: 64, 1, 1>, grid = array<i64: 8, 16, 1>
// CHECK-SAME: shared_bytes = 0
// CHECK: scf.for
// CHECK-NOT: arith.truncf
// CHECK: gpu.barrier
func.func @decode_per_channel(%a: tensor<?x1024xi4>, %sa: tensor<?x1xf32>, %w: tensor<40x1024xi4>, %sw: tensor<40x1xf32>) -> tensor<?x40xf32> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<per_channel>, w_group = #apex4.group<per_channel>,
     plan = #apex4.plan<placement = epilogue, convert = cvt, path = s8_mma_sync, tile = [16, 8, 128], warps = [1, 1], stages = 1, split_k = 2>}
      : tensor<?x1024xi4>, tensor<?x1xf32>, tensor<40x1024xi4>, tensor<40x1xf32> -> tensor<?x40xf32>
  return %c : tensor<?x40xf32>
}

// -----

// TN = 16 does not divide N = 40: the last tile's columns past N read row
// N - 1 (and are never stored).
// CHECK-LABEL: func.func @decode_ragged_columns
// CHECK: %[[LAST:.*]] = arith.constant 39 : index
// CHECK: arith.minsi %{{.*}}, %[[LAST]] : index
// CHECK: scf.for
func.func @decode_ragged_columns(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<40x512xi4>, %sw: tensor<40x4xf32>) -> tensor<?x40xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [16, 16, 128], warps = [1, 1], stages = 1, split_k = 4>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<40x512xi4>, tensor<40x4xf32> -> tensor<?x40xf16>
  return %c : tensor<?x40xf16>
}

// -----

// Tile M 8: W rows are the MMA's A side (16 per fragment), one token row the
// B side. A lane loads W rows g and g+8 and token row g; per chunk, 4 MMAs
// per 16-row fragment; partial sums are 8 tokens x TN.
// CHECK-LABEL: func.func @decode_tokens_on_n
// CHECK: gpu.func @apex4_matmul_n64_k512_a128_w128_splitk4_8x32x128_s2_f16(
// CHECK-SAME: grid = array<i64: 32, 8, 1>
// CHECK: memref.view {{.*}} to memref<4x2x4x32xvector<4xi32>, #gpu.address_space<workgroup>>
// CHECK: memref.view {{.*}} to memref<4x8x32xf32, #gpu.address_space<workgroup>>
// CHECK-COUNT-4: llvm.inline_asm {{.*}}"cp.async.cg.shared.global.L2::256B
// CHECK: scf.for
// CHECK-COUNT-4: llvm.inline_asm {{.*}}"cp.async.cg.shared.global.L2::256B
// CHECK-COUNT-4: llvm.inline_asm {{.*}}"ld.global.nc.f32
// CHECK: nvvm.cp.async.wait.group 1
// CHECK-COUNT-1: llvm.inline_asm {{.*}}"ld.global.nc.v4.u32
// CHECK-NOT: llvm.inline_asm {{.*}}"ld.global.nc.v4.u32
// CHECK-COUNT-8: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 32]}
// CHECK-NOT: nvgpu.mma.sync
// CHECK: scf.if
func.func @decode_tokens_on_n(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<64x512xi4>, %sw: tensor<64x4xf32>) -> tensor<?x64xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [8, 32, 128], warps = [1, 1], stages = 2, split_k = 4>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<64x512xi4>, tensor<64x4xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

// Mixed granularity (g128 activations, per-channel weights): the group end
// multiplies by the A scales only, and each accumulator takes its W row's
// per-channel scale once, after the loop and before the partials meet.
// CHECK-LABEL: func.func @decode_per_channel_weights
// CHECK: scf.for
// CHECK: scf.if
// CHECK-NOT: arith.mulf %{{[^ ]*}}, %{{[^ ]*}} : f32
// CHECK: arith.sitofp
// CHECK-NEXT: arith.mulf %{{.*}}, %{{.*}} fastmath<contract> : vector<2x2xf32>
// CHECK: scf.yield
// CHECK-COUNT-2: llvm.inline_asm {{.*}}"ld.global.nc.f32
// CHECK: arith.mulf %{{.*}}, %{{.*}} : vector<2x2xf32>
// CHECK: memref.store
func.func @decode_per_channel_weights(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<64x512xi4>, %sw: tensor<64x1xf32>) -> tensor<?x64xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<per_channel>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [8, 16, 128], warps = [1, 1], stages = 1, split_k = 4>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<64x512xi4>, tensor<64x1xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

// convert = magic (exact at g128): the INT32 sums start at the bias
// 0x4B400000 and the group end subtracts 1.5 * 2^23 instead of sitofp.
// CHECK-LABEL: func.func @decode_magic
// CHECK: arith.constant dense<1262485504> : vector<2x2xi32>
// CHECK: scf.for
// CHECK: scf.if
// CHECK-NOT: arith.sitofp
// CHECK: arith.bitcast {{.*}} : vector<2x2xi32> to vector<2x2xf32>
// CHECK: arith.subf
func.func @decode_magic(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<64x512xi4>, %sw: tensor<64x4xf32>) -> tensor<?x64xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_mma_sync, tile = [8, 16, 128], warps = [1, 1], stages = 1, split_k = 4>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<64x512xi4>, tensor<64x4xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

func.func @tokens_on_n_needs_16_rows_of_w(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<64x512xi4>, %sw: tensor<64x4xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{the split-K kernel with tile M 8 puts W rows on the MMA's 16-row side; it needs tile N 16 or 32, not 24}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [8, 24, 128], warps = [1, 1], stages = 2, split_k = 4>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<64x512xi4>, tensor<64x4xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

func.func @too_many_slices(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<64x512xi4>, %sw: tensor<64x4xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{the split-K kernel takes split_k from 2 to 16 warps, not 32}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [16, 16, 128], warps = [1, 1], stages = 3, split_k = 32>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<64x512xi4>, tensor<64x4xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

func.func @s4_path(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<64x512xi4>, %sw: tensor<64x4xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{plan path s4_mma_sync is emulated in software on sm_90a}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s4_mma_sync, tile = [16, 16, 128], warps = [1, 1], stages = 3, split_k = 4>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<64x512xi4>, tensor<64x4xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

func.func @tile_n_too_wide(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<64x512xi4>, %sw: tensor<64x4xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{the split-K kernel needs tile N in {8, 16, 24, 32}, not 64}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [16, 64, 128], warps = [1, 1], stages = 3, split_k = 4>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<64x512xi4>, tensor<64x4xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

func.func @ring_too_large(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<64x512xi4>, %sw: tensor<64x4xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{the split-K kernel's ring needs 262144 bytes of shared memory, more than the 232448 a CTA has on sm_90a; use fewer stages, slices or columns}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [8, 32, 128], warps = [1, 1], stages = 8, split_k = 16>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<64x512xi4>, tensor<64x4xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

func.func @k_not_chunked(%a: tensor<?x576xi4>, %sa: tensor<?x9xf32>, %w: tensor<64x576xi4>, %sw: tensor<64x9xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{the split-K kernel needs K a multiple of 128, not 576}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<64>, w_group = #apex4.group<64>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [16, 16, 128], warps = [1, 1], stages = 3, split_k = 4>}
      : tensor<?x576xi4>, tensor<?x9xf32>, tensor<64x576xi4>, tensor<64x9xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

func.func @group_finer_than_chunk(%a: tensor<?x512xi4>, %sa: tensor<?x8xf32>, %w: tensor<64x512xi4>, %sw: tensor<64x8xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{the split-K kernel needs groups of a multiple of 128 values, not 64}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<64>, w_group = #apex4.group<64>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [16, 16, 128], warps = [1, 1], stages = 3, split_k = 4>}
      : tensor<?x512xi4>, tensor<?x8xf32>, tensor<64x512xi4>, tensor<64x8xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}

// -----

func.func @split_k_needs_one_warp_per_slice(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<64x512xi4>, %sw: tensor<64x4xf32>) -> tensor<?x64xf16> {
  // expected-error @+1 {{the split-K kernel needs tile [8 or 16, TN, 128] and warps [1, 1]}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [16, 16, 128], warps = [1, 2], stages = 3, split_k = 4>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<64x512xi4>, tensor<64x4xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}
