"""The bench/ scripts as modules, for their tests (bench/ is not a package)."""
import importlib.util
import os
import sys

REPO = os.path.join(os.path.dirname(__file__), "..", "..")
BENCH = os.path.join(REPO, "bench")


def load_bench_script(name):
    """bench/<name>.py, imported without running its main(); its imports of
    other bench scripts resolve as when it runs from bench/."""
    if BENCH not in sys.path:
        sys.path.insert(0, BENCH)
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(REPO, "bench", name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
