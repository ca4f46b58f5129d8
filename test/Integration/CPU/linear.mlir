// RUN: apex4-opt %s --apex4-cpu-reference | %mlir_runner | FileCheck %s

// x = 7 everywhere (scale 1, q 7); w row 0 = 1.75 (scale 0.25, q 7),
// w row 1 = -3.5 (scale 0.5, q -7). y = 16 * 49 * [0.25, -0.5].

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

func.func @main() {
  %x = arith.constant dense<7.0> : tensor<1x16xf32>
  %w = arith.constant dense<[[1.75, 1.75, 1.75, 1.75, 1.75, 1.75, 1.75, 1.75,
                              1.75, 1.75, 1.75, 1.75, 1.75, 1.75, 1.75, 1.75],
                             [-3.5, -3.5, -3.5, -3.5, -3.5, -3.5, -3.5, -3.5,
                              -3.5, -3.5, -3.5, -3.5, -3.5, -3.5, -3.5, -3.5]]> : tensor<2x16xf32>
  %y = apex4.linear %x, %w {a_group = #apex4.group<per_channel>, w_group = #apex4.group<16>}
      : tensor<1x16xf32>, tensor<2x16xf32> -> tensor<1x2xf32>
  %buffer = bufferization.to_buffer %y : tensor<1x2xf32> to memref<1x2xf32>
  %unranked = memref.cast %buffer : memref<1x2xf32> to memref<*xf32>
  // CHECK: sizes = [1, 2]
  // CHECK-NEXT: [196,   -392]
  call @printMemrefF32(%unranked) : (memref<*xf32>) -> ()
  return
}
