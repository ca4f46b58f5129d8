#!/usr/bin/env bash
# Builds the prototype variants into OUTDIR (default bench/artifacts/proto) with cases.json
# for check_prototype.py. Needs mlir-opt 22 and ptxas (build machine).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../../bench/artifacts/proto}
rm -rf "$out"; mkdir -p "$out"
cases=()
build() { # case chip json-extra gen-options...
  local name=$1 chip=$2 extra=$3; shift 3
  "$here/compile.sh" "$out" "$name" "$chip" --name "$name" "$@"
  rm -f "$out/$name.mlir"
  cases+=("{\"case\": \"$name\", \"cubin\": \"$name.cubin\", \"kernel\": \"$name\", $extra}")
}
std='"n": 4096, "k": 4096, "tm": 128, "tn": 128, "threads": 256'
std128='"n": 4096, "k": 4096, "tm": 128, "tn": 128, "threads": 256'
std64='"n": 4096, "k": 4096, "tm": 128, "tn": 64, "threads": 128'
std64n='"n": 4096, "k": 4096, "tm": 64, "tn": 128, "threads": 128'
q='"ms": [1, 7, 1000]'
case ${ROUND:-2} in
1)  # first round: structure, correctness of every path, tails
build s8_g128_magic   sm_90a "$std128, \"group\": 128, \"out\": \"f16\", \"time\": true" --group 128 --no-bias-init --no-fma
build s8_g64_magic    sm_90a "$std128, \"group\": 64, \"out\": \"f16\", \"time\": true" --group 64 --no-bias-init --no-fma
build s8_pc_cvt       sm_90a "$std128, \"group\": 0, \"out\": \"f16\", \"time\": true" --group 0 --convert cvt --no-fma
build s8_pc_exact_f32 sm_90a "$std128, \"group\": 0, \"out\": \"f32\", \"exact\": true" --group 0 --convert cvt --out f32
build s8_g128_s3      sm_90a "$std128, \"group\": 128, \"out\": \"f16\", \"time\": true" --group 128 --stages 3 --no-bias-init --no-fma
build s8_g128_tk128   sm_90a "$std128, \"group\": 128, \"out\": \"f16\", \"time\": true" --group 128 --tile 128,128,128 --stages 3 --no-bias-init --no-fma
build s8_g256_tk128   sm_90a "$std128, \"group\": 256, \"out\": \"f16\", \"time\": true" --group 256 --tile 128,128,128 --stages 3 --no-bias-init --no-fma
build s8_n1000_g128   sm_90a "\"n\": 1000, \"k\": 4096, \"tm\": 128, \"tn\": 128, \"threads\": 256, \"group\": 128, \"out\": \"f16\", \"ms\": [1, 7, 1000]" --n 1000 --group 128 --no-bias-init --no-fma
build s4_g128_emul    sm_90a "$std128, \"group\": 128, \"out\": \"f16\", \"ms\": [7, 128]" --group 128 --path s4 --no-bias-init --no-fma
;;
2)  # second round: cheaper dequant (bias-initialised accumulators + FMA), fragment prefetch, 2 CTAs / SM
build g128_w8            sm_90a "$std128, $q, \"group\": 128, \"out\": \"f16\", \"time\": true" --group 128
build g128_w8_pf         sm_90a "$std128, $q, \"group\": 128, \"out\": \"f16\", \"time\": true" --group 128 --prefetch
build g128_w4_pf         sm_90a "$std64, $q, \"group\": 128, \"out\": \"f16\", \"time\": true" --group 128 --prefetch --tile 128,64,64 --warps 2,2
build g128_w4            sm_90a "$std64, $q, \"group\": 128, \"out\": \"f16\", \"time\": true" --group 128 --tile 128,64,64 --warps 2,2
build g128_w4n_pf        sm_90a "$std64n, $q, \"group\": 128, \"out\": \"f16\", \"time\": true" --group 128 --prefetch --tile 64,128,64 --warps 1,4
build g128_w8_tk128_pf   sm_90a "$std128, $q, \"group\": 128, \"out\": \"f16\", \"time\": true" --group 128 --prefetch --tile 128,128,128 --stages 3
build g128_w4_tk128_pf   sm_90a "$std64, $q, \"group\": 128, \"out\": \"f16\", \"time\": true" --group 128 --prefetch --tile 128,64,128 --warps 2,2 --stages 3
build g64_w4_pf          sm_90a "$std64, $q, \"group\": 64, \"out\": \"f16\", \"time\": true" --group 64 --prefetch --tile 128,64,64 --warps 2,2
build pc_w8_pf           sm_90a "$std128, $q, \"group\": 0, \"out\": \"f16\", \"time\": true" --group 0 --prefetch --convert cvt
build pc_w4_pf           sm_90a "$std64, $q, \"group\": 0, \"out\": \"f16\", \"time\": true" --group 0 --prefetch --convert cvt --tile 128,64,64 --warps 2,2
build pc_exact_w4_pf     sm_90a "$std64, \"group\": 0, \"out\": \"f32\", \"exact\": true" --group 0 --prefetch --convert cvt --out f32 --tile 128,64,64 --warps 2,2
build s4_g128_w4_pf      sm_90a "$std64, \"group\": 128, \"out\": \"f16\", \"ms\": [7]" --group 128 --path s4 --prefetch --tile 128,64,64 --warps 2,2
;;
esac
(IFS=,; echo "[${cases[*]}]") | python3 -m json.tool > "$out/cases.json"
ls -la "$out"
