"""The engine end to end: reproducibility, streams, operations, verification, results."""

import filecmp
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.engine.model import verification_times
from sim.spec.load import scenario_from_data
from sim.store.files import read_table
from sim.store.read import ResultsFolder
from sim.store.write import write_results

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def small(**changes):
    data = {
        "name": "small",
        "duration": "3d",
        "line": {"crs": "local", "points": [[0, 0], [60_000, 0], [90_000, 30_000]]},
        "violations": {"rate": "60/day", "duration": {"exponential": "40min"}},
        "drones": [
            {
                "name": "uav",
                "count": 3,
                "speed": "120km/h",
                "sensor": {"range": "3km", "pd": 0.8},
                "patrol": {"stations": 1},
                "base": {"at": "30km", "offset": "-20km"},
                "endurance": "10h",
                "turnaround": "1h",
            }
        ],
        "ground_sensors": [
            {"name": "ugs", "modality": "seismic", "spacing": "5km", "sensor": {"range": "1km"}}
        ],
        "satellites": [{"name": "sat", "modality": "sar", "schedule": {"every": "12h"}, "pd": 0.7}],
    }
    data.update(changes)
    return scenario_from_data(data)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenarios_run(path, tmp_path):
    """Every shipped scenario validates, runs and writes a complete results folder."""
    scenario = sim.load_scenario(path)
    result = sim.run(scenario)
    out = write_results(result, tmp_path / "out")
    metrics = ResultsFolder(out).metrics  # a results folder: it has a manifest and metrics
    events = read_table(out / "events.csv")
    assert metrics["violations.count"] == len(events) == len(result.violations) > 0
    assert 0.0 <= metrics["detection.probability"] <= 1.0
    assert int(events["detected"].sum()) == round(metrics["detection.probability"] * len(events))
    detected = events["detected"]
    assert np.all(events["t_detect_s"][detected] >= events["t_start_s"][detected])
    assert np.all(
        events["t_detect_s"][detected]
        <= events["t_start_s"][detected] + events["duration_s"][detected] + 1e-6
    )


def test_same_seed_gives_byte_identical_results(tmp_path):
    """Two runs with one seed write identical events, detections and metrics files."""
    scenario = small()
    a = write_results(sim.run(scenario, seed=5), tmp_path / "a")
    b = write_results(sim.run(scenario, seed=5), tmp_path / "b")
    for name in ("events.csv", "detections.csv", "metrics.json", "scenario.resolved.yaml"):
        assert filecmp.cmp(a / name, b / name, shallow=False), name


def test_different_seeds_give_different_violations():
    """Another seed draws other violations."""
    scenario = small()
    a, b = sim.run(scenario, seed=1), sim.run(scenario, seed=2)
    assert not np.array_equal(a.events["t_start_s"][:10], b.events["t_start_s"][:10])


def test_adding_a_fleet_leaves_the_violations_and_other_fleets_unchanged():
    """Streams are keyed by name: a new satellite changes neither violations nor drone looks."""
    base = small()
    extra_sats = [
        {"name": "sat", "modality": "sar", "schedule": {"every": "12h"}, "pd": 0.7},
        {"name": "sat2", "modality": "eo", "schedule": {"every": "6h"}, "pd": 0.5},
    ]
    more = small(satellites=extra_sats)
    a, b = sim.run(base, seed=3), sim.run(more, seed=3)
    assert np.array_equal(a.events["t_start_s"], b.events["t_start_s"])
    assert np.array_equal(a.events["x"], b.events["x"])

    def drone_rows(result):
        mask = result.detections["asset_class"] == "drone"
        return list(
            zip(
                result.detections["violation_id"][mask],
                result.detections["t_detect_s"][mask],
                strict=True,
            )
        )

    assert drone_rows(a) == drone_rows(b)


def test_resolved_scenario_runs_again_identically(tmp_path):
    """scenario.resolved.yaml reloads into a scenario giving the same events."""
    out = write_results(sim.run(small(), seed=4), tmp_path / "a")
    again = sim.load_scenario(out / "scenario.resolved.yaml")
    out2 = write_results(sim.run(again), tmp_path / "b")
    assert filecmp.cmp(out / "events.csv", out2 / "events.csv", shallow=False)


def test_relief_keeps_the_station_manned():
    """Three airframes with 10 h endurance keep one station manned nearly all the time."""
    result = sim.run(small(), seed=1)
    stats = result.asset_stats["uav"]
    # the only gap is the first transit out (the base is ~20 km away at 120 km/h)
    first_transit_h = 20_000 / (120 / 3.6) / 3600
    assert stats["on_station_fraction"] == pytest.approx(1 - first_transit_h / 72, abs=2e-3)


def test_no_airframe_free_leaves_a_gap():
    """With one airframe, each relief waits for the landing and turnaround."""
    result = sim.run(small(drones=[{**small().drones[0].model_dump(), "count": 1}]), seed=1)
    stats = result.asset_stats["uav"]
    t_out = np.hypot(30_000, 20_000) / (120 / 3.6)  # base to the station's nearer end
    gap_each = 3600.0 + t_out  # at least the turnaround and the next transit out
    horizon = 3 * 86400.0
    bound = 1 - (t_out + (stats["sorties"] - 1) * gap_each) / horizon
    assert stats["sorties"] >= 3
    assert stats["on_station_fraction"] <= bound + 1e-9


def test_a_lost_drone_detects_nothing_after_its_loss():
    """Detections by an airframe never come after the cut of its pieces."""
    drones = [
        {
            **small().drones[0].model_dump(),
            "loss_rate": "0.05/h",
            "spares": 2,
            "replacement": "6h",
        }
    ]
    result = sim.run(small(drones=drones), seed=2)
    assert result.asset_stats["uav"]["losses"] >= 1
    lost_end = {}
    for piece in result.pieces:
        asset_id = result.assets["id"][piece.asset]
        if piece.cut < np.inf:
            lost_end[asset_id] = max(lost_end.get(asset_id, 0.0), piece.cut)
    det = result.detections
    for asset_id, t_cut in lost_end.items():
        mine = det["t_detect_s"][det["asset"] == asset_id]
        assert np.all(mine <= t_cut)


def test_verification_needs_k_modalities_within_the_window():
    """Reports eo@0 and sar@5000 verify at 5000 s with a 6000 s window, not with 4000 s."""
    viol = np.array([0, 0, 1])
    t = np.array([0.0, 5_000.0, 10.0])
    modality = np.array(["eo", "sar", "eo"], dtype=object)
    wide = verification_times(viol, t, modality, 2, 2, 6_000.0)
    narrow = verification_times(viol, t, modality, 2, 2, 4_000.0)
    assert wide[0] == 5_000.0 and np.isnan(wide[1])
    assert np.isnan(narrow).all()


def test_verification_ignores_repeats_of_one_modality():
    """Two eo reports are one modality: not verified with k = 2."""
    viol = np.array([0, 0])
    t = np.array([0.0, 10.0])
    modality = np.array(["eo", "eo"], dtype=object)
    assert np.isnan(verification_times(viol, t, modality, 1, 2, 100.0)).all()


def test_a_failed_write_leaves_no_folder(tmp_path, monkeypatch):
    """A crash while writing leaves neither the results folder nor a temporary one."""
    import sim.store.write as results

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(results, "write_csv", boom)
    with pytest.raises(RuntimeError):
        write_results(sim.run(small(), seed=1), tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_rewriting_replaces_an_older_results_folder(tmp_path):
    """Writing twice to one folder replaces it, leaving no temporary folder behind."""
    out = tmp_path / "out"
    write_results(sim.run(small(), seed=1), out)
    write_results(sim.run(small(), seed=2), out)
    assert ResultsFolder(out).metrics["violations.count"] == len(
        sim.run(small(), seed=2).violations
    )
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_listeners_hear_each_detection_when_it_happens():
    """A listener is called at the detection's own simulated time, for every final detection."""
    from sim.engine.model import build, run_model

    model = build(small(), seed=6)
    heard = []
    everyone = set(range(len(model.solver.assets)))
    model.solver.listen(model.env, lambda v, a, t: heard.append((v, a, t, model.env.now)), everyone)
    result = run_model(model)
    assert heard and all(t == now for _, _, t, now in heard)
    det = result.detections
    real = ~det["false_alarm"]
    asset_index = {name: i for i, name in enumerate(result.assets["id"])}
    final = {
        (int(v), asset_index[a], float(t))
        for v, a, t in zip(
            det["violation"][real], det["asset"][real], det["t_detect_s"][real], strict=True
        )
    }
    assert final <= {(v, a, t) for v, a, t, _ in heard}


def test_a_plan_cut_by_a_listener_voids_later_detections():
    """Reacting to a detection (here: the detecting sensor is switched off) cancels what follows."""
    from sim.engine.model import build, run_model

    model = build(small(drones=[], satellites=[]), seed=7)
    switched_off = {}

    def switch_off(violation, asset, t):
        if asset not in switched_off:
            switched_off[asset] = t
            for piece in model.solver.pieces:
                if piece.asset == asset:
                    model.solver.cut(piece, t)

    model.solver.listen(model.env, switch_off, set(range(len(model.solver.assets))))
    result = run_model(model)
    det = result.detections
    ids = list(result.assets["id"])
    assert switched_off
    for asset, t_off in switched_off.items():
        mine = det["t_detect_s"][det["asset"] == ids[asset]]
        assert len(mine) == 1 and mine[0] == t_off


def test_satellite_images_fall_in_the_run_period():
    """Images at first + k * every inside [0, duration): one a day over a day is one image."""
    sats = [{"name": "sat", "modality": "sar", "schedule": {"first": 0, "every": "24h"}}]
    result = sim.run(small(duration="1d", drones=[], ground_sensors=[], satellites=sats))
    assert result.asset_stats["sat"]["images"] == 1.0
    sats[0]["schedule"] = {"first": "1h", "every": "5h"}  # 1, 6, 11, 16, 21 h
    result = sim.run(small(duration="1d", drones=[], ground_sensors=[], satellites=sats))
    assert result.asset_stats["sat"]["images"] == 5.0


def test_a_drone_based_at_its_station_looks_at_take_off(tmp_path):
    """No transit: the patrol's first instant is an entry, so an active violation gets a look."""
    csv = tmp_path / "v.csv"
    csv.write_text("id,t_start_s,duration_s,x_m,y_m\na,8500,1000,100,0\n")
    drone = {
        "name": "d",
        "count": 2,
        "speed": 100,
        "sensor": {"range": 1000},
        "base": {"at": 0, "offset": 0},
        "endurance": 10_000,
        "turnaround": 0,
        "patrol": {"stations": 1},
    }
    scenario = scenario_from_data(
        {
            "name": "s",
            "duration": "1d",
            "line": {"crs": "local", "points": [[0, 0], [100_000, 0]]},
            "violations": {"file": str(csv)},
            "drones": [drone],
        }
    )
    events = sim.run(scenario).events
    # the relief takes off from the base, 100 m from the violation, when the first drone
    # must leave: endurance 10000 s - return reserve 1000 s = 9000 s (the first drone is
    # then at the far end, 100 km away)
    assert events["detected"][0]
    assert events["t_detect_s"][0] == pytest.approx(9_000, abs=2)
