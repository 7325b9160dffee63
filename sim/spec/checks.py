"""The one validation pass over a Scenario the schema accepted: geometry, cross-field, work.

``check_scenario`` runs after the schema (pydantic) and before anything of the
engine is built: it projects the line and checks every chainage, coordinate,
patrol path, base, replay row and resource estimate against it
(``sim.spec.geometry``, ``sim.spec.replay``, ``sim.spec.limits``), collecting every
problem as ``(loc, message)`` with ``loc`` a YAML location tuple. Whatever it
accepts, the build runs without refusing.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from sim.core.distributions import Distribution
from sim.core.errors import close_match, plural
from sim.core.geo import Line
from sim.core.units import MAX_DISTANCE_M, km
from sim.spec.cueing import cueing_problems
from sim.spec.geometry import (
    GEOMETRY_ERRORS,
    MAX_LAYOUT,
    FleetGeometry,
    Loc,
    Problem,
    fleet_geometry,
    lonlat_problem,
    project_line,
    sensor_chainages,
    within_line,
)
from sim.spec.jamming import jamming_problems
from sim.spec.limits import BOUNDS, check_limits, refusal
from sim.spec.replay import parse_replay
from sim.spec.scenario import AlongSpec, Scenario, VerificationSpec

MAX_REPLAY_BYTES = 300e6  # a replay CSV larger than this is refused before it is read
REPLAY_FAR_BUFFERS = 2.0  # a replayed point farther than this many buffers is refused
MAX_DURATION_S = 100 * 365.25 * 86400.0  # a hard bound: beyond it, times lose meaning
MIN_HOTSPOT_MASS = 1e-3  # below this, redrawing a hotspot's draws onto the line never ends


def hotspot_mass(at: float, spread: float, length: float) -> float:
    """Probability that a normal(at, spread) draw falls on [0, length]."""
    z = math.sqrt(2.0) * spread
    return 0.5 * (math.erf((length - at) / z) - math.erf(-at / z))


def check_scenario(scenario: Scenario) -> list[Problem]:
    """Every geometry, cross-field and resource problem of a validated scenario."""
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
    problems += _check_environment(scenario)
    problems += _check_satellite_names(scenario)
    problems += cueing_problems(scenario)
    try:
        line, line_problems = project_line(scenario)
    except GEOMETRY_ERRORS as exc:
        return problems + [(("line", "points"), f"cannot build the line: {exc}")]
    problems += line_problems
    if line is None:
        return problems
    if scenario.environment is not None and scenario.environment.jamming:
        problems += jamming_problems(scenario.environment.jamming, line)
    along = scenario.violations.along
    if isinstance(along, AlongSpec):
        for k, hotspot in enumerate(along.hotspots):
            if not within_line(hotspot.at, line.length):
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
    for name, (lo, _) in (scenario.line.sectors or {}).items():
        if not within_line(lo, line.length):
            problems.append(
                (
                    ("line", "sectors", name),
                    f"sector '{name}' starts at chainage {km(lo)}, beyond the line's length "
                    f"({km(line.length)})",
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
    for k, area in enumerate(scenario.environment.jamming if scenario.environment else ()):
        found.append((("environment", "jamming", k, "report_delay"), area.report_delay))
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


def _check_environment(scenario: Scenario) -> list[Problem]:
    """Daylight and orbits need to know where the line is on Earth: a lon/lat line."""
    if scenario.line.crs == "lonlat":
        return []
    problems: list[Problem] = []
    env = scenario.environment
    if env is not None and env.daylight is not None:
        problems.append(
            (
                ("environment", "daylight"),
                "daylight needs a line in lon/lat (line.crs: lonlat) to place the sun; "
                "this line is in local metres: set environment.daylight: null",
            )
        )
    problems += [
        (
            ("satellites", i, "orbit"),
            "an orbit needs a line in lon/lat (line.crs: lonlat) to place its ground track; "
            "this line is in local metres: use a schedule",
        )
        for i, s in enumerate(scenario.satellites)
        if s.orbit is not None
    ]
    return problems


def _check_satellite_names(scenario: Scenario) -> list[Problem]:
    """A Walker or TLE entry names its satellites <name>-<k>: no other asset may be so named."""
    names = {
        a.name: (section, i)
        for section in ("drones", "ground_sensors", "satellites")
        for i, a in enumerate(getattr(scenario, section))
    }
    problems: list[Problem] = []
    for i, s in enumerate(scenario.satellites):
        if s.orbit is None or s.orbit.walker is None and s.orbit.tle is None:
            continue  # one satellite named as its entry
        n = s.satellite_count
        named = f"named {s.name}-1" if n == 1 else f"{n} named {s.name}-1..{s.name}-{n}"
        for k in range(1, n + 1):
            other = names.get(f"{s.name}-{k}")
            if other is not None:
                problems.append(
                    (
                        (other[0], other[1], "name"),
                        f"'{s.name}-{k}' is also a satellite of satellites[{i}] ({named})",
                    )
                )
    return problems


def scenario_warnings(scenario: Scenario) -> list[str]:
    """What a valid scenario cannot answer, said before it runs (the run goes ahead).

    A one-modality scenario keeps the default verification rule (2 modalities), so
    its resolved file runs again as written; the user is told that nothing can be
    verified rather than finding verified.probability at 0 afterwards. A
    ``cueing_baseline`` set without ``cueing`` is ignored, and said so.
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
    if not scenario.cueing and "cueing_baseline" in scenario.model_fields_set:
        warnings.append(
            "cueing_baseline: the scenario has no cueing, so there is no uncued "
            "counterpart to run (the key is ignored)"
        )
    warnings += _stale_element_sets(scenario)
    return warnings


STALE_TLE_DAYS = 30  # SGP4's error from a TLE grows by ~1-3 km a day from its epoch


def _stale_element_sets(scenario: Scenario) -> list[str]:
    """TLE sets whose epoch is far from the run: their ground tracks are off by many km."""
    out = []
    for i, sat in enumerate(scenario.satellites):
        if sat.orbit is None or sat.orbit.tle is None:
            continue
        for k, epoch in enumerate(sat.orbit.epochs()):
            far = max(
                abs((epoch - scenario.start).total_seconds()),
                abs((scenario.start - epoch).total_seconds() + scenario.duration),
            )
            if far > STALE_TLE_DAYS * 86400.0:
                out.append(
                    f"satellites[{i}].orbit.tle: element set {k + 1} ({sat.name}-{k + 1}) has "
                    f"its epoch on {epoch:%Y-%m-%d}, up to {far / 86400.0:.0f} days from the run; "
                    "SGP4's error grows by about 1-3 km a day from the epoch: use element "
                    "sets from within a few days of the start"
                )
    return out


def _check_replay(scenario: Scenario, line: Line) -> list[Problem]:
    """Replay rows: parse them, and refuse points far outside the zone."""
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
    far = REPLAY_FAR_BUFFERS * line.reach  # the wider side of an asymmetric zone
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
                f"({km(line.reach)}{'' if line.symmetric else ', its wider side'}); "
                "are x/y or lon/lat swapped?",
            )
        )
    if len(bad) > 10:
        out.append((loc, f"... and {len(bad) - 10} more point(s) far from the line"))
    return out


def check_modalities(scenario: Scenario) -> list[Problem]:
    """Signatures may only name modalities some asset has (a typo would weigh nothing)."""
    known = scenario.modalities
    problems: list[Problem] = []
    for type_name, spec in scenario.violations.types.items():
        for modality in spec.signature:
            if modality not in known:
                problems.append(
                    (
                        ("violations", "types", type_name, "signature", modality),
                        f"no asset has modality '{modality}'{close_match(modality, known)}; "
                        f"modalities in this scenario: {', '.join(known) or 'none'}",
                    )
                )
    return problems
