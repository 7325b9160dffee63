"""The scenario's geometry: its line projected and checked, fleets and sensors placed.

Validation (``sim.spec.checks``) and the build (``sim.world.assets``) call the same
functions here, so whatever validation accepts the build places the same way. Each
returns its problems as ``(loc, message)``, ``loc`` a YAML location tuple.

Chainages given by the user may exceed the line by a small tolerance,
``max(CHAINAGE_TOL_M, CHAINAGE_TOL_REL x length)`` (1 m, or 1 mm per km), and are
clamped to the line: a span ``[800km, 1200km]`` on a line that measures
1,199,999.8 m is the whole last 400 km.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from pyproj.exceptions import ProjError
from shapely.errors import ShapelyError

from sim.core.geo import WGS84, Buffer, Line, zone_pole_problem
from sim.core.units import MAX_DISTANCE_M, hours, km
from sim.spec.scenario import BaseAtSpec, DroneFleetSpec, GroundGroupSpec, Scenario
from sim.spec.zone import zone_buffer

CHAINAGE_TOL_M = 1.0
CHAINAGE_TOL_REL = 1e-6

Loc = tuple[Any, ...]
Problem = tuple[Loc, str]

# errors geometry libraries raise on hostile numbers: each becomes a named problem
GEOMETRY_ERRORS = (ValueError, OverflowError, FloatingPointError, ProjError, ShapelyError)


def chainage_tolerance(length: float) -> float:
    """How far (m) a user's chainage may lie beyond the line and still be accepted."""
    return max(CHAINAGE_TOL_M, CHAINAGE_TOL_REL * length)


def clamp_chainage(value: float, length: float) -> float:
    """Clamp a chainage (m) accepted within tolerance to ``[0, length]``."""
    return min(max(float(value), 0.0), length)


def within_line(value: float, length: float) -> bool:
    """Whether a user's chainage (m) lies on the line, within the tolerance."""
    tol = chainage_tolerance(length)
    return -tol <= value <= length + tol


def _outside(value: float, length: float) -> str:
    return f"chainage {km(value)} is outside the line (0..{km(length)})"


# --- projection caches (a sweep validates many points on one line) ------------


@functools.lru_cache(maxsize=16)
def _to_metres(crs: str) -> Transformer:
    """The lon/lat -> metres transformer of a line's CRS (building one takes ~16 ms)."""
    return Transformer.from_crs(WGS84, crs, always_xy=True)


@functools.lru_cache(maxsize=8)
def _cached_line(points: tuple[tuple[float, float], ...], crs: str, buffer: Buffer) -> Line:
    return Line.from_points(list(points), crs, buffer)


def scenario_line(scenario: Scenario) -> Line:
    """The scenario's projected line, shared by validation and the build (cached).

    A ``Line`` is never modified once built, so one object can serve several runs.
    """
    spec = scenario.line
    assert spec.points is not None
    points = tuple((float(x), float(y)) for x, y in spec.points)
    return _cached_line(points, spec.crs, zone_buffer(spec.buffer))


# --- fleet geometry (shared with the build) ------------------------------------


@dataclass
class FleetGeometry:
    """A drone fleet's stations: chainage spans, paths, base, transit and reserve (s)."""

    spans: list[tuple[float, float]] = field(default_factory=list)
    base: np.ndarray | None = None
    paths: list[np.ndarray] = field(default_factory=list)
    t_out: list[float] = field(default_factory=list)
    reserve: list[float] = field(default_factory=list)


def station_spans(spec: DroneFleetSpec, length: float) -> tuple[list[tuple[float, float]], list]:
    """Chainage [from, to] of each station (m, clamped); and problems as (loc, message)."""
    stations = spec.patrol.stations or spec.count
    problems: list[Problem] = []
    lo, hi = spec.patrol.span if spec.patrol.span else (0.0, length)
    for k, value in enumerate((lo, hi)):
        if not within_line(value, length):
            problems.append((("patrol", "span", k), _outside(value, length)))
    lo, hi = clamp_chainage(lo, length), clamp_chainage(hi, length)
    if not problems and hi <= lo:
        problems.append(
            (("patrol", "span"), f"expected from < to; got [{km(lo)}, {km(hi)}]"),
        )
    if problems:
        return [], problems
    if spec.patrol.segments == "equal":
        edges = np.linspace(lo, hi, stations + 1)
        return [(float(a), float(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)], []
    spans = []
    for k, (a, b) in enumerate(spec.patrol.segments):
        if not (within_line(a, length) and within_line(b, length)):
            problems.append(
                (
                    ("patrol", "segments", k),
                    f"expected two chainages within 0..{km(length)}; got [{km(a)}, {km(b)}]",
                )
            )
            continue
        a, b = clamp_chainage(a, length), clamp_chainage(b, length)
        if a == b:
            problems.append(
                (("patrol", "segments", k), f"expected two different chainages; got {km(a)} twice")
            )
            continue
        spans.append((min(a, b), max(a, b)))
    return spans, problems


def fleet_geometry(spec: DroneFleetSpec, line: Line) -> tuple[FleetGeometry, list[Problem]]:
    """Stations, base, paths and transit times of a fleet; problems relative to the fleet."""
    geo = FleetGeometry()
    spans, problems = station_spans(spec, line.length)
    if problems:
        return geo, problems
    geo.spans = spans
    if isinstance(spec.base, BaseAtSpec):
        if not within_line(spec.base.at, line.length):
            return geo, [(("base", "at"), _outside(spec.base.at, line.length))]
        x, y = line.point_at(clamp_chainage(spec.base.at, line.length), spec.base.offset)
        geo.base = np.array([float(x), float(y)])
    elif spec.base is not None:
        if line.crs is not None:
            x, y = _to_metres(line.crs).transform(spec.base[0], spec.base[1])
            geo.base = np.array([float(x), float(y)])
        else:
            geo.base = np.array(spec.base, dtype=float)
        if not np.all(np.isfinite(geo.base)) or np.max(np.abs(geo.base)) > MAX_DISTANCE_M:
            return geo, [(("base",), f"cannot place the base at {list(spec.base)}")]
    for k, (a, b) in enumerate(spans):
        try:
            path = line.path(a, b, spec.patrol.standoff)
        except ValueError as exc:
            problems.append((("patrol", "standoff"), f"station {k + 1}: {exc}"))
            continue
        if geo.base is not None:
            if np.hypot(*(path[-1] - geo.base)) < np.hypot(*(path[0] - geo.base)):
                path = path[::-1].copy()
            geo.t_out.append(float(np.hypot(*(path[0] - geo.base))) / spec.speed)
            geo.reserve.append(float(np.max(np.hypot(*(path - geo.base).T))) / spec.speed)
        else:
            geo.t_out.append(0.0)
            geo.reserve.append(0.0)
        geo.paths.append(path)
    if problems:
        return geo, problems
    if geo.base is not None and spec.endurance is not None:
        need = max(o + r for o, r in zip(geo.t_out, geo.reserve, strict=True))
        if spec.endurance <= need:
            problems.append(
                (
                    ("endurance",),
                    f"{hours(spec.endurance)} leaves no time on station: from the base, "
                    f"the transit out and the return reserve take {hours(need)} "
                    f"at {spec.speed * 3.6:g} km/h",
                )
            )
    return geo, problems


def sensor_chainages(spec: GroundGroupSpec, length: float) -> tuple[np.ndarray, list[Problem]]:
    """Chainages (m) of a spaced ground group; problems relative to the group."""
    assert spec.spacing is not None
    lo, hi = spec.span if spec.span else (0.0, length)
    problems: list[Problem] = []
    for k, value in enumerate((lo, hi)):
        if not within_line(value, length):
            problems.append((("span", k), _outside(value, length)))
    if problems:
        return np.empty(0), problems
    lo, hi = clamp_chainage(lo, length), clamp_chainage(hi, length)
    if hi <= lo:
        return np.empty(0), [(("span",), f"expected from < to; got [{km(lo)}, {km(hi)}]")]
    count = sensor_count(spec, lo, hi)
    if count == 0:
        return np.empty(0), [
            (("spacing",), f"{km(spec.spacing)} places no sensor on a {km(hi - lo)} span")
        ]
    if count > MAX_LAYOUT:
        return np.empty(0), []  # refused by the resource check, which names the estimate
    return np.arange(lo + spec.spacing / 2.0, hi, spec.spacing), []


MAX_LAYOUT = 10_000_000  # never lay out more sensors than this, even to count them


def sensor_count(spec: GroundGroupSpec, lo: float, hi: float) -> int:
    """Number of sensors of a spaced group on [lo, hi] (first at spacing/2)."""
    assert spec.spacing is not None
    first = lo + spec.spacing / 2.0
    if first >= hi:
        return 0
    n = (hi - first) / spec.spacing
    return int(min(math.ceil(n), 1e18)) if math.isfinite(n) else 10**18


# --- coordinates ---------------------------------------------------------------


def lonlat_problem(point: tuple[float, float]) -> str | None:
    """Why ``[lon, lat]`` is not a coordinate (swapped, metres, out of range), or None."""
    lon, lat = point
    if -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0:
        return None
    if -90.0 <= lon <= 90.0 and -180.0 <= lat <= 180.0:
        return (
            f"latitude {lat:g} is outside [-90, 90]; coordinates are [lon, lat] "
            f"(longitude first): did you mean [{lat:g}, {lon:g}]?"
        )
    if abs(lon) > 360.0 or abs(lat) > 360.0:
        return (
            f"[{lon:g}, {lat:g}] is not a [lon, lat] in degrees (lon in [-180, 180], "
            "lat in [-90, 90]); for coordinates in metres set line.crs: local"
        )
    return f"[{lon:g}, {lat:g}] is outside lon [-180, 180] x lat [-90, 90]"


def _self_crossing(line: Line) -> float | None:
    """Chainage (m) where the line first crosses itself, or None if it is simple."""
    if line.geometry.is_simple:
        return None
    v = line.vertices
    segments = shapely.linestrings(np.stack([v[:-1], v[1:]], axis=1))
    tree = shapely.STRtree(segments)
    i, j = tree.query(segments, predicate="intersects")
    n = len(segments)
    closed = bool(np.all(v[0] == v[-1]))
    apart = np.abs(i - j) > 1
    if closed:
        apart &= ~(((i == 0) & (j == n - 1)) | ((i == n - 1) & (j == 0)))
    if not np.any(apart):
        # overlapping collinear neighbours (a path that doubles back on itself)
        return float(line.chainage[0])
    later = np.maximum(i[apart], j[apart])
    earlier = np.minimum(i[apart], j[apart])
    k = int(np.argmin(later))
    point = shapely.intersection(segments[earlier[k]], segments[later[k]])
    start = v[later[k]]
    nearest = shapely.get_coordinates(point)
    if len(nearest) == 0:
        return float(line.chainage[later[k]])
    along = np.min(np.hypot(*(nearest - start).T))
    return float(line.chainage[later[k]] + along)


def project_line(scenario: Scenario) -> tuple[Line | None, list[Problem]]:
    """Check the line's coordinates and project it; ``(None, problems)`` if it cannot be."""
    spec = scenario.line
    assert spec.points is not None
    problems: list[Problem] = []
    if spec.crs == "lonlat":
        for k, point in enumerate(spec.points):
            why = lonlat_problem(point)
            if why:
                problems.append((("line", "points", k), why))
    else:
        for k, point in enumerate(spec.points):
            if not all(abs(c) <= MAX_DISTANCE_M for c in point):
                problems.append(
                    (
                        ("line", "points", k),
                        f"expected local coordinates within ±40000 km; got {list(point)}",
                    )
                )
    if problems:
        return None, problems
    try:
        line = scenario_line(scenario)
    except GEOMETRY_ERRORS as exc:
        return None, [(("line", "points"), f"cannot build the line: {exc}")]
    if not (np.all(np.isfinite(line.vertices)) and math.isfinite(line.length)):
        return None, [(("line", "points"), "the points cannot be projected to finite metres")]
    # a zone holding a pole has no lon/lat outline (a line across the antimeridian is fine)
    pole = zone_pole_problem(line)
    if pole:
        return None, [(("line", "points"), pole.removeprefix("line.points: "))]
    crossing = _self_crossing(line)
    if crossing is not None:
        problems.append(
            (
                ("line", "points"),
                f"the line crosses itself (near chainage {km(crossing)}); "
                "a ceasefire line must be a simple path",
            )
        )
    if line.zone.is_empty or not line.zone.is_valid:
        left, right = spec.sides
        size = km(left) if left == right else f"{km(left)} left and {km(right)} right"
        problems.append((("line", "buffer"), f"a buffer of {size} gives no zone"))
    return line, problems
