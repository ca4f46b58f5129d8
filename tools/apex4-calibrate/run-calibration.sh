#!/bin/sh
# Builds tools/apex4-calibrate/calibrate.cu with nvcc and runs it on the GPU of
# this machine, writing the measured target description and the raw output.
#
#   tools/apex4-calibrate/run-calibration.sh OUT_DIR [NAME] [GENCODE]
#
# NAME defaults to h100-measured, GENCODE to arch=compute_90a,code=sm_90a
# (use arch=compute_80,code=sm_80 for an A100, compute_86/sm_86 for an
# RTX 3090 or A40, compute_89/sm_89 for an L40S or RTX 4090).
set -eu
out=${1:?usage: run-calibration.sh OUT_DIR [NAME] [GENCODE]}
name=${2:-h100-measured}
gencode=${3:-arch=compute_90a,code=sm_90a}
here=$(cd "$(dirname "$0")" && pwd)
bin=${TMPDIR:-/tmp}/apex4-calibrate
mkdir -p "$out"
{ nvcc --version; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.max.mem,power.limit --format=csv; } > "$out/environment.txt" 2>&1
nvcc -O3 -std=c++17 "-gencode=$gencode" --resource-usage -o "$bin" "$here/calibrate.cu" > "$out/build.log" 2>&1
# Which SASS the MMAs and converts became (s4 on sm_90 is a software routine).
cuobjdump -sass "$bin" | grep -oE '(IMMA|HMMA|I2FP?|F2FP?)[A-Z0-9._]*' | sort | uniq -c > "$out/sass-summary.txt" || true
"$bin" "$name" > "$out/$name.json" 2> "$out/calibrate.log"
cat "$out/environment.txt" "$out/sass-summary.txt" "$out/calibrate.log" "$out/$name.json"
