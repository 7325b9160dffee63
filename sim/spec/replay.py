"""Replay CSV files: their header checked, their rows parsed and checked, before a run.

A replay file (``violations.file``) is UTF-8, with or without a byte-order mark,
one violation a row: ``id``, ``t_start_s``, ``duration_s`` (s) and a position,
``x_m, y_m`` (m, in the line's CRS) or ``lon, lat`` (degrees); ``type`` optional.
Validation parses every row here (``sim.spec.checks``) and the build parses them
again into its violations (``sim.world.violations``): one parser, one set of rules.
"""

from __future__ import annotations

import csv
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.core.errors import close_match
from sim.core.geo import Line
from sim.spec.scenario import Scenario

VIOLATION_REQUIRED = ("id", "t_start_s", "duration_s")


def header_problems(path: Path, header: list[str]) -> list[str]:
    """Problems of a replay CSV's header (names stripped): empty, repeated or missing columns."""
    if not header:
        return [f"{path.name} is empty; expected a header row"]
    problems = []
    for k, name in enumerate(header):
        if not name:
            problems.append(f"{path.name} line 1, column {k + 1}: the column name is empty")
        elif name in header[:k]:
            problems.append(f"{path.name} line 1, column {k + 1}: column '{name}' is repeated")
    missing = [c for c in VIOLATION_REQUIRED if c not in header]
    if not ({"x_m", "y_m"} <= set(header) or {"lon", "lat"} <= set(header)):
        missing.append("x_m, y_m (or lon, lat)")
    if missing:
        problems.append(
            f"{path.name} is missing column(s) {', '.join(missing)}; it has {', '.join(header)}"
        )
    return problems


def check_violations_csv(path: Path) -> None:
    """Check that a violations CSV exists and has the columns the replay needs.

    Only the header is read. Raise ``ValueError`` (one line per problem) if the
    file is not usable.
    """
    header, _ = read_rows(path, limit=0)
    problems = header_problems(path, header)
    if problems:
        raise ValueError("\n".join(problems))


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


def read_rows(
    path: Path, limit: int | None = None
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Read a CSV (UTF-8, with or without a byte-order mark; spaces after commas ignored).

    Return the header (names stripped) and the data rows (at most ``limit`` lines
    after the header, blank rows left out) with their line numbers. Raise
    ``ValueError`` naming the file if it cannot be read.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, skipinitialspace=True)
            header = next(reader, None)
            lines = itertools.islice(reader, limit)
            rows = [(reader.line_num, row) for row in lines if any(c.strip() for c in row)]
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
    declared = not spec.types_from_file
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


def type_names(scenario: Scenario) -> list[str]:
    """The violation types a run of ``scenario`` knows, in the order its results list them.

    The declared ``violations.types``; for a replay that declares none, the types its
    file names (the file is read, nothing is run). The scenario has been validated.
    """
    if not scenario.violations.types_from_file:
        return list(scenario.violations.types)
    from sim.spec.geometry import scenario_line

    rows, problems = parse_replay(scenario, scenario_line(scenario))
    if rows is None:
        raise ValueError(f"violations.file: {'; '.join(problems)}")
    return list(rows.type_names)
