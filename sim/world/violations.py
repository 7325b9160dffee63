"""Violation events: generated as a Poisson process, or replayed from a CSV."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.core.errors import ScenarioError, close_match
from sim.core.geo import Line
from sim.spec.scenario import AlongSpec, Scenario, header_problems


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


@dataclass
class ReplayRows:
    """The parsed rows of a replay CSV: positions in the line's metres, in file order.

    ``lines`` holds each row's line number in the file (the header is line 1).
    """

    name: str
    ids: list[str]
    t_start: np.ndarray
    duration: np.ndarray
    x: np.ndarray
    y: np.ndarray
    type_index: np.ndarray
    type_names: list[str]
    lines: np.ndarray


MAX_ROW_PROBLEMS = 10


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Read a CSV (UTF-8, with or without a byte-order mark; spaces after commas ignored).

    Return the header (names stripped) and the data rows with their line numbers.
    Raise ``ValueError`` naming the file if it cannot be read.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, skipinitialspace=True)
            header = next(reader, None)
            rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except FileNotFoundError:
        raise ValueError(f"file not found: {path}") from None
    except (IsADirectoryError, UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    return [c.strip() for c in header or []], rows


def parse_replay(scenario: Scenario, line: Line) -> tuple[ReplayRows | None, list[str]]:
    """Parse the scenario's replay CSV; return its rows, or None and the problems found."""
    spec = scenario.violations
    assert spec.file is not None
    path = Path(spec.file)
    try:
        header, rows = read_rows(path)
    except ValueError as exc:
        return None, [str(exc)]
    if not rows:
        return None, [f"{path.name} has no rows"]
    problems = header_problems(path, header)
    if problems:
        return None, problems
    col = {name: k for k, name in enumerate(header)}
    use_lonlat = "x_m" not in col
    if use_lonlat and not line.is_geographic:
        return None, ["lon/lat columns need a line with crs lonlat"]
    names = list(spec.types)
    declared = "types" in spec.model_fields_set
    ids: list[str] = []
    lines, starts, durations, a, b, types = [], [], [], [], [], []
    columns = ("lon", "lat") if use_lonlat else ("x_m", "y_m")
    seen: dict[str, int] = {}

    def cell(row: list[str], name: str) -> str:
        k = col.get(name)
        return row[k].strip() if k is not None and k < len(row) else ""

    for number, row in rows:
        if len(problems) >= MAX_ROW_PROBLEMS:
            problems.append(f"{path.name}: ... (stopped after {MAX_ROW_PROBLEMS} problems)")
            break
        ident = cell(row, "id")
        if not ident:
            problems.append(f"{path.name} line {number}, column id: the id is empty")
            continue
        if ident in seen:
            problems.append(
                f"{path.name} line {number}, column id: id '{ident}' is repeated "
                f"(first on line {seen[ident]}); ids must be unique"
            )
            continue
        seen[ident] = number
        values = []
        for name in ("t_start_s", "duration_s", *columns):
            try:
                values.append(float(cell(row, name)))
            except ValueError:
                problems.append(
                    f"{path.name} line {number}, column {name}: expected a number; "
                    f"got {cell(row, name)!r}"
                )
                break
        if len(values) < 4:
            continue
        if not all(math.isfinite(v) for v in values):
            problems.append(f"{path.name} line {number}: values must be finite")
            continue
        t0, dur, u, v = values
        if dur <= 0 or t0 < 0 or t0 >= scenario.duration:
            problems.append(
                f"{path.name} line {number}: expected duration_s > 0 and "
                f"0 <= t_start_s < {scenario.duration:g} (the scenario duration); "
                f"got t_start_s={t0:g}, duration_s={dur:g}"
            )
            continue
        if use_lonlat and not (-180.0 <= u <= 180.0 and -90.0 <= v <= 90.0):
            problems.append(
                f"{path.name} line {number}: lon {u:g}, lat {v:g} is outside "
                "lon [-180, 180] x lat [-90, 90] (are lon and lat swapped?)"
            )
            continue
        kind = cell(row, "type") or names[0]
        if kind not in names:
            if declared:
                problems.append(
                    f"{path.name} line {number}, column type: unknown type '{kind}'"
                    f"{close_match(kind, names)}; violations.types has {', '.join(names)}"
                )
                continue
            names.append(kind)
        ids.append(ident)
        lines.append(number)
        starts.append(t0)
        durations.append(dur)
        a.append(u)
        b.append(v)
        types.append(names.index(kind))
    if problems:
        return None, problems
    a_arr, b_arr = np.array(a, dtype=float), np.array(b, dtype=float)
    x, y = line.from_lonlat(a_arr, b_arr) if use_lonlat else (a_arr, b_arr)
    return ReplayRows(
        path.name,
        ids,
        np.array(starts, dtype=float),
        np.array(durations, dtype=float),
        np.asarray(x, dtype=float),
        np.asarray(y, dtype=float),
        np.array(types, dtype=np.int64),
        names,
        np.array(lines, dtype=np.int64),
    ), []


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
