// RUN: apex4-opt %s -convert-apex4-to-gpu="chip=sm_90" -verify-diagnostics

// wgmma is an sm_90a instruction: plain sm_90 code cannot use it.
func.func @wgmma_on_sm90(%a: tensor<?x512xi4>, %sa: tensor<?x4xf32>, %w: tensor<128x512xi4>, %sw: tensor<128x4xf32>) -> tensor<?x128xf16> {
  // expected-error @+1 {{cannot generate a kernel for sm_90: plan path s8_wgmma needs the sm_90a target (wgmma is an sm_90a instruction), not sm_90}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>,
     plan = #apex4.plan<placement = main_loop, convert = magic, path = s8_wgmma, tile = [64, 128, 128], warps = [4, 1], stages = 4, split_k = 1>}
      : tensor<?x512xi4>, tensor<?x4xf32>, tensor<128x512xi4>, tensor<128x4xf32> -> tensor<?x128xf16>
  return %c : tensor<?x128xf16>
}
