"""bench/plotting.py: the planned kernels of all row buckets draw as one line."""
import pytest

from bench_tools import load_bench_script


def load_plotting():
    return load_bench_script("plotting")


def test_planned_kernels_are_one_series():
    plotting = load_plotting()
    assert plotting.series_name("apex4:plan_m8_n4096_k4096") == plotting.PLANNED_SERIES
    assert plotting.series_name("apex4:plan_prefill_n28672_k8192") == plotting.PLANNED_SERIES
    # Sweep kernels keep their own lines.
    assert plotting.series_name("apex4:sk_n4096_k4096_m8_t16_s8_st2") == \
        "apex4:sk_n4096_k4096_m8_t16_s8_st2"


def test_plot_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    plotting = load_plotting()
    rows = [{"n": 4096, "k": 4096, "m": m,
             "baselines": {"fp16": {"ms": 0.01 * m}},
             "w4a4": {f"apex4:plan_m{min(m, 16)}_n4096_k4096": {"ms": 0.005 * m, "tops": 1.0 * m}}}
            for m in (1, 16)]
    path = tmp_path / "plot.png"
    assert plotting.write_plot(str(path), rows) is None
    assert path.stat().st_size > 1000
