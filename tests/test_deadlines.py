"""reporting.deadlines: detection.within_<d> and report.within_<d>, their keys and intervals."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.measure.metrics import deadline_key, metric_unit, wilson_interval, within_deadlines
from sim.pipeline import run
from sim.spec.load import load_scenario
from sim.spec.scenario import DEFAULT_DEADLINES
from sim.sweep import run_sweep

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"


@pytest.mark.parametrize(
    ("seconds", "key"),
    [
        (45, "45s"),
        (90, "90s"),
        (900, "15min"),
        (1800, "30min"),
        (3600, "1h"),
        (5400, "90min"),
        (21600, "6h"),
        (86400, "1d"),
        (129600, "36h"),
        (604800, "7d"),
        (3601, "3601s"),
    ],
)
def test_deadline_key_uses_the_largest_exact_unit(seconds, key):
    """One duration -> one key: the largest of d, h, min, s that divides it exactly."""
    assert deadline_key(float(seconds)) == key


@pytest.mark.parametrize("seconds", [0.0, 0.5, 1.5, -60.0])
def test_deadline_key_refuses_fractions_and_non_positive(seconds):
    """A key is only defined for whole seconds >= 1."""
    with pytest.raises(ValueError):
        deadline_key(seconds)


def test_within_counts_all_violations_and_the_boundary():
    """Delays <= d count (the boundary included); undetected / unreported ones are misses
    in a denominator of ALL violations; the interval is Wilson's."""
    start = np.array([0.0, 100.0, 200.0, 300.0, 400.0])
    detect = np.array([60.0, 160.0, 261.0, np.nan, 400.0])  # delays 60, 60, 61, -, 0
    report = np.array([120.0, np.nan, 300.0, np.nan, 460.0])  # delays 120, -, 100, -, 60
    got = within_deadlines(start, detect, report, [60.0, 120.0])
    assert got["detection.within_1min"] == 3 / 5
    assert got["detection.within_2min"] == 4 / 5
    assert got["report.within_1min"] == 1 / 5
    assert got["report.within_2min"] == 3 / 5
    low, high = wilson_interval(3, 5)
    assert (got["detection.within_1min.low95"], got["detection.within_1min.high95"]) == (low, high)


def test_within_with_no_violations_is_undefined():
    """Zero violations: the fraction is NaN and the interval the whole of [0, 1]."""
    empty = np.zeros(0)
    got = within_deadlines(empty, empty, empty, [1800.0])
    assert math.isnan(got["detection.within_30min"])
    assert (got["report.within_30min.low95"], got["report.within_30min.high95"]) == (0.0, 1.0)


def test_new_keys_are_fractions():
    """metric_unit reads the deadline keys and their bounds as fractions (not seconds)."""
    for key in ("detection.within_30min", "report.within_1h", "report.within_90s.low95"):
        assert metric_unit(key) == "fraction"


@pytest.fixture(scope="module")
def one_day():
    """Quickstart cut to one day, deadlines 10 min, 30 min and 1 d."""
    scenario = load_scenario(QUICKSTART, ["duration=1d", "reporting.deadlines=[10min, 1800, 1d]"])
    return scenario, run(scenario, seed=5)


def test_default_deadlines():
    """Without the key, the deadlines are 15 min, 30 min, 1 h and 6 h."""
    assert DEFAULT_DEADLINES == (900.0, 1800.0, 3600.0, 21600.0)
    assert load_scenario(QUICKSTART).reporting.deadlines == list(DEFAULT_DEADLINES)


def test_run_metrics_agree_with_events(one_day):
    """Each within metric of a run equals the share of events.csv rows whose latency_s
    (or first report minus start) is at most d, over all rows."""
    scenario, result = one_day
    assert scenario.reporting.deadlines == [600.0, 1800.0, 86400.0]
    metrics, events = result.metrics(), result.events
    n = len(events)
    assert n > 10
    delay = events["t_report_s"] - events["t_start_s"]
    for d, key in ((600, "10min"), (1800, "30min"), (86400, "1d")):
        detected = int(np.sum(events["detected"] & (events["latency_s"] <= d)))
        reported = int(np.sum(~np.isnan(delay) & (delay <= d)))
        assert metrics[f"detection.within_{key}"] == detected / n
        assert metrics[f"report.within_{key}"] == reported / n
        low, high = wilson_interval(detected, n)
        assert metrics[f"detection.within_{key}.low95"] == low
        assert metrics[f"detection.within_{key}.high95"] == high
    # a day covers every detection of a one-day run: the same as detection.probability
    assert metrics["detection.within_1d"] == metrics["detection.probability"]
    assert not any(k.startswith("detection.within_15min") for k in metrics)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[30min, 0.5s]", "reporting.deadlines[1] (from --set): expected a whole number"),
        ("[30min, 1800]", "reporting.deadlines[1] (from --set): deadline 1800 s is listed twice"),
        ("[-1h]", "reporting.deadlines[0] (from --set): expected a whole number"),
        ("[30 minutes]", "reporting.deadlines[0] (from --set): unknown duration unit"),
        ("30min", "reporting.deadlines (from --set): expected a list of durations"),
        ("[deadline]", "reporting.deadlines[0] (from --set): expected a duration"),
    ],
)
def test_bad_deadlines_exit_2_with_the_path(value, message, tmp_path, capsys):
    """A bad deadline is refused by validate and run: exit 2, the YAML path, nothing written."""
    args = ["--set", f"reporting.deadlines={value}"]
    assert main(["validate", str(QUICKSTART), *args]) == 2
    out = tmp_path / "out"
    assert main(["run", str(QUICKSTART), *args, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


SWEEP = f"""\
name: deadline
scenario: {QUICKSTART}
seed: 3
replications: 3
set: {{duration: 1d}}
grid:
  - path: drones[0].count
    values: [2, 6]
metrics: [detection.within_30min, report.within_1h]
target: detection.within_30min >= 0.3
"""


def test_sweep_targets_a_deadline_with_pooled_wilson(tmp_path):
    """A sweep can target detection.within_30min: the summary pools successes over the
    runs (Wilson interval on all their violations) and meets by the lower bound."""
    path = tmp_path / "sweep.yaml"
    path.write_text(SWEEP, encoding="utf-8")
    out = tmp_path / "out"
    run_sweep(path, workers=1, out=out, progress=lambda info: None)
    with (out / "runs.csv").open(newline="", encoding="utf-8") as handle:
        runs = list(csv.DictReader(handle))
    with (out / "summary.csv").open(newline="", encoding="utf-8") as handle:
        summary = list(csv.DictReader(handle))
    assert len(summary) == 2
    for point, row in enumerate(summary):
        mine = [r for r in runs if r["point"] == str(point)]
        hits = sum(
            round(float(r["detection.within_30min"]) * int(r["violations.count"])) for r in mine
        )
        total = sum(int(r["violations.count"]) for r in mine)
        low, high = wilson_interval(hits, total)
        got = [float(row[f"detection.within_30min.{s}"]) for s in ("estimate", "low95", "high95")]
        assert got == pytest.approx([hits / total, low, high], rel=1e-12)
        assert row["meets_target"] == ("true" if low >= 0.3 else "false")
        assert "report.within_1h.low95" in row
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["intervals"]["detection.within_30min"] == "wilson"
    assert manifest["intervals"]["report.within_1h"] == "wilson"


def test_sweep_missing_deadline_says_where_deadlines_come_from(tmp_path, capsys):
    """A target on a deadline the runs lack is refused (exit 2) naming reporting.deadlines;
    setting that key in the sweep's `set`, as the message says, makes the same target run."""
    text = SWEEP.replace("replications: 3", "replications: 1").replace(
        "target: detection.within_30min", "target: detection.within_45min"
    )
    path = tmp_path / "sweep.yaml"
    path.write_text(text, encoding="utf-8")
    args = ["sweep", str(path), "--workers", "1", "--quiet", "--no-plots"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert "the runs have no metric 'detection.within_45min'" in err
    assert "add 45min there" in err and "reporting.deadlines" in err
    fixed = text.replace(
        "set: {duration: 1d}", "set: {duration: 1d, reporting.deadlines: [30min, 45min, 1h]}"
    )
    path.write_text(fixed, encoding="utf-8")
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    with (tmp_path / "b" / "summary.csv").open(newline="", encoding="utf-8") as handle:
        assert "detection.within_45min.low95" in next(csv.DictReader(handle))


def test_no_deadlines_means_no_within_metrics(capsys):
    """An empty list is allowed: validate says so, and a run has no within metrics."""
    sets = ["--set", "reporting.deadlines=[]", "--set", "duration=1d"]
    assert main(["validate", str(QUICKSTART), *sets]) == 0
    assert "deadlines  none (no detection.within_<d> metrics)" in capsys.readouterr().out
    metrics = run(load_scenario(QUICKSTART, ["reporting.deadlines=[]", "duration=1d"])).metrics()
    assert "detection.probability" in metrics
    assert not [k for k in metrics if ".within_" in k]
