"""Daylight: sun elevation, day windows in closed form, and the optical-modality flag.

Sun position: NOAA's solar position algorithm, the one of the NOAA Global Monitoring
Laboratory's Solar Calculator and its spreadsheet (NOAA_Solar_Calculations_day.xls, after
J. Meeus, *Astronomical Algorithms*, 1991, ch. 25). With T Julian centuries of 36525 days
from J2000.0 (JD 2451545.0), all angles in degrees:

    L0 = 280.46646 + T (36000.76983 + 0.0003032 T)            geometric mean longitude
    M  = 357.52911 + T (35999.05029 - 0.0001537 T)            mean anomaly
    e  = 0.016708634 - T (0.000042037 + 0.0000001267 T)       orbit eccentricity
    C  = sin M (1.914602 - T (0.004817 + 0.000014 T))
         + sin 2M (0.019993 - 0.000101 T) + 0.000289 sin 3M   equation of centre
    W  = 125.04 - 1934.136 T                                  longitude of the node
    lambda = L0 + C - 0.00569 - 0.00478 sin W                 apparent longitude
    eps = 23 + (26 + (21.448 - T (46.815 + T (0.00059 - 0.001813 T))) / 60) / 60
          + 0.00256 cos W                                     obliquity (corrected)
    delta = asin(sin eps sin lambda)                          declination
    y = tan^2(eps / 2)
    E  = 4 rad2deg(y sin 2L0 - 2e sin M + 4 e y sin M cos 2L0
                   - y^2/2 sin 4L0 - 5/4 e^2 sin 2M)          equation of time, minutes
    H  = 15 (UT hours) + lon + E / 4 - 180                    hour angle
    sin h = sin lat sin delta + cos lat cos delta cos H       elevation h

NOAA states the calculator "theoretically accurate to within a minute" for sunrise and
sunset between +-72 deg latitude (within 10 minutes outside) for dates 1901-2099 (Meeus:
about 0.01 deg in the sun's position). UT is taken as UTC (|UT1 - UTC| < 0.9 s) and TT as
UT (Delta T ~ 70 s moves the sun by 0.003 deg); both are far below the 1 s root tolerance
in effect on the scale of the sun's motion (0.25 deg per minute at most).

Refraction: the elevation here is GEOMETRIC (no atmosphere, the sun's centre). NOAA's
calculator adds an approximate refraction only to its displayed elevation; we do not,
so every threshold is a geometric elevation of the sun's centre: civil twilight is
-6 deg (the default, :data:`CIVIL_TWILIGHT_DEG`), and published sunrise/sunset (upper
limb on the horizon, standard refraction 34' + semi-diameter 16') is -0.833 deg
(:data:`SUNRISE_DEG`).

Why written here rather than taken from a library: the day windows below need the
elevation (and its roots) for 10^4 points x 30 days in well under a second, as plain
numpy on (point, time) arrays. pvlib's NREL SPA and skyfield/astropy are more precise
than we need and an order of magnitude slower per call (and pull in large
dependencies); the NOAA equations are a few lines of numpy. An independent library
(PyEphem, VSOP87-based) checks them in the tests only.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from sim.world.intervals import intersect_intervals

CIVIL_TWILIGHT_DEG = -6.0  # civil twilight: sun's centre 6 deg below the horizon (geometric)
SUNRISE_DEG = -0.833  # published sunrise/sunset: upper limb on the horizon, refracted
ROOT_TOL_S = 0.5  # every day-window edge is bracketed within +-ROOT_TOL_S seconds

DAY_S = 86400.0
_JD_UNIX_EPOCH = 2440587.5  # Julian day of 1970-01-01T00:00:00 UTC
_J2000 = 2451545.0


def _epoch_s(start: datetime) -> float:
    """Seconds of the UNIX epoch (UTC) at ``start``, a timezone-aware datetime."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be a timezone-aware datetime (UTC)")
    return (start - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds()


def _sun_terms(days_j2000: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Declination (rad) and equation of time (deg of hour angle) at days from J2000."""
    t = days_j2000 / 36525.0
    l0 = np.deg2rad(np.mod(280.46646 + t * (36000.76983 + 0.0003032 * t), 360.0))
    m = np.deg2rad(357.52911 + t * (35999.05029 - 0.0001537 * t))
    e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    c = (
        np.sin(m) * (1.914602 - t * (0.004817 + 0.000014 * t))
        + np.sin(2 * m) * (0.019993 - 0.000101 * t)
        + np.sin(3 * m) * 0.000289
    )
    w = np.deg2rad(125.04 - 1934.136 * t)
    lam = np.deg2rad(np.rad2deg(l0) + c - 0.00569 - 0.00478 * np.sin(w))
    eps0 = 23.0 + (26.0 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60.0) / 60.0
    eps = np.deg2rad(eps0 + 0.00256 * np.cos(w))
    decl = np.arcsin(np.sin(eps) * np.sin(lam))
    y = np.tan(eps / 2.0) ** 2
    eot = (
        y * np.sin(2 * l0)
        - 2 * e * np.sin(m)
        + 4 * e * y * np.sin(m) * np.cos(2 * l0)
        - 0.5 * y * y * np.sin(4 * l0)
        - 1.25 * e * e * np.sin(2 * m)
    )
    return decl, np.rad2deg(eot)  # E in radians of angle -> degrees of hour angle (E/4 min)


class _SunTable:
    """Declination and equation of time tabulated hourly over a span, linearly interpolated.

    They depend on time only, and slowly: with |delta''| < 1.2e-4 rad/day^2 and
    |E''| < 5e-3 deg/day^2, linear interpolation between nodes h = 1/24 day apart is off
    by at most |f''| h^2 / 8: 1.5e-6 deg in delta, 1.1e-6 deg in E, so < 3e-6 deg in
    elevation (< 0.01 s in a crossing time at >= 0.02 deg/min of sun motion), far below
    ROOT_TOL_S. Used inside :func:`daylight_windows` only (it evaluates the elevation
    millions of times); :func:`sun_elevation` evaluates the series directly.
    """

    def __init__(self, unix_lo: float, unix_hi: float) -> None:
        step = 3600.0
        self.t0 = np.floor(unix_lo / step) * step
        nodes = self.t0 + step * np.arange(int(np.ceil((unix_hi - self.t0) / step)) + 2)
        self.nodes = nodes
        self.decl, self.eot = _sun_terms(nodes / DAY_S + (_JD_UNIX_EPOCH - _J2000))

    def __call__(self, unix_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Declination (rad) and equation of time (deg) at UNIX seconds."""
        return np.interp(unix_s, self.nodes, self.decl), np.interp(unix_s, self.nodes, self.eot)


def _terms_at(unix_s: np.ndarray, table: _SunTable | None) -> tuple[np.ndarray, np.ndarray]:
    """Declination (rad) and equation of time (deg) at UNIX s, from the table if given."""
    if table is not None:
        return table(unix_s)
    return _sun_terms(unix_s / DAY_S + (_JD_UNIX_EPOCH - _J2000))


def _elevation_abs(
    lon: np.ndarray, lat: np.ndarray, unix_s: np.ndarray, table: _SunTable | None = None
) -> np.ndarray:
    """Geometric elevation (deg) at UNIX seconds (broadcast arrays)."""
    decl, eot_deg = _terms_at(unix_s, table)
    ut_deg = np.mod(unix_s, DAY_S) * (360.0 / DAY_S)
    ha = np.deg2rad(ut_deg + lon + eot_deg - 180.0)
    phi = np.deg2rad(lat)
    s = np.sin(phi) * np.sin(decl) + np.cos(phi) * np.cos(decl) * np.cos(ha)
    return np.rad2deg(np.arcsin(np.clip(s, -1.0, 1.0)))


def sun_elevation(
    lon: np.ndarray | float,
    lat: np.ndarray | float,
    t: np.ndarray | float,
    start: datetime,
) -> np.ndarray:
    """Geometric sun elevation (deg) at lon/lat (deg) and times ``t`` (s from ``start``).

    ``start`` is a timezone-aware datetime (the scenario start). Arrays broadcast with
    numpy rules: e.g. ``lon[:, None], lat[:, None], t[None, :]`` gives (points, times).
    """
    unix = _epoch_s(start) + np.asarray(t, float)
    return _elevation_abs(np.asarray(lon, float), np.asarray(lat, float), unix)


def _transit(
    lon: np.ndarray, unix_guess: np.ndarray, target_ha_deg: float, table: _SunTable
) -> np.ndarray:
    """UNIX time near ``unix_guess`` when the hour angle is ``target_ha_deg`` (0 = noon).

    Fixed point on the equation of time E (it changes by < 30 s per day): from a guess
    within 12 h the first round is off by < 15 s, the second by < 0.01 s.
    """
    day0 = np.floor(unix_guess / DAY_S) * DAY_S
    t = unix_guess
    for _ in range(2):
        _, eot = table(t)
        ut_deg = target_ha_deg + 180.0 - lon - eot
        t = day0 + ut_deg * (DAY_S / 360.0)
        # keep the same solar event: within half a day of the guess
        t = t + np.round((unix_guess - t) / DAY_S) * DAY_S
    return t


def _crossing(
    lon: np.ndarray,
    lat: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    threshold: float,
    rising: bool,
    table: _SunTable,
    iterations: int = 40,
) -> np.ndarray:
    """Time in [a, b] (UNIX s) where elevation crosses ``threshold``, bracketed.

    On a rising half day f = h - threshold goes from < 0 at a to >= 0 at b (falling: the
    reverse). Illinois false position keeps the bracket; once every bracket is narrower
    than 2 ROOT_TOL_S the midpoint is returned. A fixed cap of ``iterations`` rounds
    (bisection after the first 8 false-position ones, so the cap alone guarantees
    43200 / 2^32 s).
    """
    sign = 1.0 if rising else -1.0
    a = a.copy()
    b = b.copy()
    fa = sign * (_elevation_abs(lon, lat, a, table) - threshold)  # < 0
    fb = sign * (_elevation_abs(lon, lat, b, table) - threshold)  # >= 0
    side = np.zeros(len(a), dtype=np.int8)
    for k in range(iterations):
        open_ = (b - a) > 2 * ROOT_TOL_S
        if not open_.any():
            break
        idx = np.flatnonzero(open_)
        aa, bb, ffa, ffb = a[idx], b[idx], fa[idx], fb[idx]
        if k < 8:
            denom = ffb - ffa
            x = np.where(denom > 0, aa - ffa * (bb - aa) / np.where(denom > 0, denom, 1.0), 0.0)
            x = np.where((x > aa) & (x < bb), x, 0.5 * (aa + bb))
        else:
            x = 0.5 * (aa + bb)
        fx = sign * (_elevation_abs(lon[idx], lat[idx], x, table) - threshold)
        left = fx < 0  # root in [x, b]
        s = side[idx]
        a[idx] = np.where(left, x, aa)
        fa[idx] = np.where(left, fx, np.where(s == 1, ffa * 0.5, ffa))
        b[idx] = np.where(left, bb, x)
        fb[idx] = np.where(left, np.where(s == -1, ffb * 0.5, ffb), fx)
        side[idx] = np.where(left, -1, 1)  # which end moved (Illinois halves the other)
    return 0.5 * (a + b)


def _crossing_fast(
    lon: np.ndarray,
    lat: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    threshold: float,
    rising: bool,
    table: _SunTable,
) -> np.ndarray:
    """Crossing time in [a, b] (UNIX s) of elevation = ``threshold``, checked bracketed.

    Closed-form first: with the declination delta and equation of time E at the current
    estimate, the crossing hour angle is H0 = acos((sin h0 - sin lat sin delta) /
    (cos lat cos delta)), taken at -H0 (rising) or +H0 (setting); two rounds of this
    fixed point (delta moves < 0.02 deg per hour) converge to far below a second. Each
    result is then checked to be bracketed, f(t - ROOT_TOL_S) and f(t + ROOT_TOL_S) of
    opposite signs; the few that are not (near-tangent days at high latitude) go to the
    bracketed root finder :func:`_crossing`.
    """
    sign = -1.0 if rising else 1.0
    phi = np.deg2rad(lat)
    sin_h0 = np.sin(np.deg2rad(threshold))
    t = 0.5 * (a + b)
    ok = np.ones(len(a), dtype=bool)
    for _ in range(2):
        decl, eot = table(t)
        cos_h = (sin_h0 - np.sin(phi) * np.sin(decl)) / (np.cos(phi) * np.cos(decl))
        ok &= np.abs(cos_h) < 1.0
        h0 = np.rad2deg(np.arccos(np.clip(cos_h, -1.0, 1.0)))
        day0 = np.floor(t / DAY_S) * DAY_S
        x = day0 + (sign * h0 + 180.0 - lon - eot) * (DAY_S / 360.0)
        t = x + np.round((t - x) / DAY_S) * DAY_S
    ok &= (t - ROOT_TOL_S > a) & (t + ROOT_TOL_S < b)
    up = 1.0 if rising else -1.0
    lo_f = up * (_elevation_abs(lon, lat, t - ROOT_TOL_S, table) - threshold)
    hi_f = up * (_elevation_abs(lon, lat, t + ROOT_TOL_S, table) - threshold)
    ok &= (lo_f < 0) & (hi_f >= 0)
    bad = np.flatnonzero(~ok)
    if len(bad):
        t[bad] = _crossing(lon[bad], lat[bad], a[bad], b[bad], threshold, rising, table)
    return t


def daylight_windows(
    lon: np.ndarray,
    lat: np.ndarray,
    start: datetime,
    horizon: float,
    min_elevation: float = CIVIL_TWILIGHT_DEG,
    t_lo: np.ndarray | float | None = None,
    t_hi: np.ndarray | float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intervals of [0, horizon] (s from ``start``) when the sun is at or above a threshold.

    For each point (lon, lat in deg), the times when the geometric sun elevation is
    ``>= min_elevation`` (deg; default civil twilight, -6). Per solar day the elevation
    rises from local midnight (hour angle 180) to solar noon (hour angle 0) and falls
    after it; each half day either never crosses the threshold (polar day or night: the
    whole half in or out) or crosses once, solved by a bracketed root finder to
    +-:data:`ROOT_TOL_S`. No time stepping. ``t_lo``/``t_hi`` (s, scalar or one per
    point) restrict each point to [t_lo, t_hi] (e.g. a violation's active interval:
    only the solar days it spans are solved). Returns ``(point, lo, hi)``: point index,
    merged and sorted by (point, lo), clipped to [0, horizon] and [t_lo, t_hi].
    """
    lon = np.atleast_1d(np.asarray(lon, float))
    lat = np.atleast_1d(np.asarray(lat, float))
    n = len(lon)
    epoch = _epoch_s(start)
    span_lo = np.broadcast_to(np.maximum(0.0 if t_lo is None else t_lo, 0.0), (n,)).astype(float)
    span_hi = np.broadcast_to(np.minimum(horizon if t_hi is None else t_hi, horizon), (n,)).astype(
        float
    )
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
    # UTC days covering each point's span with a day of margin each side; day k's
    # solar noon is within half a day of k + 12:00 - lon / 15 h.
    first = np.floor((epoch + np.minimum(span_lo, span_hi)) / DAY_S) - 1
    last = np.floor((epoch + span_hi) / DAY_S) + 1
    count = (last - first + 1).astype(np.int64)
    total = int(count.sum())
    pidx = np.repeat(np.arange(n), count)
    offset = np.cumsum(count) - count
    day = first[pidx] + (np.arange(total) - offset[pidx])
    table = _SunTable(first.min() * DAY_S - DAY_S, (last.max() + 2) * DAY_S)
    plon = lon[pidx]
    plat = lat[pidx]
    noon = _transit(plon, day * DAY_S + 0.5 * DAY_S - plon * (DAY_S / 360.0), 0.0, table)
    # The midnights (hour angle 180) between consecutive noons, computed once so the end
    # of one solar day is exactly the start of the next (polar day joins up).
    midnight = _transit(plon, noon - 0.5 * DAY_S, 180.0, table)
    last_of_point = np.zeros(total, dtype=bool)
    last_of_point[offset + count - 1] = True
    after = np.empty(total)
    after[:-1] = midnight[1:]
    lp = np.flatnonzero(last_of_point)
    after[lp] = _transit(plon[lp], noon[lp] + 0.5 * DAY_S, 180.0, table)
    h_mid = _elevation_abs(plon, plat, midnight, table)
    h_after = np.empty(total)
    h_after[:-1] = h_mid[1:]
    h_after[lp] = _elevation_abs(plon[lp], plat[lp], after[lp], table)
    # Only solar days that meet the point's span matter.
    rel = np.flatnonzero((after > epoch + span_lo[pidx]) & (midnight < epoch + span_hi[pidx]))
    pidx, plon, plat = pidx[rel], plon[rel], plat[rel]
    noon, midnight, after = noon[rel], midnight[rel], after[rel]
    h_mid, h_after = h_mid[rel], h_after[rel]
    h_noon = _elevation_abs(plon, plat, noon, table)
    thr = float(min_elevation)

    # Rising half [midnight, noon]: in from `rise` (midnight if already up).
    rise = midnight.copy()
    cross = (h_mid < thr) & (h_noon >= thr)
    if cross.any():
        c = np.flatnonzero(cross)
        rise[c] = _crossing_fast(plon[c], plat[c], midnight[c], noon[c], thr, True, table)
    up_rise = h_noon >= thr
    # Falling half [noon, after]: in until `set_` (the next midnight if still up).
    set_ = after.copy()
    cross = (h_after < thr) & (h_noon >= thr)
    if cross.any():
        c = np.flatnonzero(cross)
        set_[c] = _crossing_fast(plon[c], plat[c], noon[c], after[c], thr, False, table)
    # Noon below the threshold: no daylight this solar day.
    keep = up_rise
    g = pidx[keep]
    lo = rise[keep] - epoch
    hi = set_[keep] - epoch
    lo = np.maximum(lo, span_lo[g])
    hi = np.minimum(hi, span_hi[g])
    ok = hi > lo
    g, lo, hi = g[ok], lo[ok], hi[ok]
    # Already sorted by (point, time) and disjoint; consecutive solar days only touch
    # (polar day: one day's end is the next one's start, the same midnight). Join those.
    start_new = np.ones(len(lo), dtype=bool)
    start_new[1:] = (g[1:] != g[:-1]) | (lo[1:] > hi[:-1])
    idx = np.flatnonzero(start_new)
    return g[idx], lo[idx], np.maximum.reduceat(hi, idx) if len(idx) else hi[:0]


def is_daylight(
    lon: np.ndarray | float,
    lat: np.ndarray | float,
    t: np.ndarray | float,
    start: datetime,
    min_elevation: float = CIVIL_TWILIGHT_DEG,
) -> np.ndarray:
    """Whether the sun is at or above ``min_elevation`` (deg, geometric) at lon/lat, t.

    ``t`` in s from ``start``; broadcasts like :func:`sun_elevation`. For flags on
    instants that came from :func:`daylight_windows` windows (a detection inside a cut
    window), prefer :func:`sim.world.intervals.in_intervals` on those windows: it agrees
    with the cut exactly, where this test may differ within ROOT_TOL_S of an edge.
    """
    return sun_elevation(lon, lat, t, start) >= min_elevation


def cut_by_daylight(
    point: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    day_point: np.ndarray,
    day_lo: np.ndarray,
    day_hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The daylight parts of sensing windows (closed form).

    Each window [lo, hi] (s) at its point is cut by that point's daylight intervals
    ``(day_point, day_lo, day_hi)`` from :func:`daylight_windows`. Returns
    ``(index, lo, hi)``: index into the input windows of each piece (to carry the
    window's asset and violation) and the piece, ``hi > lo``.
    """
    return intersect_intervals(point, lo, hi, day_point, day_lo, day_hi, merged_b=True)
