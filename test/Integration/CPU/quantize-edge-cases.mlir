// RUN: apex4-opt %s --apex4-cpu-reference | %mlir_runner | FileCheck %s

// Rows are groups of 16 (f16 input):
//   row 0: amax 7 -> scale 1; 3.5 rounds to even (4), 0.5 to 0, -2.5 to -2.
//   row 1: all zero -> scale 0, every q 0 (0/0 is NaN -> 0).
//   row 2: a NaN is ignored by the absmax (scale 14/7 = 2) and quantizes to 0.
//   row 3: an Inf makes the scale Inf: finite values -> 0, Inf/Inf -> 0.

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}
func.func private @printMemrefI32(memref<*xi32>) attributes {llvm.emit_c_interface}

func.func @main() {
  %x = arith.constant dense<[
    [7.0, 3.5, 0.5, -2.5, -7.0, 1.0, 0.0, 6.6, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0x7E00, 14.0, -3.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0x7C00, 1.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
  ]> : tensor<4x16xf16>
  %q, %s = apex4.quantize %x {group = #apex4.group<16>}
      : tensor<4x16xf16> -> tensor<4x16xi4>, tensor<4x1xf32>
  %qi = arith.extsi %q : tensor<4x16xi4> to tensor<4x16xi32>
  %qb = bufferization.to_buffer %qi : tensor<4x16xi32> to memref<4x16xi32>
  %qu = memref.cast %qb : memref<4x16xi32> to memref<*xi32>
  // CHECK: sizes = [4, 16]
  // CHECK-NEXT: [7,   4,   0,   -2,   -7,   1,   0,   7,   0,   0,   0,   0,   0,   0,   0,   0]
  // CHECK-NEXT: [0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0]
  // CHECK-NEXT: [0,   7,   -2,   2,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0]
  // CHECK-NEXT: [0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0]
  call @printMemrefI32(%qu) : (memref<*xi32>) -> ()
  %sb = bufferization.to_buffer %s : tensor<4x1xf32> to memref<4x1xf32>
  %su = memref.cast %sb : memref<4x1xf32> to memref<*xf32>
  // CHECK: sizes = [4, 1]
  // CHECK-NEXT: [1]
  // CHECK-NEXT: [0]
  // CHECK-NEXT: [2]
  // CHECK-NEXT: [inf]
  call @printMemrefF32(%su) : (memref<*xf32>) -> ()
  return
}
