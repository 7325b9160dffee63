"""Closed-form validation of the engine: detection probabilities analysts can check by hand.

Each test runs a seeded scenario big enough that the statistical tolerance is
tight, computes the expected probability from a closed form, and asserts that the
observed count lies inside the 99.9 % interval of Binomial(n, p): the normal
approximation n p +/- z sqrt(n p (1 - p)) with z = 3.29 (two-sided 99.9 %) and a
continuity correction of 0.5. Each test also asserts that its interval half-width
is at most 5 % of p, so a change of parameters cannot quietly make it toothless.

Lines are local (metres), straight along x: chainage = x, offset = y.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.pipeline import run
from sim.spec.load import scenario_from_data

Z = 3.29  # two-sided 99.9 % standard normal quantile
MAX_RELATIVE_HALF_WIDTH = 0.05  # the interval half-width must be at most this fraction of p

HOUR = 3600.0
DAY = 86_400.0


def binomial_interval(n: int, p: float, z: float = Z) -> tuple[float, float]:
    """Bounds on the count of Binomial(n, p) at two-sided level z (normal, continuity-corrected)."""
    half = z * math.sqrt(n * p * (1.0 - p)) + 0.5
    return n * p - half, n * p + half


def assert_binomial(successes: int, n: int, p: float, what: str) -> None:
    """Assert ``successes`` lies in the 99.9 % interval of Binomial(n, p), and that it is tight."""
    lo, hi = binomial_interval(n, p)
    assert (hi - lo) / 2 <= MAX_RELATIVE_HALF_WIDTH * n * p, (
        f"{what}: n = {n} is too small for p = {p:.4f}; the test would be loose"
    )
    assert lo <= successes <= hi, (
        f"{what}: observed {successes}/{n} = {successes / n:.4f}; closed form p = {p:.4f}, "
        f"99.9 % interval [{lo / n:.4f}, {hi / n:.4f}]"
    )


def straight_line(length: float) -> dict:
    """A straight local line along x from 0 to ``length`` metres."""
    return {"crs": "local", "points": [[0.0, 0.0], [length, 0.0]]}


def scenario(name: str, duration: float, line_length: float, n: float, **sections) -> dict:
    """A scenario dict with about ``n`` violations over ``duration`` seconds."""
    data = {
        "name": name,
        "seed": 20260107,
        "duration": duration,
        "line": straight_line(line_length),
    }
    violations = {"rate": n / duration, "duration": 600.0, "offset": 0.0}
    violations.update(sections.pop("violations", {}))
    data["violations"] = violations
    data.update(sections)
    return data


def ground_group(spacing: float, radius: float, pd: float, **extra) -> dict:
    """A ground sensor group: one sensor every ``spacing`` m (first at spacing/2)."""
    return {"name": "ugs", "spacing": spacing, "sensor": {"range": radius, "pd": pd}, **extra}


def satellite(every: float, first: float, pd: float) -> dict:
    """A satellite imaging the whole zone at first + k * every."""
    return {"name": "sat", "schedule": {"first": first, "every": every}, "pd": pd}


def drone(speed: float, radius: float, pd: float, **extra) -> dict:
    """A single drone without a base, patrolling back and forth forever."""
    return {
        "name": "uav",
        "count": 1,
        "speed": speed,
        "sensor": {"range": radius, "pd": pd},
        **extra,
    }


def full_periods(events, first: float, every: float, horizon: float) -> np.ndarray:
    """Mask of violations starting in [first, first + k * every), k as large as possible
    with every such violation over before ``horizon``.

    The start phase of these violations relative to the image schedule is uniform,
    which is what the satellite closed forms assume, and every image they could see
    (first + j * every < horizon) is taken: no edge effect at either end.
    """
    t, d = events["t_start_s"], events["duration_s"]
    periods = math.floor((horizon - first - d.max()) / every)
    assert periods >= 100
    return (t >= first) & (t < first + periods * every)


def satellite_probability(q: float, d: float, every: float) -> float:
    """P(detect) of a violation of duration d by images every ``every`` s, each with pd q."""
    m, r = divmod(d, every)
    frac = r / every
    return frac * (1.0 - (1.0 - q) ** (m + 1)) + (1.0 - frac) * (1.0 - (1.0 - q) ** m)


# --- (a) ground sensors -----------------------------------------------------------------


SPACING, RADIUS_G, PD_G = 10_000.0, 2_000.0, 0.8
SENSORS = 20


def test_ground_sensors_detect_fraction_of_line_covered():
    """Sensors every s (range R < s/2, pd p), violations on the line: P = p 2R/s."""
    data = scenario(
        "ground",
        10 * DAY,
        SENSORS * SPACING,
        40_000,
        ground_sensors=[ground_group(SPACING, RADIUS_G, PD_G)],
    )
    events = run(scenario_from_data(data)).events
    p = PD_G * 2 * RADIUS_G / SPACING
    assert_binomial(int(events["detected"].sum()), len(events), p, "ground, offset 0")


def test_ground_sensors_detect_fraction_of_strip_covered():
    """Offsets uniform in [-Y, Y], Y < R: P = p * (disc area inside the strip) / (2 Y s)."""
    y_max = 1_500.0
    data = scenario(
        "ground_strip",
        10 * DAY,
        SENSORS * SPACING,
        40_000,
        violations={"offset": {"uniform": [-y_max, y_max]}},
        ground_sensors=[ground_group(SPACING, RADIUS_G, PD_G)],
    )
    events = run(scenario_from_data(data)).events
    r = RADIUS_G
    # integral of 2 sqrt(R^2 - y^2) over [-Y, Y]
    area = 2.0 * (y_max * math.sqrt(r * r - y_max * y_max) + r * r * math.asin(y_max / r))
    p = PD_G * area / (2.0 * y_max * SPACING)
    assert_binomial(int(events["detected"].sum()), len(events), p, "ground, strip offsets")


# --- (b) a periodic satellite ---------------------------------------------------------------

EVERY, FIRST = 6 * HOUR, 1 * HOUR
PERIODS = 200  # scenario length: first + PERIODS * every


def satellite_run(q: float, d: float, n: float):
    """Run a satellite against fixed-duration violations; return events with full image cover."""
    duration = FIRST + PERIODS * EVERY
    data = scenario(
        "satellite",
        duration,
        100_000.0,
        n,
        violations={"duration": d},
        satellites=[satellite(EVERY, FIRST, q)],
    )
    events = run(scenario_from_data(data)).events
    return events, full_periods(events, FIRST, EVERY, duration)


def test_satellite_detects_short_violations_with_probability_q_d_over_t():
    """Violations shorter than the revisit T: P = q d / T."""
    q, d = 0.7, 4 * HOUR
    events, keep = satellite_run(q, d, 30_000)
    p = q * d / EVERY
    assert_binomial(int(events["detected"][keep].sum()), int(keep.sum()), p, "satellite, d < T")


@pytest.mark.parametrize("d_over_t", [1.5, 2.25])
def test_satellite_detects_long_violations_through_several_images(d_over_t):
    """d = m T + r: P = (r/T)(1 - (1-q)^(m+1)) + (1 - r/T)(1 - (1-q)^m)."""
    q = 0.3
    d = d_over_t * EVERY
    events, keep = satellite_run(q, d, 30_000)
    p = satellite_probability(q, d, EVERY)
    assert_binomial(
        int(events["detected"][keep].sum()), int(keep.sum()), p, f"satellite, d = {d_over_t} T"
    )


def test_satellite_latency_is_uniform_over_the_violation():
    """q = 1, d < T: the latency of detected violations is uniform on [0, d], mean d/2."""
    d = 2 * HOUR
    events, keep = satellite_run(1.0, d, 30_000)
    hit = keep & events["detected"]
    latency = events["latency_s"][hit]
    n = len(latency)
    assert n >= 5_000  # the tolerance below is then about 1 % of the mean
    assert latency.min() >= 0.0 and latency.max() <= d
    tolerance = Z * (d / math.sqrt(12.0)) / math.sqrt(n)  # CLT on the mean, known variance
    assert abs(latency.mean() - d / 2) <= tolerance, (
        f"mean latency {latency.mean():.1f} s over n = {n}; expected {d / 2:.1f} +/- "
        f"{tolerance:.1f} s"
    )


# --- (c) a single drone without a base -----------------------------------------------------

LENGTH_C, SPEED_C, RADIUS_C, PD_C = 20_000.0, 20.0, 3_000.0, 0.9
PERIOD_C = 2 * LENGTH_C / SPEED_C  # one round trip, s
# near-instantaneous violations: the drone moves SPEED_C * 0.01 = 0.2 m while one is
# active, which moves P by about 1e-5 -- far below the tolerance
INSTANT = 0.01


def patrol_probability(pd: float, half: float, length: float) -> float:
    """P(|U - X| <= h) x pd for U, X independent uniform on [0, L]: pd (2 h L - h^2) / L^2."""
    return pd * (2 * half * length - half * half) / length**2


def test_single_drone_detects_time_average_footprint_fraction_of_its_span():
    """One drone patrolling span [a, b] (L = b - a) of a longer line, violations in the span at
    offset 0: P = p (2RL - R^2)/L^2."""
    a = 5_000.0
    data = scenario(
        "drone_span",
        200 * PERIOD_C,  # whole round trips: the drone's position is uniform over time
        LENGTH_C + 10_000.0,
        60_000,
        violations={"duration": INSTANT},
        drones=[drone(SPEED_C, RADIUS_C, PD_C, patrol={"span": [a, a + LENGTH_C]})],
    )
    events = run(scenario_from_data(data)).events
    chain = events["chainage_m"]
    keep = (chain >= a) & (chain <= a + LENGTH_C)
    p = patrol_probability(PD_C, RADIUS_C, LENGTH_C)
    assert_binomial(int(events["detected"][keep].sum()), int(keep.sum()), p, "drone span")


def test_single_drone_detects_offset_violations_with_chord_half_width():
    """Whole line of length L, violations at fixed offset y < R: R becomes sqrt(R^2 - y^2)."""
    y = 2_000.0
    data = scenario(
        "drone_offset",
        200 * PERIOD_C,
        LENGTH_C,
        60_000,
        violations={"duration": INSTANT, "offset": y},
        drones=[drone(SPEED_C, RADIUS_C, PD_C)],
    )
    events = run(scenario_from_data(data)).events
    p = patrol_probability(PD_C, math.sqrt(RADIUS_C**2 - y * y), LENGTH_C)
    assert_binomial(int(events["detected"].sum()), len(events), p, "drone, offset y")


# --- (d) two independent asset classes; (e) verification --------------------------------


def mixed_run(ground_radius: float, ground_pd: float, q: float, d: float, **extra):
    """Ground sensors of (a) and the satellite of (b) watching the same violations."""
    duration = FIRST + PERIODS * EVERY
    data = scenario(
        "mixed",
        duration,
        SENSORS * SPACING,
        40_000,
        violations={"duration": d},
        ground_sensors=[ground_group(SPACING, ground_radius, ground_pd)],
        satellites=[satellite(EVERY, FIRST, q)],
        **extra,
    )
    result = run(scenario_from_data(data))
    return result, full_periods(result.events, FIRST, EVERY, duration)


def test_ground_and_satellite_combine_as_independent_assets():
    """P = 1 - (1 - P1)(1 - P2), P1 = p 2R/s for the sensors, P2 = q d/T for the satellite."""
    q, d = 0.6, 2 * HOUR
    result, keep = mixed_run(RADIUS_G, PD_G, q, d)
    p1 = PD_G * 2 * RADIUS_G / SPACING
    p2 = q * d / EVERY
    p = 1 - (1 - p1) * (1 - p2)
    events = result.events
    assert_binomial(int(events["detected"][keep].sum()), int(keep.sum()), p, "ground + satellite")


def test_verification_needs_both_modalities():
    """Two modalities with latency 0 and a window longer than the violation: P = P1 P2."""
    q, d, radius = 0.9, 4 * HOUR, 4_000.0
    result, keep = mixed_run(
        radius,
        1.0,
        q,
        d,
        reporting={"verification": {"modalities": 2, "window": 2 * d}},
    )
    p1 = 1.0 * 2 * radius / SPACING
    p2 = q * d / EVERY
    events = result.events
    assert_binomial(int(events["verified"][keep].sum()), int(keep.sum()), p1 * p2, "verified")


def test_adding_a_satellite_changes_no_ground_detection():
    """Asset streams are independent: the ground sensors' detections are the same with or
    without the satellite (the premise of the product rule above)."""
    q, d = 0.6, 2 * HOUR
    mixed, _ = mixed_run(RADIUS_G, PD_G, q, d)
    data = scenario(
        "mixed",
        FIRST + PERIODS * EVERY,
        SENSORS * SPACING,
        40_000,
        violations={"duration": d},
        ground_sensors=[ground_group(SPACING, RADIUS_G, PD_G)],
    )
    alone = run(scenario_from_data(data)).detections
    ground = mixed.detections["asset_class"] == "ground"
    assert len(alone) > 1_000
    np.testing.assert_array_equal(mixed.detections["violation_id"][ground], alone["violation_id"])
    np.testing.assert_array_equal(mixed.detections["t_detect_s"][ground], alone["t_detect_s"])


def test_glimpse_gives_a_look_every_interval_while_inside():
    """Sensor with glimpse g, violations of duration d born inside: 1 - (1-p)^(floor(d/g)+1).

    Sensors every 10 km with range 2 km, violations at offset 0: a point is inside
    a disc with probability 2R/s, and then for its whole duration (sensors never fail).
    """
    spacing, radius, pd, glimpse, dur = 10_000.0, 2_000.0, 0.3, 250.0, 600.0
    looks = math.floor(dur / glimpse) + 1  # 3 looks: at 0, 250 and 500 s
    data = scenario(
        "glimpse",
        20 * DAY,
        200_000.0,
        40_000,
        violations={"duration": dur},
        ground_sensors=[ground_group(spacing, radius, pd)],
    )
    data["ground_sensors"][0]["sensor"]["glimpse"] = glimpse
    events = run(scenario_from_data(data)).events
    ends_inside = events["t_start_s"] + dur <= 20 * DAY
    n = int(ends_inside.sum())
    p = (2 * radius / spacing) * (1 - (1 - pd) ** looks)
    assert_binomial(int(events["detected"][ends_inside].sum()), n, p, "glimpse")
