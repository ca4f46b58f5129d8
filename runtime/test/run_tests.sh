#!/usr/bin/env bash
# GPU tests of the apex4 runtime: builds everything, runs the host self-test,
# then apex4-run on the TEST FIXTURE kernels (test/fixture_kernels.cu) — both
# manifest grid spellings, cubin and PTX loading, >48 KiB dynamic shared
# memory, M tails, f16/f32 outputs, mixed and per-channel groups, the three
# quantize input types — and checks that --check catches a wrong kernel.
# With ARTIFACT_DIR, also runs apex4-run --check on every compiled apex4
# kernel there (reported separately; they do not change this script's status).
#
# Usage: runtime/test/run_tests.sh [ARTIFACT_DIR]     (on the GPU machine)
# Last line: "runtime: N passed, N failed".
set -uo pipefail
artifacts=""
if [ $# -ge 1 ]; then
  artifacts=$(cd "$1" 2>/dev/null && pwd) || { echo "no folder $1"; exit 2; }
fi
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
make -j"$(nproc)" all >build.log 2>&1 || { cat build.log; echo "runtime: 0 passed, 1 failed"; exit 1; }
rm -f build.log
run=build/apex4-run
passed=0
failed=0

# expect STATUS DESCRIPTION ARGS...: runs apex4-run, compares its exit status.
expect() {
  local want=$1 what=$2
  shift 2
  local log status
  log=$("$run" "$@" 2>&1)
  status=$?
  if [ "$status" -eq "$want" ]; then
    passed=$((passed + 1))
    echo "ok   $what"
  else
    failed=$((failed + 1))
    echo "FAIL $what (exit $status, wanted $want)"
  fi
  echo "$log" | grep -v '^RESULT' | sed 's/^/       /'
}

echo "== host self-test"
if build/apex4rt-selftest; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

mm=build/fixture_matmul.json
q=build/fixture_quantize.json
echo "== fixture matmuls"
for m in 1 7 64 1000; do
  expect 0 "g128 f16, object grid, M=$m" --manifest $mm --kernel fixture_matmul_n256_k512_g128_f16 --m $m --check --seed $m
done
for m in 1 33 257; do
  expect 0 "a32/w64 f32, N tail, M=$m" --manifest $mm --kernel fixture_matmul_n200_k256_a32_w64_f32 --m $m --check --seed $m
done
for m in 5 300; do
  expect 0 "per-channel A, w64, array grid, M=$m" --manifest $mm --kernel fixture_matmul_n128_k256_apc_w64_f16 --m $m --check
done
expect 0 "70000 B dynamic shared memory, M=64" --manifest $mm --kernel fixture_matmul_bigsmem --m 64 --check
expect 0 "PTX only (driver JIT), M=16" --manifest build/fixture_ptx.json --m 16 --check
expect 0 "sampled-row check, M=3000" --manifest $mm --kernel fixture_matmul_n256_k512_g128_f16 --m 3000 --check --check-rows 100
expect 1 "a wrong kernel fails --check" --manifest $mm --kernel fixture_matmul_bad --m 9 --check
expect 2 "M above max_m is refused" --manifest $mm --kernel fixture_matmul_n128_k256_apc_w64_f16 --m 100001 --check
expect 2 "unknown kernel is an error" --manifest $mm --kernel nope --m 1
expect 0 "timing path, M=1024" --manifest $mm --kernel fixture_matmul_n256_k512_g128_f16 --m 1024 --check --time
echo "== fixture quantize"
for m in 1 6 37 1000; do
  expect 0 "f16 g128, M=$m" --manifest $q --kernel fixture_quantize_k512_g128_f16 --m $m --quantize --seed $m
done
expect 0 "bf16 g32, object grid, M=9" --manifest $q --kernel fixture_quantize_k256_g32_bf16 --m 9 --quantize
expect 0 "f32 per-channel, M=130" --manifest $q --kernel fixture_quantize_k256_pc_f32 --m 130 --quantize
expect 0 "quantize timing, M=4096" --manifest $q --kernel fixture_quantize_k512_g128_f16 --m 4096 --quantize --time

if [ -n "$artifacts" ]; then
  echo "== compiled apex4 kernels in $artifacts (reported, not counted)"
  apass=0
  afail=0
  for manifest in "$artifacts"/*.json; do
    [ "$(basename "$manifest")" = index.json ] && continue
    "$run" --manifest "$manifest" --list >/tmp/apex4-kernels.txt 2>/dev/null || continue
    while IFS=$'\t' read -r name kind _; do
      if [ "$kind" = matmul ]; then ms="1 130"; else ms="5 300"; fi
      for m in $ms; do
        if "$run" --manifest "$manifest" --kernel "$name" --m "$m" --check --seed "$m" \
             >/tmp/apex4-one.log 2>&1; then
          apass=$((apass + 1)); verdict=PASS
        else
          afail=$((afail + 1)); verdict=FAIL
        fi
        echo "$verdict $(basename "$manifest") M=$m: $(grep -E '^(check|apex4-run: error)' /tmp/apex4-one.log | head -1)"
        [ $verdict = FAIL ] && grep -E 'first|error' /tmp/apex4-one.log | sed 's/^/       /'
      done
    done </tmp/apex4-kernels.txt
  done
  echo "compiled kernels: $apass passed, $afail failed"
fi
echo "runtime: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
