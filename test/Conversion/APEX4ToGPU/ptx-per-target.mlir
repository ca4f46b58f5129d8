// REQUIRES: ptxas
// The whole pipeline, per target: plan, kernels, PTX, and ptxas assembling it
// for the target's chip (apex4-compile fails if ptxas rejects the PTX).
// RUN: rm -rf %t && mkdir -p %t
// RUN: apex4-compile %s --target=a100 -o %t --name=a100 | FileCheck %s --check-prefix=WROTE
// RUN: FileCheck %s --check-prefix=SM80 < %t/a100.ptx
// RUN: apex4-compile %s --target=rtx3090 -o %t --name=rtx3090
// RUN: FileCheck %s --check-prefix=SM86 < %t/rtx3090.ptx
// RUN: apex4-compile %s --target=l40s -o %t --name=l40s
// RUN: FileCheck %s --check-prefix=SM89 < %t/l40s.ptx
// RUN: apex4-compile %s --target=h100 -o %t --name=h100
// RUN: FileCheck %s --check-prefix=SM90 < %t/h100.ptx
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/h100.json

// WROTE: apex4-compile: wrote {{.*}}a100.ptx, {{.*}}a100.cubin, {{.*}}a100.json

// SM80: .target sm_80
// SM80: cp.async.cg.shared.global
// SM80: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// SM80: mma.sync.aligned.m16n8k64.row.col.satfinite.s32.s4.s4.s32
// SM86: .target sm_86
// SM86: mma.sync.aligned.m16n8k64.row.col.satfinite.s32.s4.s4.s32
// SM89: .target sm_89
// SM89: mma.sync.aligned.m16n8k64.row.col.satfinite.s32.s4.s4.s32

// Hopper: no s4 MMA (it would be emulated). The g128 prefill plan is the
// wgmma with W unpacked in registers (ldmatrix + INT4 -> INT8 unpack) and
// the activations as INT8 containers copied by TMA, so the quantize kernel
// writes containers and the matmul takes a tensor map.
// SM90: .target sm_90a
// SM90-NOT: .s4.s4
// SM90: cp.async.bulk.tensor.2d
// SM90: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// SM90: and.b32 {{.*}}-252645136;
// SM90: wgmma.mma_async.sync.aligned.m64n128k32.s32.s8.s8
// SM90-NOT: .s4.s4

// MANIFEST: "chip": "sm_90a"
// MANIFEST: "block": [
// MANIFEST: "kind": "quantize"
// MANIFEST: "params": [
// MANIFEST-NEXT: "X",
// MANIFEST-NEXT: "QC",
// MANIFEST: "kind": "matmul"
// MANIFEST: "params": [
// MANIFEST-NEXT: "AC",
// MANIFEST-NEXT: "SA",
// MANIFEST-NEXT: "W",
// MANIFEST-NEXT: "SW",
// MANIFEST-NEXT: "C",
// MANIFEST-NEXT: "ACMAP",
// MANIFEST-NEXT: "M"
// MANIFEST: "plans": [
// MANIFEST: "plan": "#apex4.plan<placement = main_loop, convert = cvt, path = s8_wgmma_wreg

func.func @layer(%x: tensor<?x4096xf16>, %w: tensor<4096x4096xf16>) -> tensor<?x4096xf16> {
  %y = apex4.linear %x, %w {a_group = #apex4.group<128>, w_group = #apex4.group<128>}
      : tensor<?x4096xf16>, tensor<4096x4096xf16> -> tensor<?x4096xf16>
  return %y : tensor<?x4096xf16>
}
