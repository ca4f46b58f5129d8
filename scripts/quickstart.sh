#!/usr/bin/env bash
# Sets up a fresh machine, builds apex4, and runs the main job: compile
# examples/linear.mlir (a LLaMA-7B projection, granularity 'auto') for the
# embedded default target (h100, sm_90a) to PTX, a cubin when ptxas is
# present, and a JSON manifest.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${APEX4_BUILD_DIR:-$repo/build}
"$repo/scripts/setup.sh"
out=${APEX4_OUT:-$repo/out/linear}
ptxas_flag=()
if ! command -v ptxas >/dev/null 2>&1 && [ ! -x /usr/local/cuda/bin/ptxas ] &&
   [ ! -x "${CUDA_HOME:-/nonexistent}/bin/ptxas" ]; then
  echo "ptxas not found: writing PTX only"
  ptxas_flag=(--no-cubin)
fi
"$build_dir/bin/apex4-compile" "$repo/examples/linear.mlir" -o "$out" "${ptxas_flag[@]}"
echo "plan chosen by the cost model (apex4-select-plan, explain=true):"
"$build_dir/bin/apex4-opt" "$repo/examples/linear.mlir" \
  --apex4-select-plan="target=h100 explain=true" -o /dev/null 2>&1 | head -3
echo "kernels:"
grep -o '"name": "[^"]*"' "$out/linear.json"
