"""Orbit elements and the ``sgp4`` satellites they make.

Four ways to state an orbit, each giving mean elements (``OrbitElements``) or, for
element sets, ``sgp4.api.Satrec`` records directly:

- ``sun_synchronous(altitude, local_time, phase, start)``: a circular orbit whose
  node precesses with the mean Sun. The inclination starts from the first-order J2
  nodal-precession condition (Vallado, *Fundamentals of Astrodynamics*, eq. 9-41)

      dOmega/dt = -3/2 n J2 (Re / p)^2 cos i = 2 pi / (365.2422 d),   p = a (1 - e^2),

  and is refined (+0.025 deg at 700-800 km) so that SGP4's own secular node rate,
  which adds J2^2 and J4 terms, is the Sun's: the propagated orbit keeps its local time.

  and the right ascension of the ascending node comes from the local mean solar
  time of the descending node (LTDN) at ``start``: RAAN = alpha_ms + 15 deg/h x LTDN,
  alpha_ms the right ascension of the mean Sun (its mean longitude, Meeus ch. 25).
- ``keplerian(...)``: the six classical elements at an epoch.
- ``walker(...)``: a Walker delta constellation t/p/f (Walker 1984): p planes with
  RAAN 360 j / p, t / p satellites per plane, mean anomaly 360 k p / t + 360 f j / t.
- ``from_tle(text)``: two- or three-line element sets, read by ``Satrec.twoline2rv``.

Synthetic elements become ``Satrec`` records through ``Satrec.sgp4init`` with the
WGS72 constants (those SGP4 and the TLEs are fitted with: mu = 398600.8 km^3/s^2,
Re = 6378.135 km, J2 = 1.082616e-3). SGP4 reads a *Kozai* mean motion and turns it
into a Brouwer one; ``satrec`` solves for the Kozai value whose Brouwer mean
motion is sqrt(mu / a^3), so ``semi_major_axis`` is the Brouwer mean semi-major
axis that SGP4's secular rates (node, perigee, mean anomaly) are computed from.
Drag is off (B* = 0). Angles are degrees, lengths metres, times UTC.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
from sgp4.api import WGS72, Satrec

MU = 398600.8e9  # m^3/s^2, WGS72 (SGP4's constants)
RE = 6378135.0  # m, WGS72 equatorial radius
J2 = 1.082616e-3  # WGS72
TROPICAL_YEAR = 365.24219 * 86400.0  # s
OMEGA_EARTH = 7.292115e-5  # rad/s, Earth's rotation rate (WGS84)
SUN_NODE_RATE = 2.0 * math.pi / TROPICAL_YEAR  # rad/s, the mean Sun's rate in right ascension
_SGP4_EPOCH = datetime(1949, 12, 31, tzinfo=timezone.utc)  # sgp4init counts days from here
_J2000 = datetime(2000, 1, 1, 12, tzinfo=timezone.utc)


@dataclass(frozen=True)
class OrbitElements:
    """Mean classical elements of one satellite (angles deg, lengths m, epoch UTC)."""

    name: str
    semi_major_axis: float
    eccentricity: float
    inclination: float
    raan: float
    arg_perigee: float
    mean_anomaly: float
    epoch: datetime

    @property
    def altitude(self) -> float:
        """Mean altitude above the WGS72 equatorial radius, metres (a - Re)."""
        return self.semi_major_axis - RE

    @property
    def period(self) -> float:
        """Keplerian period 2 pi sqrt(a^3 / mu), seconds."""
        return 2.0 * math.pi * math.sqrt(self.semi_major_axis**3 / MU)


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("orbit epochs must be timezone-aware (UTC) datetimes")
    return when.astimezone(timezone.utc)


def sun_synchronous_inclination(altitude: float, eccentricity: float = 0.0) -> float:
    """Inclination (deg) at which first-order J2 turns the node at the mean Sun's rate.

    The closed form cos i = -dOmega_sun/dt / (3/2 n J2 (Re / p)^2); ``altitude`` is
    a - Re in metres. Raises ValueError above ~5,970 km, where no inclination is fast
    enough. ``sgp4_sun_synchronous_inclination`` refines it for SGP4's own node rate.
    """
    a = RE + altitude
    p = a * (1.0 - eccentricity**2)
    n = math.sqrt(MU / a**3)
    cos_i = -SUN_NODE_RATE / (1.5 * n * J2 * (RE / p) ** 2)
    if cos_i < -1.0:
        raise ValueError(f"no sun-synchronous orbit at altitude {altitude:g} m")
    return math.degrees(math.acos(cos_i))


def sgp4_sun_synchronous_inclination(altitude: float) -> float:
    """Inclination (deg) at which SGP4's node turns at the mean Sun's rate.

    SGP4's secular node rate has J2, J2^2 and J4 terms; circular orbit at ``altitude``
    m (a - Re).
    The first-order value is 0.025 deg lower at 700-800 km; with it SGP4's node lags
    the Sun by 0.3 % (local time drifts ~20 s a month, ~4 min a year). Solved by Brent's
    method to 1e-9 deg, starting from the closed form.
    """
    from scipy.optimize import brentq

    i0 = sun_synchronous_inclination(altitude)
    epoch = datetime(2000, 1, 1, tzinfo=timezone.utc)

    def excess(inc: float) -> float:
        el = OrbitElements("sso", RE + altitude, 0.0, inc, 0.0, 0.0, 0.0, epoch)
        return satrec(el).nodedot / 60.0 - SUN_NODE_RATE

    return float(brentq(excess, i0 - 1.0, min(i0 + 1.0, 180.0), xtol=1e-9))


def sun_synchronous_repeat_altitude(revolutions: int, days: int) -> float:
    """Altitude (m, a - Re) of the sun-synchronous orbit that repeats its track.

    The track repeats after ``revolutions`` revolutions in ``days`` days (e.g.
    Sentinel-2: 143 in 10); the orbit is circular.
    Solved (Brent, to 1 m) on SGP4's own secular rates: the nodal rate of the argument
    of latitude, mdot + argpdot, over Earth's rate relative to the node,
    OMEGA_EARTH - nodedot, equals revolutions / days.
    """
    from scipy.optimize import brentq

    epoch = datetime(2000, 1, 1, tzinfo=timezone.utc)

    def excess(h: float) -> float:
        el = OrbitElements("rgt", RE + h, 0.0, sgp4_sun_synchronous_inclination(h), 0, 0, 0, epoch)
        sat = satrec(el)
        nodal = (sat.mdot + sat.argpdot) / 60.0
        return nodal / (OMEGA_EARTH - sat.nodedot / 60.0) - revolutions / days

    return float(brentq(excess, 150e3, 5000e3, xtol=1.0))


def mean_sun_right_ascension(when: datetime) -> float:
    """Right ascension of the mean Sun (deg, in [0, 360)): its mean longitude (Meeus 25.2)."""
    d = (_utc(when) - _J2000).total_seconds() / 86400.0
    t = d / 36525.0
    return (280.46646 + 36000.76983 * t + 0.0003032 * t * t) % 360.0


def parse_local_time(local_time: str | float) -> float:
    """Hours from "HH:MM" (or a number of hours), in [0, 24)."""
    if isinstance(local_time, str):
        hh, _, mm = local_time.partition(":")
        hours = int(hh) + (int(mm) if mm else 0) / 60.0
    else:
        hours = float(local_time)
    if not 0.0 <= hours < 24.0:
        raise ValueError(f"local time {local_time!r} is not within 00:00-24:00")
    return hours


def sun_synchronous(
    altitude: float, local_time: str | float, phase: float, start: datetime, name: str = "sat"
) -> OrbitElements:
    """A circular sun-synchronous orbit at ``start``.

    ``altitude`` m; ``local_time`` the local mean solar time of the descending node
    ("10:30"); ``phase`` the argument of latitude at ``start`` (deg from the
    ascending node).
    """
    ltdn = parse_local_time(local_time)
    raan = (mean_sun_right_ascension(start) + 15.0 * ltdn) % 360.0
    return OrbitElements(
        name=name,
        semi_major_axis=RE + altitude,
        eccentricity=0.0,
        inclination=sgp4_sun_synchronous_inclination(altitude),
        raan=raan,
        arg_perigee=0.0,
        mean_anomaly=phase % 360.0,
        epoch=_utc(start),
    )


def keplerian(
    *,
    eccentricity: float,
    inclination: float,
    raan: float,
    arg_perigee: float,
    mean_anomaly: float,
    epoch: datetime,
    altitude: float | None = None,
    semi_major_axis: float | None = None,
    name: str = "sat",
) -> OrbitElements:
    """Classical elements; give exactly one of ``altitude`` (a - Re) or ``semi_major_axis`` (m)."""
    if (altitude is None) == (semi_major_axis is None):
        raise ValueError("give exactly one of altitude and semi_major_axis")
    a = RE + altitude if altitude is not None else float(semi_major_axis)  # type: ignore[arg-type]
    if not 0.0 <= eccentricity < 1.0:
        raise ValueError(f"eccentricity {eccentricity} is not in [0, 1)")
    if a * (1.0 - eccentricity) < RE + 100e3:
        raise ValueError("the perigee is below 100 km")
    return OrbitElements(
        name, a, eccentricity, inclination, raan, arg_perigee, mean_anomaly, _utc(epoch)
    )


def walker(
    name: str,
    total: int,
    planes: int,
    phasing: int,
    altitude: float,
    inclination: float,
    start: datetime,
    raan0: float = 0.0,
) -> list[OrbitElements]:
    """A Walker delta constellation i: t/p/f of circular orbits, named ``<name>-<k>`` (k from 1).

    Plane j (0..p-1) has RAAN ``raan0`` + 360 j / p; satellite m (0..t/p-1) in it has
    argument of latitude 360 m p / t + 360 f j / t at ``start``.
    """
    if planes < 1 or total < 1 or total % planes:
        raise ValueError(f"a Walker constellation needs planes dividing total: {total}/{planes}")
    if not 0 <= phasing < planes:
        raise ValueError(f"Walker phasing must be in 0..{planes - 1}, not {phasing}")
    per_plane = total // planes
    out = []
    for j in range(planes):
        for m in range(per_plane):
            out.append(
                OrbitElements(
                    name=f"{name}-{j * per_plane + m + 1}",
                    semi_major_axis=RE + altitude,
                    eccentricity=0.0,
                    inclination=inclination,
                    raan=(raan0 + 360.0 * j / planes) % 360.0,
                    arg_perigee=0.0,
                    mean_anomaly=(360.0 * m / per_plane + 360.0 * phasing * j / total) % 360.0,
                    epoch=_utc(start),
                )
            )
    return out


def satrec(elements: OrbitElements, satnum: int = 1) -> Satrec:
    """The SGP4 record of mean ``elements`` (WGS72, no drag).

    The Kozai mean motion is solved (fixed point, 4 passes, relative residual
    < 1e-12) so that SGP4's Brouwer semi-major axis (``Satrec.a``, from its un-Kozaied
    mean motion) is ``semi_major_axis``: its Brouwer mean motion is sqrt(mu / a^3).
    """
    e = elements
    epoch_days = (e.epoch - _SGP4_EPOCH).total_seconds() / 86400.0
    n_target = math.sqrt(MU / e.semi_major_axis**3) * 60.0  # rad/min
    n_kozai = n_target
    # sgp4 errors on e == 0 in a few branches of older builds; 1e-9 changes nothing measurable
    ecc = max(e.eccentricity, 1e-9)
    sat = Satrec()
    for _ in range(4):
        sat = Satrec()
        sat.sgp4init(
            WGS72,
            "i",
            satnum,
            epoch_days,
            0.0,
            0.0,
            0.0,
            ecc,
            math.radians(e.arg_perigee),
            math.radians(e.inclination),
            math.radians(e.mean_anomaly),
            n_kozai,
            math.radians(e.raan),
        )
        # sat.a (Earth radii) is (xke / no_unkozai)^(2/3): SGP4's Brouwer semi-major axis
        n_kozai *= (sat.a * sat.radiusearthkm * 1e3 / e.semi_major_axis) ** 1.5
    if sat.error:
        raise ValueError(f"sgp4 cannot initialise {e.name}: error {sat.error}")
    return sat


def satrecs(elements: Sequence[OrbitElements]) -> list[Satrec]:
    """``satrec`` of each element set, numbered 1, 2, ..."""
    return [satrec(e, k + 1) for k, e in enumerate(elements)]


def from_tle(text: str) -> list[tuple[str, Satrec]]:
    """(name, Satrec) of each two- or three-line element set in ``text``.

    A set is a line starting "1 " followed by one starting "2 "; a non-empty line
    just before it names it (a leading "0 " dropped), otherwise the name is
    "NORAD-<catalog number>".
    """
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    out: list[tuple[str, Satrec]] = []
    i = 0
    while i < len(lines):
        if lines[i].startswith("1 ") and i + 1 < len(lines) and lines[i + 1].startswith("2 "):
            name = ""
            if i > 0 and not lines[i - 1].startswith(("1 ", "2 ")):
                name = lines[i - 1].strip()
                name = name[2:].strip() if name.startswith("0 ") else name
            sat = Satrec.twoline2rv(lines[i], lines[i + 1], WGS72)
            if sat.error:
                raise ValueError(f"TLE {lines[i][2:7]}: sgp4 error {sat.error}")
            out.append((name or f"NORAD-{sat.satnum}", sat))
            i += 2
        else:
            i += 1
    if not out:
        raise ValueError("no two-line element set found")
    return out


def elements_array(elements: Sequence[OrbitElements]) -> np.ndarray:
    """(n, 6) array a (m), e, i, RAAN, arg perigee, mean anomaly (deg): for tables and tests."""
    return np.array(
        [
            [
                e.semi_major_axis,
                e.eccentricity,
                e.inclination,
                e.raan,
                e.arg_perigee,
                e.mean_anomaly,
            ]
            for e in elements
        ]
    )
