"""GeoJSON documents of a run for GIS users: the line, the assets, the events, the coverage.

    line.geojson      the line (LineString) and the monitored zone (Polygon)
    assets.geojson    ground sensors (Point), drone patrol paths (LineString), bases (Point)
    events.geojson    a Point per violation with its events.csv columns and its outcome
    coverage.geojson  zone grid cells (Polygon squares) and line cells (LineString stretches)

For lon/lat scenarios the documents follow RFC 7946: positions are [lon, lat] in
WGS84 (EPSG:4326), rounded to 7 decimals (about 1 cm); exterior rings run
counterclockwise and holes clockwise; rings are closed; there is no "crs" member.
Geometry from the metric plane is densified to vertices at most ``DENSIFY_M`` apart
before it is projected, so that a straight line in the plane (which is not straight in
lon/lat) stays within about a centimetre of its true course. The documents do not
split geometry at the antimeridian.

Local scenarios keep their coordinates in metres (rounded to 1 cm): such documents
are GeoJSON in shape but not RFC 7946. Every document says which it is in the
top-level foreign member ``"crs_kind"``: ``"lonlat"`` or ``"local"``. The member
``"name"`` names the layer (GDAL, hence QGIS, uses it as the layer name).

Properties are JSON-safe: NaN becomes null and numpy scalars become Python values, so
``json.dumps(doc, allow_nan=False)`` always succeeds.
"""

from __future__ import annotations

import gc
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from sim.core.geo import Line, unwrap_longitudes
from sim.core.tables import Table
from sim.schema import EVENT_COLUMNS

LONLAT_DECIMALS = 7
METRE_DECIMALS = 2
DENSIFY_M = 1_000.0
LOCATION_COLUMNS = ("x", "y", "lon", "lat")


def documents(result, coverage=None) -> dict[str, dict[str, Any]]:
    """Return the GeoJSON documents of a run, by file name.

    Parameters
    ----------
    result
        A ``sim.engine.model.RunResult``.
    coverage
        Optional coverage object with ``.cells`` (a Table with the coverage.csv
        columns) and ``.cell_size`` (metres; the scenario's ``line.cell`` if absent).

    Returns
    -------
    dict
        ``{"line.geojson": ..., "assets.geojson": ..., "events.geojson": ...}`` and,
        with ``coverage``, ``"coverage.geojson"``: FeatureCollections as plain dicts.
    """
    line = result.line
    with _collector_paused():
        docs = {
            "line.geojson": line_document(line),
            "assets.geojson": assets_document(result.assets, result.stations, line),
            "events.geojson": events_document(result.events, line, EVENT_COLUMNS),
        }
        if coverage is not None:
            cell = getattr(coverage, "cell_size", None) or result.scenario.line.cell
            docs["coverage.geojson"] = coverage_document(coverage.cells, line, float(cell))
    return docs


def write(folder: str | Path, docs: dict[str, dict[str, Any]]) -> None:
    """Write each document of ``docs`` as compact UTF-8 JSON into ``folder``."""
    for name, doc in docs.items():
        text = json.dumps(doc, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
        (Path(folder) / name).write_text(text + "\n", encoding="utf-8")


# --- documents ---------------------------------------------------------------------------


def line_document(line: Line) -> dict[str, Any]:
    """The line (LineString, kind "line") and the monitored zone (Polygon, kind "zone")."""
    path = _densified(line, line.vertices)
    return _collection(
        "line",
        line,
        [
            _feature(
                {"type": "LineString", "coordinates": _positions(line, path).tolist()},
                {"kind": "line", "length_m": line.length},
            ),
            _feature(_polygon_geometry(line, line.zone), {"kind": "zone", "buffer_m": line.buffer}),
        ],
    )


def assets_document(assets: Table, stations: list, line: Line) -> dict[str, Any]:
    """Ground sensors (Point), drone patrol paths (LineString) and bases (Point)."""
    ground = np.flatnonzero(
        (assets["asset_class"] == "ground") & np.isfinite(assets["x"]) & np.isfinite(assets["y"])
    )
    at = _positions(line, np.column_stack([assets["x"][ground], assets["y"][ground]])).tolist()
    names = ("id", "group", "modality", "range_m", "pd")
    columns = [_json_values(np.asarray(assets[c])[ground]) for c in names]
    features = [
        _feature(
            {"type": "Point", "coordinates": position},
            {"kind": "ground_sensor", **dict(zip(names, row, strict=True))},
        )
        for position, row in zip(at, zip(*columns, strict=True), strict=True)
    ]
    for s in stations:
        path = _positions(line, _densified(line, s.path)).tolist()
        features.append(
            _feature(
                {"type": "LineString", "coordinates": path},
                {
                    "kind": "patrol",
                    "group": s.group,
                    "station": int(s.number),
                    "from_m": float(s.from_m),
                    "to_m": float(s.to_m),
                    "range_m": float(s.range_m),
                    "modality": s.modality,
                },
            )
        )
    bases = {s.group: s.base for s in stations if s.base is not None}
    for group, base in bases.items():
        position = _positions(line, np.asarray(base, dtype=float)[None, :])[0].tolist()
        features.append(
            _feature({"type": "Point", "coordinates": position}, {"kind": "base", "group": group})
        )
    return _collection("assets", line, features)


def events_document(
    events: Table, line: Line, columns: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """A Point per violation: ``columns`` (default all) except x, y, lon, lat, plus outcome.

    ``outcome`` is "verified", "detected" (but not verified) or "missed".
    """
    names = [c for c in (columns or events.columns) if c not in LOCATION_COLUMNS]
    if line.is_geographic:
        at = _rounded(np.column_stack([events["lon"], events["lat"]]), LONLAT_DECIMALS)
    else:
        at = _rounded(np.column_stack([events["x"], events["y"]]), METRE_DECIMALS)
    outcome = np.where(
        events["verified"].astype(bool),
        "verified",
        np.where(events["detected"].astype(bool), "detected", "missed"),
    ).tolist()
    values = [_json_values(np.asarray(events[c])) for c in names]
    values.append(outcome)
    names.append("outcome")
    features = [
        _feature(_point(position), dict(zip(names, row, strict=True)))
        for position, row in zip(at.tolist(), zip(*values, strict=True), strict=True)
    ]
    return _collection("events", line, features)


def coverage_document(cells: Table, line: Line, cell_size: float) -> dict[str, Any]:
    """Zone cells as square Polygons of side ``cell_size`` (m), line cells as LineStrings.

    A zone cell's square is centred on its grid point (x, y) and projected corner by
    corner. A line cell is the stretch of line over its chainage bin
    [k cell, min((k + 1) cell, length)], k = floor(chainage_m / cell_size).
    Properties: the coverage.csv columns except x, y, lon, lat. Features keep the
    order of ``cells``.
    """
    n = len(cells)
    names = [c for c in cells.columns if c not in LOCATION_COLUMNS]
    values = [_json_values(np.asarray(cells[c])) for c in names]
    geometries: list[dict[str, Any] | None] = [None] * n
    grid = np.asarray(cells["grid"]).astype(str)

    zone = np.flatnonzero(grid == "zone")
    if len(zone):
        h = 0.5 * cell_size
        x = np.asarray(cells["x"], dtype=float)[zone, None]
        y = np.asarray(cells["y"], dtype=float)[zone, None]
        corners = np.stack(
            [x + np.array([-h, h, h, -h, -h]), y + np.array([-h, -h, h, h, -h])], axis=-1
        )
        rings = _positions(line, corners)
        clockwise = _signed_areas(rings) < 0
        rings[clockwise] = rings[clockwise, ::-1]
        for i, ring in zip(zone.tolist(), rings.tolist(), strict=True):
            geometries[i] = {"type": "Polygon", "coordinates": [ring]}

    on_line = np.flatnonzero(grid == "line")
    if len(on_line):
        chainage = np.asarray(cells["chainage_m"], dtype=float)[on_line]
        lo = np.clip(np.floor(chainage / cell_size) * cell_size, 0.0, line.length)
        hi = np.minimum(lo + cell_size, line.length)
        for i, stretch in zip(on_line.tolist(), _stretches(line, lo, hi), strict=True):
            geometries[i] = {"type": "LineString", "coordinates": stretch}

    features = [
        _feature(geometry, dict(zip(names, row, strict=True)))
        for geometry, row in zip(geometries, zip(*values, strict=True), strict=True)
    ]
    return _collection("coverage", line, features)


# --- helpers -----------------------------------------------------------------------------


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the documents are built.

    Building a million small containers (none of them cyclic) otherwise triggers
    collections that double the time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _collection(name: str, line: Line, features: list[dict[str, Any]]) -> dict[str, Any]:
    if line.is_geographic and _zone_crosses_antimeridian(line):
        for feature in features:
            if feature["geometry"] is not None:
                feature["geometry"] = split_at_antimeridian(feature["geometry"])
    return {
        "type": "FeatureCollection",
        "name": name,
        "crs_kind": "lonlat" if line.is_geographic else "local",
        "features": features,
    }


def _zone_crosses_antimeridian(line: Line) -> bool:
    """True if the monitored zone's outline, taken the short way round, crosses 180 deg."""
    zone = line.zone
    parts = list(zone.geoms) if isinstance(zone, MultiPolygon) else [zone]
    for part in parts:
        ring = shapely.get_coordinates(shapely.segmentize(part.exterior, DENSIFY_M))
        lon, _ = line.to_lonlat(ring[:, 0], ring[:, 1])
        unwrapped = unwrap_longitudes(lon)
        if np.any(np.abs(unwrapped) > 180.0):
            return True
    return False


def split_at_antimeridian(geometry: dict[str, Any]) -> dict[str, Any]:
    """Cut a lon/lat LineString, Polygon or MultiPolygon where it crosses 180 deg.

    RFC 7946 (3.1.9) asks for geometry crossing the antimeridian to be cut in
    two, so that GIS tools do not draw it the long way round the world. Each
    ring or path is made continuous in longitude (steps taken the short way),
    clipped to the three 360-degree windows around [-180, 180] and shifted
    back; the cut edges lie on -180 or 180. A geometry that does not cross is
    returned unchanged; points are never cut.
    """
    kind = geometry["type"]
    if kind == "LineString":
        path = np.asarray(geometry["coordinates"], dtype=float)
        if not _jumps(path):
            return geometry
        path[:, 0] = unwrap_longitudes(path[:, 0])
        pieces = _clipped(shapely.linestrings(path))
        paths = [np.asarray(g.coords) for g in pieces]
        if len(paths) == 1:
            return {
                "type": "LineString",
                "coordinates": _rounded(paths[0], LONLAT_DECIMALS).tolist(),
            }
        return {
            "type": "MultiLineString",
            "coordinates": [_rounded(c, LONLAT_DECIMALS).tolist() for c in paths],
        }
    if kind in ("Polygon", "MultiPolygon"):
        polygons = geometry["coordinates"] if kind == "MultiPolygon" else [geometry["coordinates"]]
        rings = [np.asarray(r, dtype=float) for polygon in polygons for r in polygon]
        if not any(_jumps(r) for r in rings):
            return geometry
        pieces = []
        for polygon in polygons:
            exterior = np.asarray(polygon[0], dtype=float)
            start = exterior[0, 0]
            unwrapped = []
            for ring in polygon:
                r = np.asarray(ring, dtype=float)
                lon = unwrap_longitudes(r[:, 0])
                # holes join the exterior's turn of the world
                r[:, 0] = lon - 360.0 * np.round((lon[0] - start) / 360.0)
                unwrapped.append(r)
            pieces += _clipped(shapely.Polygon(unwrapped[0], unwrapped[1:]))
        out = [
            [_ring_positions(np.asarray(p.exterior.coords), True)]
            + [_ring_positions(np.asarray(h.coords), False) for h in p.interiors]
            for p in pieces
        ]
        if len(out) == 1:
            return {"type": "Polygon", "coordinates": out[0]}
        return {"type": "MultiPolygon", "coordinates": out}
    return geometry


def _jumps(positions: np.ndarray) -> bool:
    """True if consecutive positions differ by more than 180 deg of longitude."""
    return len(positions) > 1 and bool(np.any(np.abs(np.diff(positions[:, 0])) > 180.0))


def _clipped(geometry: shapely.Geometry) -> list[shapely.Geometry]:
    """The parts of an unwrapped lon/lat geometry in each 360-degree window, shifted home."""
    parts = []
    kind = shapely.get_type_id(geometry)  # a polygon's cut can leave stray boundary lines
    for offset in (-360.0, 0.0, 360.0):
        window = shapely.box(offset - 180.0, -90.0, offset + 180.0, 90.0)
        piece = shapely.intersection(geometry, window)
        if piece.is_empty:
            continue
        piece = shapely.transform(piece, lambda xy, dx=offset: xy - [dx, 0.0])
        parts += [
            g
            for g in shapely.get_parts(piece)
            if shapely.get_type_id(g) == kind and not g.is_empty and g.length > 0
        ]
    return parts


def _ring_positions(coords: np.ndarray, counterclockwise: bool) -> list[list[float]]:
    """A closed lon/lat ring, rounded and turned to the wanted orientation."""
    return _oriented(_rounded(coords, LONLAT_DECIMALS), counterclockwise)


def _oriented(ring: np.ndarray, counterclockwise: bool) -> list[list[float]]:
    """A closed ring of positions as a list, turned to the wanted orientation."""
    if (_signed_areas(ring) > 0) != counterclockwise:
        ring = ring[::-1]
    return ring.tolist()


def _feature(geometry: dict[str, Any] | None, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _point(position: list[float]) -> dict[str, Any] | None:
    """A Point, or None (a feature without location) for a non-finite position."""
    if all(math.isfinite(v) for v in position):
        return {"type": "Point", "coordinates": position}
    return None


def _rounded(values: np.ndarray, decimals: int) -> np.ndarray:
    # + 0.0 turns -0.0 into 0.0
    return np.round(values, decimals) + 0.0


def _positions(line: Line, xy: np.ndarray) -> np.ndarray:
    """Map metric points (..., 2) to GeoJSON positions (..., 2): rounded lon/lat or metres."""
    xy = np.asarray(xy, dtype=float)
    if not line.is_geographic:
        return _rounded(xy, METRE_DECIMALS)
    flat = xy.reshape(-1, 2)
    lon, lat = line.to_lonlat(flat[:, 0], flat[:, 1])
    out = np.column_stack([lon, lat]).reshape(xy.shape)
    return _rounded(out, LONLAT_DECIMALS)


def _densified(line: Line, path: np.ndarray) -> np.ndarray:
    """A metric polyline with vertices at most DENSIFY_M apart (lon/lat lines only)."""
    path = np.asarray(path, dtype=float)
    if not line.is_geographic or len(path) < 2:
        return path
    return shapely.get_coordinates(shapely.segmentize(shapely.linestrings(path), DENSIFY_M))


def _signed_areas(rings: np.ndarray) -> np.ndarray:
    """Shoelace signed areas of closed rings (..., k, 2): positive for counterclockwise."""
    x, y = rings[..., 0], rings[..., 1]
    return 0.5 * np.sum(x[..., :-1] * y[..., 1:] - x[..., 1:] * y[..., :-1], axis=-1)


def _ring(line: Line, coords: np.ndarray, counterclockwise: bool) -> list[list[float]]:
    """A closed ring as GeoJSON positions, turned to the wanted orientation."""
    return _oriented(_positions(line, coords), counterclockwise)


def _polygon_geometry(line: Line, zone: Polygon | MultiPolygon) -> dict[str, Any]:
    """A Polygon or MultiPolygon, densified, exterior rings counterclockwise, holes clockwise."""
    if line.is_geographic:
        zone = shapely.segmentize(zone, DENSIFY_M)
    parts = list(zone.geoms) if isinstance(zone, MultiPolygon) else [zone]
    polygons = [
        [_ring(line, np.asarray(p.exterior.coords), True)]
        + [_ring(line, np.asarray(hole.coords), False) for hole in p.interiors]
        for p in parts
    ]
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def _stretches(line: Line, lo: np.ndarray, hi: np.ndarray) -> list[list[list[float]]]:
    """GeoJSON positions of the line between chainages lo[i] and hi[i], for each i.

    Each stretch runs through the line's vertices inside its bin (as
    ``shapely.ops.substring``) and, for lon/lat lines, points every DENSIFY_M.
    """
    breaks = line.chainage
    if line.is_geographic:
        breaks = np.union1d(breaks, np.arange(0.0, line.length, DENSIFY_M))
    first = np.searchsorted(breaks, lo, side="right")
    last = np.searchsorted(breaks, hi, side="left")
    chainages = [
        np.concatenate([[a], breaks[i:j], [b]])
        for a, b, i, j in zip(lo.tolist(), hi.tolist(), first.tolist(), last.tolist(), strict=True)
    ]
    sizes = np.array([len(c) for c in chainages])
    x, y = line.point_at(np.concatenate(chainages))
    positions = _positions(line, np.column_stack([x, y]))
    return [p.tolist() for p in np.split(positions, np.cumsum(sizes)[:-1])]


def _json_values(values: np.ndarray) -> list[Any]:
    """A column as JSON-safe Python values: NaN and inf become None."""
    if values.dtype.kind == "f":
        finite = np.isfinite(values)
        if finite.all():
            return values.tolist()
        out = values.astype(object)  # Python floats
        out[~finite] = None
        return out.tolist()
    if values.dtype.kind == "O":
        return [
            None
            if isinstance(v, float) and not math.isfinite(v)
            else v.item()
            if isinstance(v, np.generic)
            else v
            for v in values.tolist()
        ]
    return values.tolist()
