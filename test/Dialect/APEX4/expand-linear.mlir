// RUN: apex4-opt %s -split-input-file -apex4-expand-linear -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func @mixed_granularity
// CHECK-SAME: (%[[X:.*]]: tensor<16x256xf16>, %[[W:.*]]: tensor<64x256xf16>)
// CHECK: %[[AQ:.*]], %[[AS:.*]] = apex4.quantize %[[X]] {group = #apex4.group<128>} : tensor<16x256xf16> -> tensor<16x256xi4>, tensor<16x2xf32>
// CHECK: %[[WQ:.*]], %[[WS:.*]] = apex4.quantize %[[W]] {group = #apex4.group<per_channel>} : tensor<64x256xf16> -> tensor<64x256xi4>, tensor<64x1xf32>
// CHECK: %[[C:.*]] = apex4.matmul %[[AQ]], %[[AS]], %[[WQ]], %[[WS]] {a_group = #apex4.group<128>, w_group = #apex4.group<per_channel>}
// CHECK-SAME: -> tensor<16x64xf16>
// CHECK: return %[[C]]
func.func @mixed_granularity(%x: tensor<16x256xf16>, %w: tensor<64x256xf16>) -> tensor<16x64xf16> {
  %y = apex4.linear %x, %w {a_group = #apex4.group<128>, w_group = #apex4.group<per_channel>}
      : tensor<16x256xf16>, tensor<64x256xf16> -> tensor<16x64xf16>
  return %y : tensor<16x64xf16>
}

// -----

// The plan follows the op; a dynamic M stays dynamic in the scales.
// CHECK-LABEL: func @plan_and_dynamic_m
// CHECK: apex4.quantize %{{.*}} {group = #apex4.group<64>} : tensor<?x128xf32> -> tensor<?x128xi4>, tensor<?x2xf32>
// CHECK: apex4.quantize %{{.*}} {group = #apex4.group<32>} : tensor<32x128xf32> -> tensor<32x128xi4>, tensor<32x4xf32>
// CHECK: apex4.matmul {{.*}}plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_mma_sync, tile = [64, 64, 64], warps = [2, 2], stages = 2, split_k = 1>
// CHECK-SAME: -> tensor<?x32xf32>
func.func @plan_and_dynamic_m(%x: tensor<?x128xf32>, %w: tensor<32x128xf32>) -> tensor<?x32xf32> {
  %y = apex4.linear %x, %w {a_group = #apex4.group<64>, w_group = #apex4.group<32>,
       plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_mma_sync,
                          tile = [64, 64, 64], warps = [2, 2], stages = 2, split_k = 1>}
      : tensor<?x128xf32>, tensor<32x128xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

func.func @auto_is_rejected(%x: tensor<4x64xf16>, %w: tensor<8x64xf16>) -> tensor<4x8xf16> {
  // expected-error @+1 {{granularity 'auto' must be resolved before expansion; run apex4-select-plan first}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<auto>, w_group = #apex4.group<64>}
      : tensor<4x64xf16>, tensor<8x64xf16> -> tensor<4x8xf16>
  return %y : tensor<4x8xf16>
}
