"""An adversary that places violations where the monitoring it knows of is weakest.

With awareness a, violation i is *aware* when u_i < a (u_i uniform, stream
``adversary/aware``). Every violation has K candidate places and start times drawn
from the violation process itself (stream ``adversary/candidates``: start uniform
over the run and thinned by the type's diurnal profile, chainage and offset as the
scenario's ``along`` and the type's offset or band); it keeps its type and duration.
An aware violation moves to candidate j with probability proportional to e_ij, its
chance of escaping the known monitoring, by one uniform draw v_i (stream
``adversary/choice``); when every candidate is certainly seen it picks one uniformly.
None of these draws depends on a: the aware set grows with a, and each aware
violation's choice stays the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.core.geo import Line
from sim.core.solar_time import hour_bin, solar_hour
from sim.spec.scenario import Scenario
from sim.world.violation_types import offset_distribution, type_profile
from sim.world.violations import Violations, numbered, sample_chainage

AWARE_STREAM = "adversary/aware"
CANDIDATES_STREAM = "adversary/candidates"
CHOICE_STREAM = "adversary/choice"


@dataclass(frozen=True)
class Candidates:
    """K alternative places and start times per violation: arrays (n, K)."""

    t_start: np.ndarray  # s
    chainage: np.ndarray  # m
    offset: np.ndarray  # m, + left
    x: np.ndarray  # m
    y: np.ndarray  # m


def aware(n: int, awareness: float, rng: np.random.Generator) -> np.ndarray:
    """Which of ``n`` violations are aware: u_i < awareness, one uniform each."""
    return rng.random(n) < awareness


def candidates(
    scenario: Scenario,
    line: Line,
    violations: Violations,
    rng: np.random.Generator,
    k: int,
) -> Candidates:
    """``k`` candidates for each violation, drawn as the violation process draws its type.

    Chainages follow ``along``; offsets the type's offset or band (``offset_distribution``);
    start times are uniform over the run, thinned exactly by the type's diurnal profile
    when it has one (a rejected start is drawn again with its place).
    """
    spec = scenario.violations
    n = len(violations)
    shape = (n, k)
    t_start, chainage, offset = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    x, y = np.zeros(shape), np.zeros(shape)
    names = violations.type_names
    for kind, name in enumerate(names):
        rows = np.flatnonzero(violations.type_index == kind)
        m = len(rows) * k
        if m == 0:
            continue
        type_spec = spec.types.get(name)
        dist = (
            offset_distribution(spec, type_spec, scenario.line.bands, line.sides)
            if type_spec is not None
            else None
        )
        factors = type_profile(spec, name) if type_spec is not None else None
        todo = np.arange(m)
        tt, cc, oo, xx, yy = (np.zeros(m) for _ in range(5))
        while len(todo):
            q = len(todo)
            tt[todo] = rng.uniform(0.0, scenario.duration, q)
            cc[todo] = sample_chainage(spec.along, line.length, q, rng)
            if dist is not None:
                oo[todo] = dist.sample(rng, q)
            elif spec.offset is not None:
                oo[todo] = spec.offset.sample(rng, q)
            else:
                oo[todo] = rng.uniform(-line.right, line.left, q)
            px, py = line.point_at(cc[todo], oo[todo])
            xx[todo], yy[todo] = np.asarray(px, float), np.asarray(py, float)
            if factors is None:
                break
            lon, _ = line.to_lonlat(xx[todo], yy[todo])
            factor = factors[hour_bin(solar_hour(scenario.start, tt[todo], lon))]
            todo = todo[rng.uniform(0.0, float(factors.max()), q) >= factor]
        for target, values in ((t_start, tt), (chainage, cc), (offset, oo), (x, xx), (y, yy)):
            target[rows] = values.reshape(len(rows), k)
    return Candidates(t_start, chainage, offset, x, y)


def as_violations(
    cand: Candidates, violations: Violations, rows: np.ndarray
) -> tuple[Violations, np.ndarray]:
    """The candidates of violations ``rows``, each with its violation's type and duration.

    Returns them sorted by start time (as the detection solver needs), and for each
    the flat index r * K + j of candidate j of the r-th row.
    """
    k = cand.t_start.shape[1]
    rep = np.repeat(rows, k)
    order = np.argsort(cand.t_start[rows].ravel(), kind="stable")
    n = len(rep)

    def flat(values: np.ndarray) -> np.ndarray:
        return values[rows].ravel()[order]

    shadow = Violations(
        ids=np.array([f"c{i + 1:07d}" for i in range(n)], dtype=object),
        t_start=flat(cand.t_start),
        duration=violations.duration[rep][order],
        x=flat(cand.x),
        y=flat(cand.y),
        chainage=flat(cand.chainage),
        offset=flat(cand.offset),
        type_index=violations.type_index[rep][order],
        type_names=violations.type_names,
    )
    return shadow, order


def planning_scenario(scenario: Scenario, knows: Sequence[str]) -> Scenario:
    """The monitoring as the adversary knows it: the published plan of what it knows of.

    ``coverage``: the drone fleets and ground sensors, as planned (no loss, no failure:
    those are not published); ``schedule``: the satellites; ``daylight`` and
    ``clouds``: the sky's (the cloud history of the run: a perfect forecast). What it
    does not know of is left out (an unknown sky is the idealised one).
    """
    drones = [f.model_copy(update={"loss_rate": 0.0}) for f in scenario.drones]
    ground = [g.model_copy(update={"mtbf": None}) for g in scenario.ground_sensors]
    env = scenario.environment
    if env is not None:
        env = env.model_copy(
            update={
                "daylight": env.daylight if "daylight" in knows else None,
                "clouds": env.clouds if "clouds" in knows else None,
            }
        )
    violations = scenario.violations.model_copy(update={"adversary": None})
    return scenario.model_copy(
        update={
            "drones": drones if "coverage" in knows else [],
            "ground_sensors": ground if "coverage" in knows else [],
            "satellites": scenario.satellites if "schedule" in knows else [],
            "environment": env,
            "violations": violations,
        }
    )


def choose(escape: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Per row of ``escape`` (n, K), the candidate drawn with probability ∝ escape by ``v``.

    ``v`` (n,) are uniforms in [0, 1); a row whose escapes are all 0 picks uniformly.
    """
    weight = np.where(escape.sum(axis=1, keepdims=True) > 0, escape, 1.0)
    cumulative = np.cumsum(weight, axis=1)
    target = v * cumulative[:, -1]
    pick = (cumulative <= target[:, None]).sum(axis=1)
    return np.minimum(pick, escape.shape[1] - 1)


def relocate(
    violations: Violations, rows: np.ndarray, cand: Candidates, pick: np.ndarray
) -> Violations:
    """Move violations ``rows`` to their picked candidates; re-sort by start, new ids."""
    t_start, x, y = violations.t_start.copy(), violations.x.copy(), violations.y.copy()
    chainage, offset = violations.chainage.copy(), violations.offset.copy()
    t_start[rows] = cand.t_start[rows, pick]
    x[rows], y[rows] = cand.x[rows, pick], cand.y[rows, pick]
    chainage[rows], offset[rows] = cand.chainage[rows, pick], cand.offset[rows, pick]
    return numbered(
        t_start,
        violations.duration,
        x,
        y,
        chainage,
        offset,
        violations.type_index,
        violations.type_names,
    )
