"""The geometry and cross-field checks of a validated Scenario, all in one pass.

``check_scenario`` runs after the schema (pydantic) and before anything of the
engine is built: it projects the line and checks every chainage, coordinate,
patrol path, base, replay row and resource estimate against it, collecting every
problem as ``(loc, message)`` with ``loc`` a YAML location tuple. Whatever it
accepts, the build runs without refusing.

Chainages given by the user may exceed the line by a small tolerance,
``max(CHAINAGE_TOL_M, CHAINAGE_TOL_REL x length)`` (1 m, or 1 mm per km), and are
clamped to the line: a span ``[800km, 1200km]`` on a line that measures
1,199,999.8 m is the whole last 400 km.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from pyproj.exceptions import ProjError
from shapely.errors import ShapelyError

from sim.core.distributions import Distribution
from sim.core.errors import plural
from sim.core.geo import WGS84, Line, zone_pole_problem
from sim.core.units import MAX_DISTANCE_M, hours, km
from sim.spec.scenario import (
    AlongSpec,
    BaseAtSpec,
    DroneFleetSpec,
    GroundGroupSpec,
    Scenario,
    VerificationSpec,
)

CHAINAGE_TOL_M = 1.0
CHAINAGE_TOL_REL = 1e-6
MAX_REPLAY_BYTES = 300e6  # a replay CSV larger than this is refused before it is read
REPLAY_FAR_BUFFERS = 2.0  # a replayed point farther than this many buffers is refused
MAX_DURATION_S = 100 * 365.25 * 86400.0  # a hard bound: beyond it, times lose meaning

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


def _within(value: float, length: float) -> bool:
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
def _cached_line(points: tuple[tuple[float, float], ...], crs: str, buffer: float) -> Line:
    return Line.from_points(list(points), crs, buffer)


def scenario_line(scenario: Scenario) -> Line:
    """The scenario's projected line, shared by validation and the build (cached).

    A ``Line`` is never modified once built, so one object can serve several runs.
    """
    spec = scenario.line
    assert spec.points is not None
    points = tuple((float(x), float(y)) for x, y in spec.points)
    return _cached_line(points, spec.crs, float(spec.buffer))


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
        if not _within(value, length):
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
        if not (_within(a, length) and _within(b, length)):
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
        if not _within(spec.base.at, line.length):
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
        if not _within(value, length):
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


MIN_HOTSPOT_MASS = 1e-3  # below this, redrawing a hotspot's draws onto the line never ends


def hotspot_mass(at: float, spread: float, length: float) -> float:
    """Probability that a normal(at, spread) draw falls on [0, length]."""
    z = math.sqrt(2.0) * spread
    return 0.5 * (math.erf((length - at) / z) - math.erf(-at / z))


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


# --- the pass --------------------------------------------------------------------


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
        problems.append((("line", "buffer"), f"a buffer of {km(spec.buffer)} gives no zone"))
    return line, problems


def check_scenario(scenario: Scenario) -> list[Problem]:
    """Every geometry, cross-field and resource problem of a validated scenario."""
    from sim.spec.limits import check_limits

    problems: list[Problem] = []
    if scenario.duration > MAX_DURATION_S:
        problems.append(
            (
                ("duration",),
                f"expected at most 100 years; got {scenario.duration / 86400 / 365.25:.3g} years",
            )
        )
        return problems
    problems += _check_distributions(scenario)
    if problems:
        return problems
    problems += _check_verification(scenario)
    try:
        line, line_problems = project_line(scenario)
    except GEOMETRY_ERRORS as exc:
        return problems + [(("line", "points"), f"cannot build the line: {exc}")]
    problems += line_problems
    if line is None:
        return problems
    along = scenario.violations.along
    if isinstance(along, AlongSpec):
        for k, hotspot in enumerate(along.hotspots):
            if not _within(hotspot.at, line.length):
                problems.append(
                    (
                        ("violations", "along", "hotspots", k, "at"),
                        f"chainage {km(hotspot.at)} is beyond the line's length "
                        f"({km(line.length)})",
                    )
                )
                continue
            on_line = hotspot_mass(min(hotspot.at, line.length), hotspot.spread, line.length)
            if on_line < MIN_HOTSPOT_MASS:
                problems.append(
                    (
                        ("violations", "along", "hotspots", k, "spread"),
                        f"a spread of {km(hotspot.spread)} puts a fraction {on_line:.3g} of "
                        f"the hotspot on the {km(line.length)} line; expected at least "
                        f"{MIN_HOTSPOT_MASS:g} (draws off the line are redrawn)",
                    )
                )
    geometries: list[FleetGeometry | None] = []
    for i, fleet in enumerate(scenario.drones):
        stations = fleet.patrol.stations or fleet.count
        if stations > MAX_LAYOUT:
            key = "stations" if fleet.patrol.stations else "count"
            where = ("drones", i, "patrol", key) if key == "stations" else ("drones", i, key)
            problems.append(
                (where, f"expected at most {MAX_LAYOUT:.0e} stations; got {stations:.3g}")
            )
            geometries.append(None)
            continue
        if isinstance(fleet.base, tuple) and line.is_geographic:
            why = lonlat_problem(fleet.base)
            if why:
                problems.append((("drones", i, "base"), why))
                geometries.append(None)
                continue
        try:
            geo, found = fleet_geometry(fleet, line)
        except GEOMETRY_ERRORS as exc:
            geo, found = FleetGeometry(), [((), f"cannot place the fleet: {exc}")]
        problems += [(("drones", i, *loc), message) for loc, message in found]
        geometries.append(None if found else geo)
    for i, group in enumerate(scenario.ground_sensors):
        if group.positions is not None:
            for k, point in enumerate(group.positions):
                if line.is_geographic:
                    why = lonlat_problem(point)
                elif not all(abs(c) <= MAX_DISTANCE_M for c in point):
                    why = f"expected local coordinates within ±40000 km; got {list(point)}"
                else:
                    why = None
                if why:
                    problems.append((("ground_sensors", i, "positions", k), why))
            continue
        _, found = sensor_chainages(group, line.length)
        problems += [(("ground_sensors", i, *loc), message) for loc, message in found]
    if scenario.violations.file is not None:
        problems += _check_replay(scenario, line)
    if not problems:
        problems += check_limits(scenario, line, geometries)
    return problems


def _log_mean(dist: Distribution) -> float:
    """Natural log of a distribution's mean (no overflow: lognormal sigma may be large)."""
    if dist.kind == "lognormal":
        return math.log(dist.a) + 0.5 * dist.b**2 if dist.a > 0 else -math.inf
    mean = dist.mean
    return math.log(mean) if mean > 0 else -math.inf


def _check_distributions(scenario: Scenario) -> list[Problem]:
    """Durations drawn from distributions must have a mean of at most 100 years."""
    found: list[tuple[Loc, Distribution]] = [
        (("violations", "duration"), scenario.violations.duration)
    ]
    for section in ("drones", "ground_sensors", "satellites"):
        for i, asset in enumerate(getattr(scenario, section)):
            found.append(((section, i, "report_latency"), asset.report_latency))
    problems: list[Problem] = []
    for loc, dist in found:
        if _log_mean(dist) > math.log(MAX_DURATION_S):
            problems.append(
                (loc, "expected a mean of at most 100 years; this distribution's mean is larger")
            )
    return problems


def _check_verification(scenario: Scenario) -> list[Problem]:
    """Verification cannot need more distinct modalities than the assets have."""
    need = scenario.reporting.verification.modalities
    have = scenario.modalities
    default = VerificationSpec.model_fields["modalities"].default
    # The default (2) is kept for one-modality scenarios, so that resolved scenarios
    # run again as written; without assets nothing is detected anyway.
    if need <= max(len(have), default) or not have:
        return []
    return [
        (
            ("reporting", "verification", "modalities"),
            f"verification needs {need} distinct modalities, but the assets have "
            f"{len(have)} ({', '.join(have)}): no violation could ever be verified; "
            f"set reporting.verification.modalities to at most {len(have)}",
        )
    ]


def scenario_warnings(scenario: Scenario) -> list[str]:
    """What a valid scenario cannot answer, said before it runs (the run goes ahead).

    A one-modality scenario keeps the default verification rule (2 modalities), so
    its resolved file runs again as written; the user is told that nothing can be
    verified rather than finding verified.probability at 0 afterwards.
    """
    warnings = []
    need = scenario.reporting.verification.modalities
    have = scenario.modalities
    if not have:
        warnings.append(
            "the scenario has no drones, ground sensors or satellites: no violation can be detected"
        )
    elif need > len(have):
        warnings.append(
            "reporting.verification.modalities: verification needs "
            f"{plural(need, 'modality', 'modalities')} and the assets have {len(have)} "
            f"({', '.join(have)}): no violation can be verified (verified.probability "
            "will be 0); set it to 1 to count one modality's reports as verification"
        )
    return warnings


def _check_replay(scenario: Scenario, line: Line) -> list[Problem]:
    """Replay rows: parse them, and refuse points far outside the zone."""
    from sim.spec.limits import BOUNDS, refusal
    from sim.world.violations import parse_replay

    loc = ("violations", "file")
    assert scenario.violations.file is not None
    size = Path(scenario.violations.file).stat().st_size
    if size > MAX_REPLAY_BYTES and not scenario.limits.unbounded:
        return [
            (
                loc,
                f"the file holds {size / 1e6:.3g} MB; expected at most "
                f"{MAX_REPLAY_BYTES / 1e6:.0f} MB (about 2e6 violations) — "
                "replay fewer violations, or set limits.unbounded: true",
            )
        ]
    rows, problems = parse_replay(scenario, line)
    out: list[Problem] = [(loc, message) for message in problems]
    if out or rows is None:
        return out
    if len(rows.ids) > BOUNDS["violations"].maximum and not scenario.limits.unbounded:
        return [
            (loc, f"{rows.name} gives " + refusal("", len(rows.ids), "violations", "replay fewer"))
        ]
    far = REPLAY_FAR_BUFFERS * line.buffer
    try:
        _, offset = line.locate(rows.x, rows.y)
    except GEOMETRY_ERRORS as exc:
        return [(loc, f"cannot place the replayed points: {exc}")]
    distance = np.where(np.isfinite(offset), np.abs(offset), np.inf)
    bad = np.flatnonzero(distance > far)
    for k in bad[:10]:
        out.append(
            (
                loc,
                f"{rows.name} line {int(rows.lines[k])}: the point is {km(float(distance[k]))} "
                f"from the line, more than {REPLAY_FAR_BUFFERS:g} x the buffer "
                f"({km(line.buffer)}); are x/y or lon/lat swapped?",
            )
        )
    if len(bad) > 10:
        out.append((loc, f"... and {len(bad) - 10} more point(s) far from the line"))
    return out
