"""Jamming (environment.jamming): drones' pd, losses, reports and hours jammed, checked.

- pd: a patrol whose footprint holds every violation for its whole duration looks at
  t_start + k g (glimpse g); a violation's detection probability is then
  1 - prod_k (1 - pd f(t_k)), f the factor of the areas holding its point and active at
  t_k. The detected count must lie within 4.5 standard deviations of the sum of these
  (a Poisson-binomial), inside and outside the area alike.
- draws: jamming with factor 1 and a fixed report delay changes nothing but the delayed
  reports, by exactly the delay.
- losses: the jammed seconds flown before a loss, times the area's loss rate, are Exp(1)
  (Kolmogorov-Smirnov), the jammed seconds found by a brute-force time grid.
- hours jammed: equal to a brute-force time grid over the flown pieces, within the grid's
  own error bound.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from oracle import legs_of
from scipy import stats

import sim
from sim.engine.model import build
from sim.spec.load import scenario_from_data
from sim.world.assets.base import Piece
from sim.world.jamming import Jamming

Z = 4.5  # standard deviations: two-sided about 7e-6
LENGTH = 100_000.0
BUFFER = 10_000.0


def patrol_scenario(jamming: list | None, **changes) -> sim.Scenario:
    """One drone patrolling a straight local line with a footprint holding the whole zone."""
    data = {
        "name": "jam",
        "duration": "10d",
        "line": {"crs": "local", "points": [[0, 0], [LENGTH, 0]], "buffer": BUFFER},
        "violations": {"rate": "150/day", "duration": "1h"},
        "drones": [
            {
                "name": "uav",
                "count": 1,
                "speed": "100km/h",
                "sensor": {"range": "300km", "pd": 0.5, "glimpse": "20min"},
                "patrol": {"stations": 1},
            }
        ],
    }
    if jamming is not None:
        data["environment"] = {"daylight": None, "jamming": jamming}
    data.update(changes)
    return scenario_from_data(data)


LEFT_HALF = {"name": "left", "band": {"from_line": 0, "to_line": "20km"}}


def _expected(events, factor, window, horizon, pd=0.5, glimpse=1200.0):
    """Per violation, the closed-form detection probability with the factor applied."""
    p = np.empty(len(events))
    for i in range(len(events)):
        t0, d, y = events["t_start_s"][i], events["duration_s"][i], events["y"][i]
        looks = t0 + glimpse * np.arange(int(math.floor(d / glimpse + 1e-9)) + 1)
        looks = looks[looks <= min(t0 + d, horizon)]
        on = (looks >= window[0]) & (looks <= window[1])
        f = np.where(on & (y >= 0.0), factor, 1.0)
        p[i] = 1.0 - np.prod(1.0 - pd * f)
    return p


@pytest.mark.parametrize("window", [None, ["2d", "6d"]])
def test_detection_inside_an_area_has_pd_times_the_factor(window):
    """Inside (left of the line) P = 1 - prod(1 - pd f); outside unchanged; binomial bounds."""
    area = {**LEFT_HALF, "pd_factor": 0.2}
    if window is not None:
        area["active"] = [window]
    scenario = patrol_scenario([area])
    span = (0.0, math.inf) if window is None else (2 * 86400.0, 6 * 86400.0)
    detected, expected, variance = {}, {}, {}
    for seed in range(3):
        ev = sim.run(scenario, seed=seed).events
        p = _expected(ev, 0.2, span, scenario.duration)
        inside = ev["y"] >= 0.0
        for side, mask in (("in", inside), ("out", ~inside)):
            detected[side] = detected.get(side, 0) + int(ev["detected"][mask].sum())
            expected[side] = expected.get(side, 0.0) + float(p[mask].sum())
            variance[side] = variance.get(side, 0.0) + float((p[mask] * (1 - p[mask])).sum())
    for side in ("in", "out"):
        assert abs(detected[side] - expected[side]) <= Z * math.sqrt(variance[side]), side
    # the check can fail: the unjammed closed form is far off inside
    assert expected["in"] < 0.6 * (detected["out"] + detected["in"])


def test_an_idle_area_changes_no_draw_and_a_delay_only_delays():
    """pd factor 1 and a fixed delay: same detections; drone reports inside late by the delay."""
    plain = sim.run(patrol_scenario(None, environment={"daylight": None}), seed=4)
    area = {**LEFT_HALF, "report_delay": "10min", "active": [["1d", "4d"]]}
    jammed = sim.run(patrol_scenario([area]), seed=4)
    a, b = plain.detections, jammed.detections
    for column in ("violation", "asset", "t_detect_s", "x", "y"):
        np.testing.assert_array_equal(a[column], b[column])
    inside = (b["y"] >= 0) & (b["t_detect_s"] >= 86400) & (b["t_detect_s"] <= 4 * 86400)
    assert inside.any() and (~inside).any()
    np.testing.assert_allclose(b["t_report_s"][inside] - a["t_report_s"][inside], 600.0)
    np.testing.assert_array_equal(b["t_report_s"][~inside], a["t_report_s"][~inside])
    np.testing.assert_array_equal(plain.events["detected"], jammed.events["detected"])


def test_drawn_report_delays_follow_their_distribution():
    """Exponential report delays inside the area: KS against Exp(mean)."""
    area = {**LEFT_HALF, "report_delay": {"exponential": "30min"}}
    plain = sim.run(patrol_scenario(None, environment={"daylight": None}), seed=5)
    jammed = sim.run(patrol_scenario([area]), seed=5)
    inside = jammed.detections["y"] >= 0
    extra = jammed.detections["t_report_s"][inside] - plain.detections["t_report_s"][inside]
    assert len(extra) > 200
    assert stats.kstest(extra, "expon", args=(0, 1800.0)).pvalue > 1e-3


# --- brute force: jammed time on a time grid -----------------------------------------


def grid_jammed(leg, shape, windows, t_lo, t_hi, dt):
    """Seconds in [t_lo, t_hi] the leg is inside ``shape`` during ``windows``, and a bound.

    Midpoint rule on a grid of step ``dt``; the error is at most dt per change of state
    (inside/outside) seen on the grid, plus two steps, and visits shorter than a step.
    """
    n = max(int(math.ceil((t_hi - t_lo) / dt)), 1)
    step = (t_hi - t_lo) / n
    t = t_lo + step * (np.arange(n) + 0.5)
    x, y = leg.xy(t)
    on = np.zeros(n, dtype=bool)
    for lo, hi in windows:
        on |= (t >= lo) & (t <= hi)
    inside = shapely.contains_xy(shape, x, y) & on
    changes = int(np.count_nonzero(np.diff(inside.astype(int))))
    return float(inside.sum() * step), (changes + 2) * step


def test_hours_jammed_equal_a_brute_force_grid():
    """A fleet from a base, its transits and patrols partly inside two areas, one switched."""
    scenario = scenario_from_data(
        {
            "name": "jam-hours",
            "duration": "2d",
            "line": {"crs": "local", "points": [[0, 0], [60_000, 0], [90_000, 30_000]]},
            "violations": {"rate": "10/day", "duration": "30min"},
            "drones": [
                {
                    "name": "uav",
                    "count": 3,
                    "speed": "120km/h",
                    "sensor": {"range": "3km", "pd": 0.8},
                    "patrol": {"stations": 2},
                    "base": {"at": "30km", "offset": "-20km"},
                    "endurance": "6h",
                    "turnaround": "1h",
                    "loss_rate": "0.02/h",
                    "spares": 2,
                }
            ],
            "environment": {
                "daylight": None,
                "jamming": [
                    {
                        "name": "box",
                        "area": [
                            [20_000, -15_000],
                            [45_000, -15_000],
                            [45_000, 5_000],
                            [20_000, 5_000],
                        ],
                        "active": [["3h", "20h"], ["30h", "40h"]],
                        "loss_rate": "0.1/h",
                    },
                    {
                        "name": "bend",
                        "band": {"from_line": "-2km", "to_line": "4km", "span": ["50km", "80km"]},
                    },
                ],
            },
        }
    )
    result = sim.run(scenario, seed=1)
    jam = Jamming(scenario.environment.jamming, result.line, scenario.duration)
    total, bound = 0.0, 0.0
    union = shapely.union_all([a.shape for a in jam.areas])
    assert not union.is_empty
    for legs in legs_of(result).values():
        for leg in legs:
            t_hi = min(leg.t_end, scenario.duration)
            if t_hi <= leg.t0:
                continue
            # the areas overlap nowhere here, so the union's time is the sum of theirs
            for area in jam.areas:
                windows = area.windows.tolist()
                got, err = grid_jammed(leg, area.shape, windows, leg.t0, t_hi, dt=2.0)
                total += got
                bound += err
    hours = result.asset_stats["uav"]["hours_jammed"]
    assert total > 3600.0
    assert abs(hours * 3600.0 - total) <= bound, (hours * 3600, total, bound)
    assert jam.areas[0].shape.intersection(jam.areas[1].shape).area == 0.0


def test_loss_times_are_exponential_in_jammed_time():
    """Invert the cumulative hazard: rate x (jammed seconds before the loss) ~ Exp(1) (KS)."""
    line_box = shapely.box(30_000, -5_000, 70_000, 5_000)
    scenario = patrol_scenario(
        [{"name": "box", "area": list(line_box.exterior.coords)[:-1], "loss_rate": "0.5/h"}]
    )
    model = build(scenario, seed=0)
    jam = model.solver.jamming
    assert jam is not None
    path = np.array([[0.0, 0.0], [LENGTH, 0.0]])
    piece = Piece(0, "bounce", 100.0, 1e7, path, 100_000 / 3600, 20_000.0)
    rng = np.random.default_rng(7)
    times = np.array([jam.loss_time([piece], 1e7, rng) for _ in range(400)])
    assert np.all(np.isfinite(times))
    # brute force: the patrol is inside while 30 km <= x <= 70 km (the drone is on y = 0)
    leg = legs_of_piece(piece)
    jammed = np.array([grid_jammed(leg, line_box, [(0, 1e9)], 100.0, t, 1.0)[0] for t in times])
    e = jammed * 0.5 / 3600.0
    assert stats.kstest(e, "expon").pvalue > 1e-3
    # and the loss falls inside the area (the hazard is zero outside)
    x = np.array([piece.position(t)[0] for t in times])
    assert np.all((x >= 30_000 - 1e-6) & (x <= 70_000 + 1e-6))
    # it can fail: wall-clock time since the start is not Exp(rate)
    wall = (times - 100.0) * 0.5 / 3600.0
    assert stats.kstest(wall, "expon").pvalue < 1e-3


def legs_of_piece(piece):
    """The oracle's own leg for one plan piece (its interpolation, not Piece.position)."""
    from oracle import Leg

    steps = np.hypot(*np.diff(piece.path, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(steps)])
    return Leg(
        piece.asset,
        piece.kind,
        piece.t0,
        piece.end,
        piece.path[:, 0],
        piece.path[:, 1],
        cum,
        piece.speed,
        piece.s0,
    )


def test_losses_match_the_hazard_times_the_jammed_exposure():
    """Losses - rate x jammed hours is a martingale: the count is within Poisson bounds."""
    area = {**LEFT_HALF, "name": "strip", "loss_rate": "0.3/h"}
    area["band"] = {"from_line": "-1km", "to_line": "1km", "span": ["0km", "40km"]}
    scenario = patrol_scenario(
        [area],
        drones=[
            {
                "name": "uav",
                "count": 2,
                "speed": "100km/h",
                "sensor": {"range": "3km", "pd": 0.5},
                "patrol": {"stations": 1},
                "spares": 300,
                "replacement": "1h",
            }
        ],
    )
    lost, exposure = 0.0, 0.0
    for seed in range(3):
        stats_ = sim.run(scenario, seed=seed).asset_stats["uav"]
        lost += stats_["losses"]
        exposure += 0.3 * stats_["hours_jammed"]
    assert lost > 30
    assert abs(lost - exposure) <= Z * math.sqrt(exposure)


def test_metric_keys_predict_hours_jammed_only_with_jamming():
    from sim.measure.metrics import metric_keys

    with_jam = metric_keys(patrol_scenario([LEFT_HALF]), coverage=False)
    without = metric_keys(patrol_scenario(None), coverage=False)
    assert with_jam - without == {"assets.uav.hours_jammed", "assets.uav.detections_lost_jammed"}


@pytest.mark.parametrize(
    ("window", "loss"), [(None, None), (["2d", "6d"], None), (None, "0.0005/h")]
)
def test_detections_lost_jammed_equal_the_closed_form(window, loss):
    """One patrol holding the zone looks at t_start + k g: the lost chance is the count.

    Violations of 50 min and a 20 min glimpse: three looks each (0, 20, 40 min), up to
    the horizon; a look at a point left of the line while the area is active loses
    pd (1 - f) = 0.5 x 0.8 of a success, so the figure is 0.4 x those looks, exactly.
    With the area's loss (one airframe, no spare), only the looks up to the loss count.
    """
    area = {**LEFT_HALF, "pd_factor": 0.2}
    if window is not None:
        area["active"] = [window]
    if loss is not None:
        area["loss_rate"] = loss
    violations = {"rate": "150/day", "duration": "50min"}
    scenario = patrol_scenario([area], violations=violations)
    lo, hi = (0.0, math.inf) if window is None else (2 * 86400.0, 6 * 86400.0)
    result = sim.run(scenario, seed=2)
    end = min([scenario.duration] + [p.cut for p in result.pieces])
    assert (loss is None) == (end == scenario.duration), end
    ev = result.events
    looks = ev["t_start_s"][:, None] + 1200.0 * np.arange(3)[None, :]
    taken = looks <= end
    jammed = taken & (looks >= lo) & (looks <= hi) & (ev["y"] >= 0.0)[:, None]
    assert 100 < jammed.sum() < taken.sum()  # some looks jammed, others not
    expected = 0.5 * (1.0 - 0.2) * int(jammed.sum())
    assert result.asset_stats["uav"]["detections_lost_jammed"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("area", "where", "needle"),
    [
        ({"name": "a"}, "environment.jamming[0]", "either area"),
        (
            {"name": "a", "area": [[0, 0], [10, 10], [10, 0], [0, 10]]},
            "environment.jamming[0].area",
            "simple polygon",
        ),
        (
            {"name": "a", "band": {"from_line": 0, "to_line": "1km", "span": ["200km", "300km"]}},
            "environment.jamming[0].band.span",
            "misses the line",
        ),
        ({"name": "a", "band": {"from_line": 5, "to_line": 5}}, "to_line", "no width"),
        ({**LEFT_HALF, "active": [["2h", "1h"]]}, "active[0]", "from < to"),
        ({**LEFT_HALF, "pd_factor": 1.5}, "pd_factor", ""),
    ],
)
def test_bad_jamming_is_refused_naming_the_key(area, where, needle):
    from sim.core.errors import ScenarioError

    data = {
        "name": "jam",
        "duration": "1d",
        "line": {"crs": "local", "points": [[0, 0], [LENGTH, 0]], "buffer": BUFFER},
        "violations": {"rate": "1/day"},
        "environment": {"daylight": None, "jamming": [area]},
    }
    with pytest.raises(ScenarioError) as info:
        scenario_from_data(data)
    text = str(info.value)
    assert where in text and needle in text, text


@pytest.mark.parametrize("kind", ["once", "bounce"])
def test_the_passes_clock_equals_the_enumerated_intervals(kind):
    """Passes.measure / reach (whole cycles in closed form) against cycle-by-cycle intervals."""
    from sim.world.jamming import Passes, piece_time_intervals

    rng = np.random.default_rng(11)
    shape = shapely.Polygon([(2_000, -3_000), (9_000, -1_000), (7_000, 4_000), (3_000, 2_500)])
    for _ in range(30):
        path = np.cumsum(rng.uniform(-4_000, 4_000, (4, 2)), axis=0) + [5_000, 0]
        speed = rng.uniform(10, 60)
        length = float(np.sum(np.hypot(*np.diff(path, axis=0).T)))
        s0 = rng.uniform(0, length)
        t1 = 1e9 if kind == "bounce" else 100.0 + (length - s0) / speed
        piece = Piece(0, kind, 100.0, t1, path, speed, s0)
        clock = Passes(piece, shape)
        a = 100.0 + rng.uniform(0, 3_000 if kind == "bounce" else 0.5 * (t1 - 100.0))
        b = a + rng.uniform(0, 20_000 if kind == "bounce" else t1 - a)
        iv = piece_time_intervals(piece, shape, a, b)
        assert clock.measure(a, b) == pytest.approx(float(np.sum(iv[:, 1] - iv[:, 0])), abs=1e-6)
        amount = rng.uniform(0, 1) * clock.measure(a, b)
        if amount > 0:
            t = clock.reach(a, amount)
            assert a <= t <= b + 1e-6
            assert clock.measure(a, t) == pytest.approx(amount, abs=1e-6)
            x, y = Piece.position(piece, t)
            assert shape.distance(shapely.Point(x, y)) < 1e-6  # the clock stops inside


def test_a_year_long_patrol_costs_no_more_than_a_day():
    """No cycle enumeration in the engine: a hovering-short patrol over a year is cheap."""
    import time

    from sim.world.jamming import Passes

    shape = shapely.box(0, -10, 5, 10)
    piece = Piece(0, "bounce", 0.0, math.inf, np.array([[0.0, 0.0], [10.0, 0.0]]), 50.0)
    clock = Passes(piece, shape)
    start = time.perf_counter()
    year = clock.measure(0.0, 365.25 * 86400)
    assert time.perf_counter() - start < 0.05
    assert year == pytest.approx(0.5 * 365.25 * 86400, rel=1e-9)
    assert clock.reach(0.0, year) == pytest.approx(365.25 * 86400 - 0.1, abs=0.2)


def test_line_geojson_holds_the_areas_only_with_jamming():
    """kind "jamming" features, one per area, in lon/lat, drawn on the map; none without."""
    from sim.store.geojson import documents

    data = {
        "name": "jam-map",
        "duration": "6h",
        "line": {"crs": "lonlat", "points": [[35.3, 47.5], [36.0, 47.45], [36.8, 47.8]]},
        "violations": {"rate": "20/day"},
        "drones": [{"name": "uav", "count": 1, "speed": "100km/h", "sensor": {"range": "3km"}}],
        "environment": {
            "daylight": None,
            "jamming": [
                {"name": "front", "band": {"from_line": "-3km", "to_line": "5km"}},
                {"name": "town", "area": [[35.9, 47.4], [36.1, 47.4], [36.1, 47.6], [35.9, 47.6]]},
            ],
        },
    }
    result = sim.run(scenario_from_data(data), seed=0)
    features = documents(result)["line.geojson"].as_dict()["features"]
    jammed = [f for f in features if f["properties"]["kind"] == "jamming"]
    assert [f["properties"]["name"] for f in jammed] == ["front", "town"]
    ring = np.array(jammed[1]["geometry"]["coordinates"][0])
    assert np.allclose(ring.min(axis=0), [35.9, 47.4]) and np.allclose(
        ring.max(axis=0), [36.1, 47.6]
    )
    assert (
        0.0 < result.asset_stats["uav"]["hours_jammed"] <= result.asset_stats["uav"]["flight_hours"]
    )
    del data["environment"]
    plain = documents(sim.run(scenario_from_data(data), seed=0))["line.geojson"].as_dict()
    assert {f["properties"]["kind"] for f in plain["features"]} == {"line", "zone"}


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-20_000, 20_000), st.floats(-20_000, 20_000)), min_size=2, max_size=5
    ),
    st.lists(
        st.tuples(st.floats(-15_000, 15_000), st.floats(-8_000, 8_000)), min_size=2, max_size=12
    ),
    st.floats(500, 6_000),
)
def test_arcs_by_boundary_crossings_equal_geos_and_a_dense_sample(path, spine, width):
    """Crossing a path with the boundary segments near it (``Edges``) gives the arcs
    GEOS's overlay gives, and both agree with points sampled every few metres along
    the path (away from the arcs' ends): inside the shape exactly within the arcs.
    The shape, a buffered polyline, has holes and concave bends."""
    from sim.world.jamming import Edges, path_arc_intervals

    path = np.array(path)
    assume(np.hypot(*np.diff(path, axis=0).T).sum() > 1.0)  # a point has no arcs to sample
    assume(shapely.LineString(spine).length > 1.0)
    shape = shapely.LineString(spine).buffer(width, quad_segs=4)
    shapely.prepare(shape)
    by_edges = path_arc_intervals(path, shape, Edges.of(shape))
    by_geos = path_arc_intervals(path, shape)
    measure = float(np.sum(by_edges[:, 1] - by_edges[:, 0]))
    assert measure == pytest.approx(float(np.sum(by_geos[:, 1] - by_geos[:, 0])), abs=1e-3)
    steps = np.hypot(*np.diff(path, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(steps)])
    s = np.linspace(0.0, cum[-1], 4_001)
    i = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, len(steps) - 1)
    frac = np.where(steps[i] > 0, (s - cum[i]) / np.where(steps[i] > 0, steps[i], 1.0), 0.0)
    xy = path[i] + frac[:, None] * (path[i + 1] - path[i])
    inside = shapely.intersects_xy(shape, xy[:, 0], xy[:, 1])
    in_arcs = np.zeros(len(s), dtype=bool)
    near_end = np.zeros(len(s), dtype=bool)
    for lo, hi in by_edges:
        in_arcs |= (s >= lo) & (s <= hi)
        near_end |= (np.abs(s - lo) < 1e-3) | (np.abs(s - hi) < 1e-3)
    # a sample on the boundary (to rounding) may fall either side
    on_edge = shapely.distance(shape.boundary, shapely.points(xy)) < 1e-6
    clear = ~near_end & ~on_edge
    assert np.array_equal(inside[clear], in_arcs[clear])
