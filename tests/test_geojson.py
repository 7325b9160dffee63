"""GeoJSON documents: structure, RFC 7946 rules, coordinates, and agreement with the run."""

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Polygon
from shapely.ops import substring

import sim
from sim.core.geo import Line
from sim.core.tables import Table
from sim.schema import EVENT_COLUMNS
from sim.spec.load import scenario_from_data
from sim.store import geojson
from sim.store.files import read_table
from sim.store.write import write_results

QUICKSTART = "scenarios/quickstart.yaml"
COVERAGE_VALUES = (
    "covered_fraction",
    "covered_fraction_drone",
    "covered_fraction_ground",
    "two_asset_fraction",
    "gap_mean_s",
    "gap_p95_s",
    "gap_max_s",
    "time_average_gap_s",
    "mean_response_s",
)
COVERAGE_PROPERTIES = {"grid", "cell", "ix", "iy", "chainage_m", "offset_m", "looks", "gaps"} | set(
    COVERAGE_VALUES
)
EVENT_PROPERTIES = [c for c in EVENT_COLUMNS if c not in ("x", "y", "lon", "lat")] + ["outcome"]


def fake_coverage(line: Line, cell: float) -> SimpleNamespace:
    """A coverage object with the coverage.csv columns (values made up, some NaN).

    Line cells: chainage bins of width ``cell`` with the point at each bin's centre
    (the last bin may be shorter); zone cells: the centres of a regular grid of
    squares of side ``cell`` that lie inside the zone (as sim.world.grid.grid_points).
    """
    starts = np.arange(0.0, line.length, cell)
    centre = 0.5 * (starts + np.minimum(starts + cell, line.length))
    lx, ly = line.point_at(centre)
    xmin, ymin, xmax, ymax = line.zone.bounds
    gx, gy = np.meshgrid(
        np.arange(math.floor(xmin / cell), math.ceil(xmax / cell)),
        np.arange(math.floor(ymin / cell), math.ceil(ymax / cell)),
    )
    gx, gy = gx.ravel(), gy.ravel()
    inside = shapely.contains_xy(line.zone, (gx + 0.5) * cell, (gy + 0.5) * cell)
    gx, gy = gx[inside], gy[inside]
    zx, zy = (gx + 0.5) * cell, (gy + 0.5) * cell
    zc, zo = line.locate(zx, zy)
    n_line, n_zone = len(starts), len(zx)
    x, y = np.concatenate([lx, zx]), np.concatenate([ly, zy])
    lon, lat = line.to_lonlat(x, y)
    columns = {
        "grid": np.array(["line"] * n_line + ["zone"] * n_zone, dtype=object),
        "cell": np.concatenate([np.arange(n_line), np.arange(n_zone)]),
        "ix": np.concatenate([np.full(n_line, -1), gx - gx.min()]),
        "iy": np.concatenate([np.full(n_line, -1), gy - gy.min()]),
        "chainage_m": np.concatenate([centre, zc]),
        "offset_m": np.concatenate([np.zeros(n_line), zo]),
        "x": x,
        "y": y,
        "lon": lon,
        "lat": lat,
    }
    rng = np.random.default_rng(0)
    for name in COVERAGE_VALUES:
        values = rng.random(n_line + n_zone)
        values[::7] = np.nan
        columns[name] = values
    columns["looks"] = rng.integers(0, 50, n_line + n_zone)
    columns["gaps"] = rng.integers(0, 50, n_line + n_zone)
    return SimpleNamespace(cells=Table(columns), cell_size=cell)


def local_scenario():
    """A small local scenario: a bent line (corner at chainage 10.5 km), all asset kinds."""
    return scenario_from_data(
        {
            "name": "local",
            "seed": 3,
            "duration": "2d",
            "line": {
                "crs": "local",
                "points": [[0, 0], [10_500, 0], [10_500, 8_000]],
                "buffer": "3km",
                "cell": "1km",
            },
            "violations": {"rate": "80/day", "duration": {"exponential": "40min"}},
            "drones": [
                {
                    "name": "uav",
                    "count": 2,
                    "speed": "120km/h",
                    "sensor": {"range": "2km", "pd": 0.8},
                    "patrol": {"stations": 2},
                    "base": {"at": "5km", "offset": "-10km"},
                    "endurance": "10h",
                    "turnaround": "1h",
                }
            ],
            "ground_sensors": [
                {"name": "ugs", "modality": "seismic", "spacing": "3km", "sensor": {"range": "1km"}}
            ],
            "satellites": [
                {"name": "sat", "modality": "sar", "schedule": {"every": "12h"}, "pd": 0.7}
            ],
            "reporting": {"verification": {"modalities": 2, "window": "12h"}},
        }
    )


def plain(docs: dict) -> dict:
    """The documents as plain dicts, as their files read back."""
    return {name: doc.as_dict() for name, doc in docs.items()}


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """The quickstart run (lon/lat), its results folder, coverage and documents."""
    result = sim.run(sim.load_scenario(QUICKSTART))
    folder = write_results(result, tmp_path_factory.mktemp("quick") / "out")
    coverage = fake_coverage(result.line, result.scenario.line.cell)
    return SimpleNamespace(
        result=result,
        folder=folder,
        coverage=coverage,
        docs=plain(geojson.documents(result, coverage)),
    )


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """The small local run, its results folder, coverage and documents."""
    result = sim.run(local_scenario())
    folder = write_results(result, tmp_path_factory.mktemp("local") / "out")
    coverage = fake_coverage(result.line, result.scenario.line.cell)
    return SimpleNamespace(
        result=result,
        folder=folder,
        coverage=coverage,
        docs=plain(geojson.documents(result, coverage)),
    )


@pytest.fixture(params=["quick", "local"])
def run(request):
    """Each of the two runs in turn."""
    return request.getfixturevalue(request.param)


# --- helpers ------------------------------------------------------------------------------


def features(doc, kind=None, geometry=None):
    return [
        f
        for f in doc["features"]
        if (kind is None or f["properties"].get("kind") == kind)
        and (geometry is None or f["geometry"]["type"] == geometry)
    ]


def signed_area(ring):
    a = np.asarray(ring)
    return 0.5 * float(np.sum(a[:-1, 0] * a[1:, 1] - a[1:, 0] * a[:-1, 1]))


def to_metres(line, positions):
    """GeoJSON positions back to the line's metric plane."""
    a = np.asarray(positions, dtype=float)
    if not line.is_geographic:
        return a
    x, y = line.from_lonlat(a[..., 0], a[..., 1])
    return np.stack([x, y], axis=-1)


def rfc7946_problems(doc):
    """Cheap RFC 7946 checks of a FeatureCollection; returns a list of problems."""
    problems = []
    if doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        return ["not a FeatureCollection with a features list"]
    if "crs" in doc:
        problems.append("top-level crs member (removed in RFC 7946)")

    def position(p, where):
        if not (isinstance(p, list) and len(p) in (2, 3)):
            problems.append(f"{where}: position {p!r} is not [x, y]")
        elif not all(isinstance(v, (int, float)) and math.isfinite(v) for v in p):
            problems.append(f"{where}: position {p!r} has a non-number")
        elif not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90):
            problems.append(f"{where}: position {p!r} outside lon/lat range")

    def ring(r, where, exterior):
        if len(r) < 4:
            problems.append(f"{where}: ring with {len(r)} positions (needs 4)")
        if r[0] != r[-1]:
            problems.append(f"{where}: ring not closed")
        if (signed_area(r) > 0) != exterior:
            problems.append(f"{where}: {'exterior' if exterior else 'hole'} wrongly oriented")
        for p in r:
            position(p, where)

    def jump(path, where):
        # RFC 7946 3.1.9: cut at the antimeridian rather than cross it the long way
        if doc.get("crs_kind") == "lonlat" and len(path) > 1:
            if np.max(np.abs(np.diff(np.asarray(path, dtype=float)[:, 0]))) > 180:
                problems.append(f"{where}: a step of over 180 deg of longitude")

    for i, f in enumerate(doc["features"]):
        where = f"feature {i}"
        if f.get("type") != "Feature" or "geometry" not in f or "properties" not in f:
            problems.append(f"{where}: not a Feature with geometry and properties")
            continue
        if "crs" in f:
            problems.append(f"{where}: crs member")
        g = f["geometry"]
        kind, coords = g["type"], g["coordinates"]
        if kind == "Point":
            position(coords, where)
        elif kind in ("LineString", "MultiLineString"):
            for path in coords if kind == "MultiLineString" else [coords]:
                if len(path) < 2:
                    problems.append(f"{where}: LineString with {len(path)} positions")
                for p in path:
                    position(p, where)
                jump(path, where)
        elif kind in ("Polygon", "MultiPolygon"):
            for polygon in coords if kind == "MultiPolygon" else [coords]:
                for k, r in enumerate(polygon):
                    ring(r, where, exterior=k == 0)
                    jump(r, where)
        else:
            problems.append(f"{where}: unexpected geometry {kind}")
    return problems


# --- the documents ------------------------------------------------------------------------


def test_document_names(quick):
    """documents() gives line, assets and events, and coverage only when given coverage."""
    assert set(geojson.documents(quick.result)) == {
        "line.geojson",
        "assets.geojson",
        "events.geojson",
    }
    assert set(quick.docs) == {
        "line.geojson",
        "assets.geojson",
        "events.geojson",
        "coverage.geojson",
    }


def test_crs_kind(quick, local):
    """Every document says "crs_kind": lonlat for a lon/lat line, local for a metric one."""
    assert {d["crs_kind"] for d in quick.docs.values()} == {"lonlat"}
    assert {d["crs_kind"] for d in local.docs.values()} == {"local"}


def test_lonlat_documents_follow_rfc7946(quick):
    """Lon/lat documents pass the RFC 7946 checks (rings, closure, ranges, no crs)."""
    assert {name: rfc7946_problems(doc) for name, doc in quick.docs.items()} == {
        name: [] for name in quick.docs
    }


def test_local_documents_have_closed_oriented_rings(local):
    """Local documents (metres) have the same structure: only the lon/lat range differs."""
    for doc in local.docs.values():
        problems = [p for p in rfc7946_problems(doc) if "lon/lat range" not in p]
        assert problems == []


def test_lonlat_positions_have_at_most_seven_decimals(quick):
    """Every lon/lat position is rounded to 7 decimals (1 cm)."""
    for doc in quick.docs.values():
        for f in doc["features"]:
            flat = np.asarray(f["geometry"]["coordinates"], dtype=float).ravel()
            assert np.array_equal(np.round(flat, 7), flat)


def test_json_round_trip(run):
    """Every document is strict JSON (no NaN) and reads back unchanged."""
    for doc in run.docs.values():
        text = json.dumps(doc, allow_nan=False)
        assert json.loads(text) == doc


def test_write(quick, tmp_path):
    """write() puts each document in its file as JSON that reads back equal."""
    geojson.write(tmp_path, geojson.documents(quick.result, quick.coverage))
    for name, doc in quick.docs.items():
        assert json.loads((tmp_path / name).read_text(encoding="utf-8")) == doc


def test_geojson_package_says_valid(quick):
    """The geojson package (if installed) finds every document valid."""
    gj = pytest.importorskip("geojson")
    for doc in quick.docs.values():
        assert gj.loads(json.dumps(doc)).is_valid


@pytest.fixture(scope="module")
def across(tmp_path_factory):
    """A lon/lat run on a line across the antimeridian: its documents and line."""
    result = sim.run(
        scenario_from_data(
            {
                "name": "across",
                "duration": "6h",
                "line": {
                    "crs": "lonlat",
                    "points": [[179.2, 65.0], [179.9, 65.1], [-179.4, 65.3]],
                    "buffer": "5km",
                    "cell": "2km",
                },
                "violations": {"rate": "40/day"},
                "ground_sensors": [
                    {
                        "name": "ugs",
                        "modality": "seismic",
                        "spacing": "6km",
                        "sensor": {"range": "2km"},
                    }
                ],
                "drones": [
                    {"name": "uav", "count": 1, "speed": "90km/h", "sensor": {"range": "3km"}}
                ],
            }
        )
    )
    coverage = fake_coverage(result.line, result.scenario.line.cell)
    return SimpleNamespace(result=result, docs=plain(geojson.documents(result, coverage)))


def test_geometry_across_the_antimeridian_is_cut_there(across):
    """Regression: a line across 180 deg gave paths and rings jumping from 179.99 to
    -179.99 (drawn round the world by GIS tools). They are cut at the antimeridian as
    RFC 7946 asks, the pieces meet on +-180, and the geojson package calls them valid."""
    assert {name: rfc7946_problems(doc) for name, doc in across.docs.items()} == {
        name: [] for name in across.docs
    }
    line_doc = across.docs["line.geojson"]
    (path,) = features(line_doc, "line")
    assert path["geometry"]["type"] == "MultiLineString"
    west, east = path["geometry"]["coordinates"]
    assert west[-1][0] == 180.0 and east[0][0] == -180.0
    assert west[-1][1] == pytest.approx(east[0][1], abs=1e-7)
    (zone,) = features(line_doc, "zone")
    assert zone["geometry"]["type"] == "MultiPolygon"
    kinds = {f["geometry"]["type"] for d in across.docs.values() for f in d["features"]}
    assert "MultiPolygon" in kinds and "Polygon" in kinds  # cells off the antimeridian stay whole
    gj = pytest.importorskip("geojson")
    for doc in across.docs.values():
        assert gj.loads(json.dumps(doc)).is_valid


def test_cut_zone_keeps_its_area(across):
    """The two halves of the cut zone add up to the zone's area (within 0.1 %)."""
    line = across.result.line
    (zone,) = features(across.docs["line.geojson"], "zone")
    area = 0.0
    for polygon in zone["geometry"]["coordinates"]:
        lon = np.asarray(polygon[0], dtype=float)
        lon[:, 0] = np.where(lon[:, 0] < 0, lon[:, 0] + 360.0, lon[:, 0])  # one side of 180
        area += abs(signed_area(to_metres(line, lon)))
    assert area == pytest.approx(line.zone.area, rel=1e-3)


def test_geometry_away_from_the_antimeridian_is_never_cut():
    """split_at_antimeridian returns a path or ring that does not cross 180 as it is."""
    path = {"type": "LineString", "coordinates": [[170.0, 1.0], [179.0, 2.0], [178.0, 3.0]]}
    assert geojson.split_at_antimeridian(path) is path
    ring = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    assert geojson.split_at_antimeridian(ring) is ring


# --- line.geojson -------------------------------------------------------------------------


def test_line_document_features(run):
    """line.geojson: the line as a LineString and the zone as a Polygon, with their sizes."""
    line = run.result.line
    doc = run.docs["line.geojson"]
    assert [(f["geometry"]["type"], f["properties"]) for f in doc["features"]] == [
        ("LineString", {"kind": "line", "length_m": line.length}),
        ("Polygon", {"kind": "zone", "buffer_m": line.buffer}),
    ]


def test_lonlat_line_runs_through_scenario_points(quick):
    """The lon/lat line passes through the scenario's points (to 1e-7 degrees)."""
    points = np.asarray(quick.result.scenario.line.points)
    coords = np.asarray(features(quick.docs["line.geojson"], "line")[0]["geometry"]["coordinates"])
    nearest = np.min(np.hypot(*(coords[None, :, :] - points[:, None, :]).T), axis=0)
    assert np.all(nearest <= 1.5e-7)
    assert np.array_equal(coords[[0, -1]], np.round(points[[0, -1]], 7))


def test_local_line_is_the_vertices_in_metres(local):
    """A local line's coordinates are its vertices in metres."""
    coords = features(local.docs["line.geojson"], "line")[0]["geometry"]["coordinates"]
    assert coords == np.round(local.result.line.vertices, 2).tolist()


def test_lonlat_zone_keeps_its_area(quick):
    """The lon/lat zone, back in metres, covers the zone (area and overlap to 1e-6)."""
    line = quick.result.line
    ring = features(quick.docs["line.geojson"], "zone")[0]["geometry"]["coordinates"][0]
    back = Polygon(to_metres(line, ring))
    assert back.area == pytest.approx(line.zone.area, rel=1e-6)
    assert back.symmetric_difference(line.zone).area < 1e-6 * line.zone.area


@pytest.mark.parametrize("kind", ["line", "zone"])
def test_lonlat_geometry_drawn_straight_in_lonlat_stays_true(quick, kind):
    """Segments drawn straight in lon/lat (as a GIS does) stay within 5 cm of the true shape.

    Without densification a 60 km straight segment of the metric plane bows tens of
    metres away from the straight lon/lat segment between its ends.
    """
    line = quick.result.line
    geometry = features(quick.docs["line.geojson"], kind)[0]["geometry"]["coordinates"]
    coords = np.asarray(geometry[0] if kind == "zone" else geometry)
    truth = line.zone.exterior if kind == "zone" else line.geometry
    middles = to_metres(line, 0.5 * (coords[:-1] + coords[1:]))
    assert shapely.distance(truth, shapely.points(middles)).max() < 0.05


def test_zone_hole_is_clockwise():
    """A line that nearly closes on itself gives a zone with a hole, written clockwise."""
    line = Line(np.array([[0, 0], [20e3, 0], [20e3, 20e3], [0, 20e3], [0, 1.5e3]]), 1_000.0)
    assert len(line.zone.interiors) == 1
    rings = geojson.line_document(line).as_dict()["features"][1]["geometry"]["coordinates"]
    assert [signed_area(r) > 0 for r in rings] == [True, False]
    assert [r[0] == r[-1] for r in rings] == [True, True]


# --- assets.geojson -----------------------------------------------------------------------


def test_assets_document_kinds(run):
    """assets.geojson: a Point per ground sensor, a LineString per station, a Point per base."""
    result = run.result
    doc = run.docs["assets.geojson"]
    n_ground = int(np.sum(result.assets["asset_class"] == "ground"))
    n_bases = len({s.group for s in result.stations if s.base is not None})
    kinds = [(f["properties"]["kind"], f["geometry"]["type"]) for f in doc["features"]]
    assert kinds == (
        [("ground_sensor", "Point")] * n_ground
        + [("patrol", "LineString")] * len(result.stations)
        + [("base", "Point")] * n_bases
    )
    assert n_ground > 0 and len(result.stations) > 0 and n_bases == 1


def test_ground_sensor_properties(run):
    """Ground sensors carry id, group, modality, range_m and pd from the assets table."""
    assets = run.result.assets
    ground = assets["asset_class"] == "ground"
    got = [f["properties"] for f in features(run.docs["assets.geojson"], "ground_sensor")]
    assert got == [
        {"kind": "ground_sensor", "id": i, "group": g, "modality": m, "range_m": r, "pd": p}
        for i, g, m, r, p in zip(
            assets["id"][ground],
            assets["group"][ground],
            assets["modality"][ground],
            assets["range_m"][ground].tolist(),
            assets["pd"][ground].tolist(),
            strict=True,
        )
    ]


def test_ground_sensors_sit_on_their_positions(run):
    """Ground sensor points are the assets table's x, y (to 1 cm, via lon/lat if geographic)."""
    line = run.result.line
    assets = run.result.assets
    ground = assets["asset_class"] == "ground"
    points = [
        f["geometry"]["coordinates"] for f in features(run.docs["assets.geojson"], "ground_sensor")
    ]
    xy = to_metres(line, points)
    expected = np.column_stack([assets["x"][ground], assets["y"][ground]])
    assert np.max(np.hypot(*(xy - expected).T)) < 0.02


def test_patrol_properties_and_paths(run):
    """Patrols carry the station's group, number, span, range and modality; paths follow it."""
    line = run.result.line
    patrols = features(run.docs["assets.geojson"], "patrol")
    for f, s in zip(patrols, run.result.stations, strict=True):
        assert f["properties"] == {
            "kind": "patrol",
            "group": s.group,
            "station": s.number,
            "from_m": s.from_m,
            "to_m": s.to_m,
            "range_m": s.range_m,
            "modality": s.modality,
        }
        path = LineString(to_metres(line, f["geometry"]["coordinates"]))
        assert path.hausdorff_distance(LineString(s.path)) < 0.02


def test_base_position(run):
    """The base point is the fleet's base (to 1 cm)."""
    stations = run.result.stations
    (base,) = features(run.docs["assets.geojson"], "base")
    assert base["properties"] == {"kind": "base", "group": stations[0].group}
    xy = to_metres(run.result.line, base["geometry"]["coordinates"])
    assert np.hypot(*(xy - stations[0].base)) < 0.02


# --- events.geojson -----------------------------------------------------------------------


def test_events_match_events_csv(run):
    """events.geojson has one Point per events.csv row, same ids in the same order."""
    events = read_table(run.folder / "events.csv")
    feats = run.docs["events.geojson"]["features"]
    assert {f["geometry"]["type"] for f in feats} == {"Point"}
    assert [f["properties"]["id"] for f in feats] == events["id"].tolist()
    assert len(feats) == len(events) > 0


def test_event_properties_are_the_csv_columns(run):
    """Event properties: the events.csv columns except x, y, lon, lat, then outcome."""
    for f in run.docs["events.geojson"]["features"]:
        assert list(f["properties"]) == EVENT_PROPERTIES


def test_event_values_match_events_csv(run):
    """Event property values equal events.csv (empty cells as null)."""
    events = read_table(run.folder / "events.csv")
    feats = run.docs["events.geojson"]["features"]
    for name in ("t_start_s", "t_detect_s", "detected", "type", "first_asset", "t_verified_s"):
        column = events[name].tolist()
        expected = [None if isinstance(v, float) and math.isnan(v) else v for v in column]
        assert [f["properties"][name] for f in feats] == expected, name


def test_event_outcomes(run):
    """outcome is verified, else detected, else missed; counts match the events table."""
    events = run.result.events
    outcomes = [f["properties"]["outcome"] for f in run.docs["events.geojson"]["features"]]
    assert outcomes.count("verified") == int(events["verified"].sum())
    assert outcomes.count("detected") == int((events["detected"] & ~events["verified"]).sum())
    assert outcomes.count("missed") == int((~events["detected"]).sum())
    assert len(outcomes) == len(events)


def test_quickstart_has_every_outcome(quick):
    """The quickstart run has verified, detected-only and missed violations (so the above bites)."""
    outcomes = {f["properties"]["outcome"] for f in quick.docs["events.geojson"]["features"]}
    assert outcomes == {"verified", "detected", "missed"}


def test_event_points_lie_in_the_zone(run):
    """Every violation point (all inside the zone in these runs) lies inside the zone polygon."""
    assert bool(np.all(run.result.events["in_zone"]))
    zone = Polygon(features(run.docs["line.geojson"], "zone")[0]["geometry"]["coordinates"][0])
    points = np.array(
        [f["geometry"]["coordinates"] for f in run.docs["events.geojson"]["features"]]
    )
    assert bool(np.all(shapely.contains_xy(zone, points[:, 0], points[:, 1])))


def test_lonlat_event_points_are_events_lon_lat(quick):
    """Lon/lat event points are events.csv lon, lat rounded to 7 decimals."""
    events = quick.result.events
    points = [f["geometry"]["coordinates"] for f in quick.docs["events.geojson"]["features"]]
    assert points == np.round(np.column_stack([events["lon"], events["lat"]]), 7).tolist()


# --- coverage.geojson ---------------------------------------------------------------------


def test_coverage_features_in_cell_order(run):
    """coverage.geojson: one feature per cell in order; zone cells Polygons, line cells lines."""
    cells = run.coverage.cells
    feats = run.docs["coverage.geojson"]["features"]
    assert [(f["properties"]["grid"], f["properties"]["cell"]) for f in feats] == list(
        zip(cells["grid"].tolist(), cells["cell"].tolist(), strict=True)
    )
    assert [f["geometry"]["type"] for f in feats] == [
        "Polygon" if g == "zone" else "LineString" for g in cells["grid"]
    ]


def test_coverage_properties(run):
    """Coverage properties: the coverage.csv columns except x, y, lon, lat; NaN as null."""
    cells = run.coverage.cells
    feats = run.docs["coverage.geojson"]["features"]
    assert {frozenset(f["properties"]) for f in feats} == {frozenset(COVERAGE_PROPERTIES)}
    got = [f["properties"]["gap_max_s"] for f in feats]
    assert got == [None if math.isnan(v) else v for v in cells["gap_max_s"].tolist()]
    assert [f["properties"]["ix"] for f in feats] == cells["ix"].tolist()
    assert all(type(f["properties"]["looks"]) is int for f in feats)


def test_zone_cells_are_squares_around_their_points(run):
    """Each zone cell, back in metres, is a square of side cell centred on its grid point."""
    cells = run.coverage.cells
    cell = run.coverage.cell_size
    zone = cells["grid"] == "zone"
    rings = np.array(
        [
            f["geometry"]["coordinates"][0]
            for f in features(run.docs["coverage.geojson"], None, "Polygon")
        ]
    )
    xy = to_metres(run.result.line, rings)
    centre = np.column_stack([cells["x"][zone], cells["y"][zone]])
    assert np.max(np.abs(xy[:, :4].mean(axis=1) - centre)) < 0.02
    assert np.max(np.abs(np.abs(xy[:, :4] - centre[:, None, :]) - cell / 2)) < 0.02


def test_line_cells_are_stretches_of_the_line(run):
    """Each line cell is the substring of the line over its chainage bin (to 1 cm)."""
    line = run.result.line
    cell = run.coverage.cell_size
    feats = features(run.docs["coverage.geojson"], None, "LineString")
    assert len(feats) == math.ceil(line.length / cell)
    coords = [f["geometry"]["coordinates"] for f in feats]
    sizes = np.cumsum([len(c) for c in coords])[:-1]
    stretches = np.split(to_metres(line, [p for c in coords for p in c]), sizes)
    for k, xy in enumerate(stretches):
        expected = substring(line.geometry, k * cell, min((k + 1) * cell, line.length))
        got = LineString(xy)
        assert got.hausdorff_distance(expected) < 0.02, k
        assert got.length == pytest.approx(expected.length, abs=0.05)


def test_line_cell_turns_the_corner(local):
    """The local line's bin holding its corner (chainage 10.5 km) runs through the corner."""
    feats = features(local.docs["coverage.geojson"], None, "LineString")
    assert feats[10]["geometry"]["coordinates"] == [
        [10000.0, 0.0],
        [10500.0, 0.0],
        [10500.0, 500.0],
    ]


def test_coverage_cell_size_defaults_to_scenario_cell(quick):
    """Without coverage.cell_size, the scenario's line.cell sizes the cells."""
    bare = SimpleNamespace(cells=quick.coverage.cells)
    doc = geojson.documents(quick.result, bare)["coverage.geojson"].as_dict()
    assert doc == quick.docs["coverage.geojson"]


def test_run_coverage_document(run):
    """The run's own coverage (sim.measure.coverage) gives a valid document, one feature
    per cell."""
    coverage = getattr(run.result, "coverage", None)
    if coverage is None:
        pytest.skip("this run has no coverage (sim.measure.coverage not wired yet)")
    doc = geojson.documents(run.result, coverage)["coverage.geojson"].as_dict()
    problems = rfc7946_problems(doc)
    if not run.result.line.is_geographic:
        problems = [p for p in problems if "lon/lat range" not in p]
    assert problems == []
    assert [f["properties"]["cell"] for f in doc["features"]] == coverage.cells["cell"].tolist()
    line_cells = features(doc, None, "LineString")
    assert len(line_cells) == int(np.sum(coverage.cells["grid"] == "line"))


@pytest.mark.parametrize("chunk", [1, 7, 10_000])
def test_written_file_is_the_whole_document_dumped_at_once(quick, tmp_path, monkeypatch, chunk):
    """Writing chunk by chunk gives the bytes of one compact json.dumps of the document,
    whatever the chunk size (features generated in pieces, never all held at once)."""
    monkeypatch.setattr(geojson, "CHUNK", chunk)
    docs = geojson.documents(quick.result, quick.coverage)
    geojson.write(tmp_path, docs)
    for name, doc in docs.items():
        whole = json.dumps(
            doc.as_dict(), allow_nan=False, ensure_ascii=False, separators=(",", ":")
        )
        assert (tmp_path / name).read_text(encoding="utf-8") == whole + "\n"


def test_documents_leave_the_garbage_collector_alone(quick, tmp_path, monkeypatch):
    """Building and writing the documents never switches the cyclic collector off (that
    is process-wide state: a sweep worker or a host program would inherit it)."""
    import gc

    def refuse() -> None:
        raise AssertionError("gc.disable() called")

    monkeypatch.setattr(gc, "disable", refuse)
    geojson.write(tmp_path, geojson.documents(quick.result, quick.coverage))
    assert gc.isenabled()


def test_a_path_of_one_repeated_point_is_written_as_is():
    """A cued drone's transit of 0 m (its station on the violation's point) is a path of one
    repeated point, which GEOS cannot segmentize ("point array must contain 0 or >1
    elements", found by the generated tests)."""
    from sim.core.geo import Line
    from sim.store.geojson_geometry import densified

    line = Line.from_points([[30.0, 50.0], [30.5, 50.2]], "lonlat", 1000.0)
    path = np.array([[10.0, 20.0], [10.0, 20.0]])
    np.testing.assert_array_equal(densified(line, path), path)
    longer = densified(line, np.array([[0.0, 0.0], [50_000.0, 0.0]]))
    assert len(longer) > 2  # a real path is still densified
