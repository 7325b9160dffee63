"""The sweep file: its pydantic models, targets and the constants of a sweep folder."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.core.errors import close_match
from sim.spec.field_types import FieldProblem, FileName
from sim.spec.problems import clean_loc, line_of
from sim.spec.scenario import format_path

DEFAULT_METRICS = (
    "detection.probability",
    "verified.probability",
    "latency.median_s",
    "latency.p90_s",
    "report_latency.median_s",
    "coverage.time_fraction",
)
HEAD_COLUMNS = ("point", "replication", "seed")
TAIL_COLUMNS = ("status", "error", "wall_s")
STAT_SUFFIXES = ("estimate", "mean", "std", "n", "low95", "high95")
MAX_PROBLEMS = 20
MAX_RUNS = 100_000  # points x replications, unless limits.unbounded
# The hard tier, which limits.unbounded does not lift: each point is validated and kept
# in memory before any run (~10 kB, ~10 ms each), and each run takes a second or more.
HARD_MAX_POINTS = 1_000_000
HARD_MAX_RUNS = 100_000_000
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


class SweepLimitsSpec(SweepSpecBase):
    """Resource bounds of a sweep."""

    unbounded: bool = Field(
        False,
        description=f"Allow more than {MAX_RUNS:,} runs (points x replications), up to "
        f"{HARD_MAX_RUNS:,} runs of at most {HARD_MAX_POINTS:,} points.",
    )


class SweepSpec(SweepSpecBase):
    """A whole sweep file."""

    name: FileName
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
    limits: SweepLimitsSpec = SweepLimitsSpec()

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
    "limits": SweepLimitsSpec,
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
