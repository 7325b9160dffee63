"""Short human-readable summaries: of a scenario (validate) and of a run (run)."""

from __future__ import annotations

import math
from typing import Any

from sim.core.errors import plural
from sim.measure.metrics import deadline_key, deadline_label, deadline_suffixes
from sim.spec.scenario import Scenario
from sim.world.assets.drone import DroneFleet
from sim.world.assets.ground import GroundGroup


def fmt_duration(seconds: Any) -> str:
    """Format seconds as '0.4 s', '45 s', '12 min', '3.5 h', '24 h' or '2 d'; '–' if undefined."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "–"
    seconds = float(seconds)
    if abs(seconds) < 9.95:
        return f"{seconds:.1f} s".replace(".0 s", " s")
    if abs(seconds) < 90:
        return f"{seconds:.0f} s"
    if abs(seconds) < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if abs(seconds) < 48 * 3600:
        return f"{seconds / 3600:.1f} h".replace(".0 h", " h")
    return f"{seconds / 86400:.1f} d".replace(".0 d", " d")


def where_run(workers: int, executor: str) -> str:
    """How a sweep ran, for its summary line: 'inline', 'on 2 worker processes', ..."""
    if executor == "inline":
        return "inline (1 process)"
    many = "" if workers == 1 else "s"
    if executor == "processes":
        return f"on {workers} worker process{'es' if workers != 1 else ''}"
    if executor == "dask-local":
        return f"on {workers} Dask worker{many} (local cluster)"
    if executor.startswith("dask:"):
        return f"on the Dask scheduler at {executor.removeprefix('dask:')}"
    return f"on {workers} {executor} worker{many}"


def describe_scenario(scenario: Scenario, model) -> str:
    """Summarise a validated scenario and its built model (line, zone, assets)."""
    line = model.line
    lines = [
        f"scenario {scenario.name}: valid",
        f"  period     {scenario.start:%Y-%m-%d %H:%M}Z + {fmt_duration(scenario.duration)}",
        f"  line       {line.length / 1000:.1f} km, zone +/-{line.buffer / 1000:g} km"
        + (
            f", projected length error {line.projected_length_error() * 100:+.3f} %"
            if line.is_geographic
            else " (local metres)"
        ),
    ]
    v = scenario.violations
    if v.rate is not None:
        lines.append(
            f"  violations {v.rate * 86400:g}/day (this seed: {len(model.violations)}), "
            f"mean duration {fmt_duration(v.duration.mean)}, types {', '.join(v.types)}"
        )
    else:
        lines.append(f"  violations {len(model.violations)} replayed from {v.file}")
    for group in model.groups:
        spec = group.spec
        if isinstance(group, DroneFleet):
            base = "from base" if group.base is not None else "on station"
            lines.append(
                f"  drones     {spec.name}: {plural(spec.count, 'airframe')}, "
                f"{plural(len(group.spans), 'station')} "
                f"({base}), {spec.speed * 3.6:g} km/h, range {spec.sensor.range / 1000:g} km, "
                f"pd {spec.sensor.pd:g}, {spec.modality}"
            )
        elif isinstance(group, GroundGroup):
            lines.append(
                f"  ground     {spec.name}: {plural(len(group.sensors), 'sensor')}, range "
                f"{spec.sensor.range / 1000:g} km, pd {spec.sensor.pd:g}, {spec.modality}"
            )
        else:
            lines.append(
                f"  satellite  {spec.name}: every {fmt_duration(spec.schedule.every)}, "
                f"pd {spec.pd:g}, latency {fmt_duration(spec.report_latency.mean)}, {spec.modality}"
            )
    rule = scenario.reporting.verification
    lines.append(
        f"  verified   by {plural(rule.modalities, 'modality', 'modalities')} "
        f"within {fmt_duration(rule.window)}"
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
        value = metrics.get(key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return f"{100 * value:.1f}%"

    n = metrics["violations.count"]
    interval = (
        f"(95% {pct('detection.probability.low95')}-{pct('detection.probability.high95')})"
        if n
        else "(no violations: the shares are undefined)"
    )
    lines = [
        f"violations  {n}",
        f"detected    {pct('detection.probability')} {interval}",
        f"verified    {pct('verified.probability')}",
        f"latency     median {fmt_duration(metrics['latency.median_s'])}, "
        f"p90 {fmt_duration(metrics['latency.p90_s'])}; first report median "
        f"{fmt_duration(metrics['report_latency.median_s'])}",
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
