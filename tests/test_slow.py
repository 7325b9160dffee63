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
from sim.scenario import scenario_from_data

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
