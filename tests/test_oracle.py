"""The engine's exact detection times against a brute-force time-stepped oracle.

Small scenarios with pd = 1, so that every footprint entry is a detection. The
oracle (tests/oracle.py) steps each violation's active interval at DT = 1 s with
its own interpolation of the plan pieces; each (violation, asset) detection time
of the engine must match the oracle's first entry to within one step, and
disagreements must be borderline (a visit shorter than a step, confirmed inside
by the oracle's geometry, or a float tie on the footprint's edge) and rare.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from oracle import build, compare, entry_counts, legs_of

from sim.pipeline import run
from sim.spec.load import scenario_from_data

DT = 1.0  # s, the oracle's step
Z = 3.29  # two-sided 99.9 % standard normal quantile
HOUR = 3600.0
DAY = 86_400.0


def straight(length: float) -> dict:
    """A straight local line along x from 0 to ``length`` metres."""
    return {"crs": "local", "points": [[0.0, 0.0], [length, 0.0]]}


def violations(count: float, duration: float, mean_length: float, half_width: float) -> dict:
    """About ``count`` violations, exponential durations, offsets uniform in +/- half_width."""
    return {
        "rate": count / duration,
        "duration": {"exponential": mean_length},
        "offset": {"uniform": [-half_width, half_width]},
    }


GROUND = {
    "name": "ground_failures",
    "seed": 11,
    "duration": 4 * DAY,
    "line": straight(60_000.0),
    "violations": violations(1_000, 4 * DAY, 3 * HOUR, 3_000.0),
    "ground_sensors": [
        {
            "name": "ugs",
            "spacing": 5_000.0,
            "sensor": {"range": 2_000.0, "pd": 1.0},
            "mtbf": 1 * DAY,
            "mttr": 6 * HOUR,
        }
    ],
}

FREE_DRONES = {
    "name": "free_drones",
    "seed": 12,
    "duration": 2 * DAY,
    "line": straight(60_000.0),
    "violations": violations(1_000, 2 * DAY, 1 * HOUR, 5_000.0),
    "drones": [
        {
            "name": "uav",
            "count": 3,
            "speed": 30.0,
            "sensor": {"range": 3_000.0, "pd": 1.0},
        }
    ],
}

BASE = (20_000.0, -15_000.0)  # chainage, offset of the base (= x, y on this line)
BASED_DRONES = {
    "name": "based_drones",
    "seed": 13,
    "duration": 4 * DAY,
    "line": straight(60_000.0),
    "violations": violations(1_000, 4 * DAY, 1 * HOUR, 5_000.0),
    "drones": [
        {
            "name": "uav",
            "count": 3,
            "speed": 30.0,
            "sensor": {"range": 3_000.0, "pd": 1.0},
            "patrol": {"stations": 1, "span": [10_000.0, 50_000.0]},
            "base": {"at": BASE[0], "offset": BASE[1]},
            "endurance": 6 * HOUR,
            "turnaround": 1 * HOUR,
            "loss_rate": 1 / (30 * HOUR),
            "spares": 2,
            "replacement": 6 * HOUR,
        }
    ],
}

BENT_STANDOFF = {
    "name": "bent_standoff",
    "seed": 14,
    "duration": 2 * DAY,
    "line": {"crs": "local", "points": [[0.0, 0.0], [30_000.0, 0.0], [50_000.0, 20_000.0]]},
    "violations": violations(1_000, 2 * DAY, 1 * HOUR, 5_000.0),
    "drones": [
        {
            "name": "uav",
            "count": 1,
            "speed": 25.0,
            "sensor": {"range": 3_000.0, "pd": 1.0},
            "patrol": {"standoff": 2_000.0},
        }
    ],
}

SCENARIOS = {
    "ground_failures": GROUND,
    "free_drones": FREE_DRONES,
    "based_drones": BASED_DRONES,
    "bent_standoff": BENT_STANDOFF,
}


@pytest.fixture(scope="module")
def runs():
    """Each scenario's run and oracle, computed once for the module."""
    out = {}
    for name, data in SCENARIOS.items():
        result = run(scenario_from_data(data))
        out[name] = (result, build(result, DT))
    return out


def check_against_oracle(result, oracle) -> None:
    """The assertions shared by every scenario: agreement, rare explained borderline cases."""
    c = compare(result, oracle)
    assert c.pairs >= 100, f"only {c.pairs} pairs: the scenario checks too little"
    assert c.later_entry >= 10, "too few entries after the start to test entry times"
    assert c.outside == [], c.outside[:5]
    assert c.wrong == [], c.wrong[:5]
    assert c.event_wrong == [], c.event_wrong[:5]
    assert len(c.borderline) <= max(2, 0.01 * c.pairs), c.borderline
    assert c.agree + len(c.borderline) == c.pairs


def test_ground_sensors_with_failures_match_oracle(runs):
    """Ground sensors that fail and are repaired: detections at the start or at repair."""
    result, oracle = runs["ground_failures"]
    assert result.asset_stats["ugs"]["failures"] >= 20
    cut = [p for p in result.pieces if p.cut < p.t1]
    assert len(cut) == result.asset_stats["ugs"]["failures"]  # each failure ends a piece
    # some violations are first seen when a failed sensor comes back
    repairs = {leg.t0 for legs in oracle.legs.values() for leg in legs[1:]}
    det = result.detections
    assert sum(t in repairs for t in det["t_detect_s"]) >= 3
    check_against_oracle(result, oracle)


def test_free_drone_fleet_matches_oracle(runs):
    """Three drones without a base, each patrolling its third of the line forever."""
    result, oracle = runs["free_drones"]
    assert len(result.pieces) == 3
    check_against_oracle(result, oracle)


def test_based_fleet_with_relief_and_losses_matches_oracle(runs):
    """A based fleet (3 airframes, 1 station, relief, losses, spares) matches the oracle."""
    result, oracle = runs["based_drones"]
    stats = result.asset_stats["uav"]
    assert stats["losses"] >= 1
    lost = {p.asset for p in result.pieces if p.cut < p.t1}
    assert len(lost) == stats["losses"]  # each loss cuts its airframe's plan
    assert stats["sorties"] >= 10
    check_against_oracle(result, oracle)


def test_bent_line_with_standoff_matches_oracle(runs):
    """One drone flying a standoff path parallel to a line with a bend."""
    result, oracle = runs["bent_standoff"]
    (leg,) = oracle.legs[0]
    assert len(leg.xs) == 3  # the standoff path keeps the bend
    check_against_oracle(result, oracle)


def test_standoff_path_runs_parallel_to_the_line(runs):
    """The standoff path's vertices sit at the standoff distance, on the left of the line."""
    result, oracle = runs["bent_standoff"]
    (leg,) = oracle.legs[0]
    # left of [0,0] -> [30000,0] is +y; left of the 45-degree leg is up and to the left
    first, last = (leg.xs[0], leg.ys[0]), (leg.xs[-1], leg.ys[-1])
    assert first == pytest.approx((0.0, 2_000.0), abs=1e-6)
    s = math.sqrt(0.5)
    assert last == pytest.approx((50_000.0 - 2_000.0 * s, 20_000.0 + 2_000.0 * s), abs=1e-6)


@pytest.mark.parametrize("name", ["free_drones", "based_drones", "bent_standoff"])
def test_drone_plans_are_continuous(runs, name):
    """Each airframe's flown pieces join end to start in time and position, except across a
    landing and take-off at the base; nothing flies after a loss."""
    result, oracle = runs[name]
    base = np.array(BASE) if name == "based_drones" else None
    joins = 0
    for asset, legs in oracle.legs.items():
        cut = [p for p in result.pieces if p.asset == asset and p.cut < p.t1]
        lost_at = min((p.cut for p in cut), default=math.inf)
        for a, b in zip(legs[:-1], legs[1:], strict=True):
            assert b.t0 >= a.t_end - 1e-6, f"asset {asset}: pieces overlap in time"
            assert b.t0 <= lost_at, f"asset {asset} flies after its loss at {lost_at}"
            end = np.array([c[0] for c in a.xy(np.array([a.t_end]))])
            start = np.array([c[0] for c in b.xy(np.array([b.t0]))])
            if b.t0 - a.t_end <= 1e-6:
                assert np.allclose(end, start, atol=1e-6), f"asset {asset} jumps at {b.t0}"
                joins += 1
            else:
                assert base is not None, f"asset {asset} has a gap without a base"
                assert np.allclose(end, base, atol=1e-6), f"asset {asset} lands off base"
                assert np.allclose(start, base, atol=1e-6), f"asset {asset} takes off off base"
        if base is not None:
            first = legs[0]
            start = np.array([c[0] for c in first.xy(np.array([first.t0]))])
            assert np.allclose(start, base, atol=1e-6)
    if name == "based_drones":
        assert joins >= 10


PD_LOW = 0.4


@pytest.fixture(scope="module")
def low_pd_runs():
    """The drone scenarios again with pd = 0.4 and more, longer violations: run and oracle."""
    out = {}
    for name in ("free_drones", "based_drones"):
        base = SCENARIOS[name]
        data = dict(base, name=f"{name}_pd")
        data["violations"] = violations(2_000, base["duration"], 2 * HOUR, 5_000.0)
        data["drones"] = [dict(base["drones"][0], sensor={"range": 3_000.0, "pd": PD_LOW})]
        result = run(scenario_from_data(data))
        out[name] = (result, build(result, DT))
    return out


@pytest.mark.parametrize("name", ["free_drones", "based_drones"])
def test_entry_counts_give_detection_probability_with_pd_below_one(low_pd_runs, name):
    """pd < 1: each (violation, asset) is detected with probability 1 - (1 - pd)^entries,
    entries counted by the oracle (a Poisson-binomial count, z = 3.29, continuity 0.5)."""
    result, oracle = low_pd_runs[name]
    m = np.array(list(entry_counts(oracle).values()))
    assert np.mean(m >= 2) >= 0.2  # repeated entries matter here
    p = 1 - (1 - PD_LOW) ** m
    mean, sd = p.sum(), math.sqrt(np.sum(p * (1 - p)))
    observed = len(result.detections)
    half = Z * sd + 0.5
    assert half <= 0.06 * mean
    assert abs(observed - mean) <= half, (
        f"{observed} detections; expected {mean:.1f} +/- {half:.1f} from {len(m)} pairs"
    )


@pytest.mark.parametrize("name", ["free_drones", "based_drones"])
def test_detections_with_pd_below_one_happen_at_entries(low_pd_runs, name):
    """pd < 1: every detection is at a look: the violation's start or an entry of the point
    into the footprint (inside then, outside or no asset a millisecond before)."""
    result, oracle = low_pd_runs[name]
    events, det = result.events, result.detections
    index_of = {asset_id: k for k, asset_id in enumerate(result.assets["id"])}
    later = 0
    for v, asset, t in zip(det["violation"], det["asset"], det["t_detect_s"], strict=True):
        x, y, t0 = events["x"][v], events["y"][v], events["t_start_s"][v]
        assert oracle.is_entry(index_of[asset], x, y, t, t0), f"{events['id'][v]} {asset} {t}"
        later += t > t0
    assert later >= 100


def test_legs_ignore_pieces_cut_before_they_began(runs):
    """The oracle's legs drop pieces a loss voided before they started (a self-check)."""
    result, _ = runs["based_drones"]
    voided = [p for p in result.pieces if p.cut < p.t0]
    flown = sum(len(legs) for legs in legs_of(result).values())
    assert len(voided) >= 1
    assert flown + len(voided) == len(result.pieces)


BASE_ON_PATH = {
    "name": "base_on_path",
    "seed": 1,
    "duration": 1 * DAY,
    "line": straight(40_000.0),
    "violations": {"rate": 500 / DAY, "duration": 2 * HOUR, "offset": 0.0},
    "drones": [
        {
            "name": "uav",
            "count": 2,
            "speed": 30.0,
            "sensor": {"range": 3_000.0, "pd": 1.0},
            "patrol": {"stations": 1, "span": [10_000.0, 30_000.0]},
            "base": {"at": 10_000.0, "offset": 0.0},
            "endurance": 4 * HOUR,
            "turnaround": 600.0,
        }
    ],
}


def test_relief_taking_off_on_the_patrol_path_looks_at_active_violations():
    """A base at the patrol path's start (no transit leg): a relief taking off over an
    active violation looks at it (regression: its patrol piece was marked ``continues``)."""
    result = run(scenario_from_data(BASE_ON_PATH))
    assert not any(p.kind == "once" and p.t0 == p.t1 for p in result.pieces)
    check_against_oracle(result, build(result, DT))
