"""Slow end-to-end checks (run with ``pytest -m slow``)."""

import filecmp
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.spec.load import scenario_from_data

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def test_results_are_byte_identical_across_processes_and_hash_seeds(tmp_path):
    """Two CLI runs in fresh processes with different PYTHONHASHSEED write identical files."""
    outs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"run-{hash_seed}"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sim.cli",
                "run",
                str(ROOT / "scenarios" / "ukraine-line.yaml"),
                "--seed",
                "11",
                "--out",
                str(out),
                "--quiet",
                "--no-plots",  # the compared files are written before any figure
            ],
            check=True,
            env=env,
            capture_output=True,
        )
        outs.append(out)
    for name in ("events.csv", "detections.csv", "metrics.json", "scenario.resolved.yaml"):
        assert filecmp.cmp(outs[0] / name, outs[1] / name, shallow=False), name


def test_benchmark_scenario_runs_consistently():
    """The 30-day, 1,200 km, ~30,000-violation benchmark scenario: its tables agree."""
    spec = importlib.util.spec_from_file_location("bench_core", ROOT / "benchmarks/bench_core.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = sim.run(scenario_from_data(bench.scenario_data(1.0)), seed=1)
    events, det = result.events, result.detections
    assert 25_000 < len(events) < 35_000
    real = ~det["false_alarm"]
    # every detection falls inside its violation's active interval
    v = det["violation"][real]
    t = det["t_detect_s"][real]
    assert np.all(t >= events["t_start_s"][v])
    assert np.all(t <= events["t_start_s"][v] + events["duration_s"][v] + 1e-6)
    # the first detection in events is the earliest detection of that violation
    earliest = np.full(len(events), np.inf)
    np.minimum.at(earliest, v, t)
    detected = events["detected"]
    assert np.array_equal(np.isfinite(earliest), detected)
    assert np.allclose(events["t_detect_s"][detected], earliest[detected])
    # verified violations were detected by at least two modalities
    modalities = {}
    for vi, m in zip(v.tolist(), det["modality"][real].tolist(), strict=True):
        modalities.setdefault(vi, set()).add(m)
    for vi in np.flatnonzero(events["verified"]):
        assert len(modalities[vi]) >= 2
    stats = result.asset_stats
    fleets = [k for k, s in stats.items() if "on_station_fraction" in s]
    assert sum(result.scenario.drones[i].count for i in range(len(fleets))) == 60
    assert all(0.5 < stats[k]["on_station_fraction"] <= 1.0 for k in fleets)


# --- killing run and sweep many times (issue 7; the fast version is tests/test_kill.py) ---


@pytest.mark.parametrize("i", range(15))
def test_kill_run_many_times(tmp_path_factory, i):
    """15 runs killed at random moments (SIGKILL, SIGINT, SIGTERM in turn): never a half
    folder, the old folder intact or replaced whole, neighbours byte-identical."""
    import signal

    from test_kill import check_run_kill, moments

    area = tmp_path_factory.getbasetemp() / "kill-area"
    if not area.exists():
        area.mkdir()
        for name, seed in (("out", 1), ("neighbour", 2)):
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "sim.cli",
                    "run",
                    str(ROOT / "scenarios" / "quickstart.yaml"),
                ]
                + ["--set", "duration=1d", "--seed", str(seed), "--out", str(area / name)],
                cwd=ROOT,
                capture_output=True,
            )
            assert done.returncode in (0, 3), done.stderr
        (area / "notes.txt").write_text("a colleague's notes\n")
    sig, delay = moments(15, 0.3, 5.0)[i]
    assert sig in (signal.SIGKILL, signal.SIGINT, signal.SIGTERM)
    check_run_kill(area, sig, delay)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("i", range(6))
def test_kill_sweep_many_times(tmp_path, i, workers):
    """Sweeps (inline and a process pool) killed at random moments keep every recorded
    run and resume to the uninterrupted runs.csv."""
    from test_kill import QUICKSTART, SWEEP, check_sweep_kill, moments, runs_rows

    from sim.sweep import run_sweep

    path = tmp_path / "tiny.yaml"
    path.write_text(SWEEP.format(scenario=QUICKSTART))
    run_sweep(path, workers=1, out=tmp_path / "ref", progress=lambda info: None)
    reference = runs_rows(tmp_path / "ref")
    sig, delay = moments(6, 1.0, 6.0)[i]
    check_sweep_kill(tmp_path, path, reference, sig, delay, workers)


def test_ctrl_c_inside_the_coverage_kernel_never_segfaults(tmp_path):
    """The issue 7 reproduction: `run ukraine-line --set duration=120d` with SIGINT while
    coverage.compute runs its numba kernel segfaulted 3 of 3 times; now it exits 130 (or 0
    if the run ended first), at every moment tried."""
    import signal

    from test_kill import kill_after

    scenario = str(ROOT / "scenarios" / "ukraine-line.yaml")
    for delay in (2.0, 3.5, 5.0, 6.5, 8.0):
        cmd = [sys.executable, "-m", "sim.cli", "run", scenario, "--set", "duration=120d"]
        cmd += ["--no-plots", "--quiet", "--out", str(tmp_path / "ukr")]
        code, err, _ = kill_after(cmd, signal.SIGINT, delay)
        assert (code in (130, 0), "Segmentation" in err, "Traceback" in err) == (
            True,
            False,
            False,
        ), f"SIGINT at {delay} s: exit {code}, {err[-300:]}"
