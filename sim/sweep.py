"""Parameter sweeps: many runs of one scenario, varied along explicit axes, with replications.

A sweep file (YAML) names a base scenario, the values to vary (a ``grid`` of axes or
a ``sample`` of ranges), how many replications per point, which metrics to
summarise and, optionally, a target and costs. ``run_sweep`` validates every point
before any run, runs the points on an executor (inline, a local process pool or a
Dask cluster), records each finished run durably, resumes an interrupted sweep and
summarises the points. A sweep file::

    name: drones-vs-towers
    scenario: ../ukraine-line.yaml      # relative to this file
    seed: 1
    replications: 10
    set: {duration: 7d}                 # applied to every point
    grid:                               # the product of the axes; the first varies slowest
      - path: ground_sensors[1].spacing
        values: [5km, 10km, 20km]
      - paths: ["drones[0].count", "drones[0].patrol.stations"]  # varied together
        values: [[4, 1], [8, 2]]
    # or: sample: {method: lhs | random | sobol, n: 20, ranges: {PATH: [LOW, HIGH]}}
    metrics: [detection.probability, latency.median_s]   # default: DEFAULT_METRICS
    target: detection.probability >= 0.8
    cost:
      - {path: "drones[0].count", per_unit: 5}
      - {metric: assets.towers.sensors, per_unit: 1.5}
    keep_runs: false

(In YAML flow style -- inside [...] or {...} -- a path holding [ ] must be quoted.)
Every path must exist in the base scenario with its defaults filled in, and every
point must make a valid scenario; both are checked before any run, errors naming
the sweep file's key (``grid[0].values[1] (line 9)``). Sampled ranges may carry
units; integer fields sample integers. The sweep folder::

    results/sweeps/<name>/
        sweep.resolved.yaml     the sweep file with every default filled in
        scenario.resolved.yaml  the base scenario after ``set``, SI units
        manifest.json           kind "sweep", version, seed, executor, times, counts,
                                parameters, metrics, interval kinds, target, cheapest
        runs.csv                one row per run: point, replication, seed, one column
                                per parameter path (SI values), every scalar metric
                                (sorted), status (ok/error), error, wall_s
        summary.csv             one row per point: parameters, n, failed, then for each
                                summarised metric M: M.estimate, M.mean, M.std, M.n,
                                M.low95, M.high95; cost, meets_target, cheapest
        runs/p0003-r002/        per-run results folders (``keep_runs: true`` only)

Statistics (summary.csv). ``M.mean`` and ``M.std`` are the mean and sample
standard deviation of the per-run values over the point's ok runs (runs where M is
undefined, such as a latency with nothing detected, are left out; ``M.n`` counts the
runs used). ``M.estimate`` is the value the 95 % interval is about:

- proportions (metrics given with a Wilson interval in metrics.json: M.low95 exists,
  e.g. ``detection.probability``, ``verified.probability``, ``detection.by_class.*``,
  ``detection.probability_by_type.*``): the replications are pooled, estimate =
  sum of successes / sum of trials (trials: ``violations.count``, or
  ``violations.count_by_type.T`` for a type's probability), with the Wilson score
  interval of the pooled counts. This treats every violation as an independent
  trial; detections in one run share the assets' plans, so the pooled interval can
  be narrower than the between-run spread (compare it with M.std);
- every other metric: the mean, with the Student t interval mean +- t(0.975, n-1) x
  std / sqrt(n) (empty when n < 2).

A target ``METRIC OP NUMBER`` (OP one of >=, >, <=, <) is met by a point whose
conservative bound meets it: the lower 95 % bound for >= and >, the upper for <= and <.
The cost of a point is the sum of its cost items: ``{path: P, per_unit: C}`` costs
C x the value at scenario path P in that point (SI units: a count, metres, ...);
``{metric: M, per_unit: C}`` costs C x the mean of run metric M over the point's ok
runs (e.g. ``assets.towers.sensors``: the number of sensors the group places, or
``assets.mq9-centre.flight_hours``). ``cheapest`` marks the points meeting the target
at the lowest cost (ties all marked).

Seeds: run seed = ``SeedSequence(sweep seed, spawn_key=(point, replication))``'s first
32-bit word, so the runs are the same whatever the executor and the number of workers;
runs.csv, sorted by (point, replication) at the end, is then identical except for its
``wall_s`` column.

Resume: a sweep folder remembers a fingerprint of what the runs depend on (the sweep
seed and every point's resolved scenario). Running again with the same fingerprint
skips the (point, replication) pairs already in runs.csv (failed ones included) and
runs the rest; changing ``replications``, ``metrics``, ``target`` or ``cost`` keeps the
recorded runs; any other change is an error unless ``fresh=True``.
"""

from __future__ import annotations

import concurrent.futures as cf
import copy
import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import math
import os
import re
import shutil
import signal
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from tqdm import tqdm

from sim.errors import ExecutionError, ScenarioError, SimError, close_match
from sim.metrics import wilson_interval
from sim.overrides import parse_path, set_path
from sim.scenario import (
    FieldProblem,
    Name,
    clean_loc,
    format_path,
    line_of,
    read_yaml,
    scenario_from_data,
)
from sim.tables import Table

DEFAULT_METRICS = (
    "detection.probability",
    "verified.probability",
    "latency.median_s",
    "latency.p90_s",
    "report_latency.median_s",
    "coverage.time_fraction",
)
RUNS = "runs.csv"
SUMMARY = "summary.csv"
MANIFEST = "manifest.json"
RESOLVED = "sweep.resolved.yaml"
BASE_RESOLVED = "scenario.resolved.yaml"
HEAD_COLUMNS = ("point", "replication", "seed")
TAIL_COLUMNS = ("status", "error", "wall_s")
STAT_SUFFIXES = ("estimate", "mean", "std", "n", "low95", "high95")
MAX_PROBLEMS = 20
_TARGET = re.compile(
    r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*(>=|<=|>|<)\s*"
    r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)
_METRIC = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")
_SAMPLE_KEY = (0x53414D50,)  # "SAMP": the sampler's stream, apart from the runs' (point, rep)


# --- the sweep file ------------------------------------------------------------


class SweepSpecBase(BaseModel):
    """Base of the sweep file's sections: immutable, no unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AxisSpec(SweepSpecBase):
    """One grid axis: a path and its values, or several paths varied together."""

    path: str | None = Field(None, description="Scenario path, e.g. drones[0].count.")
    paths: list[str] | None = Field(
        None, min_length=1, description="Several paths varied together (one tuple per value)."
    )
    values: list[Any] = Field(
        min_length=1, description="Values of the path, or lists of one value per path."
    )

    @model_validator(mode="after")
    def _shape(self) -> AxisSpec:
        if (self.path is None) == (self.paths is None):
            raise ValueError("give exactly one of 'path' or 'paths'")
        if self.paths is not None:
            for j, value in enumerate(self.values):
                if not isinstance(value, list) or len(value) != len(self.paths):
                    raise FieldProblem(
                        ("values", j),
                        f"expected a list of {len(self.paths)} values (one per path); "
                        f"got {value!r}",
                    )
        return self

    @property
    def axis_paths(self) -> list[str]:
        """The paths this axis sets."""
        return [self.path] if self.path is not None else list(self.paths or [])

    def tuples(self) -> list[list[Any]]:
        """The axis values as one list per value (one entry per path)."""
        return [list(v) if self.paths is not None else [v] for v in self.values]


class SampleSpec(SweepSpecBase):
    """Points sampled in a box of parameter ranges (scipy.stats.qmc, seeded)."""

    method: Literal["lhs", "random", "sobol"] = "lhs"
    n: Annotated[int, Field(ge=1, strict=True)] = Field(description="Number of points.")
    ranges: dict[str, tuple[Any, Any]] = Field(
        min_length=1,
        description="Path -> [low, high]; units allowed. Integer fields sample integers.",
    )


class CostItem(SweepSpecBase):
    """A cost term: per unit of a scenario value, or per unit of a run metric's mean."""

    path: str | None = Field(None, description="Scenario path whose value is counted.")
    metric: str | None = Field(None, description="Run metric whose mean is counted.")
    per_unit: float = Field(allow_inf_nan=False, description="Cost of one unit.")

    @model_validator(mode="after")
    def _one_source(self) -> CostItem:
        if (self.path is None) == (self.metric is None):
            raise ValueError("give exactly one of 'path' or 'metric'")
        return self


@dataclass(frozen=True)
class Target:
    """``metric op value``, met by the conservative end of the 95 % interval."""

    metric: str
    op: str
    value: float

    def met(self, low: float, high: float) -> bool:
        """Whether an interval [low, high] meets the target (NaN bounds never do)."""
        bound = low if self.op in (">=", ">") else high
        if math.isnan(bound):
            return False
        return {
            ">=": bound >= self.value,
            ">": bound > self.value,
            "<=": bound <= self.value,
            "<": bound < self.value,
        }[self.op]

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.value:g}"


def parse_target(text: str) -> Target:
    """Parse ``detection.probability >= 0.9`` (no eval); raise ValueError if malformed."""
    match = _TARGET.match(text)
    if not match:
        raise ValueError(f"expected 'METRIC OP NUMBER' with OP one of >=, >, <=, <; got {text!r}")
    return Target(match.group(1), match.group(2), float(match.group(3)))


class SweepSpec(SweepSpecBase):
    """A whole sweep file."""

    name: Name
    description: str = ""
    scenario: str = Field(description="Base scenario file, relative to the sweep file.")
    seed: Annotated[int, Field(ge=0, strict=True)] = 0
    replications: Annotated[int, Field(ge=1, strict=True)] = 10
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        alias="set",
        description="Path -> value applied to every point (e.g. duration: 7d).",
    )
    grid: list[AxisSpec] | None = Field(None, min_length=1)
    sample: SampleSpec | None = None
    metrics: list[str] = Field(default_factory=lambda: list(DEFAULT_METRICS), min_length=1)
    target: str | None = Field(None, description="e.g. 'detection.probability >= 0.9'.")
    cost: list[CostItem] = Field(default_factory=list)
    keep_runs: bool = Field(False, description="Keep a results folder per run.")

    @field_validator("metrics")
    @classmethod
    def _metric_keys(cls, value: list[str]) -> list[str]:
        for k, name in enumerate(value):
            if not _METRIC.match(name):
                raise FieldProblem((k,), f"expected a dotted metric key; got {name!r}")
        return value

    @field_validator("target")
    @classmethod
    def _target(cls, value: str | None) -> str | None:
        if value is not None:
            parse_target(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SweepSpec:
        if self.grid is not None and self.sample is not None:
            raise ValueError("give at most one of 'grid' or 'sample'")
        return self

    @property
    def parsed_target(self) -> Target | None:
        """The target, parsed."""
        return parse_target(self.target) if self.target is not None else None

    @property
    def summarised(self) -> list[str]:
        """The metrics to summarise: ``metrics`` plus the target's, in order."""
        out = list(dict.fromkeys(self.metrics))
        target = self.parsed_target
        if target is not None and target.metric not in out:
            out.append(target.metric)
        return out


_MODELS: dict[str, type[BaseModel]] = {
    "": SweepSpec,
    "grid": AxisSpec,
    "sample": SampleSpec,
    "cost": CostItem,
}


def _spec_problems(error: ValidationError, root: yaml.Node | None) -> list[tuple[str, str]]:
    """Pydantic errors of a sweep file as ``(path (line N), message)`` pairs."""
    problems: list[tuple[str, str]] = []
    for err in error.errors():
        loc = clean_loc(err["loc"])
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, FieldProblem):
            loc = loc + tuple(cause.field)
        if err["type"] == "extra_forbidden":
            section = next((p for p in loc[:-1] if isinstance(p, str)), "")
            model = _MODELS.get(section if len(loc) > 1 else "", SweepSpec)
            options = [f.alias or name for name, f in model.model_fields.items()]
            hint = close_match(str(loc[-1]), options)
            message = f"unknown key '{loc[-1]}'{hint}"
            if not hint:
                message += f"; expected one of {', '.join(options)}"
        elif err["type"] == "missing":
            message = "required key is missing"
        else:
            message = err["msg"].removeprefix("Value error, ")
            value = err.get("input")
            plain = not isinstance(cause, FieldProblem) and not isinstance(value, (dict, list))
            if "got " not in message and plain:
                message += f"; got {value!r}"
        problems.append((_where(loc, root), message))
    return problems


def _where(loc: tuple[Any, ...], root: yaml.Node | None) -> str:
    """A sweep file key with its line: ``grid[0].values[1] (line 7)``."""
    line = line_of(root, loc)
    return format_path(loc) + (f" (line {line})" if line else "")


# --- the plan: every point validated ---------------------------------------------


@dataclass(frozen=True)
class Point:
    """One point of the sweep: its index, parameter values and resolved scenario data."""

    index: int
    params: dict[str, Any]
    data: dict[str, Any] = field(repr=False)


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
    scenario_file = (path.parent / spec.scenario).resolve()
    if not scenario_file.is_file():
        raise ScenarioError(
            [(_where(("scenario",), root), f"file not found: {scenario_file}")], source
        )
    base_raw, base_root = read_yaml(scenario_file)
    base_dir = scenario_file.parent
    resolved = scenario_from_data(base_raw, base_dir, str(scenario_file), base_root).to_data()

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
        base = scenario_from_data(resolved, base_dir).to_data()
    except ScenarioError as exc:
        raise ScenarioError(_blame(exc, _set_keys(spec, root), None), source) from None

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
    plan = SweepPlan(
        spec, path, scenario_file, base, parameters, plan_points, root, [p for _, p, _ in axes]
    )
    _check_costs(plan)
    return plan


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
                resolved = scenario_from_data(data, base_dir).to_data()
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
            resolved = scenario_from_data(data, base_dir).to_data()
        except ScenarioError as exc:
            label = f"point {index} ({', '.join(labels)})"
            for problem in _blame(exc, keys, label):
                if problem not in problems:
                    problems.append(problem)
            continue
        params = {p: _param_value(_value_at(resolved, parse_path(p))) for p in keys}
        out.append(Point(index, params, resolved))
    if problems:
        more = len(problems) - MAX_PROBLEMS
        shown = problems[:MAX_PROBLEMS]
        if more > 0:
            shown.append(("", f"... and {more} more problem(s)"))
        raise ScenarioError(shown, source)
    if not out:  # no grid and no sample: the base scenario, replicated
        out.append(Point(0, {}, base))
    return out


def _loc(key: str) -> tuple[str | int, ...]:
    return tuple(parse_path(key))


# --- the worker ----------------------------------------------------------------


def run_one(data: dict[str, Any], seed: int, base_dir: str, keep: str | None) -> dict[str, Any]:
    """Run one scenario (plain data) with ``seed``; return its scalar metrics, flat.

    The result holds every scalar metric of the run, ``violations.count_by_type.T``
    (the trials of each type's detection probability), ``status`` ("ok" or "error"),
    ``error`` (the exception, one line) and ``wall_s``. It never raises for a run that
    fails. ``keep``, if given, is a folder to write the run's results into (no plots).
    """
    from sim.engine import run

    started = time.perf_counter()
    try:
        scenario = scenario_from_data(data, Path(base_dir))
        result = run(scenario, seed=seed, coverage=True)
        out: dict[str, Any] = {k: v for k, v in result.metrics().items() if _is_scalar(v)}
        types = result.events["type"]
        for name in sorted(set(types.tolist())):
            out[f"violations.count_by_type.{name}"] = int(np.sum(types == name))
        if keep is not None:
            from sim.results import write_results

            write_results(result, keep)
        out["status"] = "ok"
        out["error"] = ""
    except Exception as exc:  # a failed run is recorded, never fatal
        text = str(exc).replace("\r", " ").replace("\n", " | ")
        out = {"status": "error", "error": f"{type(exc).__name__}: {text}"}
    out["wall_s"] = time.perf_counter() - started
    return out


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (bool, int, float, str, np.integer, np.floating, np.bool_))


def _ignore_sigint() -> None:
    """Let only the parent process handle Ctrl-C (pool workers run on until cancelled)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# --- durable records -------------------------------------------------------------


def _cell(value: Any) -> str:
    """One CSV cell: shortest round-trip floats, '' for NaN/None, true/false."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return "" if math.isnan(number) else repr(number)
    return str(value)


class RunLog:
    """runs.csv: appended and flushed per run, fsynced at least every second.

    Rows are kept in memory as the text of their cells, so rewriting the file (when a
    run brings a metric no earlier run had, or sorted at the end) changes nothing in
    the recorded values.
    """

    def __init__(self, path: Path, parameters: list[str]):
        self.path = path
        self.parameters = parameters
        self.rows: dict[tuple[int, int], dict[str, str]] = {}
        self.metric_keys: set[str] = set()
        self._handle: io.TextIOWrapper | None = None
        self._synced = time.monotonic()

    @property
    def header(self) -> list[str]:
        """The columns: point, replication, seed, parameters, metrics (sorted), status..."""
        return [*HEAD_COLUMNS, *self.parameters, *sorted(self.metric_keys), *TAIL_COLUMNS]

    def load(self, expected: Callable[[int, int], int | None]) -> int:
        """Read the rows already recorded; keep those ``expected`` gives the same seed.

        A truncated last line (the process was killed while writing it), malformed
        rows and rows of pairs no longer in the sweep are dropped, and the file is
        rewritten with the rows kept. Returns the number of rows kept.
        """
        if not self.path.exists():
            return 0
        text = self.path.read_text(encoding="utf-8")
        lines = text.split("\n")
        lines = lines[:-1]  # after the last newline: '' or a partial line
        if not lines:
            return 0
        header = next(csv.reader([lines[0]]))
        fixed = {*HEAD_COLUMNS, *self.parameters, *TAIL_COLUMNS}
        missing = [c for c in [*HEAD_COLUMNS, *TAIL_COLUMNS] if c not in header]
        if missing:
            raise SimError(f"{self.path} is not a sweep's runs.csv (no column {missing[0]})")
        keys = [c for c in header if c not in fixed]
        for line in lines[1:]:
            cells = next(csv.reader([line]), [])
            if len(cells) != len(header):
                continue
            row = dict(zip(header, cells, strict=True))
            try:
                point, rep, seed = int(row["point"]), int(row["replication"]), int(row["seed"])
            except ValueError:
                continue
            if row["status"] not in ("ok", "error") or expected(point, rep) != seed:
                continue
            for p in self.parameters:
                row.setdefault(p, "")
            self.rows[(point, rep)] = row
        if self.rows:
            self.metric_keys.update(keys)
        self._rewrite(sorted(self.rows))
        return len(self.rows)

    def append(self, key: tuple[int, int], row: dict[str, str]) -> None:
        """Record one run (durably: flushed now, fsynced within a second)."""
        self.rows[key] = row
        new = {c for c in row if c not in self.header}
        if new or self._handle is None:
            self.metric_keys.update(new)
            self._rewrite(list(self.rows))  # completion order, as appended so far
            return
        csv.writer(self._handle, lineterminator="\n").writerow(self._cells(row))
        self._handle.flush()
        if time.monotonic() - self._synced >= 1.0:
            os.fsync(self._handle.fileno())
            self._synced = time.monotonic()

    def finish(self) -> None:
        """Rewrite the file sorted by (point, replication), atomically, and close it."""
        self._rewrite(sorted(self.rows))
        self.close()

    def close(self) -> None:
        """Flush, fsync and close the file."""
        if self._handle is not None:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            self._handle = None

    def _cells(self, row: dict[str, str]) -> list[str]:
        return [row.get(c, "") for c in self.header]

    def _rewrite(self, order: list[tuple[int, int]]) -> None:
        self.close()
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(self.header)
            writer.writerows(self._cells(self.rows[k]) for k in order)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        self._handle = self.path.open("a", newline="", encoding="utf-8")
        self._synced = time.monotonic()


def _row(plan: SweepPlan, point: int, rep: int, record: dict[str, Any]) -> dict[str, str]:
    """The runs.csv row of one run's record."""
    row = {"point": str(point), "replication": str(rep), "seed": str(plan.seed(point, rep))}
    row.update({p: _cell(v) for p, v in plan.points[point].params.items()})
    for key, value in record.items():
        if key not in ("status", "error", "wall_s"):
            row[key] = _cell(value)
    row["status"] = str(record["status"])
    row["error"] = str(record.get("error", ""))
    row["wall_s"] = f"{float(record['wall_s']):.4f}"
    return row


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


def _trials_column(metric: str, columns: set[str]) -> str | None:
    """The column counting a proportion metric's trials, or None if not a proportion."""
    if f"{metric}.low95" not in columns:
        return None
    prefix = "detection.probability_by_type."
    if metric.startswith(prefix):
        column = "violations.count_by_type." + metric.removeprefix(prefix)
        return column if column in columns else None
    return "violations.count" if "violations.count" in columns else None


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
            low, high = mean - half, mean + half
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


def _check_names(plan: SweepPlan, columns: set[str], root: yaml.Node | None) -> None:
    """Check that the metrics named in the sweep file are metrics of a finished run."""
    spec = plan.spec
    options = sorted(columns - {*HEAD_COLUMNS, *plan.parameters, *TAIL_COLUMNS})
    named: list[tuple[tuple[Any, ...], str]] = [
        (("metrics", k), m) for k, m in enumerate(spec.metrics)
    ]
    target = spec.parsed_target
    if target is not None:
        named.append((("target",), target.metric))
    named += [(("cost", k, "metric"), c.metric) for k, c in enumerate(spec.cost) if c.metric]
    problems = [
        (_where(loc, root), f"the runs have no metric '{m}'{close_match(m, options)}")
        for loc, m in named
        if m not in columns
    ]
    if problems:
        raise ScenarioError(problems, str(plan.source))


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


# --- progress --------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """The state of a running sweep, passed to a ``progress`` callback after each run."""

    done: int
    total: int
    failed: int
    elapsed_s: float
    eta_s: float
    point: int
    replication: int
    status: str
    wall_s: float


class _Display:
    """The default display: a tqdm bar (runs done, failures, ETA), or a log line per run."""

    def __init__(self, quiet: bool, total: int, done: int):
        self.quiet = quiet or not sys.stderr.isatty()  # logs get a line per run, not a bar
        self.bar = None
        if not self.quiet:
            self.bar = tqdm(
                total=total,
                initial=done,
                unit="run",
                file=sys.stderr,
                dynamic_ncols=True,
                mininterval=1.0,
            )
            self.bar.set_postfix(failed=0)

    def __call__(self, info: Progress) -> None:
        if self.bar is not None:
            self.bar.update(info.done - self.bar.n)
            self.bar.set_postfix(failed=info.failed, refresh=False)
            return
        note = "ok" if info.status == "ok" else "FAILED"
        print(
            f"run {info.done}/{info.total}: point {info.point} replication "
            f"{info.replication} {note} in {info.wall_s:.2f} s",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        """End the bar (leaving its last state on screen)."""
        if self.bar is not None:
            self.bar.close()


# --- executors -------------------------------------------------------------------


def _executor_label(workers: int, scheduler: str | None) -> str:
    if scheduler is None:
        return "inline" if workers == 1 else "processes"
    return "dask-local" if scheduler == "local" else f"dask:{scheduler}"


@contextmanager
def _executor(workers: int, scheduler: str | None) -> Iterator[cf.Executor | None]:
    """Yield the executor (None: run inline)."""
    if scheduler is None:
        if workers == 1:
            yield None
            return
        pool = cf.ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise SimError(
            "--scheduler needs dask.distributed: pip install 'ceasefire-sim[dask]'"
        ) from None
    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise SimError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --- running ---------------------------------------------------------------------


@dataclass
class SweepOutcome:
    """What a sweep did: where its folder is, counts, and the summary rows."""

    out: Path
    runs: int
    ok: int
    failed: int
    resumed: int
    wall_seconds: float
    executor: str
    workers: int
    parameters: list[str]
    summary: list[dict[str, Any]] = field(repr=False)
    cheapest: list[int]

    @property
    def exit_status(self) -> int:
        """0 if every run succeeded, 1 if any failed."""
        return 1 if self.failed else 0


def _prepare_folder(out: Path, plan: SweepPlan, fresh: bool) -> None:
    manifest_path = out / MANIFEST
    old: dict[str, Any] | None = None
    if manifest_path.is_file():
        try:
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            old = None
    is_sweep = isinstance(old, dict) and old.get("kind") == "sweep"
    if out.exists() and any(out.iterdir()) and not is_sweep:
        raise SimError(
            f"refusing to write into {out}: it exists and is not a sweep folder "
            f"(no {MANIFEST} of kind 'sweep'); choose another out folder"
        )
    if is_sweep and fresh:
        shutil.rmtree(out)
    elif is_sweep and old is not None and old.get("fingerprint") != plan.fingerprint:
        raise SimError(
            f"{out} holds runs of a different sweep (its scenario, set, grid or sample, "
            f"or seed changed since); run with --fresh to start over, or choose another "
            f"out folder"
        )
    out.mkdir(parents=True, exist_ok=True)


def _manifest(
    plan: SweepPlan,
    status: str,
    started: dt.datetime,
    wall: float,
    executor: str,
    workers: int,
    counts: dict[str, int],
    kinds: dict[str, str],
    cheapest: list[int],
) -> dict[str, Any]:
    from sim.results import package_versions

    spec = plan.spec
    target = spec.parsed_target
    return {
        "kind": "sweep",
        "name": spec.name,
        "status": status,
        "version": package_versions()["ceasefire-sim"],
        "sweep_file": str(plan.source.resolve()),
        "scenario_file": str(plan.scenario_file),
        "seed": spec.seed,
        "replications": spec.replications,
        "points": len(plan.points),
        "parameters": plan.parameters,
        "axes": plan.axes,
        "metrics": spec.summarised,
        "intervals": kinds,
        "target": None
        if target is None
        else {"metric": target.metric, "op": target.op, "value": target.value},
        "cheapest": cheapest,
        "fingerprint": plan.fingerprint,
        "executor": executor,
        "workers": workers,
        "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "finished_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "wall_seconds": round(wall, 3),
        **counts,
    }


def _write_resolved(out: Path, plan: SweepPlan) -> None:
    data = plan.spec.model_dump(mode="json", by_alias=True)
    data["scenario"] = str(plan.scenario_file)
    with (out / RESOLVED).open("w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, sort_keys=False, allow_unicode=True)
    with (out / BASE_RESOLVED).open("w", encoding="utf-8") as handle:
        yaml.safe_dump(plan.base, handle, sort_keys=False, allow_unicode=True)


def write_summary(path: Path, plan: SweepPlan, summary: list[dict[str, Any]]) -> None:
    """Write summary.csv atomically."""
    columns = list(summary[0]) if summary else ["point", *plan.parameters, "n", "failed"]
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(s.get(c)) for c in columns] for s in summary)
    os.replace(tmp, path)


def run_sweep(
    sweep_path: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    quiet: bool = False,
    progress: Callable[[Progress], None] | None = None,
    out: str | Path | None = None,
) -> SweepOutcome:
    """Run (or resume) the sweep in ``sweep_path`` into ``out``; return what it did.

    Parameters
    ----------
    sweep_path
        The sweep YAML file.
    workers
        Parallel runs: default one per core; 1 runs inline (no pool). With
        ``scheduler="local"``, the LocalCluster's workers; ignored for a remote scheduler.
    scheduler
        None: a local process pool; ``"local"``: a dask.distributed LocalCluster;
        ``"tcp://host:8786"``: an existing Dask scheduler (its workers need ceasefire-sim).
    fresh
        Start over, discarding the runs recorded in ``out``.
    quiet
        Log one line per run on stderr instead of the progress line.
    progress
        Called with a ``Progress`` after each run instead of the default display.
    out
        The sweep folder (default ``results/sweeps/<name>``).
    """
    started = dt.datetime.now(dt.timezone.utc)
    clock = time.perf_counter()
    plan = load_sweep(sweep_path)
    root = plan.root
    if workers is not None and workers < 1:
        raise ScenarioError([("--workers", f"expected an integer >= 1; got {workers}")])
    n_workers = workers or os.cpu_count() or 1
    folder = Path(out) if out is not None else Path("results") / "sweeps" / plan.spec.name
    _prepare_folder(folder, plan, fresh)
    _write_resolved(folder, plan)

    tasks = plan.tasks()
    expected = {t: plan.seed(*t) for t in tasks}
    log = RunLog(folder / RUNS, plan.parameters)
    resumed = log.load(lambda p, r: expected.get((p, r)))
    pending = [t for t in tasks if t not in log.rows]
    checked = False
    if any(r["status"] == "ok" for r in log.rows.values()):
        _check_names(plan, set(log.header), root)
        checked = True

    counts = {"runs": len(tasks), "runs_ok": 0, "runs_failed": 0, "runs_resumed": resumed}
    label = _executor_label(n_workers, scheduler)

    def save_manifest(status: str, kinds: dict[str, str], cheapest: list[int]) -> None:
        from sim.results import write_json

        counts["runs_ok"] = sum(r["status"] == "ok" for r in log.rows.values())
        counts["runs_failed"] = len(log.rows) - counts["runs_ok"]
        wall = time.perf_counter() - clock
        data = _manifest(plan, status, started, wall, label, n_workers, counts, kinds, cheapest)
        write_json(folder / MANIFEST, data)

    save_manifest("running", {}, [])
    display = progress or _Display(quiet, len(tasks), len(log.rows))
    session_start = time.perf_counter()
    session_done = 0
    failed = sum(r["status"] != "ok" for r in log.rows.values())

    def record(task: tuple[int, int], result: dict[str, Any]) -> None:
        nonlocal session_done, failed, checked
        row = _row(plan, task[0], task[1], result)
        log.append(task, row)
        session_done += 1
        failed += row["status"] != "ok"
        if not checked and row["status"] == "ok":
            _check_names(plan, set(row), root)
            checked = True
        elapsed = time.perf_counter() - session_start
        left = len(tasks) - len(log.rows)
        display(
            Progress(
                done=len(log.rows),
                total=len(tasks),
                failed=failed,
                elapsed_s=elapsed,
                eta_s=elapsed / session_done * left,
                point=task[0],
                replication=task[1],
                status=row["status"],
                wall_s=float(result["wall_s"]),
            )
        )

    base_dir = str(plan.scenario_file.parent)

    def keep_dir(task: tuple[int, int]) -> str | None:
        if not plan.spec.keep_runs:
            return None
        return str((folder / "runs" / f"p{task[0]:04d}-r{task[1]:03d}").resolve())

    try:
        if pending:
            with _executor(n_workers, scheduler) as executor:
                if executor is None:
                    for task in pending:
                        data = plan.points[task[0]].data
                        record(task, run_one(data, expected[task], base_dir, keep_dir(task)))
                else:
                    _run_pool(
                        executor, plan, pending, expected, base_dir, keep_dir, record, display
                    )
    except BaseException:
        log.close()
        save_manifest("incomplete", {}, [])
        raise
    finally:
        if isinstance(display, _Display):
            display.close()
    log.finish()
    rows = [log.rows[t] for t in sorted(log.rows)]
    summary = summarise(plan, rows)
    write_summary(folder / SUMMARY, plan, summary)
    kinds = interval_kinds(plan.spec.summarised, set(log.header))
    cheapest = [int(s["point"]) for s in summary if s.get("cheapest")]
    save_manifest("complete", kinds, cheapest)
    return SweepOutcome(
        out=folder,
        runs=len(tasks),
        ok=counts["runs_ok"],
        failed=counts["runs_failed"],
        resumed=resumed,
        wall_seconds=time.perf_counter() - clock,
        executor=label,
        workers=n_workers,
        parameters=plan.parameters,
        summary=summary,
        cheapest=cheapest,
    )


def _run_pool(
    executor: cf.Executor,
    plan: SweepPlan,
    pending: list[tuple[int, int]],
    expected: dict[tuple[int, int], int],
    base_dir: str,
    keep_dir: Callable[[tuple[int, int]], str | None],
    record: Callable[[tuple[int, int], dict[str, Any]], None],
    display: Callable[[Progress], None],
) -> None:
    """Submit every pending run; record each as it finishes; cancel the rest on error."""
    futures = {
        executor.submit(run_one, plan.points[t[0]].data, expected[t], base_dir, keep_dir(t)): t
        for t in pending
    }
    waiting = set(futures)
    try:
        while waiting:
            done, waiting = cf.wait(waiting, timeout=1.0, return_when=cf.FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: futures[f]):
                try:
                    result = future.result()
                except Exception as exc:  # the executor broke (a worker died), not the run
                    raise ExecutionError(
                        f"the executor failed ({type(exc).__name__}: {exc}); the runs "
                        f"recorded so far are kept: run the sweep again to continue"
                    ) from exc
                record(futures[future], result)
    finally:
        for future in waiting:
            future.cancel()


# --- reading a sweep folder ------------------------------------------------------


@dataclass(frozen=True)
class SweepFolder:
    """A finished sweep folder, read back for plots and reports.

    ``runs`` and ``summary`` are ``sim.tables.Table`` objects (numbers as floats,
    true/false as bools); ``parameters``, ``metrics`` and ``intervals`` come from the
    manifest.
    """

    path: Path
    manifest: dict[str, Any]
    runs: Table
    summary: Table

    @property
    def parameters(self) -> list[str]:
        """The swept scenario paths (columns of runs.csv and summary.csv)."""
        return list(self.manifest["parameters"])

    @property
    def metrics(self) -> list[str]:
        """The summarised metrics (each M has M.estimate, M.low95, ... in summary.csv)."""
        return list(self.manifest["metrics"])

    @property
    def target(self) -> Target | None:
        """The sweep's target, if any."""
        t = self.manifest.get("target")
        return Target(t["metric"], t["op"], float(t["value"])) if t else None


def is_sweep_folder(path: str | Path) -> bool:
    """True if ``path`` holds a sweep's manifest and summary."""
    path = Path(path)
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return False
    return (
        isinstance(manifest, dict)
        and manifest.get("kind") == "sweep"
        and (path / SUMMARY).is_file()
    )


def read_sweep(path: str | Path) -> SweepFolder:
    """Read a sweep folder (manifest, runs.csv, summary.csv)."""
    from sim.results import read_table

    path = Path(path)
    if not is_sweep_folder(path):
        raise SimError(f"{path} is not a finished sweep folder (no sweep {MANIFEST} or {SUMMARY})")
    manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    return SweepFolder(path, manifest, read_table(path / RUNS), read_table(path / SUMMARY))


__all__ = [
    "DEFAULT_METRICS",
    "Progress",
    "SweepFolder",
    "SweepOutcome",
    "SweepPlan",
    "SweepSpec",
    "Target",
    "is_sweep_folder",
    "load_sweep",
    "parse_target",
    "read_sweep",
    "run_one",
    "run_seed",
    "run_sweep",
    "summarise",
]
