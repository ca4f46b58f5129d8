#!/usr/bin/env bash
# One command on the GPU machine: the apex4 benchmark suite.
#   bench/run_bench.sh [--quick] [--apex4-artifacts DIR] [--calibration FILE|none] [bench.py options]
# Writes results.md, results.json, plot.png, command.txt, gpu.txt and bench.log
# to $OUT when set (the device tool), else bench/results/<date>-<gpu>/.
# Uses bench/results/calibration-h100/h100-measured.json for the peak when it
# exists, the GPU is an H100 and no --calibration is given; other GPUs (and
# --calibration none) get bandwidth fractions against the run's own measured
# copy rate. (Before stop 15 the H200 runs used the H100 file: their
# bandwidth fractions are against its 2813 GB/s.)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
args=("$@")
calib_given=0
for a in "$@"; do [ "$a" = --calibration ] && calib_given=1; done
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr ' ' '-')
if [ $calib_given -eq 0 ] && [[ "$gpu" == *H100* ]] && [ -f "$here/results/calibration-h100/h100-measured.json" ]; then
  args+=(--calibration "$here/results/calibration-h100/h100-measured.json")
fi
# --calibration none -> drop it
clean=()
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[$i]}" = --calibration ] && [ "${args[$((i + 1))]:-}" = none ]; then
    i=$((i + 1)); continue
  fi
  clean+=("${args[$i]}")
done
out=${OUT:-$here/results/$(date +%Y%m%d-%H%M%S)-${gpu:-gpu}}
mkdir -p "$out"
{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv
  python3 -c 'import torch; print("torch.cuda.get_device_name:", torch.cuda.get_device_name())'
} >"$out/gpu.txt" 2>&1
echo "bench/run_bench.sh $*" >"$out/command.txt"
echo "python3 bench/bench.py ${clean[*]} --out $out" >>"$out/command.txt"
PYTHONUNBUFFERED=1 python3 "$here/bench.py" "${clean[@]}" --out "$out" 2>&1 | tee "$out/bench.log"
exit "${PIPESTATUS[0]}"
