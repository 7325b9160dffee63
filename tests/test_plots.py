"""Plots: drawn from a saved results folder only, every figure readable and labelled."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.image import imread  # noqa: E402

import sim  # noqa: E402
import sim.engine.model  # noqa: E402
from sim.measure.metrics import wilson_interval  # noqa: E402
from sim.present import format as fmt  # noqa: E402
from sim.present.figures import along_line, latency, style, timelines, zones  # noqa: E402
from sim.present.figures import map as map_figure  # noqa: E402
from sim.present.figures import run as plots  # noqa: E402
from sim.spec.load import scenario_from_data  # noqa: E402
from sim.store.read import ResultsFolder  # noqa: E402
from sim.store.write import write_results  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"

# figures that need only events.csv (always drawable; by_hour on a lon/lat line such as
# quickstart's), and what the others need
EVENT_FIGURES = {"detection_along_line", "latency_cdf", "report_latency_cdf", "by_hour"}
COVERAGE_FILES = ("coverage.csv", "coverage_time.csv", "coverage_spacetime.npz")
# figures of runs with orbiting satellites only (tests/test_figures_sky.py draws them), and
# with line.sectors only (tests/test_where.py draws it)
ORBIT_FIGURES = {"revisit_by_latitude", "sectors"}
QUICK_FIGURES = [name for name in plots.PLOTS if name not in ORBIT_FIGURES]
LOCAL_CELL_KM = 2.0
WIDTH_PX = round(style.FIGSIZE[0] * style.DPI)
HEIGHT_PX = round(style.FIGSIZE[1] * style.DPI)

LOCAL = {
    "name": "local-plots",
    "seed": 5,
    "duration": "2d",
    "line": {
        "crs": "local",
        "points": [[0, 0], [60000, 0], [100000, 20000]],
        "buffer": "6km",
        "cell": "2km",
    },
    "violations": {"rate": "60/day", "duration": "30min", "offset": {"uniform": ["-4km", "4km"]}},
    "drones": [
        {
            "name": "uav",
            "count": 2,
            "modality": "eo",
            "speed": "100km/h",
            "sensor": {"range": "4km", "pd": 0.8},
            "patrol": {"stations": 2},
        }
    ],
    "ground_sensors": [
        {
            "name": "ugs",
            "modality": "acoustic",
            "spacing": "10km",
            "sensor": {"range": "2km", "pd": 0.8},
        }
    ],
}


def _need(folder: ResultsFolder, *names: str) -> None:
    """Fail clearly when the results folder lacks a file a figure reads."""
    missing = [n for n in names if not folder.has(n)]
    assert not missing, f"write_results did not write {', '.join(missing)}"


@pytest.fixture(scope="module")
def quick(tmp_path_factory) -> ResultsFolder:
    """The quickstart scenario run and written to a results folder."""
    out = tmp_path_factory.mktemp("quick") / "results"
    write_results(sim.run(sim.load_scenario(QUICKSTART)), out)
    return ResultsFolder(out)


@pytest.fixture(scope="module")
def quick_pngs(quick) -> list[Path]:
    """draw_all on the quickstart folder."""
    return plots.draw_all(quick)


@pytest.fixture(scope="module")
def local(tmp_path_factory) -> ResultsFolder:
    """A small local-metres scenario run and written to a results folder."""
    out = tmp_path_factory.mktemp("local") / "results"
    write_results(sim.run(scenario_from_data(LOCAL)), out)
    return ResultsFolder(out)


# --- draw_all ---------------------------------------------------------------------------


def test_draw_all_writes_every_figure_the_files_allow(quick, quick_pngs):
    """draw_all writes <folder>/plots/<name>.png for exactly the figures whose inputs exist."""
    expected = [name for name, spec in plots.PLOTS.items() if spec.drawable(quick)]
    assert quick_pngs == [quick.path / "plots" / f"{name}.png" for name in expected]
    assert EVENT_FIGURES <= set(expected)
    assert all(p.is_file() for p in quick_pngs)


def test_pngs_are_report_sized_and_not_blank(quick_pngs):
    """Every PNG is 8 x 5 in at the module's dpi, RGBA, and has varying pixels."""
    for path in quick_pngs:
        image = imread(path)
        assert image.shape == (HEIGHT_PX, WIDTH_PX, 4), path.name
        assert float(image[..., :3].std()) > 0.05, path.name


def test_draw_all_skips_figures_whose_files_are_absent(quick, tmp_path):
    """Without line and coverage files, only the events figures are drawn, and nothing fails."""
    copy = tmp_path / "copy"
    shutil.copytree(quick.path, copy)
    for name in ("line.geojson", "assets.geojson", *COVERAGE_FILES):
        (copy / name).unlink(missing_ok=True)
    shutil.rmtree(copy / "plots", ignore_errors=True)
    written = plots.draw_all(copy)
    assert {p.stem for p in written} == EVENT_FIGURES


def test_draw_all_writes_to_out_dir(quick, tmp_path):
    """out_dir overrides <folder>/plots; names restricts the figures drawn."""
    written = plots.draw_all(quick, out_dir=tmp_path / "elsewhere", names=["latency_cdf"])
    assert written == [tmp_path / "elsewhere" / "latency_cdf.png"]


def test_draw_all_rejects_unknown_names(quick, tmp_path):
    """An unknown figure name is a ValueError naming it."""
    with pytest.raises(ValueError, match="no_such_plot"):
        plots.draw_all(quick, out_dir=tmp_path, names=["no_such_plot"])


def test_plots_are_drawn_from_the_folder_alone(quick, tmp_path, monkeypatch):
    """A copied folder is drawn in full while the engine refuses to run."""

    def refuse(*args, **kwargs):
        raise AssertionError("plots must not run the engine")

    monkeypatch.setattr(sim.engine.model, "run", refuse)
    monkeypatch.setattr(sim.engine.model, "run_model", refuse)
    copy = tmp_path / "moved"
    shutil.copytree(quick.path, copy, ignore=shutil.ignore_patterns("plots"))
    written = plots.draw_all(copy)
    assert [p.name for p in written] == [f"{n}.png" for n in plots.available(copy)]
    assert all(p.parent == copy / "plots" for p in written)


def test_present_imports_neither_the_engine_nor_simpy_numba_or_pyplot():
    """Every module of sim.present works from saved folders: importing it (in a fresh
    interpreter) loads no SimPy, numba, engine or world model, and never pyplot (no global
    figure state)."""
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / "sim" / "present").rglob("*.py")
    )
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "bad = ('simpy', 'numba', 'sim.engine', 'sim.world', 'matplotlib.pyplot')\n"
        + "print(sorted(m for m in sys.modules if m.startswith(bad)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert len(modules) > 20
    assert out.stdout.strip() == "[]"


# --- every figure: titled, labelled -------------------------------------------------------


@pytest.mark.parametrize("name", QUICK_FIGURES)
def test_each_figure_has_title_and_axis_labels(quick, name):
    """Each figure's Axes has a title naming the scenario and both axis labels."""
    spec = plots.PLOTS[name]
    _need(quick, *spec.needs)
    ax = spec.draw(quick)
    assert quick.name in ax.get_title()
    assert ax.get_xlabel()
    assert ax.get_ylabel()
    assert ax.get_legend() is not None or ax.figure.legends


@pytest.mark.parametrize("name", QUICK_FIGURES)
def test_each_figure_draws_on_a_given_axes(quick, name):
    """plot_x(folder, ax) draws on the Axes it is given and returns it."""
    spec = plots.PLOTS[name]
    _need(quick, *spec.needs)
    fig = matplotlib.figure.Figure()
    ax = fig.add_subplot()
    assert spec.draw(quick, ax=ax) is ax


def test_registry_reading_aids_are_one_line():
    """Every PLOTS entry has a one-line reading aid and names the files it needs."""
    for name, spec in plots.PLOTS.items():
        assert spec.aid and "\n" not in spec.aid, name
        assert spec.needs, name
        assert spec.draw.__name__ == f"plot_{name}", name


# --- map ---------------------------------------------------------------------------------


def test_map_of_a_lonlat_scenario_is_in_degrees_with_true_aspect(quick):
    """A lon/lat map is labelled in degrees, its aspect 1/cos(latitude of the view centre)."""
    _need(quick, "line.geojson")
    ax = map_figure.plot_map(quick)
    assert ax.get_xlabel() == "longitude (deg E)"
    assert ax.get_ylabel() == "latitude (deg N)"
    lat = np.mean(ax.get_ylim())
    assert ax.get_aspect() == pytest.approx(1.0 / math.cos(math.radians(lat)), rel=1e-3)


def test_map_of_a_local_scenario_is_in_km(local):
    """A local map is in km with equal aspect, and its violations are plotted in km."""
    _need(local, "line.geojson")
    ax = map_figure.plot_map(local)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x (km)", "y (km)")
    assert ax.get_aspect() == 1.0
    # the line runs 100 km along x: in metres the view would reach 100,000
    assert 100.0 <= ax.get_xlim()[1] < 150.0


def test_map_legend_counts_each_outcome(quick):
    """The map's legend gives the number of verified, detected and missed violations."""
    _need(quick, "line.geojson")
    labels = [t.get_text() for t in map_figure.plot_map(quick).get_legend().get_texts()]
    outcome = style.outcomes(quick.events)
    for name in ("verified", "detected", "missed"):
        assert f"{name} ({int(np.sum(outcome == name))})" in labels


# --- coverage maps -----------------------------------------------------------------------


def test_map_draws_range_footprints_for_many_sensors(tmp_path):
    """Regression: a 150-sensor map drew no range circles and had no legend for them.
    Every sensor gets its footprint (a disc of its range) and the legend names them."""
    from matplotlib.collections import PatchCollection

    data = {
        **LOCAL,
        "duration": "2h",
        "drones": [],
        "ground_sensors": [
            {
                "name": "ugs",
                "modality": "acoustic",
                "spacing": "700m",
                "sensor": {"range": "1500m", "pd": 0.8},
            }
        ],
    }
    out = tmp_path / "many"
    write_results(sim.run(scenario_from_data(data)), out)
    folder = ResultsFolder(out)
    sensors = [
        f
        for f in folder.geojson("assets")["features"]
        if f["properties"].get("kind") == "ground_sensor"
    ]
    assert len(sensors) >= 150
    ax = map_figure.plot_map(folder)
    (discs,) = [c for c in ax.collections if isinstance(c, PatchCollection)]
    paths = discs.get_paths()
    assert len(paths) == len(sensors)
    # each footprint is a disc of the sensor's range, in km, around the sensor
    for feature, path in zip(sensors, paths, strict=True):
        box = path.get_extents()
        centre = np.asarray(feature["geometry"]["coordinates"][:2]) / 1000.0
        assert (box.width, box.height) == pytest.approx((3.0, 3.0), rel=1e-3)
        assert (box.x0 + box.x1, box.y0 + box.y1) == pytest.approx(2 * centre, abs=1e-6)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "ground sensor range" in labels


def test_zone_grid_holds_every_zone_cell_once(local):
    """The zone grid's unmasked cells are exactly the zone rows of coverage.csv, in place."""
    _need(local, "coverage.csv")
    grid = zones.zone_grid(local)
    rows = np.asarray(local.coverage["grid"]) == "zone"
    values = grid.column(local, "covered_fraction")
    assert values.count() == int(rows.sum())
    assert np.array_equal(
        values[grid.ix, grid.iy], np.asarray(local.coverage["covered_fraction"])[rows]
    )


def test_zone_grid_corners_are_half_a_cell_around_centres(local):
    """Local zone-grid corners (km) lie half a cell either side of each cell's x, y."""
    _need(local, "coverage.csv")
    grid = zones.zone_grid(local)
    rows = np.asarray(local.coverage["grid"]) == "zone"
    x = np.asarray(local.coverage["x"])[rows] / 1000.0
    y = np.asarray(local.coverage["y"])[rows] / 1000.0
    half = LOCAL_CELL_KM / 2
    assert np.allclose(grid.x[grid.ix, grid.iy], x - half, atol=1e-9)
    assert np.allclose(grid.x[grid.ix + 1, grid.iy], x + half, atol=1e-9)
    assert np.allclose(grid.y[grid.ix, grid.iy], y - half, atol=1e-9)
    assert np.allclose(grid.y[grid.ix, grid.iy + 1], y + half, atol=1e-9)


def test_coverage_map_colour_scale_is_zero_to_one(quick):
    """The covered-fraction map's colour scale is fixed at [0, 1] so maps compare."""
    _need(quick, "coverage.csv")
    ax = zones.plot_coverage_map(quick)
    mesh = ax.collections[0]
    assert (mesh.norm.vmin, mesh.norm.vmax) == (0.0, 1.0)


def test_revisit_map_is_in_hours(quick):
    """The revisit map's colour scale tops out at the largest max gap, in hours."""
    _need(quick, "coverage.csv")
    ax = zones.plot_revisit_map(quick)
    rows = np.asarray(quick.coverage["grid"]) == "zone"
    top = float(np.max(np.asarray(quick.coverage["gap_max_s"])[rows])) / 3600.0
    assert ax.collections[0].norm.vmax == pytest.approx(max(top, 1e-9))


def test_zone_maps_share_a_norm(local):
    """draw_zone_values with one norm draws two maps on one colour scale."""
    _need(local, "coverage.csv")
    grid = zones.zone_grid(local)
    fig = matplotlib.figure.Figure()
    a, b = fig.subplots(1, 2)
    norm = mcolors.Normalize(0.0, 2.0)
    values = grid.column(local, "covered_fraction")
    m1 = zones.draw_zone_values(a, grid, values, norm=norm, colorbar=False)
    m2 = zones.draw_zone_values(b, grid, 2 * values, norm=norm, colorbar=False)
    assert m1.norm is m2.norm is norm


# --- space-time ------------------------------------------------------------------------


def test_spacetime_rgb_corners_are_white_drone_ground_and_both():
    """No coverage is white; full coverage by one class or both gives its key colour."""
    zero, one = np.zeros(1), np.ones(1)
    assert np.array_equal(timelines.spacetime_rgb(zero, zero), np.ones((1, 3)))
    k = timelines.SPACETIME_STRENGTH
    for d, g, colour in (
        (one, zero, timelines.SPACETIME_DRONE),
        (zero, one, timelines.SPACETIME_GROUND),
        (one, one, timelines.SPACETIME_BOTH),
    ):
        expected = 1 - k * (1 - np.asarray(mcolors.to_rgb(colour)))
        assert np.allclose(timelines.spacetime_rgb(d, g)[0], expected)


def test_spacetime_ground_and_both_are_clearly_different():
    """Regression: "ground" and "both" were hard to tell apart. The three class colours
    now differ by hue and by lightness (so also in grey scale)."""
    one, zero = np.ones(1), np.zeros(1)
    drone = timelines.spacetime_rgb(one, zero)[0]
    ground = timelines.spacetime_rgb(zero, one)[0]
    both = timelines.spacetime_rgb(one, one)[0]

    def lightness(rgb: np.ndarray) -> float:
        return float(np.dot(rgb, [0.2126, 0.7152, 0.0722]))

    for a, b in ((ground, both), (drone, both), (drone, ground)):
        assert np.linalg.norm(a - b) > 0.25
    assert lightness(ground) - lightness(both) > 0.2
    assert lightness(drone) - lightness(both) > 0.2


def test_spacetime_shading_is_proportional_to_covered_time():
    """Regression: a bin a drone crossed for a moment was shaded at least a quarter of the
    full colour, so 8 % of line-time covered looked like 89 %. Shade is now linear in
    the covered fraction: 10 % covered is 10 % of the way from white."""
    k = timelines.SPACETIME_STRENGTH
    drone = np.asarray(mcolors.to_rgb(timelines.SPACETIME_DRONE))
    full = 1 - k * (1 - drone)
    for f in (1e-6, 0.1, 0.5, 0.9):
        rgb = timelines.spacetime_rgb(np.array([f]), np.zeros(1))[0]
        assert np.allclose(rgb, 1 - f * (1 - full))


def test_spacetime_image_is_the_saved_fractions(quick):
    """The drawn raster is the saved drone and ground fractions, bin by bin, read back
    through the key: where one class alone covers, the shade gives its fraction."""
    _need(quick, "coverage_spacetime.npz", "events.csv")
    ax = timelines.plot_spacetime(quick)
    st = quick.spacetime
    image = np.asarray(ax.get_images()[0].get_array(), dtype=float)
    assert np.allclose(image, timelines.spacetime_rgb(st["drone"], st["ground"]))
    full = 1 - timelines.SPACETIME_STRENGTH * (
        1 - np.asarray(mcolors.to_rgb(timelines.SPACETIME_GROUND))
    )
    only_ground = np.asarray(st["drone"]) == 0
    channel = int(np.argmax(1 - full))  # the channel the ground colour moves most
    read = (1 - image[..., channel]) / (1 - full[channel])
    assert np.allclose(read[only_ground], np.asarray(st["ground"])[only_ground])
    # the colour key is an inset of the axes, spanning both fractions 0..1
    (key,) = ax.child_axes
    assert key.get_images()[0].get_extent() == [0.0, 1.0, 0.0, 1.0]
    # the ink matches the covered time: mean shade of the drone channel is the mean fraction
    drone_only = (np.asarray(st["ground"]) == 0) & (np.asarray(st["drone"]) > 0)
    if drone_only.any():
        d_full = 1 - timelines.SPACETIME_STRENGTH * (
            1 - np.asarray(mcolors.to_rgb(timelines.SPACETIME_DRONE))
        )
        c = int(np.argmax(1 - d_full))
        d_read = (1 - image[..., c]) / (1 - d_full[c])
        assert np.allclose(d_read[drone_only], np.asarray(st["drone"])[drone_only])


def test_spacetime_extent_matches_the_raster(quick):
    """The space-time image spans the raster's time (days) and chainage (km) edges."""
    _need(quick, "coverage_spacetime.npz", "events.csv")
    ax = timelines.plot_spacetime(quick)
    st = quick.spacetime
    image = ax.get_images()[0]
    t = st["time_edges_s"] / 86_400.0
    c = st["chainage_edges_m"] / 1000.0
    assert image.get_extent() == pytest.approx([t[0], t[-1], c[0], c[-1]])
    assert image.get_array().shape[:2] == st["any"].shape


# --- latency CDFs ------------------------------------------------------------------------


def test_draw_cdf_steps_to_one_or_to_the_fraction_of_total():
    """draw_cdf reaches 1 by default, k/total with total, and extends flat to right."""
    fig = matplotlib.figure.Figure()
    ax = fig.add_subplot()
    latency.draw_cdf(ax, np.array([3.0, 1.0, np.nan, 2.0]), "a")
    latency.draw_cdf(ax, np.array([3.0, 1.0, np.nan, 2.0]), "b", total=6, right=10.0)
    a, b = ax.get_lines()
    assert list(a.get_xdata()) == [0.0, 1.0, 2.0, 3.0]
    assert list(a.get_ydata()) == pytest.approx([0.0, 1 / 3, 2 / 3, 1.0])
    assert list(b.get_xdata()) == [0.0, 1.0, 2.0, 3.0, 10.0]
    assert list(b.get_ydata()) == pytest.approx([0.0, 1 / 6, 2 / 6, 3 / 6, 3 / 6])


def test_latency_cdf_has_a_curve_per_first_class(quick):
    """One CDF per asset class that detected first, plus all detected, each with its n."""
    ax = latency.plot_latency_cdf(quick)
    first = np.asarray(quick.events["first_class"]).astype(str)
    labels = [line.get_label() for line in ax.get_lines()]
    expected = [
        f"{style.CLASS_LABELS[c]} (n={int(np.sum(first == c))}"
        for c in ("drone", "ground", "satellite")
        if np.any(first == c)
    ]
    expected.append(f"all detected (n={int(np.sum(quick.events['detected']))}")
    assert [lab.split(",")[0] for lab in labels] == expected


def test_report_latency_curves_end_at_their_fractions(quick):
    """The report figure's curves end at the detected, reported and verified fractions."""
    ax = latency.plot_report_latency_cdf(quick)
    e = quick.events
    n = len(e["id"])
    ends = [float(line.get_ydata()[-1]) for line in ax.get_lines()]
    expected = [
        np.isfinite(e["latency_s"]).sum() / n,
        np.isfinite(e["t_report_s"]).sum() / n,
        np.isfinite(e["t_verified_s"]).sum() / n,
    ]
    assert ends == pytest.approx([x for x in expected if x > 0])


@pytest.mark.parametrize("name", ["latency_cdf", "report_latency_cdf"])
def test_latency_figures_use_a_log_time_axis_with_duration_ticks(quick, name):
    """Latency CDFs are on a log time axis from 10 s, ticks read as s / min / h / d."""
    import re

    ax = plots.PLOTS[name].draw(quick)
    assert ax.get_xscale() == "log"
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(labels) >= 3
    assert all(re.fullmatch(r"\u2264?\d+(\.\d+)? (s|min|h|d)", lab) for lab in labels), labels
    assert "log scale" in ax.get_xlabel()
    # ticks sit where their labels say: one unit (min or h) converts every tick
    seconds = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86_400.0}
    per_unit = {
        round(float(number) * seconds[unit] / tick, 6)
        for tick, (number, unit) in zip(
            ax.get_xticks(), (lab.lstrip("\u2264").split() for lab in labels), strict=True
        )
    }
    assert len(per_unit) == 1 and per_unit <= {60.0, 3600.0}
    assert ax.get_xlim()[0] == pytest.approx(latency.LATENCY_FLOOR_S / per_unit.pop())


def test_latency_axis_gives_the_first_hour_room_beside_a_long_tail():
    """Regression: one tail at 700 min squashed the first hour into the left 7 % of a
    linear axis. On the log axis the first hour takes more than half the width."""
    fig = matplotlib.figure.Figure()
    ax = fig.add_subplot()
    minutes = np.concatenate([np.linspace(1.0, 60.0, 50), [700.0]])
    floor, right = latency.set_latency_scale(ax, minutes, 60.0)
    latency.draw_cdf(ax, minutes, "x", right=right, floor=floor)
    fig.canvas.draw()
    left_px, hour_px, right_px = ax.transData.transform(
        np.column_stack([[floor, 60.0, right], [0.0, 0.0, 0.0]])
    )[:, 0]
    assert (hour_px - left_px) / (right_px - left_px) > 0.5
    assert floor == pytest.approx(latency.LATENCY_FLOOR_S / 60.0)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "1 h" in labels and "1 min" in labels


def test_draw_cdf_with_a_floor_draws_zero_latencies_at_it():
    """On a log axis a latency of 0 is drawn at the floor, never dropped."""
    fig = matplotlib.figure.Figure()
    ax = fig.add_subplot()
    latency.draw_cdf(ax, np.array([0.0, 0.0, 5.0, 20.0]), "a", floor=0.5, right=40.0)
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == [0.5, 0.5, 0.5, 5.0, 20.0, 40.0]
    assert list(line.get_ydata()) == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0, 1.0])


def test_latency_figures_say_so_when_nothing_was_detected(tmp_path):
    """With pd 0 no violation is detected: the latency figures draw, with a note."""
    out = tmp_path / "pd0"
    write_results(sim.run(scenario_from_data(_one_sensor(0.0, 1))), out)
    folder = ResultsFolder(out)
    n = len(folder.events["id"])
    assert n > 0
    ax = latency.plot_latency_cdf(folder)
    assert [t.get_text() for t in ax.texts] == [f"No violation was detected ({n} in the run)."]
    ax = latency.plot_report_latency_cdf(folder)
    assert [t.get_text() for t in ax.texts] == [f"None of the {n} violations was detected."]


def test_duration_labels_are_short_and_round():
    """Tick labels: seconds, minutes, hours, days."""
    labels = [fmt.duration_tick(t) for t in (10, 60, 900, 3600, 6 * 3600, 86_400, 7 * 86_400)]
    assert labels == ["10 s", "1 min", "15 min", "1 h", "6 h", "1 d", "7 d"]


def test_latency_unit_switches_to_hours_beyond_three_hours():
    """Latencies are in minutes up to a p95 of 3 h, in hours beyond."""
    assert latency.latency_unit(np.full(10, 3 * 3600.0)) == (60.0, "minutes")
    assert latency.latency_unit(np.full(10, 3 * 3600.0 + 1)) == (3600.0, "hours")


# --- detection along the line --------------------------------------------------------


def test_chainage_bin_width_is_a_multiple_of_the_cell():
    """Bins are k cells wide, giving 20-60 bins and about 15 violations per bin."""
    assert along_line.chainage_bin_width(134_000.0, 1000.0, 208) == 7000.0  # 20 bins
    assert along_line.chainage_bin_width(1_200_000.0, 1000.0, 30_000) == 20_000.0  # 60 bins
    assert along_line.chainage_bin_width(10_000.0, 1000.0, 5) == 1000.0  # never below a cell


def test_detection_by_chainage_counts_every_violation(quick):
    """Bins cover [0, length], counts add up to the events, intervals are Wilson's."""
    b = along_line.detection_by_chainage(quick)
    events = quick.events
    length = quick.manifest["line_length_m"]
    assert b["edges_m"][0] == 0.0 and b["edges_m"][-1] == pytest.approx(length)
    assert b["edges_m"][-2] < length
    inside = (events["chainage_m"] >= 0) & (events["chainage_m"] <= length)
    assert int(b["n"].sum()) == int(inside.sum())
    assert int(b["detected"].sum()) == int(np.sum(inside & events["detected"]))
    for k, n, low, high in zip(b["detected"], b["n"], b["low95"], b["high95"], strict=True):
        if n:
            assert (low, high) == pytest.approx(wilson_interval(int(k), int(n)))
        else:
            assert math.isnan(low) and math.isnan(high)


def test_wilson_interval_always_brackets_its_estimate():
    """Regression: at 0 or n successes of n (e.g. 0 of 3, 10 of 10) a Wilson bound
    landed 1e-16 on the wrong side of the estimate, and the along-line figure died
    with "'yerr' must not contain negative values"."""
    for n in range(1, 300):
        for k in range(n + 1):
            low, high = wilson_interval(k, n)
            assert 0.0 <= low <= k / n <= high <= 1.0, (k, n, low, high)


def test_interval_errors_are_never_negative():
    """Error bars from bounds a rounding error past the estimate are zero, NaN stays NaN."""
    err = style.interval_errors(
        np.array([0.0, 1.0, 0.5, np.nan]),
        np.array([1e-16, 0.2, 0.4, np.nan]),
        np.array([0.3, 1.0 - 1e-16, 0.7, np.nan]),
    )
    assert err[:, :3] == pytest.approx(np.array([[0.0, 0.8, 0.1], [0.3, 0.0, 0.2]]))
    assert np.isnan(err[:, 3]).all()


def _one_sensor(pd: float, seed: int) -> dict:
    """One ground sensor (and no other asset) on a local line, for pd 0 and 1."""
    return {
        "name": f"one-sensor-pd{pd:g}",
        "seed": seed,
        "duration": "1d",
        "line": {"crs": "local", "points": [[0, 0], [40_000, 0]], "buffer": "3km", "cell": "1km"},
        "violations": {"rate": "150/day", "duration": "1h"},
        "ground_sensors": [
            {
                "name": "ugs",
                "modality": "acoustic",
                "positions": [[20_000, 0]],
                "sensor": {"range": "25km", "pd": pd},
            }
        ],
    }


def _errorbars(ax) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(y, lower end, upper end) of each errorbar series drawn on ``ax``."""
    from matplotlib.container import ErrorbarContainer

    out = []
    for container in ax.containers:
        if isinstance(container, ErrorbarContainer):
            data_line, _, (bars, *_) = container.lines
            y = np.asarray(data_line.get_ydata(), dtype=float)
            segments = bars.get_segments()
            lo = np.array([min(seg[:, 1]) for seg in segments])
            hi = np.array([max(seg[:, 1]) for seg in segments])
            out.append((y, lo, hi))
    return out


@pytest.mark.parametrize("pd", [0.0, 1.0])
def test_detection_along_line_draws_when_bins_are_all_or_none_detected(tmp_path, pd):
    """Regression: pd 0 or 1 with one sensor makes every bin all or none detected;
    the figure must draw, each bar bracket its point and stay inside [0, 1]."""
    for seed in (1, 2):
        out = tmp_path / f"pd{pd:g}-{seed}"
        write_results(sim.run(scenario_from_data(_one_sensor(pd, seed))), out)
        folder = ResultsFolder(out)
        assert set(np.asarray(folder.events["detected"], dtype=bool)) == {bool(pd)}
        ax = along_line.plot_detection_along_line(folder)
        (series,) = _errorbars(ax)
        y, lo, hi = series
        assert len(y) >= 5
        assert np.all(y == pd)
        assert np.all(lo >= 0.0) and np.all(hi <= 1.0)
        assert np.all(lo <= y) and np.all(y <= hi)
        assert np.all(hi - lo > 0), "a Wilson interval of a few trials has width"


@pytest.mark.parametrize("line_change", [{"buffer": "1m"}, {"cell": "1000km"}])
def test_zone_maps_without_zone_cells_say_so(tmp_path, line_change):
    """Regression: a 1 m buffer or a 1,000 km cell leaves no zone cell, and the run
    died with "coverage.csv has no zone cells" naming its temporary folder. Now the
    folder is complete and both zone maps show the line with a note instead."""
    data = {**LOCAL, "duration": "6h", "line": {**LOCAL["line"], **line_change}}
    out = tmp_path / "thin"
    write_results(sim.run(scenario_from_data(data)), out)
    folder = ResultsFolder(out)
    assert not zones.has_zone_cells(folder)
    written = {p.stem for p in plots.draw_all(folder)}
    assert {"coverage_map", "revisit_map"} <= written
    for name in ("coverage_map", "revisit_map"):
        ax = plots.PLOTS[name].draw(folder)
        texts = " ".join(t.get_text() for t in ax.texts)
        assert "No zone cells" in texts and "line.cell" in texts and "line.buffer" in texts
        assert not ax.collections, "no zone mesh is drawn when there are no zone cells"
        assert "no zone cells" in ax.get_title()


def _far_line(points: list) -> dict:
    """A small lon/lat scenario with drones and ground sensors on ``points``."""
    return {
        "name": "far",
        "seed": 3,
        "duration": "12h",
        "line": {"crs": "lonlat", "points": points, "buffer": "5km", "cell": "1km"},
        "violations": {"rate": "60/day"},
        "drones": [{"name": "uav", "count": 1, "speed": "100km/h", "sensor": {"range": "4km"}}],
        "ground_sensors": [
            {"name": "ugs", "modality": "acoustic", "spacing": "8km", "sensor": {"range": "2km"}}
        ],
    }


@pytest.mark.parametrize(
    "points, max_lon_span",
    [
        ([[179.5, 65.0], [-179.5, 65.2]], 2.0),  # across the antimeridian
        ([[10.0, 89.0], [60.0, 89.0], [120.0, 89.2]], 125.0),  # 110 km from the pole
    ],
)
def test_lines_across_the_antimeridian_or_near_a_pole_run_and_map(tmp_path, points, max_lon_span):
    """Regression: a line across the antimeridian was drawn round the whole world (its
    lon jumped from 180 to -180) and projected about lon 0. Every figure must draw,
    the maps stay within the line's own longitudes, and the GeoJSON keeps lon in
    [-180, 180]."""
    import json

    out = tmp_path / "far"
    write_results(sim.run(scenario_from_data(_far_line(points))), out)
    folder = ResultsFolder(out)
    assert {p.stem for p in plots.draw_all(folder)} == set(QUICK_FIGURES)
    for name in ("map", "coverage_map"):
        ax = plots.PLOTS[name].draw(folder)
        left, right = ax.get_xlim()
        assert right - left < max_lon_span * 1.6, f"{name} spans {right - left:.1f} deg of lon"
        for line in ax.lines:  # the ceasefire line and anything else drawn as a line
            assert np.ptp(np.asarray(line.get_xdata(), dtype=float)) < max_lon_span
    grid = zones.zone_grid(folder)
    assert np.ptp(grid.x) < max_lon_span
    for layer in ("line", "events", "assets", "coverage"):
        text = (out / f"{layer}.geojson").read_text()
        lons = [c[0] for c in _coordinates(json.loads(text))]
        assert lons and all(-180.0 <= lon <= 180.0 for lon in lons), layer


def _coordinates(geojson: dict) -> list:
    """Every [lon, lat, ...] position of a GeoJSON FeatureCollection."""
    out: list = []

    def walk(c) -> None:
        if isinstance(c, list) and c and isinstance(c[0], (int, float)):
            out.append(c)
        elif isinstance(c, list):
            for item in c:
                walk(item)

    for feature in geojson["features"]:
        if feature.get("geometry"):
            walk(feature["geometry"]["coordinates"])
    return out


def test_detection_bins_end_at_the_line_end_even_for_a_line_shorter_than_a_bin(quick):
    """The last bin stops at the line's end: no figure shows chainage beyond the line."""
    length = float(quick.manifest["line_length_m"])
    for width in (length / 3.3, 2 * length):
        edges = along_line.detection_by_chainage(quick, width)["edges_m"]
        assert edges[-1] == length and np.all(np.diff(edges) > 0)
        assert np.allclose(np.diff(edges)[:-1], width)


# --- covered fraction over time --------------------------------------------------------


def test_coverage_time_draws_three_series(quick):
    """The covered-fraction-over-time figure has any, drone and ground series with means."""
    _need(quick, "coverage_time.csv")
    ax = timelines.plot_coverage_time(quick)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [lab.split(" (")[0] for lab in labels] == ["ground sensors", "drones", "any asset"]


# --- helpers -----------------------------------------------------------------------------


def test_outcomes_prefer_verified_then_detected():
    """A verified violation is 'verified', a detected one 'detected', else 'missed'."""
    events = {
        "detected": np.array([True, True, False]),
        "verified": np.array([True, False, False]),
    }
    assert list(style.outcomes(events)) == ["verified", "detected", "missed"]


def test_marker_style_shrinks_only_beyond_dense_from():
    """Markers keep their size up to DENSE_FROM points and halve in area at 4x that."""
    n = style.DENSE_FROM
    assert style.marker_style(n, 20.0, 0.8) == {"s": 20.0, "alpha": 0.8}
    assert style.marker_style(4 * n, 20.0, 0.8) == {"s": 10.0, "alpha": 0.4}
    assert style.marker_style(10_000 * n, 20.0, 0.8, min_size=3.0) == {"s": 3.0, "alpha": 0.3}
