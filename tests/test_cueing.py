"""Tip-and-cue on hand-computable cases: one ground sensor, one responder at distance d.

The sensor (range 1 km, pd 1) sits at the violations' point, so it detects each
violation at its start and reports L later. The responder waits at its base, at
distance d from the point (the fleet's station lies 50 km away, beyond
``max_distance``, so its patrolling airframe is never the nearest). Taking off at the
report, its sensor (range R, pd 1) reaches the point after (d - R) / v: the
violation, of duration D, is verified (two modalities) iff L + (d - R) / v <= D, at
t_start + L + (d - R) / v. It arrives at the point at L + d / v (served, or too late
after D), loiters, and flies home.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.core.errors import ScenarioError
from sim.engine.model import run
from sim.measure.metrics import metric_keys
from sim.pipeline import run as run_pipeline
from sim.spec.load import scenario_from_data

V = 50.0  # m/s
R = 500.0  # m, the responder's sensor range
GAP = 6 * 3600.0  # s between violations
LOITER = 1200.0
TURNAROUND = 3600.0


def scenario(
    tmp_path,
    d=20_000.0,
    L=300.0,
    D=900.0,
    n=8,
    starts=None,
    rule=None,
    pd=1.0,
    loss_rate=0.0,
    base=True,
    xs=None,
    fleet_extra=None,
):
    starts = [1000.0 + k * GAP for k in range(n)] if starts is None else starts
    xs = [50_000.0] * len(starts) if xs is None else xs
    rows = ["id,t_start_s,duration_s,x_m,y_m"]
    rows += [f"v{k},{t},{D},{x},0" for k, (t, x) in enumerate(zip(starts, xs, strict=True))]
    path = tmp_path / "violations.csv"
    path.write_text("\n".join(rows) + "\n")
    fleet = {
        "name": "uav",
        "count": 2,
        "speed": V,
        "sensor": {"range": R, "pd": pd},
        "patrol": {"stations": 1, "span": [0, 2000]},
        "base": [50_000, -d],
        "endurance": "400d",  # longer than any run here: no relief takes the spare
        "turnaround": TURNAROUND,
        "loss_rate": loss_rate,
    }
    fleet.update(fleet_extra or {})
    if not base:  # one airframe on a station through the point, no base
        fleet = {
            "name": "uav",
            "count": 1,
            "speed": V,
            "sensor": {"range": R, "pd": pd},
            "patrol": {"span": [40_000, 60_000], "standoff": -d},
        }
    data = {
        "name": "cue",
        "duration": max(starts) + 2 * 3600,
        "line": {"crs": "local", "points": [[0, 0], [100_000, 0]], "buffer": "30km"},
        "violations": {"file": str(path)},
        "drones": [fleet],
        "ground_sensors": [
            {
                "name": "ugs",
                "modality": "acoustic",
                "positions": [[50_000, 0]],
                "sensor": {"range": 1000, "pd": 1.0},
                "report_latency": L,
            }
        ],
    }
    cue = {"from": ["ugs"], "responders": ["uav"], "max_distance": "40km", "loiter": LOITER}
    cue.update(rule or {})
    data["cueing"] = [cue]
    return scenario_from_data(data)


@pytest.mark.parametrize(
    ("d", "L", "D"),
    [
        (20_000.0, 300.0, 900.0),  # verified: 300 + 390 <= 900
        (20_000.0, 300.0, 600.0),  # not: 690 > 600
        (10_000.0, 60.0, 300.0),  # verified, 60 + 190 = 250; arrives at 260: served
        (10_000.0, 60.0, 255.0),  # verified at 250, but arrives at 260 > 255: too late
        (30_000.0, 0.0, 3600.0),
    ],
)
def test_verified_iff_the_responder_sees_the_point_before_the_violation_ends(tmp_path, d, L, D):
    result = run(scenario(tmp_path, d=d, L=L, D=D))
    events = result.events
    reach = L + (d - R) / V  # from the violation's start to the responder's look
    arrive = L + d / V
    verified = reach <= D
    assert np.all(events["verified"] == verified)
    if verified:
        np.testing.assert_allclose(events["t_verified_s"] - events["t_start_s"], reach)
    n = len(events)
    c = result.cueing
    assert c is not None
    assert (c["cues"], c["sent"], c["dropped"], c["queued"], c["lost"]) == (n, n, 0, 0, 0)
    assert c["served"] == (n if arrive <= D else 0)
    assert c["too_late"] == (0 if arrive <= D else n)
    # each response: out, loiter, home
    np.testing.assert_allclose(c["responder_hours"], n * (2 * d / V + LOITER) / 3600)
    assert c["verified_by_cue"] == (n if verified else 0)
    # the cueing report in detections.csv is the one the cue left at
    det = result.detections
    ground = det["group"] == "ugs"
    np.testing.assert_allclose(det["t_report_s"][ground], det["t_detect_s"][ground] + L)


def test_metrics_of_a_cued_run_are_the_predicted_keys(tmp_path):
    s = scenario(tmp_path, n=3)
    metrics = run_pipeline(s, coverage=False).metrics()
    assert set(metrics) == metric_keys(s, coverage=False)
    assert metrics["cueing.sent"] == 3
    assert metrics["cueing.verified_by_cue"] == 1.0
    plain = scenario_from_data({k: v for k, v in s.to_data().items() if k != "cueing"})
    assert not {k for k in metric_keys(plain) if k.startswith("cueing.")}


def test_looks_while_loitering_come_every_glimpse(tmp_path):
    """pd p: the entry look on the way, then one look every glimpse g while loitering.

    The loiter piece continues the transit (no new entry look at its start): looks at
    arrival + g, + 2g, ... <= arrival + loiter, so 1 + floor(loiter / g) looks in all.
    """
    p, g, n, d, L = 0.3, 240.0, 300, 20_000.0, 300.0
    D = 4 * 3600.0
    rule = {"glimpse": g}
    result = run(scenario(tmp_path, d=d, L=L, D=D, n=n, pd=p, rule=rule))
    events = result.events
    looks = 1 + math.floor(LOITER / g)
    allowed = [L + (d - R) / V] + [L + d / V + j * g for j in range(1, looks)]
    delay = (events["t_verified_s"] - events["t_start_s"])[events["verified"]]
    assert np.all(np.min(np.abs(delay[:, None] - np.array(allowed)[None, :]), axis=1) < 1e-6)
    q = 1 - (1 - p) ** looks
    lo, hi = stats.binom.ppf([0.0005, 0.9995], n, q)
    assert lo <= events["verified"].sum() <= hi
    # without a glimpse of its own the loiter adds no look (the fleet has none either)
    once = run(scenario(tmp_path, d=d, L=L, D=D, n=n, pd=p))
    lo, hi = stats.binom.ppf([0.0005, 0.9995], n, p)
    assert lo <= once.events["verified"].sum() <= hi


def test_a_busy_responder_leaves_the_next_cue_waiting_until_it_is_back(tmp_path):
    """Two violations 60 s apart, 700 m apart: the second cue waits for the responder.

    It is free again after landing and turnaround: report + 2 d / v + loiter +
    turnaround; it then takes off for the second point, at d2 = hypot(d, 700 m)
    (the first point and its path there pass it farther than R).
    """
    d, L, D = 20_000.0, 300.0, 3 * 3600.0
    starts = [1000.0, 1060.0]
    result = run(scenario(tmp_path, d=d, L=L, D=D, starts=starts, xs=[50_000.0, 50_700.0]))
    c = result.cueing
    assert c is not None
    assert (c["cues"], c["sent"], c["queued"], c["dropped"], c["served"]) == (2, 2, 1, 0, 2)
    free = starts[0] + L + 2 * d / V + LOITER + TURNAROUND
    t_verified = result.events["t_verified_s"]
    d2 = math.hypot(d, 700.0)
    np.testing.assert_allclose(t_verified, [starts[0] + L + (d - R) / V, free + (d2 - R) / V])


@pytest.mark.parametrize("why", ["max_wait", "over"])
def test_a_waiting_cue_is_dropped_after_max_wait_or_when_its_violation_ends(tmp_path, why):
    d, L = 20_000.0, 300.0
    D = 3 * 3600.0 if why == "max_wait" else 3000.0  # over before the responder is back
    rule = {"max_wait": "30min"} if why == "max_wait" else {}
    starts, xs = [1000.0, 1060.0], [50_000.0, 50_700.0]
    result = run(scenario(tmp_path, d=d, L=L, D=D, starts=starts, xs=xs, rule=rule))
    c = result.cueing
    assert c is not None
    assert (c["cues"], c["sent"], c["queued"], c["dropped"]) == (2, 1, 1, 1)
    assert list(result.events["verified"]) == [True, False]


def test_a_cued_patrol_resumes_where_it_left_and_its_station_is_uncovered_meanwhile(tmp_path):
    """A drone on station (no base) is cut at the report, flies out and comes back."""
    d, L, D = 5_000.0, 100.0, 1800.0
    result = run(scenario(tmp_path, d=d, L=L, D=D, n=2, base=False))
    c = result.cueing
    assert c is not None
    assert c["sent"] == 2 and c["served"] == 2
    pieces = [p for p in result.pieces if result.asset_list[p.asset].group == "uav"]
    patrols = [p for p in pieces if p.kind == "bounce"]
    cue_pieces = [p for p in pieces if p.cue]
    assert len(patrols) == 3 and len(cue_pieces) == 6  # out, loiter, back per cue
    for before, after in zip(patrols[:-1], patrols[1:], strict=True):
        left, back = before.end, after.t0
        np.testing.assert_allclose(before.position(left), after.position(back), atol=1e-6)
        # it picks up its patrol where it was: the same motion, shifted by the time away
        for dt in (10.0, 500.0, 3000.0):
            np.testing.assert_allclose(
                after.position(back + dt), before.position(left + dt), atol=1e-6
            )
        # away: no patrol piece covers the gap
        assert not any(p.t0 < back and p.end > left for p in patrols)


def test_a_lost_responder_ends_its_cue(tmp_path):
    """Losses (1/h, spares back after a minute) cut responses; the lost see nothing after."""
    extra = {"spares": 200, "replacement": 60}
    s = scenario(tmp_path, n=40, loss_rate="1/h", D=3600.0, fleet_extra=extra)
    result = run(s)
    c = result.cueing
    assert c is not None
    assert c["lost"] > 0
    assert c["served"] + c["too_late"] <= c["sent"] <= c["served"] + c["too_late"] + c["lost"]
    assert c["cues"] == c["sent"] + c["dropped"]
    cut = [p for p in result.pieces if p.cue and p.cut < p.t1]
    assert cut  # losses cut the responses' pieces
    last = {}
    for p in result.pieces:
        last[p.asset] = max(last.get(p.asset, -math.inf), p.end)
    det = result.detections
    drone = det["group"] == "uav"
    ids = {a.id: a.index for a in result.asset_list}
    ends = np.array([last[ids[a]] for a in det["asset"][drone]])
    assert np.all(det["t_detect_s"][drone] <= ends + 1e-9)


def test_cueing_names_are_checked(tmp_path):
    s = scenario(tmp_path, n=1)
    data = s.to_data()
    data["cueing"][0]["from"] = ["nobody"]
    data["cueing"][0]["responders"] = ["ugs"]
    with pytest.raises(ScenarioError) as info:
        scenario_from_data(data)
    text = str(info.value)
    assert "cueing[0].from[0]" in text and "nobody" in text
    assert "cueing[0].responders[0]" in text


def test_a_resolved_cued_scenario_validates_again_to_itself(tmp_path):
    s = scenario(tmp_path, n=1, rule={"glimpse": 60, "priority": 2, "max_wait": "1h"})
    again = scenario_from_data(s.to_data())
    assert again == s
    assert s.to_data()["cueing"][0]["from"] == ["ugs"]


@pytest.mark.parametrize("name", ["based_drones", "free_drones"])
def test_cued_runs_match_the_time_stepped_oracle(name):
    """With cues cutting and replanning airframes (relief, losses, spares; on station or
    from the base), every detection matches the brute-force oracle, and the flown plans
    join up: a cue's pieces are plain pieces to the solver."""
    from oracle import build
    from test_oracle import DT, SCENARIOS, check_against_oracle

    data = dict(SCENARIOS[name], name=f"{name}_cued")
    data["ground_sensors"] = [
        {
            "name": "ugs",
            "modality": "acoustic",
            "spacing": 10_000.0,
            "offset": 2_000.0,
            "sensor": {"range": 1_500.0, "pd": 1.0},
            "report_latency": {"exponential": 120.0},
        }
    ]
    data["cueing"] = [{"from": ["ugs"], "responders": ["uav"], "loiter": 900, "glimpse": 60}]
    result = run(scenario_from_data(data))
    c = result.cueing
    assert c is not None and c["sent"] >= 10 and c["served"] >= 5
    assert any(p.cue for p in result.pieces)
    check_against_oracle(result, build(result, DT))


def test_cue_tracks_are_marked_in_assets_geojson(tmp_path):
    import json

    from sim.store.geojson import documents

    d, n = 20_000.0, 3
    result = run(scenario(tmp_path, d=d, n=n))
    documents(result)["assets.geojson"].write(tmp_path / "assets.geojson")
    features = json.loads((tmp_path / "assets.geojson").read_text())["features"]
    cues = [f for f in features if f["properties"]["kind"] == "cue"]
    assert len(cues) == 3 * n  # out, loiter, home per cue
    legs = [f for f in cues if f["properties"]["piece"] == "once"]
    loiters = [f for f in cues if f["properties"]["piece"] == "static"]
    assert all(f["geometry"]["type"] == "LineString" for f in legs)
    assert [f["geometry"]["coordinates"] for f in loiters] == [[50_000.0, 0.0]] * n
    for f in legs:
        (x0, y0), (x1, y1) = f["geometry"]["coordinates"][0], f["geometry"]["coordinates"][-1]
        assert math.hypot(x1 - x0, y1 - y0) == pytest.approx(d)
    # without cueing there is none
    plain = scenario_from_data(
        {k: v for k, v in result.scenario.to_data().items() if k != "cueing"}
    )
    documents(run(plain))["assets.geojson"].write(tmp_path / "plain.geojson")
    text = (tmp_path / "plain.geojson").read_text()
    assert '"cue"' not in text


def test_the_report_in_detections_csv_is_the_one_that_sent_the_responder(tmp_path):
    """Random report latencies: each responder takes off at a report time of detections.csv.

    The latency of a cueing group's detection is drawn when it happens and the results
    use that same draw: every response not queued starts at the sensor's t_report_s.
    """
    result = run(scenario(tmp_path, n=30, L={"exponential": 600.0}, D=3 * 3600.0))
    c = result.cueing
    assert c is not None and c["queued"] == 0 and c["sent"] == 30
    det = result.detections
    reports = det["t_report_s"][det["group"] == "ugs"]
    assert len(np.unique(reports - det["t_detect_s"][det["group"] == "ugs"])) == 30  # random
    takeoffs = [p.t0 for p in result.pieces if p.cue and p.kind == "once" and not p.continues]
    assert sorted(takeoffs) == sorted(reports.tolist())


def test_the_time_a_responder_is_away_is_off_station(tmp_path):
    """Without a base: on-station fraction = 1 - (time away on cues) / T, time away
    2 d' / v + loiter per cue (d' its distance when cued); responder_hours is that time."""
    s = scenario(tmp_path, d=5_000.0, L=100.0, D=1800.0, n=4, base=False)
    result = run(s)
    c = result.cueing
    assert c is not None and c["sent"] == 4
    away = c["responder_hours"] * 3600
    cue_pieces = [p for p in result.pieces if p.cue]
    legs = [p for p in cue_pieces if p.kind == "once"]
    np.testing.assert_allclose(away, sum(p.t1 - p.t0 for p in cue_pieces))
    np.testing.assert_allclose(away, sum(p.t1 - p.t0 for p in legs) + 4 * LOITER)
    fraction = result.asset_stats["uav"]["on_station_fraction"]
    np.testing.assert_allclose(fraction, 1 - away / s.duration)


@pytest.mark.parametrize("delay", [600.0, {"exponential": "10min"}])
def test_a_cue_from_a_drone_fleet_leaves_at_its_report_jamming_delays(tmp_path, delay):
    """A drone spotter inside a jamming area with a report delay cues the responder.

    The spotter patrols over the point (range 1 km, pd 1, report latency 120 s); the
    area holds the point, so each report is the detection + 120 s + the area's delay,
    drawn when the detection happens: every responder takes off at a spotter's
    t_report_s of detections.csv (the same draws), and a fixed delay adds exactly itself.
    """
    data = scenario(tmp_path, n=12, D=3 * 3600.0).to_data()
    data["drones"].append(
        {
            "name": "spotter",
            "count": 1,
            "speed": V,
            "sensor": {"range": 1000.0, "pd": 1.0},
            "patrol": {"span": [45_000, 55_000]},
            "report_latency": 120.0,
        }
    )
    data["cueing"][0]["from"] = ["spotter"]
    data["environment"] = {
        "daylight": None,
        "jamming": [
            {
                "name": "box",
                "area": [[40_000, -5_000], [60_000, -5_000], [60_000, 5_000], [40_000, 5_000]],
                "report_delay": delay,
            }
        ],
    }
    result = run(scenario_from_data(data))
    c = result.cueing
    assert c is not None and c["queued"] == 0 and c["sent"] == 12
    det = result.detections
    spotter = det["group"] == "spotter"
    assert spotter.sum() == 12
    extra = det["t_report_s"][spotter] - det["t_detect_s"][spotter] - 120.0
    if isinstance(delay, float):
        np.testing.assert_allclose(extra, delay)
    else:
        assert len(np.unique(extra)) == 12 and np.all(extra > 0)
    takeoffs = [p.t0 for p in result.pieces if p.cue and p.kind == "once" and not p.continues]
    assert sorted(takeoffs) == sorted(det["t_report_s"][spotter].tolist())
