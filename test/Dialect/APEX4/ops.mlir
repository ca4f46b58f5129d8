// RUN: apex4-opt %s | apex4-opt | FileCheck %s
// RUN: apex4-opt %s --mlir-print-op-generic | apex4-opt | FileCheck %s

// CHECK-LABEL: func @quantize
func.func @quantize(%x: tensor<16x256xf16>, %y: tensor<?x4x64xbf16>, %z: tensor<8x64xf32>)
    -> (tensor<16x256xi4>, tensor<16x2xf32>) {
  // CHECK: apex4.quantize %{{.*}} {group = #apex4.group<128>} : tensor<16x256xf16> -> tensor<16x256xi4>, tensor<16x2xf32>
  %q, %s = apex4.quantize %x {group = #apex4.group<128>}
      : tensor<16x256xf16> -> tensor<16x256xi4>, tensor<16x2xf32>
  // CHECK: apex4.quantize %{{.*}} {group = #apex4.group<16>} : tensor<?x4x64xbf16> -> tensor<?x4x64xi4>, tensor<?x4x4xf32>
  %q2, %s2 = apex4.quantize %y {group = #apex4.group<16>}
      : tensor<?x4x64xbf16> -> tensor<?x4x64xi4>, tensor<?x4x4xf32>
  // CHECK: apex4.quantize %{{.*}} {group = #apex4.group<per_channel>} : tensor<8x64xf32> -> tensor<8x64xi4>, tensor<8x1xf32>
  %q3, %s3 = apex4.quantize %z {group = #apex4.group<per_channel>}
      : tensor<8x64xf32> -> tensor<8x64xi4>, tensor<8x1xf32>
  return %q, %s : tensor<16x256xi4>, tensor<16x2xf32>
}

// CHECK-LABEL: func @matmul
func.func @matmul(%a: tensor<16x256xi4>, %sa: tensor<16x2xf32>,
                  %w: tensor<64x256xi4>, %sw: tensor<64x1xf32>,
                  %ad: tensor<?x256xi4>, %sad: tensor<?x8xf32>,
                  %sw16: tensor<64x16xf32>) -> tensor<16x64xf16> {
  // CHECK: apex4.matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {a_group = #apex4.group<128>, w_group = #apex4.group<per_channel>} : tensor<16x256xi4>, tensor<16x2xf32>, tensor<64x256xi4>, tensor<64x1xf32> -> tensor<16x64xf16>
  %c = apex4.matmul %a, %sa, %w, %sw
      {a_group = #apex4.group<128>, w_group = #apex4.group<per_channel>}
      : tensor<16x256xi4>, tensor<16x2xf32>, tensor<64x256xi4>, tensor<64x1xf32>
      -> tensor<16x64xf16>
  // CHECK: apex4.matmul {{.*}} {a_group = #apex4.group<32>, plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_mma_sync, tile = [128, 128, 64], warps = [2, 2], stages = 3, split_k = 1>, w_group = #apex4.group<16>} : {{.*}} -> tensor<?x64xf32>
  %d = apex4.matmul %ad, %sad, %w, %sw16
      {a_group = #apex4.group<32>, w_group = #apex4.group<16>,
       plan = #apex4.plan<placement = main_loop, convert = magic,
                          path = s8_mma_sync, tile = [128, 128, 64],
                          warps = [2, 2], stages = 3, split_k = 1>}
      : tensor<?x256xi4>, tensor<?x8xf32>, tensor<64x256xi4>, tensor<64x16xf32>
      -> tensor<?x64xf32>
  return %c : tensor<16x64xf16>
}

// CHECK-LABEL: func @linear
func.func @linear(%x: tensor<16x256xf16>, %w: tensor<64x256xf16>) -> tensor<16x64xf16> {
  // CHECK: apex4.linear %{{.*}}, %{{.*}} {a_group = #apex4.group<auto>, w_group = #apex4.group<64>} : tensor<16x256xf16>, tensor<64x256xf16> -> tensor<16x64xf16>
  %y = apex4.linear %x, %w {a_group = #apex4.group<auto>, w_group = #apex4.group<64>}
      : tensor<16x256xf16>, tensor<64x256xf16> -> tensor<16x64xf16>
  // CHECK: plan = #apex4.plan<placement = epilogue, convert = cvt, path = s4_mma_sync, tile = [64, 64, 128], warps = [2, 2], stages = 2, split_k = 4>
  %z = apex4.linear %x, %w {a_group = #apex4.group<per_channel>, w_group = #apex4.group<per_channel>,
       plan = #apex4.plan<placement = epilogue, convert = cvt, path = s4_mma_sync,
                          tile = [64, 64, 128], warps = [2, 2], stages = 2, split_k = 4>}
      : tensor<16x256xf16>, tensor<64x256xf16> -> tensor<16x64xf16>
  return %y : tensor<16x64xf16>
}
