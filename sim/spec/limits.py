"""Resource bounds: estimate a run's work before building it, refuse what cannot finish.

Each estimate is a count the run's memory or time grows with; each bound is what a
2-core, 24 GB machine finishes in minutes (the benchmark scenario, 30 days on
1,200 km with 60 drones, 600 sensors and 30,000 violations, is far below every
bound). A scenario with ``limits: {unbounded: true}`` skips these bounds, but not
the hard tier (``HARD_MAXIMUM``, ``HARD_BOUNDS``): work no machine finishes, or that
numpy cannot represent, is refused even then.

Estimates (T duration s, v speed m/s, R sensor range m, c cell m; 2 buffer is the
zone's width, left + right for an asymmetric zone):

- violations: rate x T, times the candidates per kept violation of diurnal thinning
  (or the replay's rows; their durations for the active time);
- line cells: length / c; zone cells: the zone's area / c^2, and the grid over
  the zone's bounding box (which is laid out before cells are kept);
- assets: drone airframes (count + spares) and ground sensors;
- events: sorties (stations x T / time on station), sensor failures
  (sensors x T / (mtbf + mttr)), satellite images (T / every, or 2 T / period an orbit);
- detection trials: violations x mean active time x looks per second (v / station
  length for a patrol, 1 / glimpse);
- false alarms: rate x stations (or sensors) x T, per image x images;
- coverage windows: drones stations x T x v x (1/c + W/c^2) (a patrol sweeps a
  band W = min(2R, 2 buffer) wide); ground sensors x up-periods x
  (min(pi R^2, 4 R buffer)/c^2 + 2R/c); satellites images x cells (x the swath's share).
- the adversary's planning run (awareness a > 0, K candidates): K candidates drawn for
  every violation (``candidates``); the a x violations x K of the aware ones solved
  against the known monitoring, which adds a x K x the known drones' and ground
  sensors' trials to the trials, and their sorties and the known satellites' images
  to the events;
- cueing: CUE_PIECES plan pieces per cue (out, loiter, back, resume, home), the cues
  at most the violations and at most the cueing groups' expected detections (their
  looks x pd: the trials above for drones and ground sensors, violations x mean
  active time x images / T for satellites), added to the events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.core.geo import Line
from sim.core.solar_time import hour_factors
from sim.core.units import days, km
from sim.spec.geometry import FleetGeometry, Problem, sensor_count
from sim.spec.replay import read_rows
from sim.spec.scenario import SatelliteSpec, Scenario

OVERRIDE = "set limits.unbounded: true"


@dataclass(frozen=True)
class Bound:
    """A bound on one estimate: its maximum and what one unit costs (for the message)."""

    maximum: float
    unit: str
    bytes_each: float = 0.0


BOUNDS = {
    "violations": Bound(2e6, "violations", 1_000.0),
    "line_cells": Bound(1e5, "line cells", 36_000.0),  # a 720-bin space-time raster each
    "zone_cells": Bound(2e6, "zone cells", 2_000.0),
    "zone_grid": Bound(5e7, "grid points in the zone's bounding box", 40.0),
    "airframes": Bound(2_000, "drone airframes"),
    "sensors": Bound(50_000, "ground sensors"),
    "events": Bound(1e7, "simulation events"),
    "windows": Bound(5e9, "coverage windows"),
    "false_alarms": Bound(5e6, "false alarms", 500.0),
    "trials": Bound(2e9, "detection trials"),
    "cloud_spells": Bound(5e6, "cloud spells", 200.0),  # a clouds.csv row each
    # 5 floats drawn for each (80 B with the draws' temporaries), and for an aware
    # violation's a row of the planning run's violations and solver (~120 B more)
    "candidates": Bound(5e7, "adversary candidates", 200.0),
}

CUE_PIECES = 5.0  # plan pieces a cue adds: out, loiter, back, the patrol resumed, home


# The hard tier: what even ``limits.unbounded`` cannot lift, because no machine finishes
# it or numpy cannot represent it. About 1e12 items of any kind (at a few bytes each,
# terabytes; at a microsecond each, weeks), which also keeps every Poisson mean drawn
# (violations rate x T, false alarms of one asset or one image) far below numpy's
# largest (~9.2e18, "lam value too large"). Assets are laid out one by one: at most
# MAX_LAYOUT of them (the ground layout stops there, sim.spec.geometry).
HARD_MAXIMUM = 1e12
HARD_BOUNDS = {"airframes": 1e7, "sensors": 1e7}
HARD_NOTE = "even with limits.unbounded (no machine finishes this)"


def hard_maximum(name: str) -> float:
    """The bound on estimate ``name`` that ``limits.unbounded`` does not lift."""
    return HARD_BOUNDS.get(name, HARD_MAXIMUM)


def _size(count: float, bound: Bound) -> str:
    """Memory of ``count`` items, for a message: ' (~90 GB)'."""
    if not bound.bytes_each:
        return ""
    total = count * bound.bytes_each
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if total >= scale:
            return f" (~{total / scale:.3g} {unit})"
    return ""


def refusal(key: str, count: float, bound_name: str, advice: str, hard: bool = False) -> str:
    """The message of an estimate over its bound, naming the estimate and the way out.

    ``hard``: the bound of the hard tier (``limits.unbounded`` is set and does not lift it).
    """
    bound = BOUNDS[bound_name]
    maximum = hard_maximum(bound_name) if hard else bound.maximum
    shown = f"{count:.3g}"
    if float(shown) <= maximum:  # rounding must not hide why it is refused
        shown = f"{count:.7g}"
    way_out = f"{HARD_NOTE} — {advice}" if hard else f"— {advice}, or {OVERRIDE}"
    return f"{shown} {bound.unit}{_size(count, bound)}; expected at most {maximum:.3g} {way_out}"


EARTH_CIRCUMFERENCE = 40_075e3  # m, equatorial


def _images(satellite: SatelliteSpec, horizon: float) -> float:
    """Images a satellite entry takes over ``horizon`` s: scheduled, or two passes an orbit."""
    if satellite.schedule is not None:
        return horizon / satellite.schedule.every + 1.0
    assert satellite.orbit is not None
    return sum(2.0 * horizon / period + 1.0 for period in satellite.orbit.periods())


def _cell_share(satellite: SatelliteSpec) -> float:
    """The share of a satellite's images that reach one cell (1: a whole-zone image).

    A strip ``w`` wide (or a steerable one within its reach) sweeps a parallel at
    latitude phi on ~ w / (circumference cos phi) of its passes; cos phi >= 0.3
    (up to 72 deg) bounds it from above.
    """
    if satellite.swath is None:
        return 1.0
    width = max(satellite.swath, 2.0 * (satellite.off_nadir_reach or 0.0))
    return min(1.0, width / (0.3 * EARTH_CIRCUMFERENCE))


def _image_key(scenario: Scenario, i: int) -> tuple[Any, ...]:
    """The YAML path that sets satellite ``i``'s number of images."""
    if scenario.satellites[i].schedule is not None:
        return ("satellites", i, "schedule", "every")
    return ("satellites", i, "orbit")


def candidate_factor(scenario: Scenario) -> float:
    """Violations drawn per violation kept: with diurnal profiles, the thinning's candidates.

    Type k draws ``rate_k max_h f_h T`` candidates (docs/model.md, section 3); without
    profiles the factor is 1.
    """
    spec = scenario.violations
    total = sum(t.weight for t in spec.types.values())
    factor = 0.0
    for kind in spec.types.values():
        weights = kind.diurnal or spec.diurnal
        peak = 1.0 if weights is None else float(hour_factors(weights).max())
        factor += kind.weight / total * peak
    return factor if spec.by_type else 1.0


def estimate(scenario: Scenario, line: Line, geometries: list[FleetGeometry | None]) -> dict:
    """The work estimates of a scenario, with the location that drives each."""
    horizon = scenario.duration
    cell = scenario.line.cell
    out: dict[str, Any] = {}
    # violations and their mean active time (s): the generator's settings, or the
    # replay file's rows (their count and durations)
    active = 0.0
    if scenario.violations.rate is not None:
        out["violations"] = scenario.violations.rate * horizon * candidate_factor(scenario)
        active = scenario.violations.duration.mean
    elif scenario.violations.file is not None:
        count, active = _replay_work(scenario)
        out["violations"] = float(count)
    out["active_s"] = active
    out["line_cells"] = line.length / cell
    xmin, ymin, xmax, ymax = line.zone.bounds
    out["zone_grid"] = (math.ceil((xmax - xmin) / cell) + 1) * (math.ceil((ymax - ymin) / cell) + 1)
    out["zone_cells"] = line.zone.area / cell**2
    cells = out["line_cells"] + out["zone_cells"]
    drone_windows, sorties, airframes = [], [], 0
    for fleet, geo in zip(scenario.drones, geometries, strict=True):
        stations = fleet.patrol.stations or fleet.count
        airframes += fleet.count + fleet.spares
        reach = fleet.sensor.range
        band = min(2.0 * reach, line.width)  # the zone cells a pass sweeps are this wide
        drone_windows.append(stations * horizon * fleet.speed * (1.0 / cell + band / cell**2))
        if fleet.endurance is not None and geo is not None and geo.t_out:
            on_station = min(
                fleet.endurance - o - r for o, r in zip(geo.t_out, geo.reserve, strict=True)
            )
            sorties.append(stations * (horizon / max(on_station, 1e-9) + 1.0))
        else:
            sorties.append(float(stations))
    out["airframes"] = airframes
    sensors = []
    ground_windows = []
    failures = []
    for group in scenario.ground_sensors:
        if group.positions is not None:
            n = float(len(group.positions))
        else:
            lo, hi = group.span if group.span else (0.0, line.length)
            n = float(sensor_count(group, max(lo, 0.0), min(hi, line.length)))
        sensors.append(n)
        periods = 1.0
        if group.mtbf is not None:
            periods += horizon / (group.mtbf + group.mttr)
        failures.append(n * periods)
        reach = group.sensor.range
        disc = min(math.pi * reach**2, 2.0 * reach * line.width)  # the disc's part in the zone
        ground_windows.append(n * periods * (disc / cell**2 + 2 * reach / cell + 1))
    out["sensors"] = sum(sensors)
    images = [_images(s, horizon) for s in scenario.satellites]
    out["events"] = sum(sorties) + sum(failures) + sum(images)
    alarms = [
        (f.false_alarm_rate * (f.patrol.stations or f.count) * horizon, ("drones", i))
        for i, f in enumerate(scenario.drones)
    ]
    alarms += [
        (g.false_alarm_rate * n * horizon, ("ground_sensors", i))
        for i, (g, n) in enumerate(zip(scenario.ground_sensors, sensors, strict=True))
    ]
    alarms += [
        (s.false_alarms_per_image * k, ("satellites", i))
        for i, (s, k) in enumerate(zip(scenario.satellites, images, strict=True))
    ]
    out["false_alarms"] = sum(a for a, _ in alarms)
    # detection trials: per violation, its mean active time x the looks per second of
    # the assets over it (patrol passes v / L of one station; glimpses 1 / glimpse)
    n_violations = out.get("violations", 0.0)
    trials = []
    for i, fleet in enumerate(scenario.drones):
        stations = fleet.patrol.stations or fleet.count
        station = max(line.length / stations, 2.0 * fleet.sensor.range)
        looks = fleet.speed / station + (1.0 / fleet.sensor.glimpse if fleet.sensor.glimpse else 0)
        key = ("sensor", "glimpse") if fleet.sensor.glimpse else ("speed",)
        trials.append((n_violations * active * looks, ("drones", i, *key)))
    overs = []  # per ground group, its sensors over a point
    for i, (group, n) in enumerate(zip(scenario.ground_sensors, sensors, strict=True)):
        spacing = group.spacing or line.length / max(n, 1.0)
        over = min(n, max(1.0, 2.0 * group.sensor.range / spacing))
        overs.append(over)
        if group.sensor.glimpse:
            trials.append(
                (
                    n_violations * active * over / group.sensor.glimpse,
                    ("ground_sensors", i, "sensor", "glimpse"),
                )
            )
    cue_pieces = _cue_pieces(scenario, n_violations, active, trials, overs, images)
    planning_events = 0.0
    side = scenario.violations.adversary
    out["candidates"] = 0.0
    if side is not None and side.awareness > 0:
        out["candidates"] = n_violations * side.candidates
        known = sum(t for t, _ in trials) if "coverage" in side.knows else 0.0
        where = ("violations", "adversary", "candidates")
        trials.append((side.awareness * side.candidates * known, where))
        planning_events = sum(sorties) if "coverage" in side.knows else 0.0
        planning_events += sum(images) if "schedule" in side.knows else 0.0
    out["events"] += planning_events + cue_pieces
    out["trials"] = sum(t for t, _ in trials)
    out["cloud_spells"] = _cloud_spells(scenario, line.length)
    out["windows"] = (
        sum(drone_windows)
        + sum(ground_windows)
        + sum(k * _cell_share(s) for s, k in zip(scenario.satellites, images, strict=True)) * cells
    )
    out["_parts"] = {
        "drones": drone_windows,
        "sorties": sorties,
        "ground": ground_windows,
        "failures": failures,
        "images": images,
        "sensors": sensors,
        "alarms": alarms,
        "trials": trials,
        "planning_events": planning_events,
        "cue_pieces": cue_pieces,
    }
    return out


def _cue_pieces(
    scenario: Scenario,
    n_violations: float,
    active: float,
    trials: list[tuple[float, tuple[Any, ...]]],
    overs: list[float],
    images: list[float],
) -> float:
    """The plan pieces cues add: CUE_PIECES per cue, cues bounded as the module says.

    ``trials`` are the drones' (one each, in order) then the ground groups' with a
    glimpse; a ground group without one looks once per pass of a violation over it
    (``overs``: its sensors over a point, per violation).
    """
    if not scenario.cueing:
        return 0.0
    sources = {name for rule in scenario.cueing for name in rule.from_}
    looks: dict[str, float] = {}
    for fleet, (value, _) in zip(scenario.drones, trials, strict=False):
        looks[fleet.name] = value * fleet.sensor.pd
    glimpsed = {where[1]: value for value, where in trials if where[0] == "ground_sensors"}
    for i, (group, over) in enumerate(zip(scenario.ground_sensors, overs, strict=True)):
        looks[group.name] = glimpsed.get(i, n_violations * over) * group.sensor.pd
    horizon = max(scenario.duration, 1e-9)
    for satellite, k in zip(scenario.satellites, images, strict=True):
        looks[satellite.name] = n_violations * active * k / horizon * satellite.pd
    cues = min(n_violations, sum(v for name, v in looks.items() if name in sources))
    return CUE_PIECES * cues


def _cloud_spells(scenario: Scenario, length: float) -> float:
    """Expected clear and overcast spells of the run's sky (0 without clouds).

    Per region, T over the mean spell (the mean of clear and overcast, or ``spell``),
    plus the one a region starts in; regions of ``clouds.cell`` along the line.
    """
    env = scenario.environment
    if env is None or env.clouds is None:
        return 0.0
    c = env.clouds
    regions = math.ceil(length / c.cell) if c.cell is not None else 1
    if c.clear is not None and c.overcast is not None:
        mean = (c.clear + c.overcast) / 2.0
    else:
        mean = c.spell or math.inf
    return max(regions, 1) * (scenario.duration / mean + 1.0)


def _replay_work(scenario: Scenario) -> tuple[int, float]:
    """The replay file's row count and mean ``duration_s`` (s); (0, 0) if unreadable.

    Called once the file's rows have been checked (sim.spec.checks refuses a file with
    problems, with them), so only the two figures are read, not the rows parsed again.
    """
    assert scenario.violations.file is not None
    try:
        header, rows = read_rows(Path(scenario.violations.file))
        column = header.index("duration_s")
        durations = [float(row[column]) for _, row in rows]
    except (ValueError, IndexError):
        return 0, 0.0
    return len(durations), (math.fsum(durations) / len(durations) if durations else 0.0)


def check_limits(
    scenario: Scenario, line: Line, geometries: list[FleetGeometry | None]
) -> list[Problem]:
    """Problems for each estimate over its bound.

    With ``limits.unbounded`` the estimates are held to the hard tier instead
    (``hard_maximum``): whatever validation accepts, a run must be able to finish.
    """
    hard = scenario.limits.unbounded
    est = estimate(scenario, line, geometries)
    parts = est["_parts"]
    problems: list[Problem] = []

    def over(name: str, value: float | None = None) -> bool:
        value = est[name] if value is None else value
        maximum = hard_maximum(name) if hard else BOUNDS[name].maximum
        return not value <= maximum  # NaN counts as over

    def refuse(key: str, count: float, bound_name: str, advice: str) -> str:
        return refusal(key, count, bound_name, advice, hard)

    rate = scenario.violations.rate
    if rate is not None and over("violations"):
        problems.append(
            (
                ("violations", "rate"),
                f"{rate * 86400:.3g}/day over "
                f"{days(scenario.duration)} gives "
                + refuse("violations.rate", est["violations"], "violations", "lower the rate"),
            )
        )
    cell = km(scenario.line.cell)
    where = f"{cell} on a {line.length / 1000:.4g} km line"
    for name in ("line_cells", "zone_grid", "zone_cells"):  # the first bound it breaks
        if over(name):
            problems.append(
                (
                    ("line", "cell"),
                    f"{where} gives " + refuse("line.cell", est[name], name, "use a coarser cell"),
                )
            )
            break
    if over("airframes"):
        problems.append(
            (
                ("drones",),
                "the fleets have "
                + refuse("drones", est["airframes"], "airframes", "use fewer drones"),
            )
        )
    for i, n in enumerate(parts["sensors"]):
        if over("sensors", n):
            key = "positions" if scenario.ground_sensors[i].positions is not None else "spacing"
            problems.append(
                (
                    ("ground_sensors", i, key),
                    "gives " + refuse(key, n, "sensors", "use a wider spacing"),
                )
            )
    if not problems and over("events"):
        biggest = max(
            [(v, ("drones", i, "endurance")) for i, v in enumerate(parts["sorties"])]
            + [(v, ("ground_sensors", i, "mtbf")) for i, v in enumerate(parts["failures"])]
            + [(v, _image_key(scenario, i)) for i, v in enumerate(parts["images"])]
            + [(parts["planning_events"], ("violations", "adversary", "awareness"))]
            + [(parts["cue_pieces"], ("cueing",))],
            key=lambda c: c[0],
        )
        problems.append(
            (
                biggest[1],
                f"over {days(scenario.duration)} this gives "
                + refuse("", est["events"], "events", "shorten the duration"),
            )
        )
    if not problems and over("false_alarms"):
        value, where = max(parts["alarms"], key=lambda a: a[0])
        key = "false_alarms_per_image" if where[0] == "satellites" else "false_alarm_rate"
        problems.append(
            (
                (*where, key),
                f"over {days(scenario.duration)} this gives "
                + refuse("", est["false_alarms"], "false_alarms", "lower the false alarm rate"),
            )
        )
    side = scenario.violations.adversary
    if not problems and side is not None and over("candidates"):
        problems.append(
            (
                ("violations", "adversary", "candidates"),
                f"{est.get('violations', 0):.3g} violations with {side.candidates} "
                "candidates each give "
                + refuse(
                    "",
                    est["candidates"],
                    "candidates",
                    "use fewer candidates or fewer violations",
                ),
            )
        )
    if not problems and over("trials"):
        value, where = max(parts["trials"], key=lambda a: a[0])
        planning = where[:2] == ("violations", "adversary")
        problems.append(
            (
                where,
                (
                    f"the adversary's planning run ({side.awareness:.3g} x "
                    f"{est.get('violations', 0):.3g} violations x {side.candidates} "
                    "candidates) gives "
                    if planning and side is not None
                    else f"{est.get('violations', 0):.3g} violations active "
                    f"{est['active_s'] / 60:.3g} min on average give "
                )
                + refuse(
                    "",
                    est["trials"],
                    "trials",
                    "use fewer candidates, a lower awareness or a longer glimpse"
                    if planning
                    else "use a longer glimpse or fewer violations",
                ),
            )
        )
    if not problems and over("cloud_spells"):
        c = scenario.environment.clouds if scenario.environment else None
        key = "spell" if c is not None and c.spell is not None else "clear"
        problems.append(
            (
                ("environment", "clouds", key),
                f"over {days(scenario.duration)} this gives "
                + refuse(
                    "", est["cloud_spells"], "cloud_spells", "use longer spells or a larger cell"
                ),
            )
        )
    if not problems and over("windows"):
        cells = est["line_cells"] + est["zone_cells"]
        candidates = (
            [(v, ("drones", i, "speed")) for i, v in enumerate(parts["drones"])]
            + [(v, ("ground_sensors", i, "sensor", "range")) for i, v in enumerate(parts["ground"])]
            + [
                (v * cells * _cell_share(s), _image_key(scenario, i))
                for i, (s, v) in enumerate(zip(scenario.satellites, parts["images"], strict=True))
            ]
        )
        biggest = max(candidates, key=lambda c: c[0])
        problems.append(
            (
                biggest[1],
                f"with a {cell} cell over {days(scenario.duration)} this gives "
                + refuse(
                    "", est["windows"], "windows", "use a coarser line.cell or a shorter duration"
                ),
            )
        )
    return problems
