"""The bench/ scripts as modules, for their tests (bench/ is not a package)."""
import importlib.util
import os

REPO = os.path.join(os.path.dirname(__file__), "..", "..")


def load_bench_script(name):
    """bench/<name>.py, imported without running its main()."""
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(REPO, "bench", name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
