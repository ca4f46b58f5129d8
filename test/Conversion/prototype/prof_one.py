#!/usr/bin/env python3
"""Launches one prototype case a few times at a given M (for ncu / nsys).
Usage: prof_one.py DIR CASE [M]"""
import json, os, sys
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_prototype import Kernel, inputs, pack_int4

d, name = sys.argv[1], sys.argv[2]
m = int(sys.argv[3]) if len(sys.argv) > 3 else 8192
cs = [c for c in json.load(open(os.path.join(d, "cases.json"))) if c["case"] == name][0]
kern = Kernel(d, cs)
from check_prototype import groups
ga, gw = groups(cs)
gen = torch.Generator(device="cuda"); gen.manual_seed(1)
qa, sa, qw, sw = inputs(m, cs["n"], cs["k"], ga, gw, gen)
A, W = pack_int4(qa), pack_int4(qw)
c = torch.empty((m, cs["n"]), dtype=torch.float16, device="cuda")
for _ in range(3):
    kern.launch(m, A, sa, W, sw, c)
torch.cuda.synchronize()
