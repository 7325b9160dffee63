"""Propagation with SGP4 and the frames from TEME to the ground track.

Steps, each vectorised over satellites x times:

1. ``propagate``: ``SatrecArray.sgp4`` gives position and velocity in TEME (the
   True Equator, Mean Equinox frame SGP4 works in), metres and m/s.
2. ``teme_to_ecef``: TEME -> Earth-fixed (pseudo Earth-fixed, PEF) is one rotation
   about z by the Greenwich mean sidereal time, IAU-82 (Vallado et al. 2006,
   "Revisiting Spacetrack Report #3", AIAA 2006-6753, sec. on TEME):

       GMST = 67310.54841 s + (876600 h + 8640184.812866 s) T + 0.093104 s T^2
              - 6.2e-6 s T^3,          T = (JD_UT1 - 2451545.0) / 36525,

   r_ecef = R3(GMST) r_teme, v_ecef = R3(GMST) v_teme - omega x r_ecef with
   omega = 7.292115e-5 rad/s. TEME's x axis is the *mean* equinox on the true
   equator, so no equation of the equinoxes enters. Neglected: UT1 - UTC (|.| < 0.9 s
   by definition, a rotation of < 0.9 s x 7.29e-5 rad/s = 6.6e-5 rad, <= 420 m east-west
   at the equator) and polar motion (< 0.6 arcsec, <= 20 m). Both are far below a
   swath's kilometres and SGP4's own error (about 1 km at epoch, growing 1-3 km/day
   for fitted TLEs).
3. ``ecef_to_geodetic``: pyproj (EPSG:4978 -> EPSG:4979, WGS84) gives lon, lat (deg)
   and height (m). The sub-satellite point is the foot of the ellipsoid normal
   through the satellite: geodetic lon, lat at height 0. WGS72 (the orbit constants)
   and WGS84 (the ellipsoid) differ by 2 m in equatorial radius.

Times are seconds from a timezone-aware UTC ``start``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

import numpy as np
from pyproj import Transformer
from sgp4.api import Satrec, SatrecArray, jday

from sim.world.orbits import OMEGA_EARTH


def julian(start: datetime, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Julian date split as (whole part, fraction) of UTC ``start`` + ``t`` seconds."""
    s = start.astimezone(timezone.utc)
    jd0, fr0 = jday(s.year, s.month, s.day, s.hour, s.minute, s.second + s.microsecond * 1e-6)
    fr = fr0 + np.asarray(t, dtype=float) / 86400.0
    whole = np.floor(fr)
    return jd0 + whole, fr - whole


def gmst82(jd: np.ndarray, fr: np.ndarray) -> np.ndarray:
    """IAU-82 GMST (rad, in [0, 2 pi)) at Julian date jd + fr, taking UT1 = UTC."""
    t = ((jd - 2451545.0) + fr) / 36525.0
    secs = 67310.54841 + (876600.0 * 3600.0 + 8640184.812866) * t + (0.093104 - 6.2e-6 * t) * t * t
    return np.mod(secs * (2.0 * np.pi / 86400.0), 2.0 * np.pi)


def propagate(
    sats: Sequence[Satrec], start: datetime, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """TEME position (m) and velocity (m/s), each (n_sat, n_t, 3), at ``t`` s from ``start``.

    Raises ValueError naming the first satellite SGP4 reports an error for (decayed,
    eccentricity out of range ...).
    """
    jd, fr = julian(start, np.atleast_1d(t))
    err, r, v = SatrecArray(list(sats)).sgp4(jd, fr)
    if np.any(err):
        k = int(np.argwhere(err.any(axis=1))[0, 0])
        raise ValueError(f"sgp4 error {int(err[k].max())} for satellite {k}")
    return r * 1e3, v * 1e3


def teme_to_ecef(
    r: np.ndarray, v: np.ndarray, start: datetime, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rotate TEME (m, m/s; (..., n_t, 3)) to Earth-fixed by GMST at ``t`` s from ``start``."""
    theta = gmst82(*julian(start, np.atleast_1d(t)))
    c, s = np.cos(theta), np.sin(theta)
    x = c * r[..., 0] + s * r[..., 1]
    y = -s * r[..., 0] + c * r[..., 1]
    vx = c * v[..., 0] + s * v[..., 1] + OMEGA_EARTH * y
    vy = -s * v[..., 0] + c * v[..., 1] - OMEGA_EARTH * x
    return np.stack([x, y, r[..., 2]], axis=-1), np.stack([vx, vy, v[..., 2]], axis=-1)


@lru_cache(maxsize=2)
def _transformer(inverse: bool) -> Transformer:
    if inverse:
        return Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
    return Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)


def ecef_to_geodetic(r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """WGS84 longitude, latitude (deg) and ellipsoidal height (m) of ECEF points (..., 3) m."""
    lon, lat, h = _transformer(False).transform(r[..., 0], r[..., 1], r[..., 2])
    return np.asarray(lon), np.asarray(lat), np.asarray(h)


def geodetic_to_ecef(lon, lat, h=0.0) -> np.ndarray:
    """ECEF (..., 3) m of WGS84 lon, lat (deg) and height (m)."""
    lon = np.asarray(lon, dtype=float)
    x, y, z = _transformer(True).transform(lon, np.asarray(lat, dtype=float), h + 0.0 * lon)
    return np.stack([np.asarray(x), np.asarray(y), np.asarray(z)], axis=-1)


@dataclass(frozen=True)
class GroundTrack:
    """Sub-satellite points of n_sat satellites at n_t times (arrays (n_sat, n_t))."""

    t: np.ndarray  # s from start
    lon: np.ndarray  # deg, WGS84
    lat: np.ndarray  # deg
    altitude: np.ndarray  # m above the ellipsoid

    def nadir_ecef(self) -> np.ndarray:
        """ECEF (n_sat, n_t, 3) m of the sub-satellite points (on the ellipsoid)."""
        return geodetic_to_ecef(self.lon, self.lat)


def ground_track(sats: Sequence[Satrec], start: datetime, t) -> GroundTrack:
    """Sub-satellite points of ``sats`` at ``t`` s from ``start`` (all vectorised)."""
    tt = np.atleast_1d(np.asarray(t, dtype=float))
    r, v = propagate(sats, start, tt)
    re, _ = teme_to_ecef(r, v, start, tt)
    lon, lat, h = ecef_to_geodetic(re)
    return GroundTrack(tt, lon, lat, h)
