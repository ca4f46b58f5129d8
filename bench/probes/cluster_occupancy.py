#!/usr/bin/env python3
"""Lines for cluster_occupancy.cu from the matmul kernels of a folder of
apex4 manifests: cubin, kernel name, threads, shared bytes, cluster z."""
import glob
import json
import os
import sys

for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    manifest = json.load(open(path))
    for kernel in manifest["kernels"]:
        if kernel["kind"] == "matmul":
            cubin = os.path.join(os.path.dirname(path), manifest["cubin"])
            print(cubin, kernel["name"], kernel["block"][0], kernel.get("shared_bytes", 0),
                  kernel["grid"][2])
