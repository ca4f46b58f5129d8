// REQUIRES: ptxas
// The split-K kernel keeps stages - 1 chunks of W in flight through a
// shared-memory ring filled by cp.async, and their W scales in registers.
// With stages = 4, the scales of three chunks (four per lane each) are loaded
// and three copy groups (two 16-byte W words per lane each) start before the
// loop; each iteration starts one more group, loads its scales, waits until
// three groups are left, reads the current chunk back from shared memory,
// and loads A and A's scales at use. (Before the ring, a register prefetch
// carried through scf.for was folded by InstCombine into loads at their
// use: docs/codegen.md.)
// RUN: rm -rf %t && mkdir -p %t
// RUN: apex4-compile %s --target=h100 -o %t --name=prefetch > /dev/null
// RUN: FileCheck %s < %t/prefetch.ptx

// CHECK: .entry apex4_matmul_n64_k2048_a128_w128_splitk4_16x16x128_s4_f16
// CHECK-COUNT-12: ld.global.nc.f32
// CHECK-NOT: ld.global
// CHECK-COUNT-2: cp.async.cg.shared.global.L2::256B [%r{{[0-9]+}}], [%rd{{[0-9]+}}], 16, %r
// CHECK: cp.async.commit_group;
// CHECK-COUNT-2: cp.async.commit_group;
// CHECK-NOT: ld.global
// CHECK: $L__BB0_[[LOOP:[0-9]+]]:
// CHECK-NOT: $L__BB
// CHECK-COUNT-2: cp.async.cg.shared.global.L2::256B
// CHECK: cp.async.commit_group;
// CHECK-COUNT-4: ld.global.nc.f32
// CHECK: cp.async.wait_group 3;
// CHECK-COUNT-2: ld.shared.v4.b32
// CHECK-COUNT-2: ld.global.nc.v4.u32
// CHECK-COUNT-2: ld.global.nc.f32
// CHECK-NOT: ld.global.nc
// CHECK: bra{{.*}}$L__BB0_[[LOOP]];
// CHECK-NEXT: $L__BB
// CHECK-NEXT: cp.async.wait_group 0;
func.func @decode(%a: tensor<?x2048xi4>, %sa: tensor<?x16xf32>, %w: tensor<64x2048xi4>, %sw: tensor<64x16xf32>) -> tensor<?x64xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [16, 16, 128], warps = [1, 1], stages = 4, split_k = 4>}
      : tensor<?x2048xi4>, tensor<?x16xf32>, tensor<64x2048xi4>, tensor<64x16xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}
