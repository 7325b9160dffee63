"""The sky on the figures: night and overcast on the space-time diagram, satellite swaths,
ground tracks on the map, and revisit by latitude; drawn from saved results folders only.

The orbit inputs (ground_tracks.csv, the satellite columns of coverage.csv, the swath
arrays of coverage_spacetime.npz) are written here into copies of real results folders,
as the engine will write them: the figures must draw them, and draw as before without.
"""

from __future__ import annotations

import csv
import math
import shutil
from datetime import timedelta
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402

import sim  # noqa: E402
from sim.core.tables import Table  # noqa: E402
from sim.present.figures import map as map_figure  # noqa: E402
from sim.present.figures import revisit, sky, timelines  # noqa: E402
from sim.present.figures import run as plots  # noqa: E402
from sim.present.figures.style import PURPLE  # noqa: E402
from sim.schema import (  # noqa: E402
    CLOUD_COLUMNS,
    COVERAGE,
    COVERAGE_SPACETIME,
    GRID_ZONE,
    GROUND_TRACK_COLUMNS,
    GROUND_TRACKS,
    SATELLITE_IMAGES,
    SATELLITE_REVISIT,
)
from sim.spec.geometry import scenario_line  # noqa: E402
from sim.spec.load import scenario_from_data  # noqa: E402
from sim.store.read import ResultsFolder  # noqa: E402
from sim.store.write import write_results  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
DAY_S = 86_400.0
SWATHS = 12  # synthetic swath segments written into the orbit folder


def _quickstart(days: int, environment: dict | None) -> dict:
    data = yaml.safe_load(QUICKSTART.read_text(encoding="utf-8"))
    data["duration"] = f"{days}d"
    if environment is not None:
        data["environment"] = environment
    return data


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> ResultsFolder:
    """Quickstart over 3 days, without an environment (the idealised sky)."""
    out = tmp_path_factory.mktemp("plain") / "results"
    write_results(sim.run(scenario_from_data(_quickstart(3, None))), out)
    return ResultsFolder(out)


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> ResultsFolder:
    """Quickstart over 3 days with daylight and clouds (30 km regions, 1 d / 1 d spells)."""
    out = tmp_path_factory.mktemp("env") / "results"
    environment = {"clouds": {"cell": "30km", "clear": "1d", "overcast": "1d"}}
    write_results(sim.run(scenario_from_data(_quickstart(3, environment))), out)
    return ResultsFolder(out)


# --- synthetic orbit outputs ------------------------------------------------------------


def circular_track(
    lon0: float, phase_deg: float, inclination_deg: float, period_s: float, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Ground track of a circular orbit on a spherical rotating Earth (deg).

    Argument of latitude u = phase + 360 t / period; latitude asin(sin i sin u);
    longitude of the node drifts at the Earth's rotation rate (sidereal day). Enough
    for drawing tests: it crosses the antimeridian and the map's region.
    """
    u = np.deg2rad(phase_deg + 360.0 * t / period_s)
    inc = np.deg2rad(inclination_deg)
    lat = np.rad2deg(np.arcsin(np.sin(inc) * np.sin(u)))
    lon = lon0 + np.rad2deg(np.arctan2(np.cos(inc) * np.sin(u), np.cos(u)))
    lon = lon - 360.0 * t / 86_164.1
    return (lon + 180.0) % 360.0 - 180.0, lat


def write_ground_tracks(folder: Path, rows: list[tuple[str, str, float, float, float]]) -> None:
    with (folder / GROUND_TRACKS).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(GROUND_TRACK_COLUMNS)
        writer.writerows(rows)


def day_of_tracks(centre_lon: float) -> list[tuple[str, str, float, float, float]]:
    """Three satellites in two groups, one row per minute over a day; one 10-min gap."""
    t = np.arange(0.0, DAY_S, 60.0)
    rows = []
    for asset, group, phase in (("s2-0", "s2", 0.0), ("s2-1", "s2", 180.0), ("sar-0", "sar", 90)):
        lon, lat = circular_track(centre_lon, phase, 98.6, 6_040.0, t)
        keep = ~((t > 3_600.0) & (t < 4_200.0)) if asset == "sar-0" else np.ones(len(t), bool)
        rows += [
            (asset, group, float(a), float(b), float(c))
            for a, b, c in zip(t[keep], lon[keep], lat[keep], strict=True)
        ]
    return rows


def revisit_of_lat(lat: np.ndarray) -> np.ndarray:
    """A synthetic revisit (s) that grows with latitude, so bands differ."""
    return 3 * DAY_S + 40_000.0 * (lat - 47.0)


def add_satellite_columns(folder: Path) -> None:
    """Append satellite_images and satellite_revisit_mean_s to coverage.csv."""
    path = folder / COVERAGE
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    grid, lat = header.index("grid"), header.index("lat")
    out = [[*header, SATELLITE_IMAGES, SATELLITE_REVISIT]]
    for k, row in enumerate(body):
        if row[grid] == GRID_ZONE and k % 7 == 0:  # some cells were imaged fewer than twice
            images, gap = 1, ""
        else:
            phi = float(row[lat])
            images, gap = 2 + int(4 * (phi - 47.0)), repr(float(revisit_of_lat(np.array(phi))))
        out.append([*row, str(images), gap])
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(out)


def add_swaths(folder: Path, length_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add swath_time_s / swath_from_m / swath_to_m to coverage_spacetime.npz."""
    path = folder / COVERAGE_SPACETIME
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    t = np.linspace(0.1, 2.9, SWATHS) * DAY_S
    a = np.linspace(0.0, 0.6, SWATHS) * length_m
    b = a + 0.3 * length_m
    arrays.update(swath_time_s=t, swath_from_m=a, swath_to_m=b)
    np.savez(path, **arrays)  # type: ignore[arg-type]
    return t, a, b


@pytest.fixture(scope="module")
def orbit(env, tmp_path_factory) -> ResultsFolder:
    """The env folder with the orbit outputs added (tracks, satellite columns, swaths)."""
    out = tmp_path_factory.mktemp("orbit") / "results"
    shutil.copytree(env.path, out)
    shutil.rmtree(out / "plots", ignore_errors=True)
    write_ground_tracks(out, day_of_tracks(36.0))
    add_satellite_columns(out)
    add_swaths(out, scenario_line(env.spec).length)
    return ResultsFolder(out)


def _labels(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


# --- night ------------------------------------------------------------------------------


def _night_image(ax):
    """The RGBA night layer of a space-time axes (the one image with an alpha channel)."""
    found = [im for im in ax.images if im.get_array().ndim == 3 and im.get_array().shape[2] == 4]
    assert len(found) == 1
    return found[0]


def test_spacetime_shades_night_where_the_sun_is_down(env):
    """Columns at local midnight are night over every chainage, at local noon none is.

    Independent check of the times: at ~36 deg E, local solar midnight is ~21:36 UTC
    and noon ~09:36 UTC (15 deg per hour); in January at 47.5 N the sun is ~65 deg
    below the horizon at midnight and ~20 deg above at noon, far from -6 deg.
    """
    ax = timelines.plot_spacetime(env)
    image = _night_image(ax)
    alpha = np.asarray(image.get_array())[..., 3]
    x0, x1, _, _ = image.get_extent()  # hours: a 3-day run's time axis
    cols = alpha.shape[1]
    start_h = env.spec.start.hour + env.spec.start.minute / 60.0

    def column(utc_h: float, day: int) -> int:
        t_h = (utc_h - start_h) % 24.0 + 24.0 * day
        return int((t_h - x0) / (x1 - x0) * cols)

    for day in range(3):
        assert np.allclose(alpha[:, column(21.6, day)], sky.NIGHT_ALPHA), day
        assert np.allclose(alpha[:, column(9.6, day)], 0.0), day
    assert any("night" in label for label in _labels(ax))


def test_night_fraction_matches_the_day_length_of_the_sunrise_equation(env):
    """Each chainage bin's night over a whole day equals 24 h minus the day length from
    the textbook sunrise equation, cos H0 = (sin h0 - sin phi sin d) / (cos phi cos d),
    with Cooper's declination d = -23.44 cos(360 (N + 10) / 365) deg (h0 = -6 deg).
    Cooper's formula is off by up to ~0.5 deg in January, i.e. ~4 min of day length at
    48 N; the tolerance is 8 min (2 x that)."""
    line = scenario_line(env.spec)
    edges = np.linspace(0.0, line.length, 6)
    day0 = 86_400.0
    t_edges = np.array([day0, 2 * day0])
    night = sky.night_fraction(env, edges, t_edges)
    assert night is not None and night.shape == (5, 1)
    centre = 0.5 * (edges[:-1] + edges[1:])
    _, lat = line.to_lonlat(*line.point_at(centre))
    n = (env.spec.start + timedelta(seconds=1.5 * day0)).timetuple().tm_yday
    decl = np.deg2rad(-23.44 * math.cos(math.radians(360.0 * (n + 10) / 365.0)))
    phi = np.deg2rad(lat)
    cos_h0 = (math.sin(math.radians(-6.0)) - np.sin(phi) * np.sin(decl)) / (
        np.cos(phi) * np.cos(decl)
    )
    day_h = 2.0 * np.rad2deg(np.arccos(cos_h0)) / 15.0
    assert np.allclose(night[:, 0] * 24.0, 24.0 - day_h, atol=8.0 / 60.0)


def test_night_pixels_are_darker_than_day_pixels_on_the_rendered_figure(env, tmp_path):
    """Rendered: a pixel at local midnight is darker than the same row at local noon."""
    fig = Figure(figsize=(6, 3), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    length = scenario_line(env.spec).length
    handle = sky.draw_night(ax, env, np.array([0.0, length]), (0.0, DAY_S), 3600.0)
    assert handle is not None
    ax.set_xlim(0, 24)
    ax.set_ylim(0, length / 1000)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[..., :3].astype(float)
    width = rgb.shape[1]
    row = rgb.shape[0] // 2
    hour = env.spec.start.hour + env.spec.start.minute / 60

    def px(utc_h: float) -> float:
        return float(rgb[row, int(((utc_h - hour) % 24) / 24 * width)].mean())

    assert px(21.6) < px(9.6) - 50  # night veil: much darker
    assert px(9.6) > 250  # day: white, untouched


def test_without_environment_the_spacetime_draws_as_before(plain):
    """No environment: one image (the coverage raster), no patch, no sky legend entry."""
    ax = timelines.plot_spacetime(plain)
    main = [im for im in ax.images if im.axes is ax]
    assert len(main) == 1 and np.asarray(main[0].get_array()).shape[2] == 3
    assert not [p for p in ax.patches if isinstance(p, PathPatch)]
    labels = _labels(ax)
    assert not [s for s in labels if "night" in s or "overcast" in s or "pass" in s]
    assert sky.night_fraction(plain, np.array([0.0, 1000.0]), np.array([0.0, 10.0])) is None


def test_a_local_line_has_no_night(env, tmp_path):
    """A local line has no lon/lat: no night layer, whatever the environment."""
    data = {
        "name": "local-sky",
        "duration": "1d",
        "line": {"crs": "local", "points": [[0, 0], [50000, 0]], "buffer": "5km", "cell": "5km"},
        "violations": {"rate": "5/day", "duration": "1h"},
        "environment": {"daylight": None},  # a local line cannot place the sun
    }
    out = tmp_path / "local"
    write_results(sim.run(scenario_from_data(data)), out)
    folder = ResultsFolder(out)
    assert sky.night_fraction(folder, np.array([0.0, 50_000.0]), np.array([0.0, DAY_S])) is None
    timelines.plot_spacetime(folder)  # draws


# --- overcast ---------------------------------------------------------------------------


def test_spacetime_hatches_the_overcast_spells_of_clouds_csv(env):
    """The overcast patch covers the centre of every overcast spell of clouds.csv and
    none of the clear ones."""
    clouds = sky.read_clouds(env)
    assert clouds is not None and len(clouds) > 0
    ax = timelines.plot_spacetime(env)
    patches = [p for p in ax.patches if isinstance(p, PathPatch)]
    assert len(patches) == 1
    path = patches[0].get_path()
    centre = np.column_stack(
        [
            0.5 * (clouds["t_start_s"] + clouds["t_end_s"]) / 3600.0,
            0.5 * (clouds["from_m"] + clouds["to_m"]) / 1000.0,
        ]
    )
    inside = path.contains_points(centre)
    overcast = np.asarray(clouds["state"]).astype(str) == "overcast"
    assert overcast.any() and (~overcast).any()
    assert np.array_equal(inside, overcast)
    assert patches[0].get_hatch() == sky.OVERCAST_HATCH
    assert "overcast" in _labels(ax)


cloud_rows = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.floats(allow_nan=True, allow_infinity=True, width=32),
        st.floats(allow_nan=True, allow_infinity=True, width=32),
        st.floats(allow_nan=True, allow_infinity=True, width=32),
        st.floats(allow_nan=True, allow_infinity=True, width=32),
        st.sampled_from(["clear", "overcast", "", "fog"]),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=cloud_rows)
def test_random_cloud_tables_never_break_the_drawing(rows):
    """Any clouds table (empty, NaN, reversed ranges, odd states) draws without raising,
    and only finite, non-empty overcast rows become rectangles."""
    columns = {
        name: np.array([r[k] for r in rows], dtype=object if name == "state" else float)
        for k, name in enumerate(CLOUD_COLUMNS)
    }
    rect = sky.overcast_rectangles(Table(columns))
    assert rect.shape[1] == 4 and np.all(np.isfinite(rect))
    assert np.all(rect[:, 1] > rect[:, 0]) and np.all(rect[:, 3] > rect[:, 2])
    expected = sum(
        1
        for r in rows
        if r[5] == "overcast"
        and all(math.isfinite(v) for v in r[1:5])
        and r[2] > r[1]
        and r[4] > r[3]
    )
    assert len(rect) == expected
    fig = Figure()
    ax = fig.add_subplot()
    handle = sky.draw_overcast(ax, rect, 3600.0)
    assert (handle is None) == (expected == 0)
    fig.canvas.draw()


@settings(max_examples=100, deadline=None)
@given(
    cuts=st.lists(st.floats(0.0, 100.0), min_size=0, max_size=20),
    edges=st.lists(st.floats(-10.0, 110.0), min_size=2, max_size=12, unique=True),
)
def test_covered_fraction_is_the_measure_in_each_bin(cuts, edges):
    """covered_fraction against the direct sum of clipped overlaps, bin by bin."""
    b = np.sort(np.asarray(cuts, dtype=float))
    lo, hi = b[0::2][: len(b) // 2], b[1::2][: len(b) // 2]
    e = np.sort(np.asarray(edges, dtype=float))
    got = sky.covered_fraction(lo, hi, e)
    want = []
    for a, z in zip(e[:-1], e[1:], strict=True):
        overlap = np.clip(np.minimum(hi, z) - np.maximum(lo, a), 0.0, None).sum()
        want.append(overlap / (z - a) if z > a else 0.0)
    assert np.allclose(got, want, atol=1e-9)


# --- swaths -----------------------------------------------------------------------------


def _swath_collections(ax):
    return [
        c
        for c in ax.collections
        if isinstance(c, LineCollection)
        and len(c.get_segments()) == SWATHS
        and np.allclose(c.get_colors()[0][:3], matplotlib.colors.to_rgb(PURPLE))
    ]


def test_swaths_are_drawn_as_segments_over_the_imaged_stretch(orbit):
    """One vertical segment per swath entry, at its time and over its chainage range."""
    with np.load(orbit.path / COVERAGE_SPACETIME) as data:
        t, a, b = data["swath_time_s"], data["swath_from_m"], data["swath_to_m"]
    ax = timelines.plot_spacetime(orbit)
    found = _swath_collections(ax)
    assert len(found) == 1
    segs = np.asarray(found[0].get_segments())
    assert np.allclose(segs[:, 0, 0], t / 3600.0) and np.allclose(segs[:, 1, 0], t / 3600.0)
    assert np.allclose(segs[:, 0, 1], a / 1000.0) and np.allclose(segs[:, 1, 1], b / 1000.0)
    assert "satellite pass (imaged stretch)" in _labels(ax)


def test_no_swath_keys_no_segments(env):
    ax = timelines.plot_spacetime(env)
    assert _swath_collections(ax) == []
    assert sky.draw_swaths(ax, {"satellite_times_s": np.ones(3)}, 3600.0) is None


# --- ground tracks ----------------------------------------------------------------------


def _track_collections(ax):
    return [c for c in ax.collections if isinstance(c, LineCollection) and c.get_zorder() == 4]


def test_map_draws_ground_tracks_by_group_without_zooming_out(env, orbit):
    """Tracks: one collection per group, legend by group, and the map's extent unchanged."""
    before = map_figure.plot_map(env)
    after = map_figure.plot_map(orbit)
    assert np.allclose(before.get_xlim(), after.get_xlim())
    assert np.allclose(before.get_ylim(), after.get_ylim())
    tracks = _track_collections(after)
    assert len(tracks) == 2
    assert _track_collections(before) == []
    labels = [s for s in _labels(after) if s.startswith("ground track")]
    assert (
        len(labels) == 2 and any(": s2" in s for s in labels) and any(": sar" in s for s in labels)
    )
    pieces = [p for c in tracks for p in c.get_segments()]
    # the 10-minute gap and the antimeridian split the tracks: many pieces, none jumping
    assert len(pieces) > 3
    for p in pieces:
        assert np.all(np.abs(np.diff(p[:, 0])) <= sky.TRACK_JUMP_DEG)


def test_track_pieces_split_at_gaps_and_the_antimeridian():
    t = np.array([0.0, 60.0, 120.0, 180.0, 400.0, 460.0])
    lon = np.array([178.0, 179.5, -179.0, -178.0, -177.0, -176.0])
    lat = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    pieces = sky.track_pieces(["a"] * 6, t, lon, lat, centre=0.0)
    assert [len(p) for _, p in pieces] == [2, 2, 2]
    # centred on the antimeridian the drawn longitudes are continuous, but the raw
    # jump still splits (the file's longitudes are in [-180, 180))
    pieces = sky.track_pieces(["a"] * 6, t, lon, lat, centre=180.0)
    assert [len(p) for _, p in pieces] == [2, 2, 2]
    # a new asset splits; one row of an asset draws nothing
    pieces = sky.track_pieces(
        ["a", "a", "b", "c", "c", "c"], t * 0 + [0, 60, 0, 0, 60, 120], lon * 0, lat
    )
    assert [len(p) for _, p in pieces] == [2, 3]


track_rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "1"]),
        st.sampled_from(["g", "h", "2"]),
        st.floats(-1e5, 1e5) | st.just(math.nan),
        st.floats(-180.0, 179.999) | st.just(math.nan),
        st.floats(-90.0, 90.0) | st.just(math.nan),
    ),
    max_size=40,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=track_rows, centre=st.floats(-180.0, 180.0))
def test_random_track_tables_never_break_the_map_layer(rows, centre):
    """Any track table (empty, one row, NaN, antimeridian jumps) draws without raising;
    no drawn piece jumps by more than 180 deg or spans a gap of more than 90 s."""
    columns = {
        name: np.array([r[k] for r in rows], dtype=object if k < 2 else float)
        for k, name in enumerate(GROUND_TRACK_COLUMNS)
    }
    table = Table(columns)
    pieces = sky.track_pieces(table["asset"], table["t_s"], table["lon"], table["lat"], centre)
    for _, p in pieces:
        assert len(p) >= 2
        assert np.all(np.abs(np.diff(p[:, 0])) <= sky.TRACK_JUMP_DEG)
    fig = Figure()
    ax = fig.add_subplot()
    ax.set_xlim(30, 40)
    ax.set_ylim(45, 50)
    handles = sky.draw_ground_tracks(ax, table, centre)
    assert ax.get_xlim() == (30, 40) and ax.get_ylim() == (45, 50)
    assert len(handles) == len({str(columns["group"][r]) for r, _ in pieces})
    fig.canvas.draw()


# --- revisit by latitude ----------------------------------------------------------------


def test_revisit_by_latitude_is_drawn_only_with_orbits(plain, env, orbit):
    """Registered; skipped without ground_tracks.csv or without the satellite columns."""
    assert "revisit_by_latitude" in plots.available(orbit)
    assert "revisit_by_latitude" not in plots.available(plain)
    assert "revisit_by_latitude" not in plots.available(env)


def test_revisit_by_latitude_plots_the_band_means(orbit):
    """The points are the per-band means of the cells' revisit (h), computed here
    independently with numpy bincount; bands number 8 to 30."""
    ax = revisit.plot_revisit_by_latitude(orbit)
    cov = orbit.coverage
    zone = np.asarray(cov["grid"]) == GRID_ZONE
    lat = np.asarray(cov["lat"], float)[zone]
    gap = np.asarray(cov[SATELLITE_REVISIT], float)[zone]
    width = revisit.band_width(lat)
    band = np.floor(lat / width).astype(int)
    assert 8 <= len(np.unique(band)) <= 30
    ok = np.isfinite(gap)
    k = band[ok] - band.min()
    mean_h = np.bincount(k, gap[ok]) / np.bincount(k) / 3600.0
    mean_h = mean_h[np.bincount(k) > 0]
    line = ax.get_lines()[0]
    assert np.allclose(np.asarray(line.get_ydata()), mean_h)
    assert np.all(np.diff(mean_h) > 0)  # the synthetic revisit grows with latitude
    assert orbit.name in ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_draw_all_writes_the_orbit_figures(orbit, tmp_path):
    """draw_all on the orbit folder draws every figure, the new one among them."""
    written = plots.draw_all(orbit, out_dir=tmp_path)
    names = {p.stem for p in written}
    assert {"revisit_by_latitude", "map", "spacetime"} <= names


def test_band_width_gives_8_to_30_bands():
    """From 0.2 deg of latitude to the whole globe: 8 to 30 bands; narrower: the finest."""
    for span in (0.2, 0.6, 3.0, 12.0, 40.0, 170.0):
        for south in (-80.0, -10.0, 0.03, 47.3):
            lat = np.linspace(south, min(south + span, 90.0), 50)
            w = revisit.band_width(lat)
            assert 8 <= revisit.band_count(lat, w) <= 30, (span, south, w)
    assert revisit.band_width(np.array([47.5, 47.55])) == revisit.BAND_WIDTHS_DEG[0]


def test_revisit_by_latitude_draws_on_a_given_axes_and_is_labelled(orbit):
    """Like every figure: draws on the Axes given, titled with the run, labelled, a legend."""
    fig = Figure()
    ax = fig.add_subplot()
    assert revisit.plot_revisit_by_latitude(orbit, ax=ax) is ax
    assert orbit.name in ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_legend() is not None


def test_the_report_shows_the_revisit_figure_with_its_caption(orbit, tmp_path):
    """report.html embeds revisit_by_latitude.png with its title and reading aid."""
    import html

    from sim.present.captions import RUN_FIGURES
    from sim.present.report.run import write_report

    copy = tmp_path / "orbit"
    shutil.copytree(orbit.path, copy)
    plots.draw_all(copy)
    page = write_report(copy).read_text(encoding="utf-8")
    caption = RUN_FIGURES["revisit_by_latitude"]
    assert 'id="plot-revisit_by_latitude"' in page
    assert html.escape(caption.aid) in page or caption.aid in page
