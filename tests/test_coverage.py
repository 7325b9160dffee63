"""Coverage figures against closed forms and a time-stepped oracle."""

import math

import numpy as np
import pytest

import sim
from sim.spec.load import scenario_from_data

DAY = 86_400.0


def scenario(**sections):
    data = {
        "name": "cov",
        "duration": DAY,
        "line": {"crs": "local", "points": [[0, 0], [20_000, 0]], "buffer": 3_000, "cell": 1_000},
        "violations": {"rate": "1/day"},
    }
    data.update(sections)
    return scenario_from_data(data)


def line_cells(result):
    cells = result.coverage.cells
    rows = cells["grid"] == "line"
    return {name: cells[name][rows] for name in cells.columns}


def test_sensor_disc_covers_the_cells_it_reaches_all_the_time():
    """A sensor at 10 km with range 2.6 km: line cells with centres within 2.6 km covered fully."""
    group = {"name": "g", "positions": [[10_000, 0]], "sensor": {"range": 2_600}}
    result = sim.run(scenario(ground_sensors=[group]))
    cells = line_cells(result)
    inside = np.abs(cells["chainage_m"] - 10_000) <= 2_600
    assert inside.sum() == 6  # centres 7.5, 8.5, ..., 12.5 km
    assert np.all(cells["covered_fraction"][inside] == 1.0)
    assert np.all(cells["gap_max_s"][inside] == 0.0)
    assert np.all(cells["covered_fraction"][~inside] == 0.0)
    assert np.all(cells["gap_max_s"][~inside] == DAY)
    assert np.all(cells["time_average_gap_s"][~inside] == DAY)  # one gap T: T^2 / T
    assert np.all(cells["mean_response_s"][~inside] == DAY / 2)


def test_two_overlapping_discs_count_as_two_asset_coverage():
    """Cells inside both discs are covered by two assets all the time; inside one, never."""
    group = {"name": "g", "positions": [[9_000, 0], [11_000, 0]], "sensor": {"range": 1_600}}
    cells = line_cells(sim.run(scenario(ground_sensors=[group])))
    c = cells["chainage_m"]
    both = (np.abs(c - 9_000) <= 1_600) & (np.abs(c - 11_000) <= 1_600)
    assert both.sum() == 2  # 9.5 and 10.5 km
    assert np.all(cells["two_asset_fraction"][both] == 1.0)
    assert np.all(cells["two_asset_fraction"][~both] == 0.0)


def test_patrolling_drone_covered_fraction_and_gaps_match_the_closed_form():
    """One drone patrols 20 km at 20 m/s (period 2000 s) with range 1.5 km, for 43 periods.

    A line cell at s sees the drone while it is in [s_lo, s_hi] = [s-R, s+R] & [0, L]:
    covered fraction (s_hi - s_lo) / L; gaps alternate 2 (L - s_hi) / v and 2 s_lo / v,
    the first and last gaps being s_lo / v (the run starts and ends with the drone at 0).
    """
    length, speed, radius, periods = 20_000.0, 20.0, 1_500.0, 43
    period = 2 * length / speed
    drone = {"name": "d", "count": 1, "speed": speed, "sensor": {"range": radius}}
    result = sim.run(scenario(duration=periods * period, drones=[drone]))
    cells = line_cells(result)
    horizon = periods * period
    for k, s in enumerate(cells["chainage_m"]):
        lo, hi = max(s - radius, 0.0), min(s + radius, length)
        assert cells["covered_fraction"][k] == pytest.approx((hi - lo) / length, rel=1e-9)
        g_out, g_back = 2 * (length - hi) / speed, 2 * lo / speed
        gaps = []
        if lo > 0:
            gaps += [lo / speed, lo / speed] + [g_back] * (periods - 1)
        if hi < length:
            gaps += [g_out] * periods
        gaps = np.array(gaps)
        assert cells["gaps"][k] == len(gaps)
        assert cells["gap_max_s"][k] == pytest.approx(gaps.max(), rel=1e-9)
        assert cells["gap_mean_s"][k] == pytest.approx(gaps.mean(), rel=1e-9)
        assert cells["time_average_gap_s"][k] == pytest.approx((gaps**2).sum() / horizon, rel=1e-9)
        assert cells["gap_p95_s"][k] == pytest.approx(np.percentile(gaps, 95), rel=1e-9)


def test_periodic_satellite_revisit():
    """Images at 2 h + k 6 h over a day: gaps 2 h, 6 h, 6 h, 6 h, 4 h at every cell."""
    sat = {"name": "s", "schedule": {"first": "2h", "every": "6h"}}
    cells = line_cells(sim.run(scenario(satellites=[sat])))
    gaps = np.array([2, 6, 6, 6, 4]) * 3600.0
    assert np.all(cells["covered_fraction"] == 0.0)
    assert np.all(cells["looks"] == 4)
    assert np.allclose(cells["gap_mean_s"], gaps.mean())
    assert np.allclose(cells["gap_max_s"], 6 * 3600.0)
    assert np.allclose(cells["time_average_gap_s"], (gaps**2).sum() / DAY)


def test_satellite_look_splits_a_sensor_gap():
    """A failed-free sensor far away plus an image at 12 h: one gap of 12 h each side."""
    sat = {"name": "s", "schedule": {"first": "12h", "every": "2d"}}
    group = {"name": "g", "positions": [[0, 0]], "sensor": {"range": 400}}
    cells = line_cells(sim.run(scenario(satellites=[sat], ground_sensors=[group])))
    far = cells["chainage_m"] > 5_000
    assert np.all(cells["gaps"][far] == 2)
    assert np.allclose(cells["gap_max_s"][far], DAY / 2)


def brute_force_coverage(result, dt):
    """Covered fraction per line cell by stepping time
    (an oracle independent of sim.measure.coverage)."""
    cells = line_cells(result)
    ranges = result.assets["range_m"]
    horizon = result.scenario.duration
    times = np.arange(0.5 * dt, horizon, dt)
    covered = np.zeros((len(cells["x"]), len(times)), dtype=bool)
    for piece in result.pieces:
        if piece.kind == "image":
            continue
        live = (times >= piece.t0) & (times <= min(piece.end, horizon))
        if not np.any(live):
            continue
        pos = np.array([piece.position(t) for t in times[live]])
        r = ranges[piece.asset]
        d2 = (cells["x"][:, None] - pos[None, :, 0]) ** 2 + (
            cells["y"][:, None] - pos[None, :, 1]
        ) ** 2
        covered[:, live] |= d2 <= r * r
    return covered.mean(axis=1)


def test_covered_fraction_agrees_with_a_time_stepped_oracle():
    """Bases, relief, losses, failures: exact fractions match 5 s stepping within its error."""
    drone = {
        "name": "d",
        "count": 3,
        "speed": "100km/h",
        "sensor": {"range": "2km"},
        "patrol": {"stations": 2},
        "base": {"at": "10km", "offset": "-2km"},
        "endurance": "5h",
        "turnaround": "1h",
        "loss_rate": "0.02/h",
        "spares": 1,
        "replacement": "3h",
    }
    group = {"name": "g", "spacing": "6km", "sensor": {"range": "1km"}, "mtbf": "8h", "mttr": "3h"}
    result = sim.run(scenario(drones=[drone], ground_sensors=[group]), seed=3)
    dt = 5.0
    oracle = brute_force_coverage(result, dt)
    exact = line_cells(result)["covered_fraction"]
    # each coverage interval's two ends can each be misjudged by one step
    tolerance = 2 * dt * (line_cells(result)["looks"] + 1) / DAY
    assert np.all(np.abs(exact - oracle) <= tolerance)
    assert result.asset_stats["d"]["losses"] >= 1 and result.asset_stats["g"]["failures"] >= 1


def test_line_over_time_averages_the_cells():
    """The time-binned line fraction averages to the mean covered fraction of the line cells."""
    drone = {"name": "d", "count": 1, "speed": 20, "sensor": {"range": 1_500}}
    result = sim.run(scenario(drones=[drone]))
    time = result.coverage.time
    weights = time["t_end_s"] - time["t_start_s"]
    mean_over_time = np.sum(time["line_covered_fraction"] * weights) / DAY
    assert mean_over_time == pytest.approx(np.mean(line_cells(result)["covered_fraction"]))
    assert math.isclose(weights.sum(), DAY)


def test_zone_grid_lies_inside_the_zone():
    """Zone cells are the cell-spaced grid points inside the buffer: |offset| <= buffer."""
    result = sim.run(scenario())
    cells = result.coverage.cells
    zone = cells["grid"] == "zone"
    assert zone.sum() > 0
    assert np.all(np.abs(cells["offset_m"][zone]) <= 3_000 + 1e-6)
    assert np.all(np.diff(np.unique(cells["x"][zone])) == 1_000)


def test_many_overlapping_sensors_in_one_cell():
    """A hundred sensor discs over one cell: still one union, two-asset coverage throughout."""
    group = {"name": "g", "spacing": 200, "sensor": {"range": "8km"}}
    cells = line_cells(sim.run(scenario(ground_sensors=[group])))
    assert np.all(cells["covered_fraction"] == 1.0)
    assert np.all(cells["two_asset_fraction"] == 1.0)


@pytest.mark.parametrize("line_change", [{"buffer": 1.0}, {"cell": 1_000_000.0}])
def test_a_zone_thinner_than_the_grid_has_no_zone_cells_but_line_coverage(line_change):
    """A 1 m buffer or a 1,000 km cell leaves no grid point in the zone: coverage.csv
    then has line cells only and metrics.json no coverage.zone.* keys (documented in
    docs/results.md), while the line's coverage is still computed."""
    base = scenario()
    data = base.to_data()
    data["line"].update(line_change)
    data["ground_sensors"] = [
        {
            "name": "g",
            "modality": "acoustic",
            "positions": [[10_000, 0]],
            "sensor": {"range": 2_000},
        }
    ]
    result = sim.run(scenario_from_data(data))
    cells = result.coverage.cells
    grids = set(np.asarray(cells["grid"]).tolist())
    assert grids == {"line"}
    metrics = result.coverage.metrics()
    assert not any(k.startswith("coverage.zone.") for k in metrics)
    assert 0.0 < metrics["coverage.line.time_fraction"] <= 1.0


def cut_and_resumed_patrols(seed):
    """Plan pieces as a run with many cues makes them, on a 24 x 16 km grid of cells.

    Stations patrol shared path objects (one zigzags, passing cells twice); their
    patrols are cut again and again by a leg flown to a point (two vertices), a loiter
    there (one vertex) and a leg back, then resumed on the same path. Ground sensors
    sit at points, some repaired (the same path object again). Also: legs along longer
    paths, zero-length paths, pieces cut at their start or running past the horizon,
    and starts on a 10-minute grid so that many pieces start together. Positions and
    ranges in whole km put cell centres on footprint edges.
    """
    from types import SimpleNamespace

    from sim.world.assets.base import Piece

    rng = np.random.default_rng(seed)
    horizon = 2 * DAY
    ranges = [1_000.0, 2_000.0, 1_500.0, 2_345.6]
    assets = [SimpleNamespace(asset_class="drone", range=r) for r in ranges]
    assets += [SimpleNamespace(asset_class="ground", range=r) for r in (1_000.0, 3_000.0)]
    paths = [
        np.array([[2_000.0, 3_000.0], [20_000.0, 3_000.0]]),
        np.array(
            [[1_000.0, 12_000.0], [8_000.0, 6_000.0], [15_000.0, 12_000.0], [22_000.0, 5_500.0]]
        ),
        np.array(
            [[3_000.0, 8_000.0], [12_000.0, 8_000.0], [4_000.0, 8_500.0], [13_000.0, 9_000.0]]
        ),
    ]

    def when(t):
        return float(np.round(t / 600.0) * 600.0) if rng.random() < 0.5 else float(t)

    pieces = []
    for station, path in enumerate(paths):
        asset = station
        length = float(np.sum(np.hypot(*np.diff(path, axis=0).T)))
        t = when(rng.uniform(0, 3_600))
        while t < horizon * 1.05:
            run = rng.uniform(600, 20_000)
            cut = t + run * rng.uniform(0.3, 1.0) if rng.random() < 0.7 else math.inf
            s0 = float(rng.uniform(0, length))
            pieces.append(Piece(asset, "bounce", t, t + run, path, 20.0, s0, cut=cut))
            t = when(min(t + run, cut))
            if rng.random() < 0.7:  # a cue: go, loiter, back
                start = path[0] + rng.uniform(0, 1) * (path[-1] - path[0])
                cue = np.round(rng.uniform([0, 0], [23_000, 15_000]) / 1_000.0) * 1_000.0
                go = np.array([start, cue])
                leg = float(np.hypot(*(cue - start))) / 30.0
                pieces.append(Piece(asset, "once", t, t + leg, go, 30.0, 0.0))
                t += leg
                stay = when(rng.uniform(300, 3_000))
                pieces.append(Piece(asset, "static", t, t + stay, np.array([cue])))
                t += stay
                pieces.append(Piece(asset, "once", t, t + leg, go[::-1].copy(), 30.0, 0.0))
                t = when(t + leg)
    sensors = [np.array([[float(6_000 * k % 23_000), float(4_000 * k % 15_000)]]) for k in range(5)]
    for k, spot in enumerate(sensors):
        t = 0.0
        while t < horizon:
            up = when(rng.uniform(3_000, 40_000))
            pieces.append(Piece(4 + k % 2, "static", t, t + up, spot))
            t = when(t + up + rng.uniform(0, 5_000))
    t = 5_000.0
    for _ in range(6):  # legs along longer paths, and paths of no length
        pieces.append(Piece(3, "once", t, t + 900.0, paths[1], 30.0, 2_000.0))
        pieces.append(Piece(3, "once", t, t + 900.0, np.array([[5_000.0, 5_000.0]] * 2), 30.0))
        pieces.append(Piece(3, "bounce", t, t + 900.0, np.array([[9_000.0, 4_000.0]] * 3), 30.0))
        pieces.append(Piece(0, "static", t, t + 600.0, paths[0]))
        pieces.append(Piece(1, "bounce", t, t + 600.0, paths[2], 20.0, cut=t))  # cut at once
        t += 20_000.0
    pieces.append(Piece(2, "bounce", horizon - 1_000.0, horizon + 9_000.0, paths[1], 20.0))
    order = rng.permutation(len(pieces))  # the engine's pieces are not in time order
    return [pieces[i] for i in order], assets, horizon


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grouped_and_tiled_sources_give_the_reference_figures_to_the_bit(seed):
    """The cell figures from footprint groups and tiled simple pieces are those of the
    reference (one record per cell and piece, sorted; tests/coverage_reference.py),
    bit for bit, whatever the tile size."""
    from coverage_reference import reference_stats

    from sim.measure.coverage import cell_stats, time_bins

    pieces, assets, horizon = cut_and_resumed_patrols(seed)
    assert sum(p.kind == "bounce" for p in pieces) > 50
    gx, gy = np.meshgrid(np.arange(24) * 1_000.0 + 500.0, np.arange(16) * 1_000.0)
    x, y = gx.ravel(), gy.ravel()
    x[::7] -= 500.0  # some centres on whole km
    n_line = 24
    images = np.array([7_200.0, 50_000.0, 50_000.5])
    own = np.arange(0, len(x), 5)  # every fifth cell has images of its own
    img_offsets = np.searchsorted(own, np.arange(len(x) + 1)).astype(np.int64)
    img_times = 3_000.0 + 97.0 * own.astype(float)
    img_times[::3] = 7_200.0  # at a zone image's instant
    width, n_bins = time_bins(horizon)
    args = (pieces, assets, x, y, n_line, horizon, images, img_offsets, img_times, width, n_bins)
    want_stats, want_raster = reference_stats(*args)
    assert np.count_nonzero(want_stats[:, 3]) > 20  # many cells with two assets at once
    for tile in (700.0, 4_000.0, 1e6):
        stats, raster = cell_stats(*args, tile)
        assert stats.tobytes() == want_stats.tobytes()
        assert raster.tobytes() == want_raster.tobytes()


@pytest.mark.parametrize("kinds", [("point", "record"), ("point", "point"), ("record", "record")])
def test_sources_starting_together_are_merged_in_piece_order(kinds):
    """Two sources of a cell that start at once are taken in the order of their pieces.

    A sensor covers the cell over [0, 2000] s; B over [135.2, 158.1] and C over
    [135.2, 418.1]. The two-asset time adds 22.9 then 260.0 (B first) or 282.9 (C
    first), which differ in the last bit: the figures follow the pieces' order, as in
    the reference, whether B and C are simple pieces (at a point) or records (a path of
    repeated vertices).
    """
    from types import SimpleNamespace

    from coverage_reference import reference_stats

    from sim.measure.coverage import cell_stats
    from sim.world.assets.base import Piece

    assets = [SimpleNamespace(asset_class="ground", range=500.0)] * 3

    def source(asset, t0, t1, kind):
        spot = np.array([[100.0 * asset, 0.0]])
        path = spot if kind == "point" else np.repeat(spot, 3, axis=0)
        return Piece(asset, "static" if kind == "point" else "bounce", t0, t1, path, 10.0)

    b = source(1, 135.2, 158.1, kinds[0])
    c = source(2, 135.2, 418.1, kinds[1])
    x, y = np.zeros(1), np.zeros(1)
    images, img_offsets, img_times = np.zeros(0), np.zeros(2, dtype=np.int64), np.zeros(0)
    results = []
    for pieces in (
        [source(0, 0.0, 2000.0, "point"), b, c],
        [source(0, 0.0, 2000.0, "point"), c, b],
    ):
        args = (pieces, assets, x, y, 1, 3000.0, images, img_offsets, img_times, 60.0, 50)
        want = reference_stats(*args)
        got = cell_stats(*args, 1_000.0)
        assert got[0].tobytes() == want[0].tobytes()
        assert got[1].tobytes() == want[1].tobytes()
        results.append(want[0][0, 3])
    assert results[0] != results[1]  # the order shows
