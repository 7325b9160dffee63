"""What each figure shows is what the saved folder holds.

For every figure of the run registry (``sim.present.figures.run.PLOTS``), of a
comparison and of a sweep, the plotted data -- scatter offsets, curve vertices, bar
heights, image and mesh arrays -- is read back from the matplotlib artists and
compared with values the test recomputes from the folder's own files (events.csv,
coverage.csv, coverage_time.csv, coverage_spacetime.npz, assets.geojson, summary.csv),
not with the figure code's helpers.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import StepPatch  # noqa: E402

import sim  # noqa: E402
from sim.present.figures import compare as compare_figures  # noqa: E402
from sim.present.figures import sweep as sweep_figures  # noqa: E402
from sim.present.figures.run import PLOTS  # noqa: E402
from sim.store.read import ResultsFolder  # noqa: E402
from sim.store.write import write_results  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
FLOOR_S = 10.0  # latency axes start at 10 s (docs/model.md section 15)


@pytest.fixture(scope="module")
def quick(tmp_path_factory) -> ResultsFolder:
    """The quickstart scenario (lon/lat, drones, ground sensors, a satellite), one day."""
    out = tmp_path_factory.mktemp("figure-data") / "quick"
    write_results(sim.run(sim.load_scenario(QUICKSTART, ["duration=2d"]), seed=3), out)
    return ResultsFolder(out)


@pytest.fixture(scope="module")
def other(tmp_path_factory) -> ResultsFolder:
    """The same line with twice the drones: a second run to compare."""
    out = tmp_path_factory.mktemp("figure-data") / "other"
    scenario = sim.load_scenario(QUICKSTART, ["duration=2d", "drones[0].count=8"])
    write_results(sim.run(scenario, seed=4), out)
    return ResultsFolder(out)


def _events(folder: ResultsFolder) -> dict[str, np.ndarray]:
    """events.csv as float arrays (booleans as 0/1), read without the figure code."""
    e = folder.events
    text = ("id", "type", "first_asset", "first_class", "light", "sector", "band")
    return {c: np.asarray(e[c], dtype=float) for c in e.columns if c not in text} | {
        "first_class": np.asarray(e["first_class"]).astype(str)
    }


def _hours_or_days(folder: ResultsFolder) -> float:
    """Seconds per unit of the time axes: days beyond three days, else hours."""
    duration = float(folder.scenario["duration"])
    return 86400.0 if duration > 3 * 86400.0 else 3600.0


def _cdf_points(values_s: np.ndarray, unit_s: float) -> np.ndarray:
    """The sorted finite values a CDF steps at, floored at the axis' left edge."""
    v = np.sort(values_s[np.isfinite(values_s)])
    return np.maximum(v, FLOOR_S) / unit_s


def _latency_unit(values_s: np.ndarray) -> float:
    finite = values_s[np.isfinite(values_s)]
    return 3600.0 if len(finite) and np.percentile(finite, 95) > 3 * 3600.0 else 60.0


def _step_x(line) -> np.ndarray:
    """The x of each rise of a CDF step line, one per value (the start and flat tail dropped)."""
    x, y = line.get_xdata(), line.get_ydata()
    rises = np.nonzero(np.diff(y) > 0)[0] + 1
    return np.asarray(x)[rises]


# --- the run registry: one test per figure -------------------------------------------


def test_every_registered_figure_is_checked_here():
    """A new figure in PLOTS needs a data test in this file."""
    checked = {
        n.removeprefix("test_").removesuffix("_data") for n in globals() if n.endswith("_data")
    }
    assert set(PLOTS) <= checked


def test_map_data(quick):
    """The violations drawn are events.csv's lon/lat by outcome; the sensors are
    assets.geojson's; the line is line.geojson's."""
    ax = PLOTS["map"].draw(quick)
    e = _events(quick)
    verified = e["verified"] > 0
    detected = (e["detected"] > 0) & ~verified
    missed = e["detected"] == 0
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    *assets, v, d, m = scatters
    for drawn, sel in ((v, verified), (d, detected), (m, missed)):
        assert np.allclose(drawn.get_offsets(), np.column_stack([e["lon"], e["lat"]])[sel])
    features = json.loads((quick.path / "assets.geojson").read_text(encoding="utf-8"))["features"]
    sensors = [f["geometry"]["coordinates"][:2] for f in features
               if f["properties"]["kind"] == "ground_sensor"]  # fmt: skip
    assert np.allclose(assets[0].get_offsets(), np.asarray(sensors, dtype=float))
    line = json.loads((quick.path / "line.geojson").read_text(encoding="utf-8"))
    coords = [f["geometry"]["coordinates"] for f in line["features"]
              if f["properties"]["kind"] == "line"]  # fmt: skip
    assert np.allclose(ax.lines[0].get_xydata(), np.asarray(coords[0], dtype=float)[:, :2])


def test_spacetime_data(quick):
    """The raster is the saved fractions (white where uncovered); violations sit at
    (start, chainage) from events.csv, detected and missed apart."""
    ax = PLOTS["spacetime"].draw(quick)
    st = np.load(quick.path / "coverage_spacetime.npz")
    image = np.asarray(ax.get_images()[0].get_array(), dtype=float)
    assert image.shape[:2] == st["drone"].shape
    uncovered = (st["drone"] == 0) & (st["ground"] == 0)
    assert np.allclose(image[uncovered], 1.0)
    assert np.all(image[~uncovered].min(axis=-1) < 1.0)
    e = _events(quick)
    unit = _hours_or_days(quick)
    where = np.column_stack([e["t_start_s"] / unit, e["chainage_m"] / 1000.0])
    hit, miss = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert np.allclose(hit.get_offsets(), where[e["detected"] > 0])
    assert np.allclose(miss.get_offsets(), where[e["detected"] == 0])


def test_coverage_map_data(quick):
    """The mesh's cells are coverage.csv's covered fractions of the zone cells."""
    _zone_mesh_matches(quick, "coverage_map", "covered_fraction", 1.0)


def test_revisit_map_data(quick):
    """The revisit map's cells are coverage.csv's longest gaps of the zone cells, in hours."""
    _zone_mesh_matches(quick, "revisit_map", "gap_max_s", 3600.0)


def _zone_mesh_matches(folder: ResultsFolder, name: str, column: str, scale: float) -> None:
    ax = PLOTS[name].draw(folder)
    mesh = ax.collections[0]
    drawn = np.ma.masked_invalid(np.ma.asarray(mesh.get_array())).compressed()
    cov = folder.coverage
    zone = np.asarray(cov["grid"]) == "zone"
    expected = np.asarray(cov[column], dtype=float)[zone] / scale
    assert np.allclose(np.sort(drawn), np.sort(expected[np.isfinite(expected)]))


def test_coverage_time_data(quick):
    """The three stairs are coverage_time.csv's columns over its time bins (hours)."""
    ax = PLOTS["coverage_time"].draw(quick)
    ct = quick.coverage_time
    unit = _hours_or_days(quick)
    edges = np.append(np.asarray(ct["t_start_s"], float), float(ct["t_end_s"][-1])) / unit
    stairs = [p for p in ax.patches if isinstance(p, StepPatch)]
    columns = ("line_covered_fraction_ground", "line_covered_fraction_drone",
               "line_covered_fraction")  # fmt: skip
    assert len(stairs) == len(columns)
    for patch, column in zip(stairs, columns, strict=True):
        data = patch.get_data()
        assert np.allclose(data.values, np.asarray(ct[column], dtype=float))
        assert np.allclose(data.edges, edges)


def test_detection_along_line_data(quick):
    """Bars count events.csv's violations per drawn bin; points are the detected share."""
    ax = PLOTS["detection_along_line"].draw(quick)
    (counts,) = [a for a in ax.figure.axes if a is not ax]
    bars = counts.containers[0]
    left = np.array([b.get_x() for b in bars])
    width = np.array([b.get_width() for b in bars])
    edges_km = np.append(left, left[-1] + width[-1])
    e = _events(quick)
    n, _ = np.histogram(e["chainage_m"] / 1000.0, bins=edges_km)
    k, _ = np.histogram(e["chainage_m"][e["detected"] > 0] / 1000.0, bins=edges_km)
    assert [b.get_height() for b in bars] == n.tolist()
    assert n.sum() == len(e["chainage_m"])
    points = ax.containers[0].lines[0].get_xydata()
    ok = n > 0
    assert np.allclose(points[:, 0], (left + width / 2)[ok])
    assert np.allclose(points[:, 1], k[ok] / n[ok])
    whole = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert np.allclose(whole[0].get_ydata(), k.sum() / n.sum())


def test_latency_cdf_data(quick):
    """Each class's curve rises at the latencies of the violations it detected first,
    the dashed one at every detected violation's (events.csv, minutes or hours)."""
    ax = PLOTS["latency_cdf"].draw(quick)
    e = _events(quick)
    unit = _latency_unit(e["latency_s"])
    classes = [c for c in ("drone", "ground", "satellite") if np.any(e["first_class"] == c)]
    *per_class, every = ax.get_lines()
    assert len(per_class) == len(classes)
    for line, cls in zip(per_class, classes, strict=True):
        expected = _cdf_points(e["latency_s"][e["first_class"] == cls], unit)
        assert np.allclose(_step_x(line), expected)
        assert line.get_ydata()[-1] == pytest.approx(1.0)
    assert np.allclose(_step_x(every), _cdf_points(e["latency_s"], unit))


def test_report_latency_cdf_data(quick):
    """The detected, reported and verified curves rise at events.csv's times from each
    violation's start, as fractions of all violations."""
    ax = PLOTS["report_latency_cdf"].draw(quick)
    e = _events(quick)
    start = e["t_start_s"]
    report, verified = e["t_report_s"] - start, e["t_verified_s"] - start
    unit = _latency_unit(np.concatenate([report, verified]))
    n = len(start)
    series = [e["latency_s"], report, verified]
    lines = ax.get_lines()
    drawn = [s for s in series if np.isfinite(s).any()]
    assert len(lines) == len(drawn)
    for line, values in zip(lines, drawn, strict=True):
        assert np.allclose(_step_x(line), _cdf_points(values, unit))
        assert line.get_ydata()[-1] == pytest.approx(np.isfinite(values).sum() / n)


# --- a comparison -------------------------------------------------------------------------


def test_revisit_by_latitude_data(quick, tmp_path):
    """Per latitude band of the zone cells: the mean revisit (h), its range over the cells
    and the images per day, recomputed with pandas from satellite columns written into
    a copy of the folder (the engine's orbit outputs are stand-ins here)."""
    import shutil

    import pandas as pd

    copy = tmp_path / "orbit"
    shutil.copytree(quick.path, copy)
    cov = pd.read_csv(copy / "coverage.csv")
    rng = np.random.default_rng(7)
    cov["satellite_images"] = rng.integers(0, 9, len(cov))
    revisit_s = 86400.0 * (1.0 + 5.0 * (cov["lat"] - cov["lat"].min()))
    cov["satellite_revisit_mean_s"] = revisit_s.where(cov["satellite_images"] >= 2)
    cov.to_csv(copy / "coverage.csv", index=False)
    (copy / "ground_tracks.csv").write_text(
        "asset,group,t_s,lon,lat\ns-0,s,0,35.0,47.0\ns-0,s,60,35.1,47.4\n", encoding="utf-8"
    )
    folder = ResultsFolder(copy)
    ax = PLOTS["revisit_by_latitude"].draw(folder)
    mean_line = ax.get_lines()[0]
    x = np.asarray(mean_line.get_xdata(), dtype=float)
    width = float(np.min(np.diff(x)))
    zone = cov[cov["grid"] == "zone"].copy()
    zone["band"] = np.floor(zone["lat"] / width + 1e-9).astype(int)
    by = zone.groupby("band")
    gap_h = by["satellite_revisit_mean_s"].agg(["mean", "min", "max"]) / 3600.0
    gap_h = gap_h.dropna()
    assert np.allclose(x, (gap_h.index.to_numpy() + 0.5) * width)
    assert np.allclose(mean_line.get_ydata(), gap_h["mean"])
    (ranges,) = [c for c in ax.collections if len(c.get_segments()) == len(gap_h)]
    segs = np.asarray(ranges.get_segments())
    assert np.allclose(segs[:, 0, 1], gap_h["min"]) and np.allclose(segs[:, 1, 1], gap_h["max"])
    days = float(folder.scenario["duration"]) / 86400.0
    per_day = by["satellite_images"].mean() / days
    (twin,) = [a for a in ax.figure.axes if a is not ax and a.bbox.bounds == ax.bbox.bounds]
    assert np.allclose(twin.get_lines()[0].get_ydata(), per_day)


def test_compare_latency_curves_are_each_runs_events(quick, other):
    """One solid (detected) and one dashed (reported) curve per run, from its events.csv."""
    fig = compare_figures.plot_latency_cdfs([quick, other], ["a", "b"])
    lines = fig.axes[0].get_lines()
    events = [_events(f) for f in (quick, other)]
    every = np.concatenate(
        [np.concatenate([e["latency_s"], e["t_report_s"] - e["t_start_s"]]) for e in events]
    )
    unit = _latency_unit(every)
    for i, e in enumerate(events):
        detect, report = lines[2 * i], lines[2 * i + 1]
        assert np.allclose(_step_x(detect), _cdf_points(e["latency_s"], unit))
        report_s = e["t_report_s"] - e["t_start_s"]
        assert np.allclose(_step_x(report), _cdf_points(report_s, unit))
        assert detect.get_ydata()[-1] == pytest.approx(np.mean(e["detected"] > 0))


def test_compare_coverage_maps_hold_each_runs_cells(quick, other):
    """Each panel holds its run's zone cells of coverage.csv, on one 0-1 scale."""
    fig = compare_figures.plot_coverage_maps([quick, other], ["a", "b"])
    meshes = [a.collections[0] for a in fig.axes[:2]]  # the panels; the colour bar follows
    for mesh, folder in zip(meshes, (quick, other), strict=True):
        drawn = np.ma.masked_invalid(np.ma.asarray(mesh.get_array())).compressed()
        cov = folder.coverage
        zone = np.asarray(cov["grid"]) == "zone"
        assert np.allclose(np.sort(drawn), np.sort(np.asarray(cov["covered_fraction"])[zone]))
        assert (mesh.norm.vmin, mesh.norm.vmax) == (0.0, 1.0)


def test_compare_coverage_difference_is_run_2_minus_run_1(quick, other):
    """Same line and grid: the difference map holds run 2 minus run 1 per zone cell."""
    cell = float(quick.scenario["line"]["cell"])
    diff = compare_figures.coverage_difference(quick.coverage, other.coverage, cell)
    assert diff is not None
    fig = compare_figures.plot_coverage_difference([quick, other], ["a", "b"], diff)
    drawn = np.ma.masked_invalid(np.ma.asarray(fig.axes[0].collections[0].get_array()))
    zone = np.asarray(quick.coverage["grid"]) == "zone"
    a = np.asarray(quick.coverage["covered_fraction"], float)[zone]
    b = np.asarray(other.coverage["covered_fraction"], float)[zone]
    assert np.allclose(np.sort(drawn.compressed()), np.sort(b - a))  # same grid: every cell


# --- a sweep ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A finished sweep: two drone counts x two sensor spacings, two replications, a target."""
    from sim.sweep import run_sweep
    from sim.sweep.folder import read_sweep

    tmp = tmp_path_factory.mktemp("sweep")
    path = tmp / "s.yaml"
    path.write_text(
        f"name: s\nscenario: {QUICKSTART}\nreplications: 2\nset: {{duration: 1d}}\n"
        "grid:\n  - path: drones[0].count\n    values: [2, 6]\n"
        "  - path: ground_sensors[0].spacing\n    values: [10km, 30km]\n"
        "metrics: [detection.probability, latency.median_s]\n"
        "target: detection.probability >= 0.5\n"
        "cost:\n  - {path: 'drones[0].count', per_unit: 5}\n",
        encoding="utf-8",
    )
    run_sweep(path, workers=1, out=tmp / "out", progress=lambda info: None)
    return read_sweep(tmp / "out")


def _column(sweep, name: str) -> np.ndarray:
    return np.asarray(sweep.summary[name], dtype=float)


def test_sweep_heatmap_cells_are_the_summary_estimates(swept):
    """Each heatmap cell is summary.csv's estimate at its (count, spacing) point (in %)."""
    axes = sweep_figures.axes_of(swept)
    ax = sweep_figures.plot_heatmap(swept, "detection.probability", axes)
    image = np.asarray(ax.get_images()[0].get_array())
    counts = np.unique(_column(swept, "drones[0].count"))
    spacings = np.unique(_column(swept, "ground_sensors[0].spacing"))
    est = _column(swept, "detection.probability.estimate") * 100
    for c, s, value in zip(
        _column(swept, "drones[0].count"),
        _column(swept, "ground_sensors[0].spacing"),
        est,
        strict=True,
    ):
        iy, ix = np.searchsorted(spacings, s), np.searchsorted(counts, c)
        assert image[iy, ix] == pytest.approx(value)


def test_sweep_curve_is_the_estimate_against_the_parameter(swept):
    """One axis: the curve joins summary.csv's estimates in parameter order; the dots
    are runs.csv's ok runs."""
    axis = sweep_figures.axes_of(swept)[0]
    ax = sweep_figures.plot_curve(swept, "latency.median_s", axis)
    x = _column(swept, axis.paths[0])
    order = np.argsort(x, kind="stable")
    est = _column(swept, "latency.median_s.estimate") / 60.0
    curve = ax.get_lines()[0]
    assert np.allclose(curve.get_xdata(), x[order])
    assert np.allclose(curve.get_ydata(), est[order], equal_nan=True)
    runs = swept.runs
    ok = np.asarray(runs["status"]) == "ok"
    dots = ax.get_lines()[1]
    assert np.allclose(dots.get_ydata(), np.asarray(runs["latency.median_s"], float)[ok] / 60.0,
                       equal_nan=True)  # fmt: skip


def test_sweep_main_effects_are_the_estimates_per_parameter(swept):
    """Each panel plots summary.csv's estimates against one parameter, and the mean per level."""
    axes = sweep_figures.axes_of(swept)
    fig = sweep_figures.plot_main_effects(swept, "detection.probability", axes)
    est = _column(swept, "detection.probability.estimate") * 100
    for panel, axis in zip(fig.axes, axes, strict=True):
        x = _column(swept, axis.paths[0]) / (1000.0 if "spacing" in axis.paths[0] else 1.0)
        points, means = panel.get_lines()[:2]
        assert np.allclose(points.get_xydata(), np.column_stack([x, est]))
        levels = np.unique(x)
        assert np.allclose(means.get_ydata(), [est[x == v].mean() for v in levels])


def test_sweep_cost_plot_is_cost_against_the_target_metric(swept):
    """The cost figure places each point at (cost, estimate) from summary.csv, split by
    whether it meets the target."""
    ax = sweep_figures.plot_cost(swept, Figure().add_subplot())
    assert ax is not None
    cost = _column(swept, "cost")
    est = _column(swept, "detection.probability.estimate") * 100
    meets = np.asarray(swept.summary["meets_target"], dtype=bool)
    drawn = np.concatenate([c.lines[0].get_xydata() for c in ax.containers])
    expected = np.concatenate(
        [np.column_stack([cost, est])[~meets], np.column_stack([cost, est])[meets]]
    )
    assert np.allclose(drawn, expected)


def test_sweep_replications_show_each_run(swept):
    """Replications of one point: a dot per ok run of runs.csv and the point's estimate."""
    ax = sweep_figures.plot_replications(swept, "detection.probability")
    runs = swept.runs
    ok = np.asarray(runs["status"]) == "ok"
    dots = ax.get_lines()[0]
    expected = np.asarray(runs["detection.probability"], float)[ok] * 100
    assert np.allclose(dots.get_ydata(), expected)
    estimate = ax.get_lines()[1]
    assert estimate.get_ydata()[0] == pytest.approx(
        _column(swept, "detection.probability.estimate")[0] * 100
    )


def test_sweep_overlay_is_each_sweeps_estimates(swept):
    """Comparing sweeps: each sweep's curve is its summary.csv estimates along its first axis."""
    fig = sweep_figures.plot_overlay([swept, swept], ["one", "two"], "detection.probability")
    axis = sweep_figures.axes_of(swept)[0]
    x = _column(swept, axis.paths[0])
    order = np.argsort(x, kind="stable")
    est = _column(swept, "detection.probability.estimate")[order] * 100
    for line in fig.axes[0].get_lines():
        assert np.allclose(line.get_xydata(), np.column_stack([x[order], est]))


def _solar_hours(folder: ResultsFolder) -> np.ndarray:
    """Each violation's local mean solar hour of start, from events.csv and the start."""
    import datetime as dt

    start = folder.spec.start
    e = _events(folder)
    utc = [start + dt.timedelta(seconds=float(t)) for t in e["t_start_s"]]
    seconds = np.array(
        [3600 * u.hour + 60 * u.minute + u.second + u.microsecond * 1e-6 for u in utc]
    )
    return np.floor(np.mod(seconds / 3600.0 + e["lon"] / 15.0, 24.0)).astype(int)


def test_by_hour_data(quick):
    """Bars count the violations started per local solar hour; points are the shares
    detected and verified of the hours that have violations."""
    ax = PLOTS["by_hour"].draw(quick)
    (counts,) = [a for a in ax.figure.axes if a is not ax]
    e = _events(quick)
    hours = _solar_hours(quick)
    n = np.bincount(hours, minlength=24)
    assert [b.get_height() for b in counts.containers[0]] == n.tolist()
    ok = n > 0
    for container, key in zip(ax.containers, ("detected", "verified"), strict=True):
        k = np.bincount(hours[e[key] > 0], minlength=24)
        points = container.lines[0].get_xydata()
        assert np.allclose(np.floor(points[:, 0]), np.arange(24)[ok])
        assert np.allclose(points[:, 1], k[ok] / n[ok])


@pytest.fixture(scope="module")
def sectored(tmp_path_factory) -> ResultsFolder:
    """The quickstart line cut into three sectors (one touching the next, a gap after)."""
    out = tmp_path_factory.mktemp("figure-data") / "sectored"
    data = sim.load_scenario(QUICKSTART, ["duration=2d"]).to_data()
    data["line"]["sectors"] = {"b": [40_000, 90_000], "a": [0, 40_000], "c": [100_000, 1e6]}
    from sim.spec.load import scenario_from_data

    write_results(sim.run(scenario_from_data(data, QUICKSTART.parent), seed=3), out)
    return ResultsFolder(out)


def test_sectors_data(sectored):
    """Bars are the shares of each sector's violations (by chainage in events.csv, the
    sector holding it) detected and verified, in chainage order."""
    ax = PLOTS["sectors"].draw(sectored)
    e = _events(sectored)
    c = e["chainage_m"]
    spans = {"a": (0, 40_000), "b": (40_000, 90_000), "c": (100_000, 1e6)}
    heights = [b.get_height() for b in ax.patches]
    assert len(heights) == 6
    owner = np.where(c <= 40_000, "a", np.where(c <= 90_000, "b", np.where(c >= 100_000, "c", "")))
    for i, name in enumerate(spans):
        mine = owner == name
        for j, key in enumerate(("detected", "verified")):
            want = float(np.mean(e[key][mine] > 0)) if mine.any() else 0.0
            assert heights[j * 3 + i] == pytest.approx(want)
    labels = [t.get_text().split("\n")[0] for t in ax.get_xticklabels()]
    assert labels == ["a", "b", "c"]
