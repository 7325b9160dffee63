"""Figures of merit from a run's tables: pure functions, no I/O.

Keys are flat and dotted (``detection.probability``, ``latency.p90_s``) so that
sweeps can tabulate them. Times in seconds; probabilities with 95 % Wilson
score intervals.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.measure.baselines import PREFIXES, baseline_keys
from sim.measure.exposure import EXPOSURE
from sim.measure.places import place_metric_keys, place_names
from sim.measure.uncued import LATENCY_GAIN, VERIFIED_GAIN
from sim.schema import GRID_LINE, GRID_ZONE

if TYPE_CHECKING:
    from sim.core.geo import Buffer
    from sim.core.tables import Table
    from sim.measure.coverage import Coverage
    from sim.spec.scenario import Scenario

Z95 = 1.959963984540054
ASSET_CLASSES = ("drone", "ground", "satellite")
LIGHTS = ("day", "night")  # events.csv "light": the sun at the violation's start


COUNT_SUFFIXES = (
    ".count",
    ".sorties",
    ".losses",
    ".sensors",
    ".failures",
    ".images",
    ".looks",
    ".images_night",
    ".looks_night",
    ".images_overcast",
    ".looks_overcast",
    ".detections_lost_jammed",
    ".cells",
)


def metric_unit(key: str) -> str:
    """The unit of a metrics.json key, by the naming convention of the keys.

    One of ``s``, ``m``, ``fraction`` (probabilities, proportions, their bounds),
    ``count``, ``1/day``, ``h``, ``days``, or ``""`` for a plain number. A
    counterpart's figure (``naive.<key>``, ``uncued.<key>``) has the unit of ``<key>``;
    a gap (``exposure.*``) and ``cueing.verified_gain`` are differences of fractions,
    ``cueing.verification_latency_gain_s`` one of durations.
    """
    for prefix in PREFIXES:
        if key.startswith(prefix):
            return metric_unit(key.removeprefix(prefix))
    if key.startswith(EXPOSURE) or key == VERIFIED_GAIN:
        return "fraction"
    if key == LATENCY_GAIN:
        return "s"
    if key.endswith(("_s", "_s.low95", "_s.high95")):
        return "s"
    if key.endswith("_m"):
        return "m"
    if key == "duration_days":
        return "days"
    if "per_day" in key:
        return "1/day"
    if key.endswith(("_hours", ".hours_jammed")):
        return "h"
    if (
        key.endswith(COUNT_SUFFIXES)
        or key.startswith("cueing.")
        and key != "cueing.verified_by_cue"
    ):
        return "count"
    if (
        "probability" in key
        or ".within_" in key
        or "fraction" in key
        or key.endswith(".availability")
        or key.startswith("detection.")
        or key == "cueing.verified_by_cue"
    ):
        return "fraction"
    return ""


_KEY_UNITS = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))


def deadline_key(seconds: float) -> str:
    """The key form of a deadline of whole seconds: the largest of d, h, min, s that divides it.

    900 -> ``15min``, 1800 -> ``30min``, 3600 -> ``1h``, 5400 -> ``90min``, 86400 -> ``1d``,
    45 -> ``45s``. One duration has one key, and the key reads back as the same duration.
    """
    whole = round(seconds)
    if whole < 1 or abs(seconds - whole) > 1e-6 * seconds:
        raise ValueError(f"a deadline must be a whole number of seconds >= 1; got {seconds!r}")
    for unit, size in _KEY_UNITS:
        if whole % size == 0:
            return f"{whole // size}{unit}"
    raise AssertionError("unreachable: every whole number of seconds divides by 1")


def deadline_metrics(seconds: float) -> tuple[str, str]:
    """The metric keys of one deadline: (``detection.within_<d>``, ``report.within_<d>``)."""
    key = deadline_key(seconds)
    return f"detection.within_{key}", f"report.within_{key}"


def deadline_suffixes(metrics: dict[str, Any]) -> list[str]:
    """The deadline keys (``30min``, ``1h``) present in ``metrics``, shortest deadline first."""
    from sim.core.units import parse_duration

    found = []
    for key in metrics:
        if key.startswith("detection.within_") and key.count(".") == 1:
            found.append(key.removeprefix("detection.within_"))
    return sorted(found, key=parse_duration)


def deadline_label(suffix: str) -> str:
    """A deadline key for people: ``30min`` -> ``30 min``, ``1h`` -> ``1 h``."""
    digits = len(suffix) - len(suffix.lstrip("0123456789"))
    return f"{suffix[:digits]} {suffix[digits:]}"


def within_deadlines(
    t_start: np.ndarray, t_detect: np.ndarray, t_report: np.ndarray, deadlines: list[float]
) -> dict[str, float]:
    """Fractions of ALL violations detected / reported within each deadline of their start.

    Times in seconds, NaN where a violation was never detected / reported. A violation
    counts when ``t - t_start <= d``; the denominator is every violation, so those never
    detected count as misses. Each fraction comes with its 95 % Wilson interval.
    """
    n = len(t_start)
    out: dict[str, float] = {}
    with np.errstate(invalid="ignore"):
        detect_delay = t_detect - t_start
        report_delay = t_report - t_start
    for delay, which in ((detect_delay, 0), (report_delay, 1)):
        for d in deadlines:
            out.update(proportion(deadline_metrics(d)[which], int(np.sum(delay <= d)), n))
    return out


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion; (0, 1) when n = 0.

    The bounds always bracket the estimate ``successes / n`` and lie in [0, 1]:
    at 0 or n successes rounding would otherwise put a bound ~1e-16 on the wrong
    side of it.
    """
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return min(max(0.0, centre - half), p), max(min(1.0, centre + half), p)


def proportion(prefix: str, successes: int, n: int) -> dict[str, float]:
    """``prefix`` -> p, plus ``prefix.low95`` and ``prefix.high95``."""
    low, high = wilson_interval(successes, n)
    return {
        prefix: successes / n if n else math.nan,
        f"{prefix}.low95": low,
        f"{prefix}.high95": high,
    }


def summary(prefix: str, values: np.ndarray) -> dict[str, float]:
    """Mean, median, p90, p95 and max of ``values`` (NaN when empty), keys ``prefix.*_s``."""
    stats = ("mean", "median", "p90", "p95", "max")
    if len(values) == 0:
        return {f"{prefix}.{s}_s": math.nan for s in stats}
    p50, p90, p95 = np.percentile(values, [50, 90, 95])
    return {
        f"{prefix}.mean_s": float(np.mean(values)),
        f"{prefix}.median_s": float(p50),
        f"{prefix}.p90_s": float(p90),
        f"{prefix}.p95_s": float(p95),
        f"{prefix}.max_s": float(np.max(values)),
    }


def compute(
    scenario: Scenario,
    events: Table,
    detections: Table,
    assets: Table,
    type_names: list[str],
    asset_stats: dict[str, dict[str, float]],
    coverage: Coverage | None = None,
    clear_fraction: float | None = None,
    cueing: dict[str, float] | None = None,
) -> dict[str, Any]:
    """All metrics of a run as a flat dict (floats; NaN where a figure is undefined).

    From the run's tables (``events``, ``detections``, ``assets``), every violation type
    it knows (``type_names``, even one that never occurred), each asset group's figures
    (``asset_stats``), if computed its coverage and, under clouds, the realised
    clear-sky fraction of the line (``clear_fraction``) and, with cueing, the engine's
    cue figures (``cueing``: ``sim.engine.model._cue_stats``).
    """
    det = detections
    n = len(events)
    detected = events["detected"]
    out: dict[str, Any] = {"violations.count": n, "duration_days": scenario.duration / 86400}
    out.update(proportion("detection.probability", int(detected.sum()), n))
    types = events["type"]
    for name in sorted(type_names):
        mask = types == name
        out.update(
            proportion(
                f"detection.probability_by_type.{name}", int(detected[mask].sum()), int(mask.sum())
            )
        )
    light = np.asarray(events["light"])
    for when in LIGHTS if scenario.line.crs == "lonlat" else ():
        mask = light == when  # the violation started by day / by night
        out.update(
            proportion(
                f"detection.probability_by_light.{when}",
                int(detected[mask].sum()),
                int(mask.sum()),
            )
        )
    classes = [c for c in ASSET_CLASSES if c in set(assets["asset_class"])]
    n_detected = int(detected.sum())
    for cls in classes:
        first = int(np.sum(events["first_class"] == cls))
        out[f"detection.first_by_class.{cls}"] = first / n_detected if n_detected else math.nan
        seen_by = np.unique(det["violation"][(det["asset_class"] == cls) & ~det["false_alarm"]])
        out.update(proportion(f"detection.by_class.{cls}", len(seen_by), n))
    out.update(summary("latency", events["latency_s"][detected]))
    reported = ~np.isnan(events["t_report_s"])
    out.update(summary("report_latency", (events["t_report_s"] - events["t_start_s"])[reported]))
    out.update(
        within_deadlines(
            events["t_start_s"],
            np.where(detected, events["t_detect_s"], np.nan),
            events["t_report_s"],
            list(scenario.reporting.deadlines),
        )
    )
    out.update(proportion("verified.probability", int(events["verified"].sum()), n))
    verified = events["verified"]
    out.update(
        summary("verification_latency", (events["t_verified_s"] - events["t_start_s"])[verified])
    )
    out.update(place_metrics(scenario, events))
    days = scenario.duration / 86400
    alarms = det["false_alarm"]
    out["false_alarms.count"] = int(alarms.sum())
    out["false_alarms.per_day"] = float(alarms.sum()) / days
    for cls in classes:
        out[f"false_alarms.per_day.{cls}"] = float(np.sum(det["asset_class"][alarms] == cls)) / days
    if coverage is not None:
        out.update(coverage.metrics())
    if clear_fraction is not None:
        out["clouds.clear_fraction"] = clear_fraction
    for group, stats in asset_stats.items():
        for key, value in stats.items():
            out[f"assets.{group}.{key}"] = value
    if cueing is not None:
        out.update(cue_metrics(cueing))
    return out


CUE_COUNTS = ("cues", "sent", "served", "too_late", "dropped", "queued", "lost")
CUE_KEYS = (
    *(f"cueing.{k}" for k in CUE_COUNTS),
    "cueing.responder_hours",
    "cueing.verified_by_cue",
)


def cue_metrics(cueing: dict[str, float]) -> dict[str, Any]:
    """``cueing.*`` from the engine's cue figures.

    The cues' fates (counts), the responders' hours on cues, and the share of verified
    violations whose verification needed a responder's report (NaN: none verified).
    """
    out: dict[str, Any] = {f"cueing.{k}": int(cueing[k]) for k in CUE_COUNTS}
    out["cueing.responder_hours"] = cueing["responder_hours"]
    verified = cueing["verified"]
    out["cueing.verified_by_cue"] = cueing["verified_by_cue"] / verified if verified else math.nan
    return out


def place_metrics(scenario: Scenario, events: Table) -> dict[str, Any]:
    """The headline metrics per sector and per band (``sim.measure.places``)."""
    out: dict[str, Any] = {}
    detected = np.asarray(events["detected"], dtype=bool)
    verified = np.asarray(events["verified"], dtype=bool)
    latency = np.asarray(events["latency_s"], dtype=float)
    for kind, name in place_names(scenario):
        prefix = f"{kind}.{name}"
        mask = np.asarray(events[kind]) == name
        n = int(mask.sum())
        out[f"{prefix}.violations.count"] = n
        out.update(proportion(f"{prefix}.detection.probability", int(detected[mask].sum()), n))
        out.update(proportion(f"{prefix}.verified.probability", int(verified[mask].sum()), n))
        seen = latency[mask & detected]
        out[f"{prefix}.latency.median_s"] = float(np.median(seen)) if len(seen) else math.nan
    return out


# The keys of ``Coverage.metrics`` per grid (``coverage.line.*``, ``coverage.zone.*``) and
# of each asset group's ``stats`` (``assets.<group>.*``), by the group's section.
COVERAGE_GRID_KEYS = (
    "time_fraction",
    "time_fraction.drone",
    "time_fraction.ground",
    "two_asset_fraction",
    "min_cell_fraction",
    "revisit.mean_s",
    "revisit.cell_p95_median_s",
    "revisit.max_s",
    "time_average_gap_s",
    "mean_response_s",
)
ASSET_STAT_KEYS = {
    "drones": ("flight_hours", "on_station_fraction", "sorties", "losses"),
    "ground_sensors": ("sensors", "availability", "failures"),
    "satellites": ("images",),
}
_SECTION_CLASS = {"drones": "drone", "ground_sensors": "ground", "satellites": "satellite"}


def metric_keys(scenario: Scenario, coverage: bool = True) -> set[str]:
    """Every key of the metrics.json a run of ``scenario`` writes, without running it.

    The keys depend only on the scenario: its violation types, asset fleets (a class
    has keys when the scenario has an asset of it), deadlines, and whether the zone
    grid holds any cell at the scenario's ``line.cell`` (the line is projected, the
    grid laid out; nothing is simulated). ``coverage=False``: no ``coverage.*`` keys.
    ``scenario`` must be a validated scenario (its replay file readable).
    """
    from sim.spec.replay import type_names

    out = {"violations.count", "duration_days"}

    def with_interval(key: str) -> None:
        out.update((key, f"{key}.low95", f"{key}.high95"))

    def summary_keys(prefix: str) -> None:
        out.update(f"{prefix}.{s}_s" for s in ("mean", "median", "p90", "p95", "max"))

    with_interval("detection.probability")
    for name in type_names(scenario):
        with_interval(f"detection.probability_by_type.{name}")
    for when in LIGHTS if scenario.line.crs == "lonlat" else ():
        with_interval(f"detection.probability_by_light.{when}")
    if scenario.environment is not None and scenario.environment.clouds is not None:
        out.add("clouds.clear_fraction")
    sections: dict[str, list[Any]] = {
        "drones": scenario.drones,
        "ground_sensors": scenario.ground_sensors,
        "satellites": scenario.satellites,
    }
    present = {_SECTION_CLASS[s] for s, groups in sections.items() if groups}
    classes = [c for c in ASSET_CLASSES if c in present]
    for cls in classes:
        out.add(f"detection.first_by_class.{cls}")
        with_interval(f"detection.by_class.{cls}")
        out.add(f"false_alarms.per_day.{cls}")
    summary_keys("latency")
    summary_keys("report_latency")
    summary_keys("verification_latency")
    for d in scenario.reporting.deadlines:
        for key in deadline_metrics(d):
            with_interval(key)
    with_interval("verified.probability")
    out |= place_metric_keys(scenario)
    out.update(("false_alarms.count", "false_alarms.per_day"))
    if coverage:
        grids = [GRID_LINE] + ([GRID_ZONE] if zone_has_cells(scenario) else [])
        for grid in grids:
            out.update(f"coverage.{grid}.{k}" for k in COVERAGE_GRID_KEYS)
        out.update(("coverage.time_fraction", "coverage.revisit.mean_s", "coverage.revisit.max_s"))
    for section, groups in sections.items():
        for group in groups:
            out.update(f"assets.{group.name}.{k}" for k in ASSET_STAT_KEYS[section])
    if scenario.environment is not None and scenario.environment.jamming:
        jam = ("hours_jammed", "detections_lost_jammed")
        out.update(f"assets.{fleet.name}.{k}" for fleet in scenario.drones for k in jam)
    if scenario.cueing:
        out.update(CUE_KEYS)
    for section, groups in sections.items():
        cls = _SECTION_CLASS[section]
        for group in groups:
            keys = sky_loss_keys(scenario, cls, group.modality)
            out.update(f"assets.{group.name}.{k}" for k in keys)
    out |= baseline_keys(scenario, out)
    return out


def sky_loss_keys(scenario: Scenario, asset_class: str, modality: str) -> tuple[str, ...]:
    """The figures a group of ``asset_class`` and ``modality`` adds for what the sky cost it.

    The sky limits the group as ``sim.world.sky.optical_flags`` says; a ground sensor
    is never under a cloud deck.
    """
    from sim.world.sky import optical_flags

    needs, factor = optical_flags(scenario.environment, asset_class, modality)
    satellite = asset_class == "satellite"
    night: tuple[str, ...] = ()
    if needs:
        night = (("images_night",) if satellite else ()) + ("looks_night",)
    cloud: tuple[str, ...] = ()
    if factor != 1.0:
        cloud = (("images_overcast",) if satellite else ()) + ("looks_overcast",)
    return night + cloud


def zone_has_cells(scenario: Scenario) -> bool:
    """Whether the coverage grid of ``scenario`` holds any zone cell (its line is projected)."""
    spec = scenario.line
    assert spec.points is not None
    points = tuple((float(x), float(y)) for x, y in spec.points)
    left, right = spec.sides
    buffer: Buffer = left if left == right else (left, right)
    return _zone_has_cells(points, spec.crs, buffer, float(spec.cell))


@functools.lru_cache(maxsize=64)
def _zone_has_cells(
    points: tuple[tuple[float, float], ...], crs: str, buffer: Buffer, cell: float
) -> bool:
    """``zone_has_cells`` by the line's inputs (a sweep asks once per distinct line)."""
    from sim.core.geo import Line
    from sim.world.grid import zone_cell_count

    return zone_cell_count(Line.from_points(list(points), crs, buffer), cell) > 0
