#!/usr/bin/env bash
# Builds emit_fast_kernel against BUILD (default /work/main/build-gpu), reusing apex4-opt's link line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-/work/main/build-gpu}
src=$(cd "$here/../../../.." && pwd)
cd "$build"
ninja -j1 lib/libAPEX4Pipelines.a lib/libAPEX4ToGPU.a lib/libAPEX4Dialect.a >/dev/null
flags=$(awk '/^build bin\/apex4-opt:/{f=1} f&&/^  FLAGS =/{sub(/^  FLAGS = /,""); print; exit}' build.ninja)
libs=$(awk '/^build bin\/apex4-opt:/{f=1} f&&/^  LINK_LIBRARIES =/{sub(/^  LINK_LIBRARIES = /,""); print; exit}' build.ninja | sed 's/\$\$/$/g')
defs=$(awk '/^build tools\/apex4-opt\/CMakeFiles\/apex4-opt.dir\/apex4-opt.cpp.o:/{f=1} f&&/^  DEFINES =/{sub(/^  DEFINES = /,""); print; exit}' build.ninja)
incs=$(awk '/^build tools\/apex4-opt\/CMakeFiles\/apex4-opt.dir\/apex4-opt.cpp.o:/{f=1} f&&/^  INCLUDES =/{sub(/^  INCLUDES = /,""); print; exit}' build.ninja)
eval g++ -std=c++17 $defs $incs $flags -fno-exceptions -fno-rtti -c "$here/emit_fast_kernel.cpp" -o "$build/emit_fast_kernel.o"
eval g++ $flags "$build/emit_fast_kernel.o" -o "$build/bin/emit_fast_kernel" $libs
echo "$build/bin/emit_fast_kernel"
