"""Read a results folder back: the only way plots, reports and compare see a run.

Everything is loaded lazily and cached, so a plot that needs only events.csv
reads only that file.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from sim.core.errors import SimError
from sim.core.tables import Table
from sim.schema import (
    COVERAGE,
    COVERAGE_SPACETIME,
    COVERAGE_TIME,
    DETECTIONS,
    EVENTS,
    MANIFEST,
    METRICS,
    RESOLVED,
)
from sim.store.files import read_json, read_table

if TYPE_CHECKING:
    from sim.spec.scenario import Scenario

# the tables a folder may hold: ResultsFolder attribute -> file name
TABLES = {
    "events": EVENTS,
    "detections": DETECTIONS,
    "coverage": COVERAGE,
    "coverage_time": COVERAGE_TIME,
}


class ResultsFolder:
    """A results folder on disk (see docs/results.md for its files).

    Raises ``SimError`` if ``path`` is not a results folder.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._geojson: dict[str, dict[str, Any]] = {}
        if not (self.path / MANIFEST).is_file() or not (self.path / METRICS).is_file():
            raise SimError(
                f"{self.path} is neither a results folder (it has no {MANIFEST} and "
                f"{METRICS}) nor a sweep folder; give a folder written by "
                "`ceasefire-sim run` or `ceasefire-sim sweep`"
            )

    def __repr__(self) -> str:
        return f"ResultsFolder({str(self.path)!r})"

    @property
    def name(self) -> str:
        """The scenario's name."""
        return str(self.manifest.get("name", self.path.name))

    def _json(self, name: str) -> Any:
        return read_json(self.path / name)

    def check(self) -> None:
        """Read every file plots and reports use; ``SimError`` naming the first damaged one."""
        for name in (MANIFEST, METRICS):
            if not isinstance(self._json(name), dict):
                raise SimError(f"{self.path / name} is not a JSON object (damaged?)")
        try:
            data = self.scenario
        except OSError as exc:
            raise SimError(f"cannot read {self.path / RESOLVED}: {exc}") from None
        except yaml.YAMLError as exc:
            raise SimError(f"{self.path / RESOLVED} is not valid YAML (damaged?): {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("line"), dict):
            raise SimError(f"{self.path / RESOLVED} is not a scenario (damaged?)")
        for table, name in TABLES.items():
            if self.has(name):
                getattr(self, table)
        if self.has(COVERAGE_SPACETIME):
            try:
                _ = self.spacetime
            except (OSError, ValueError, EOFError, KeyError) as exc:
                raise SimError(f"{self.path / COVERAGE_SPACETIME} is damaged: {exc}") from None

    def has(self, name: str) -> bool:
        """True if the folder holds the file ``name``."""
        return (self.path / name).is_file()

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """manifest.json: version, seed, times, platform."""
        return self._json(MANIFEST)

    @cached_property
    def metrics(self) -> dict[str, Any]:
        """metrics.json (null values read as None)."""
        return self._json(METRICS)

    @cached_property
    def scenario(self) -> dict[str, Any]:
        """scenario.resolved.yaml as plain data (SI units)."""
        return yaml.safe_load((self.path / RESOLVED).read_text(encoding="utf-8"))

    @cached_property
    def spec(self) -> Scenario:
        """scenario.resolved.yaml validated into a typed ``Scenario`` (files from the folder).

        Figures and reports read the scenario through this, never by raw keys.
        """
        from sim.spec.load import scenario_from_data

        return scenario_from_data(self.scenario, self.path, str(self.path / RESOLVED))

    @property
    def is_geographic(self) -> bool:
        """True for a lon/lat scenario (GeoJSON and maps in lon/lat)."""
        return self.scenario["line"]["crs"] == "lonlat"

    @cached_property
    def events(self) -> Table:
        """events.csv: one row per violation."""
        return read_table(self.path / EVENTS)

    @cached_property
    def detections(self) -> Table:
        """detections.csv: one row per (violation, asset) first detection, then false alarms."""
        return read_table(self.path / DETECTIONS)

    @cached_property
    def coverage(self) -> Table:
        """coverage.csv: one row per grid cell (line cells, then zone cells)."""
        return read_table(self.path / COVERAGE)

    @cached_property
    def coverage_time(self) -> Table:
        """coverage_time.csv: the line's covered fraction per time bin."""
        return read_table(self.path / COVERAGE_TIME)

    @cached_property
    def spacetime(self) -> dict[str, np.ndarray]:
        """coverage_spacetime.npz: line cells x time bins covered fractions."""
        with np.load(self.path / COVERAGE_SPACETIME) as data:
            return {key: data[key] for key in data.files}

    def geojson(self, name: str) -> dict[str, Any]:
        """One of the GeoJSON files: ``line``, ``assets``, ``events`` or ``coverage``.

        Parsed once per folder object (a month's cue tracks make assets.geojson tens of
        MB, and several figures read it): the same document each time, not to be changed.
        """
        found = self._geojson.get(name)
        if found is None:
            found = self._geojson[name] = self._json(f"{name}.geojson")
        return found
