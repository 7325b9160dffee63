"""A validated sweep: every point's scenario, checked before any run, and the run seeds."""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import (
    ValidationError,
)

from sim.core.errors import ScenarioError, close_match
from sim.spec.load import scenario_from_data
from sim.spec.overrides import parse_path, set_path
from sim.spec.problems import line_of
from sim.spec.safe_yaml import read_yaml
from sim.spec.scenario import Scenario, format_path
from sim.sweep.spec import (
    _SAMPLE_KEY,
    HARD_MAX_POINTS,
    HARD_MAX_RUNS,
    MAX_PROBLEMS,
    MAX_RUNS,
    SweepSpec,
    _spec_problems,
    _where,
)

# --- the plan: every point validated ---------------------------------------------


@dataclass(frozen=True)
class Point:
    """One point of the sweep: its index, parameter values and resolved scenario data."""

    index: int
    params: dict[str, Any]
    data: dict[str, Any] = field(repr=False)
    metrics: frozenset[str] = field(default=frozenset(), repr=False, compare=False)


@dataclass(frozen=True)
class SweepPlan:
    """A validated sweep: the spec, the base scenario and every point, ready to run."""

    spec: SweepSpec
    source: Path
    scenario_file: Path
    base: dict[str, Any] = field(repr=False)
    parameters: list[str]
    points: list[Point] = field(repr=False)
    root: yaml.Node | None = field(default=None, repr=False, compare=False)
    axes: list[list[str]] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """A hash of what the runs depend on: the sweep seed and each point's scenario."""
        payload = json.dumps(
            {"seed": self.spec.seed, "points": [p.data for p in self.points]},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def seed(self, point: int, replication: int) -> int:
        """The run seed of (point, replication)."""
        return run_seed(self.spec.seed, point, replication)

    def tasks(self) -> list[tuple[int, int]]:
        """Every (point, replication) pair, in order."""
        return [(p.index, r) for p in self.points for r in range(self.spec.replications)]


def run_seed(sweep_seed: int, point: int, replication: int) -> int:
    """The seed of one run: the first word of ``SeedSequence(sweep_seed, (point, rep))``."""
    sequence = np.random.SeedSequence(sweep_seed, spawn_key=(point, replication))
    return int(sequence.generate_state(1)[0])


def _norm(path: str) -> str:
    return format_path(tuple(parse_path(path)))


def _value_at(data: Any, parts: list[str | int]) -> Any:
    for part in parts:
        data = data[part]
    return data


def _check_path(data: Any, path: str) -> list[str | int]:
    """Parse ``path`` and check that it names an existing key of resolved data."""
    parts = parse_path(path)
    node = data
    for depth, part in enumerate(parts):
        here = format_path(tuple(parts[:depth])) or "the scenario"
        if isinstance(part, int):
            if not isinstance(node, list):
                raise ValueError(f"[{part}] indexes a list, but {here} is not one")
            if part >= len(node):
                raise ValueError(f"index {part} out of range; {here} has {len(node)}")
        else:
            if not isinstance(node, dict):
                raise ValueError(f"'{part}' names a key, but {here} is not a mapping")
            if part not in node:
                hint = close_match(part, [str(k) for k in node])
                raise ValueError(f"{here} has no key '{part}'{hint}")
        node = node[part]
    return parts


def _param_value(value: Any) -> Any:
    """A parameter's resolved value as a CSV-friendly scalar (JSON text if structured)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return json.dumps(value, separators=(",", ":"))


def load_sweep(path: str | Path) -> SweepPlan:
    """Read and validate a sweep file and every point of it; raise ScenarioError if bad."""
    path = Path(path)
    source = str(path)
    try:
        raw, root = read_yaml(path)
    except ScenarioError as exc:
        if "but got '['" in str(exc):
            hint = ' (quote a path holding [ ] inside [...] or {...}: "drones[0].count")'
            raise ScenarioError(str(exc).removeprefix(f"{source}: ") + hint, source) from None
        raise
    if not isinstance(raw, dict):
        kind = "empty" if raw is None else type(raw).__name__
        raise ScenarioError(f"expected a mapping of sweep keys; the file is {kind}", source)
    try:
        spec = SweepSpec.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_spec_problems(exc, root), source) from None
    _check_runs(spec, root, source)
    scenario_file = (path.parent / spec.scenario).resolve()
    if not scenario_file.is_file():
        raise ScenarioError(
            [(_where(("scenario",), root), f"file not found: {scenario_file}")], source
        )
    base_raw, base_root = read_yaml(scenario_file)
    base_dir = scenario_file.parent
    resolved = scenario_from_data(base_raw, base_dir, str(scenario_file), base_root).resolved_data()

    problems: list[tuple[str, str]] = []
    for key, value in spec.overrides.items():
        where = _where(("set", key), root)
        try:
            set_path(resolved, _check_path(resolved, key), value, key)
        except ValueError as exc:
            problems.append((where, str(exc)))
    if problems:
        raise ScenarioError(problems, source)
    try:
        base_scenario = scenario_from_data(resolved, base_dir)
    except ScenarioError as exc:
        raise ScenarioError(_blame(exc, _set_keys(spec, root), None), source) from None
    base = base_scenario.resolved_data()

    if spec.sample is not None:
        axes, points = _sample_points(spec, base, base_dir, root, source)
    else:
        axes, points = _grid_points(spec, base, root, source)
    parameters = [p for _, paths, _ in axes for p in paths]
    duplicated = sorted({p for p in parameters if parameters.count(p) > 1})
    if duplicated:
        raise ScenarioError(
            [("grid", f"path {p} is set by more than one axis") for p in duplicated], source
        )
    plan_points = _validate_points(spec, base, base_dir, axes, points, root, source)
    if not plan_points:  # no grid and no sample: the base scenario, replicated
        plan_points = [Point(0, {}, base, run_metric_keys(base_scenario))]
    plan = SweepPlan(
        spec, path, scenario_file, base, parameters, plan_points, root, [p for _, p, _ in axes]
    )
    _check_costs(plan)
    _check_metric_names(plan)
    return plan


def _check_runs(spec: SweepSpec, root: yaml.Node | None, source: str) -> None:
    """Refuse a sweep of more than MAX_RUNS runs before any point is built.

    ``limits.unbounded`` lifts that bound, but not the hard tier: at most
    HARD_MAX_POINTS points and HARD_MAX_RUNS runs, which no machine would finish.
    """
    key: tuple[str, ...]
    if spec.sample is not None:
        points, key = spec.sample.n, ("sample", "n")
    else:
        points = math.prod(len(axis.values) for axis in spec.grid or [])
        key = ("grid",)
    runs = points * spec.replications
    hard = spec.limits.unbounded
    if hard and points > HARD_MAX_POINTS:
        raise ScenarioError(
            [
                (
                    _where(key, root),
                    f"{points:.3g} points; expected at most {HARD_MAX_POINTS:.3g} even with "
                    "limits.unbounded (each point is checked and kept before any run) "
                    "— use fewer points",
                )
            ],
            source,
        )
    maximum = HARD_MAX_RUNS if hard else MAX_RUNS
    if runs <= maximum:
        return
    where = _where(("replications",), root) if spec.replications > maximum else _where(key, root)
    way_out = (
        "even with limits.unbounded (no machine finishes this) — use fewer points or replications"
        if hard
        else "— use fewer points or replications, or set limits.unbounded: true"
    )
    raise ScenarioError(
        [
            (
                where,
                f"{points:,} point(s) x {spec.replications:,} replication(s) gives {runs:.3g} "
                f"runs; expected at most {maximum:,} {way_out}",
            )
        ],
        source,
    )


# An axis: (sweep key of the axis, normalised paths, sweep key of each value).
_Axis = tuple[str, list[str], list[str]]


def _set_keys(spec: SweepSpec, root: yaml.Node | None) -> dict[str, str]:
    return {_norm(k): _where(("set", k), root) for k in spec.overrides}


def _grid_points(
    spec: SweepSpec, base: dict[str, Any], root: yaml.Node | None, source: str
) -> tuple[list[_Axis], list[list[tuple[int, list[Any]]]]]:
    """The grid's axes and its points: per point, (value index, values) per axis."""
    axes: list[_Axis] = []
    problems: list[tuple[str, str]] = []
    for i, axis in enumerate(spec.grid or []):
        paths = []
        for k, p in enumerate(axis.axis_paths):
            key = ("grid", i, "path") if axis.path is not None else ("grid", i, "paths", k)
            try:
                _check_path(base, p)
                paths.append(_norm(p))
            except ValueError as exc:
                problems.append((_where(key, root), f"{p}: {exc}"))
        keys = [format_path(("grid", i, "values", j)) for j in range(len(axis.values))]
        axes.append((format_path(("grid", i)), paths, keys))
    if problems:
        raise ScenarioError(problems, source)
    choices = [list(enumerate(axis.tuples())) for axis in spec.grid or []]
    return axes, [list(combo) for combo in itertools.product(*choices)]


def _sample_points(
    spec: SweepSpec, base: dict[str, Any], base_dir: Path, root: yaml.Node | None, source: str
) -> tuple[list[_Axis], list[list[tuple[int, list[Any]]]]]:
    """Sampled points: one axis per range, bounds parsed by validating them in place."""
    from scipy.stats import qmc

    sample = spec.sample
    assert sample is not None
    problems: list[tuple[str, str]] = []
    bounds: list[tuple[float, float, bool]] = []
    axes: list[_Axis] = []
    for path, pair in sample.ranges.items():
        where = _where(("sample", "ranges", path), root)
        try:
            parts = _check_path(base, path)
        except ValueError as exc:
            problems.append((where, f"{path}: {exc}"))
            continue
        si = []
        for end, value in zip(("low", "high"), pair, strict=True):
            data = copy.deepcopy(base)
            set_path(data, parts, value, path)
            try:
                resolved = scenario_from_data(data, base_dir).resolved_data()
            except ScenarioError as exc:
                for _, message in exc.problems:
                    problems.append((where, f"{end} {value!r}: {message}"))
                continue
            number = _value_at(resolved, parts)
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                problems.append((where, f"{end} {value!r}: expected a number; got {number!r}"))
                continue
            si.append(number)
        if len(si) == 2:
            if not si[0] < si[1]:
                problems.append((where, f"expected low < high; got {pair[0]!r}, {pair[1]!r}"))
            integer = all(isinstance(v, int) for v in si)
            bounds.append((float(si[0]), float(si[1]), integer))
            axes.append((format_path(("sample",)), [_norm(path)], [where]))
    if problems:
        raise ScenarioError(problems, source)
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=_SAMPLE_KEY))
    d = len(bounds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Sobol warns when n is not a power of two
        if sample.method == "lhs":
            unit = qmc.LatinHypercube(d=d, rng=rng).random(sample.n)
        elif sample.method == "sobol":
            unit = qmc.Sobol(d=d, scramble=True, rng=rng).random(sample.n)
        else:
            unit = rng.random((sample.n, d))
    points = []
    for row in unit:
        point = []
        for k, (low, high, integer) in enumerate(bounds):
            if integer:
                drawn: Any = min(int(low + math.floor(row[k] * (high - low + 1))), int(high))
            else:
                drawn = low + float(row[k]) * (high - low)
            point.append((0, [drawn]))
        points.append(point)
    return axes, points


def _blame(exc: ScenarioError, keys: dict[str, str], point: str | None) -> list[tuple[str, str]]:
    """Name the sweep key that set the path of each problem of a point's scenario."""
    out = []
    for problem_path, message in exc.problems:
        plain = problem_path.split(" (")[0]
        owner = next(
            (
                (p, key)
                for p, key in keys.items()
                if plain == p or plain.startswith((p + ".", p + "["))
            ),
            None,
        )
        if owner is not None:
            out.append((owner[1], f"{problem_path}: {message}"))
        else:
            where = f"{point}: " if point else ""
            out.append(("", f"{where}{problem_path + ': ' if problem_path else ''}{message}"))
    return out


def _validate_points(
    spec: SweepSpec,
    base: dict[str, Any],
    base_dir: Path,
    axes: list[_Axis],
    points: list[list[tuple[int, list[Any]]]],
    root: yaml.Node | None,
    source: str,
) -> list[Point]:
    """Apply each point's values to the base, validate, and keep the resolved data."""
    problems: list[tuple[str, str]] = []
    out = []
    for index, choice in enumerate(points):
        data = copy.deepcopy(base)
        keys: dict[str, str] = {}
        labels = []
        for (axis_key, paths, value_keys), (j, values) in zip(axes, choice, strict=True):
            for k, (p, v) in enumerate(zip(paths, values, strict=True)):
                set_path(data, parse_path(p), v, p)
                if axis_key == "sample":
                    keys[p] = value_keys[0]
                else:
                    value_key = value_keys[j] + (f"[{k}]" if len(paths) > 1 else "")
                    line = line_of(root, _loc(value_key))
                    keys[p] = value_key + (f" (line {line})" if line else "")
                labels.append(f"{p}={v!r}")
        try:
            scenario = scenario_from_data(data, base_dir)
        except ScenarioError as exc:
            label = f"point {index} ({', '.join(labels)})"
            for problem in _blame(exc, keys, label):
                if problem not in problems:
                    problems.append(problem)
            continue
        resolved = scenario.resolved_data()
        params = {p: _param_value(_value_at(resolved, parse_path(p))) for p in keys}
        out.append(Point(index, params, resolved, run_metric_keys(scenario)))
    if problems:
        more = len(problems) - MAX_PROBLEMS
        shown = problems[:MAX_PROBLEMS]
        if more > 0:
            shown.append(("", f"... and {more} more problem(s)"))
        raise ScenarioError(shown, source)
    return out


def _loc(key: str) -> tuple[str | int, ...]:
    return tuple(parse_path(key))


def _check_costs(plan: SweepPlan) -> None:
    """Cost paths must name numbers in every point's scenario."""
    problems = []
    for k, item in enumerate(plan.spec.cost):
        if item.path is None:
            continue
        where = _where(("cost", k, "path"), plan.root)
        try:
            parts = _check_path(plan.base, item.path)
        except ValueError as exc:
            problems.append((where, f"{item.path}: {exc}"))
            continue
        value = _value_at(plan.points[0].data, parts)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append((where, f"{item.path} is not a number; got {value!r}"))
    if problems:
        raise ScenarioError(problems, str(plan.source))


def run_metric_keys(scenario: Scenario) -> frozenset[str]:
    """The metric columns a sweep run of ``scenario`` records in runs.csv (without running).

    Every scalar of metrics.json (``sim.measure.metrics.metric_keys``, with coverage) and
    ``violations.count_by_type.<type>``, the trials of each type's detection probability.
    """
    from sim.measure.metrics import metric_keys
    from sim.spec.replay import type_names

    keys = metric_keys(scenario, coverage=True)
    keys.update(f"violations.count_by_type.{t}" for t in type_names(scenario))
    return frozenset(keys)


def _hint(metric: str) -> str:
    """For a missing deadline metric: where its deadlines come from."""
    for prefix in ("detection.within_", "report.within_"):
        if metric.startswith(prefix):
            wanted = metric.removeprefix(prefix).split(".")[0]
            return (
                f"; a run has one per deadline of reporting.deadlines: add {wanted} there "
                "(in the scenario, or in the sweep's set)"
            )
    return ""


def _check_metric_names(plan: SweepPlan) -> None:
    """The metrics named in ``metrics``, ``target`` and ``cost`` must be metrics of the runs.

    Checked before any run, against the keys the points' scenarios yield (the union:
    a metric some points lack is NaN there); an unknown name gets a close match.
    """
    spec = plan.spec
    known: set[str] = set().union(*(p.metrics for p in plan.points))
    options = sorted(known)
    named: list[tuple[tuple[Any, ...], str]] = [
        (("metrics", k), m) for k, m in enumerate(spec.metrics)
    ]
    target = spec.parsed_target
    if target is not None:
        named.append((("target",), target.metric))
    named += [(("cost", k, "metric"), c.metric) for k, c in enumerate(spec.cost) if c.metric]
    problems = [
        (
            _where(loc, plan.root),
            f"the runs have no metric '{m}'{close_match(m, options)}{_hint(m)}",
        )
        for loc, m in named
        if m not in known
    ]
    if problems:
        raise ScenarioError(problems, str(plan.source))
