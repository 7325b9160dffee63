"""Killing `run` and `sweep` at random moments (SIGKILL, SIGINT, SIGTERM) never leaves a
half folder, never loses a finished run, and never harms a neighbour (issue 7, section 4).

The default suite kills a handful of times on a tiny scenario; ``-m slow`` kills many
times (see tests/test_slow.py). ``KILL_SEED`` in the environment picks the moments.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim.store.outdir import clean_stale
from sim.store.read import ResultsFolder

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
DATA = (
    "scenario.resolved.yaml",
    "manifest.json",
    "metrics.json",
    "events.csv",
    "detections.csv",
    "coverage.csv",
    "coverage_time.csv",
    "coverage_spacetime.npz",
    "line.geojson",
    "events.geojson",
)
SWEEP = """\
name: tiny
scenario: {scenario}
seed: 3
replications: 3
set: {{duration: 12h}}
grid:
  - path: drones[0].count
    values: [2, 4]
"""
# 0 or 3 (a figure failed: the data is complete) when the command ended before the signal
EXPECTED = {
    signal.SIGKILL: {-signal.SIGKILL, 0, 3},
    signal.SIGINT: {130, 0, 3},
    signal.SIGTERM: {143, 0, 3},
}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def temporaries(folder: Path) -> list[str]:
    """Names of temporary folders (``.NAME.tmp-PID`` / ``.NAME.old-PID``) in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


def moments(n: int, low: float, high: float) -> list[tuple[signal.Signals, float]]:
    """``n`` (signal, delay in s) pairs, cycling through the three signals."""
    seed = int(os.environ.get("KILL_SEED", "7"))
    rng = random.Random(seed)
    sigs = [signal.SIGKILL, signal.SIGINT, signal.SIGTERM]
    return [(sigs[i % 3], rng.uniform(low, high)) for i in range(n)]


def kill_after(
    cmd: list[str], sig: signal.Signals, delay: float, watch: Callable[[], Any] | None = None
) -> tuple[int, str, Any]:
    """Start ``cmd``, send ``sig`` after ``delay`` s; (exit status, stderr, ``watch()``
    called just before the signal)."""
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    time.sleep(delay)
    seen = watch() if watch is not None else None
    if proc.poll() is None:
        proc.send_signal(sig)
    try:  # stderr reaches EOF only once every process holding it (pool workers) is gone
        _, err = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(
            f"{' '.join(cmd[2:4])}: still running, or its worker processes outlived it, "
            f"90 s after {sig.name} at {delay:.2f} s"
        ) from None
    return proc.returncode, err, seen


@pytest.fixture(scope="module")
def area(tmp_path_factory) -> Path:
    """A results area with an old run at ``out``, a neighbour run and a neighbour file."""
    area = tmp_path_factory.mktemp("area")
    for name, seed in (("out", 1), ("neighbour", 2)):
        done = subprocess.run(
            [sys.executable, "-m", "sim.cli", "run", str(QUICKSTART), "--set", "duration=1d"]
            + ["--seed", str(seed), "--out", str(area / name), "--quiet"],
            cwd=ROOT,
            capture_output=True,
        )
        assert done.returncode in (0, 3), done.stderr
    (area / "notes.txt").write_text("a colleague's notes\n")
    return area


def check_run_kill(area: Path, sig: signal.Signals, delay: float) -> None:
    """Kill a run replacing ``area/out`` and check the folder and its neighbours."""
    before = snapshot(area)
    old = {k[len("out/") :]: v for k, v in before.items() if k.startswith("out/")}
    cmd = [sys.executable, "-m", "sim.cli", "run", str(QUICKSTART), "--set", "duration=1d"]
    cmd += ["--seed", "5", "--out", str(area / "out"), "--quiet"]
    code, err, _ = kill_after(cmd, sig, delay)
    where = f"{sig.name} at {delay:.2f} s: exit {code}, stderr {err[-300:]!r}"
    assert code in EXPECTED[sig], where
    assert "Traceback" not in err and "Segmentation" not in err, where
    after = snapshot(area)
    for key in before:  # neighbours byte-identical
        if not key.startswith("out/"):
            assert after.get(key) == before[key], f"{key} harmed; {where}"
    out = area / "out"
    assert all((out / name).is_file() for name in DATA), f"half folder; {where}"
    ResultsFolder(out).check()
    new = {k[len("out/") :]: v for k, v in after.items() if k.startswith("out/")}
    if new["manifest.json"] == old["manifest.json"]:  # not replaced: the old run untouched
        assert new == old, f"old folder changed; {where}"
    if sig != signal.SIGKILL:
        assert temporaries(area) == [], where
    clean_stale(area)  # what the next writer beside it does
    assert temporaries(area) == [], where


def runs_rows(folder: Path) -> dict[tuple[str, str], list[str]]:
    """Complete rows of runs.csv by (point, replication), without wall_s."""
    path = folder / "runs.csv"
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")[:-1]  # a cut last line is not a finished run
    if not lines:
        return {}
    table = list(csv.reader(lines))
    header = table[0]
    drop = header.index("wall_s")
    rows = {}
    for row in table[1:]:
        if len(row) == len(header):
            cells = dict(zip(header, row, strict=True))
            key = (cells["point"], cells["replication"])
            rows[key] = [
                f"{h}={c}" for j, (h, c) in enumerate(zip(header, row, strict=True)) if j != drop
            ]
    return rows


@pytest.fixture(scope="module")
def sweep_reference(tmp_path_factory) -> tuple[Path, dict]:
    """The tiny sweep file and its uninterrupted runs.csv rows."""
    from sim.sweep import run_sweep

    base = tmp_path_factory.mktemp("sweepref")
    path = base / "tiny.yaml"
    path.write_text(SWEEP.format(scenario=QUICKSTART))
    run_sweep(path, workers=1, out=base / "ref", progress=lambda info: None)
    return path, runs_rows(base / "ref")


def check_sweep_kill(
    tmp_path: Path, sweep: Path, reference: dict, sig: signal.Signals, delay: float, workers: int
) -> None:
    """Kill a sweep, then resume it; no finished run lost, neighbours unharmed."""
    from sim.sweep import run_sweep
    from sim.sweep.folder import sweep_status

    area = tmp_path / "sweeps"
    area.mkdir(exist_ok=True)
    (area / "neighbour.txt").write_text("keep\n")
    out = area / "tiny"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(sweep), "--out", str(out)]
    cmd += ["--workers", str(workers), "--quiet", "--no-plots"]
    code, err, finished = kill_after(cmd, sig, delay, watch=lambda: runs_rows(out))
    where = f"sweep {sig.name} at {delay:.2f} s, {workers} workers: exit {code}, {err[-300:]!r}"
    assert code in EXPECTED[sig], where
    assert "Traceback" not in err and "Segmentation" not in err, where
    kept = runs_rows(out)
    for key, row in finished.items():  # every run recorded before the signal survives
        assert kept.get(key) == row, f"run {key} lost; {where}"
    if code != 0 and (out / "manifest.json").is_file():
        import json

        manifest = json.loads((out / "manifest.json").read_text())
        # "complete" when the signal came after the sweep had recorded its end
        expected = {"interrupted" if sig == signal.SIGKILL else "incomplete", "complete"}
        assert sweep_status(out, manifest) in expected, where
    run_sweep(sweep, workers=1, out=out, progress=lambda info: None)
    assert runs_rows(out) == reference, where
    assert (area / "neighbour.txt").read_text() == "keep\n"
    assert [p.name for p in out.iterdir() if ".tmp-" in p.name] == [], where


@pytest.mark.parametrize(("sig", "delay"), moments(3, 1.0, 4.0))
def test_kill_run(area, sig, delay):
    """A run killed at a random moment leaves `out` the old or the new complete folder."""
    check_run_kill(area, sig, delay)


@pytest.mark.parametrize(
    ("sig", "delay", "workers"),
    [(sig, delay, 2 if i == 0 else 1) for i, (sig, delay) in enumerate(moments(3, 1.5, 4.0))],
)
def test_kill_sweep(sweep_reference, tmp_path, sig, delay, workers):
    """A sweep killed at a random moment keeps every recorded run and resumes to the
    uninterrupted result; after `kill -9` its pool workers do not outlive it."""
    path, reference = sweep_reference
    check_sweep_kill(tmp_path, path, reference, sig, delay, workers=workers)
