#!/usr/bin/env python3
"""Mutation fuzzer for apex4-opt's parser, verifiers and pipelines.

Seeds are the lit tests' inputs (split at `// -----`). Each iteration mutates
a seed (token swaps, number changes, attribute edits, truncation, line
shuffles) and runs it through apex4-opt with one of several pass pipelines.
Bad input must give a diagnostic and exit code 1; a signal, an assertion, a
"PLEASE submit a bug report" stack dump or a timeout is a finding. Findings
are written to fuzz/findings/ for turning into regression tests.

  python3 fuzz/mutate_apex4_opt.py --bin build/bin --seconds 300
"""
import argparse
import glob
import hashlib
import os
import random
import re
import subprocess
import time

PIPELINES = [
    [],
    ["--apex4-expand-linear"],
    ["--apex4-select-plan=target=h100 explain=true"],
    ["--apex4-select-plan=target=a100", "--apex4-expand-linear", "--convert-apex4-to-gpu=chip=sm_80"],
    ["--apex4-expand-linear", "--convert-apex4-to-reference"],
    ["--apex4-cpu-reference"],
    ["--apex4-to-ptx=target=h100"],
]

NUMBERS = ["0", "1", "-1", "2", "3", "7", "8", "15", "16", "24", "31", "32", "33", "48", "64",
           "96", "128", "255", "256", "1024", "4096", "65536", "2147483648", "-16",
           "9223372036854775807", "?"]
KEYWORDS = ["per_channel", "auto", "main_loop", "epilogue", "operand_fold", "cvt", "magic",
            "s4_mma_sync", "s8_mma_sync", "s8_wgmma", "f16", "bf16", "f32", "i4", "i8", "f64",
            "xi4", "xf16", "xf32", "apex4.matmul", "apex4.quantize", "apex4.linear"]


def seeds(repo):
    out = []
    for path in glob.glob(os.path.join(repo, "test", "**", "*.mlir"), recursive=True):
        text = open(path).read()
        for chunk in text.split("// -----"):
            body = "\n".join(l for l in chunk.splitlines() if not l.lstrip().startswith("//"))
            if "apex4." in body:
                out.append(body)
    return out


def mutate(text, rng):
    tokens = re.split(r"(\W)", text)
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        idxs = [i for i, t in enumerate(tokens) if t.strip()]
        if not idxs:
            break
        i = rng.choice(idxs)
        if choice < 0.35 and re.fullmatch(r"-?\d+", tokens[i]):
            tokens[i] = rng.choice(NUMBERS)
        elif choice < 0.55:
            tokens[i] = rng.choice(KEYWORDS + NUMBERS)
        elif choice < 0.7:
            del tokens[i]
        elif choice < 0.8:
            j = rng.choice(idxs)
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif choice < 0.9:
            tokens.insert(i, rng.choice(["<", ">", ",", "x", "?", "{", "}", "[", "]", "#apex4.group<", "0x7FC00000"]))
        else:
            cut = rng.randint(0, len(tokens))
            tokens = tokens[:cut]
    return "".join(tokens)


def generate(rng):
    """A well-formed-looking matmul/linear/quantize with random parameters:
    reaches the verifiers, the planner and the kernel generator instead of
    stopping at the parser."""
    k = rng.choice([32, 64, 96, 128, 256, 384, 4096, 7, 0])
    n = rng.choice([1, 2, 8, 63, 64, 1000, 4096])
    m = rng.choice(["?", "1", "7", "16"])
    def group():
        return rng.choice(["16", "32", "64", "128", "256", "1024", "per_channel", "auto", "24", "0"])
    def cols(g):
        if g == "per_channel":
            return 1
        return max(1, k // int(g)) if g.isdigit() and int(g) > 0 else rng.choice([1, 2])
    ga, gw = group(), group()
    dtype = rng.choice(["f16", "bf16", "f32"])
    out = rng.choice(["f16", "f32"])
    plan = ""
    if rng.random() < 0.6:
        plan = (f", plan = #apex4.plan<placement = {rng.choice(['main_loop', 'epilogue', 'operand_fold'])}, "
                f"convert = {rng.choice(['cvt', 'magic'])}, path = {rng.choice(['s4_mma_sync', 's8_mma_sync', 's8_wgmma'])}, "
                f"tile = [{rng.choice([16, 32, 64, 128, 256])}, {rng.choice([8, 64, 128])}, {rng.choice([64, 128, 32])}], "
                f"warps = [{rng.choice([1, 2, 4])}, {rng.choice([1, 2, 4])}], stages = {rng.choice([1, 2, 3, 4, 9])}, "
                f"split_k = {rng.choice([1, 1, 2, 0])}>")
    kind = rng.choice(["linear", "matmul", "quantize"])
    if kind == "linear":
        return (f"func.func @f(%x: tensor<{m}x{k}x{dtype}>, %w: tensor<{n}x{k}x{dtype}>) -> tensor<{m}x{n}x{out}> {{\n"
                f"  %y = apex4.linear %x, %w {{a_group = #apex4.group<{ga}>, w_group = #apex4.group<{gw}>{plan}}}\n"
                f"      : tensor<{m}x{k}x{dtype}>, tensor<{n}x{k}x{dtype}> -> tensor<{m}x{n}x{out}>\n"
                f"  return %y : tensor<{m}x{n}x{out}>\n}}\n")
    if kind == "matmul":
        ca, cw = cols(ga), cols(gw)
        return (f"func.func @f(%a: tensor<{m}x{k}xi4>, %sa: tensor<{m}x{ca}xf32>, %w: tensor<{n}x{k}xi4>, %sw: tensor<{n}x{cw}xf32>) -> tensor<{m}x{n}x{out}> {{\n"
                f"  %c = apex4.matmul %a, %sa, %w, %sw {{a_group = #apex4.group<{ga}>, w_group = #apex4.group<{gw}>{plan}}}\n"
                f"      : tensor<{m}x{k}xi4>, tensor<{m}x{ca}xf32>, tensor<{n}x{k}xi4>, tensor<{n}x{cw}xf32> -> tensor<{m}x{n}x{out}>\n"
                f"  return %c : tensor<{m}x{n}x{out}>\n}}\n")
    c = cols(ga)
    return (f"func.func @f(%x: tensor<{m}x{k}x{dtype}>) -> tensor<{m}x{c}xf32> {{\n"
            f"  %q, %s = apex4.quantize %x {{group = #apex4.group<{ga}>}} : tensor<{m}x{k}x{dtype}> -> tensor<{m}x{k}xi4>, tensor<{m}x{c}xf32>\n"
            f"  return %s : tensor<{m}x{c}xf32>\n}}\n")


def is_finding(proc):
    if proc.returncode is None or proc.returncode < 0 or proc.returncode >= 128:
        return True
    err = proc.stderr
    return ("PLEASE submit a bug report" in err or "Assertion" in err
            or "LLVM ERROR" in err or "Stack dump" in err)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "findings"))
    args = p.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    corpus = seeds(repo)
    rng = random.Random(args.seed)
    opt = os.path.join(args.bin, "apex4-opt")
    deadline = time.time() + args.seconds
    runs = findings = timeouts = 0
    outcomes = {0: 0, 1: 0}
    while time.time() < deadline:
        text = generate(rng) if rng.random() < 0.5 else mutate(rng.choice(corpus), rng)
        pipeline = rng.choice(PIPELINES)
        runs += 1
        try:
            proc = subprocess.run([opt, "-", "-o", os.devnull] + pipeline, input=text,
                                  capture_output=True, text=True, timeout=20)
        except subprocess.TimeoutExpired:
            timeouts += 1
            proc = None
        if proc is not None:
            outcomes[proc.returncode] = outcomes.get(proc.returncode, 0) + 1
        if proc is None or is_finding(proc):
            findings += 1
            os.makedirs(args.out, exist_ok=True)
            name = hashlib.sha1(text.encode()).hexdigest()[:12]
            with open(os.path.join(args.out, name + ".mlir"), "w") as f:
                f.write(f"// pipeline: {' '.join(pipeline)}\n{text}")
            with open(os.path.join(args.out, name + ".log"), "w") as f:
                f.write("timeout\n" if proc is None else f"exit {proc.returncode}\n{proc.stderr[-4000:]}")
    print(f"{runs} runs, exit codes {dict(sorted(outcomes.items()))}, {timeouts} timeouts, "
          f"{findings} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
