#!/usr/bin/env bash
# Times every quantize kernel found in the linear manifests under each
# folder given, with the C++ runtime's apex4-run (bit-exact check, CUDA
# events, median over rotating inputs), at M = 1, 16, 300, 1024, 4096.
# Usage (device): bash bench/probes/time_quantize.sh DIR...
set -uo pipefail
make -s -C runtime all >/dev/null || exit 1
for dir in "$@"; do
  declare -A seen=()
  for manifest in "$dir"/*/linear.json; do
    for kernel in $(runtime/build/apex4-run --manifest "$manifest" --list | awk -F'\t' '$2 == "quantize" {print $1}'); do
      [ -n "${seen[$kernel]:-}" ] && continue
      seen[$kernel]=1
      for m in 1 16 300 1024 4096; do
        line=$(runtime/build/apex4-run --manifest "$manifest" --kernel "$kernel" --m "$m" \
                 --quantize --time --reps 50 2>&1 | grep -E '^(check|time)' | tr '\n' ' ')
        echo "$dir $kernel M=$m $line"
      done
    done
  done
  unset seen
done
