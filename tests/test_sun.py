"""Daylight: sun elevation, daylight windows, interval algebra, the modality flag.

Independent sources: published sunrise/sunset times (named at each value) and PyEphem
(libastro, VSOP87 theory: a different algorithm and code base from the NOAA series in
sim/world/sun.py), used in these tests only; a dense brute-force sampling of the
elevation (test-only time stepping) checks the closed-form windows.
"""

from __future__ import annotations

import bisect
import math
from datetime import datetime, timedelta, timezone

import ephem
import numpy as np
import pytest

from sim.spec.environment import needs_daylight
from sim.world import sun
from sim.world.detection import merge_intervals
from sim.world.intervals import group_searchsorted, in_intervals, intersect_intervals

UTC = timezone.utc
KYIV = (30.52, 50.45)  # lon, lat (deg)
DONETSK = (37.8, 48.0)
MINUTES_2 = 120.0  # the tolerance on sunrise/sunset times, s


def _windows_on(lon: float, lat: float, day: datetime, threshold: float):
    """The (lo, hi) daylight window of one UTC day (s from that day's 00:00 UTC)."""
    _, lo, hi = sun.daylight_windows(np.array([lon]), np.array([lat]), day, 86400.0, threshold)
    assert len(lo) == 1, (lo, hi)
    return lo[0], hi[0]


# --- published times -----------------------------------------------------------------


@pytest.mark.parametrize(
    "source, lon, lat, date, utc_offset_h, rise, set_",
    [
        # pogodairadar.com.ua, "Літнє сонцестояння: дні стають коротшими" (21 June 2025):
        # "У Києві цього дня Сонце зійде о 4:46 і зайде о 21:13" (EEST, UTC+3).
        ("pogodairadar Kyiv", *KYIV, "2025-06-21", 3, "04:46", "21:13"),
        # news.kh.ua, "Сегодня самый короткий день в году" citing the Ukrainian
        # Hydrometeorological Centre: Kharkiv (50.00 N, 36.23 E) on 21 December, sunrise
        # 7.30, sunset 15.35 (EET, UTC+2); the year, 2011, from its "Sunday 25 December"
        # (a year earlier or later moves these times by well under a minute).
        ("Ukrhydromet Kharkiv", 36.23, 50.00, "2011-12-21", 2, "07:30", "15:35"),
    ],
)
def test_sunrise_sunset_against_published_times(
    source: str, lon: float, lat: float, date: str, utc_offset_h: int, rise: str, set_: str
) -> None:
    """Published minute-rounded times (+-30 s) agree within the issue's 2 minutes."""
    day = datetime.fromisoformat(date).replace(tzinfo=UTC)
    lo, hi = _windows_on(lon, lat, day, sun.SUNRISE_DEG)

    def local_s(hhmm: str) -> float:
        h, m = hhmm.split(":")
        return (int(h) - utc_offset_h) * 3600.0 + int(m) * 60.0

    assert abs(lo - local_s(rise)) <= MINUTES_2, source
    assert abs(hi - local_s(set_)) <= MINUTES_2, source


# --- PyEphem, an independent algorithm ---------------------------------------------


def _ephem_time(lon: float, lat: float, day: datetime, horizon_deg: float, rising: bool):
    """PyEphem's rising/setting of the sun's centre at a geometric horizon (s from day)."""
    obs = ephem.Observer()
    obs.lat, obs.lon = str(lat), str(lon)
    obs.elevation = 0.0
    obs.pressure = 0.0  # no refraction: our elevations are geometric
    obs.horizon = math.radians(horizon_deg)
    obs.date = ephem.Date(day)
    body = ephem.Sun()
    event = obs.next_rising if rising else obs.next_setting
    when = event(body, use_center=True).datetime().replace(tzinfo=UTC)
    return (when - day).total_seconds()


DATES = ["2025-01-15", "2025-03-20", "2025-06-21", "2025-09-22", "2025-12-21", "2026-01-10"]


@pytest.mark.parametrize("place", [KYIV, DONETSK], ids=["Kyiv", "Donetsk"])
@pytest.mark.parametrize("date", DATES)
@pytest.mark.parametrize(
    "threshold", [sun.SUNRISE_DEG, sun.CIVIL_TWILIGHT_DEG], ids=["sunrise", "civil"]
)
def test_sunrise_sunset_and_civil_twilight_against_pyephem(place, date, threshold) -> None:
    """Sunrise/sunset (-0.833 deg) and civil twilight (-6 deg) within 2 minutes of PyEphem.

    Measured: within 2.5 s at every date and place here.
    """
    lon, lat = place
    day = datetime.fromisoformat(date).replace(tzinfo=UTC)
    lo, hi = _windows_on(lon, lat, day, threshold)
    assert abs(lo - _ephem_time(lon, lat, day, threshold, rising=True)) <= MINUTES_2
    assert abs(hi - _ephem_time(lon, lat, day, threshold, rising=False)) <= MINUTES_2


def test_sun_elevation_against_pyephem_anywhere() -> None:
    """The NOAA series' geometric elevation agrees with PyEphem (refraction off).

    Bound 0.03 deg, stated from the sources, not tuned: Meeus's series is good to
    0.01 deg in the sun's longitude (so in declination and right ascension), the
    equation of time inherits that 0.01 deg of hour angle, and PyEphem's topocentric
    altitude includes the solar parallax (8.8" = 0.0024 deg) we ignore.
    """
    rng = np.random.default_rng(7)
    start = datetime(2015, 1, 1, tzinfo=UTC)
    lat = rng.uniform(-85.0, 85.0, 200)
    lon = rng.uniform(-180.0, 180.0, 200)
    t = rng.uniform(0.0, 20 * 365.25 * 86400.0, 200)
    ours = sun.sun_elevation(lon, lat, t, start)
    theirs = np.empty(200)
    for k in range(200):
        obs = ephem.Observer()
        obs.lat, obs.lon = str(lat[k]), str(lon[k])
        obs.elevation, obs.pressure = 0.0, 0.0
        obs.date = ephem.Date(start + timedelta(seconds=float(t[k])))
        theirs[k] = math.degrees(ephem.Sun(obs).alt)
    assert np.max(np.abs(ours - theirs)) < 0.03


def test_sun_elevation_broadcasts_points_by_times() -> None:
    """(points, 1) x (1, times) gives a (points, times) array equal to scalar calls."""
    start = datetime(2026, 1, 10, 6, 0, tzinfo=UTC)
    lon = np.array([30.52, 37.8, -70.0])
    lat = np.array([50.45, 48.0, -33.0])
    t = np.array([0.0, 3600.0, 86400.0 * 3.5])
    grid = sun.sun_elevation(lon[:, None], lat[:, None], t[None, :], start)
    assert grid.shape == (3, 3)
    for i in range(3):
        for j in range(3):
            one = sun.sun_elevation(lon[i], lat[i], t[j], start)
            assert grid[i, j] == pytest.approx(float(one))


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sun.sun_elevation(30.0, 50.0, 0.0, datetime(2026, 1, 1))


# --- windows against a dense brute-force sampling (test only) --------------------------

POINTS = np.array(
    [
        KYIV,
        DONETSK,
        (0.0, 0.0),  # equator
        (151.2, -33.9),  # southern hemisphere
        (18.9, 69.6),  # polar night ends in January, polar day begins in May
        (15.0, 78.0),  # polar night / day
        (179.9, 66.5),  # the antimeridian, the arctic circle
        (-179.9, -70.0),
    ]
)
BAND_DEG = 1e-4  # elevations this close to the threshold are not judged (3e-6 deg table)


def _brute_force_check(start: datetime, horizon: float, threshold: float, step: float) -> int:
    """Compare windows with sampled elevations; return the number of interior edges."""
    lon, lat = POINTS[:, 0], POINTS[:, 1]
    g, lo, hi = sun.daylight_windows(lon, lat, start, horizon, threshold)
    assert np.all(hi > lo) and np.all(lo >= 0.0) and np.all(hi <= horizon)
    t = np.arange(0.0, horizon, step)
    edges = 0
    for p in range(len(POINTS)):
        mine = g == p
        a, b = lo[mine], hi[mine]
        assert np.all(a[1:] > b[:-1])  # disjoint, sorted
        elev = sun.sun_elevation(lon[p], lat[p], t, start)
        inside = np.zeros(len(t), dtype=bool)
        near_edge = np.zeros(len(t), dtype=bool)
        for x, y in zip(a, b, strict=True):
            inside |= (t >= x) & (t <= y)
            for e in (x, y):
                if 0.0 < e < horizon:
                    near_edge |= np.abs(t - e) <= sun.ROOT_TOL_S
        judged = ~near_edge & (np.abs(elev - threshold) > BAND_DEG)
        # No window where the sun is below the threshold, and none missing where above.
        assert not np.any(inside & judged & (elev < threshold)), p
        assert not np.any(~inside & judged & (elev >= threshold)), p
        # Each interior edge is a crossing bracketed within +-ROOT_TOL_S.
        for x, y in zip(a, b, strict=True):
            for e, rising in ((x, True), (y, False)):
                if not 0.0 < e < horizon:
                    continue
                edges += 1
                before, after = sun.sun_elevation(
                    lon[p], lat[p], np.array([e - sun.ROOT_TOL_S, e + sun.ROOT_TOL_S]), start
                )
                if rising:
                    assert before < threshold + BAND_DEG and after >= threshold - BAND_DEG
                else:
                    assert before >= threshold - BAND_DEG and after < threshold + BAND_DEG
    return edges


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 1, 10, 13, 37, 11, tzinfo=UTC),  # mid-day start: edges of the horizon
        datetime(2026, 3, 1, 0, 0, tzinfo=UTC),  # polar transitions around the equinox
        datetime(2026, 5, 20, 21, 5, tzinfo=UTC),
    ],
)
@pytest.mark.parametrize("threshold", [sun.CIVIL_TWILIGHT_DEG, sun.SUNRISE_DEG, 10.0])
def test_windows_match_a_dense_brute_force_sampling(start, threshold) -> None:
    """Brute force every 30 s over 30.3 days: in a window iff elevation >= threshold."""
    edges = _brute_force_check(start, 30.3 * 86400.0, threshold, 30.0)
    assert edges > 100  # the check did look at crossings


def test_polar_day_and_polar_night_at_78_north_and_south() -> None:
    """At 78 deg the June sun never sets in the north and never rises in the south."""
    lon = np.array([15.0, 15.0])
    lat = np.array([78.0, -78.0])
    horizon = 5 * 86400.0
    june = datetime(2026, 6, 19, 7, 0, tzinfo=UTC)
    g, lo, hi = sun.daylight_windows(lon, lat, june, horizon)
    assert g.tolist() == [0] and lo.tolist() == [0.0] and hi.tolist() == [horizon]
    december = datetime(2026, 12, 19, 7, 0, tzinfo=UTC)
    g, lo, hi = sun.daylight_windows(lon, lat, december, horizon)
    assert g.tolist() == [1] and lo.tolist() == [0.0] and hi.tolist() == [horizon]


def test_windows_benchmark_size_runs_and_agrees_with_is_daylight() -> None:
    """10^3 points x 30 days; is_daylight agrees with the windows away from edges."""
    rng = np.random.default_rng(3)
    lon = rng.uniform(22.0, 40.0, 1000)
    lat = rng.uniform(44.0, 52.5, 1000)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    horizon = 30 * 86400.0
    g, lo, hi = sun.daylight_windows(lon, lat, start, horizon)
    q_point = rng.integers(0, 1000, 5000)
    q_t = rng.uniform(0.0, horizon, 5000)
    from_windows = in_intervals(g, lo, hi, q_point, q_t)
    direct = sun.is_daylight(lon[q_point], lat[q_point], q_t, start)
    far = np.ones(len(q_t), dtype=bool)  # no edge of any point within 1 s
    for e in (lo, hi):
        sorted_e = np.sort(e)
        k = np.clip(np.searchsorted(sorted_e, q_t), 1, len(sorted_e) - 1)
        far &= np.minimum(np.abs(q_t - sorted_e[k]), np.abs(q_t - sorted_e[k - 1])) > 1.0
    assert far.sum() > 4000
    assert np.array_equal(from_windows[far], direct[far])


# --- interval algebra ----------------------------------------------------------------


def _random_sets(rng, n_groups: int, n: int):
    group = rng.integers(0, n_groups, n)
    lo = np.round(rng.uniform(0.0, 100.0, n), 1)  # rounding makes ties and touches
    hi = lo + np.round(rng.uniform(0.0, 20.0, n), 1)
    return group, lo, hi


@pytest.mark.parametrize("n_groups", [5, 150])  # large groups (one sort), small (rank by rank)
def test_group_searchsorted_equals_bisect_on_pairs(n_groups: int) -> None:
    rng = np.random.default_rng(11)
    g, v, _ = _random_sets(rng, n_groups, 300)
    order = np.lexsort((v, g))
    g, v = g[order], v[order]
    qg, qv, _ = _random_sets(rng, n_groups + 1, 200)
    qv[::7] = v[rng.integers(0, len(v), len(qv[::7]))]  # ties with the reference
    pairs = list(zip(g.tolist(), v.tolist(), strict=True))
    for side in ("left", "right"):
        got = group_searchsorted(g, v, qg, qv, side=side)
        fn = bisect.bisect_left if side == "left" else bisect.bisect_right
        want = [fn(pairs, (a, b)) for a, b in zip(qg.tolist(), qv.tolist(), strict=True)]
        assert got.tolist() == want


def test_intersect_intervals_equals_a_pairwise_loop() -> None:
    rng = np.random.default_rng(12)
    ga, la, ha = _random_sets(rng, 4, 60)
    gb, lb, hb = _random_sets(rng, 4, 40)
    index, lo, hi = intersect_intervals(ga, la, ha, gb, lb, hb)
    mg, ml, mh = merge_intervals(gb, lb, hb, tol=0.0)
    want = []
    for i in range(len(la)):
        for g, x, y in zip(mg, ml, mh, strict=True):
            a, b = max(la[i], x), min(ha[i], y)
            if g == ga[i] and b > a:
                want.append((i, a, b))
    got = list(zip(index.tolist(), lo.tolist(), hi.tolist(), strict=True))
    assert sorted(got) == sorted(want)
    assert len(got) > 10


def test_in_intervals_equals_a_loop() -> None:
    rng = np.random.default_rng(13)
    g, lo, hi = merge_intervals(*_random_sets(rng, 4, 50), tol=0.0)
    qg = rng.integers(0, 5, 500)
    qt = np.round(rng.uniform(-5.0, 125.0, 500), 1)
    got = in_intervals(g, lo, hi, qg, qt)
    want = [
        any(gg == a and x <= b <= y for gg, x, y in zip(g, lo, hi, strict=True))
        for a, b in zip(qg.tolist(), qt.tolist(), strict=True)
    ]
    assert got.tolist() == want


def test_cut_by_daylight_keeps_only_the_sunlit_part_of_a_window() -> None:
    """A 48 h sensing window at Kyiv keeps exactly the two daylight windows inside it."""
    start = datetime(2026, 1, 10, tzinfo=UTC)
    dp, dl, dh = sun.daylight_windows(np.array([KYIV[0]]), np.array([KYIV[1]]), start, 3e5)
    index, lo, hi = sun.cut_by_daylight(
        np.array([0, 0]), np.array([0.0, 86400.0]), np.array([172800.0, 90000.0]), dp, dl, dh
    )
    assert index.tolist() == [0, 0]  # second window (00:00-01:00 UTC) is all night
    assert lo.tolist() == dl[:2].tolist() and hi.tolist() == dh[:2].tolist()


# --- the modality flag ---------------------------------------------------------------


@pytest.mark.parametrize("modality", ["eo", "optical", "camera", "EO", " Optical "])
def test_optical_modalities_need_daylight(modality: str) -> None:
    assert needs_daylight(modality)


@pytest.mark.parametrize(
    "modality", ["infrared", "ir", "sar", "radar", "acoustic", "seismic", "lidar", "unknown"]
)
def test_other_modalities_do_not(modality: str) -> None:
    assert not needs_daylight(modality)


def test_overrides_win_over_the_defaults() -> None:
    assert not needs_daylight("eo", {"EO": False})
    assert needs_daylight("lidar", {"lidar": True})
    assert needs_daylight("camera", {"lidar": True})


def test_the_bracketed_fallback_root_finder_agrees_with_the_closed_form_one() -> None:
    """sun._crossing (used where the closed form fails: near-tangent days) on ordinary
    days lands within ROOT_TOL_S of sun._crossing_fast, and keeps its bracket."""
    start = datetime(2026, 1, 10, tzinfo=UTC)
    epoch = start.timestamp()
    lon = np.array([30.52, 37.8, 10.75])
    lat = np.array([50.45, 48.0, 59.9])
    table = sun._SunTable(epoch - 2 * 86400.0, epoch + 4 * 86400.0)
    noon = sun._transit(lon, epoch + 43200.0 - lon * 240.0, 0.0, table)
    midnight = sun._transit(lon, noon - 43200.0, 180.0, table)
    for thr in (sun.CIVIL_TWILIGHT_DEG, sun.SUNRISE_DEG):
        slow = sun._crossing(lon, lat, midnight, noon, thr, True, table)
        fast = sun._crossing_fast(lon, lat, midnight, noon, thr, True, table)
        assert np.all((slow > midnight) & (slow < noon))
        assert np.all(sun._elevation_abs(lon, lat, slow - sun.ROOT_TOL_S, table) < thr)
        assert np.all(sun._elevation_abs(lon, lat, slow + sun.ROOT_TOL_S, table) >= thr)
        assert np.all(np.abs(slow - fast) <= 2 * sun.ROOT_TOL_S)


def test_per_point_spans_equal_the_full_windows_cut_to_each_span() -> None:
    """t_lo/t_hi (a violation's active interval) give the full-horizon windows cut."""
    rng = np.random.default_rng(5)
    n = 400
    lon = rng.uniform(-180.0, 180.0, n)
    lat = rng.uniform(-80.0, 80.0, n)
    start = datetime(2026, 1, 10, 13, 37, tzinfo=UTC)
    horizon = 20 * 86400.0
    t_lo = rng.uniform(-86400.0, horizon, n)
    t_hi = t_lo + rng.lognormal(np.log(1800.0), 2.0, n)
    full = sun.daylight_windows(lon, lat, start, horizon)
    index, lo, hi = intersect_intervals(np.arange(n), t_lo, t_hi, *full, merged_b=True)
    g, a, b = sun.daylight_windows(lon, lat, start, horizon, t_lo=t_lo, t_hi=t_hi)
    assert g.tolist() == index.tolist()
    assert np.allclose(a, lo, rtol=0.0, atol=1e-6) and np.allclose(b, hi, rtol=0.0, atol=1e-6)
    assert len(g) > 50
