"""Closed-form detection windows: exact values and invariants."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.world.detection import (
    bounce_windows,
    first_success_of,
    merge_intervals,
    once_windows,
    path_intervals,
    trial_times_of,
)


def test_path_interval_of_a_point_beside_a_straight_leg():
    """A point at perpendicular distance d sees the chord s* +/- sqrt(R^2 - d^2)."""
    path = np.array([[0.0, 0.0], [10_000.0, 0.0]])
    point, lo, hi = path_intervals(path, np.array([4_000.0]), np.array([600.0]), 1_000.0)
    assert point.tolist() == [0]
    assert np.allclose([lo[0], hi[0]], [3_200.0, 4_800.0])


def test_path_intervals_merge_across_a_vertex():
    """Around a bend, the two legs' intervals join into one."""
    path = np.array([[0.0, 0.0], [10_000.0, 0.0], [10_000.0, 10_000.0]])
    point, lo, hi = path_intervals(path, np.array([10_000.0]), np.array([500.0]), 1_000.0)
    assert point.tolist() == [0]
    assert np.isclose(lo[0], 10_000.0 - np.sqrt(1_000.0**2 - 500.0**2))
    assert np.isclose(hi[0], 11_500.0)


def test_path_intervals_clip_at_the_path_ends_and_miss_far_points():
    """Intervals stop at the path's ends; a point beyond the range has none."""
    path = np.array([[0.0, 0.0], [10_000.0, 0.0]])
    point, lo, hi = path_intervals(
        path, np.array([-500.0, 5_000.0]), np.array([0.0, 1_001.0]), 1_000.0
    )
    assert point.tolist() == [0]
    assert np.allclose([lo[0], hi[0]], [0.0, 500.0])


def test_once_windows_scale_arc_length_by_speed():
    """A leg flown once at 50 m/s from s0 = 1000 m at t0 = 10 s."""
    w_lo, w_hi = once_windows(np.array([2_000.0]), np.array([3_000.0]), 10.0, 1_000.0, 50.0)
    assert np.allclose([w_lo[0], w_hi[0]], [30.0, 50.0])


def test_bounce_windows_outbound_and_return_passes():
    """A 10 km patrol at 100 m/s passes s in [4, 6] km at t = 40-60 s and 140-160 s."""
    g, lo, hi = bounce_windows(
        np.array([0]),
        np.array([4_000.0]),
        np.array([6_000.0]),
        np.array([0.0]),
        np.array([250.0]),
        10_000.0,
        0.0,
        0.0,
        100.0,
    )
    assert g.tolist() == [0, 0, 0]
    assert np.allclose(lo, [40.0, 140.0, 240.0])
    assert np.allclose(hi, [60.0, 160.0, 250.0])


def test_bounce_windows_join_at_the_turn():
    """An interval touching the far end is one window across the turn."""
    g, lo, hi = bounce_windows(
        np.array([0]),
        np.array([9_000.0]),
        np.array([10_000.0]),
        np.array([0.0]),
        np.array([150.0]),
        10_000.0,
        0.0,
        0.0,
        100.0,
    )
    assert np.allclose(lo, [90.0]) and np.allclose(hi, [110.0])


def test_bounce_windows_start_mid_path():
    """Starting at s0 = 5 km heading out, the drone is at s in [0, 1] km at t = 140-160 s."""
    g, lo, hi = bounce_windows(
        np.array([0]),
        np.array([0.0]),
        np.array([1_000.0]),
        np.array([0.0]),
        np.array([200.0]),
        10_000.0,
        0.0,
        5_000.0,
        100.0,
    )
    assert np.allclose(lo, [140.0]) and np.allclose(hi, [160.0])


def trial_times(group, w_lo, w_hi, glimpse, skip_first=None):
    """One piece's trials, one window at a time: the reference ``trial_times_of`` must
    equal piece by piece. One at each window's start, then every ``glimpse`` s."""
    if glimpse:
        count = np.floor((w_hi - w_lo) / glimpse + 1e-9).astype(np.int64) + 1
    else:
        count = np.ones(len(w_lo), dtype=np.int64)
    rep = np.repeat(np.arange(len(w_lo)), count)
    step = np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count)
    times = w_lo[rep] + (step * glimpse if glimpse else 0.0)
    keep = np.ones(len(rep), dtype=bool)
    if skip_first is not None:
        keep &= ~(skip_first[rep] & (step == 0))
    g, t = group[rep][keep], times[keep]
    order = np.lexsort((t, g))
    return g[order], t[order]


def first_success(group, times, success):
    """Per group, the time of its first successful trial (the reference of one piece)."""
    g, t = group[success], times[success]
    first = np.concatenate([[True], g[1:] != g[:-1]]) if len(g) else np.zeros(0, dtype=bool)
    return g[first], t[first]


def one_piece_trials(group, lo, hi, glimpse, skip=None):
    """``trial_times_of`` on the windows of a single piece: (group, time)."""
    n = len(lo)
    skip = np.zeros(n, dtype=bool) if skip is None else skip
    _, g, t = trial_times_of(
        np.zeros(n, dtype=np.int64), group, lo, hi, np.full(n, glimpse or 0.0), skip
    )
    return g, t


def test_trial_times_one_per_window_or_every_glimpse():
    """Without a glimpse, one trial per window; with one, every glimpse seconds inside."""
    g = np.array([0, 0])
    lo, hi = np.array([0.0, 100.0]), np.array([25.0, 105.0])
    assert one_piece_trials(g, lo, hi, None)[1].tolist() == [0.0, 100.0]
    assert one_piece_trials(g, lo, hi, 10.0)[1].tolist() == [0.0, 10.0, 20.0, 100.0]
    skip = np.array([True, False])
    assert one_piece_trials(g, lo, hi, 10.0, skip)[1].tolist() == [10.0, 20.0, 100.0]


def test_first_success_per_group():
    """The first successful trial of each group, in time order."""
    g = np.array([0, 0, 1, 1, 2])
    t = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    success = np.array([False, True, True, True, False])
    first = first_success_of(np.zeros(len(g), dtype=np.int64), g, t, success)
    groups, times = g[first], t[first]
    assert groups.tolist() == [0, 1] and times.tolist() == [2.0, 3.0]


def _brute_merge(g, lo, hi, tol=1e-6):
    out = []
    for group in sorted(set(g.tolist())):
        intervals = sorted(zip(lo[g == group].tolist(), hi[g == group].tolist(), strict=True))
        cur = list(intervals[0])
        for a, b in intervals[1:]:
            if a <= cur[1] + tol:
                cur[1] = max(cur[1], b)
            else:
                out.append((group, *cur))
                cur = [a, b]
        out.append((group, *cur))
    return out


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.floats(0, 100, allow_nan=False),
            st.floats(0, 20, allow_nan=False),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_merge_intervals_matches_a_sequential_merge(items):
    """The vectorised merge equals a plain sequential merge, group by group."""
    g = np.array([i[0] for i in items])
    lo = np.array([i[1] for i in items])
    hi = lo + np.array([i[2] for i in items])
    got = list(zip(*(a.tolist() for a in merge_intervals(g, lo, hi)), strict=True))
    assert got == _brute_merge(g, lo, hi)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.floats(0, 100, allow_nan=False),
            st.floats(0, 20, allow_nan=False),
        ),
        min_size=2,
        max_size=30,
    ),
    st.randoms(use_true_random=False),
)
def test_merge_intervals_of_sorted_input_equals_the_sorting_merge(items, rnd):
    """Input already in (group, lo) order with rising ends (a path's intervals, leg by
    leg) skips the sort: the result equals that of the same intervals shuffled (which
    are sorted first), bit for bit."""
    items = sorted(items)
    g = np.array([i[0] for i in items])
    lo = np.array([i[1] for i in items])
    hi = lo + np.array([i[2] for i in items])
    for k in range(1, len(hi)):  # ends rising within a group, as along a path
        if g[k] == g[k - 1]:
            hi[k] = max(hi[k], hi[k - 1])
    shuffled = list(range(len(g)))
    rnd.shuffle(shuffled)
    want = merge_intervals(g[shuffled], lo[shuffled], hi[shuffled])
    got = merge_intervals(g, lo, hi)
    for a, b in zip(got, want, strict=True):
        assert a.tolist() == b.tolist()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-5_000, 5_000), st.floats(-5_000, 5_000)), min_size=2, max_size=6),
    st.floats(-6_000, 6_000),
    st.floats(-6_000, 6_000),
    st.floats(100, 3_000),
)
def test_path_intervals_agree_with_dense_sampling(vertices, px, py, radius):
    """Points sampled along the path are inside the footprint exactly within the intervals."""
    path = np.array(vertices)
    point, lo, hi = path_intervals(path, np.array([px]), np.array([py]), radius)
    seg = np.diff(path, axis=0)
    length = np.hypot(seg[:, 0], seg[:, 1])
    cum = np.concatenate([[0.0], np.cumsum(length)])
    s = np.linspace(0.0, cum[-1], 2_001)
    i = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, len(length) - 1)
    frac = np.where(length[i] > 0, (s - cum[i]) / np.where(length[i] > 0, length[i], 1), 0)
    pos = path[i] + frac[:, None] * seg[i]
    dist = np.hypot(pos[:, 0] - px, pos[:, 1] - py)
    in_interval = np.zeros(len(s), dtype=bool)
    for a, b in zip(lo, hi, strict=True):
        in_interval |= (s >= a - 1e-6) & (s <= b + 1e-6)
    margin = np.abs(dist - radius) > 1e-3 * radius  # skip samples on the boundary itself
    assert np.array_equal(in_interval[margin], (dist <= radius)[margin])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(
                st.tuples(
                    st.integers(0, 4),
                    st.floats(0, 1_000, allow_nan=False),
                    st.floats(0, 300, allow_nan=False),
                    st.booleans(),
                ),
                max_size=8,
            ),
            st.sampled_from([0.0, 7.0, 60.0, 0.5]),
        ),
        min_size=1,
        max_size=6,
    ),
    st.integers(0, 2**32 - 1),
)
def test_many_pieces_at_once_equal_one_piece_at_a_time(pieces, seed):
    """``trial_times_of`` and ``first_success_of`` on many pieces' windows give, piece by
    piece, what ``trial_times`` and ``first_success`` give on each alone."""
    j = np.concatenate([np.full(len(w), k) for k, (w, _) in enumerate(pieces)]).astype(np.int64)
    rows = [r for w, _ in pieces for r in w]
    group = np.array([r[0] for r in rows], dtype=np.int64)
    lo = np.array([r[1] for r in rows], dtype=float)
    hi = lo + np.array([r[2] for r in rows], dtype=float)
    skip = np.array([r[3] for r in rows], dtype=bool)
    glimpse = np.array([pieces[k][1] for k in j], dtype=float)
    jt, g, t = trial_times_of(j, group, lo, hi, glimpse, skip)
    success = np.random.default_rng(seed).random(len(g)) < 0.3
    first = first_success_of(jt, g, t, success)
    for k, (_, gl) in enumerate(pieces):
        mine = j == k
        g1, t1 = trial_times(group[mine], lo[mine], hi[mine], gl or None, skip[mine])
        assert g1.tolist() == g[jt == k].tolist() and t1.tolist() == t[jt == k].tolist()
        want = first_success(g1, t1, success[jt == k])
        got = first[jt[first] == k]
        assert want[0].tolist() == g[got].tolist() and want[1].tolist() == t[got].tolist()
