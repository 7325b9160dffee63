"""Violation events: generated as a Poisson process, or replayed from a CSV."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.errors import ScenarioError, close_match
from sim.geo import Line
from sim.scenario import AlongSpec, Scenario


@dataclass
class Violations:
    """Violations sorted by start time; positions in the line's metric CRS.

    Arrays (one entry per violation): ``t_start`` and ``duration`` (s), ``x``,
    ``y`` (m), ``chainage`` and ``offset`` (m, + left), ``type_index`` into
    ``type_names``; ``ids`` are strings.
    """

    ids: np.ndarray
    t_start: np.ndarray
    duration: np.ndarray
    x: np.ndarray
    y: np.ndarray
    chainage: np.ndarray
    offset: np.ndarray
    type_index: np.ndarray
    type_names: list[str]

    def __len__(self) -> int:
        return len(self.t_start)

    @property
    def t_end(self) -> np.ndarray:
        """End of each violation's active interval, s."""
        return self.t_start + self.duration


def _sample_chainage(along, length: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Chainages (m): uniform, or a mixture of truncated normal hotspots and a background."""
    if not isinstance(along, AlongSpec):
        return rng.uniform(0.0, length, n)
    weights = np.array([h.weight for h in along.hotspots] + [along.background])
    component = rng.choice(len(weights), size=n, p=weights / weights.sum())
    centres = np.array([h.at for h in along.hotspots] + [0.0])[component]
    spreads = np.array([h.spread for h in along.hotspots] + [0.0])[component]
    background = component == len(along.hotspots)
    chain = np.where(background, rng.uniform(0.0, length, n), 0.0)
    todo = ~background
    # a normal truncated to the line, by redrawing the samples that fall off it
    while np.any(todo):
        draw = centres[todo] + spreads[todo] * rng.standard_normal(int(todo.sum()))
        chain[todo] = draw
        todo[todo] = (draw < 0.0) | (draw > length)
    return chain


def generate(scenario: Scenario, line: Line, rng: np.random.Generator) -> Violations:
    """Draw violations: Poisson count, uniform start times, per-event draws."""
    spec = scenario.violations
    assert spec.rate is not None
    horizon = scenario.duration
    n = int(rng.poisson(spec.rate * horizon))
    t_start = np.sort(rng.uniform(0.0, horizon, n))
    duration = spec.duration.sample(rng, n)
    chainage = _sample_chainage(spec.along, line.length, n, rng)
    if spec.offset is None:
        offset = rng.uniform(-line.buffer, line.buffer, n)
    else:
        offset = spec.offset.sample(rng, n)
    names = list(spec.types)
    weights = np.array([spec.types[k].weight for k in names])
    type_index = rng.choice(len(names), size=n, p=weights / weights.sum())
    x, y = line.point_at(chainage, offset)
    ids = np.array([f"v{i + 1:06d}" for i in range(n)], dtype=object)
    return Violations(ids, t_start, duration, x, y, chainage, offset, type_index, names)


def read_csv(scenario: Scenario, line: Line) -> Violations:
    """Replay violations from the scenario's CSV (columns checked at load time)."""
    spec = scenario.violations
    assert spec.file is not None
    path = Path(spec.file)
    where = "violations.file"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise ScenarioError([(where, f"{path.name} has no rows")])
    use_lonlat = "x_m" not in rows[0]
    if use_lonlat and not line.is_geographic:
        raise ScenarioError([(where, "lon/lat columns need a line with crs lonlat")])
    names = list(spec.types)
    declared = "types" in spec.model_fields_set
    problems: list[tuple[str, str]] = []
    ids, starts, durations, a, b, types = [], [], [], [], [], []
    columns = ("lon", "lat") if use_lonlat else ("x_m", "y_m")
    for number, row in enumerate(rows, start=2):  # the header is line 1
        try:
            values = [float(row[c]) for c in ("t_start_s", "duration_s", *columns)]
        except (TypeError, ValueError):
            problems.append((where, f"{path.name} line {number}: expected numbers; got {row}"))
            continue
        if not all(math.isfinite(v) for v in values):
            problems.append((where, f"{path.name} line {number}: values must be finite"))
            continue
        t0, dur, u, v = values
        if dur <= 0 or t0 < 0 or t0 >= scenario.duration:
            problems.append(
                (
                    where,
                    f"{path.name} line {number}: expected duration_s > 0 and "
                    f"0 <= t_start_s < {scenario.duration:g} (the scenario duration); "
                    f"got t_start_s={t0:g}, duration_s={dur:g}",
                )
            )
            continue
        kind = (row.get("type") or "").strip() or names[0]
        if kind not in names:
            if declared:
                problems.append(
                    (
                        where,
                        f"{path.name} line {number}: unknown type '{kind}'"
                        f"{close_match(kind, names)}; violations.types has {', '.join(names)}",
                    )
                )
                continue
            names.append(kind)
        ids.append(str(row["id"]))
        starts.append(t0)
        durations.append(dur)
        a.append(u)
        b.append(v)
        types.append(names.index(kind))
        if len(problems) >= 10:
            break
    if problems:
        raise ScenarioError(problems)
    if len(set(ids)) != len(ids):
        raise ScenarioError([(where, f"{path.name}: ids must be unique")])
    a_arr, b_arr = np.array(a), np.array(b)
    x, y = line.from_lonlat(a_arr, b_arr) if use_lonlat else (a_arr, b_arr)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    chainage, offset = line.locate(x, y)
    order = np.lexsort((np.array(ids, dtype=object).astype(str), np.array(starts)))
    return Violations(
        np.array(ids, dtype=object)[order],
        np.array(starts)[order],
        np.array(durations)[order],
        x[order],
        y[order],
        chainage[order],
        offset[order],
        np.array(types, dtype=np.int64)[order],
        names,
    )


def make_violations(scenario: Scenario, line: Line, rng: np.random.Generator) -> Violations:
    """Return the scenario's violations, generated or replayed."""
    if scenario.violations.file is not None:
        return read_csv(scenario, line)
    return generate(scenario, line, rng)
