"""The results folder of a run: written into a temporary folder, published atomically.

    <out>/scenario.resolved.yaml  every default filled in; runs again as is
    <out>/manifest.json           version, seed, wall-clock times, platform
    <out>/metrics.json            flat dotted keys (null where undefined)
    <out>/events.csv              one row per violation
    <out>/detections.csv          one row per (violation, asset) first detection

The folder is written under a temporary name beside its destination and renamed
at the end, so a crash leaves no half-written results.
"""

from __future__ import annotations

import datetime as dt
import platform
import shutil
import sys
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import yaml

from sim.schema import (
    CLOUD_COLUMNS,
    CLOUDS,
    COVERAGE,
    COVERAGE_COLUMNS,
    COVERAGE_SPACETIME,
    COVERAGE_TIME,
    COVERAGE_TIME_COLUMNS,
    DETECTION_COLUMNS,
    DETECTIONS,
    EVENT_COLUMNS,
    EVENT_PLACE_COLUMNS,
    EVENTS,
    GROUND_TRACK_COLUMNS,
    GROUND_TRACKS,
    MANIFEST,
    METRICS,
    RESOLVED,
    SATELLITE_IMAGES,
    SATELLITE_REVISIT,
    VIOLATIONS_INPUT,
)
from sim.store.files import write_csv, write_json
from sim.store.geojson import documents as geojson_documents
from sim.store.geojson import write as write_geojson
from sim.store.outdir import RUN, check_out, publish, temporary
from sim.world.clouds import cloud_table

if TYPE_CHECKING:
    from sim.engine.model import RunResult
    from sim.measure.coverage import Coverage


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
        result = run.result
        resolved = result.scenario.resolved_data(result.violations.type_names)
        resolved["seed"] = result.seed
        source = result.scenario.violations.file
        if source:
            shutil.copyfile(source, tmp / VIOLATIONS_INPUT)
            resolved["violations"]["file"] = VIOLATIONS_INPUT
        with (tmp / RESOLVED).open("w", encoding="utf-8") as handle:
            yaml.safe_dump(resolved, handle, sort_keys=False, allow_unicode=True)
        write_json(tmp / METRICS, run.metrics())
        places = tuple(c for c in EVENT_PLACE_COLUMNS if c in result.events.columns)
        write_csv(tmp / EVENTS, result.events, EVENT_COLUMNS + places)
        write_csv(tmp / DETECTIONS, result.detections, DETECTION_COLUMNS)
        coverage = run.coverage
        if coverage is not None:
            orbit_columns = (SATELLITE_IMAGES, SATELLITE_REVISIT)
            extra = orbit_columns if SATELLITE_IMAGES in coverage.cells.columns else ()
            write_csv(tmp / COVERAGE, coverage.cells, COVERAGE_COLUMNS + extra)
            write_csv(tmp / COVERAGE_TIME, coverage.time, COVERAGE_TIME_COLUMNS)
            arrays: dict[str, Any] = coverage.spacetime  # numpy's stub types ** as its flags
            np.savez_compressed(tmp / COVERAGE_SPACETIME, **arrays)
        if result.sky is not None and result.sky.history is not None:
            write_csv(tmp / CLOUDS, cloud_table(result.sky.history), CLOUD_COLUMNS)
        if result.ground_tracks is not None:
            write_csv(tmp / GROUND_TRACKS, result.ground_tracks, GROUND_TRACK_COLUMNS)
        write_geojson(tmp, geojson_documents(result, coverage))
        write_json(
            tmp / MANIFEST,
            manifest(run, started_at or dt.datetime.now(dt.timezone.utc), command),
        )
        publish(tmp, out)
    return out
