"""Numbers for people: the one formatter of the CLI, the reports, compare and sweeps.

Every function takes SI values (seconds, metres, fractions) and returns text; an
undefined value (None or NaN) prints as ``MISSING``. The rules, documented in
docs/results.md ("How numbers are printed"):

- durations: ``0.4 s`` below 10 s, ``45 s`` below 90 s, ``12 min`` below 90 min,
  ``3.5 h`` below 48 h, else ``2 d`` (a zero decimal is dropped: ``24 h``, not ``24.0 h``);
- proportions: ``67.8 %``; a difference of proportions in percentage points, ``+5.0 pp``;
  a 95 % interval as ``61.2–73.8 %``;
- distances: ``1.5 km`` from 1 km up, else ``250 m``;
- plain numbers: whole numbers grouped by thousands (``12 345``), others to four
  significant digits; differences carry their sign (``+31``).

Parsing the user's units ("2km", "30min") stays in ``sim.core.units``; this module
only prints.
"""

from __future__ import annotations

import math
from typing import Any

from sim.measure.metrics import metric_unit

MISSING = "–"


def is_missing(value: Any) -> bool:
    """True for None and NaN: a value that prints as ``MISSING``."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _sign(value: float, signed: bool) -> str:
    return "+" if signed and value > 0 else ""


def _drop_zero(text: str) -> str:
    """'24.0 h' -> '24 h'; '3.5 h' stays."""
    number, _, unit = text.partition(" ")
    return f"{number.removesuffix('.0')} {unit}"


def duration(seconds: Any, signed: bool = False) -> str:
    """Seconds as '0.4 s', '45 s', '12 min', '3.5 h', '24 h' or '2 d' (see the module rules)."""
    if is_missing(seconds):
        return MISSING
    value = float(seconds)
    sign, size = _sign(value, signed), abs(value)
    if size < 9.95:
        return sign + _drop_zero(f"{value:.1f} s")
    if size < 90:
        return f"{sign}{value:.0f} s"
    if size < 90 * 60:
        return f"{sign}{value / 60:.0f} min"
    if size < 48 * 3600:
        return sign + _drop_zero(f"{value / 3600:.1f} h")
    return sign + _drop_zero(f"{value / 86400:.1f} d")


def percent(fraction: Any, signed: bool = False) -> str:
    """A proportion as '67.8 %'; ``signed`` (a difference) as '+5.0 pp'."""
    if is_missing(fraction):
        return MISSING
    value = 100 * float(fraction)
    if signed:
        return f"{_sign(value, signed)}{value:.1f} pp"
    return f"{value:.1f} %"


def percent_bounds(low: Any, high: Any) -> str:
    """A 95 % interval of a proportion as '61.2–73.8 %'; '' when a bound is undefined."""
    if is_missing(low) or is_missing(high):
        return ""
    return f"{100 * float(low):.1f}–{100 * float(high):.1f} %"


def with_interval(value: Any, low: Any, high: Any) -> str:
    """'67.8 % (95 %: 61.2–73.8 %)'; just the percentage when the bounds are undefined."""
    if is_missing(value):
        return MISSING
    bounds = percent_bounds(low, high)
    return f"{percent(value)} (95 %: {bounds})" if bounds else percent(value)


def distance(metres: Any, signed: bool = False) -> str:
    """Metres as '1.5 km' or '250 m'."""
    if is_missing(metres):
        return MISSING
    value = float(metres)
    sign = _sign(value, signed)
    return f"{sign}{value / 1000:g} km" if abs(value) >= 1000 else f"{sign}{value:g} m"


def number(value: Any, signed: bool = False) -> str:
    """A plain number: '12 345' when whole (or 1,000 and beyond), else '0.1235'; 'true'/'false'."""
    if is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return str(value).lower()
    if not isinstance(value, (int, float)):
        return str(value)
    x = float(value)
    if math.isinf(x):
        return str(x)
    sign = "+" if signed and x > 0 else ""
    if x.is_integer() or abs(x) >= 1000:
        return sign + f"{round(x):,}".replace(",", " ")
    return sign + f"{x:.4g}"


def per_day(rate_per_s: Any) -> str:
    """A rate given per second as '2.5 per day'."""
    return MISSING if is_missing(rate_per_s) else f"{number(float(rate_per_s) * 86400)} per day"


def by_unit(value: Any, unit: str, signed: bool = False) -> str:
    """Format a value by its unit (``metric_unit``'s names); ``signed`` for differences."""
    if is_missing(value):
        return MISSING
    if isinstance(value, str):
        return value
    if unit == "s":
        return duration(value, signed)
    if unit == "m":
        return distance(value, signed)
    if unit == "fraction":
        return percent(value, signed)
    if unit == "days":
        return duration(float(value) * 86400, signed)
    text = number(value, signed)
    if unit.startswith("1/"):
        return f"{text} per {unit[2:]}"
    return f"{text} {unit}" if unit and unit != "count" else text


def metric(key: str, value: Any, signed: bool = False) -> str:
    """A metrics.json value by the unit of its key (``sim.measure.metrics.metric_unit``)."""
    return by_unit(value, metric_unit(key), signed)


def interval_of(metrics: dict[str, Any], key: str) -> str:
    """``key`` of a metrics dict with its Wilson bounds (``key.low95``, ``key.high95``)."""
    return with_interval(
        metrics.get(key), metrics.get(f"{key}.low95"), metrics.get(f"{key}.high95")
    )


def bounds_of(metrics: dict[str, Any], key: str) -> str:
    """The Wilson bounds of ``key`` of a metrics dict as '61.2–73.8 %'; '' when absent."""
    return percent_bounds(metrics.get(f"{key}.low95"), metrics.get(f"{key}.high95"))


# --- display units of figure axes and sweep tables ---------------------------------

DISTANCE_WORDS = ("spacing", "range", "offset", "standoff", "buffer", "spread", "cell", ".at")
DURATION_WORDS = ("every", "first", "duration", "endurance", "turnaround", "mtbf", "mttr",
                  "latency", "replacement", "glimpse", "window")  # fmt: skip


def parameter_unit(path: str) -> tuple[float, str]:
    """Display scale and unit of a scenario path's SI values: km for distances, h for times."""
    last = path.lower()
    if any(word in last for word in DISTANCE_WORDS):
        return 1000.0, "km"
    if any(word in last for word in DURATION_WORDS):
        return 3600.0, "h"
    return 1.0, ""


def metric_scale(key: str) -> tuple[float, str]:
    """Display scale and unit of a metric on an axis: % for proportions, min for times."""
    unit = metric_unit(key)
    if unit == "s":
        return 60.0, "min"
    if unit == "fraction":
        return 0.01, "%"
    return 1.0, ""


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


def imaging(sat: Any) -> str:
    """When and what a satellite entry images (a ``SatelliteSpec``), in words."""
    if sat.schedule is not None:
        return f"every {duration(sat.schedule.every)} from {duration(sat.schedule.first)}"
    o = sat.orbit
    if o.sun_synchronous is not None:
        s = o.sun_synchronous
        text = f"sun-synchronous {distance(s.altitude)}, {s.local_time} descending"
        text += f", phase {s.phase:g} deg" if s.phase else ""
    elif o.walker is not None:
        w = o.walker
        text = (
            f"Walker {w.inclination:g} deg: {w.total}/{w.planes}/{w.phasing} "
            f"at {distance(w.altitude)}"
        )
    elif o.elements is not None:
        e = o.elements
        size = (
            distance(e.altitude) if e.altitude is not None else f"a {distance(e.semi_major_axis)}"
        )
        text = f"orbit {size}, inclination {e.inclination:g} deg"
    else:
        text = f"{o.count} TLE element set{'s' if o.count != 1 else ''}"
    text += f", swath {distance(sat.swath)}"
    if sat.off_nadir_reach is not None:
        text += f", reach {distance(sat.off_nadir_reach)}"
    return text


def duration_tick(seconds: float) -> str:
    """A tick label of a round duration on a time axis: '10 s', '15 min', '3 h', '7 d'.

    Ticks sit at round values, so each takes the largest unit it reaches ('1 h',
    not '60 min'); values in text use ``duration``.
    """
    for size, name in ((86_400.0, "d"), (3600.0, "h"), (60.0, "min")):
        if seconds >= size:
            return f"{seconds / size:g} {name}"
    return f"{seconds:g} s"
