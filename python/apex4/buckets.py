"""Row buckets: the token counts apex4.nn plans separate kernels for.

A matmul's best plan depends on M (split-K decode kernels for a few rows, a
cluster split of K while the output tiles do not fill the GPU, one CTA per
tile for prefill), but M is only known at run time. `apex4.nn.Linear`
compiles one kernel set per bucket, each planned by the cost model for the
bucket's rows, and runs the set of the smallest bucket that holds M. The
benchmark tools (which run without torch) use the same table.
"""
from typing import Tuple

# (most rows, rows the kernels are planned for). Past the last bucket the
# prefill kernels run, planned for apex4-compile's default M (PREFILL_M).
# One and two rows run the kernels planned for one row: single-sequence
# decode runs nothing else, and a kernel tuned at M = 1 beats the 8-row
# bucket's by up to 10% there on the H200 (28672 x 8192: 39.5 against
# 43.3 us, bench/results/h200-decode-wide) and by up to 7% at M = 2; from
# M = 3 on, neither wins everywhere (bench/results/h200-small-m).
# 65-128 rows have their own bucket: one 128-row tile per column block
# wants a K split that two (M = 256) do not, and the 256-row plans ran
# up to 1.8x slower at M = 128 (8192 x 28672: 187 against 104 us,
# bench/results/h200-mid-tiles).
ROW_BUCKETS: Tuple[Tuple[int, int], ...] = ((2, 1), (8, 8), (16, 16), (64, 64), (128, 128),
                                            (256, 256), (1024, 1024))
PREFILL_M = 4096


def bucket_name(m: int) -> str:
    """The bucket that runs M rows, as the benchmark tools name it:
    m<rows>, or prefill past the last bucket."""
    rows = bucket_rows(m)
    return "prefill" if rows == PREFILL_M else f"m{rows}"


def bucket_rows(m: int) -> int:
    """Rows the kernels that run M rows are planned for (PREFILL_M past the
    last bucket)."""
    for most, rows in ROW_BUCKETS:
        if m <= most:
            return rows
    return PREFILL_M
