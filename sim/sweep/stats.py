"""Per-point statistics of a sweep: pooled Wilson intervals, t intervals, targets, costs."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.measure.baselines import is_difference
from sim.measure.metrics import metric_unit, wilson_interval
from sim.spec.overrides import parse_path
from sim.sweep.plan import Point, SweepPlan, _value_at
from sim.sweep.spec import STAT_SUFFIXES, CostItem

# --- statistics ------------------------------------------------------------------


def _float(text: str | None) -> float:
    if text is None or text == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        return math.nan


def interval_kinds(metrics: list[str], columns: set[str]) -> dict[str, str]:
    """Per metric: "wilson" (a proportion with its trials known) or "t"."""
    return {m: "wilson" if _trials_column(m, columns) else "t" for m in metrics}


COUNT = ".violations.count"


def _trials_column(metric: str, columns: set[str]) -> str | None:
    """The column counting a proportion metric's trials, or None (then a t interval).

    A share of all violations counts ``violations.count``; a share of a type's, a
    sector's or a band's violations counts that subset's count. The uncued
    counterpart has the run's violations, so the same counts; the naive one has as
    many violations but placed elsewhere, so only its whole-run shares have a count.
    A share of a subset the runs do not count (by light) has none.
    """
    if f"{metric}.low95" not in columns:
        return None
    base = metric.removeprefix("uncued.")
    naive = base.startswith("naive.")
    base = base.removeprefix("naive.")
    prefix = "detection.probability_by_type."
    if base.startswith(prefix):
        column = "violations.count_by_type." + base.removeprefix(prefix)
    elif base.startswith(("sector.", "band.")):  # a name may hold dots: match the counts
        counts = [c.removesuffix(".violations.count") for c in columns if c.endswith(COUNT)]
        places = [
            c for c in counts if c.startswith(("sector.", "band.")) and base.startswith(c + ".")
        ]
        if not places:
            return None
        column = max(places, key=len) + COUNT
    elif base.startswith("detection.probability_by_light."):
        return None
    else:
        column = "violations.count"
    if naive and column != "violations.count":
        return None
    return column if column in columns else None


def metric_range(metric: str) -> tuple[float, float]:
    """The range of values ``metric`` can take, by the unit of its key.

    [0, 1] for fractions, [0, inf) for durations, lengths, counts and rates,
    unbounded for a plain number. A t interval is clipped to this range, so a
    latency or a rate never gets a negative lower bound when its runs spread widely.
    A baseline's difference (``exposure.*``, naive minus adapted; the ``cueing.*``
    gains) may be negative: [-1, 1] for fractions, unbounded else.
    """
    unit = metric_unit(metric)
    if is_difference(metric):
        return (-1.0, 1.0) if unit == "fraction" else (-math.inf, math.inf)
    if unit == "fraction":
        return 0.0, 1.0
    if unit:
        return 0.0, math.inf
    return -math.inf, math.inf


def metric_stats(rows: list[dict[str, str]], metric: str, trials: str | None) -> dict[str, float]:
    """estimate, mean, std, n, low95, high95 of ``metric`` over ``rows`` (ok runs)."""
    from scipy.stats import t as student_t

    values = np.array([_float(r.get(metric)) for r in rows], dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    mean = float(np.mean(values)) if n else math.nan
    std = float(np.std(values, ddof=1)) if n >= 2 else math.nan
    if trials is not None:
        successes = total = 0
        for r in rows:
            p, m = _float(r.get(metric)), _float(r.get(trials))
            if not math.isnan(m) and m > 0 and not math.isnan(p):
                successes += int(round(p * m))
                total += int(round(m))
        estimate = successes / total if total else math.nan
        low, high = wilson_interval(successes, total) if total else (math.nan, math.nan)
    else:
        estimate = mean
        if n >= 2:
            half = float(student_t.ppf(0.975, n - 1)) * std / math.sqrt(n)
            floor, ceiling = metric_range(metric)
            low, high = max(mean - half, floor), min(mean + half, ceiling)
        else:
            low = high = math.nan
    return {
        "estimate": estimate,
        "mean": mean,
        "std": std,
        "n": float(n),
        "low95": low,
        "high95": high,
    }


def summarise(plan: SweepPlan, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """One summary row per point (see the module docstring for the statistics)."""
    spec = plan.spec
    target = spec.parsed_target
    columns = {c for r in rows for c in r}
    metrics = spec.summarised
    kinds = interval_kinds(metrics, columns)
    by_point: dict[int, list[dict[str, str]]] = {p.index: [] for p in plan.points}
    for r in rows:
        by_point.setdefault(int(r["point"]), []).append(r)
    out = []
    for point in plan.points:
        mine = by_point[point.index]
        ok = [r for r in mine if r["status"] == "ok"]
        summary: dict[str, Any] = {"point": point.index, **point.params}
        summary["n"] = len(ok)
        summary["failed"] = len(mine) - len(ok)
        stats = {}
        for m in metrics:
            trials = _trials_column(m, columns) if kinds[m] == "wilson" else None
            stats[m] = metric_stats(ok, m, trials)
            for suffix in STAT_SUFFIXES:
                value = stats[m][suffix]
                summary[f"{m}.{suffix}"] = int(value) if suffix == "n" else value
        if spec.cost:
            summary["cost"] = _cost(spec.cost, point, ok)
        if target is not None:
            s = stats[target.metric]
            summary["meets_target"] = len(ok) > 0 and target.met(s["low95"], s["high95"])
        out.append(summary)
    if target is not None and spec.cost:
        meeting = [s["cost"] for s in out if s["meets_target"] and not math.isnan(s["cost"])]
        cheapest = min(meeting) if meeting else math.nan
        for s in out:
            s["cheapest"] = bool(s["meets_target"] and s["cost"] == cheapest)
    return out


def _cost(items: list[CostItem], point: Point, ok: list[dict[str, str]]) -> float:
    total = 0.0
    for item in items:
        if item.path is not None:
            value = _value_at(point.data, parse_path(item.path))
            total += item.per_unit * float(value)
        elif item.metric is not None:
            values = [_float(r.get(item.metric)) for r in ok]
            finite = [v for v in values if not math.isnan(v)]
            total += item.per_unit * (float(np.mean(finite)) if finite else math.nan)
    return total
