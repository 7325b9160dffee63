"""Local mean solar time: the clock of the violations' diurnal profiles.

The local mean solar hour at UTC instant ``u`` (hours) and longitude ``lon`` (deg) is
``(u + lon / 15) mod 24``: noon is when the mean sun crosses the meridian. It ignores
the equation of time (at most about 16 min) and civil time zones.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

HOURS_PER_DAY = 24


def seconds_into_utc_day(start: dt.datetime) -> float:
    """Seconds from the UTC midnight before ``start`` to ``start``."""
    utc = start.astimezone(dt.timezone.utc)
    return utc.hour * 3600.0 + utc.minute * 60.0 + utc.second + utc.microsecond * 1e-6


def solar_hour(start: dt.datetime, t, lon) -> np.ndarray:
    """Local mean solar hour (0 <= h < 24) at run time ``t`` (s) and longitude ``lon`` (deg)."""
    utc_hours = (seconds_into_utc_day(start) + np.asarray(t, dtype=float)) / 3600.0
    return np.mod(utc_hours + np.asarray(lon, dtype=float) / 15.0, 24.0)


def hour_bin(hours: np.ndarray) -> np.ndarray:
    """The whole hour 0..23 each solar hour falls in."""
    return np.clip(np.floor(hours).astype(np.int64), 0, HOURS_PER_DAY - 1)


def hour_factors(weights) -> np.ndarray:
    """A diurnal profile's hourly factors ``f_h = 24 w_h / sum(w)``: their daily mean is 1."""
    w = np.asarray(weights, dtype=float)
    return HOURS_PER_DAY * w / w.sum()
