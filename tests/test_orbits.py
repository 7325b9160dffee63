"""Orbit elements, sgp4 records and the TEME -> Earth-fixed -> geodetic chain."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec
from sgp4.propagation import gstime

from sim.world.groundtrack import (
    ecef_to_geodetic,
    geodetic_to_ecef,
    gmst82,
    ground_track,
    julian,
    propagate,
    teme_to_ecef,
)
from sim.world.orbits import (
    J2,
    MU,
    RE,
    from_tle,
    keplerian,
    mean_sun_right_ascension,
    parse_local_time,
    satrec,
    satrecs,
    sgp4_sun_synchronous_inclination,
    sun_synchronous,
    sun_synchronous_inclination,
    walker,
)

START = datetime(2026, 1, 15, tzinfo=timezone.utc)

# ISS, from the sgp4 package's documentation (a two-line set with a name line)
ISS_TLE = """ISS (ZARYA)
1 25544U 98067A   19343.69339541  .00001764  00000-0  38792-4 0  9991
2 25544  51.6439 211.2001 0007417  17.6667  85.6398 15.50103472202482
"""


# --- sun-synchronous inclination against published mission figures ------------------
# (altitude km, published inclination deg, source); tolerance 0.05 deg as asked in issue 9.
# The product's inclination makes SGP4's secular node rate the Sun's.
PUBLISHED = [
    (705.0, 98.2, "Landsat 8, USGS Landsat 8 Data Users Handbook"),
    (693.0, 98.18, "Sentinel-1, ESA Sentinel-1 orbit page"),
    (814.5, 98.65, "Sentinel-3, ESA Sentinel-3 orbit page"),
    (786.0, 98.6, "786 km sun-synchronous, as quoted in issue 9"),
]


@pytest.mark.parametrize(("altitude_km", "published", "source"), PUBLISHED)
def test_sun_synchronous_inclination_matches_published(altitude_km, published, source):
    assert sgp4_sun_synchronous_inclination(altitude_km * 1e3) == pytest.approx(published, abs=0.05)


@pytest.mark.xfail(
    strict=True,
    reason="ESA gives 98.62 deg for Sentinel-2 (786 km mean altitude, 143 orbits in 10 days, "
    "which our repeat-orbit solver puts at a = Re + 786.1 km); we get 98.5694 deg at 786 km, "
    "0.0506 off (the first-order J2 closed form gives 98.544). Within 0.05 deg of the 98.6 "
    "the issue quotes, not of ESA's 98.62; not tuned to match.",
)
def test_sentinel2_inclination_at_786_km_within_005_deg_of_esa():
    assert sgp4_sun_synchronous_inclination(786e3) == pytest.approx(98.62, abs=0.05)


def test_first_order_inclination_is_the_closed_form_and_close():
    """cos i = -dOmega_sun / (3/2 n J2 (Re/a)^2), and the SGP4 refinement adds < 0.03 deg."""
    a = RE + 786e3
    n = math.sqrt(MU / a**3)
    cos_i = -2 * math.pi / (365.24219 * 86400) / (1.5 * n * J2 * (RE / a) ** 2)
    assert sun_synchronous_inclination(786e3) == pytest.approx(math.degrees(math.acos(cos_i)))
    diff = sgp4_sun_synchronous_inclination(786e3) - sun_synchronous_inclination(786e3)
    assert 0.0 < diff < 0.03


def test_sun_synchronous_node_rate_is_the_suns_in_sgp4():
    sat = satrec(sun_synchronous(786e3, "10:30", 0.0, START))
    sun = 2 * math.pi / (365.2422 * 86400.0)
    assert sat.nodedot / 60.0 == pytest.approx(sun, rel=1e-6)


def test_no_sun_synchronous_orbit_too_high():
    with pytest.raises(ValueError):
        sun_synchronous_inclination(7000e3)


def test_local_time_parsing():
    assert parse_local_time("10:30") == 10.5
    assert parse_local_time(6) == 6.0
    with pytest.raises(ValueError):
        parse_local_time("25:00")


def test_mean_sun_right_ascension_at_equinox():
    """At the March 2026 equinox (20 Mar 14:46 UTC, USNO) the true Sun is at RA 0; the mean
    Sun's RA is the equation of time (apparent - mean solar time, -7.5 min on 20 March,
    NOAA tables), i.e. -1.9 deg; 0.3 deg is the table's 1-minute rounding and more."""
    ra = mean_sun_right_ascension(datetime(2026, 3, 20, 14, 46, tzinfo=timezone.utc))
    ra = (ra + 180.0) % 360.0 - 180.0
    assert ra == pytest.approx(-1.9, abs=0.3)


def test_descending_node_at_its_local_time():
    """The propagated satellite crosses the equator southbound at 10:30 local mean time."""
    el = sun_synchronous(786e3, "10:30", 0.0, START)
    sats = satrecs([el])
    t = np.arange(0.0, 6 * 3600.0, 5.0)
    gt = ground_track(sats, START, t)
    lat = gt.lat[0]
    k = np.nonzero((lat[:-1] > 0) & (lat[1:] <= 0))[0]
    assert len(k) >= 3
    for i in k:
        f = lat[i] / (lat[i] - lat[i + 1])
        tc = t[i] + f * 5.0
        lon = gt.lon[0, i] + f * (((gt.lon[0, i + 1] - gt.lon[0, i]) + 180) % 360 - 180)
        # local mean solar time = UTC + lon / 15 h; the equation of time is not in it
        utc_h = (START + timedelta(seconds=float(tc))).hour + (tc % 3600) / 3600.0
        local = (utc_h + lon / 15.0) % 24.0
        assert local == pytest.approx(10.5, abs=1.0 / 60)  # within a minute


def test_walker_delta_pattern():
    els = walker("w", 24, 6, 1, 700e3, 55.0, START)
    assert [e.name for e in els[:2]] == ["w-1", "w-2"]
    assert len(els) == 24
    raans = sorted({round(e.raan, 6) for e in els})
    assert raans == [0.0, 60.0, 120.0, 180.0, 240.0, 300.0]
    # plane 1's first satellite leads plane 0's by f * 360 / t = 15 deg
    assert els[4].mean_anomaly == pytest.approx(15.0)
    assert els[1].mean_anomaly == pytest.approx(90.0)
    with pytest.raises(ValueError):
        walker("w", 24, 5, 1, 700e3, 55.0, START)


def test_keplerian_needs_one_size():
    kw = dict(eccentricity=0.001, inclination=53, raan=0, arg_perigee=0, mean_anomaly=0)
    with pytest.raises(ValueError):
        keplerian(**kw, epoch=START)
    a = keplerian(**kw, epoch=START, altitude=550e3)
    b = keplerian(**kw, epoch=START, semi_major_axis=RE + 550e3)
    assert a == b


def test_satrec_mean_motion_is_the_brouwer_one():
    """sgp4's un-Kozaied mean motion equals sqrt(mu / a^3) of the stated semi-major axis."""
    el = walker("w", 1, 1, 0, 1200e3, 87.9, START)[0]
    sat = satrec(el)
    assert sat.a * sat.radiusearthkm * 1e3 == pytest.approx(el.semi_major_axis, rel=1e-12)
    # and SGP4's mean-anomaly rate is first-order J2 theory's (Vallado eq. 9-43), to J2^2
    n, i = math.sqrt(MU / el.semi_major_axis**3), math.radians(el.inclination)
    mdot = n * (1 + 0.75 * J2 * (RE / el.semi_major_axis) ** 2 * (3 * math.cos(i) ** 2 - 1))
    assert sat.mdot / 60.0 == pytest.approx(mdot, rel=3 * J2**2)
    # the orbit radius stays within the short-period J2 ripple (~10 km) of a
    r, _ = propagate([sat], START, np.arange(0.0, 7200.0, 30.0))
    assert np.abs(np.linalg.norm(r[0], axis=1) - el.semi_major_axis).max() < 15e3


def test_tle_two_and_three_lines():
    ((name, sat),) = from_tle(ISS_TLE)
    assert name == "ISS (ZARYA)"
    lines = ISS_TLE.splitlines()[1:]
    ((name2, sat2),) = from_tle("\n".join(lines))
    assert name2 == "NORAD-25544"
    ref = Satrec.twoline2rv(lines[0], lines[1], WGS72)
    e, r, _ = ref.sgp4(ref.jdsatepoch, ref.jdsatepochF + 0.1)
    when = datetime(2019, 12, 9, tzinfo=timezone.utc) + timedelta(days=0.69339541 + 0.1)
    r2, _ = propagate([sat], when, np.array([0.0]))
    assert np.allclose(r2[0, 0] / 1e3, r, atol=1e-3)
    with pytest.raises(ValueError):
        from_tle("no sets here")


def test_gmst_matches_sgp4_gstime():
    """IAU-82 GMST against the sgp4 package's own gstime (independent code)."""
    t = np.linspace(0.0, 40 * 86400.0, 17)
    jd, fr = julian(START, t)
    ours = gmst82(jd, fr)
    ref = np.array([gstime(a + b) for a, b in zip(jd, fr, strict=True)])
    assert np.allclose(ours, ref, atol=1e-9)


def test_teme_to_ecef_keeps_lengths_and_rotates_with_earth():
    sats = satrecs(walker("w", 3, 3, 0, 700e3, 60.0, START))
    t = np.arange(0.0, 3600.0, 60.0)
    r, v = propagate(sats, START, t)
    re, ve = teme_to_ecef(r, v, START, t)
    assert np.allclose(np.linalg.norm(re, axis=-1), np.linalg.norm(r, axis=-1))
    assert np.allclose(re[..., 2], r[..., 2])
    # Earth-fixed velocity is the derivative of the Earth-fixed position
    fd = np.gradient(re, t, axis=1)[:, 1:-1]
    assert np.abs(fd - ve[:, 1:-1]).max() < 5.0  # m/s, the O(h^2) error of the difference


def test_geodetic_round_trip_and_known_point():
    p = geodetic_to_ecef(np.array([0.0, 30.5]), np.array([0.0, 50.45]))
    assert p[0] == pytest.approx([6378137.0, 0.0, 0.0], abs=1e-6)
    lon, lat, h = ecef_to_geodetic(p)
    assert np.allclose(lon, [0.0, 30.5]) and np.allclose(lat, [0.0, 50.45])
    assert np.allclose(h, 0.0, atol=1e-6)
