"""Geometry for GeoJSON: positions, densified paths, oriented rings, the antimeridian cut.

Positions are [lon, lat] rounded to ``LONLAT_DECIMALS`` (about 1 cm) for lon/lat
lines, metres rounded to ``METRE_DECIMALS`` for local ones. Geometry from the metric
plane is densified to vertices at most ``DENSIFY_M`` apart before it is projected, so
that a straight line in the plane (not straight in lon/lat) stays within about a
centimetre of its true course.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from sim.core.geo import Line, unwrap_longitudes

LONLAT_DECIMALS = 7
METRE_DECIMALS = 2
DENSIFY_M = 1_000.0


def zone_crosses_antimeridian(line: Line) -> bool:
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
                "coordinates": rounded(paths[0], LONLAT_DECIMALS).tolist(),
            }
        return {
            "type": "MultiLineString",
            "coordinates": [rounded(c, LONLAT_DECIMALS).tolist() for c in paths],
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
    return _oriented(rounded(coords, LONLAT_DECIMALS), counterclockwise)


def _oriented(ring: np.ndarray, counterclockwise: bool) -> list[list[float]]:
    """A closed ring of positions as a list, turned to the wanted orientation."""
    if (signed_areas(ring) > 0) != counterclockwise:
        ring = ring[::-1]
    return ring.tolist()


def rounded(values: np.ndarray, decimals: int) -> np.ndarray:
    """``values`` rounded to ``decimals``, with -0.0 written as 0.0."""
    # + 0.0 turns -0.0 into 0.0
    return np.round(values, decimals) + 0.0


def positions(line: Line, xy: np.ndarray) -> np.ndarray:
    """Map metric points (..., 2) to GeoJSON positions (..., 2): rounded lon/lat or metres."""
    xy = np.asarray(xy, dtype=float)
    if not line.is_geographic:
        return rounded(xy, METRE_DECIMALS)
    flat = xy.reshape(-1, 2)
    lon, lat = line.to_lonlat(flat[:, 0], flat[:, 1])
    out = np.column_stack([lon, lat]).reshape(xy.shape)
    return rounded(out, LONLAT_DECIMALS)


def densified(line: Line, path: np.ndarray) -> np.ndarray:
    """A metric polyline with vertices at most DENSIFY_M apart (lon/lat lines only)."""
    path = np.asarray(path, dtype=float)
    if not line.is_geographic or len(path) < 2 or np.all(path == path[0]):
        return path  # GEOS cannot segmentize a line of one repeated point (a cue of 0 m)
    return shapely.get_coordinates(shapely.segmentize(shapely.linestrings(path), DENSIFY_M))


def signed_areas(rings: np.ndarray) -> np.ndarray:
    """Shoelace signed areas of closed rings (..., k, 2): positive for counterclockwise."""
    x, y = rings[..., 0], rings[..., 1]
    return 0.5 * np.sum(x[..., :-1] * y[..., 1:] - x[..., 1:] * y[..., :-1], axis=-1)


def _ring(line: Line, coords: np.ndarray, counterclockwise: bool) -> list[list[float]]:
    """A closed ring as GeoJSON positions, turned to the wanted orientation."""
    return _oriented(positions(line, coords), counterclockwise)


def polygon_geometry(line: Line, zone: Polygon | MultiPolygon) -> dict[str, Any]:
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


def stretches(line: Line, lo: np.ndarray, hi: np.ndarray) -> list[list[list[float]]]:
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
    placed = positions(line, np.column_stack([x, y]))
    return [p.tolist() for p in np.split(placed, np.cumsum(sizes)[:-1])]
