#!/usr/bin/env python3
"""A Triton W4A4 grouped matmul: the baseline apex4 is measured against.

Same math and storage as docs/architecture.md:

  C[m,n] = f16( sum_j f32(isum_j) * (sa[m,j] * sw[n,j]) ),
  isum_j = sum_{k in group j} A[m,k] * W[n,k]      (exact int32)

A (M x K) and W (N x K) are INT4 packed two per byte along K (even k in the
low nibble, two's complement), scales are f32 M x K/g and N x K/g (one group
size g for both operands here; g >= 64), the output is f16 M x N.

The kernel loads a group's packed bytes (g/2 per row), unpacks them in
registers to int8 with shifts (low nibble: (b << 4) >> 4, high: b >> 4), and
runs two int8 tl.dot products per group, low nibbles against low nibbles and
high against high: the integer sum over a group does not depend on the order
of its terms, so this equals the documented group sum exactly. Each group's
int32 sum is converted to f32, multiplied by sa*sw and added to an f32
accumulator in group order, without fused multiply-adds (two roundings, as
documented), so the f32 result matches the reference bit for bit.

`python3 bench/triton_w4a4.py` checks the kernel against the torch reference
on a few shapes (needs a GPU).
"""
import math

import torch
import triton
import triton.language as tl


# --- packing and reference (torch) -----------------------------------------

def pack_int4(q: torch.Tensor) -> torch.Tensor:
    """[R, K] integers in [-8, 7] -> [R, K/2] uint8; even k in the low nibble."""
    q = q.to(torch.int16)
    return ((q[:, 0::2] & 0xF) | ((q[:, 1::2] & 0xF) << 4)).to(torch.uint8).contiguous()


def unpack_int4(p: torch.Tensor) -> torch.Tensor:
    """[R, K/2] uint8 -> [R, K] int8 (sign-extended nibbles)."""
    x = p.to(torch.int16)
    lo = ((x & 0xF) ^ 8) - 8
    hi = ((x >> 4) ^ 8) - 8
    return torch.stack((lo, hi), dim=-1).reshape(p.shape[0], -1).to(torch.int8)


def reference_w4a4(a_packed, sa, w_packed, sw, group, rows=None, w_group=None):
    """The documented semantics in f32 (before the final f16 rounding), for the
    chosen rows of A (all when None). Integer group sums are exact (float64
    matmul of small integers); then acc = acc + f32(isum) * f32(sa * sw) in
    group order, each step rounded to f32. `group` is the activation group
    size; `w_group` the weight one (default: the same); the finer nests in the
    coarser. Returns (acc, reorder): reorder is the worst-case f32 error of
    summing the same terms in another order or with fused multiply-adds,
    (K/h + 1) * 2^-24 * sum_j |term_j| (runtime/lib/Reference.cpp does the same)."""
    ga, gw = group, (w_group or group)
    h = min(ga, gw)
    if rows is not None:
        a_packed, sa = a_packed[rows], sa[rows]
    a = unpack_int4(a_packed).double()
    w = unpack_int4(w_packed).double()
    k = a.shape[1]
    acc = torch.zeros(a.shape[0], w.shape[0], dtype=torch.float32, device=a.device)
    abs_sum = torch.zeros(a.shape[0], w.shape[0], dtype=torch.float64, device=a.device)
    for j in range(k // h):
        lo, hi = j * h, (j + 1) * h
        isum = (a[:, lo:hi] @ w[:, lo:hi].T).float()              # exact integers
        p = sa[:, lo // ga][:, None] * sw[:, lo // gw][None, :]    # f32
        term = isum * p                                            # first rounding
        acc = acc + term                                           # second rounding
        abs_sum += term.double().abs()
    reorder = ((k // h + 1) * 2.0 ** -24 * abs_sum).float()
    return acc, reorder


def ulp_f16(x: torch.Tensor) -> torch.Tensor:
    mag = x.abs().clamp(min=2.0 ** -14)
    return torch.exp2(torch.floor(torch.log2(mag)) - 10)


def compare_f16(got: torch.Tensor, ref: torch.Tensor, reorder=None) -> dict:
    """got: f16 output rows; ref: f32 reference. One f16 rounding allowed, plus
    the f32 reordering bound (matters only for outputs that cancel to ~0)."""
    g = got.float()
    err = (g - ref).abs()
    strict = ulp_f16(ref) + 1e-7
    tol = strict + (reorder if reorder is not None else 0.0)
    finite = bool(torch.isfinite(g).all())
    ok = finite and bool((err <= tol).all())
    denom = torch.maximum(ref.abs(), 1e-3 * ref.abs().mean().clamp(min=1e-30))
    return {"ok": ok,
            "max_err_over_tol": float((err / tol).nan_to_num(float("inf")).max()),
            "max_abs_err": float(err.nan_to_num(float("inf")).max()),
            "max_rel_err": float((err / denom).nan_to_num(float("inf")).max()),
            "outside_tolerance": int((~(err <= tol)).sum()),
            "outside_strict_tolerance": int((~(err <= strict)).sum())}


# --- the kernel ---------------------------------------------------------------

@triton.jit
def _unpack_lo(b):
    # (b << 4) truncated to 8 bits, then an arithmetic shift right: the low
    # nibble sign-extended. Casts keep this right whatever Triton promotes to.
    return ((b << 4).to(tl.int8) >> 4).to(tl.int8)


@triton.jit
def _unpack_hi(b):
    return (b >> 4).to(tl.int8)


@triton.jit
def w4a4_kernel(a_ptr, sa_ptr, w_ptr, sw_ptr, c_ptr, M, N, K,
                GROUP: tl.constexpr, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,
                GROUP_M: tl.constexpr):
    pid = tl.program_id(0)
    num_pid_m = tl.cdiv(M, BLOCK_M)
    num_pid_n = tl.cdiv(N, BLOCK_N)
    # Grouped launch order: GROUP_M row tiles share W tiles in L2.
    pids_per_group = GROUP_M * num_pid_n
    first_m = (pid // pids_per_group) * GROUP_M
    size_m = tl.minimum(num_pid_m - first_m, GROUP_M)
    pid_m = first_m + (pid % pids_per_group) % size_m
    pid_n = (pid % pids_per_group) // size_m

    HALF: tl.constexpr = GROUP // 2           # packed bytes per group
    offs_m = pid_m * BLOCK_M + tl.arange(0, BLOCK_M)
    offs_n = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    offs_b = tl.arange(0, HALF)
    mask_m = offs_m < M
    mask_n = offs_n < N
    row_bytes = K // 2
    groups = K // GROUP
    a_ptrs = a_ptr + offs_m[:, None].to(tl.int64) * row_bytes + offs_b[None, :]   # [BM, HALF]
    w_ptrs = w_ptr + offs_n[None, :].to(tl.int64) * row_bytes + offs_b[:, None]   # [HALF, BN]
    sa_ptrs = sa_ptr + offs_m.to(tl.int64) * groups
    sw_ptrs = sw_ptr + offs_n.to(tl.int64) * groups

    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=tl.float32)
    for j in range(0, groups):
        a = tl.load(a_ptrs, mask=mask_m[:, None], other=0)
        w = tl.load(w_ptrs, mask=mask_n[None, :], other=0)
        isum = tl.dot(_unpack_lo(a), _unpack_lo(w), out_dtype=tl.int32)
        isum = tl.dot(_unpack_hi(a), _unpack_hi(w), isum, out_dtype=tl.int32)
        sa = tl.load(sa_ptrs + j, mask=mask_m, other=0.0)
        sw = tl.load(sw_ptrs + j, mask=mask_n, other=0.0)
        p = sa[:, None] * sw[None, :]
        acc = acc + isum.to(tl.float32) * p
        a_ptrs += HALF
        w_ptrs += HALF
    c_ptrs = c_ptr + offs_m[:, None].to(tl.int64) * N + offs_n[None, :]
    tl.store(c_ptrs, acc.to(tl.float16), mask=mask_m[:, None] & mask_n[None, :])


# --- launch + a small tuner ------------------------------------------------------

# (BLOCK_M, BLOCK_N, num_warps, num_stages) candidates per M range. Kept small
# so that tuning stays a few seconds per shape.
_CANDIDATES = {
    "tiny": [(16, 32, 4, 4), (16, 64, 4, 4), (16, 128, 4, 3)],
    "small": [(32, 64, 4, 4), (64, 64, 4, 4), (64, 128, 4, 3)],
    "medium": [(64, 128, 4, 3), (128, 64, 4, 3), (128, 128, 8, 3)],
    "large": [(128, 128, 8, 3), (128, 128, 8, 4), (64, 128, 4, 4), (128, 64, 4, 4)],
}


def _bucket(m):
    if m <= 16:
        return "tiny"
    if m <= 64:
        return "small"
    if m <= 512:
        return "medium"
    return "large"


_best = {}


def _launch(cfg, a, sa, w, sw, c, m, n, k, group):
    bm, bn, warps, stages = cfg
    grid = (triton.cdiv(m, bm) * triton.cdiv(n, bn),)
    # enable_fp_fusion=False: acc + f32(isum) * p keeps its two roundings, as
    # documented, instead of becoming one fused multiply-add.
    w4a4_kernel[grid](a, sa, w, sw, c, m, n, k, GROUP=group, BLOCK_M=bm,
                      BLOCK_N=bn, GROUP_M=8, num_warps=warps, num_stages=stages,
                      enable_fp_fusion=False)


def _time_cfg(cfg, args, reps=10):
    _launch(cfg, *args)
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda._sleep(200_000)
    start.record()
    for _ in range(reps):
        _launch(cfg, *args)
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / reps


def w4a4_matmul(a_packed, sa, w_packed, sw, group=128, out=None, config=None):
    """C = A @ W^T with W4A4 grouped scales. a_packed [M, K/2] uint8,
    sa [M, K/g] f32, w_packed [N, K/2] uint8, sw [N, K/g] f32 -> [M, N] f16.
    The first call for a (M, N, K, group) picks the fastest candidate config."""
    m, n, k = a_packed.shape[0], w_packed.shape[0], a_packed.shape[1] * 2
    assert w_packed.shape[1] * 2 == k and k % group == 0 and group >= 64
    assert sa.shape == (m, k // group) and sw.shape == (n, k // group)
    if out is None:
        out = torch.empty(m, n, dtype=torch.float16, device=a_packed.device)
    args = (a_packed.view(torch.int8), sa, w_packed.view(torch.int8), sw, out, m, n, k, group)
    key = (m, n, k, group)
    if config is None:
        config = _best.get(key)
    if config is None:
        timings = {}
        for cfg in _CANDIDATES[_bucket(m)]:
            try:
                timings[cfg] = _time_cfg(cfg, args)
            except Exception as e:  # e.g. out of shared memory / registers
                timings[cfg] = math.inf
                print(f"triton_w4a4: config {cfg} failed: {type(e).__name__}: {e}")
        config = min(timings, key=timings.get)
        if math.isinf(timings[config]):
            raise RuntimeError("no Triton W4A4 config ran")
        _best[key] = config
    _launch(config, *args)
    return out


def chosen_config(m, n, k, group=128):
    return _best.get((m, n, k, group))


def random_w4a4(m, n, k, group, device="cuda", generator=None):
    """Random packed operands (full INT4 range: random bytes) and positive scales."""
    a = torch.randint(0, 256, (m, k // 2), dtype=torch.uint8, device=device, generator=generator)
    w = torch.randint(0, 256, (n, k // 2), dtype=torch.uint8, device=device, generator=generator)
    sa = torch.rand(m, k // group, device=device, generator=generator) * 0.02 + 0.001
    sw = torch.rand(n, k // group, device=device, generator=generator) * 0.02 + 0.001
    return a, sa, w, sw


def _self_test():
    torch.manual_seed(0)
    # Packing round trip over the full range.
    q = torch.randint(-8, 8, (4, 64), device="cuda")
    assert torch.equal(unpack_int4(pack_int4(q)).long(), q.long())
    fails = 0
    for (m, n, k) in [(1, 256, 512), (7, 200, 256), (33, 320, 1024), (130, 4096, 4096),
                      (1024, 1024, 4096)]:
        a, sa, w, sw = random_w4a4(m, n, k, 128)
        c = w4a4_matmul(a, sa, w, sw, 128)
        torch.cuda.synchronize()
        r = compare_f16(c, *reference_w4a4(a, sa, w, sw, 128))
        fails += not r["ok"]
        print(f"{'PASS' if r['ok'] else 'FAIL'} M={m} N={n} K={k} "
              f"config={chosen_config(m, n, k)} err/tol={r['max_err_over_tol']:.3f}")
    print(f"{5 - fails} passed, {fails} failed")
    return fails


if __name__ == "__main__":
    raise SystemExit(1 if _self_test() else 0)
