// RUN: apex4-opt %s -split-input-file -apex4-select-plan -verify-diagnostics
// RUN: not apex4-opt %s -apex4-select-plan="target=tpu9" -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not apex4-opt %s -apex4-select-plan="target-file=%t.missing.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: echo '{"name": "broken"}' > %t.json
// RUN: not apex4-opt %s -apex4-select-plan="target-file=%t.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BROKEN

// UNKNOWN: error: apex4-select-plan: unknown target 'tpu9'; known targets: a100, a40, h100-measured, h100, h200, l40s, rtx3090, rtx4090
// NOFILE: error: apex4-select-plan: cannot read target file '{{.*}}missing.json'
// BROKEN: error: apex4-select-plan: target description {{.*}}: field 'chip' must be a string like "sm_90a"

// The target pinned in the IR is used when no option names one.
// expected-error @+1 {{apex4-select-plan: unknown target 'gtx480'}}
module attributes {apex4.target = "gtx480"} {
  func.func @pinned(%x: tensor<16x256xf16>, %w: tensor<64x256xf16>) -> tensor<16x64xf16> {
    %y = apex4.linear %x, %w {a_group = #apex4.group<128>, w_group = #apex4.group<128>}
        : tensor<16x256xf16>, tensor<64x256xf16> -> tensor<16x64xf16>
    return %y : tensor<16x64xf16>
  }
}

// -----

func.func @dynamic_n(%a: tensor<16x256xi4>, %sa: tensor<16x2xf32>, %w: tensor<?x256xi4>, %sw: tensor<?x2xf32>) -> tensor<16x?xf16> {
  // expected-error @+1 {{apex4-select-plan needs a static N (weight rows)}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<128>, w_group = #apex4.group<128>}
      : tensor<16x256xi4>, tensor<16x2xf32>, tensor<?x256xi4>, tensor<?x2xf32> -> tensor<16x?xf16>
  return %c : tensor<16x?xf16>
}

// -----

func.func @group_too_fine_for_any_mma(%a: tensor<16x256xi4>, %sa: tensor<16x16xf32>, %w: tensor<64x256xi4>, %sw: tensor<64x16xf32>) -> tensor<16x64xf16> {
  // expected-error @+1 {{apex4-select-plan: no plan for 16x64x256 on h100 that the code generator can build}}
  %c = apex4.matmul %a, %sa, %w, %sw {a_group = #apex4.group<16>, w_group = #apex4.group<16>}
      : tensor<16x256xi4>, tensor<16x16xf32>, tensor<64x256xi4>, tensor<64x16xf32> -> tensor<16x64xf16>
  return %c : tensor<16x64xf16>
}
