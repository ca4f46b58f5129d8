#!/usr/bin/env bash
# Register-cap probe (build machine): copies of compiled kernels whose PTX
# asks for N resident CTAs per SM (.minnctapersm N, so ptxas caps the
# registers), reassembled with ptxas, with manifests pointing at them.
#   bash bench/probes/cap_registers.sh SRC_DIR OUT_DIR "N1 N2 ..." KERNEL...
# e.g. bash bench/probes/cap_registers.sh bench/artifacts/tune bench/artifacts/occ "6 8" \
#        sk_n28672_k8192_m16_t32_s4_st1
# Writes <kernel>_occ0 (unchanged) and <kernel>_occ<N> per N; time them with
# bench/bench.py --apex4-artifacts OUT_DIR.
set -euo pipefail
src=$1 out=$2 caps=$3; shift 3
mkdir -p "$out"
for base in "$@"; do
  for c in 0 $caps; do
    name=${base}_occ$c
    if [ "$c" = 0 ]; then cp "$src/$base.ptx" "$out/$name.ptx"
    else sed "s/^\(\.maxntid .*\)$/\1\n.minnctapersm $c/" "$src/$base.ptx" > "$out/$name.ptx"; fi
    echo "$name: $(ptxas -arch=sm_90a -v "$out/$name.ptx" -o "$out/$name.cubin" 2>&1 | grep -E 'registers|spill' | tr -s ' \n' ' ')"
    python3 - "$src/$base.json" "$out/$name.json" "$name" <<'PY'
import json, sys
manifest = json.load(open(sys.argv[1]))
manifest["cubin"], manifest["ptx"] = sys.argv[3] + ".cubin", sys.argv[3] + ".ptx"
json.dump(manifest, open(sys.argv[2], "w"), indent=1)
PY
  done
done
