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
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

WGS84 = "EPSG:4326"

SLIVER = 1e-3  # m: a shape built from single-sided buffers is grown by this (see side_band)
ARC_STEPS = 8  # segments per quarter circle of a zone's round ends (shapely's default)

Buffer = float | tuple[float, float]  # one half-width, or the zone's (left, right), m


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


def zone_sides(buffer: Buffer) -> tuple[float, float]:
    """The zone's (left, right) widths (m) from one half-width or a (left, right) pair."""
    if isinstance(buffer, (tuple, list)):
        left, right = buffer
        return float(left), float(right)
    return float(buffer), float(buffer)


def _one_side(geometry: BaseGeometry, distance: float) -> BaseGeometry:
    """The points within ``distance`` of ``geometry`` on one side (+ left, - right)."""
    if distance == 0.0:
        return Polygon()
    return geometry.buffer(distance, single_sided=True)


def _between(geometry: BaseGeometry, lo: float, hi: float) -> BaseGeometry:
    """Single-sided buffers of ``geometry`` between signed offsets ``lo`` and ``hi`` (m)."""
    lo, hi = sorted((float(lo), float(hi)))
    if lo >= 0.0:
        return _one_side(geometry, hi).difference(_one_side(geometry, lo))
    if hi <= 0.0:
        return _one_side(geometry, lo).difference(_one_side(geometry, hi))
    return _one_side(geometry, hi).union(_one_side(geometry, lo))


def _grown(shape: BaseGeometry) -> BaseGeometry:
    """``shape`` grown by ``SLIVER`` all round, mitred (corners stay sharp).

    The two sides' single-sided buffers do not share the line's vertices exactly: their
    union or difference keeps slivers (on a 1,200 km line, some 150 holes along the
    line itself), and an edge on the line does not hold the line's own points. A
    millimetre more all round closes the one and takes in the other.
    """
    return shape.buffer(SLIVER, join_style="mitre")


def side_band(geometry: BaseGeometry, lo: float, hi: float) -> BaseGeometry:
    """Points at signed offsets in [lo, hi] (m, + left) of a line, grown by ``SLIVER``.

    Shapely's single-sided buffers: flat ends square to the end segments, the outer
    side of a bend rounded. (``environment.jamming`` bands are these shapes.)
    """
    return _grown(_between(geometry, lo, hi))


def _quarter_disc(centre: np.ndarray, a: np.ndarray, b: np.ndarray, radius: float) -> Polygon:
    """A quarter disc of ``radius`` at ``centre``, from unit direction ``a`` to ``b``."""
    theta = np.linspace(0.0, 0.5 * np.pi, ARC_STEPS + 1)[:, None]
    arc = centre + radius * (np.cos(theta) * a + np.sin(theta) * b)
    return Polygon(np.vstack([centre, arc]))


def sided_zone(geometry: LineString, left: float, right: float) -> BaseGeometry:
    """The zone of a line with ``left`` and ``right`` widths (m): offsets in [-right, left].

    The single-sided buffers of the line between ``-right`` and ``left`` (``side_band``'s
    shape) with, beyond each end, a quarter disc of radius ``left`` on the left and one of
    radius ``right`` on the right: a point beyond an end is at the distance to that end,
    on the side it lies (``Line.locate``), so that equal widths would give the round ends
    of a plain buffer. The union is grown by ``SLIVER``, as ``side_band``.
    """
    v = np.asarray(geometry.coords, dtype=float)
    parts = [_between(geometry, -right, left)]
    for centre, step, out in ((v[0], v[1] - v[0], -1.0), (v[-1], v[-1] - v[-2], 1.0)):
        u = step / np.hypot(*step)
        n = np.array([-u[1], u[0]])  # the left normal
        if left > 0.0:
            parts.append(_quarter_disc(centre, n, out * u, left))
        if right > 0.0:
            parts.append(_quarter_disc(centre, out * u, -n, right))
    return _grown(shapely.union_all(parts))


@dataclass
class Line:
    """A ceasefire line as a polyline in metres, with its monitored zone.

    Parameters
    ----------
    vertices
        (n, 2) array of x, y in metres, n >= 2.
    buffer
        The monitored zone: one half-width (m, the same each side), or its
        ``(left, right)`` widths (m, left = + offsets).
    crs
        PROJ string of the metric CRS, or None for a local (already metric) line.

    ``left`` and ``right`` are the zone's widths each side (equal for one half-width);
    the zone is the points whose signed offset (``locate``) is in ``[-right, left]``.
    """

    vertices: np.ndarray
    buffer: Buffer
    crs: str | None = None
    chainage: np.ndarray = field(init=False)
    geometry: LineString = field(init=False)
    zone: Polygon = field(init=False)
    left: float = field(init=False)
    right: float = field(init=False)

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
        self.left, self.right = zone_sides(self.buffer)
        if self.symmetric:
            self.zone = self.geometry.buffer(self.left)
        else:
            self.zone = sided_zone(self.geometry, self.left, self.right)
        self._to_lonlat = (
            Transformer.from_crs(self.crs, WGS84, always_xy=True) if self.crs else None
        )

    @classmethod
    def from_points(cls, points: list, crs: str, buffer: Buffer) -> Line:
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
    def symmetric(self) -> bool:
        """True when the zone is as wide on both sides (one half-width)."""
        return self.left == self.right

    @property
    def sides(self) -> tuple[float, float]:
        """The zone's (left, right) widths, metres."""
        return self.left, self.right

    @property
    def width(self) -> float:
        """The zone's width across the line, left + right, metres."""
        return self.left + self.right

    @property
    def reach(self) -> float:
        """How far the zone reaches from the line on its wider side, metres."""
        return max(self.left, self.right)

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
    if line.symmetric:
        sides = f"{line.left / 1000:g} km either side"
    else:
        sides = f"{line.left / 1000:g} km left and {line.right / 1000:g} km right"
    to_xy = Transformer.from_crs(WGS84, line.crs, always_xy=True)
    for name, lat in (("North", 90.0), ("South", -90.0)):
        x, y = to_xy.transform(0.0, lat)
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        distance = float(line.geometry.distance(shapely.Point(x, y)))
        width = line.left
        if not line.symmetric:
            _, offset = line.locate(x, y)
            width = line.left if offset >= 0.0 else line.right
        if distance <= width:
            return (
                f"line.points: the monitored zone (the line and {sides}, "
                f"line.buffer) holds the {name} Pole (the line passes "
                f"{distance / 1000:.3g} km from it); a zone around a pole has no lon/lat "
                "outline for maps and GeoJSON: keep the line and its buffer off the pole"
            )
    return None
