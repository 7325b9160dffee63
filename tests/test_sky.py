"""The engine under a real sky (issue 9): optical looks only by daylight and through clear
sky; other modalities untouched; without ``environment`` nothing changes (test_golden)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim
from sim.engine.model import build, run_model
from sim.world import sun

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
# 0.5 s (the daylight root tolerance) moves the sun by at most ~0.005 deg
ELEVATION_TOL_DEG = 0.01
CLOUDS = "{clouds: {clear: 12h, overcast: 1d, cell: 40km}}"


def scenario(*overrides: str):
    """The quickstart scenario (one week in January) with ``--set`` overrides."""
    return sim.load_scenario(QUICKSTART, ["duration=4d", *overrides])


def detections_by(run, modality: str) -> tuple[np.ndarray, np.ndarray]:
    """(violation index, detection time) of the true detections by assets of ``modality``."""
    d = run.detections
    keep = (np.asarray(d["modality"]) == modality) & ~np.asarray(d["false_alarm"], dtype=bool)
    ids = np.asarray(run.events["id"]).astype(str)
    index = {v: k for k, v in enumerate(ids)}
    viol = np.array([index[str(v)] for v in np.asarray(d["violation_id"])[keep]], dtype=int)
    return viol, np.asarray(d["t_detect_s"], dtype=float)[keep]


def test_no_optical_detection_with_the_sun_below_the_threshold():
    """Every eo detection happens with the sun at or above -6 deg at the violation, and
    daylight costs eo detections (a January week at 47.6 N has ~14 h of darkness)."""
    lit = sim.run(scenario("environment={}"), seed=3)
    viol, t = detections_by(lit, "eo")
    assert len(viol) > 0
    lon, lat = lit.line.to_lonlat(lit.violations.x[viol], lit.violations.y[viol])
    elevation = sun.sun_elevation(lon, lat, t, lit.scenario.start)
    assert elevation.min() >= -6.0 - ELEVATION_TOL_DEG
    ideal = sim.run(scenario(), seed=3)
    assert len(detections_by(ideal, "eo")[0]) > len(viol)


@pytest.mark.parametrize("environment", ["{}", CLOUDS])
def test_other_modalities_are_unchanged_by_daylight_and_clouds(environment):
    """SAR and acoustic detections are the same, violation for violation and to the
    second, with and without the sky (their random streams are their own)."""
    ideal = sim.run(scenario(), seed=5)
    sky = sim.run(scenario(f"environment={environment}"), seed=5)
    for modality in ("sar", "acoustic"):
        a, b = detections_by(ideal, modality), detections_by(sky, modality)
        assert len(a[0]) > 0
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_an_optical_satellite_sees_nothing_under_overcast():
    """An eo satellite's detections all fall on clear sky at their instant; the same
    satellite sees more with no clouds (same seed)."""
    overrides = (
        "satellites[0].modality=eo",
        "satellites[0].schedule.every=3h",
        "violations.types.artillery.signature={}",  # they name sar, gone here
        "violations.types.armour_movement.signature={}",
    )
    model = build(scenario(*overrides, f"environment={CLOUDS}"), seed=2)
    cloudy = run_model(model)
    d = cloudy.detections
    sat = (np.asarray(d["asset_class"]) == "satellite") & ~np.asarray(d["false_alarm"], dtype=bool)
    ids = {v: k for k, v in enumerate(np.asarray(cloudy.events["id"]).astype(str))}
    viol = np.array([ids[str(v)] for v in np.asarray(d["violation_id"])[sat]], dtype=int)
    t = np.asarray(d["t_detect_s"], dtype=float)[sat]
    assert model.solver.sky is not None
    assert model.solver.sky.clear(viol, t).all()
    clear = run_model(build(scenario(*overrides, "environment={}"), seed=2))
    seen = np.asarray(clear.detections["asset_class"]) == "satellite"
    assert seen.sum() > sat.sum()


def test_clouds_file_and_clear_fraction_agree(tmp_path):
    """clouds.csv covers [0, T] per region without gaps, alternating clear / overcast,
    and clouds.clear_fraction is its clear time, weighted by region length, over T x L."""
    import csv
    import json

    run = sim.run(scenario(f"environment={CLOUDS}"), seed=4, out=tmp_path / "out")
    rows = list(csv.DictReader((tmp_path / "out" / "clouds.csv").open()))
    horizon, length = run.scenario.duration, run.line.length
    clear_time_length = 0.0
    for region in sorted({int(r["region"]) for r in rows}):
        spells = [r for r in rows if int(r["region"]) == region]
        starts = [float(r["t_start_s"]) for r in spells]
        ends = [float(r["t_end_s"]) for r in spells]
        assert starts[0] == 0.0 and ends[-1] == horizon and starts[1:] == ends[:-1]
        states = [r["state"] for r in spells]
        assert all(a != b for a, b in zip(states, states[1:], strict=False))
        width = float(spells[0]["to_m"]) - float(spells[0]["from_m"])
        clear = sum(e - s for s, e, st in zip(starts, ends, states, strict=True) if st == "clear")
        clear_time_length += clear * width
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["clouds.clear_fraction"] == pytest.approx(
        clear_time_length / (horizon * length), rel=1e-12
    )
    sim.run(scenario(), seed=4, out=tmp_path / "plain")
    without = json.loads((tmp_path / "plain" / "metrics.json").read_text())
    assert "clouds.clear_fraction" not in without
    assert not (tmp_path / "plain" / "clouds.csv").exists()
