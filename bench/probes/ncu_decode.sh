#!/usr/bin/env bash
# ncu of the decode kernels in bench/artifacts/ncu (one launch each, after
# warm-up): speed of light, memory, warp-state and scheduler sections.
# Build machine: copy the kernels to profile (manifest, cubin, ptx, mlir)
# into bench/artifacts/ncu; then on the device, carrying that folder:
#   bash bench/probes/ncu_decode.sh
# Writes ncu-<kernel>.txt under $OUT.
set -u
sections="--section SpeedOfLight --section MemoryWorkloadAnalysis --section WarpStateStats --section SchedulerStats --section Occupancy --section LaunchStats"
for manifest in bench/artifacts/ncu/*.json; do
  name=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['kernels'][0]['name'])" "$manifest")
  n=$(python3 -c "import json,sys; k=json.load(open(sys.argv[1]))['kernels'][0]; print(k['n'], k['k'], k['grid'][1])" "$manifest")
  set -- $n
  m=$([ "$3" -le 8 ] && echo 1 || echo 16)
  timeout 120 ncu -k "$name" --launch-skip 5 --launch-count 1 $sections \
    python3 bench/bench.py --apex4-artifacts bench/artifacts/ncu --shapes ${1}x${2} --m $m \
      --skip fp16 int8 fp8 triton --reps 3 --out /tmp/ncu-bench > "$OUT/ncu-$name.txt" 2>&1
  echo "$name (M = $m): exit $?"
done
