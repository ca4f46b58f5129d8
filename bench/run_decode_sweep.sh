#!/usr/bin/env bash
# One device command: the split-K GPU checks (and racecheck), then the decode
# sweep of bench/make_artifacts.py --sweep-split-k (tile M 8 at M = 1, tile M
# 16 at M = 16) against FP16 and FP8. Build machine first:
#   python3 test/GPU/make_artifacts.py --bin build/bin --out gpu-artifacts
#   python3 bench/make_artifacts.py --bin build/bin --out bench/artifacts/ring --sweep-split-k --target h200
# then carry gpu-artifacts and bench/artifacts/ring. Writes 7 files under $OUT;
# summarize with bench/summarize_sweep.py on sweep-m1.log / sweep-m16.log.
set -u
export PYTHONUNBUFFERED=1
S="4096x4096 8192x8192 4096x11008 1024x8192 28672x8192 11008x4096 14336x4096 4096x14336"
timeout 60 python3 test/GPU/check_kernels.py gpu-artifacts --only sk > $OUT/check-sk.log 2>&1; echo "check exit $?: $(tail -1 $OUT/check-sk.log)"
timeout 90 compute-sanitizer --tool racecheck python3 test/GPU/check_kernels.py gpu-artifacts --only sk --quick > $OUT/racecheck.log 2>&1; echo "racecheck exit $?: $(tail -2 $OUT/racecheck.log | tr '\n' ' ')"
timeout 90 compute-sanitizer --tool memcheck python3 test/GPU/check_kernels.py gpu-artifacts --only sk --quick > $OUT/memcheck.log 2>&1; echo "memcheck exit $?: $(tail -2 $OUT/memcheck.log | tr "\n" " ")"
timeout 200 python3 bench/bench.py --apex4-artifacts bench/artifacts/ring/m8 --shapes $S --m 1 --skip int8 triton --reps 30 --budget-s 180 --out /tmp/m8 > $OUT/sweep-m1.log 2>&1; echo "m1 exit $?"
timeout 220 python3 bench/bench.py --apex4-artifacts bench/artifacts/ring/m16 --shapes $S --m 16 --skip int8 triton --reps 30 --budget-s 200 --out /tmp/m16 > $OUT/sweep-m16.log 2>&1; echo "m16 exit $?"
cp /tmp/m8/results.json $OUT/sweep-m1.json; cp /tmp/m16/results.json $OUT/sweep-m16.json
