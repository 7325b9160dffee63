"""Rows comparing a run with its counterpart (naive side, uncued run): one table shape.

Each row: the figure's label, the counterpart's value, the run's value (each with its
interval where metrics.json has one) and the difference: a stored metric where there
is one (``exposure.*``, ``cueing.*_gain*``), else computed from the two values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sim.present import format as fmt
from sim.present.report.html import esc, metric_cell
from sim.schema import LOW95


def value(m: dict[str, Any], key: str) -> str:
    """``key``'s value with its interval where there is one."""
    return fmt.interval_of(m, key) if f"{key}{LOW95}" in m else fmt.metric(key, m.get(key))


def difference_cell(
    m: dict[str, Any], key: str, stored: str | None, minuend: str, subtrahend: str
) -> str:
    """The difference cell of the row of ``key``.

    Metric ``stored`` when given, else ``m[minuend] - m[subtrahend]`` (blank where
    either is missing).
    """
    if stored is not None:
        return metric_cell(m, stored, fmt.metric(stored, m.get(stored), signed=True), cls="num")
    missing = fmt.is_missing(m.get(minuend)) or fmt.is_missing(m.get(subtrahend))
    diff = None if missing else float(m[minuend]) - float(m[subtrahend])
    return f'<td class="num">{esc(fmt.metric(key, diff, signed=True))}</td>'


def rows(
    m: dict[str, Any],
    keys: list[str],
    prefix: str,
    label: Callable[[str], str],
    difference: Callable[[str], str],
) -> str:
    """The table rows of ``keys``: label, counterpart (``prefix`` + key), run, difference."""
    return "".join(
        f"<tr><th>{esc(label(k))}</th>"
        + metric_cell(m, prefix + k, value(m, prefix + k))
        + metric_cell(m, k, value(m, k))
        + difference(k)
        + "</tr>"
        for k in keys
    )
