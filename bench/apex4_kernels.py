"""Launch apex4-generated kernels (manifest + cubin/PTX) from Python via CuPy.

Reads the manifest format of docs/architecture.md ("Kernel ABI and manifest"),
accepting both spellings of `grid` (see runtime/include/apex4rt/Runtime.h):
the object form {"x": ["N", 128], "y": ["M", 128], "z": 1} and the array form
apex4-compile writes ([TN, TM, SPLIT_K] for matmul, [ROWS] for quantize).
Arguments are torch tensors; launches go to CuPy's current stream, which is
the legacy default stream that torch also uses unless told otherwise.
"""
import glob
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
# The tensor map of INT8-container activations ('ACMAP'), as apex4.nn builds it.
from apex4.runtime import container_tensor_map  # noqa: E402,F401


def _cdiv(a, b):
    return (a + b - 1) // b


class Apex4Kernel:
    def __init__(self, manifest_path, info, manifest):
        import cupy as cp  # only needed when apex4 artifacts are given
        directory = os.path.dirname(os.path.abspath(manifest_path))
        binary = manifest.get("cubin") or manifest.get("ptx")
        self.manifest_path = manifest_path
        self.label = os.path.splitext(os.path.basename(manifest_path))[0]
        self.info = info
        self.module = cp.RawModule(path=os.path.join(directory, binary))
        self.function = self.module.get_function(info["name"])
        self.shared = int(info.get("shared_bytes", 0))
        if self.shared > 0:  # dynamic + static must fit the raised limit
            self.function.max_dynamic_shared_size_bytes = self.shared
        self.block = tuple(info["block"]) + (1,) * (3 - len(info["block"]))
        self.params = info.get("params", ["A", "SA", "W", "SW", "C", "M"])

    @property
    def n(self):
        return self.info["n"]

    @property
    def k(self):
        return self.info["k"]

    def group(self, which):
        g = self.info.get(which, 0)
        return self.k if g in (0, None) else g

    def grid(self, m):
        g = self.info["grid"]
        dims = {"M": m, "N": self.info.get("n", 0), "K": self.info["k"]}
        if isinstance(g, dict):
            out = []
            for axis in "xyz":
                e = g.get(axis, 1)
                out.append(_cdiv(dims[e[0]], e[1]) if isinstance(e, list) else int(e))
            return tuple(out)
        if self.info["kind"] == "matmul":
            tn, tm, split = g
            return (_cdiv(self.info["n"], tn), _cdiv(m, tm), split)
        return (_cdiv(m, g[0]), 1, 1)

    def __call__(self, m, **tensors):
        if "ACMAP" in self.params and "ACMAP" not in tensors:
            tensors["ACMAP"] = container_tensor_map(tensors["AC"], m, self.info["grid"][1])
        args = []
        for p in self.params:
            if p == "M":
                args.append(np.int64(m))
            else:
                args.append(np.uint64(tensors[p].data_ptr()))
        self.function(self.grid(m), self.block, tuple(args), shared_mem=self.shared)


def int8_containers_from_packed(a):
    """Packed INT4 activations [M, K/2] (even k in the low nibble) -> the
    'AC' layout [M, K]: bytes 16 q, each 32 values of K as its 16 even-k
    values, then its 16 odd-k ones (docs/codegen.md)."""
    a = a.to(torch.int16)
    low, high = a & 0xF, a >> 4
    q = torch.stack([torch.where(low > 7, low - 16, low),
                     torch.where(high > 7, high - 16, high)], dim=-1)
    m, k = a.shape[0], 2 * a.shape[1]
    blocks = (q * 16).to(torch.int8).reshape(m, k // 32, 16, 2)
    return blocks.transpose(2, 3).reshape(m, k).contiguous()


def load_matmul_kernels(directory):
    """Every matmul kernel of every manifest in `directory`."""
    kernels = []
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        try:
            with open(path) as f:
                manifest = json.load(f)
        except (OSError, json.JSONDecodeError):
            continue
        if not isinstance(manifest, dict) or "kernels" not in manifest:
            continue  # e.g. index.json
        if not (manifest.get("cubin") or manifest.get("ptx")):
            continue
        for info in manifest["kernels"]:
            if info.get("kind") == "matmul":
                kernels.append((path, info, manifest))
    return kernels
