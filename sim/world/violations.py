"""Violation events: generated as a Poisson process, or replayed from a CSV."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.core.errors import ScenarioError
from sim.core.geo import Line
from sim.core.solar_time import hour_bin, solar_hour
from sim.spec.replay import parse_replay
from sim.spec.scenario import AlongSpec, Scenario
from sim.world.violation_types import offset_distribution, type_profile


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

    @cached_property
    def t_end(self) -> np.ndarray:
        """End of each violation's active interval, s (kept: the arrays never change)."""
        return self.t_start + self.duration


def numbered(
    t_start: np.ndarray,
    duration: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    chainage: np.ndarray,
    offset: np.ndarray,
    type_index: np.ndarray,
    type_names: list[str],
) -> Violations:
    """Violations sorted by start time (stable: ties keep their order), numbered v000001..."""
    order = np.argsort(t_start, kind="stable")
    ids = np.array([f"v{i + 1:06d}" for i in range(len(order))], dtype=object)
    return Violations(
        ids,
        t_start[order],
        duration[order],
        x[order],
        y[order],
        chainage[order],
        offset[order],
        type_index[order],
        type_names,
    )


def sample_chainage(along, length: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Chainages (m): uniform, or a mixture of truncated normal hotspots and a background."""
    if not isinstance(along, AlongSpec):
        return rng.uniform(0.0, length, n)
    weights = np.array([h.weight for h in along.hotspots] + [along.background])
    component = rng.choice(len(weights), size=n, p=weights / weights.sum())
    # a centre accepted within tolerance beyond the end is clamped to the line
    centres = np.array([min(h.at, length) for h in along.hotspots] + [0.0])[component]
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
    if spec.by_type:
        return generate_by_type(scenario, line, rng)
    horizon = scenario.duration
    n = int(rng.poisson(spec.rate * horizon))
    t_start = np.sort(rng.uniform(0.0, horizon, n))
    duration = spec.duration.sample(rng, n)
    chainage = sample_chainage(spec.along, line.length, n, rng)
    if spec.offset is None:
        offset = rng.uniform(-line.right, line.left, n)
    else:
        offset = spec.offset.sample(rng, n)
    names = list(spec.types)
    weights = np.array([spec.types[k].weight for k in names])
    type_index = rng.choice(len(names), size=n, p=weights / weights.sum())
    x, y = line.point_at(chainage, offset)
    return numbered(t_start, duration, x, y, chainage, offset, type_index, names)


def generate_by_type(scenario: Scenario, line: Line, rng: np.random.Generator) -> Violations:
    """Draw each type's violations on its own: its diurnal profile, offset or band.

    Type k (in the scenario's order) is a Poisson process of rate ``rate w_k / sum(w)``
    modulated by its profile ``f`` (``sim.world.violation_types``), thinned exactly:
    ``Poisson(rate_k max(f) T)`` candidates with uniform starts, durations, chainages and
    offsets, each kept with probability ``f(its local solar hour) / max(f)``.
    """
    spec = scenario.violations
    assert spec.rate is not None
    horizon = scenario.duration
    names = list(spec.types)
    weights = np.array([spec.types[k].weight for k in names])
    share = weights / weights.sum()
    parts: list[tuple[np.ndarray, ...]] = []
    for k, name in enumerate(names):
        factors = type_profile(spec, name)
        peak = 1.0 if factors is None else float(factors.max())
        n = int(rng.poisson(spec.rate * share[k] * peak * horizon))
        t_start = rng.uniform(0.0, horizon, n)
        duration = spec.duration.sample(rng, n)
        chainage = sample_chainage(spec.along, line.length, n, rng)
        dist = offset_distribution(spec, spec.types[name], scenario.line.bands, line.sides)
        offset = dist.sample(rng, n)
        x, y = line.point_at(chainage, offset)
        if factors is not None:
            lon, _ = line.to_lonlat(x, y)
            factor = factors[hour_bin(solar_hour(scenario.start, t_start, lon))]
            keep = rng.uniform(0.0, peak, n) < factor
            t_start, duration, chainage, offset, x, y = (
                a[keep] for a in (t_start, duration, chainage, offset, x, y)
            )
        kinds = np.full(len(t_start), k, dtype=np.int64)
        parts.append((t_start, duration, x, y, chainage, offset, kinds))
    t_start, duration, x, y, chainage, offset, type_index = (
        np.concatenate(column) for column in zip(*parts, strict=True)
    )
    return numbered(t_start, duration, x, y, chainage, offset, type_index, names)


def read_csv(scenario: Scenario, line: Line) -> Violations:
    """Replay violations from the scenario's CSV (every row checked at validation)."""
    rows, problems = parse_replay(scenario, line)
    if rows is None:  # validation refuses these; reached only without it
        raise ScenarioError([("violations.file", message) for message in problems])
    chainage, offset = line.locate(rows.x, rows.y)
    chainage, offset = np.atleast_1d(chainage), np.atleast_1d(offset)
    ids = np.array(rows.ids, dtype=object)
    order = np.lexsort((ids.astype(str), rows.t_start))
    return Violations(
        ids[order],
        rows.t_start[order],
        rows.duration[order],
        rows.x[order],
        rows.y[order],
        chainage[order],
        offset[order],
        rows.type_index[order],
        rows.type_names,
    )


def make_violations(scenario: Scenario, line: Line, rng: np.random.Generator) -> Violations:
    """Return the scenario's violations, generated or replayed."""
    if scenario.violations.file is not None:
        return read_csv(scenario, line)
    return generate(scenario, line, rng)
