"""The line in metres: projection, chainage, offsets, the monitored zone.

Lon/lat lines are projected to a transverse Mercator centred on the line's
bounding box (WGS84 ellipsoid, scale 1 on the central meridian). Its scale error
at east-west distance x from the central meridian is about x^2 / (2 R^2): 0.08 %
at 250 km, which covers a 1,200 km line that runs as much north-south as east-west.
``Line.projected_length_error`` measures it against the geodesic length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.errors import GEOSException
from shapely.geometry import LineString, Polygon
from shapely.ops import substring

WGS84 = "EPSG:4326"


def wrap_longitude(lon, centre: float = 0.0) -> np.ndarray:
    """Return longitudes (deg) shifted by whole turns into [centre - 180, centre + 180)."""
    return centre + np.mod(np.asarray(lon, dtype=float) - centre + 180.0, 360.0) - 180.0


def unwrap_longitudes(lon) -> np.ndarray:
    """Return longitudes (deg) of a polyline's points made continuous along it.

    Each step between consecutive points is taken the short way round (at most
    180 deg), so a line across the antimeridian, [179.5, -179.5], becomes
    [179.5, 180.5] rather than a line round the world.
    """
    v = np.asarray(lon, dtype=float)
    if v.size == 0:
        return v.copy()
    steps = wrap_longitude(np.diff(v))
    return np.concatenate([[v[0]], v[0] + np.cumsum(steps)])


def centre_longitude(lon) -> float:
    """Return the longitude (deg, in [-180, 180)) at the middle of a polyline's east-west extent."""
    u = unwrap_longitudes(lon)
    return float(wrap_longitude(0.5 * (float(np.min(u)) + float(np.max(u)))))


def local_crs(lon: np.ndarray, lat: np.ndarray) -> str:
    """Return the PROJ string of a transverse Mercator centred on the points' bounding box.

    Longitudes are unwrapped along the line first, so a line across the
    antimeridian gets its central meridian near 180 deg, not near 0 deg.
    """
    lon0 = centre_longitude(lon)
    lat0 = 0.5 * (float(np.min(lat)) + float(np.max(lat)))
    return (
        f"+proj=tmerc +lat_0={lat0:.6f} +lon_0={lon0:.6f} +k=1 +x_0=0 +y_0=0 "
        "+ellps=WGS84 +units=m +no_defs"
    )


@dataclass
class Line:
    """A ceasefire line as a polyline in metres, with its monitored zone.

    Parameters
    ----------
    vertices
        (n, 2) array of x, y in metres, n >= 2.
    buffer
        Half-width of the monitored zone, metres.
    crs
        PROJ string of the metric CRS, or None for a local (already metric) line.
    """

    vertices: np.ndarray
    buffer: float
    crs: str | None = None
    chainage: np.ndarray = field(init=False)
    geometry: LineString = field(init=False)
    zone: Polygon = field(init=False)

    def __post_init__(self) -> None:
        v = np.asarray(self.vertices, dtype=float)
        steps = np.hypot(*np.diff(v, axis=0).T)
        keep = np.concatenate([[True], steps > 0])  # drop repeated vertices
        self.vertices = v[keep]
        steps = steps[steps > 0]
        if len(self.vertices) < 2:
            raise ValueError("a line needs at least two distinct points")
        self.chainage = np.concatenate([[0.0], np.cumsum(steps)])
        self.geometry = LineString(self.vertices)
        self.zone = self.geometry.buffer(self.buffer)
        self._to_lonlat = (
            Transformer.from_crs(self.crs, WGS84, always_xy=True) if self.crs else None
        )

    @classmethod
    def from_points(cls, points: list, crs: str, buffer: float) -> Line:
        """Build from scenario points: [lon, lat] (``crs='lonlat'``) or [x, y] metres."""
        pts = np.asarray(points, dtype=float)
        if crs == "local":
            return cls(pts, buffer, None)
        proj = local_crs(pts[:, 0], pts[:, 1])
        x, y = Transformer.from_crs(WGS84, proj, always_xy=True).transform(pts[:, 0], pts[:, 1])
        return cls(np.column_stack([x, y]), buffer, proj)

    @property
    def length(self) -> float:
        """Length along the line, metres."""
        return float(self.chainage[-1])

    @property
    def is_geographic(self) -> bool:
        """True when the line came from lon/lat (so results can carry lon/lat)."""
        return self.crs is not None

    def _segment(self, chainage: np.ndarray) -> np.ndarray:
        idx = np.searchsorted(self.chainage, chainage, side="right") - 1
        return np.clip(idx, 0, len(self.vertices) - 2)

    def point_at(self, chainage, offset=0.0) -> tuple[np.ndarray, np.ndarray]:
        """Return x, y (m) at ``chainage`` (m, clipped to the line), ``offset`` m to the left."""
        c = np.clip(np.asarray(chainage, dtype=float), 0.0, self.length)
        i = self._segment(c)
        a, b = self.vertices[i], self.vertices[i + 1]
        seg = b - a
        seg_len = np.hypot(seg[..., 0], seg[..., 1])
        frac = (c - self.chainage[i]) / seg_len
        unit = seg / seg_len[..., None]
        off = np.asarray(offset, dtype=float)
        x = a[..., 0] + frac * seg[..., 0] - off * unit[..., 1]
        y = a[..., 1] + frac * seg[..., 1] + off * unit[..., 0]
        return x, y

    @cached_property
    def _segment_tree(self) -> shapely.STRtree:
        """An R-tree of the line's segments, for nearest-segment queries."""
        v = self.vertices
        return shapely.STRtree(shapely.linestrings(np.stack([v[:-1], v[1:]], axis=1)))

    def locate(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Return chainage (m) and signed offset (m, + left) of points.

        Each point is projected on its nearest segment (found with an R-tree), so
        the cost grows with log(vertices), not vertices, per point.
        """
        px = np.atleast_1d(np.asarray(x, dtype=float))
        py = np.atleast_1d(np.asarray(y, dtype=float))
        pairs = self._segment_tree.query_nearest(shapely.points(px, py), all_matches=False)
        seg = np.empty(len(px), dtype=np.int64)
        seg[pairs[0]] = pairs[1]
        a = self.vertices[seg]
        d = self.vertices[seg + 1] - a
        length = np.hypot(d[:, 0], d[:, 1])
        t = np.clip(((px - a[:, 0]) * d[:, 0] + (py - a[:, 1]) * d[:, 1]) / length**2, 0.0, 1.0)
        bx, by = a[:, 0] + t * d[:, 0], a[:, 1] + t * d[:, 1]
        dist = np.hypot(px - bx, py - by)
        cross = d[:, 0] * (py - by) - d[:, 1] * (px - bx)
        chain = self.chainage[seg] + t * length
        offset = np.where(cross < 0, -dist, dist)
        if np.ndim(x) == 0:
            return chain[0], offset[0]
        return chain, offset

    def path(self, start: float, end: float, standoff: float = 0.0) -> np.ndarray:
        """Return the (k, 2) polyline following the line from chainage ``start`` to ``end``.

        With a ``standoff`` the path runs parallel to the line at that distance (m,
        + left), as shapely's offset curve (round joins).
        """
        lo, hi = sorted((float(start), float(end)))
        piece = substring(self.geometry, lo, hi)
        if piece.geom_type == "Point" or piece.length == 0:
            x, y = self.point_at(lo, standoff)
            return np.array([[float(x), float(y)], [float(x), float(y)]])
        # A standoff below the coordinates' precision is the line itself; GEOS fails
        # on it (a MultiLineString, or "cannot create std::vector larger than max_size").
        scale = max(1.0, float(np.abs(np.asarray(piece.coords)).max()))
        if abs(standoff) > 1e-9 * scale:
            try:
                piece = piece.offset_curve(standoff, join_style="round")
            except GEOSException as exc:
                raise ValueError(f"no path {standoff:g} m from the line: {exc}") from None
            if piece.geom_type != "LineString" or piece.is_empty:
                raise ValueError(
                    f"a path {standoff:g} m from the line between chainages {lo:.0f} and "
                    f"{hi:.0f} m breaks apart at a tight bend; use a smaller standoff"
                )
        coords = np.asarray(piece.coords, dtype=float)
        return coords if start <= end else coords[::-1]

    def to_lonlat(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Return lon, lat (degrees) of metric points; NaN for a local line."""
        if self._to_lonlat is None:
            nan = np.full(np.shape(x), np.nan)
            return nan, nan.copy()
        return self._to_lonlat.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))

    def from_lonlat(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Return x, y (m) of lon/lat points (a geographic line only)."""
        if self.crs is None:
            raise ValueError("this line is in local metres; lon/lat positions need crs lonlat")
        to_xy = Transformer.from_crs(WGS84, self.crs, always_xy=True)
        return to_xy.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))

    def projected_length_error(self) -> float:
        """Return (projected length / geodesic length) - 1 for a geographic line, else 0."""
        if self._to_lonlat is None:
            return 0.0
        lon, lat = self.to_lonlat(self.vertices[:, 0], self.vertices[:, 1])
        geodesic = Geod(ellps="WGS84").line_length(lon, lat)
        return self.length / geodesic - 1.0


def zone_pole_problem(line: Line) -> str | None:
    """Why a lon/lat line cannot be run, or None: its monitored zone reaches a pole.

    A zone that holds a pole has no lon/lat outline (GeoJSON, maps), so such a line
    is refused (by the validation pass, sim.spec.checks). The message starts with the
    YAML path ``line.points``; a local line never has the problem.
    """
    if line.crs is None:
        return None
    buffer_m = line.buffer
    to_xy = Transformer.from_crs(WGS84, line.crs, always_xy=True)
    for name, lat in (("North", 90.0), ("South", -90.0)):
        x, y = to_xy.transform(0.0, lat)
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        distance = float(line.geometry.distance(shapely.Point(x, y)))
        if distance <= float(buffer_m):
            return (
                f"line.points: the monitored zone (the line and {buffer_m / 1000:g} km either "
                f"side, line.buffer) holds the {name} Pole (the line passes "
                f"{distance / 1000:.3g} km from it); a zone around a pole has no lon/lat "
                "outline for maps and GeoJSON: keep the line and its buffer off the pole"
            )
    return None
