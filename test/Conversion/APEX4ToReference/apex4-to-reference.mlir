// RUN: apex4-opt %s -split-input-file -convert-apex4-to-reference -verify-diagnostics | FileCheck %s

// Mixed granularity: INT32 sums over the finer groups (16), then the scales
// of the coarser operand (64 = 4 fine groups) indexed with floordiv.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
// CHECK-DAG: #[[SUM:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[SA:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[SW:.*]] = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 4)>
// CHECK-LABEL: func @matmul
// CHECK: %[[AE:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [%{{.*}}, 8, 16]
// CHECK: %[[WE:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [32, 8, 16]
// CHECK: %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<?x32x8xi32>
// CHECK: %[[SUMS:.*]] = linalg.generic {indexing_maps = [#[[A]], #[[W]], #[[SUM]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[AE]], %[[WE]] : tensor<?x8x16xi4>, tensor<32x8x16xi4>)
// CHECK: arith.extsi
// CHECK: arith.muli
// CHECK: arith.addi
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[SUMS]], %{{.*}}, %{{.*}} : tensor<?x32x8xi32>, tensor<?x8xf32>, tensor<32x2xf32>)
// CHECK: %[[P:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: %[[F:.*]] = arith.sitofp %{{.*}} : i32 to f32
// CHECK: %[[T:.*]] = arith.mulf %[[F]], %[[P]] : f32
// CHECK: arith.addf %{{.*}}, %[[T]] : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK-NOT: apex4.matmul
func.func @matmul(%a: tensor<?x128xi4>, %sa: tensor<?x8xf32>,
                  %w: tensor<32x128xi4>, %sw: tensor<32x2xf32>) -> tensor<?x32xf16> {
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<16>, w_group = #apex4.group<64>}
      : tensor<?x128xi4>, tensor<?x8xf32>, tensor<32x128xi4>, tensor<32x2xf32> -> tensor<?x32xf16>
  return %c : tensor<?x32xf16>
}

// -----

// CHECK-LABEL: func @quantize
// CHECK: %[[X:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [4, 2, 32] : tensor<4x64xbf16> into tensor<4x2x32xbf16>
// CHECK: %[[AMAX:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}}ins(%[[X]]
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: math.absf
// CHECK: arith.maxnumf
// CHECK: %[[SCALES:.*]] = linalg.generic {{.*}}ins(%[[AMAX]]
// CHECK: arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: %[[Q:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]{{.*}}ins(%[[X]], %[[SCALES]]
// CHECK: %[[R:.*]] = arith.divf
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %[[R]], %[[R]]
// CHECK: math.roundeven %[[R]]
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: arith.fptosi
// CHECK: arith.trunci %{{.*}} : i32 to i4
// CHECK: arith.select %[[NAN]]
// CHECK: tensor.collapse_shape %[[Q]] {{\[}}[0], [1, 2]] : tensor<4x2x32xi4> into tensor<4x64xi4>
func.func @quantize(%x: tensor<4x64xbf16>) -> (tensor<4x64xi4>, tensor<4x2xf32>) {
  %q, %s = apex4.quantize %x {group = #apex4.group<32>}
      : tensor<4x64xbf16> -> tensor<4x64xi4>, tensor<4x2xf32>
  return %q, %s : tensor<4x64xi4>, tensor<4x2xf32>
}

// -----

func.func @linear_needs_expansion(%x: tensor<4x64xf16>, %w: tensor<8x64xf16>) -> tensor<4x8xf16> {
  // expected-error @+1 {{apex4.linear must be expanded before the reference lowering; run apex4-expand-linear first}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<64>, w_group = #apex4.group<64>}
      : tensor<4x64xf16>, tensor<8x64xf16> -> tensor<4x8xf16>
  return %y : tensor<4x8xf16>
}
