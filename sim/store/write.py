"""The results folder: write it atomically, read it back.

    <out>/scenario.resolved.yaml  every default filled in; runs again as is
    <out>/manifest.json           version, seed, wall-clock times, platform
    <out>/metrics.json            flat dotted keys (null where undefined)
    <out>/events.csv              one row per violation
    <out>/detections.csv          one row per (violation, asset) first detection

The folder is written under a temporary name beside its destination and renamed
at the end, so a crash leaves no half-written results.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import platform
import shutil
import sys
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import yaml

from sim.core.errors import SimError, plural
from sim.core.tables import Table
from sim.schema import (
    COVERAGE_COLUMNS,
    COVERAGE_TIME_COLUMNS,
    DETECTION_COLUMNS,
    EVENT_COLUMNS,
    MANIFEST,
)
from sim.store.geojson import documents as geojson_documents
from sim.store.geojson import write as write_geojson
from sim.store.outdir import RUN, check_out, publish, temporary

if TYPE_CHECKING:
    from sim.engine.model import RunResult
    from sim.measure.coverage import Coverage


def _cells(values: np.ndarray) -> list[str]:
    """Format a column for CSV: shortest round-trip floats, '' for NaN, true/false."""
    if values.dtype == bool:
        return ["true" if v else "false" for v in values.tolist()]
    if values.dtype.kind == "f":
        return ["" if math.isnan(v) else repr(v) for v in values.tolist()]
    return [str(v) for v in values.tolist()]


def write_csv(path: Path, table: Table, columns: tuple[str, ...]) -> None:
    """Write ``columns`` of ``table`` to ``path``."""
    cells = [_cells(np.asarray(table[c])) for c in columns]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(zip(*cells, strict=True))


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as stable, indented JSON (NaN and inf become null)."""
    text = json.dumps(_json_safe(data), indent=2, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def package_versions() -> dict[str, str]:
    """Installed versions of ceasefire-sim and the packages its results depend on."""
    out = {}
    for package in ("ceasefire-sim", "simpy", "numpy", "shapely", "pyproj", "pydantic", "pyyaml"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "unknown"
    return out


def manifest(result, started_at: dt.datetime, command: list[str] | None = None) -> dict[str, Any]:
    """The run's provenance: version, seed, wall-clock times, platform."""
    finished = dt.datetime.now(dt.timezone.utc)
    return {
        "name": result.scenario.name,
        "seed": result.seed,
        "version": package_versions()["ceasefire-sim"],
        "started_at": started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "finished_at": finished.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "wall_seconds": round(result.wall_seconds, 3),
        "line_length_m": result.line.length,
        "crs": result.line.crs or "local",
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "packages": package_versions(),
        "command": command or [],
    }


class MeasuredRun(Protocol):
    """What a results folder is written from: a run and its measures (``sim.pipeline.Run``)."""

    @property
    def result(self) -> RunResult:
        """The engine's tables and plan pieces."""

    @property
    def coverage(self) -> Coverage | None:
        """The coverage figures (None: not computed, no coverage files)."""

    @property
    def wall_seconds(self) -> float:
        """Seconds the run took (simulation and measures)."""

    def metrics(self) -> dict[str, Any]:
        """The figures of metrics.json."""


def write_results(
    run: MeasuredRun,
    out: str | Path,
    started_at: dt.datetime | None = None,
    command: list[str] | None = None,
) -> Path:
    """Write ``run`` into the folder ``out`` (replacing an older results folder).

    The data (scenario.resolved.yaml, manifest, metrics, tables, GeoJSON) is written
    into a locked temporary folder beside ``out`` (``.<name>.tmp-<pid>``) and published
    atomically; figures are drawn after it, from the folder, so a failing figure never
    costs the data. Raises ``SimError`` if ``out`` is something other than a results
    folder to replace (see ``sim.store.outdir.check_out``).
    """
    out = Path(out)
    check_out(out, RUN)
    with temporary(out) as tmp:
        resolved = run.result.scenario.to_data()
        resolved["seed"] = run.result.seed
        source = run.result.scenario.violations.file
        if source:
            shutil.copyfile(source, tmp / "violations.input.csv")
            resolved["violations"]["file"] = "violations.input.csv"
            types = resolved["violations"]["types"]
            for name in run.result.violations.type_names:  # types the replay added
                types.setdefault(name, {"weight": 1.0, "signature": {}})
        with (tmp / "scenario.resolved.yaml").open("w", encoding="utf-8") as handle:
            yaml.safe_dump(resolved, handle, sort_keys=False, allow_unicode=True)
        write_json(tmp / "metrics.json", run.metrics())
        write_csv(tmp / "events.csv", run.result.events, EVENT_COLUMNS)
        write_csv(tmp / "detections.csv", run.result.detections, DETECTION_COLUMNS)
        coverage = run.coverage
        if coverage is not None:
            write_csv(tmp / "coverage.csv", coverage.cells, COVERAGE_COLUMNS)
            write_csv(tmp / "coverage_time.csv", coverage.time, COVERAGE_TIME_COLUMNS)
            arrays: dict[str, Any] = coverage.spacetime  # numpy's stub types ** as its flags
            np.savez_compressed(tmp / "coverage_spacetime.npz", **arrays)
        write_geojson(tmp, geojson_documents(run.result, coverage))
        write_json(
            tmp / MANIFEST,
            manifest(run, started_at or dt.datetime.now(dt.timezone.utc), command),
        )
        publish(tmp, out)
    return out


def is_results_folder(path: str | Path) -> bool:
    """True if ``path`` looks like a results folder (it has a manifest and metrics)."""
    path = Path(path)
    return (path / MANIFEST).is_file() and (path / "metrics.json").is_file()


def read_json(path: str | Path) -> Any:
    """Read a JSON file of a results folder; ``SimError`` naming it if it is unreadable."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SimError(f"{path} is missing") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SimError(f"{path} is not valid JSON (damaged or truncated?): {exc}") from None
    except OSError as exc:
        raise SimError(f"cannot read {path}: {exc.strerror}") from None


def read_metrics(path: str | Path) -> dict[str, Any]:
    """Read ``metrics.json`` of a results folder."""
    data = read_json(Path(path) / "metrics.json")
    if not isinstance(data, dict):
        raise SimError(f"{Path(path) / 'metrics.json'} is not a JSON object of metrics")
    return data


def read_table(path: str | Path) -> Table:
    """Read a results CSV into a Table (numbers as floats, true/false as bools).

    Raises ``SimError`` naming the file if it is missing, empty, or has a row whose
    number of cells differs from the header's (a truncated or damaged file).
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            rows = list(reader)
    except FileNotFoundError:
        raise SimError(f"{path} is missing") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SimError(f"{path} is not a readable CSV file (damaged?): {exc}") from None
    if not header:
        raise SimError(f"{path} is empty (damaged or truncated?); run again to rewrite it")
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise SimError(
                f"{path}, line {number}: {plural(len(row), 'cell')} for "
                f"{plural(len(header), 'column')} (damaged or truncated?); run again to rewrite it"
            )
    columns: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        raw = [row[j] for row in rows]
        columns[name] = _parse_column(raw)
    return Table(columns)


def _parse_column(raw: list[str]) -> np.ndarray:
    """Numbers as floats (empty: NaN), true/false as bools, anything else as strings."""
    text = np.array(raw, dtype=str)
    present = text[text != ""]
    if len(present) and np.all((present == "true") | (present == "false")):
        return text == "true"
    try:
        return np.where(text == "", "nan", text).astype(float)
    except ValueError:
        return np.array(raw, dtype=object)
