"""Short human-readable summaries: of a scenario (validate) and of a run (run).

Both work from the typed scenario and plain numbers (no engine, no assets): the
stations and sensors of a fleet are counted with the validation's own geometry
(``sim.spec.checks``). Numbers are printed by ``sim.present.format``.
"""

from __future__ import annotations

from typing import Any

from sim.core.errors import plural
from sim.measure import uncued
from sim.measure.exposure import has_baseline
from sim.measure.metrics import deadline_key, deadline_label, deadline_suffixes
from sim.present import format as fmt
from sim.spec.environment import blocked_by_clouds, needs_daylight
from sim.spec.geometry import scenario_line, sensor_chainages, station_spans
from sim.spec.scenario import GroundGroupSpec, Scenario


def _sensor_count(spec: GroundGroupSpec, length: float) -> int:
    """How many sensors a ground group places on a line of ``length`` m."""
    if spec.positions is not None:
        return len(spec.positions)
    return len(sensor_chainages(spec, length)[0])


def _zone(left: float, right: float) -> str:
    """The zone's widths: '+/-10 km', or '15 km left, 5 km right' when asymmetric."""
    if left == right:
        return f"+/-{fmt.distance(left)}"
    return f"{fmt.distance(left)} left, {fmt.distance(right)} right"


def describe_scenario(scenario: Scenario, violations: int) -> str:
    """Summarise a validated scenario: line, zone, assets; ``violations`` drawn for its seed."""
    line = scenario_line(scenario)
    duration = fmt.duration
    lines = [
        f"scenario {scenario.name}: valid",
        f"  period     {scenario.start:%Y-%m-%d %H:%M}Z + {duration(scenario.duration)}",
        f"  line       {line.length / 1000:.1f} km, zone {_zone(line.left, line.right)}"
        + (
            f", projected length error {line.projected_length_error() * 100:+.3f} %"
            if line.is_geographic
            else " (local metres)"
        ),
    ]
    v = scenario.violations
    if v.rate is not None:
        lines.append(
            f"  violations {v.rate * 86400:g}/day (this seed: {violations}), "
            f"mean duration {duration(v.duration.mean)}, types {', '.join(v.types)}"
        )
    else:
        lines.append(f"  violations {violations} replayed from {v.file}")
    side = v.adversary
    if side is not None:
        knows = ", ".join(side.knows) if side.knows else "nothing"
        naive = "; its naive counterpart runs alongside" if has_baseline(scenario) else ""
        lines.append(
            f"  adversary  {side.awareness:.0%} of violations placed where least seen "
            f"(knows {knows}; {side.candidates} candidates each{naive})"
        )
    for d in scenario.drones:
        base = "from base" if d.base is not None else "on station"
        stations = len(station_spans(d, line.length)[0])
        lines.append(
            f"  drones     {d.name}: {plural(d.count, 'airframe')}, "
            f"{plural(stations, 'station')} "
            f"({base}), {d.speed * 3.6:g} km/h, range {fmt.distance(d.sensor.range)}, "
            f"pd {d.sensor.pd:g}, {d.modality}"
        )
    for g in scenario.ground_sensors:
        lines.append(
            f"  ground     {g.name}: {plural(_sensor_count(g, line.length), 'sensor')}, range "
            f"{fmt.distance(g.sensor.range)}, pd {g.sensor.pd:g}, {g.modality}"
        )
    for s in scenario.satellites:
        lines.append(
            f"  satellite  {s.name}: {fmt.imaging(s)}, "
            f"pd {s.pd:g}, latency {duration(s.report_latency.mean)}, {s.modality}"
        )
    if scenario.environment is not None:
        lines.append(f"  sky        {_sky(scenario)}")
    for cue in scenario.cueing:
        reach = "any distance" if cue.max_distance is None else fmt.distance(cue.max_distance)
        lines.append(
            f"  cueing     {', '.join(cue.from_)} -> {', '.join(cue.responders)} within "
            f"{reach}, loiter {fmt.duration(cue.loiter)}, priority {cue.priority}"
        )
    if uncued.has_baseline(scenario):
        lines.append("  uncued     the same run without cueing runs alongside (cueing_baseline)")
    rule = scenario.reporting.verification
    lines.append(
        f"  verified   by {plural(rule.modalities, 'modality', 'modalities')} "
        f"within {fmt.duration(rule.window)}"
    )
    deadlines = sorted(scenario.reporting.deadlines)
    lines.append(
        "  deadlines  "
        + (
            ", ".join(deadline_label(deadline_key(d)) for d in deadlines)
            + " (metrics detection.within_<d>, report.within_<d>)"
            if deadlines
            else "none (no detection.within_<d> metrics)"
        )
    )
    return "\n".join(lines)


def describe_run(metrics: dict[str, Any], out: str | None = None) -> str:
    """Summarise a run's headline metrics in a few lines."""

    def pct(key: str) -> str:
        return fmt.percent(metrics.get(key))

    n = metrics["violations.count"]
    interval = (
        f"(95 %: {fmt.bounds_of(metrics, 'detection.probability') or fmt.MISSING})"
        if n
        else "(no violations: the shares are undefined)"
    )
    lines = [
        f"violations  {n}",
        f"detected    {pct('detection.probability')} {interval}",
        f"verified    {pct('verified.probability')}",
        f"latency     median {fmt.duration(metrics['latency.median_s'])}, "
        f"p90 {fmt.duration(metrics['latency.p90_s'])}; first report median "
        f"{fmt.duration(metrics['report_latency.median_s'])}",
    ]
    suffixes = deadline_suffixes(metrics)
    for head, label, prefix in (
        ("in time", "detected", "detection"),
        ("", "reported", "report"),
    ):
        if suffixes:
            lines.append(
                f"{head:<12}{label} within "
                + ", ".join(f"{deadline_label(d)} {pct(f'{prefix}.within_{d}')}" for d in suffixes)
            )
    if "cueing.cues" in metrics:
        lines.append(
            f"cueing      {metrics['cueing.cues']} cues: {metrics['cueing.sent']} sent "
            f"({metrics['cueing.served']} in time, {metrics['cueing.too_late']} too late), "
            f"{metrics['cueing.dropped']} dropped; verified by cue "
            f"{fmt.percent(metrics.get('cueing.verified_by_cue'))}"
        )
    if "cueing.verified_gain" in metrics:  # the uncued counterpart
        lines.append(
            f"uncued      verified {pct('uncued.verified.probability')} (median "
            f"{fmt.duration(metrics['uncued.verification_latency.median_s'])}): cueing "
            f"{fmt.percent(metrics['cueing.verified_gain'], signed=True)} verified, "
            f"{fmt.duration(metrics['cueing.verification_latency_gain_s'], signed=True)} "
            "sooner"
        )
    if "exposure.detection" in metrics:  # the naive counterpart of an adapting side
        lines.append(
            f"naive side  detected {pct('naive.detection.probability')}, verified "
            f"{pct('naive.verified.probability')}: exposure "
            f"{fmt.percent(metrics['exposure.detection'], signed=True)} detected, "
            f"{fmt.percent(metrics['exposure.verified'], signed=True)} verified"
        )
    for cls in ("drone", "ground", "satellite"):
        key = f"detection.by_class.{cls}"
        if key in metrics:
            lines.append(
                f"  {cls:<10}detects {pct(key)} of violations, "
                f"first on {pct(f'detection.first_by_class.{cls}')} of detected"
            )
    if out:
        lines.append(f"results     {out}")
    return "\n".join(lines)


def _sky(scenario: Scenario) -> str:
    """The environment effects that are on, for ``validate``: daylight, clouds."""
    env = scenario.environment
    assert env is not None
    optical = sorted(m for m in scenario.modalities if needs_daylight(m, env.needs_daylight))
    seen_by = f" for {', '.join(optical)}" if optical else " (no optical sensor)"
    parts = []
    if env.daylight is not None:
        parts.append(f"daylight (sun above {env.daylight.min_sun_elevation:g} deg){seen_by}")
    c = env.clouds
    if c is not None:
        regions = f"{fmt.distance(c.cell)} regions" if c.cell is not None else "one region"
        if c.clear is not None and c.overcast is not None:
            spells = f"clear {fmt.duration(c.clear)} / overcast {fmt.duration(c.overcast)}"
        else:
            spells = f"monthly clear fractions, spells {fmt.duration(c.spell or 0.0)}"
        blocked = sorted(
            m for m in scenario.modalities if blocked_by_clouds(m, c.blocks, env.needs_daylight)
        )
        names = ", ".join(blocked) if blocked else "no sensor here"
        hit = f"overcast blocks {names}: satellites see nothing"
        if c.drone_factor < 1.0:
            hit += f", drones x{c.drone_factor:g}"
        parts.append(f"clouds ({spells}, {regions}): {hit}")
    if env.jamming:  # drones only (docs/model.md section 20)
        names = ", ".join(a.name for a in env.jamming)
        parts.append(f"drones jammed in {plural(len(env.jamming), 'area')} ({names})")
    return "; ".join(parts) if parts else "idealised (daylight and clouds off)"
