#!/usr/bin/env bash
# One device command: every GPU test kernel, the benchmark suite with the
# planned kernels (decode and prefill plan per shape), the end-to-end model
# and the Python GPU tests. Build machine first:
#   python3 test/GPU/make_artifacts.py --bin build/bin --out gpu-artifacts
#   python3 bench/make_artifacts.py --bin build/bin --out bench/artifacts/planned --planned
#   APEX4_CACHE_DIR=$PWD/kernel-cache APEX4_BIN_DIR=$PWD/build/bin PYTHONPATH=$PWD/python \
#     sh -c "python3 bench/e2e_llama.py --compile-only && python3 python/tests/gpu_cases.py"
# then carry gpu-artifacts, bench/artifacts/planned and kernel-cache. Writes 8 files under $OUT.
export APEX4_CACHE_DIR=$PWD/kernel-cache PYTHONPATH=$PWD/python PYTHONUNBUFFERED=1
mkdir -p $OUT/bench
timeout 100 python3 test/GPU/check_kernels.py gpu-artifacts > $OUT/check.log 2>&1; echo "check exit $?: $(tail -1 $OUT/check.log)"
OUT=$OUT/bench timeout 300 bash bench/run_bench.sh --apex4-artifacts bench/artifacts/planned --budget-s 230 > /dev/null 2>&1; echo "bench exit $?: $(tail -1 $OUT/bench/bench.log)"
rm -f $OUT/bench/gpu.txt $OUT/bench/plot.png
timeout 90 python3 bench/e2e_llama.py --json $OUT/e2e.json > $OUT/e2e.log 2>&1; echo "e2e exit $?"; tail -6 $OUT/e2e.log
timeout 80 python3 -m pytest -q python/tests > $OUT/pytest.log 2>&1; echo "pytest exit $?: $(tail -1 $OUT/pytest.log)"
