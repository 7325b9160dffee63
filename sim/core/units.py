"""Quantities with units: "2km", "30min", "130km/h", "40/day" -> SI floats.

Plain numbers are taken as already in SI units (metres, seconds, m/s, 1/s).
Every parser raises ``ValueError`` whose message says what was expected; the
scenario layer adds the YAML path.
"""

from __future__ import annotations

import math
import re

SECONDS = {
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
    "w": 604800.0,
    "week": 604800.0,
    "weeks": 604800.0,
}
METRES = {"mm": 1e-3, "cm": 1e-2, "m": 1.0, "km": 1000.0, "nmi": 1852.0}
SPEEDS = {"m/s": 1.0, "km/h": 1 / 3.6, "kph": 1 / 3.6, "kn": 1852.0 / 3600.0, "kt": 1852.0 / 3600.0}
RATE_PER = {
    "s": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hour": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "w": 604800.0,
    "week": 604800.0,
}

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TERM = re.compile(rf"\s*({_NUMBER})\s*([a-zA-Z/]+)\s*")


def _plain_number(value: object) -> float | None:
    """Return ``value`` as a float if it is a plain number (not a bool), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _finite(x: float, value: object, what: str) -> float:
    if not math.isfinite(x):
        raise ValueError(f"expected a finite {what}; got {value!r}")
    return x


def _single(value: object, table: dict[str, float], what: str, examples: str) -> float:
    """Parse ``<number><unit>`` with one unit from ``table``."""
    number = _plain_number(value)
    if number is not None:
        return _finite(number, value, what)
    if isinstance(value, str):
        match = _TERM.fullmatch(value)
        if match and match.group(2) in table:
            return _finite(float(match.group(1)) * table[match.group(2)], value, what)
        if match:
            units = ", ".join(sorted(table))
            raise ValueError(
                f"unknown {what} unit '{match.group(2)}' in {value!r}; expected one of {units}"
            )
    raise ValueError(f"expected a {what} such as {examples}; got {value!r}")


MAX_DISTANCE_M = 40_000_000.0  # about the Earth's circumference: no distance is longer


def parse_distance(value: object) -> float:
    """Parse a distance ("500m", "2km", "1.5nmi", or metres) into metres.

    Distances are at most ``MAX_DISTANCE_M`` (40,000 km) in size.
    """
    metres = _single(value, METRES, "distance", "'500m' or '2km'")
    if abs(metres) > MAX_DISTANCE_M:
        raise ValueError(
            f"expected a distance of at most 40000 km (the Earth's circumference); got {value!r}"
        )
    return metres


def parse_speed(value: object) -> float:
    """Parse a speed ("30m/s", "120km/h", "90kn", or m/s) into metres per second."""
    return _single(value, SPEEDS, "speed", "'30m/s' or '120km/h'")


def parse_duration(value: object) -> float:
    """Parse a duration ("90s", "15min", "2h", "10h30min", "7d", or seconds) into seconds.

    Compound durations add their terms: "1d12h" is 129600 s.
    """
    examples = "'90s', '15min', '2h', '10h30min' or '7d'"
    number = _plain_number(value)
    if number is not None:
        return _finite(number, value, "duration")
    if isinstance(value, str) and value.strip():
        total, pos, text = 0.0, 0, value.strip()
        while pos < len(text):
            match = _TERM.match(text, pos)
            if not match:
                break
            unit = match.group(2)
            if unit not in SECONDS:
                units = ", ".join(SECONDS)
                raise ValueError(
                    f"unknown duration unit '{unit}' in {value!r}; expected one of {units}"
                )
            total += float(match.group(1)) * SECONDS[unit]
            pos = match.end()
        if pos == len(text):
            return _finite(total, value, "duration")
    raise ValueError(f"expected a duration such as {examples}; got {value!r}")


def parse_rate(value: object) -> float:
    """Parse a rate ("40/day", "0.002/h", or events per second) into events per second."""
    number = _plain_number(value)
    if number is not None:
        return _finite(number, value, "rate")
    if isinstance(value, str) and "/" in value:
        count, _, per = value.strip().partition("/")
        count_value = _plain_number(count)
        per = per.strip()
        if count_value is not None:
            if per in RATE_PER:
                return _finite(count_value / RATE_PER[per], value, "rate")
            units = ", ".join(RATE_PER)
            raise ValueError(f"unknown rate unit '/{per}' in {value!r}; expected one of /{units}")
    raise ValueError(f"expected a rate such as '40/day' or '0.002/h'; got {value!r}")


def parse_probability(value: object) -> float:
    """Parse a probability: a number in [0, 1] (a percentage string "85%" is accepted)."""
    if isinstance(value, str) and value.strip().endswith("%"):
        number = _plain_number(value.strip()[:-1])
        if number is not None:
            value = number / 100.0
    number = _plain_number(value)
    if number is None:
        raise ValueError(f"expected a probability between 0 and 1; got {value!r}")
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"expected a probability between 0 and 1; got {value!r}")
    return number


# --- back to the user's units, for messages ----------------------------------------


def km(metres: float) -> str:
    """A distance in the user's units: '1200 km', '850 m', '0.001 m'."""
    if abs(metres) >= 1000.0:
        return f"{metres / 1000:.6g} km"
    return f"{metres:.6g} m"


def hours(seconds: float) -> str:
    """A duration in hours, for messages: '2.50 h'."""
    return f"{seconds / 3600:.2f} h"


def days(seconds: float) -> str:
    """A duration in days, for messages: '1 day', '30 days', '0.5 days'."""
    value = seconds / 86400
    return f"{value:.3g} {'day' if f'{value:.3g}' == '1' else 'days'}"
