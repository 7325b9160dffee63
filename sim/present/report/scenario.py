"""The Scenario section of a run's report, from the typed scenario of the results folder.

The folder's scenario.resolved.yaml is validated again into a
:class:`sim.spec.scenario.Scenario` (``ResultsFolder.spec``), so the report reads
typed fields in SI units, never keys of the YAML by string.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.core.distributions import Distribution
from sim.measure.metrics import deadline_key, deadline_label
from sim.present import format as fmt
from sim.present.report.html import kv_table, table
from sim.spec.scenario import (
    BaseAtSpec,
    DroneFleetSpec,
    GroundGroupSpec,
    SatelliteSpec,
    Scenario,
)


def distribution(dist: Distribution, unit: Callable[[Any], str]) -> str:
    """A distribution for people, ``unit`` formatting its values: 'exponential, mean 5 min'."""
    if dist.kind == "fixed":
        return unit(dist.a)
    if dist.kind == "exponential":
        return f"exponential, mean {unit(dist.a)}"
    if dist.kind == "uniform":
        return f"uniform {unit(dist.a)} to {unit(dist.b)}"
    return f"lognormal, median {unit(dist.a)}, σ {dist.b:g}"


def _base(base: BaseAtSpec | tuple[float, float] | None, crs: str) -> str:
    if base is None:
        return "on station"
    if isinstance(base, BaseAtSpec):
        return f"chainage {fmt.distance(base.at)}, offset {fmt.distance(base.offset)}"
    x, y = base
    if crs == "lonlat":
        return f"{x:g}° E, {y:g}° N"
    return f"({fmt.distance(x)}, {fmt.distance(y)})"


def _zone(left: float, right: float) -> str:
    """The monitored zone's widths: '± 10 km either side', or 'left, right' when asymmetric."""
    if left == right:
        return f"± {fmt.distance(left)} either side of the line"
    return f"{fmt.distance(left)} left, {fmt.distance(right)} right of the line"


def _general(s: Scenario, line_length_m: Any) -> str:
    line = s.line
    where = (
        "longitude/latitude, projected to local metres" if line.crs == "lonlat" else "local metres"
    )
    rows = [
        ("Name", s.name),
        ("Description", s.description or fmt.MISSING),
        ("Start", s.start.isoformat()),
        ("Duration", fmt.duration(s.duration)),
        ("Line length", fmt.MISSING if line_length_m is None else f"{line_length_m / 1000:.1f} km"),
        ("Line", f"{len(line.points or [])} vertices, {where}"),
        ("Monitored zone", _zone(*line.sides)),
        ("Grid cell", fmt.distance(line.cell)),
    ]
    if line.bands:
        bands = sorted(line.bands.items(), key=lambda item: item[1])
        rows.append(("Bands", "; ".join(f"{n} {fmt.distance(h)}" for n, h in bands)))
    if line.sectors:
        sectors = sorted(line.sectors.items(), key=lambda item: item[1][0])
        rows.append(
            (
                "Sectors",
                "; ".join(f"{n} {fmt.distance(a)}–{fmt.distance(b)}" for n, (a, b) in sectors),
            )
        )
    return kv_table(rows)


def _peak_hours(weights: list[float]) -> str:
    """A diurnal profile in words: its busiest hours (local solar time)."""
    top = max(weights)
    hours = [h for h, w in enumerate(weights) if w == top]
    busiest = ", ".join(f"{h:02d}–{h + 1:02d} h" for h in hours[:4])
    more = f" and {len(hours) - 4} more" if len(hours) > 4 else ""
    share = top / sum(weights) * 24
    return f"busiest {busiest}{more} local solar time ({share:.3g} × the daily mean)"


def _violations(s: Scenario) -> str:
    v = s.violations
    rows = []
    if v.file:
        rows.append(("Replayed from", Path(v.file).name))
    else:
        rows.append(("Rate", fmt.per_day(v.rate)))
        rows.append(("Duration", distribution(v.duration, fmt.duration)))
        if v.along == "uniform":
            along = "uniform"
        else:
            spots = "; ".join(
                f"{fmt.distance(h.at)} ± {fmt.distance(h.spread)} (weight {h.weight:g})"
                for h in v.along.hotspots
            )
            along = f"hotspots at {spots}; background weight {v.along.background:g}"
        rows.append(("Along the line", along))
        offset = distribution(v.offset, fmt.distance) if v.offset else "uniform across the zone"
        rows.append(("Offset from the line", offset))
    if v.diurnal:
        rows.append(("Diurnal profile", _peak_hours(v.diurnal)))
    for name, spec in v.types.items():
        sig = ", ".join(f"{k} {val:g}" for k, val in spec.signature.items())
        text = f"weight {spec.weight:g}; signature {sig or fmt.MISSING}"
        if spec.diurnal:
            text += f"; diurnal {_peak_hours(spec.diurnal)}"
        if spec.band:
            text += f"; band {spec.band}"
        if spec.offset:
            text += f"; offset {distribution(spec.offset, fmt.distance)}"
        rows.append((f"Type {name}", text))
    return "<h3>Violations</h3>" + kv_table(rows)


def _drone_row(d: DroneFleetSpec, crs: str) -> list[str]:
    stations: Any = d.patrol.stations or d.count
    if d.patrol.standoff:
        stations = f"{stations}, standoff {fmt.distance(d.patrol.standoff)}"
    glimpse = f", glimpse {fmt.duration(d.sensor.glimpse)}" if d.sensor.glimpse else ""
    sensor = f"{d.modality}, range {fmt.distance(d.sensor.range)}, pd {d.sensor.pd:g}{glimpse}"
    losses = f"{d.loss_rate * 3600 * 1000:g} per 1000 flight h" if d.loss_rate else "none"
    return [
        d.name,
        str(d.count),
        str(stations),
        f"{d.speed * 3.6:g} km/h",
        sensor,
        _base(d.base, crs),
        fmt.duration(d.endurance) if d.endurance else "unlimited",
        fmt.duration(d.turnaround),
        losses,
        f"{d.spares}, replaced after {fmt.duration(d.replacement)}",
        distribution(d.report_latency, fmt.duration),
    ]


def _ground_row(g: GroundGroupSpec, metrics: dict[str, Any]) -> list[str]:
    if g.positions:
        placement = f"{len(g.positions)} given positions"
    else:
        placement = f"every {fmt.distance(g.spacing)}"
        if g.offset:
            placement += f", offset {fmt.distance(g.offset)}"
        if g.span:
            placement += f", chainage {fmt.distance(g.span[0])} to {fmt.distance(g.span[1])}"
    return [
        g.name,
        fmt.number(metrics.get(f"assets.{g.name}.sensors")),
        placement,
        f"{g.modality}, range {fmt.distance(g.sensor.range)}, pd {g.sensor.pd:g}",
        f"MTBF {fmt.duration(g.mtbf)}, MTTR {fmt.duration(g.mttr)}" if g.mtbf else "never fail",
        distribution(g.report_latency, fmt.duration),
    ]


def _satellite_row(sat: SatelliteSpec) -> list[str]:
    return [
        sat.name,
        sat.modality,
        fmt.imaging(sat),
        "the whole zone" if sat.footprint == "zone" else "a strip along the track",
        f"{sat.pd:g}",
        distribution(sat.report_latency, fmt.duration),
    ]


DRONE_HEADER = ["fleet", "airframes", "stations", "speed", "sensor", "base", "endurance",
                "turnaround", "losses", "spares", "report latency"]  # fmt: skip
GROUND_HEADER = ["group", "sensors", "placement", "sensor", "reliability", "report latency"]
SATELLITE_HEADER = ["satellite", "modality", "images", "footprint", "pd", "report latency"]


def _reporting(s: Scenario) -> str:
    rule = s.reporting.verification
    k = rule.modalities
    rows = [
        (
            "Verification",
            f"reports from {k} distinct modalit{'y' if k == 1 else 'ies'} within "
            f"{fmt.duration(rule.window)}",
        )
    ]
    if s.reporting.deadlines:
        labels = [deadline_label(deadline_key(d)) for d in sorted(s.reporting.deadlines)]
        rows.append(("Deadlines", ", ".join(labels) + " (see Within deadlines above)"))
    return "<h3>Reporting</h3>" + kv_table(rows)


def scenario_section(s: Scenario, metrics: dict[str, Any], manifest: dict[str, Any]) -> str:
    """The scenario's parameters: line, violations, each fleet, group and satellite, reporting."""
    crs = s.line.crs
    out = [_general(s, manifest.get("line_length_m")), _violations(s)]
    if s.drones:
        rows = [_drone_row(d, crs) for d in s.drones]
        out.append("<h3>Drone fleets</h3>" + table(DRONE_HEADER, rows, {1}))
    if s.ground_sensors:
        rows = [_ground_row(g, metrics) for g in s.ground_sensors]
        out.append("<h3>Ground sensors</h3>" + table(GROUND_HEADER, rows, {1}))
    if s.satellites:
        rows = [_satellite_row(sat) for sat in s.satellites]
        out.append("<h3>Satellites</h3>" + table(SATELLITE_HEADER, rows))
    out.append(_reporting(s))
    return "\n".join(out)
