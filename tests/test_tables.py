"""sim.core.tables.Table and its pandas view."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sim.core.tables import Table

ROOT = Path(__file__).resolve().parent.parent


def test_pandas_is_a_declared_dependency():
    """`pip install -e .` brings pandas: it is in [project] dependencies with a lower bound,
    so the README's `result.events.to_pandas()` works after the README's install."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    deps = re.search(r"^dependencies = \[(.*?)\]", text, flags=re.S | re.M)
    assert deps is not None
    assert re.search(r'"pandas>=\d', deps.group(1))


def test_to_pandas_keeps_columns_order_and_values():
    """to_pandas gives one DataFrame column per table column, in order, same values."""
    table = Table(
        {
            "id": np.array(["a", "b", "c"], dtype=object),
            "t_start_s": np.array([1.0, 2.5, np.nan]),
            "detected": np.array([True, False, True]),
        }
    )
    frame = table.to_pandas()
    assert list(frame.columns) == ["id", "t_start_s", "detected"]
    assert len(frame) == 3
    assert list(frame["id"]) == ["a", "b", "c"]
    np.testing.assert_array_equal(frame["t_start_s"].to_numpy(), table["t_start_s"])
    assert frame["detected"].dtype == bool


def test_empty_table_to_pandas():
    """A table without rows still gives its columns."""
    frame = Table({"x": np.zeros(0), "y": np.zeros(0)}).to_pandas()
    assert list(frame.columns) == ["x", "y"] and len(frame) == 0


def test_columns_of_different_length_are_refused():
    """Columns must share one length."""
    with pytest.raises(ValueError, match="differ in length"):
        Table({"x": np.zeros(2), "y": np.zeros(3)})


def test_readme_python_example_runs(tmp_path, monkeypatch):
    """The README's Python block runs as written (cwd = the project), one day of quickstart,
    and its events DataFrame has one row per violation."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"^### Python\n+```python\n(.*?)^```", text, flags=re.S | re.M)
    assert block is not None and "to_pandas()" in block.group(1)
    code = block.group(1).replace(
        'sim.load_scenario("scenarios/quickstart.yaml")',
        'sim.load_scenario("scenarios/quickstart.yaml", ["duration=1d"])',
    )
    assert code != block.group(1)
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102
    assert len(namespace["events"]) == len(namespace["result"].events) > 0
