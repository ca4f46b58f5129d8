// RUN: apex4-opt %s --apex4-cpu-reference | %mlir_runner | FileCheck %s

// Hand-checkable: A groups of 16 (a_group = 16), W per channel.
//   C[0,0] = 16*1*(0.5*2)     + 16*1*(0.25*2)        =   16 + 8     =   24
//   C[0,1] = 112*(0.5*0.125)  + (-16)*(0.25*0.125)   =    7 - 0.5   =  6.5
//   C[1,0] = 32*(1*2)         + (-128)*(2*2)         =   64 - 512   = -448
//   C[1,1] = 224*(1*0.125)    + 128*(2*0.125)        =   28 + 32    =   60

func.func private @printMemrefF32(memref<*xf32>) attributes {llvm.emit_c_interface}

func.func @main() {
  %row0 = arith.constant dense<1> : tensor<1x32xi8>
  %a1lo = arith.constant dense<2> : tensor<1x16xi8>
  %a1hi = arith.constant dense<-8> : tensor<1x16xi8>
  %w1lo = arith.constant dense<7> : tensor<1x16xi8>
  %w1hi = arith.constant dense<-1> : tensor<1x16xi8>
  %a1 = tensor.concat dim(1) %a1lo, %a1hi : (tensor<1x16xi8>, tensor<1x16xi8>) -> tensor<1x32xi8>
  %w1 = tensor.concat dim(1) %w1lo, %w1hi : (tensor<1x16xi8>, tensor<1x16xi8>) -> tensor<1x32xi8>
  %a8 = tensor.concat dim(0) %row0, %a1 : (tensor<1x32xi8>, tensor<1x32xi8>) -> tensor<2x32xi8>
  %w8 = tensor.concat dim(0) %row0, %w1 : (tensor<1x32xi8>, tensor<1x32xi8>) -> tensor<2x32xi8>
  %a = arith.trunci %a8 : tensor<2x32xi8> to tensor<2x32xi4>
  %w = arith.trunci %w8 : tensor<2x32xi8> to tensor<2x32xi4>
  %sa = arith.constant dense<[[0.5, 0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  %sw = arith.constant dense<[[2.0], [0.125]]> : tensor<2x1xf32>
  %c = apex4.matmul %a, %sa, %w, %sw
      {a_group = #apex4.group<16>, w_group = #apex4.group<per_channel>}
      : tensor<2x32xi4>, tensor<2x2xf32>, tensor<2x32xi4>, tensor<2x1xf32> -> tensor<2x2xf16>
  %c32 = arith.extf %c : tensor<2x2xf16> to tensor<2x2xf32>
  %buffer = bufferization.to_buffer %c32 : tensor<2x2xf32> to memref<2x2xf32>
  %unranked = memref.cast %buffer : memref<2x2xf32> to memref<*xf32>
  // CHECK: rank = 2 offset = 0 sizes = [2, 2]
  // CHECK-NEXT: [24,   6.5]
  // CHECK-NEXT: [-448,   60]
  call @printMemrefF32(%unranked) : (memref<*xf32>) -> ()
  return
}
