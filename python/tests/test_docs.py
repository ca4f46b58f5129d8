"""The examples in docs/python.md run as written (the torch one needs torch)."""
import os
import re

import pytest

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "python.md")


def blocks():
    if not os.path.exists(DOC):
        pytest.skip("docs/python.md is not next to this checkout")
    return re.findall(r"```python\n(.*?)```", open(DOC).read(), re.S)


def test_numpy_examples():
    namespace = {}
    for code in blocks():
        if "import torch" not in code:
            exec(compile(code, DOC, "exec"), namespace)
    assert namespace["c"].shape == (4, 256)


def test_torch_example():
    pytest.importorskip("torch")
    namespace = {}
    for code in blocks():
        exec(compile(code, DOC, "exec"), namespace)
    assert tuple(namespace["y"].shape) == (8, 512)
