#!/usr/bin/env bash
# Installs the apex4 build tree into a scratch prefix, then configures, builds
# and runs the consumer project against it. Usage: run.sh <apex4-build-dir>
set -euo pipefail
build_dir=$(cd "$1" && pwd)
src_dir=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmake --install "$build_dir" --prefix "$scratch/prefix" > "$scratch/install.log"
cmake -G Ninja -S "$src_dir" -B "$scratch/build" -DCMAKE_BUILD_TYPE=Release \
  -DAPEX4_DIR="$scratch/prefix/lib/cmake/apex4" > "$scratch/configure.log"
cmake --build "$scratch/build" > "$scratch/build.log" || { cat "$scratch/build.log"; exit 1; }
"$scratch/build/apex4-consumer"
