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
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.schema import (
    COVERAGE_COLUMNS,
    COVERAGE_TIME_COLUMNS,
    DETECTION_COLUMNS,
    EVENT_COLUMNS,
    MANIFEST,
)
from sim.store.files import write_csv, write_json
from sim.store.geojson import documents as geojson_documents
from sim.store.geojson import write as write_geojson
from sim.store.outdir import RUN, check_out, publish, temporary


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


def write_results(
    result,
    out: str | Path,
    started_at: dt.datetime | None = None,
    command: list[str] | None = None,
    finish: Callable[[Path], object] | None = None,
) -> Path:
    """Write ``result`` into the folder ``out`` (replacing an older results folder).

    The data (scenario.resolved.yaml, manifest, metrics, tables, GeoJSON) is written
    into a locked temporary folder beside ``out`` (``.<name>.tmp-<pid>``) and published
    atomically. ``finish(out)``, if given, then runs on the published folder (the CLI
    draws the plots and the report there), so a failing figure never costs the data.
    Raises ``SimError`` if ``out`` is something other than a results folder to replace
    (see ``sim.store.outdir.check_out``).
    """
    out = Path(out)
    check_out(out, RUN)
    with temporary(out) as tmp:
        resolved = result.scenario.resolved_data(result.violations.type_names)
        resolved["seed"] = result.seed
        source = result.scenario.violations.file
        if source:
            shutil.copyfile(source, tmp / "violations.input.csv")
            resolved["violations"]["file"] = "violations.input.csv"
        with (tmp / "scenario.resolved.yaml").open("w", encoding="utf-8") as handle:
            yaml.safe_dump(resolved, handle, sort_keys=False, allow_unicode=True)
        write_json(tmp / "metrics.json", result.metrics())
        write_csv(tmp / "events.csv", result.events, EVENT_COLUMNS)
        write_csv(tmp / "detections.csv", result.detections, DETECTION_COLUMNS)
        if result.coverage is not None:
            write_csv(tmp / "coverage.csv", result.coverage.cells, COVERAGE_COLUMNS)
            write_csv(tmp / "coverage_time.csv", result.coverage.time, COVERAGE_TIME_COLUMNS)
            np.savez_compressed(tmp / "coverage_spacetime.npz", **result.coverage.spacetime)
        write_geojson(tmp, geojson_documents(result, result.coverage))
        write_json(
            tmp / MANIFEST,
            manifest(result, started_at or dt.datetime.now(dt.timezone.utc), command),
        )
        publish(tmp, out)
    if finish is not None:
        finish(out)
    return out
