// RUN: apex4-opt %s -split-input-file -verify-diagnostics

func.func @group_not_power_of_two(%x: tensor<4x96xf32>) {
  // expected-error @+1 {{group size must be a power of two >= 16, 'per_channel' or 'auto', got 24}}
  %q, %s = apex4.quantize %x {group = #apex4.group<24>} : tensor<4x96xf32> -> tensor<4x96xi4>, tensor<4x4xf32>
  return
}

// -----

func.func @group_too_small(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{group size must be a power of two >= 16, 'per_channel' or 'auto', got 8}}
  %q, %s = apex4.quantize %x {group = #apex4.group<8>} : tensor<4x64xf32> -> tensor<4x64xi4>, tensor<4x8xf32>
  return
}

// -----

func.func @group_unknown_keyword(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{unknown granularity 'per_row'; expected a group size, 'per_channel' or 'auto'}}
  %q, %s = apex4.quantize %x {group = #apex4.group<per_row>} : tensor<4x64xf32> -> tensor<4x64xi4>, tensor<4x1xf32>
  return
}

// -----

func.func @group_negative(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{group size must be positive, got -16}}
  %q, %s = apex4.quantize %x {group = #apex4.group<-16>} : tensor<4x64xf32> -> tensor<4x64xi4>, tensor<4x4xf32>
  return
}

// -----

func.func @quantize_auto(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'apex4.quantize' op group is 'auto'; only apex4.linear accepts 'auto', run apex4-select-plan first}}
  %q, %s = apex4.quantize %x {group = #apex4.group<auto>} : tensor<4x64xf32> -> tensor<4x64xi4>, tensor<4x4xf32>
  return
}

// -----

func.func @quantize_group_does_not_divide(%x: tensor<4x96xf32>) {
  // expected-error @+1 {{'apex4.quantize' op group 64 does not divide K = 96}}
  %q, %s = apex4.quantize %x {group = #apex4.group<64>} : tensor<4x96xf32> -> tensor<4x96xi4>, tensor<4x1xf32>
  return
}

// -----

func.func @quantize_dynamic_k(%x: tensor<4x?xf32>) {
  // expected-error @+1 {{'apex4.quantize' op the K dimension of the input must be static}}
  %q, %s = apex4.quantize %x {group = #apex4.group<16>} : tensor<4x?xf32> -> tensor<4x?xi4>, tensor<4x1xf32>
  return
}

// -----

func.func @quantize_odd_k(%x: tensor<4x7xf32>) {
  // expected-error @+1 {{'apex4.quantize' op K = 7 of the input must be even so that INT4 values pack two per byte}}
  %q, %s = apex4.quantize %x {group = #apex4.group<per_channel>} : tensor<4x7xf32> -> tensor<4x7xi4>, tensor<4x1xf32>
  return
}

// -----

func.func @quantize_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{'apex4.quantize' op input must have at least one dimension}}
  %q, %s = apex4.quantize %x {group = #apex4.group<per_channel>} : tensor<f32> -> tensor<i4>, tensor<1xf32>
  return
}

// -----

func.func @quantize_wrong_result_shape(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'apex4.quantize' op quantized result must have the input shape [4, 64], got [4, 32]}}
  %q, %s = apex4.quantize %x {group = #apex4.group<16>} : tensor<4x64xf32> -> tensor<4x32xi4>, tensor<4x4xf32>
  return
}

// -----

func.func @quantize_wrong_scale_shape(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'apex4.quantize' op scales must have shape [4, 4] (one f32 per group), got [4, 2]}}
  %q, %s = apex4.quantize %x {group = #apex4.group<16>} : tensor<4x64xf32> -> tensor<4x64xi4>, tensor<4x2xf32>
  return
}

// -----

func.func @quantize_integer_input(%x: tensor<4x64xi8>) {
  // expected-error @+1 {{'apex4.quantize' op operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float values}}
  %q, %s = apex4.quantize %x {group = #apex4.group<16>} : tensor<4x64xi8> -> tensor<4x64xi4>, tensor<4x4xf32>
  return
}

// -----

func.func @quantize_f16_scales(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'apex4.quantize' op result #1 must be ranked tensor of 32-bit float values}}
  %q, %s = apex4.quantize %x {group = #apex4.group<16>} : tensor<4x64xf32> -> tensor<4x64xi4>, tensor<4x4xf16>
  return
}

// -----

func.func @matmul_i8_operand(%a: tensor<4x64xi8>, %sa: tensor<4x1xf32>, %w: tensor<8x64xi4>, %sw: tensor<8x1xf32>) {
  // expected-error @+1 {{'apex4.matmul' op operand #0 must be ranked tensor of 4-bit signless integer values}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<per_channel>, w_group = #apex4.group<per_channel>} : tensor<4x64xi8>, tensor<4x1xf32>, tensor<8x64xi4>, tensor<8x1xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<2x4x64xi4>, %sa: tensor<4x1xf32>, %w: tensor<8x64xi4>, %sw: tensor<8x1xf32>) {
  // expected-error @+1 {{'apex4.matmul' op A must be a rank-2 tensor (M x K), got rank 3}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<per_channel>, w_group = #apex4.group<per_channel>} : tensor<2x4x64xi4>, tensor<4x1xf32>, tensor<8x64xi4>, tensor<8x1xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @matmul_w_rank(%a: tensor<4x64xi4>, %sa: tensor<4x1xf32>, %w: tensor<64xi4>, %sw: tensor<8x1xf32>) {
  // expected-error @+1 {{'apex4.matmul' op W must be a rank-2 tensor (N x K), got rank 1}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<per_channel>, w_group = #apex4.group<per_channel>} : tensor<4x64xi4>, tensor<4x1xf32>, tensor<64xi4>, tensor<8x1xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @matmul_k_mismatch(%a: tensor<4x64xi4>, %sa: tensor<4x1xf32>, %w: tensor<8x128xi4>, %sw: tensor<8x1xf32>) {
  // expected-error @+1 {{'apex4.matmul' op K mismatch: A is M x 64 but W is N x 128}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<per_channel>, w_group = #apex4.group<per_channel>} : tensor<4x64xi4>, tensor<4x1xf32>, tensor<8x128xi4>, tensor<8x1xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @matmul_group_does_not_divide(%a: tensor<4x96xi4>, %sa: tensor<4x1xf32>, %w: tensor<8x96xi4>, %sw: tensor<8x1xf32>) {
  // expected-error @+1 {{'apex4.matmul' op w_group 64 does not divide K = 96}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<per_channel>, w_group = #apex4.group<64>} : tensor<4x96xi4>, tensor<4x1xf32>, tensor<8x96xi4>, tensor<8x1xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @matmul_auto(%a: tensor<4x64xi4>, %sa: tensor<4x1xf32>, %w: tensor<8x64xi4>, %sw: tensor<8x1xf32>) {
  // expected-error @+1 {{'apex4.matmul' op a_group is 'auto'; only apex4.linear accepts 'auto', run apex4-select-plan first}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<auto>, w_group = #apex4.group<per_channel>} : tensor<4x64xi4>, tensor<4x1xf32>, tensor<8x64xi4>, tensor<8x1xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @matmul_a_scales(%a: tensor<4x64xi4>, %sa: tensor<4x1xf32>, %w: tensor<8x64xi4>, %sw: tensor<8x1xf32>) {
  // expected-error @+1 {{'apex4.matmul' op a_scales must have shape [4, 4] (one f32 per group), got [4, 1]}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<16>, w_group = #apex4.group<per_channel>} : tensor<4x64xi4>, tensor<4x1xf32>, tensor<8x64xi4>, tensor<8x1xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @matmul_w_scales_rows(%a: tensor<4x64xi4>, %sa: tensor<4x1xf32>, %w: tensor<8x64xi4>, %sw: tensor<9x1xf32>) {
  // expected-error @+1 {{'apex4.matmul' op w_scales must have shape [8, 1] (one f32 per group), got [9, 1]}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<per_channel>, w_group = #apex4.group<per_channel>} : tensor<4x64xi4>, tensor<4x1xf32>, tensor<8x64xi4>, tensor<9x1xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @matmul_result_shape(%a: tensor<4x64xi4>, %sa: tensor<4x1xf32>, %w: tensor<8x64xi4>, %sw: tensor<8x1xf32>) {
  // expected-error @+1 {{'apex4.matmul' op result must have shape [4, 8] (M x N), got [8, 4]}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<per_channel>, w_group = #apex4.group<per_channel>} : tensor<4x64xi4>, tensor<4x1xf32>, tensor<8x64xi4>, tensor<8x1xf32> -> tensor<8x4xf32>
  return
}

// -----

func.func @matmul_bf16_result(%a: tensor<4x64xi4>, %sa: tensor<4x1xf32>, %w: tensor<8x64xi4>, %sw: tensor<8x1xf32>) {
  // expected-error @+1 {{'apex4.matmul' op result #0 must be ranked tensor of 16-bit float or 32-bit float values}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<per_channel>, w_group = #apex4.group<per_channel>} : tensor<4x64xi4>, tensor<4x1xf32>, tensor<8x64xi4>, tensor<8x1xf32> -> tensor<4x8xbf16>
  return
}

// -----

func.func @linear_k_mismatch(%x: tensor<4x64xf16>, %w: tensor<8x32xf16>) {
  // expected-error @+1 {{'apex4.linear' op K mismatch: input is M x 64 but weight is N x 32}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<auto>, w_group = #apex4.group<auto>} : tensor<4x64xf16>, tensor<8x32xf16> -> tensor<4x8xf16>
  return
}

// -----

func.func @linear_rank(%x: tensor<64xf16>, %w: tensor<8x64xf16>) {
  // expected-error @+1 {{'apex4.linear' op input must be a rank-2 tensor (M x K), got rank 1}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<auto>, w_group = #apex4.group<auto>} : tensor<64xf16>, tensor<8x64xf16> -> tensor<4x8xf16>
  return
}

// -----

func.func @linear_group_does_not_divide(%x: tensor<4x48xf16>, %w: tensor<8x48xf16>) {
  // expected-error @+1 {{'apex4.linear' op a_group 32 does not divide K = 48}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<32>, w_group = #apex4.group<16>} : tensor<4x48xf16>, tensor<8x48xf16> -> tensor<4x8xf16>
  return
}

// -----

func.func @linear_result(%x: tensor<4x64xf16>, %w: tensor<8x64xf16>) {
  // expected-error @+1 {{'apex4.linear' op result must have shape [4, 8] (M x N), got [4, 9]}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<auto>, w_group = #apex4.group<auto>} : tensor<4x64xf16>, tensor<8x64xf16> -> tensor<4x9xf16>
  return
}

// -----

func.func @plan_tile_rank(%x: tensor<4x64xf16>, %w: tensor<8x64xf16>) {
  // expected-error @+1 {{plan tile must be [TM, TN, TK], got 2 values}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<auto>, w_group = #apex4.group<auto>, plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [128, 128], warps = [2, 2], stages = 3, split_k = 1>} : tensor<4x64xf16>, tensor<8x64xf16> -> tensor<4x8xf16>
  return
}

// -----

func.func @plan_warps_rank(%x: tensor<4x64xf16>, %w: tensor<8x64xf16>) {
  // expected-error @+1 {{plan warps must be [WM, WN], got 3 values}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<auto>, w_group = #apex4.group<auto>, plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [128, 128, 64], warps = [2, 2, 1], stages = 3, split_k = 1>} : tensor<4x64xf16>, tensor<8x64xf16> -> tensor<4x8xf16>
  return
}

// -----

func.func @plan_non_positive(%x: tensor<4x64xf16>, %w: tensor<8x64xf16>) {
  // expected-error @+1 {{plan tile and warp counts must be positive}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<auto>, w_group = #apex4.group<auto>, plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [128, 0, 64], warps = [2, 2], stages = 3, split_k = 1>} : tensor<4x64xf16>, tensor<8x64xf16> -> tensor<4x8xf16>
  return
}

// -----

func.func @plan_tile_m(%x: tensor<4x64xf16>, %w: tensor<8x64xf16>) {
  // expected-error @+1 {{plan tile M (48) must be a multiple of 16 * warps M (32)}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<auto>, w_group = #apex4.group<auto>, plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [48, 128, 64], warps = [2, 2], stages = 3, split_k = 1>} : tensor<4x64xf16>, tensor<8x64xf16> -> tensor<4x8xf16>
  return
}

// -----

func.func @plan_tile_n(%x: tensor<4x64xf16>, %w: tensor<8x64xf16>) {
  // expected-error @+1 {{plan tile N (24) must be a multiple of 8 * warps N (16)}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<auto>, w_group = #apex4.group<auto>, plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [64, 24, 64], warps = [2, 2], stages = 3, split_k = 1>} : tensor<4x64xf16>, tensor<8x64xf16> -> tensor<4x8xf16>
  return
}

// -----

func.func @plan_tile_k(%x: tensor<4x64xf16>, %w: tensor<8x64xf16>) {
  // expected-error @+1 {{plan tile K (32) must be a multiple of 64}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<auto>, w_group = #apex4.group<auto>, plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [64, 64, 32], warps = [2, 2], stages = 3, split_k = 1>} : tensor<4x64xf16>, tensor<8x64xf16> -> tensor<4x8xf16>
  return
}

// -----

func.func @plan_stages(%x: tensor<4x64xf16>, %w: tensor<8x64xf16>) {
  // expected-error @+1 {{plan stages must be in [1, 8], got 9}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<auto>, w_group = #apex4.group<auto>, plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [64, 64, 64], warps = [2, 2], stages = 9, split_k = 1>} : tensor<4x64xf16>, tensor<8x64xf16> -> tensor<4x8xf16>
  return
}

// -----

func.func @plan_split_k(%x: tensor<4x64xf16>, %w: tensor<8x64xf16>) {
  // expected-error @+1 {{plan split_k must be >= 1, got 0}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<auto>, w_group = #apex4.group<auto>, plan = #apex4.plan<placement = main_loop, convert = cvt, path = s8_mma_sync, tile = [64, 64, 64], warps = [2, 2], stages = 2, split_k = 0>} : tensor<4x64xf16>, tensor<8x64xf16> -> tensor<4x8xf16>
  return
}

// -----

func.func @plan_unknown_path(%x: tensor<4x64xf16>, %w: tensor<8x64xf16>) {
  // expected-error @+2 {{expected ::mlir::apex4::MmaPath to be one of: s4_mma_sync, s8_mma_sync, s8_wgmma}}
  // expected-error @+1 {{failed to parse APEX4_PlanAttr parameter 'path'}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<auto>, w_group = #apex4.group<auto>, plan = #apex4.plan<placement = main_loop, convert = cvt, path = s4_wgmma, tile = [64, 64, 64], warps = [2, 2], stages = 2, split_k = 1>} : tensor<4x64xf16>, tensor<8x64xf16> -> tensor<4x8xf16>
  return
}

// -----

// Regressions from fuzz/mutate_apex4_opt.py: K = 0 used to reach a division
// by zero in the reference lowering and the cost model.
func.func @quantize_empty_k(%x: tensor<?x0xbf16>) {
  // expected-error @+1 {{'apex4.quantize' op the K dimension of the input must be positive, got 0}}
  %q, %s = apex4.quantize %x {group = #apex4.group<per_channel>} : tensor<?x0xbf16> -> tensor<?x0xi4>, tensor<?x1xf32>
  return
}

// -----

func.func @linear_empty_k(%x: tensor<7x0xf32>, %w: tensor<1000x0xf32>) {
  // expected-error @+1 {{'apex4.linear' op the K dimension of the input must be positive, got 0}}
  %y = apex4.linear %x, %w {a_group = #apex4.group<per_channel>, w_group = #apex4.group<64>} : tensor<7x0xf32>, tensor<1000x0xf32> -> tensor<7x1000xf32>
  return
}

// -----

func.func @matmul_empty_k(%a: tensor<4x0xi4>, %sa: tensor<4x1xf32>, %w: tensor<8x0xi4>, %sw: tensor<8x1xf32>) {
  // expected-error @+1 {{'apex4.matmul' op the K dimension of A must be positive, got 0}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<per_channel>, w_group = #apex4.group<per_channel>} : tensor<4x0xi4>, tensor<4x1xf32>, tensor<8x0xi4>, tensor<8x1xf32> -> tensor<4x8xf32>
  return
}
