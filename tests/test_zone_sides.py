"""An asymmetric monitored zone: ``line.buffer: {left, right}``.

The zone is the points whose signed offset from the line (+ left, ``Line.locate``) lies
in [-right, left] (docs/model.md, section 2). Checked here: the default offsets are
uniform on [-right, left] (KS tests at a stated level, seeded), the zone's shape against
``locate`` and its area against (left + right) x length, the grid cells, the in-zone
classification just inside and outside each side, the validation messages, and that
``{left: b, right: b}`` gives the very results of ``buffer: b``.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
import yaml
from scipy import stats

from sim.cli import main
from sim.core.errors import ScenarioError
from sim.core.geo import ARC_STEPS, SLIVER, Line, zone_pole_problem
from sim.present.describe import describe_scenario
from sim.present.report.scenario import scenario_section
from sim.schema import GRID_ZONE
from sim.spec.checks import check_scenario
from sim.spec.geometry import fleet_geometry, scenario_line
from sim.spec.limits import estimate
from sim.spec.load import scenario_from_data
from sim.world import adversary
from sim.world.grid import grid_points
from sim.world.violations import make_violations

ROOT = Path(__file__).resolve().parent.parent
ALPHA = 1e-3  # the level of each KS test (a true model fails one seed in 1000)
LEFT, RIGHT = 8_000.0, 3_000.0
# a bent local line: two bends, one each way, segments of 40 to 60 km
BENT = [[0, 0], [60_000, 0], [100_000, 30_000], [150_000, 10_000]]
# the arcs (round ends, outer sides of bends) are polygons of ARC_STEPS chords per
# quarter circle, inside the true arc by at most its sagitta r (1 - cos(pi / (4 ARC_STEPS)))
SAGITTA = 1.0 - math.cos(math.pi / (4 * ARC_STEPS))


def data(buffer, **violations) -> dict:
    return {
        "name": "zone_sides",
        "duration": "20d",
        "line": {"crs": "local", "points": BENT, "buffer": buffer, "cell": "1km"},
        "violations": {"rate": "200/day", **violations},
    }


def offsets_cdf(left: float, right: float):
    return stats.uniform(loc=-right, scale=left + right).cdf


# --- offsets ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "violations",
    [
        {},  # one type: the default offsets of the whole process
        # a second type with a band draws each type on its own (offset_distribution)
        {"types": {"a": {}, "b": {"band": "near"}}},
    ],
    ids=["whole", "by_type"],
)
def test_default_offsets_are_uniform_on_minus_right_to_left(violations):
    s = scenario_from_data(
        data({"left": LEFT, "right": RIGHT}, **violations)
        | {"line": data({"left": LEFT, "right": RIGHT})["line"] | {"bands": {"near": "2km"}}}
    )
    line = scenario_line(s)
    v = make_violations(s, line, np.random.default_rng(5))
    offset = v.offset[v.type_index == 0]
    assert len(offset) > 1000
    assert offset.min() >= -RIGHT and offset.max() <= LEFT
    assert stats.kstest(offset, offsets_cdf(LEFT, RIGHT)).pvalue > ALPHA
    # a symmetric zone of the same width would fail (the test can fail)
    mid = (LEFT + RIGHT) / 2
    assert stats.kstest(offset, offsets_cdf(mid, mid)).pvalue < ALPHA
    if violations:  # the band keeps its own half-width, both sides
        band = v.offset[v.type_index == 1]
        assert stats.kstest(band, offsets_cdf(2_000.0, 2_000.0)).pvalue > ALPHA


def test_the_adversary_candidates_draw_the_zone_offsets():
    s = scenario_from_data(data({"left": LEFT, "right": 0}))
    line = scenario_line(s)
    v = make_violations(s, line, np.random.default_rng(2))
    cand = adversary.candidates(s, line, v, np.random.default_rng(3), 4)
    offset = cand.offset.ravel()
    assert offset.min() >= 0.0
    assert stats.kstest(offset, offsets_cdf(LEFT, 0.0)).pvalue > ALPHA


# --- the zone's shape ---------------------------------------------------------------


@pytest.mark.parametrize("sides", [(LEFT, RIGHT), (2_000.0, 9_000.0), (LEFT, 0.0), (0.0, RIGHT)])
def test_zone_area_is_the_width_times_the_length_away_from_the_ends(sides):
    left, right = sides
    line = Line(np.array([[0.0, 0.0], [100_000.0, 0.0]]), sides)
    assert (line.left, line.right, line.width, line.reach) == (
        left,
        right,
        left + right,
        max(sides),
    )
    middle = shapely.box(20_000.0, -50_000.0, 80_000.0, 50_000.0)
    area = line.zone.intersection(middle).area
    expected = (left + right + 2 * SLIVER) * 60_000.0
    assert area == pytest.approx(expected, rel=1e-9)
    # the ends: a quarter disc of each side's width, each side of each end
    ends = math.pi * (left**2 + right**2) / 2
    chords = (
        2 * ARC_STEPS * math.sin(math.pi / (4 * ARC_STEPS)) * math.cos(math.pi / (4 * ARC_STEPS))
    )  # the polygon's share of a quarter disc's area, x 2 quarter discs, / (pi / 2)
    polygon_ends = ends * chords / (math.pi / 2)
    body = (left + right) * 100_000.0
    assert line.zone.area == pytest.approx(body + polygon_ends, rel=1e-5)


def test_zone_is_the_points_whose_offset_lies_between_minus_right_and_left():
    line = Line(np.array(BENT, dtype=float), (LEFT, RIGHT))
    rng = np.random.default_rng(7)
    xmin, ymin, xmax, ymax = line.zone.bounds
    x = rng.uniform(xmin - 1_000, xmax + 1_000, 200_000)
    y = rng.uniform(ymin - 1_000, ymax + 1_000, 200_000)
    _, offset = line.locate(x, y)
    inside = shapely.contains_xy(line.zone, x, y)
    want = (offset >= -RIGHT) & (offset <= LEFT)
    # they may differ only within the arcs' chords (inside) or the 1 mm growth (outside)
    edge = np.minimum(np.abs(offset - LEFT), np.abs(offset + RIGHT))
    wrong = inside != want
    assert np.all(edge[wrong & want] <= SAGITTA * LEFT)
    assert np.all(edge[wrong & ~want] <= SLIVER * 1.01)
    assert want.sum() > 50_000 and wrong.mean() < 1e-3


def test_points_just_inside_and_outside_each_side():
    line = Line(np.array(BENT, dtype=float), (LEFT, RIGHT))
    chain = np.linspace(1_000.0, line.length - 1_000.0, 400)  # bends included
    for offset, inside in [
        (LEFT - 0.01, True),
        (LEFT + 0.01, False),
        (-RIGHT + 0.01, True),
        (-RIGHT - 0.01, False),
        (0.0, True),
        ((LEFT + RIGHT) / 2, True),
        (-(LEFT + RIGHT) / 2, False),  # inside a symmetric zone of the same width
    ]:
        x, y = line.point_at(chain, offset)
        # near a bend the inner side's offset is measured from the other segment
        _, measured = line.locate(x, y)
        keep = np.abs(measured - offset) < 1e-6
        assert keep.sum() > 300
        got = shapely.contains_xy(line.zone, x[keep], y[keep])
        assert np.all(got == inside), (offset, inside)


def test_one_sided_zone_holds_the_line_and_nothing_of_the_other_side():
    line = Line(np.array(BENT, dtype=float), (LEFT, 0.0))
    chain = np.linspace(0.0, line.length, 2001)  # vertices and ends included
    for offset, inside in [(0.0, True), (1e-6, True), (-1e-6, True), (-0.01, False)]:
        x, y = line.point_at(chain, offset)
        assert np.all(shapely.contains_xy(line.zone, x, y) == inside), offset


def test_a_long_lonlat_line_has_no_holes_along_itself():
    """Single-sided buffers leave slivers along a long line; the 1 mm growth closes them."""
    scenario = yaml.safe_load((ROOT / "scenarios" / "ukraine-line.yaml").read_text())
    line = Line.from_points(scenario["line"]["points"], "lonlat", (15_000.0, 5_000.0))
    assert line.length > 1_000_000
    assert shapely.get_num_interior_rings(line.zone) == 0
    chain = np.linspace(0.0, line.length, 50_001)
    x, y = line.point_at(chain, 0.0)
    assert np.all(shapely.contains_xy(line.zone, x, y))
    x, y = line.vertices.T
    assert np.all(shapely.contains_xy(line.zone, x, y))


def test_grid_cells_lie_only_inside_the_asymmetric_zone():
    line = Line(np.array(BENT, dtype=float), (LEFT, RIGHT))
    cells = grid_points(line, 500.0)
    zone = cells["grid"] == GRID_ZONE
    x, y = np.asarray(cells["x"], float)[zone], np.asarray(cells["y"], float)[zone]
    _, offset = line.locate(x, y)
    assert offset.min() >= -RIGHT - SLIVER and offset.max() <= LEFT + SLIVER
    # every cell centre in the zone, away from its edges, is a cell
    assert offset.min() < -RIGHT + 500.0 and offset.max() > LEFT - 500.0
    share_left = np.mean(offset > 0)
    assert share_left == pytest.approx(LEFT / (LEFT + RIGHT), abs=0.02)


# --- one distance and its mapping: the same results ---------------------------------


def test_a_symmetric_mapping_builds_the_same_line_as_one_distance():
    one = Line(np.array(BENT, dtype=float), 5_000.0)
    two = Line(np.array(BENT, dtype=float), (5_000.0, 5_000.0))
    assert one.zone.equals_exact(two.zone, 0.0)
    assert one.symmetric and two.symmetric and one.sides == two.sides == (5_000.0, 5_000.0)


def _run(tmp_path: Path, buffer, name: str) -> Path:
    scenario = yaml.safe_load((ROOT / "scenarios" / "quickstart.yaml").read_text())
    scenario["duration"] = "2d"
    scenario["line"]["buffer"] = buffer
    del scenario["violations"]["offset"]  # the zone's default offsets
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(scenario), encoding="utf-8")
    out = tmp_path / name
    assert main(["run", str(path), "--out", str(out), "--quiet", "--no-plots"]) == 0
    return out


def test_a_symmetric_mapping_gives_the_results_of_one_distance(tmp_path):
    one = _run(tmp_path, "7km", "one")
    two = _run(tmp_path, {"left": "7km", "right": "7000m"}, "two")
    names = sorted(p.relative_to(one).as_posix() for p in one.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(two).as_posix() for p in two.rglob("*") if p.is_file())
    differ = [n for n in names if (one / n).read_bytes() != (two / n).read_bytes()]
    # only the echo of the scenario as written (and the manifest's record of it) may differ
    assert set(differ) <= {"scenario.resolved.yaml", "manifest.json"}, differ
    for name in ("metrics.json", "events.csv", "coverage.csv", "detections.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes()


def test_an_asymmetric_run_writes_its_sides(tmp_path):
    out = _run(tmp_path, {"left": "12km", "right": "2km"}, "sides")
    zone = json.loads((out / "line.geojson").read_text())["features"][1]["properties"]
    assert zone == {"kind": "zone", "buffer_left_m": 12_000.0, "buffer_right_m": 2_000.0}
    events = np.genfromtxt(out / "events.csv", delimiter=",", names=True, dtype=None)
    assert events["offset_m"].min() >= -2_000.0 and events["offset_m"].max() <= 12_000.0


# --- texts, limits, checks ----------------------------------------------------------


def test_describe_and_the_report_name_each_side():
    s = scenario_from_data(data({"left": "12km", "right": "2km"}))
    assert "zone 12 km left, 2 km right" in describe_scenario(s, 0)
    assert "12 km left, 2 km right of the line" in scenario_section(s, {}, {})
    s = scenario_from_data(data("5km"))
    assert "zone +/-5 km" in describe_scenario(s, 0)
    assert "± 5 km either side of the line" in scenario_section(s, {}, {})


def test_limits_use_the_zone_width():
    """A patrol's and a sensor's windows over a zone of width w: 2 buffer or left + right."""
    assets = {
        "drones": [{"name": "d", "count": 2, "speed": 30, "sensor": {"range": "6km"}}],
        "ground_sensors": [{"name": "g", "spacing": "5km", "sensor": {"range": "6km"}}],
    }
    parts = []
    for buffer in ("5km", {"left": "9km", "right": "1km"}, {"left": "2km", "right": "3km"}):
        s = scenario_from_data(data(buffer) | assets)
        line = scenario_line(s)
        geometries = [fleet_geometry(f, line)[0] for f in s.drones]
        est = estimate(s, line, geometries)
        parts.append((est["_parts"]["drones"], est["_parts"]["ground"]))
    assert parts[0] == parts[1]  # the same width, 10 km
    assert parts[2][0][0] < parts[0][0][0] and parts[2][1][0] < parts[0][1][0]


def test_a_replayed_point_may_lie_twice_the_wider_side_away(tmp_path):
    rows = "id,t_start_s,duration_s,x_m,y_m\nv1,0,60,50000,20000\nv2,0,60,50000,-20000\n"
    (tmp_path / "v.csv").write_text(rows, encoding="utf-8")
    for buffer, refused in [
        ({"left": "12km", "right": "1km"}, False),  # 20 km < 2 x 12 km, either side
        ({"left": "9km", "right": "1km"}, True),
    ]:
        d = data(buffer) | {"violations": {"file": "v.csv"}}
        d["line"]["points"] = [[0, 0], [100_000, 0]]
        if refused:
            with pytest.raises(ScenarioError, match="its wider side"):
                scenario_from_data(d, base=tmp_path)
        else:
            scenario_from_data(d, base=tmp_path)


def test_the_pole_check_looks_at_the_side_facing_the_pole():
    points = [[0.0, 89.0], [20.0, 89.0]]  # eastwards: the pole is on the left
    assert zone_pole_problem(Line.from_points(points, "lonlat", (150e3, 50e3))) is not None
    message = zone_pole_problem(Line.from_points(points, "lonlat", (150e3, 50e3)))
    assert "150 km left and 50 km right" in (message or "")
    assert zone_pole_problem(Line.from_points(points, "lonlat", (50e3, 150e3))) is None


# --- validation ---------------------------------------------------------------------


def refused(buffer) -> str:
    with pytest.raises(ScenarioError) as info:
        scenario_from_data(data(buffer))
    return str(info.value)


@pytest.mark.parametrize(
    ("buffer", "path", "words"),
    [
        ({"left": "5km"}, "line.buffer.right", "required key is missing"),
        ({"lefft": "5km", "right": "1km"}, "line.buffer.lefft", "did you mean 'left'?"),
        ({"left": "5km", "right": "1km", "up": 1}, "line.buffer.up", "expected one of left, right"),
        ({"left": "-5km", "right": "1km"}, "line.buffer.left", "greater than or equal to 0"),
        ({"left": "5km", "right": "1kg"}, "line.buffer.right", "unknown distance unit 'kg'"),
        ({"left": 0, "right": "0km"}, "line.buffer", "expected left or right > 0"),
        ("-5km", "line.buffer", "greater than 0"),
        ([1, 2], "line.buffer", "expected a distance"),
    ],
)
def test_bad_buffers_are_refused_naming_the_path(buffer, path, words):
    message = refused(buffer)
    assert f"{path}: " in message and words in message, message


def test_one_side_may_be_zero():
    s = scenario_from_data(data({"left": "4km", "right": 0}))
    assert s.line.sides == (4_000.0, 0.0) and s.line.asymmetric
    assert check_scenario(s) == []


def test_the_mapping_is_a_valid_override():
    d = copy.deepcopy(data("5km"))
    d["line"]["buffer"] = {"left": "5km", "right": "5km"}
    s = scenario_from_data(d)
    assert s.line.sides == (5_000.0, 5_000.0) and not s.line.asymmetric


def test_the_zone_map_without_zone_cells_names_each_side(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import sim
    from sim.present.figures import zones
    from sim.store.read import ResultsFolder
    from sim.store.write import write_results

    d = data({"left": "2m", "right": 0}) | {"duration": "6h"}
    write_results(sim.run(scenario_from_data(d)), tmp_path / "thin")
    folder = ResultsFolder(tmp_path / "thin")
    assert not zones.has_zone_cells(folder)
    ax = zones.plot_coverage_map(folder)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "(2 m left and 0 m right of the line, line.buffer)" in texts
