// REQUIRES: ptxas
// The split-K kernel's register prefetch must survive LLVM: with stages = 4,
// three chunks of W (two 16-byte loads per lane each) are loaded before the
// loop, and inside it one chunk of W ahead plus the current chunk's A. Plain loads carried
// through scf.for were folded by InstCombine into loads at their use, which
// left a single chunk in flight whatever the plan said.
// RUN: rm -rf %t && mkdir -p %t
// RUN: apex4-compile %s --target=h100 -o %t --name=prefetch > /dev/null
// RUN: FileCheck %s < %t/prefetch.ptx

// CHECK: .entry apex4_matmul_n64_k2048_a128_w128_splitk4_16x16x128_s4_f16
// CHECK-COUNT-6: ld.global.nc.L1::no_allocate.L2::256B.v4.u32
// CHECK-NOT: ld.global.nc{{.*}}.v4.u32
// CHECK: $L__BB0_[[LOOP:[0-9]+]]:
// CHECK-NOT: $L__BB
// CHECK-COUNT-4: ld.global.nc{{.*}}.v4.u32
// CHECK-NOT: ld.global.nc{{.*}}.v4.u32
// CHECK: bra{{.*}}$L__BB0_[[LOOP]];
func.func @decode(%a: tensor<?x2048xi4>, %sa: tensor<?x16xf32>, %w: tensor<64x2048xi4>, %sw: tensor<64x16xf32>) -> tensor<?x64xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [16, 16, 128], warps = [1, 1], stages = 4, split_k = 4>}
      : tensor<?x2048xi4>, tensor<?x16xf32>, tensor<64x2048xi4>, tensor<64x16xf32> -> tensor<?x64xf16>
  return %c : tensor<?x64xf16>
}
