#!/usr/bin/env bash
# Builds apex4 (if needed) and runs every test through ctest: the lit suite,
# the GoogleTest unit tests, the installed-package consumer and pytest.
# The last line is ctest's summary.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${APEX4_BUILD_DIR:-$repo/build}
if [ ! -f "$build_dir/build.ninja" ]; then
  "$repo/scripts/setup.sh"
fi
cmake --build "$build_dir"
cd "$build_dir"
ctest --output-on-failure -j"$(nproc)"
