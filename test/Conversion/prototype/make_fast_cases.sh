#!/usr/bin/env bash
# Builds kernels with the C++ generator (buildFastMatmulKernel, through the
# emit_fast_kernel harness) into OUTDIR (default bench/artifacts/fast) with
# cases.json for check_prototype.py.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../../bench/artifacts/fast}
emit=${EMIT:-/work/main/build-gpu/bin/emit_fast_kernel}
rm -rf "$out"; mkdir -p "$out"
cases=()
# case N K A_GROUP W_GROUP OUT "placement convert path [TM,TN,TK] [WM,WN] S" GEN_CHIP JSON-EXTRA
build() {
  local name=$1 n=$2 k=$3 ga=$4 gw=$5 ty=$6 p=$7 genchip=$8 extra=$9
  read -r place conv path tile warps st <<<"$p"
  local plan="#apex4.plan<placement = $place, convert = $conv, path = $path, tile = $tile, warps = $warps, stages = $st, split_k = 1>"
  "$emit" "$n" "$k" "$ga" "$gw" "$ty" "$plan" "$genchip" "$name" > "$out/$name.in.mlir"
  "$here/compile.sh" "$out" "$name" sm_90a --mlir "$out/$name.in.mlir"
  rm -f "$out/$name.in.mlir" "$out/$name.mlir"
  local tm tn wm wn
  tm=$(echo "$tile" | tr -d '[] ' | cut -d, -f1); tn=$(echo "$tile" | tr -d '[] ' | cut -d, -f2)
  wm=$(echo "$warps" | tr -d '[] ' | cut -d, -f1); wn=$(echo "$warps" | tr -d '[] ' | cut -d, -f2)
  cases+=("{\"case\": \"$name\", \"cubin\": \"$name.cubin\", \"kernel\": \"$name\", \"n\": $n, \"k\": $k, \"a_group\": $ga, \"w_group\": $gw, \"out\": \"$ty\", \"tm\": $tm, \"tn\": $tn, \"threads\": $((32 * wm * wn)), $extra}")
}
q='"ms": [1, 7, 128, 1000]'
T='"time": true'
W4='[128,64,128] [2,2] 3'
build f_g128_w4_tk128    4096 4096 128 128 f16 "main_loop magic s8_mma_sync $W4" sm_90a "$q, $T"
build f_g128_w8_tk64     4096 4096 128 128 f16 "main_loop magic s8_mma_sync [128,128,64] [2,4] 3" sm_90a "$q, $T"
build f_g128_w4_tk64_s4  4096 4096 128 128 f16 "main_loop magic s8_mma_sync [128,64,64] [2,2] 4" sm_90a "$q, $T"
build f_g128_s2_tk64     4096 4096 128 128 f16 "main_loop magic s8_mma_sync [128,64,64] [2,2] 2" sm_90a "$q, $T"
build f_g64_w4_tk128     4096 4096 64 64 f16   "main_loop magic s8_mma_sync $W4" sm_90a "$q, $T"
build f_g64_w4_tk64      4096 4096 64 64 f16   "main_loop magic s8_mma_sync [128,64,64] [2,2] 4" sm_90a "$q, $T"
build f_g32_w4_tk128     4096 4096 32 32 f16   "main_loop magic s8_mma_sync $W4" sm_90a "$q, $T"
build f_g256_w4_tk128    4096 4096 256 256 f16 "main_loop magic s8_mma_sync $W4" sm_90a "$q, $T"
build f_g128_cvt_w4      4096 4096 128 128 f16 "main_loop cvt s8_mma_sync $W4" sm_90a "$q, $T"
build f_pc_w4_tk64       4096 4096 0 0 f16     "epilogue cvt s8_mma_sync [128,64,64] [2,2] 4" sm_90a "$q, $T"
build f_pc_w4_tk128      4096 4096 0 0 f16     "epilogue cvt s8_mma_sync $W4" sm_90a "$q, $T"
build f_pc_exact_f32     4096 4096 0 0 f32     "epilogue cvt s8_mma_sync $W4" sm_90a "\"exact\": true"
build f_a128_wpc         4096 4096 128 0 f16   "main_loop magic s8_mma_sync $W4" sm_90a "$q, $T"
build f_apc_w256_f32     4096 4096 0 256 f32   "main_loop magic s8_mma_sync $W4" sm_90a "$q"
build f_n1000_g128       1000 4096 128 128 f16 "main_loop magic s8_mma_sync $W4" sm_90a "\"ms\": [1,7,1000]"
build f_k11008_g128      4096 11008 128 128 f16 "main_loop magic s8_mma_sync $W4" sm_90a "\"ms\": [7, 300], $T, \"time_m\": [4096]"
build f_decode_16x128    4096 4096 128 128 f16 "main_loop magic s8_mma_sync [16,128,128] [1,4] 3" sm_90a "\"ms\": [1,7,33], $T, \"time_m\": [1, 16]"
build f_s4_sm80_emul     4096 4096 128 128 f16 "main_loop magic s4_mma_sync $W4" sm_80 "\"ms\": [7, 128]"
(IFS=,; echo "[${cases[*]}]") | python3 -m json.tool > "$out/cases.json"
rm -f "$out"/*.ptx
ls "$out" | wc -l
