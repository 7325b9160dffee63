"""Withdrawal bands and cued responders in the figures, and the report's tip-and-cue section.

Drawn from saved results folders only. The cue checks use a hand-computable case: one
ground sensor at the violations' point, a responder taking off from a base 30 km along
the line and 5 km behind it; along a straight line on the x axis, its chainage flying
out is x itself, so the space-time track must be c(t) = x_base + (t - t0) v cos(a).
"""

from __future__ import annotations

import math
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import shapely  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from sim.pipeline import run  # noqa: E402
from sim.present import format as fmt  # noqa: E402
from sim.present.figures import run as plots  # noqa: E402
from sim.present.figures.bands import WIDEN_SHARE, band_outlines  # noqa: E402
from sim.present.figures.cues import (  # noqa: E402
    cue_spacetime_segments,
    read_cue_pieces,
)
from sim.present.figures.map import plot_map  # noqa: E402
from sim.present.figures.style import CUE  # noqa: E402
from sim.present.figures.timelines import plot_spacetime  # noqa: E402
from sim.present.report.run import render_report  # noqa: E402
from sim.schema import KIND_CUE  # noqa: E402
from sim.spec.geometry import scenario_line  # noqa: E402
from sim.spec.load import scenario_from_data  # noqa: E402
from sim.store.read import ResultsFolder  # noqa: E402

V = 50.0  # m/s, the responder's speed
BASE = (20_000.0, -5_000.0)  # m: 30 km before the point along the line, 5 km behind it
POINT = 50_000.0  # m: the sensor and every violation, on the line
LATENCY = 300.0  # s, the sensor's report latency
DURATION = 3600.0  # s: long enough for the responder (300 + 30.4 km / 50 m/s = 908 s)
STARTS = [1000.0 + k * 6 * 3600.0 for k in range(4)]
BANDS = {"near": "4km", "mid": "30km", "far": "200km"}  # far: wider than half the map


def hand_scenario(tmp_path, cueing=True, bands=True):
    rows = ["id,t_start_s,duration_s,x_m,y_m"]
    rows += [f"v{k},{t},{DURATION},{POINT},0" for k, t in enumerate(STARTS)]
    path = tmp_path / "violations.csv"
    path.write_text("\n".join(rows) + "\n")
    line = {"crs": "local", "points": [[0, 0], [100_000, 0]], "buffer": "10km", "cell": "2km"}
    if bands:
        line["bands"] = BANDS
    data = {
        "name": "cue-figures",
        "duration": max(STARTS) + 3 * 3600,
        "line": line,
        "violations": {"file": str(path)},
        "drones": [
            {
                "name": "uav",
                "count": 2,
                "speed": V,
                "sensor": {"range": 500, "pd": 1.0},
                "patrol": {"stations": 1, "span": [0, 2000]},  # 48 km away: never the nearest
                "base": list(BASE),
                "endurance": "400d",
                "turnaround": "1h",
            }
        ],
        "ground_sensors": [
            {
                "name": "ugs",
                "modality": "acoustic",
                "positions": [[POINT, 0]],
                "sensor": {"range": 1000, "pd": 1.0},
                "report_latency": LATENCY,
            }
        ],
        "reporting": {"verification": {"modalities": 2, "window": "6h"}},
    }
    if cueing:
        data["cueing"] = [
            {"from": ["ugs"], "responders": ["uav"], "max_distance": "40km", "loiter": "20min"}
        ]
    return scenario_from_data(data)


@pytest.fixture(scope="module")
def cued(tmp_path_factory) -> ResultsFolder:
    """The hand case with bands and cueing, run, written and drawn."""
    tmp = tmp_path_factory.mktemp("cued")
    out = tmp / "run"
    run(hand_scenario(tmp), out=out)
    plots.draw_all(out)
    return ResultsFolder(out)


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> ResultsFolder:
    """The same run without bands and cueing."""
    tmp = tmp_path_factory.mktemp("plain")
    out = tmp / "run"
    run(hand_scenario(tmp, cueing=False, bands=False), out=out)
    plots.draw_all(out)
    return ResultsFolder(out)


@pytest.fixture(scope="module")
def lonlat(tmp_path_factory) -> ResultsFolder:
    """A small lon/lat run with bands and cueing from a row of ground sensors."""
    out = tmp_path_factory.mktemp("lonlat") / "run"
    data = {
        "name": "cue-lonlat",
        "duration": "1d",
        "line": {
            "crs": "lonlat",
            "points": [[30.0, 48.0], [30.8, 48.2], [31.5, 48.1]],
            "buffer": "8km",
            "cell": "2km",
            "bands": {"zone": "8km", "guns": "50km"},
        },
        "violations": {"rate": "40/day", "duration": "2h", "offset": {"uniform": ["-5km", "5km"]}},
        "drones": [
            {
                "name": "uav",
                "count": 4,
                "speed": "150km/h",
                "sensor": {"range": "4km", "pd": 0.9},
                "patrol": {"stations": 2},
                "base": [30.7, 47.9],
                "endurance": "20h",
                "turnaround": "2h",
            }
        ],
        "ground_sensors": [
            {
                "name": "ugs",
                "modality": "acoustic",
                "spacing": "5km",
                "sensor": {"range": "3km", "pd": 0.8},
            }
        ],
        "reporting": {"verification": {"modalities": 2, "window": "6h"}},
        "cueing": [{"from": ["ugs"], "responders": ["uav"], "loiter": "20min"}],
    }
    run(scenario_from_data(data), out=out)
    plots.draw_all(out)
    return ResultsFolder(out)


def _metres(folder: ResultsFolder, xy: np.ndarray) -> np.ndarray:
    """Display coordinates (km, or lon/lat deg) back to the run's metres."""
    line = scenario_line(folder.spec)
    if not folder.is_geographic:
        return np.asarray(xy) * 1e3
    x, y = line.from_lonlat(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def _legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


# --- bands on the map ---------------------------------------------------------------------


@pytest.mark.parametrize("which", ["cued", "lonlat"])
def test_each_band_outline_lies_its_half_width_from_the_line(which, request):
    """Every vertex of a band's outline is its half-width from the line, in the run's
    projection (chords of the round ends lie inside by at most 1 - cos(pi / 64))."""
    folder = request.getfixturevalue(which)
    line = scenario_line(folder.spec)
    bands = folder.spec.line.bands
    outlines = band_outlines(folder)
    assert [b.name for b in outlines] == sorted(bands, key=bands.get)  # narrowest first
    for band in outlines:
        assert band.half_width == bands[band.name]
        xy = _metres(folder, np.concatenate(band.rings))
        distance = shapely.distance(line.geometry, shapely.points(xy))
        low = band.half_width * math.cos(math.pi / 64)
        assert np.all(distance >= low - 1e-6 * band.half_width), band.name
        assert np.all(distance <= band.half_width * (1 + 1e-6)), band.name


def test_violations_lie_inside_their_band_and_outside_the_narrower_ones(lonlat):
    """events.csv's band (the narrowest holding |offset|) agrees with the drawn outlines."""
    from sim.present.figures.places import text_column

    events = lonlat.events
    band = text_column(lonlat, "band")
    xy = np.column_stack([np.asarray(events["x"], float), np.asarray(events["y"], float)])
    points = shapely.points(xy)
    outlines = band_outlines(lonlat)
    shapes = {
        b.name: shapely.Polygon(
            _metres(lonlat, b.rings[0]), [_metres(lonlat, r) for r in b.rings[1:]]
        )
        for b in outlines
    }
    names = [b.name for b in outlines]
    assert len(events) > 10
    for i, name in enumerate(names):
        mine = band == name
        assert np.all(shapely.contains(shapes[name], points[mine]))
        for narrower in names[:i]:
            assert not np.any(shapely.contains(shapes[narrower], points[mine]))


def test_the_map_widens_for_bands_that_fit_and_clips_a_wider_one(cued):
    """On a 100 km line, the 4 and 30 km bands are within the map, the 200 km band is
    clipped and says so; the legend lists the bands narrowest first, after the zone."""
    ax = plot_map(cued)
    texts = _legend_texts(ax)
    at = [i for i, t in enumerate(texts) if t.startswith("band ")]
    assert [texts[i] for i in at] == [
        "band near: ±4 km",
        "band mid: ±30 km",
        "band far: ±200 km (clipped: wider than the map)",
    ]
    assert texts[at[0] - 1] == "monitored zone"
    x0, x1 = sorted(ax.get_xlim())
    y0, y1 = sorted(ax.get_ylim())
    assert x0 <= -30 and x1 >= 130 and y0 <= -30 and y1 >= 30  # km: the mid band is shown
    assert x1 - x0 < 2 * 200 and y1 - y0 < 2 * 200  # the far band is not
    larger = max(x1 - x0, y1 - y0)
    assert 200 > WIDEN_SHARE * larger * 0.999  # the rule that clipped it


def test_a_map_without_bands_or_cues_has_neither(plain):
    ax = plot_map(plain)
    texts = _legend_texts(ax)
    assert not any(t.startswith(("band ", "cued")) for t in texts)
    assert not read_cue_pieces(plain).transits
    assert not any(t.startswith("cued") for t in _legend_texts(plot_spacetime(plain)))


# --- cue tracks ---------------------------------------------------------------------------


def test_cue_pieces_are_read_from_assets_geojson(cued):
    features = [
        f for f in cued.geojson("assets")["features"] if f["properties"]["kind"] == KIND_CUE
    ]
    pieces = read_cue_pieces(cued)
    n = len(STARTS)
    assert len(pieces.loiters) == n  # one loiter per cue: every cue was served
    assert len(pieces.transits) == 2 * n  # out and home
    assert len(pieces.transits) + len(pieces.loiters) == len(features)
    np.testing.assert_allclose(pieces.loiters, [[POINT, 0.0]] * n)


def test_cue_tracks_on_the_map_are_one_collection_and_one_legend_entry(cued):
    ax = plot_map(cued)
    m = cued.metrics
    texts = _legend_texts(ax)
    assert texts.count(f"cued drone flights ({m['cueing.sent']} sent)") == 1
    cue_lines = [
        c
        for c in ax.collections
        if isinstance(c, LineCollection) and np.allclose(c.get_colors()[0][:3], _rgb(CUE))
    ]
    assert len(cue_lines) == 1
    assert len(cue_lines[0].get_segments()) == 2 * len(STARTS)


def _rgb(colour: str) -> np.ndarray:
    import matplotlib.colors as mcolors

    return np.asarray(mcolors.to_rgb(colour))


def test_cue_tracks_in_space_time_follow_the_closed_form(cued):
    """Out from the base: chainage x_base + (t - t0) v cos(a) (the line is the x axis),
    reaching the point's chainage at t0 + |base - point| / v; the loiter sits there."""
    transits, loiters = cue_spacetime_segments(cued)
    dx, dy = POINT - BASE[0], -BASE[1]
    hyp = math.hypot(dx, dy)
    outbound = [t for t in transits if abs(t[0, 1] - BASE[0]) < 1.0]
    assert len(outbound) == len(STARTS)
    for track, start in zip(outbound, STARTS, strict=True):
        t, c = track[:, 0], track[:, 1]
        assert t[0] == pytest.approx(start + LATENCY)  # take-off at the report
        assert t[-1] - t[0] == pytest.approx(hyp / V)
        np.testing.assert_allclose(c, BASE[0] + (t - t[0]) * V * dx / hyp, atol=1e-6)
    assert len(loiters) == len(STARTS)
    for seg in loiters:
        np.testing.assert_allclose(seg[:, 1], POINT)
        assert seg[1, 0] - seg[0, 0] == pytest.approx(20 * 60)


def test_space_time_legend_counts_the_cues_sent(cued):
    ax = plot_spacetime(cued)
    texts = _legend_texts(ax)
    assert f"cued drone: out, loiter, back ({cued.metrics['cueing.sent']} sent)" in texts


def test_lonlat_cue_loiters_sit_at_cued_violations(lonlat):
    """Each loiter's chainage on the space-time diagram is a violation's (GeoJSON keeps
    lon/lat to 1e-7 deg, about a centimetre)."""
    m = lonlat.metrics
    assert m["cueing.sent"] > 0
    _, loiters = cue_spacetime_segments(lonlat)
    chainage = np.sort(np.asarray(lonlat.events["chainage_m"], dtype=float))
    assert loiters
    for seg in loiters:
        i = np.searchsorted(chainage, seg[0, 1])
        near = chainage[max(0, i - 1) : i + 1]
        assert np.min(np.abs(near - seg[0, 1])) < 0.05
    assert {"map", "spacetime"} <= {p.stem for p in (lonlat.path / "plots").glob("*.png")}


# --- the report ---------------------------------------------------------------------------


def _cell(page: str, key: str) -> tuple[str, str]:
    """The data-value and shown text of the report cell of ``key``."""
    found = re.search(rf'data-key="{re.escape(key)}" data-value="([^"]*)">([^<]*)<', page)
    assert found, key
    return found.group(1), found.group(2)


def test_report_has_the_cueing_section_with_the_metrics(cued):
    page = render_report(cued.path)
    m = cued.metrics
    n = len(STARTS)
    assert 'id="cueing"' in page
    assert (m["cueing.cues"], m["cueing.sent"], m["cueing.served"]) == (n, n, n)
    assert (m["cueing.too_late"], m["cueing.dropped"], m["cueing.lost"]) == (0, 0, 0)
    assert _cell(page, "cueing.served") == (str(n), str(n))
    for key in (
        "cueing.cues",
        "cueing.sent",
        "cueing.too_late",
        "cueing.dropped",
        "cueing.queued",
        "cueing.lost",
        "cueing.responder_hours",
        "cueing.verified_by_cue",
    ):
        value, text = _cell(page, key)
        assert float(value) == pytest.approx(m[key])
        assert text == fmt.metric(key, m[key]).replace("'", "&#x27;")
    section = page[page.index('id="cueing"') : page.index("</section>", page.index('id="cueing"'))]
    assert "Arrived while the violation was still on" in section
    assert "Reports from ugs send the nearest available drone of uav within 40 km" in section
    assert "100.0 % of sent" in section
    assert fmt.interval_of(m, "verified.probability") in section
    # every violation verified by the responder: the sensor is one modality, the drone the other
    assert m["cueing.verified_by_cue"] == 1.0
    hours = m["cueing.responder_hours"]
    flown = m["assets.uav.flight_hours"]
    assert f"{fmt.percent(hours / flown)} of the responder fleets" in section
    # a planned cue takes out, loiter and home: 2 x 30.4 km at 50 m/s + 20 min each
    per_cue = (2 * math.hypot(POINT - BASE[0], BASE[1]) / V + 1200) / 3600
    assert hours == pytest.approx(n * per_cue)


def test_report_without_cueing_has_no_cueing_section(plain):
    page = render_report(plain.path)
    assert 'id="cueing"' not in page
    assert "cueing." not in page


def test_a_band_round_a_pole_is_named_but_not_drawn(tmp_path):
    """A lon/lat band whose outline reaches a pole would fold over: the legend says so, and
    the map keeps the extent of everything else."""
    data = {
        "name": "polar-band",
        "duration": "6h",
        "line": {
            "crs": "lonlat",
            "points": [[0.0, 80.0], [20.0, 80.0]],
            "buffer": "10km",
            "cell": "5km",
            "bands": {"near": "20km", "polar": "1500km"},
        },
        "violations": {"rate": "20/day", "duration": "1h"},
        "ground_sensors": [
            {"name": "ugs", "modality": "acoustic", "spacing": "20km", "sensor": {"range": "5km"}}
        ],
    }
    out = tmp_path / "run"
    run(scenario_from_data(data), out=out)
    ax = plot_map(ResultsFolder(out))
    texts = _legend_texts(ax)
    assert "band near: ±20 km" in texts
    assert "band polar: ±1500 km (not drawn: it holds a pole)" in texts
    assert max(abs(v) for v in ax.get_ylim()) < 82.0
