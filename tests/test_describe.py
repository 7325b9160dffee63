"""sim.present.describe: the validate and run summaries read as plain English."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.core.errors import plural
from sim.present.describe import describe_run

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"


@pytest.mark.parametrize(
    ("args", "text"),
    [
        ((1, "station"), "1 station"),
        ((2, "station"), "2 stations"),
        ((0, "sensor"), "0 sensors"),
        ((1, "modality", "modalities"), "1 modality"),
        ((3, "modality", "modalities"), "3 modalities"),
    ],
)
def test_plural(args, text):
    """Singular for one, plural otherwise."""
    assert plural(*args) == text


def test_validate_summary_singulars_and_deadlines(capsys):
    """Regression: validate printed '1 airframes, 1 stations', '1 sensors', '1 modalities';
    it now uses the singular for one, and lists the deadlines of the within metrics."""
    sets = [
        "drones[0].count=1",
        "drones[0].patrol.stations=1",
        "ground_sensors[0].spacing=200km",
        "reporting.verification.modalities=1",
        "reporting.deadlines=[1h, 10min]",
    ]
    args = [a for s in sets for a in ("--set", s)]
    assert main(["validate", str(QUICKSTART), *args]) == 0
    out = capsys.readouterr().out
    assert "male: 1 airframe, 1 station (from base)" in out
    assert "ugs: 1 sensor, range" in out
    assert "verified   by 1 modality within 12 h" in out
    assert "deadlines  10 min, 1 h (metrics detection.within_<d>, report.within_<d>)" in out
    for slip in ("1 airframes", "1 stations", "1 sensors", "1 modalities"):
        assert slip not in out


def test_run_summary_lists_the_deadlines_shortest_first():
    """The run summary gives detected and reported within each deadline, as in metrics."""
    metrics = {
        "violations.count": 10,
        "detection.probability": 0.5,
        "verified.probability": 0.1,
        "latency.median_s": 60.0,
        "latency.p90_s": 600.0,
        "report_latency.median_s": 900.0,
        "detection.within_1h": 0.4,
        "detection.within_1h.low95": 0.1,
        "detection.within_30min": 0.3,
        "report.within_1h": 0.2,
        "report.within_30min": 0.1,
    }
    text = describe_run(metrics)
    assert "detected within 30 min 30.0 %, 1 h 40.0 %" in text
    assert "reported within 30 min 10.0 %, 1 h 20.0 %" in text


def test_sweep_summary_line_end_to_end(tmp_path, capsys):
    """`ceasefire-sim sweep --workers 1` ends its summary line with 'inline (1 process)'."""
    sweep = tmp_path / "s.yaml"
    sweep.write_text(
        f"name: s\nscenario: {QUICKSTART}\nreplications: 1\nset: {{duration: 1d}}\n"
        "grid:\n  - path: drones[0].count\n    values: [4]\n",
        encoding="utf-8",
    )
    args = ["sweep", str(sweep), "--workers", "1", "--out", str(tmp_path / "o"), "--no-plots"]
    assert main([*args, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "1 runs" not in out and "1 run: 1 ok, 0 failed;" in out
    line = next(x for x in out.splitlines() if "ok," in x)
    assert line.endswith(" s inline (1 process)") and "worker(s)" not in line


def test_run_summary_without_violations():
    """Regression: zero violations printed '- (95% 0.0%-100.0%)', mixing '-' and '–'. It now
    says the shares are undefined and uses one dash for every undefined value."""
    nan = float("nan")
    metrics = {
        "violations.count": 0,
        "detection.probability": nan,
        "detection.probability.low95": 0.0,
        "detection.probability.high95": 1.0,
        "verified.probability": nan,
        "latency.median_s": nan,
        "latency.p90_s": nan,
        "report_latency.median_s": nan,
        "detection.within_30min": nan,
        "report.within_30min": nan,
        "detection.by_class.drone": nan,
    }
    text = describe_run(metrics)
    assert "detected    – (no violations: the shares are undefined)" in text
    assert "detected within 30 min –" in text
    assert " - " not in text and "-," not in text and "0.0%-100.0%" not in text
