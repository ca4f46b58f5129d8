#!/usr/bin/env bash
# One device command: correctness of every compiled case, timings, then
# compute-sanitizer memcheck and racecheck on the quick grid.
# Usage: test/GPU/run_on_device.sh ARTIFACT_DIR   (outputs under $OUT)
set -uo pipefail
art=$1
out=${OUT:-/tmp/apex4-gpu-out}
mkdir -p "$out"
here=$(dirname "$0")
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/gpu.txt"
python3 "$here/check_kernels.py" "$art" --time --json "$out/check.json" 2>&1 | tee "$out/check.log"
status=${PIPESTATUS[0]}
for tool in memcheck racecheck initcheck; do
  compute-sanitizer --tool $tool --error-exitcode 9 \
    python3 "$here/check_kernels.py" "$art" --quick > "$out/sanitizer-$tool.log" 2>&1
  echo "compute-sanitizer $tool: exit $? ($(grep -c 'PASS' "$out/sanitizer-$tool.log") checks ran; $(grep -E '(ERROR|RACECHECK) SUMMARY' "$out/sanitizer-$tool.log" | tail -1))"
done | tee "$out/sanitizer.txt"
exit $status
