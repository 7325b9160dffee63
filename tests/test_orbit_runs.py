"""Satellites on orbits in whole runs: the spec, the engine's looks, coverage and results.

The pass instants themselves are checked against independent propagations in
tests/test_passes.py; here the engine's use of them is checked against an oracle
that samples SGP4's ground track directly (``sim.world.groundtrack``, no
interpolation, no abeam solver): every orbiting detection is at an instant where
the sub-satellite point is abeam of the violation and within half a swath, and,
with pd 1, every such look at an active violation detects.
"""

from __future__ import annotations

import copy
import csv
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.core.errors import ScenarioError
from sim.engine.model import run as run_engine
from sim.pipeline import run as run_pipeline
from sim.spec.load import load_scenario, scenario_from_data
from sim.world.assets.orbiter import satellites_of
from sim.world.groundtrack import geodetic_to_ecef, ground_track
from sim.world.sun import sun_elevation

DATA = Path(__file__).resolve().parent / "data"

BASE = {
    "name": "orbits",
    "seed": 3,
    "start": "2026-01-07T00:00:00Z",
    "duration": "2d",
    "line": {"points": [[36.5, 47.3], [37.6, 48.0], [38.4, 48.9]], "buffer": "15km", "cell": "5km"},
    "violations": {"rate": "80/day", "duration": {"exponential": "6h"}},
    "satellites": [
        {
            "name": "s2",
            "modality": "eo",
            "orbit": {
                "walker": {"total": 2, "planes": 1, "altitude": "786km", "inclination": 98.57}
            },
            "swath": "290km",
        },
        {
            "name": "sar",
            "modality": "sar",
            "orbit": {"sun_synchronous": {"altitude": "693km", "local_time": "06:00"}},
            "swath": "250km",
        },
    ],
}


def scenario(**changes):
    data = copy.deepcopy(BASE)
    data.update(changes)
    return scenario_from_data(data)


def problems(data) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(data)
    return str(caught.value)


# --- the spec ---------------------------------------------------------------------------


def test_schedule_or_orbit_exactly_one():
    data = copy.deepcopy(BASE)
    data["satellites"][0]["schedule"] = {"every": "1d"}
    assert "satellites[0].orbit: give a 'schedule' or an 'orbit', not both" in problems(data)
    data = copy.deepcopy(BASE)
    del data["satellites"][0]["orbit"]
    del data["satellites"][0]["swath"]
    assert "satellites[0].schedule: give a 'schedule' or an 'orbit'" in problems(data)


def test_orbit_needs_one_form_and_a_swath_and_a_lonlat_line():
    data = copy.deepcopy(BASE)
    data["satellites"][1]["orbit"]["walker"] = BASE["satellites"][0]["orbit"]["walker"]
    assert "exactly one of 'sun_synchronous', 'elements', 'walker' or 'tle'" in problems(data)
    data = copy.deepcopy(BASE)
    del data["satellites"][1]["swath"]
    assert "satellites[1].swath: an orbiting satellite needs a swath" in problems(data)
    data = copy.deepcopy(BASE)
    data["line"] = {"points": [[0, 0], [50_000, 0]], "crs": "local"}
    message = problems(data)
    assert "satellites[0].orbit: an orbit needs a line in lon/lat" in message
    assert "satellites[1].orbit" in message  # every problem in one pass


def test_bad_orbit_values_name_their_path():
    data = copy.deepcopy(BASE)
    data["satellites"][0]["orbit"]["walker"]["planes"] = 3
    assert "satellites[0].orbit.walker.planes" in problems(data)
    data = copy.deepcopy(BASE)
    data["satellites"][1]["orbit"]["sun_synchronous"]["local_time"] = "25:00"
    assert "satellites[1].orbit.sun_synchronous.local_time" in problems(data)
    data = copy.deepcopy(BASE)
    data["satellites"][1]["orbit"]["sun_synchronous"]["altitude"] = "50km"
    assert "satellites[1].orbit.sun_synchronous.altitude" in problems(data)
    data = copy.deepcopy(BASE)
    data["satellites"][1]["off_nadir_reach"] = "100km"  # under half the swath
    assert "satellites[1].off_nadir_reach: expected at least half the swath" in problems(data)
    data = copy.deepcopy(BASE)
    data["satellites"][1]["orbit"] = {"sun_synchronus": {"altitude": "700km"}}
    assert "sun_synchronous" in problems(data)  # the close match of the typo


def test_unquoted_local_time_is_read_as_yaml_sexagesimal():
    """YAML 1.1 reads 10:30 as 630: the spec takes it back as 10:30."""
    data = yaml.safe_load("local_time: 10:30")
    sat = copy.deepcopy(BASE)
    sat["satellites"][1]["orbit"]["sun_synchronous"]["local_time"] = data["local_time"]
    s = scenario_from_data(sat)
    assert s.satellites[1].orbit.sun_synchronous.local_time == "10:30"


def test_walker_names_collide_with_other_assets():
    data = copy.deepcopy(BASE)
    data["satellites"][1]["name"] = "s2-2"
    assert "'s2-2' is also a satellite of satellites[0]" in problems(data)


def test_tle_file_is_read_relative_to_the_scenario_and_inlined(tmp_path):
    data = copy.deepcopy(BASE)
    data["satellites"] = [{"name": "cat", "orbit": {"tle": "sats.tle"}, "swath": "290km"}]
    (tmp_path / "sats.tle").write_bytes((DATA / "sentinel-like.tle").read_bytes())
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    s = load_scenario(path)
    assert s.satellites[0].satellite_count == 2
    resolved = s.to_data()["satellites"][0]["orbit"]["tle"]
    assert isinstance(resolved, list) and resolved[1].startswith("1 90001")
    assert [n for n, _ in satellites_of(s.satellites[0], s.start)] == ["cat-1", "cat-2"]
    # the resolved data validates again, without the file
    again = scenario_from_data(s.to_data())
    assert again.satellites[0].orbit.tle == s.satellites[0].orbit.tle
    data["satellites"][0]["orbit"]["tle"] = "missing.tle"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    where = r"satellites\[0\]\.orbit\.tle \(line \d+\)"
    with pytest.raises(ScenarioError, match=where + ": file not found"):
        load_scenario(path)
    (tmp_path / "bad.tle").write_text("1 not an element set\n", encoding="utf-8")
    data["satellites"][0]["orbit"]["tle"] = "bad.tle"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"satellites\[0\]\.orbit\.tle.*no two-line"):
        load_scenario(path)


def test_tle_same_orbit_as_the_synthetic_pair():
    """The shipped test TLE is the sun-synchronous pair exported: the same passes."""
    tle = scenario(
        satellites=[
            {
                "name": "cat",
                "orbit": {
                    "tle": [ln for ln in (DATA / "sentinel-like.tle").read_text().splitlines()]
                },
                "swath": "290km",
            }
        ]
    )
    pair = scenario(
        satellites=[
            {
                "name": f"s{phase}",
                "orbit": {"sun_synchronous": {"altitude": "786km", "local_time": "10:30",
                                              "phase": phase}},
                "swath": "290km",
            }
            for phase in (0, 180)
        ]
    )  # fmt: skip
    a = sorted(p.t0 for p in run_engine(tle).pieces)
    b = sorted(p.t0 for p in run_engine(pair).pieces)
    assert len(a) == len(b) > 0
    # TLE fields round the elements (mean motion to 1e-8 rev/day, angles to 1e-4 deg)
    assert np.max(np.abs(np.subtract(a, b))) < 5.0


def test_schedule_satellites_resolve_as_before():
    s = scenario(satellites=[{"name": "old", "schedule": {"every": "12h"}}])
    sat = s.to_data()["satellites"][0]
    assert "orbit" not in sat and "swath" not in sat and "off_nadir_reach" not in sat
    assert sat["footprint"] == "zone"


# --- the engine against an oracle on SGP4's own track ----------------------------------


def _oracle_abeam(sat, start, lon, lat, t_guess, half_window=120.0):
    """The instant near ``t_guess`` the track is closest to (lon, lat), sampled every 0.05 s,
    and the ground distance then (m, on a sphere of the point's radius)."""
    t = np.arange(t_guess - half_window, t_guess + half_window, 0.05)
    track = ground_track([sat], start, t)
    s = geodetic_to_ecef(track.lon[0], track.lat[0])
    p = geodetic_to_ecef(np.array([lon]), np.array([lat]))[0]
    d = np.linalg.norm(s - p, axis=1)
    k = int(np.argmin(d))
    r = np.linalg.norm(p)
    return t[k], 2 * r * math.asin(min(1.0, d[k] / (2 * r)))


def test_orbit_detections_are_at_abeam_instants_within_the_swath():
    s = scenario()
    result = run_engine(s)
    det = result.detections
    sats = {name: sat for spec in s.satellites for name, sat in satellites_of(spec, s.start)}
    halves = {a.id: a.range for a in result.asset_list}
    events = result.events
    checked = 0
    for k in np.flatnonzero(~det["false_alarm"]):
        v, asset, t = det["violation"][k], det["asset"][k], det["t_detect_s"][k]
        t_star, dist = _oracle_abeam(sats[asset], s.start, events["lon"][v], events["lat"][v], t)
        assert abs(t_star - t) < 0.1, (asset, t, t_star)
        assert dist <= halves[asset] + 5.0
        assert events["t_start_s"][v] <= t <= events["t_start_s"][v] + events["duration_s"][v]
        checked += 1
    assert checked > 20


def test_with_pd_one_every_active_violation_in_the_swath_is_detected():
    """Completeness: the oracle's abeam looks at active in-zone violations all detect."""
    s = scenario(satellites=[BASE["satellites"][1]])  # one SAR, pd 1
    result = run_engine(s)
    ((name, sat),) = satellites_of(s.satellites[0], s.start)
    ev = result.events
    # the oracle's passes: the track every 20 s over the run, then local minima of the
    # distance to each violation, refined by _oracle_abeam
    t = np.arange(0.0, s.duration, 20.0)
    track = ground_track([sat], s.start, t)
    trk = geodetic_to_ecef(track.lon[0], track.lat[0])
    missing = 0
    expected = 0
    for v in np.flatnonzero(ev["in_zone"]):
        p = geodetic_to_ecef(np.array([ev["lon"][v]]), np.array([ev["lat"][v]]))[0]
        d = np.linalg.norm(trk - p, axis=1)
        minima = np.flatnonzero((d[1:-1] < d[:-2]) & (d[1:-1] <= d[2:]) & (d[1:-1] < 2e6)) + 1
        lo, hi = ev["t_start_s"][v], ev["t_start_s"][v] + ev["duration_s"][v]
        for m in minima:
            t_star, dist = _oracle_abeam(sat, s.start, ev["lon"][v], ev["lat"][v], t[m], 30.0)
            clear_inside = dist < 125e3 - 200.0 and lo + 1.0 < t_star < hi - 1.0
            if clear_inside:
                expected += 1
                missing += not ev["detected"][v]
    assert expected > 10
    assert missing == 0


def test_optical_orbit_sees_only_by_day_and_sar_ignores_the_sky():
    sky = {"clouds": {"clear": "1d", "overcast": "1d", "cell": "50km"}}
    bare = run_engine(scenario())
    lit = run_engine(scenario(environment=sky))
    det = lit.detections
    eo = (det["modality"] == "eo") & ~det["false_alarm"]
    assert eo.any()
    elevation = sun_elevation(
        lit.events["lon"][det["violation"][eo]],
        lit.events["lat"][det["violation"][eo]],
        det["t_detect_s"][eo],
        lit.scenario.start,
    )
    assert np.all(elevation >= -6.0 - 1e-6)
    # the optical satellites' night passes saw violations without the sky
    night = (bare.detections["modality"] == "eo") & (bare.detections["light"] == "night")
    assert night.any()

    def sar_rows(result):
        d = result.detections
        m = d["modality"] == "sar"
        return [(d["violation"][k], d["asset"][k], d["t_detect_s"][k]) for k in np.flatnonzero(m)]

    assert sar_rows(bare) == sar_rows(lit) != []


def test_steering_choice_ignores_the_violations():
    """The steered strips are the same whatever violations happen (other seeds)."""
    sats = [{**BASE["satellites"][1], "swath": "30km", "off_nadir_reach": "500km"}]
    a = run_engine(scenario(satellites=sats), seed=1)
    b = run_engine(scenario(satellites=sats), seed=2)

    def strips(result):
        cell = np.concatenate([p.strip.cell for p in result.pieces])
        time = np.concatenate([p.strip.cell_time for p in result.pieces])
        order = np.lexsort((cell, time))
        return cell[order].tolist(), time[order].tolist()

    cells, _ = strips(a)
    assert strips(a) == strips(b)
    assert len(cells) > 0


# --- results --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("orbits") / "run"
    run_pipeline(scenario(), out=out)
    return out


def test_results_replay_byte_identical(folder, tmp_path):
    again = tmp_path / "again"
    run_pipeline(load_scenario(folder / "scenario.resolved.yaml"), out=again)
    for name in ("events.csv", "detections.csv", "coverage.csv", "ground_tracks.csv"):
        assert (folder / name).read_bytes() == (again / name).read_bytes(), name


def test_coverage_counts_each_cell_image(folder):
    rows = list(csv.DictReader((folder / "coverage.csv").open(encoding="utf-8")))
    images = np.array([int(r["satellite_images"]) for r in rows])
    assert images.max() > 0
    for r in rows:
        n = int(r["satellite_images"])
        assert (r["satellite_revisit_mean_s"] == "") == (n < 2)
        assert int(r["looks"]) >= n  # images are looks at the cell
    # cells far apart are imaged differently: the stripes of the swaths
    assert len(set(images.tolist())) > 1


def test_ground_tracks_file(folder):
    rows = list(csv.DictReader((folder / "ground_tracks.csv").open(encoding="utf-8")))
    assets = {r["asset"] for r in rows}
    assert assets == {"s2-1", "s2-2", "sar"}
    per = len(rows) // 3
    assert per == 24 * 60 + 1  # every minute of the first day, both ends
    lon = np.array([float(r["lon"]) for r in rows])
    lat = np.array([float(r["lat"]) for r in rows])
    assert np.all((-180 <= lon) & (lon < 180)) and np.all(np.abs(lat) <= 98.6)


# --- generated orbits -------------------------------------------------------------------


@st.composite
def orbit_entries(draw):
    altitude = draw(st.sampled_from(["450km", "786km", "1400km"]))
    form = draw(st.sampled_from(["sun_synchronous", "elements", "walker"]))
    if form == "sun_synchronous":
        hh, mm = draw(st.integers(0, 23)), draw(st.integers(0, 59))
        orbit = {form: {"altitude": altitude, "local_time": f"{hh:02d}:{mm:02d}",
                        "phase": draw(st.floats(-360, 360))}}  # fmt: skip
    elif form == "elements":
        orbit = {form: {"altitude": altitude, "inclination": draw(st.floats(0, 180)),
                        "raan": draw(st.floats(-360, 360)),
                        "mean_anomaly": draw(st.floats(-360, 360)),
                        "eccentricity": draw(st.floats(0, 0.05))}}  # fmt: skip
    else:
        planes = draw(st.integers(1, 4))
        orbit = {form: {"total": planes * draw(st.integers(1, 3)), "planes": planes,
                        "phasing": draw(st.integers(0, planes - 1)), "altitude": altitude,
                        "inclination": draw(st.floats(0, 180))}}  # fmt: skip
    entry = {
        "name": "sat",
        "modality": draw(st.sampled_from(["eo", "sar"])),
        "orbit": orbit,
        "swath": draw(st.sampled_from(["5km", "100km", "290km", "3000km"])),
        "false_alarms_per_image": draw(st.sampled_from([0.0, 0.5])),
    }
    if draw(st.booleans()):
        entry["off_nadir_reach"] = "3000km"
    return entry


@given(entry=orbit_entries(), lon=st.floats(-179, 179), lat=st.floats(-80, 80))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_orbit_anywhere_runs_with_consistent_looks(entry, lon, lat):
    """Any orbit over a short line anywhere on Earth: looks at abeam instants of active
    violations, each strip's instants inside its piece, coverage images counted."""
    s = scenario(
        duration="1d",
        line={"points": [[lon, lat], [lon + 0.5, lat + 0.3]], "buffer": "20km", "cell": "5km"},
        satellites=[entry],
    )
    run = run_pipeline(s)
    res = run.result
    ev, det = res.events, res.detections
    for p in res.pieces:
        assert p.kind == "swath"
        times = np.concatenate([p.strip.cell_time, p.strip.violation_time])
        assert p.t0 == times.min() and p.t1 == times.max()
        assert 0.0 <= p.t0 <= p.t1 < s.duration
    real = ~det["false_alarm"]
    v, t = det["violation"][real], det["t_detect_s"][real]
    assert np.all(ev["t_start_s"][v] <= t)
    assert np.all(t <= ev["t_start_s"][v] + ev["duration_s"][v])
    assert np.all(ev["in_zone"][v])
    cells = run.coverage.cells
    strip_rows = sum(len(np.unique(p.strip.cell)) for p in res.pieces)
    assert cells["satellite_images"].sum() <= strip_rows
    assert (cells["satellite_images"].sum() > 0) == (strip_rows > 0)


# --- what the sky cost ------------------------------------------------------------------


def test_sky_losses_are_counted_for_optical_satellites_only():
    sky = {"clouds": {"clear": "12h", "overcast": "12h", "cell": "50km"}}
    run = run_pipeline(scenario(environment=sky), coverage=False)
    m = run.metrics()
    res = run.result
    for k in ("images_night", "looks_night", "images_overcast", "looks_overcast"):
        assert f"assets.s2.{k}" in m
        assert f"assets.sar.{k}" not in m  # SAR ignores night and clouds
    assert 0 < m["assets.s2.images_night"] < m["assets.s2.images"]
    assert m["assets.s2.images_night"] + m["assets.s2.images_overcast"] <= m["assets.s2.images"]
    # the oracle of the night looks: strip rows at active violations with the sun down
    ev = res.events
    optical = {a.index for a in res.asset_list if a.modality == "eo"}
    night_rows = 0
    for p in res.pieces:
        if p.asset not in optical:
            continue
        v, t = p.strip.violation, p.strip.violation_time
        active = (ev["t_start_s"][v] <= t) & (t <= ev["t_start_s"][v] + ev["duration_s"][v])
        elevation = sun_elevation(ev["lon"][v], ev["lat"][v], t, res.scenario.start)
        night_rows += int(np.count_nonzero(active & (elevation < -6.0)))
    assert night_rows > 0
    assert m["assets.s2.looks_night"] == night_rows
    # and the keys are those metric_keys announces
    from sim.measure.metrics import metric_keys

    assert metric_keys(res.scenario, coverage=False) == set(m)


def test_looks_lost_to_night_of_a_ground_camera_against_a_sampled_sun():
    """A row of eo cameras: each (camera, violation in range) pair whose active interval
    has no daylight (the sun sampled every 20 s) is one look lost to night."""
    s = scenario(
        duration="2d",
        satellites=[],
        violations={"rate": "150/day", "duration": {"exponential": "2h"}, "offset": 0.0},
        ground_sensors=[
            {"name": "cams", "modality": "eo", "spacing": "10km", "sensor": {"range": "4km"}}
        ],
        environment={},
    )
    run = run_pipeline(s, coverage=False)
    m = run.metrics()
    res = run.result
    ev = res.events
    cams = [a for a in res.asset_list if a.group == "cams"]
    positions = np.array([[p.path[0][0], p.path[0][1]] for p in res.pieces])
    assert len(positions) == len(cams)
    expected = 0
    for v in range(len(ev["id"])):
        near = np.hypot(positions[:, 0] - ev["x"][v], positions[:, 1] - ev["y"][v]) <= 4000.0
        if not near.any():
            continue
        lo, hi = ev["t_start_s"][v], min(ev["t_start_s"][v] + ev["duration_s"][v], s.duration)
        t = np.append(np.arange(lo, hi, 20.0), hi)
        sun = sun_elevation(ev["lon"][v], ev["lat"][v], t, s.start)
        if np.all(sun < -6.0):
            expected += int(near.sum())
    assert expected > 10
    assert m["assets.cams.looks_night"] == expected


def test_cell_images_merge_scheduled_and_orbit_images():
    """A scheduled satellite (every cell, every image) beside an orbit: each cell's count
    and mean revisit are those of the union of both sets of instants."""
    sats = [{"name": "sched", "schedule": {"every": "7h", "first": "1h"}}, BASE["satellites"][1]]
    run = run_pipeline(scenario(satellites=sats, violations={"rate": "5/day"}))
    res, cells = run.result, run.coverage.cells
    zone = {p.t0 for p in res.pieces if p.kind == "image"}
    own: dict[int, set[float]] = {}
    for p in res.pieces:
        if p.kind == "swath":
            for c, t in zip(p.strip.cell.tolist(), p.strip.cell_time.tolist(), strict=True):
                own.setdefault(c, set()).add(t)
    assert own  # the orbit imaged some cells
    for c in range(len(cells["cell"])):
        times = sorted(zone | own.get(c, set()))
        assert cells["satellite_images"][c] == len(times)
        expected = (times[-1] - times[0]) / (len(times) - 1)
        assert cells["satellite_revisit_mean_s"][c] == pytest.approx(expected, rel=1e-12)


def test_stale_element_sets_are_warned_of():
    from sim.spec.checks import scenario_warnings

    lines = (DATA / "sentinel-like.tle").read_text().splitlines()
    sats = [{"name": "cat", "orbit": {"tle": lines}, "swath": "290km"}]
    assert not any("epoch" in w for w in scenario_warnings(scenario(satellites=sats)))
    later = scenario(satellites=sats, start="2026-06-01T00:00:00Z")
    stale = [w for w in scenario_warnings(later) if "epoch" in w]
    assert len(stale) == 2
    assert stale[0].startswith("satellites[0].orbit.tle: element set 1 (cat-1)")
    assert "2026-01-07, up to 147 days from the run" in stale[0]
