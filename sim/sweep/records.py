"""The worker that runs one (point, replication), and the durable runs.csv record."""

from __future__ import annotations

import csv
import ctypes
import ctypes.util
import io
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.errors import SimError
from sim.spec.load import scenario_from_data
from sim.store.files import csv_cell
from sim.sweep.plan import SweepPlan
from sim.sweep.spec import HEAD_COLUMNS, TAIL_COLUMNS

# --- the worker ----------------------------------------------------------------


def run_one(data: dict[str, Any], seed: int, base_dir: str, keep: str | None) -> dict[str, Any]:
    """Run one scenario (plain data) with ``seed``; return its scalar metrics, flat.

    The result holds every scalar metric of the run, ``violations.count_by_type.T``
    (the trials of each type's detection probability), ``status`` ("ok" or "error"),
    ``error`` (the exception, one line) and ``wall_s``. It never raises for a run that
    fails. ``keep``, if given, is a folder to write the run's results into (no plots).
    """
    from sim.pipeline import run

    started = time.perf_counter()
    try:
        scenario = scenario_from_data(data, Path(base_dir))
        result = run(scenario, seed=seed, out=keep)
        out: dict[str, Any] = {k: v for k, v in result.metrics().items() if _is_scalar(v)}
        types = result.events["type"]
        for name in sorted(result.violations.type_names):
            out[f"violations.count_by_type.{name}"] = int(np.sum(types == name))
        out["status"] = "ok"
        out["error"] = ""
    except Exception as exc:  # a failed run is recorded, never fatal
        text = str(exc).replace("\r", " ").replace("\n", " | ")
        out = {"status": "error", "error": f"{type(exc).__name__}: {text}"}
    out["wall_s"] = time.perf_counter() - started
    return out


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (bool, int, float, str, np.integer, np.floating, np.bool_))


def _ignore_sigint(parent: int | None = None) -> None:
    """Initialise a pool worker: only the parent handles Ctrl-C, and the worker dies with it.

    SIGINT is ignored (pool workers run on until cancelled); SIGTERM gets its default
    action back (a forked worker inherits the CLI's handler, which would turn it into
    an exception sent back as the run's result). On Linux the worker asks to be killed
    when its parent dies (``prctl(PR_SET_PDEATHSIG)``): a sweep killed with ``kill -9``
    would otherwise leave its workers waiting for work forever.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if parent is None or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


# --- durable records -------------------------------------------------------------


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
    row.update({p: csv_cell(v) for p, v in plan.points[point].params.items()})
    for key, value in record.items():
        if key not in ("status", "error", "wall_s"):
            row[key] = csv_cell(value)
    row["status"] = str(record["status"])
    row["error"] = str(record.get("error", ""))
    row["wall_s"] = f"{float(record['wall_s']):.4f}"
    return row
