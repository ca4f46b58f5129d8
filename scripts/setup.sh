#!/usr/bin/env bash
# Installs what apex4 needs on a fresh Debian 12 machine and builds it.
# Idempotent: packages already present and an existing build are reused.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${APEX4_BUILD_DIR:-$repo/build}

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
          cmake ninja-build g++ libgtest-dev python3 python3-pip)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_if_needed apt-get update
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
fi

# Python side: numpy + pytest for the tests, and the apex4 package itself.
if ! python3 -c "import numpy, pytest" >/dev/null 2>&1; then
  python3 -m pip install --quiet numpy pytest ||
    python3 -m pip install --quiet --break-system-packages numpy pytest
fi

cmake -G Ninja -S "$repo" -B "$build_dir" \
  -DCMAKE_BUILD_TYPE=Release \
  -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit >/dev/null
cmake --build "$build_dir"
