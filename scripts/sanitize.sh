#!/usr/bin/env bash
# Builds apex4 with AddressSanitizer + UndefinedBehaviorSanitizer
# (APEX4_ENABLE_SANITIZERS) in build-asan/ and runs the lit suite and the unit
# tests there. Leak checking is off: MLIR keeps global registries alive at
# exit by design.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${APEX4_ASAN_BUILD_DIR:-$repo/build-asan}
cmake -G Ninja -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release \
  -DAPEX4_ENABLE_SANITIZERS=ON \
  -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit >/dev/null
ninja -C "$build_dir" apex4-opt apex4-plan apex4-compile APEX4TargetTests
# allow_user_poisoning=0: the prebuilt MLIR libraries are not instrumented,
# so allocator poisoning done by inline LLVM code in our (instrumented) files
# would not be matched by the unpoisoning inside the libraries.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allow_user_poisoning=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
"$build_dir/unittests/Target/APEX4TargetTests" --gtest_brief=1
/usr/lib/llvm-22/bin/lit -s "$build_dir/test"
