"""Reading a finished sweep folder back, for figures, reports and compare."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.core.errors import SimError
from sim.core.tables import Table
from sim.schema import MANIFEST, RUNS, SUMMARY
from sim.sweep.spec import Target

# --- reading a sweep folder ------------------------------------------------------


@dataclass(frozen=True)
class SweepFolder:
    """A finished sweep folder, read back for plots and reports.

    ``runs`` and ``summary`` are ``sim.core.tables.Table`` objects (numbers as floats,
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


def sweep_status(path: str | Path, manifest: dict[str, Any]) -> str:
    """The sweep's status as recorded, or "interrupted" for a dead "running" sweep.

    A manifest that says "running" while no live process holds the folder's lock
    belongs to a sweep that was killed.
    """
    from sim.store.outdir import is_locked

    status = str(manifest.get("status", "unknown"))
    if status == "running" and not is_locked(Path(path)):
        return "interrupted"
    return status


def read_sweep(path: str | Path) -> SweepFolder:
    """Read a sweep folder (manifest, runs.csv, summary.csv).

    Raises ``SimError`` naming the file if one is missing or damaged. The manifest's
    ``status`` is as ``sweep_status`` derives it.
    """
    from sim.store.files import read_json, read_table

    path = Path(path)
    if not is_sweep_folder(path):
        if (path / MANIFEST).is_file() and (path / SUMMARY).is_file():
            read_json(path / MANIFEST)  # names a damaged manifest
        raise SimError(f"{path} is not a finished sweep folder (no sweep {MANIFEST} or {SUMMARY})")
    manifest = read_json(path / MANIFEST)
    for key in ("parameters", "metrics"):
        if not isinstance(manifest.get(key), list):
            raise SimError(f"{path / MANIFEST} has no list '{key}' (damaged?)")
    manifest["status"] = sweep_status(path, manifest)
    return SweepFolder(path, manifest, read_table(path / RUNS), read_table(path / SUMMARY))
