#!/usr/bin/env bash
# Builds one prototype variant: MLIR -> PTX (mlir-opt, explicit pipeline) -> cubin (ptxas).
# Usage: compile.sh OUTDIR NAME CHIP [gen_w4a4.py options...]
#        compile.sh OUTDIR NAME CHIP --mlir FILE   (lower an existing module, e.g. from emit_fast_kernel)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1; name=$2; chip=$3; shift 3
mkdir -p "$out"
LLVM=/usr/lib/llvm-22/bin
if [ "${1:-}" = "--mlir" ]; then cp "$2" "$out/$name.mlir"; else python3 "$here/gen_w4a4.py" "$@" > "$out/$name.mlir"; fi
$LLVM/mlir-opt "$out/$name.mlir" \
  --pass-pipeline="builtin.module(gpu.module(convert-nvgpu-to-nvvm,convert-scf-to-cf,convert-vector-to-llvm,convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=true},convert-nvvm-to-llvm,canonicalize,cse,reconcile-unrealized-casts),nvvm-attach-target{chip=$chip features=+ptx80 O=3},gpu-module-to-binary{format=isa})" \
  -o "$out/$name.isa.mlir"
# The PTX is the assembly string of the gpu.binary object.
python3 - "$out/$name.isa.mlir" "$out/$name.ptx" <<'PY'
import sys
text = open(sys.argv[1]).read()
i = text.index('assembly = "') + len('assembly = "')
out = []
while text[i] != '"':
    if text[i] == '\\':
        nxt = text[i + 1]
        if nxt in '\\"':
            out.append(nxt); i += 2
        else:
            out.append(chr(int(text[i + 1:i + 3], 16))); i += 3
    else:
        out.append(text[i]); i += 1
open(sys.argv[2], 'w').write(''.join(out))
PY
rm -f "$out/$name.isa.mlir"
/usr/local/cuda/bin/ptxas -arch=$chip -O3 -v "$out/$name.ptx" -o "$out/$name.cubin" 2>&1 | grep -E 'registers|spill|smem' | sed "s/^/[$name] /"
