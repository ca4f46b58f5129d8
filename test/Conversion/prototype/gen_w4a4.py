#!/usr/bin/env python3
"""Emits the hand-designed W4A4 grouped-matmul prototype kernel as MLIR text
(upstream dialects only: gpu, nvgpu, nvvm, vector, memref, arith, scf).

This is a design reference, not part of the compiler: it was used to try the
kernel structure on the H100 before it went into
lib/Conversion/APEX4ToGPU/MatmulKernel.cpp. The kernel is long but regular
(16 fragments x 4 K steps of MMAs, fully unrolled), so the text is printed by
this script rather than typed; w4a4_sm90_s8.mlir and w4a4_sm80_s4.mlir next
to it are two outputs, kept for reading (and lowered to PTX by lit).

Kernel ABI (docs/architecture.md): (A, SA, W, SW, C, M), bare pointers + i64.
Structure:
  * CTA tile TM x TN x TK (TK in INT4 values), warps WM x WN, `stages`-deep
    ring of cp.async (16 B, L1 bypass) buffers in shared memory, rows stored
    as packed bytes with a 16-byte-chunk XOR swizzle (ldmatrix is then free
    of bank conflicts);
  * operands loaded with ldmatrix.x4 on i8 (one 8x8 b16 matrix = 8 rows x 16
    bytes = 8 rows x 32 INT4 values = one k32 step); the lane gets word
    `lane % 4` of row `lane / 4`;
  * sm_90 path (s8): word x -> lo = (x << 4) & 0xF0F0F0F0 (even k, times 16),
    hi = x & 0xF0F0F0F0 (odd k, times 16); the same K permutation for A and
    W, so each m16n8k32 s8 MMA adds 256 * (true partial sum); the factor is
    a power of two and is removed once at the store (exact);
  * sm_80 path (s4): the ldmatrix registers are already the m16n8k64 s4
    fragments;
  * one INT32 accumulator set per group; at the group end
    acc_f += f32(acc_i) * (sa * sw) with cvt or the magic number;
  * scales for a group are loaded at its start (latency hidden by the MMAs);
  * M and N tails: zero-filled cp.async (src-size 0), predicated stores.
"""
import argparse


class Emitter:
    def __init__(self):
        self.lines = []
        self.n = 0
        self.consts = {}
        self.indent = 2

    def fresh(self, hint="v"):
        self.n += 1
        return f"%{hint}{self.n}"

    def emit(self, text):
        self.lines.append("  " * self.indent + text)

    def op(self, text, hint="v"):
        name = self.fresh(hint)
        self.emit(f"{name} = {text}")
        return name

    # Constants are emitted where first used inside the function entry block
    # (the caller hoists them by emitting them before any region).
    def c(self, value, ty="index"):
        key = (value, ty)
        if key not in self.consts:
            name = f"%k{len(self.consts)}"
            self.consts[key] = name
            self.const_lines.append(f"      {name} = arith.constant {value} : {ty}")
        return self.consts[key]


def generate(n, k, ga, gw, tm=128, tn=128, tk=64, wm=2, wn=4, stages=4,
             path="s8", convert="magic", out="f16", name="w4a4_matmul", bias_init=True, fma=True, prefetch=False):
    e = Emitter()
    e.const_lines = []
    MAXM = 1 << 24
    k2 = k // 2
    threads = 32 * wm * wn
    fine = min(ga, gw)
    assert fine % tk == 0 and k % tk == 0 and k % fine == 0
    tkb = tk // 2                      # bytes per tile row
    chunks = tkb // 16                 # 16-byte chunks per tile row
    assert chunks in (2, 4, 8)
    rows_per_line = 8 // chunks
    wtm, wtn = tm // wm, tn // wn
    fm_n, fn_n = wtm // 16, wtn // 8
    assert fn_n % 2 == 0
    num_tiles = k // tk
    tpg = fine // tk
    groups = k // fine
    s8 = path == "s8"
    steps = tk // 32 if s8 else tk // 64
    smem_a = f"memref<{stages}x{tm}x{tkb}xi8, #gpu.address_space<workgroup>>"
    smem_w = f"memref<{stages}x{tn}x{tkb}xi8, #gpu.address_space<workgroup>>"
    ty_a = f"memref<{MAXM}x{k2}xi8>"
    ty_sa = f"memref<{MAXM}x{k // ga}xf32>"
    ty_w = f"memref<{n}x{k2}xi8>"
    ty_sw = f"memref<{n}x{k // gw}xf32>"
    ty_c = f"memref<{MAXM}x{n}x{out}>"
    acc_i = "vector<2x2xi32>"
    acc_f = "vector<2x2xf32>"
    nfr = fm_n * fn_n
    factor = 256 if s8 else 1
    if convert == "magic" and 64 * fine * factor > (1 << 22):
        convert = "cvt"          # the magic number is exact only for |x| <= 2^22
    bias_init = bias_init and convert == "magic"
    ff = " fastmath<contract>" if fma else ""

    c = e.c
    e.indent = 3
    # ---- ids ----
    tid = e.op("gpu.thread_id x", "tid")
    lane = e.op(f"arith.remui {tid}, {c(32)} : index", "lane")
    warp = e.op(f"arith.divui {tid}, {c(32)} : index", "warp")
    gid = e.op(f"arith.divui {lane}, {c(4)} : index", "gid")
    tig = e.op(f"arith.remui {lane}, {c(4)} : index", "tig")
    wmi = e.op(f"arith.remui {warp}, {c(wm)} : index")
    wni = e.op(f"arith.divui {warp}, {c(wm)} : index")
    row_base = e.op(f"arith.muli {wmi}, {c(wtm)} : index", "rowbase")
    col_base = e.op(f"arith.muli {wni}, {c(wtn)} : index", "colbase")
    bx = e.op("gpu.block_id x")
    by = e.op("gpu.block_id y")
    m0 = e.op(f"arith.muli {by}, {c(tm)} : index", "m0")
    n0 = e.op(f"arith.muli {bx}, {c(tn)} : index", "n0")
    mm = "%M"

    def swz(row):
        # physical chunk = chunk ^ ((row / rows_per_line) % chunks)
        t = e.op(f"arith.divui {row}, {c(rows_per_line)} : index")
        return e.op(f"arith.remui {t}, {c(chunks)} : index", "swz")

    # ---- copy assignment: each thread copies chunk ids tid + i*threads ----
    def copy_plan(rows):
        total = rows * chunks
        plan = []
        for first in range(0, total, threads):
            assert first + threads <= total, "tile chunks must be a multiple of threads"
            cid = e.op(f"arith.addi {tid}, {c(first)} : index")
            row = e.op(f"arith.divui {cid}, {c(chunks)} : index", "crow")
            ch = e.op(f"arith.remui {cid}, {c(chunks)} : index", "cch")
            pch = e.op(f"arith.xori {ch}, {swz(row)} : index")
            scol = e.op(f"arith.muli {pch}, {c(16)} : index", "scol")
            gcol = e.op(f"arith.muli {ch}, {c(16)} : index", "gcol")
            plan.append((row, scol, gcol))
        return plan

    plan_a = copy_plan(tm)
    plan_w = copy_plan(tn)
    # Row validity is fixed for the whole kernel.
    a_rows = []
    for row, scol, gcol in plan_a:
        grow = e.op(f"arith.addi {m0}, {row} : index")
        ok = e.op(f"arith.cmpi slt, {grow}, {mm} : index", "rowok")
        a_rows.append((grow, ok))
    w_rows = []
    for row, scol, gcol in plan_w:
        grow = e.op(f"arith.addi {n0}, {row} : index")
        ok = e.op(f"arith.cmpi slt, {grow}, {c(n)} : index", "rowok") if n % tn else None
        w_rows.append((grow, ok))

    def issue(kt):
        valid = e.op(f"arith.cmpi slt, {kt}, {c(num_tiles)} : index", "tok")
        ktc = e.op(f"arith.minsi {kt}, {c(num_tiles - 1)} : index")
        slot = e.op(f"arith.remui {kt}, {c(stages)} : index", "slot")
        kbyte = e.op(f"arith.muli {ktc}, {c(tkb)} : index")
        for glob, sm, plan, rows, gty, sty in ((("%A"), "%sA", plan_a, a_rows, ty_a, smem_a),
                                               (("%W"), "%sW", plan_w, w_rows, ty_w, smem_w)):
            for (row, scol, gcol), (grow, ok) in zip(plan, rows):
                v = valid if ok is None else e.op(f"arith.andi {valid}, {ok} : i1")
                srow = e.op(f"arith.select {v}, {grow}, {c(0)} : index")
                nsrc = e.op(f"arith.select {v}, {c(16)}, {c(0)} : index")
                col = e.op(f"arith.addi {kbyte}, {gcol} : index")
                e.op(f"nvgpu.device_async_copy {glob}[{srow}, {col}], {sm}[{slot}, {row}, {scol}], 16, {nsrc} "
                     f"{{bypassL1}} : {gty} to {sty}", "cp")
        e.emit("nvvm.cp.async.commit.group")

    for s in range(stages - 1):
        issue(c(s))

    # ---- ldmatrix lane addresses ----
    l16 = e.op(f"arith.remui {lane}, {c(16)} : index")
    l8 = e.op(f"arith.remui {lane}, {c(8)} : index")
    lhalf = e.op(f"arith.divui {lane}, {c(16)} : index")   # 0/1
    lq = e.op(f"arith.divui {lane}, {c(8)} : index")
    lq2 = e.op(f"arith.remui {lq}, {c(2)} : index")        # 0/1
    # A: matrix (lane/8): rows +0/+8 by (lane/8)%2, chunk +lane/16
    a_row_off = e.op(f"arith.addi {row_base}, {l16} : index")
    a_swz = swz(l16)
    # B: rows + (lane/16)*8 + lane%8, chunk + (lane/8)%2
    t = e.op(f"arith.muli {lhalf}, {c(8)} : index")
    b_l = e.op(f"arith.addi {t}, {l8} : index")
    b_row_off = e.op(f"arith.addi {col_base}, {b_l} : index")
    b_swz = swz(b_l)
    a_cols, b_cols = [], []
    for pair in range(chunks // 2):
        ch = e.op(f"arith.addi {lhalf}, {c(2 * pair)} : index")
        p = e.op(f"arith.xori {ch}, {a_swz} : index")
        a_cols.append(e.op(f"arith.muli {p}, {c(16)} : index", "acol"))
        ch = e.op(f"arith.addi {lq2}, {c(2 * pair)} : index")
        p = e.op(f"arith.xori {ch}, {b_swz} : index")
        b_cols.append(e.op(f"arith.muli {p}, {c(16)} : index", "bcol"))
    a_rows_frag = [e.op(f"arith.addi {a_row_off}, {c(16 * f)} : index", "arow") for f in range(fm_n)]
    b_rows_frag = [e.op(f"arith.addi {b_row_off}, {c(16 * p)} : index", "brow") for p in range(fn_n // 2)]

    # ---- scale rows/cols of this thread ----
    last_row = e.op(f"arith.subi {mm}, {c(1)} : index")
    sa_rows = []
    for f in range(fm_n):
        for h in range(2):
            r = e.op(f"arith.addi {m0}, {row_base} : index")
            r = e.op(f"arith.addi {r}, {gid} : index")
            r = e.op(f"arith.addi {r}, {c(16 * f + 8 * h)} : index")
            sa_rows.append(e.op(f"arith.minsi {r}, {last_row} : index", "sar"))
    sw_cols = []
    tig2 = e.op(f"arith.muli {tig}, {c(2)} : index")
    for f in range(fn_n):
        for cc in range(2):
            r = e.op(f"arith.addi {n0}, {col_base} : index")
            r = e.op(f"arith.addi {r}, {tig2} : index")
            r = e.op(f"arith.addi {r}, {c(8 * f + cc)} : index")
            sw_cols.append(e.op(f"arith.minsi {r}, {c(n - 1)} : index", "swc"))

    # With the magic conversion the INT32 accumulators start at 0x4B400000:
    # the MMAs add the group sum onto it, so the integer add is free.
    zero_i = e.op(f"arith.constant dense<{1262485504 if bias_init else 0}> : {acc_i}")
    zero_f = e.op(f"arith.constant dense<0.0> : {acc_f}")

    def word(vec4x4, i):
        row = e.op(f"vector.extract {vec4x4}[{i}] : vector<4xi8> from vector<4x4xi8>")
        v = e.op(f"vector.bitcast {row} : vector<4xi8> to vector<1xi32>")
        return e.op(f"vector.extract {v}[0] : i32 from vector<1xi32>", "w")

    def frag(words, elem, per):
        vt = f"vector<{len(words)}x{per}x{elem}>"
        out = e.op(f"arith.constant dense<0> : {vt}")
        for i, w in enumerate(words):
            b = e.op(f"vector.broadcast {w} : i32 to vector<1xi32>")
            r = e.op(f"vector.bitcast {b} : vector<1xi32> to vector<{per}x{elem}>")
            out = e.op(f"vector.insert {r}, {out} [{i}] : vector<{per}x{elem}> into {vt}")
        return out

    def lo(w):
        s = e.op(f"arith.shli {w}, {c(4, 'i32')} : i32")
        return e.op(f"arith.andi {s}, {c(0xF0F0F0F0 - (1 << 32), 'i32')} : i32", "lo")

    def hi(w):
        return e.op(f"arith.andi {w}, {c(0xF0F0F0F0 - (1 << 32), 'i32')} : i32", "hi")

    # ---- main loop: groups (outer) x tiles of a group (inner) ----
    raw_ty = "vector<4x4xi8>"
    nraw = fm_n + fn_n // 2

    def load_pair(slot, pair):
        xa = [e.op(f"nvgpu.ldmatrix %sA[{slot}, {r}, {a_cols[pair]}] {{numTiles = 4 : i32, transpose = false}} "
                   f": {smem_a} -> {raw_ty}", "lda") for r in a_rows_frag]
        xb = [e.op(f"nvgpu.ldmatrix %sW[{slot}, {r}, {b_cols[pair]}] {{numTiles = 4 : i32, transpose = false}} "
                   f": {smem_w} -> {raw_ty}", "ldb") for r in b_rows_frag]
        return xa + xb

    raw0 = []
    if prefetch:
        # Tile 0's first fragments are loaded before the loop; each tile then
        # loads the next tile's first fragments before its own MMAs.
        e.emit(f"nvvm.cp.async.wait.group {stages - 2}")
        e.emit("gpu.barrier")
        raw0 = load_pair(c(0), 0)
    accf_names = [f"%accf{i}" for i in range(nfr)]
    acci_names = [f"%acci{i}" for i in range(nfr)]
    rawo_names = [f"%rawo{i}" for i in range(len(raw0))]
    rawi_names = [f"%rawi{i}" for i in range(len(raw0))]
    init_f = ", ".join([f"{a} = {zero_f}" for a in accf_names] + [f"{a} = {r}" for a, r in zip(rawo_names, raw0)])
    outer = e.fresh("outer")
    otys = ", ".join([acc_f] * nfr + [raw_ty] * len(raw0))
    e.emit(f"{outer}:{nfr + len(raw0)} = scf.for %grp = {c(0)} to {c(groups)} step {c(1)} iter_args({init_f}) -> ({otys}) {{")
    e.indent += 1
    # Scales of this group: loaded now, used after the group's MMAs.
    sa_v = [e.op(f"memref.load %SA[{r}, %grp] : {ty_sa}", "sa") for r in sa_rows]
    sw_v = [e.op(f"memref.load %SW[{r}, %grp] : {ty_sw}", "sw") for r in sw_cols]
    kt0 = e.op(f"arith.muli %grp, {c(tpg)} : index")
    init_i = ", ".join([f"{a} = {zero_i}" for a in acci_names] + [f"{a} = {r}" for a, r in zip(rawi_names, rawo_names)])
    inner = e.fresh("inner")
    itys = ", ".join([acc_i] * nfr + [raw_ty] * len(raw0))
    e.emit(f"{inner}:{nfr + len(raw0)} = scf.for %t = {c(0)} to {c(tpg)} step {c(1)} iter_args({init_i}) -> ({itys}) {{")
    e.indent += 1
    kt = e.op(f"arith.addi {kt0}, %t : index", "kt")
    # Without prefetch: tile kt must have landed; with it: tile kt + 1.
    e.emit(f"nvvm.cp.async.wait.group {stages - 3 if prefetch else stages - 2}")
    e.emit("gpu.barrier")
    ahead = e.op(f"arith.addi {kt}, {c(stages - 1)} : index")
    issue(ahead)
    slot = e.op(f"arith.remui {kt}, {c(stages)} : index", "slot")
    raws = [load_pair(slot, pair) if (pair or not prefetch) else None for pair in range(chunks // 2)]
    next_raw = []
    if prefetch:
        raws[0] = list(rawi_names)
        nxt = e.op(f"arith.addi {kt}, {c(1)} : index")
        nslot = e.op(f"arith.remui {nxt}, {c(stages)} : index", "nslot")
        next_raw = load_pair(nslot, 0)
    accs = list(acci_names)
    for pair in range(chunks // 2):   # one ldmatrix.x4 covers two k32 chunks
        xa, xb = raws[pair][:fm_n], raws[pair][fm_n:]
        wa = [[word(x, i) for i in range(4)] for x in xa]   # [g c0, g+8 c0, g c1, g+8 c1]
        wb = [[word(x, i) for i in range(4)] for x in xb]   # [f0 c0, f0 c1, f1 c0, f1 c1]
        if s8:
            for s in range(2):
                afr = []
                for f in range(fm_n):
                    w0, w1 = wa[f][2 * s], wa[f][2 * s + 1]
                    afr.append(frag([lo(w0), lo(w1), hi(w0), hi(w1)], "i8", 4))
                bfr = []
                for f in range(fn_n):
                    w = wb[f // 2][2 * (f % 2) + s]
                    bfr.append(frag([lo(w), hi(w)], "i8", 4))
                for fmi in range(fm_n):
                    for fni in range(fn_n):
                        i = fmi * fn_n + fni
                        accs[i] = e.op(f"nvgpu.mma.sync({afr[fmi]}, {bfr[fni]}, {accs[i]}) {{mmaShape = [16, 8, 32]}} "
                                       f": (vector<4x4xi8>, vector<2x4xi8>, {acc_i}) -> {acc_i}", "mma")
        else:
            afr = [frag(wa[f], "i4", 8) for f in range(fm_n)]
            bfr = [frag([wb[f // 2][2 * (f % 2)], wb[f // 2][2 * (f % 2) + 1]], "i4", 8) for f in range(fn_n)]
            for fmi in range(fm_n):
                for fni in range(fn_n):
                    i = fmi * fn_n + fni
                    accs[i] = e.op(f"nvgpu.mma.sync({afr[fmi]}, {bfr[fni]}, {accs[i]}) {{mmaShape = [16, 8, 64]}} "
                                   f": (vector<4x8xi4>, vector<2x8xi4>, {acc_i}) -> {acc_i}", "mma")
    e.emit(f"scf.yield {', '.join(accs + next_raw)} : {itys}")
    e.indent -= 1
    e.emit("}")
    # ---- group end: acc_f += f32(acc_i) * sa * sw ----
    new_f = []
    for fmi in range(fm_n):
        for fni in range(fn_n):
            i = fmi * fn_n + fni
            ps = [e.op(f"arith.mulf {sa_v[2 * fmi + h]}, {sw_v[2 * fni + cc]} : f32", "p")
                  for h in range(2) for cc in range(2)]
            pv = e.op(f"vector.from_elements {', '.join(ps)} : {acc_f}", "pv")
            x = f"{inner}#{i}"
            if convert == "magic":
                bias = c("dense<1262485504>", acc_i)  # 0x4B400000
                magic = c("dense<12582912.0>", acc_f)
                xb_ = x if bias_init else e.op(f"arith.addi {x}, {bias} : {acc_i}")
                xf = e.op(f"arith.bitcast {xb_} : {acc_i} to {acc_f}")
                xf = e.op(f"arith.subf {xf}, {magic} : {acc_f}", "xf")
            else:
                xf = e.op(f"arith.sitofp {x} : {acc_i} to {acc_f}", "xf")
            term = e.op(f"arith.mulf {xf}, {pv}{ff} : {acc_f}")
            new_f.append(e.op(f"arith.addf {accf_names[i]}, {term}{ff} : {acc_f}", "nf"))
    e.emit(f"scf.yield {', '.join(new_f + [f'{inner}#{nfr + j}' for j in range(len(raw0))])} : {otys}")
    e.indent -= 1
    e.emit("}")
    e.emit("nvvm.cp.async.wait.group 0")

    # ---- epilogue ----
    scale_back = 1.0 / 256.0 if s8 else 1.0
    sb = c(f"dense<{scale_back}>", acc_f)
    pair_ty = f"vector<2x{out}>"
    for fmi in range(fm_n):
        for h in range(2):
            r = e.op(f"arith.addi {m0}, {row_base} : index")
            r = e.op(f"arith.addi {r}, {gid} : index")
            r = e.op(f"arith.addi {r}, {c(16 * fmi + 8 * h)} : index", "orow")
            ok = e.op(f"arith.cmpi slt, {r}, {mm} : index")
            e.emit(f"scf.if {ok} {{")
            e.indent += 1
            for fni in range(fn_n):
                i = fmi * fn_n + fni
                v = e.op(f"arith.mulf {outer}#{i}, {sb} : {acc_f}")
                v = e.op(f"vector.extract {v}[{h}] : vector<2xf32> from {acc_f}")
                if out != "f32":
                    v = e.op(f"arith.truncf {v} : vector<2xf32> to {pair_ty}")
                col = e.op(f"arith.addi {n0}, {col_base} : index")
                col = e.op(f"arith.addi {col}, {tig2} : index")
                col = e.op(f"arith.addi {col}, {c(8 * fni)} : index", "ocol")
                if n % tn:
                    okc = e.op(f"arith.cmpi slt, {col}, {c(n)} : index")
                    e.emit(f"scf.if {okc} {{")
                    e.indent += 1
                e.emit(f"vector.store {v}, %C[{r}, {col}] {{alignment = 4}} : {ty_c}, {pair_ty}")
                if n % tn:
                    e.indent -= 1
                    e.emit("}")
            e.indent -= 1
            e.emit("}")
    e.emit("gpu.return")

    header = [
        f"    // W4A4 grouped matmul prototype: N={n} K={k} a_group={ga} w_group={gw} path={path} "
        f"convert={convert} tile={tm}x{tn}x{tk} warps={wm}x{wn} stages={stages}",
        f"    gpu.func @{name}(%A: {ty_a}, %SA: {ty_sa}, %W: {ty_w}, %SW: {ty_sw}, %C: {ty_c}, %M: index)",
        f"        workgroup(%sA : {smem_a} {{llvm.align = 128 : i64}}, %sW : {smem_w} {{llvm.align = 128 : i64}})",
        f"        kernel attributes {{known_block_size = array<i32: {threads}, 1, 1>}} {{",
    ]
    return header + e.const_lines + e.lines + ["    }"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=4096)
    p.add_argument("--k", type=int, default=4096)
    p.add_argument("--group", type=int, default=128, help="0 = per-channel")
    p.add_argument("--tile", default="128,128,64")
    p.add_argument("--warps", default="2,4")
    p.add_argument("--stages", type=int, default=4)
    p.add_argument("--path", default="s8", choices=["s8", "s4"])
    p.add_argument("--convert", default="magic", choices=["magic", "cvt"])
    p.add_argument("--out", default="f16", choices=["f16", "f32"])
    p.add_argument("--name", default="w4a4_matmul")
    p.add_argument("--no-bias-init", action="store_true")
    p.add_argument("--no-fma", action="store_true")
    p.add_argument("--prefetch", action="store_true")
    a = p.parse_args()
    g = a.group or a.k
    tm, tn, tk = map(int, a.tile.split(","))
    wm, wn = map(int, a.warps.split(","))
    body = generate(a.n, a.k, g, g, tm, tn, tk, wm, wn, a.stages, a.path, a.convert, a.out, a.name,
                    not a.no_bias_init, not a.no_fma, a.prefetch)
    print("module attributes {gpu.container_module} {")
    print("  gpu.module @prototype {")
    print("\n".join(body))
    print("  }")
    print("}")


if __name__ == "__main__":
    main()
