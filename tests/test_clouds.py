"""Clouds (sim.world.clouds): the two-state Markov sky, checked against its theory.

Statistics. Regions are independent and identically distributed, so they serve as
independent samples:

- At one instant, a stationary chain is clear with probability p = c / (c + o): the
  number of clear regions out of R is Binomial(R, p) exactly (an exact binomial test).
- Over [0, T] the realised clear fraction Y of one region has mean p and, since a
  two-state chain's state covariance is p q exp(-|s - t| / tau) with
  tau = 1 / (1/c + 1/o), variance (integrating the covariance over the square)
  V = 2 p q tau / T - 2 p q tau^2 / T^2 (1 - exp(-T / tau)). The mean over R regions
  has variance V / R (normal by the CLT: each Y averages ~T / (c + o) cycles).
- Spell lengths: the first two spells of each region are independent and exponential
  with their state's mean (the first by the memoryless property), complete when the
  horizon is 60 means long (P(cut) = e^-60): a Kolmogorov-Smirnov test.

Every test is seeded; the bounds are 4 standard deviations (two-sided P about 6e-5)
or KS at significance 1e-3, so each can fail and none was tuned.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pytest
from scipy import stats

from sim.core.geo import Line
from sim.schema import CLOUD_COLUMNS
from sim.world import clouds as C

DAY = 86400.0
Z = 4.0
UTC = dt.timezone.utc


def rng(seed: int = 7) -> np.random.Generator:
    return np.random.default_rng(seed)


def one_region(length: float = 100e3) -> np.ndarray:
    return C.region_edges(length)


def many(n: int) -> np.ndarray:
    """Edges of n regions of 1 km (only their count matters to the sky)."""
    return C.region_edges(n * 1000.0, 1000.0)


# --- regions ---------------------------------------------------------------------------


def test_region_edges_cells_and_default():
    assert C.region_edges(230e3, 50e3).tolist() == [0, 50e3, 100e3, 150e3, 200e3, 230e3]
    assert C.region_edges(230e3).tolist() == [0, 230e3]
    assert C.region_edges(230e3, 500e3).tolist() == [0, 230e3]
    # a whole number of cells (to rounding) has no sliver region at its end
    assert len(C.region_edges(3 * 0.1, 0.1)) == 4
    assert len(C.region_edges(100e3 * (1 + 1e-6), 50e3)) == 4
    with pytest.raises(ValueError, match="cell"):
        C.region_edges(100e3, 0.0)
    with pytest.raises(ValueError, match="length"):
        C.region_edges(-1.0, 10.0)


def test_region_index_half_open_and_ends():
    edges = C.region_edges(230e3, 50e3)
    c = [0.0, 49_999.999, 50e3, 199_999.0, 200e3, 230e3, 260e3, -5.0]
    assert C.region_index(c, edges).tolist() == [0, 0, 1, 3, 4, 4, 4, 0]
    assert C.region_index(np.zeros((2, 3)), edges).shape == (2, 3)


def test_region_of_points_on_a_geographic_line():
    # a line of about 300 km east-west at 48 N: points 10 km off it near chainage
    # 120 km fall in the third 50 km region
    line = Line.from_points([[36.0, 48.0], [40.0, 48.0]], "lonlat", 20e3)
    edges = C.region_edges(line.length, 50e3)
    x, y = line.point_at(np.array([120e3, 10.0, line.length - 1.0]), 10e3)
    chain, _ = line.locate(x, y)
    assert C.region_index(chain, edges).tolist() == [2, 0, len(edges) - 2]


# --- the stationary sky ----------------------------------------------------------------


def check_partition(h: C.CloudHistory) -> None:
    """Per region: spells sorted, tiling [0, horizon] without gap, states alternating."""
    assert np.all(np.diff(h.region) >= 0)
    for k in range(h.n_regions):
        m = h.region == k
        s, e, c = h.t_start[m], h.t_end[m], h.clear[m]
        assert s[0] == 0.0 and e[-1] == h.horizon
        assert np.array_equal(s[1:], e[:-1])
        assert np.all(e >= s)
        assert np.all(c[1:] != c[:-1])


def test_spells_tile_the_horizon_and_alternate():
    h = C.draw_clouds(rng(), many(20), 40 * DAY, 2 * DAY, 3 * DAY)
    check_partition(h)
    assert h.n_regions == 20


def test_clear_at_an_instant_is_binomial():
    # exact: a stationary chain is clear with probability p at any instant
    c, o, regions = 2 * DAY, 3 * DAY, 4000
    p = c / (c + o)
    h = C.draw_clouds(rng(11), many(regions), 20 * DAY, c, o)
    r = np.arange(regions)
    for t in (0.0, 10 * DAY, 20 * DAY):
        k = int(C.is_clear(h, r, t).sum())
        assert stats.binomtest(k, regions, p).pvalue > 1e-4, (t, k / regions)


def fraction_variance(p: float, tau: float, horizon: float) -> float:
    """Variance of a stationary two-state chain's time-averaged state over ``horizon``."""
    q = 1 - p
    return 2 * p * q * tau / horizon - 2 * p * q * tau**2 / horizon**2 * (
        1 - np.exp(-horizon / tau)
    )


def test_long_run_clear_fraction_within_its_bounds():
    c, o, regions = 1.5 * DAY, 2.5 * DAY, 500
    horizon = 800 * DAY  # 200 cycles
    p, tau = c / (c + o), 1 / (1 / c + 1 / o)
    h = C.draw_clouds(rng(3), many(regions), horizon, c, o)
    y = C.clear_fraction(h)
    assert np.allclose(C.expected_clear_fraction(h), p)
    v = fraction_variance(p, tau, horizon)
    assert abs(y.mean() - p) < Z * np.sqrt(v / regions), (y.mean(), p, np.sqrt(v / regions))
    # the spread between regions matches the alternating process's variance:
    # (R - 1) s^2 / V ~ chi-square(R - 1)
    ratio = (regions - 1) * y.var(ddof=1) / v
    assert stats.chi2.ppf(1e-4, regions - 1) < ratio < stats.chi2.ppf(1 - 1e-4, regions - 1)


def test_long_run_test_can_fail():
    # the same bounds reject a sky whose fraction is off by 0.02
    c, o, regions = 1.5 * DAY, 2.5 * DAY, 500
    horizon = 800 * DAY
    p, tau = c / (c + o), 1 / (1 / c + 1 / o)
    h = C.draw_clouds(rng(3), many(regions), horizon, 1.6 * DAY, 2.4 * DAY)
    v = fraction_variance(p, tau, horizon)
    assert abs(C.clear_fraction(h).mean() - p) > Z * np.sqrt(v / regions)


def first_two_spells(h: C.CloudHistory) -> tuple[np.ndarray, np.ndarray]:
    """Length and clear flag of each region's first two spells."""
    first = np.searchsorted(h.region, np.arange(h.n_regions))
    idx = np.concatenate([first, first + 1])
    assert np.all(h.region[idx] == np.tile(np.arange(h.n_regions), 2))
    return (h.t_end - h.t_start)[idx], h.clear[idx]


@pytest.mark.parametrize(("c", "o"), [(2 * DAY, 3 * DAY), (6 * 3600.0, 4 * DAY)])
def test_spell_lengths_are_exponential(c, o):
    regions = 3000
    h = C.draw_clouds(rng(5), many(regions), 60 * max(c, o), c, o)
    length, clear = first_two_spells(h)
    for mean, sel in ((c, clear), (o, ~clear)):
        assert sel.sum() > 500
        assert stats.kstest(length[sel], "expon", args=(0, mean)).pvalue > 1e-3
        # and a wrong mean (20 % off: KS distance 0.067, twice its 1e-3 critical value) fails
        assert stats.kstest(length[sel], "expon", args=(0, 1.2 * mean)).pvalue < 1e-3


def test_same_seed_same_sky_other_seed_other_sky():
    a = C.draw_clouds(rng(1), many(5), 30 * DAY, DAY, 2 * DAY)
    b = C.draw_clouds(rng(1), many(5), 30 * DAY, DAY, 2 * DAY)
    d = C.draw_clouds(rng(2), many(5), 30 * DAY, DAY, 2 * DAY)
    for name in ("region", "t_start", "t_end", "clear"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.t_end[:3], d.t_end[:3])
    m1 = C.clouds_for(
        rng(4),
        120e3,
        60 * DAY,
        dt.datetime(2026, 1, 7, tzinfo=UTC),
        cell=50e3,
        monthly=[0.3] * 12,
        spell=DAY,
    )
    m2 = C.clouds_for(
        rng(4),
        120e3,
        60 * DAY,
        dt.datetime(2026, 1, 7, tzinfo=UTC),
        cell=50e3,
        monthly=[0.3] * 12,
        spell=DAY,
    )
    assert np.array_equal(m1.t_end, m2.t_end) and np.array_equal(m1.clear, m2.clear)


def test_horizon_shorter_than_a_spell():
    h = C.draw_clouds(rng(), many(50), 10.0, 1e9, 1e9)
    assert len(h.region) == 50
    assert np.all(h.t_start == 0) and np.all(h.t_end == 10.0)
    assert np.array_equal(C.clear_fraction(h), h.clear.astype(float))
    check_partition(h)


def test_zero_horizon_keeps_the_sky_at_the_start():
    h = C.draw_clouds(rng(), many(30), 0.0, DAY, DAY)
    assert len(h.region) == 30 and np.all(h.t_end == 0.0)
    assert 0 < h.clear.sum() < 30  # P(all equal) = 2^-29
    assert np.array_equal(C.is_clear(h, np.arange(30), 0.0), h.clear)
    assert np.array_equal(C.clear_fraction(h), h.clear.astype(float))
    w, lo, hi = C.clear_parts(h, np.arange(30), np.zeros(30), np.full(30, 5.0))
    assert np.array_equal(w, np.flatnonzero(h.clear)) and np.all(hi == 0.0)


def test_one_region_for_the_whole_line():
    h = C.clouds_for(
        rng(), 321e3, 10 * DAY, dt.datetime(2026, 1, 7, tzinfo=UTC), clear=DAY, overcast=DAY
    )
    t = C.cloud_table(h)
    assert h.n_regions == 1 and set(t["region"].tolist()) == {0}
    assert np.all(t["from_m"] == 0) and np.all(t["to_m"] == 321e3)


# --- queries ---------------------------------------------------------------------------


def scan_clear(h: C.CloudHistory, region: int, t: float) -> bool:
    """The oracle: scan the rows for the spell holding t (the last one holds the horizon)."""
    if t < 0 or t > h.horizon:
        return False
    rows = np.flatnonzero(h.region == region)
    for i in rows:
        if h.t_start[i] <= t < h.t_end[i] or (i == rows[-1] and t == h.horizon):
            return bool(h.clear[i])
    raise AssertionError("no spell holds t")


def test_is_clear_against_a_row_scan():
    h = C.draw_clouds(rng(8), many(6), 15 * DAY, DAY, 1.5 * DAY)
    g = rng(9)
    r = g.integers(0, 6, 400)
    t = g.uniform(-DAY, 16 * DAY, 400)
    # spell edges themselves (half-open spells) and the horizon
    r = np.concatenate([r, h.region, h.region, [0, 5]])
    t = np.concatenate([t, h.t_start, h.t_end, [h.horizon, h.horizon]])
    got = C.is_clear(h, r, t)
    want = np.array([scan_clear(h, int(a), float(b)) for a, b in zip(r, t, strict=True)])
    assert np.array_equal(got, want)
    assert C.is_clear(h, np.arange(6)[:, None], np.array([0.0, DAY])).shape == (6, 2)
    with pytest.raises(ValueError, match="region"):
        C.is_clear(h, 6, 0.0)


def test_clear_parts_against_a_time_grid():
    # a brute-force, time-stepped oracle: on a fine grid inside each window, a time is
    # in a returned piece exactly when the sky is clear there
    h = C.draw_clouds(rng(12), many(4), 10 * DAY, 0.5 * DAY, 0.7 * DAY)
    g = rng(13)
    n = 60
    region = g.integers(0, 4, n)
    lo = g.uniform(-DAY, 10.5 * DAY, n)
    hi = lo + g.exponential(DAY, n)
    hi[:5] = lo[:5]  # instantaneous windows (an image)
    window, a, b = C.clear_parts(h, region, lo, hi)
    assert np.all(a <= b) and np.all(np.diff(window) >= 0)
    for k in range(n):
        grid = np.linspace(lo[k], hi[k], 2001)
        mine = (window == k)[:, None] & (a[:, None] <= grid) & (grid <= b[:, None])
        inside = mine.any(axis=0)
        truth = C.is_clear(h, region[k], grid)
        # pieces are closed: a piece's end is the start of an overcast spell
        at_edge = np.isin(grid, b[window == k])
        assert np.array_equal(inside & ~at_edge, truth & ~at_edge), k
        # a clear piece is never longer than its window nor outside [0, horizon]
    assert np.all(a >= 0) and np.all(b <= h.horizon)
    assert np.all(a >= lo[window]) and np.all(b <= hi[window])


def test_clear_intervals_and_table_agree():
    h = C.draw_clouds(rng(14), C.region_edges(180e3, 50e3), 20 * DAY, DAY, 2 * DAY)
    t = C.cloud_table(h)
    assert tuple(t.columns) == CLOUD_COLUMNS
    assert set(t["state"].tolist()) == {C.CLEAR, C.OVERCAST}
    assert np.array_equal(t["to_m"] - t["from_m"] > 0, np.ones(len(t), bool))
    assert t["to_m"].max() == 180e3 and t["from_m"][t["region"] == 3].min() == 150e3
    intervals = C.clear_intervals(h)
    assert len(intervals) == 4
    for k, (s, e) in enumerate(intervals):
        assert np.all(e > s) and np.all(s[1:] > e[:-1])
        total = float(np.sum(e - s))
        assert total == pytest.approx(C.clear_fraction(h)[k] * h.horizon, rel=1e-12)


# --- the monthly form ------------------------------------------------------------------


def test_month_starts():
    t = C.month_starts(dt.datetime(2026, 1, 7, tzinfo=UTC), 60 * DAY)
    assert t.tolist() == [25 * DAY, (25 + 28) * DAY]
    t = C.month_starts(dt.datetime(2028, 2, 1, tzinfo=UTC), 40 * DAY)  # leap year
    assert t.tolist() == [29 * DAY]
    kyiv = dt.timezone(dt.timedelta(hours=2))
    t = C.month_starts(dt.datetime(2026, 2, 1, 1, 0, tzinfo=kyiv), 2 * DAY)  # 31 Jan 23:00 UTC
    assert t.tolist() == [3600.0]
    assert C.month_starts(dt.datetime(2026, 1, 1, tzinfo=UTC), 31 * DAY).size == 0
    with pytest.raises(ValueError, match="timezone"):
        C.month_starts(dt.datetime(2026, 1, 1), DAY)


def month_expectations(f: np.ndarray, d: float, months: np.ndarray, spans: np.ndarray):
    """Expected clear fraction of each month of a piecewise chain (its ODE, solved).

    dp/dt = b (1 - p) - a p with a = 1 / (2 d f), b = 1 / (2 d (1 - f)): p relaxes to f
    with tau = 1 / (a + b); a month of length T started at p0 averages
    f + (p0 - f) tau / T (1 - exp(-T / tau)) and ends at f + (p0 - f) exp(-T / tau).
    """
    p0 = f[months[0]]
    out = []
    for m, span in zip(months, spans, strict=True):
        fm = f[m]
        tau = 1 / (1 / (2 * d * fm) + 1 / (2 * d * (1 - fm)))
        out.append(fm + (p0 - fm) * tau / span * (1 - np.exp(-span / tau)))
        p0 = fm + (p0 - fm) * np.exp(-span / tau)
    return np.array(out)


def test_monthly_fractions_are_reproduced():
    # alternating dull and bright months: a boundary misplaced by a day moves a
    # month's fraction by ~0.6 / 30 = 0.02, about 7 standard errors here
    f = np.array([0.2, 0.8, 0.25, 0.75, 0.3, 0.7, 0.35, 0.65, 0.4, 0.6, 0.3, 0.8])
    d, regions = DAY, 400
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    horizon = 365 * DAY
    h = C.draw_monthly_clouds(rng(21), many(regions), horizon, start, f, d)
    check_partition(h)
    cuts = np.concatenate([[0.0], C.month_starts(start, horizon), [horizon]])
    assert len(cuts) == 13
    spans = np.diff(cuts)
    expected = month_expectations(f, d, np.arange(12), spans)
    # the relaxation after each boundary moves a month's fraction by under 0.01 (d = 1 day)
    assert np.all(np.abs(expected - f) < 0.01)
    assert h.expected_clear == pytest.approx(float(np.sum(f * spans) / horizon))
    r = np.arange(regions)
    for m in range(12):
        w, a, b = C.clear_parts(h, r, np.full(regions, cuts[m]), np.full(regions, cuts[m + 1]))
        y = np.bincount(w, weights=b - a, minlength=regions) / spans[m]
        se = y.std(ddof=1) / np.sqrt(regions)
        assert abs(y.mean() - expected[m]) < Z * se, (m, y.mean(), expected[m], se)


def test_month_boundaries_carry_the_sky_over():
    # equal fractions in every month: the monthly chain is the stationary one; spells
    # run on across month boundaries (no redraw, no forced change of sky there)
    start = dt.datetime(2026, 1, 31, 12, tzinfo=UTC)  # 12 h before the first boundary
    horizon = 120 * DAY
    d, f, regions = DAY, 0.4, 2000
    h = C.draw_monthly_clouds(rng(22), many(regions), horizon, start, [f] * 12, d)
    check_partition(h)
    bounds = C.month_starts(start, horizon)
    assert bounds[0] == 12 * 3600.0
    for t in bounds:
        assert np.any((h.t_start < t) & (h.t_end > t))
        assert not np.any(h.t_start == t)
    # most first spells cross the first boundary, yet they keep their exponential law
    # (memoryless: the rest of a spell has the same law at the same rate); a cut at
    # the boundary or a redrawn state would shorten or reshape them
    length, clear = first_two_spells(h)
    assert np.mean(length[:regions] > bounds[0]) > 0.5
    for mean, sel in ((2 * d * f, clear), (2 * d * (1 - f), ~clear)):
        assert stats.kstest(length[sel], "expon", args=(0, mean)).pvalue > 1e-3


def test_monthly_input_errors():
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    edges = one_region()
    with pytest.raises(ValueError, match="12"):
        C.draw_monthly_clouds(rng(), edges, DAY, start, [0.5] * 11, DAY)
    with pytest.raises(ValueError, match="strictly between"):
        C.draw_monthly_clouds(rng(), edges, DAY, start, [0.5] * 11 + [1.0], DAY)
    with pytest.raises(ValueError, match="spell"):
        C.draw_monthly_clouds(rng(), edges, DAY, start, [0.5] * 12, 0.0)
    with pytest.raises(ValueError, match="not both"):
        C.clouds_for(rng(), 1e3, DAY, start, clear=1.0, overcast=1.0, monthly=[0.5] * 12)
    with pytest.raises(ValueError, match="spell"):
        C.clouds_for(rng(), 1e3, DAY, start, monthly=[0.5] * 12)
    with pytest.raises(ValueError, match="clear and overcast"):
        C.clouds_for(rng(), 1e3, DAY, start, clear=1.0)
    with pytest.raises(ValueError, match="overcast"):
        C.draw_clouds(rng(), edges, DAY, 1.0, -1.0)


def test_a_year_of_many_regions_is_fast():
    # 100 regions of 12 h spells for a year: ~70,000 spells; loose bound for shared CPUs
    t0 = time.perf_counter()
    h = C.draw_monthly_clouds(
        rng(), many(100), 365 * DAY, dt.datetime(2026, 1, 7, tzinfo=UTC), [0.3] * 12, 0.5 * DAY
    )
    C.is_clear(h, np.zeros(100_000, dtype=np.int64), np.linspace(0, 365 * DAY, 100_000))
    assert time.perf_counter() - t0 < 5.0
    assert len(h.region) > 50_000


def test_clear_at_points_and_line_fraction():
    line = Line.from_points([[36.0, 48.0], [40.0, 48.0]], "lonlat", 20e3)
    h = C.draw_clouds(rng(31), C.region_edges(line.length, 50e3), 10 * DAY, DAY, DAY)
    g = rng(32)
    c = g.uniform(0, line.length, 200)
    x, y = line.point_at(c, g.uniform(-15e3, 15e3, 200))
    t = g.uniform(0, 10 * DAY, 200)
    want = C.is_clear(h, C.region_index(c, h.edges), t)
    assert np.array_equal(C.clear_at_points(h, line, x, y, t), want)
    assert C.clear_at_points(h, line, x[:3].reshape(3, 1), y[:3].reshape(3, 1), t[:2]).shape == (
        3,
        2,
    )
    width = np.diff(h.edges)
    frac = C.clear_fraction(h)
    assert C.line_clear_fraction(h) == pytest.approx(np.sum(frac * width) / line.length)


def test_sky_parts_tile_each_window():
    h = C.draw_clouds(rng(41), many(3), 5 * DAY, 0.3 * DAY, 0.4 * DAY)
    g = rng(42)
    n = 40
    region = g.integers(0, 3, n)
    lo = g.uniform(-0.5 * DAY, 5.2 * DAY, n)
    hi = lo + g.exponential(0.8 * DAY, n)
    hi[:4] = lo[:4]
    w, a, b, clear = C.sky_parts(h, region, lo, hi)
    for k in range(n):
        m = w == k
        a_k, b_k = max(lo[k], 0.0), min(hi[k], h.horizon)
        if a_k > b_k:
            assert not m.any()
            continue
        assert a[m][0] == a_k and b[m][-1] == b_k
        assert np.array_equal(a[m][1:], b[m][:-1])  # contiguous
        assert np.all(clear[m][1:] != clear[m][:-1])  # the sky changes at each cut
        assert np.array_equal(clear[m], C.is_clear(h, region[k], a[m]))
