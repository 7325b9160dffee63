"""The adapting adversary (violations.adversary): exact escape chances, choices, coupling."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import yaml

from sim.core.errors import ScenarioError
from sim.engine.model import build
from sim.engine.model import run as run_engine
from sim.pipeline import run as run_pipeline
from sim.spec.geometry import scenario_line
from sim.spec.load import load_scenario, scenario_from_data
from sim.world import adversary
from sim.world.assets.context import stream

EVERY = 6 * 3600.0
D = 2 * 3600.0

PERIODIC = {
    "name": "periodic",
    "seed": 4,
    "duration": "7d",
    "line": {"points": [[0, 0], [100_000, 0]], "crs": "local", "buffer": "5km"},
    "violations": {"rate": "60/day", "duration": D},
    "satellites": [{"name": "sat", "schedule": {"every": EVERY}, "pd": 1.0}],
}

MIX = {
    "name": "mix",
    "seed": 2,
    "duration": "5d",
    "line": {"points": [[0, 0], [150_000, 0]], "crs": "local", "buffer": "10km"},
    "violations": {"rate": "150/day", "duration": {"exponential": "1h"}},
    "drones": [
        {"name": "uav", "count": 2, "speed": "120km/h", "sensor": {"range": "4km", "pd": 0.7}}
    ],
    "ground_sensors": [
        {
            "name": "ugs",
            "modality": "acoustic",
            "spacing": "15km",
            "sensor": {"range": "2km", "pd": 0.8},
        }
    ],
    "satellites": [{"name": "sar", "modality": "sar", "schedule": {"every": "12h"}, "pd": 0.6}],
}


def scenario(base, **violations):
    data = copy.deepcopy(base)
    data["violations"].update(violations)
    return scenario_from_data(data)


def detected(s, seed=None):
    return run_engine(s, seed).events["detected"]


def test_no_or_naive_adversary_changes_nothing():
    plain = run_pipeline(scenario(MIX))
    for side in ({"awareness": 0.0}, {"awareness": 0.0, "knows": ["schedule"]}):
        naive = run_pipeline(scenario(MIX, adversary=side))
        for name in ("events", "detections"):
            a, b = getattr(plain, name), getattr(naive, name)
            assert a.columns == b.columns
            for c in a.columns:
                np.testing.assert_array_equal(a[c], b[c], f"{name}.{c}")
        assert plain.metrics() == naive.metrics()


def test_escape_chances_against_a_periodic_satellite_are_exact():
    """The planning run's chance of escape of a violation [t, t + D] in the zone is 0 when
    an image (at k x EVERY, before the end T) falls in it and 1 otherwise."""
    s = scenario(PERIODIC)
    line = scenario_line(s)
    base = run_engine(s).violations
    cand = adversary.candidates(s, line, base, np.random.default_rng(1), 8)
    rows = np.arange(len(base))
    shadow, order = adversary.as_violations(cand, base, rows)
    plan = build(adversary.planning_scenario(s, ["schedule"]), 4, shadow, exposure=True)
    plan.env.run(until=s.duration)
    plan.solver.finish()
    escape = np.exp(plan.solver.log_escape)
    t0, t1 = shadow.t_start, np.minimum(shadow.t_end, s.duration)
    k = np.ceil(t0 / EVERY)  # the first image at or after the start; images before T only
    imaged = (k * EVERY <= t1) & (k <= math.ceil(s.duration / EVERY) - 1)
    in_zone = np.abs(shadow.offset) <= 5000.0
    np.testing.assert_array_equal(escape, np.where(imaged & in_zone, 0.0, 1.0))
    assert imaged.any() and (~imaged).any()


def test_a_fully_aware_side_escapes_a_known_periodic_satellite():
    """Fixed-duration violations shorter than the gap between images: with awareness 1
    every violation finds a candidate the satellite cannot see (32 candidates each, each
    safe with chance 1 - D / EVERY = 2/3), so none is detected; the naive side's detection
    is D / EVERY = 1/3 within its binomial bounds."""
    naive = detected(scenario(PERIODIC))
    n = len(naive)
    p = D / EVERY
    half = 3.0 * math.sqrt(p * (1 - p) / n)
    assert abs(naive.mean() - p) < half
    aware = detected(scenario(PERIODIC, adversary={"awareness": 1.0, "knows": ["schedule"]}))
    assert len(aware) == n
    assert aware.sum() == 0


def test_what_it_does_not_know_it_cannot_use():
    """Knowing only the sky, the side cannot escape the satellite: its aware violations are
    redrawn from the process itself, and detection stays the naive one within bounds."""
    naive = detected(scenario(PERIODIC)).mean()
    blind = detected(scenario(PERIODIC, adversary={"awareness": 1.0, "knows": ["daylight"]}))
    half = 3.0 * math.sqrt(naive * (1 - naive) / len(blind))
    assert abs(blind.mean() - naive) < half


def test_detection_falls_as_awareness_rises():
    """Against a mix of drones, ground sensors and a SAR, detection falls with awareness;
    each step is more than three standard errors of the difference of its proportions."""
    shares = []
    for a in (0.0, 0.5, 1.0):
        found = detected(scenario(MIX, adversary={"awareness": a}))
        shares.append((found.mean(), len(found)))
    for (p0, n0), (p1, n1) in zip(shares, shares[1:], strict=False):
        se = math.sqrt(p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1)
        assert p0 - p1 > 3.0 * se, shares


def test_aware_sets_are_nested_and_choices_stable():
    """The violations a half-aware side moves are moved to the same places by a fully
    aware one (one uniform per violation decides awareness, one its choice)."""
    half = run_engine(scenario(MIX, adversary={"awareness": 0.5})).violations
    full = run_engine(scenario(MIX, adversary={"awareness": 1.0})).violations
    naive = run_engine(scenario(MIX)).violations
    moved_half = set(zip(half.t_start.tolist(), half.x.tolist(), strict=True)) - set(
        zip(naive.t_start.tolist(), naive.x.tolist(), strict=True)
    )
    full_places = set(zip(full.t_start.tolist(), full.x.tolist(), strict=True))
    assert moved_half and moved_half <= full_places


def test_replay_with_an_adversary_is_refused(tmp_path):
    data = copy.deepcopy(PERIODIC)
    data["violations"] = {"file": "v.csv", "adversary": {"awareness": 0.5}}
    (tmp_path / "v.csv").write_text("id,t_start_s,duration_s,x_m,y_m\na,60,600,500,0\n")
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    where = r"violations\.adversary \(line \d+\): an adversary places"
    with pytest.raises(ScenarioError, match=where):
        load_scenario(tmp_path / "s.yaml")


def test_bad_adversary_keys_name_their_path():
    for side, where in (
        ({"awareness": 1.5}, "violations.adversary.awareness"),
        ({"knows": ["schedule", "schedule"]}, "violations.adversary.knows"),
        ({"knows": ["radar"]}, "violations.adversary.knows"),
        ({"candidates": 0}, "violations.adversary.candidates"),
        ({"awarenes": 0.5}, "violations.adversary"),
    ):
        with pytest.raises(ScenarioError, match=where.replace(".", r"\.")):
            scenario(PERIODIC, adversary=side)


def test_choose_is_proportional_to_escape():
    escape = np.array([[0.0, 1.0, 3.0], [0.0, 0.0, 0.0]])
    v = np.array([0.0, 0.2, 0.26, 0.99])
    picks = [adversary.choose(escape[:1], np.array([u]))[0] for u in v]
    assert picks == [1, 1, 2, 2]  # weights 0, 1/4, 3/4
    assert adversary.choose(escape[1:], np.array([0.7]))[0] == 2  # all seen: uniform


def test_the_streams_of_the_side_are_its_own():
    """Candidates and choices come from the side's own streams: the violation process's
    draws are the naive ones (same count, types and durations)."""
    naive = run_engine(scenario(MIX)).violations
    aware = run_engine(scenario(MIX, adversary={"awareness": 1.0})).violations
    assert len(aware) == len(naive)
    assert sorted(aware.duration.tolist()) == sorted(naive.duration.tolist())
    assert adversary.AWARE_STREAM != adversary.CHOICE_STREAM
    a = stream(2, adversary.AWARE_STREAM).random(3)
    b = stream(2, "violations").random(3)
    assert not np.array_equal(a, b)


def test_validate_says_what_the_side_knows(capsys):
    from sim.cli import main

    data = copy.deepcopy(PERIODIC)
    data["violations"]["adversary"] = {"awareness": 0.25, "knows": ["schedule", "clouds"]}
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "adversary  25% of violations placed where least seen (knows schedule, clouds" in out
