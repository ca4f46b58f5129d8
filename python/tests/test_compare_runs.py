"""bench/compare_runs.py: two bench.py runs of one sweep, kernel by kernel
and (--best) the winner per point."""
import json
import os
import subprocess
import sys

REPO = os.path.join(os.path.dirname(__file__), "..", "..")


def write_run(path, kernels, fp16_ms=0.040, fp8_ms=0.030):
    """One point (N = K = 4096, M = 1); kernels: name -> (ms, check ok)."""
    point = {"n": 4096, "k": 4096, "m": 1,
             "baselines": {"fp16": {"ms": fp16_ms}, "fp8": {"ms": fp8_ms}},
             "w4a4": {"apex4:" + name: {"ms": ms, "check": {"ok": ok}}
                      for name, (ms, ok) in kernels.items()}}
    path.write_text(json.dumps({"results": [point]}))
    return str(path)


def compare(*args):
    return subprocess.run([sys.executable, os.path.join(REPO, "bench", "compare_runs.py"),
                           *args], check=True, capture_output=True, text=True).stdout


def test_best_reports_fastest_passing_kernel_and_mean_speedup(tmp_path):
    before = write_run(tmp_path / "before.json", {"a": (0.010, True), "b": (0.020, True)})
    # b is faster after but failed its check; a is 2x faster; c is new.
    after = write_run(tmp_path / "after.json",
                      {"a": (0.005, True), "b": (0.004, False), "c": (0.008, True)})
    line = compare("--best", before, after).strip()
    assert line.startswith("N=4096 K=4096 M=1: before a 10.0 us, FP16 40.0 us (4.00x), "
                           "FP8 30.0 us (3.00x) | after a 5.0 us, FP16 40.0 us (8.00x)")
    # Kernels in both runs: a (2x) and b (5x); geometric mean sqrt(10).
    assert line.endswith("kernels in both: 2, mean speedup 3.162x")


def test_per_kernel_lines_flag_failed_checks(tmp_path):
    before = write_run(tmp_path / "before.json", {"a": (0.010, True)})
    after = write_run(tmp_path / "after.json", {"a": (0.008, False)})
    assert compare(before, after).strip() == (
        "a M=1: 10.0 / 8.0 us, 1.250x, 5.00x FP16 (40.0 us), check FAIL")
