"""Closed-form detection windows: when can an asset see a point.

Pure functions of numpy arrays: no SimPy, no random generator. A "group" array
tags each interval with the (asset piece, violation) pair it belongs to, so one
call handles many pairs at once.

Geometry: a point p is inside a disc footprint of ground range R around the
asset at position q(s) on a straight path segment A + s u (0 <= s <= l) when
|A + s u - p|^2 <= R^2, i.e. for s in [s* - h, s* + h] with s* = (p - A).u and
h = sqrt(R^2 - d^2), d the perpendicular distance of p from the segment's line.
"""

from __future__ import annotations

import numpy as np

from sim.world import motion

TOUCH = 1e-6  # metres or seconds: intervals closer than this are one interval


def merge_intervals(
    group: np.ndarray, lo: np.ndarray, hi: np.ndarray, tol: float = TOUCH
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge overlapping or touching intervals within each group.

    Returns the merged intervals sorted by (group, lo).
    """
    if len(lo) == 0:
        return group[:0], lo[:0], hi[:0]
    same = group[1:] == group[:-1]
    if np.all((group[1:] > group[:-1]) | (same & (lo[1:] >= lo[:-1]) & (hi[1:] >= hi[:-1]))):
        # Already in (group, lo) order with ends that never fall within a group (a
        # path's intervals, segment by segment): the running maximum below is the
        # previous end, and no sort is needed. Same result, same rounding.
        new = np.ones(len(lo), dtype=bool)
        new[1:] = ~same | (lo[1:] >= hi[:-1] + tol)
        idx = np.flatnonzero(new)
        return group[idx], lo[idx], np.maximum.reduceat(hi, idx)
    order = np.lexsort((lo, group))
    g, a, b = group[order], lo[order], hi[order]
    # A new merged interval starts where lo exceeds every earlier end (+ tol) of its
    # group. The running maximum must restart at each group; doing it on integer
    # ranks shifted by group keeps it exact and vectorised.
    n = len(a)
    values = np.concatenate([b + tol, a])
    is_start = np.concatenate([np.zeros(n, dtype=bool), np.ones(n, dtype=bool)])
    rank = np.empty(2 * n, dtype=np.int64)
    rank[np.lexsort((is_start, values))] = np.arange(2 * n)
    _, group_rank = np.unique(g, return_inverse=True)
    shift = group_rank.astype(np.int64) * (2 * n)
    end_rank = np.maximum.accumulate(rank[:n] + shift)
    new = np.ones(n, dtype=bool)
    new[1:] = (rank[n + 1 :] + shift[1:]) > end_rank[:-1]
    idx = np.flatnonzero(new)
    return g[idx], a[idx], np.maximum.reduceat(b, idx)


def path_intervals(
    path: np.ndarray, px: np.ndarray, py: np.ndarray, radius: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arc-length intervals of a polyline path within ``radius`` of each point.

    Parameters
    ----------
    path
        (k, 2) vertices in metres, k >= 2 (a repeated vertex is a zero-length path).
    px, py
        Point coordinates, metres.
    radius
        Footprint ground range, metres (scalar or one per point).

    Returns
    -------
    point, s_lo, s_hi
        For each merged interval: the index of its point and its arc-length bounds
        along the path (metres from the first vertex).
    """
    a = path[:-1]
    seg = np.diff(path, axis=0)
    length = np.hypot(seg[:, 0], seg[:, 1])
    s_start = np.concatenate([[0.0], np.cumsum(length)])[:-1]
    safe = np.where(length > 0, length, 1.0)
    ux, uy = seg[:, 0] / safe, seg[:, 1] / safe
    # (points, segments) broadcast
    dx = px[:, None] - a[None, :, 0]
    dy = py[:, None] - a[None, :, 1]
    along = dx * ux + dy * uy
    across2 = dx * dx + dy * dy - along * along
    r = np.broadcast_to(np.asarray(radius, dtype=float), px.shape)[:, None]
    half2 = r * r - across2
    lo = np.maximum(along - np.sqrt(np.maximum(half2, 0.0)), 0.0)
    hi = np.minimum(along + np.sqrt(np.maximum(half2, 0.0)), length[None, :])
    zero = length[None, :] == 0
    inside_zero = dx * dx + dy * dy <= r * r
    ok = np.where(zero, inside_zero, (half2 >= 0) & (lo <= hi))
    point, segment = np.nonzero(ok)
    lo = np.where(zero, 0.0, lo)[point, segment] + s_start[segment]
    hi = np.where(zero, 0.0, hi)[point, segment] + s_start[segment]
    return merge_intervals(point, lo, hi)


def once_windows(
    s_lo: np.ndarray, s_hi: np.ndarray, t0: float, s0: float, speed: float
) -> tuple[np.ndarray, np.ndarray]:
    """Times when a path traversed once, from arc length ``s0`` at ``t0``, is in [s_lo, s_hi]."""
    return motion.time_at(s_lo, t0, s0, speed), motion.time_at(s_hi, t0, s0, speed)


def bounce_windows(
    group: np.ndarray,
    s_lo: np.ndarray,
    s_hi: np.ndarray,
    t_lo: np.ndarray,
    t_hi: np.ndarray,
    length: float,
    t0: float,
    s0: float,
    speed: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time windows for a back-and-forth patrol inside per-interval time ranges.

    The asset starts at arc length ``s0`` at ``t0`` heading towards the far end and
    patrols a path of ``length`` (``sim.world.motion``): the point is inside while the
    patrol's arc length is in [s_lo, s_hi], one outbound and one return pass per cycle.

    Parameters
    ----------
    group, s_lo, s_hi
        Arc-length intervals, each tagged with its group.
    t_lo, t_hi
        Per interval, the time range to search (already clipped to the piece).

    Returns
    -------
    group, w_lo, w_hi
        Time windows inside [t_lo, t_hi], merged within each group.
    """
    period_u = motion.patrol_period(length)
    if length <= 0:
        # a zero-length patrol is a hover: inside for the whole range
        return merge_intervals(group, t_lo, t_hi)
    u_lo = motion.travelled(t_lo, t0, s0, speed)
    u_hi = motion.travelled(t_hi, t0, s0, speed)
    k_first = np.floor(u_lo / period_u).astype(np.int64) - 1
    k_last = np.floor(u_hi / period_u).astype(np.int64)
    n = np.maximum(k_last - k_first + 1, 0)
    rep = np.repeat(np.arange(len(s_lo)), n)
    k = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n) + k_first[rep]
    out_lo, out_hi = motion.patrol_pass(k, 0, s_lo[rep], s_hi[rep], period_u)
    back_lo, back_hi = motion.patrol_pass(k, 1, s_lo[rep], s_hi[rep], period_u)
    lo = np.concatenate([out_lo, back_lo])
    hi = np.concatenate([out_hi, back_hi])
    idx = np.concatenate([rep, rep])
    lo = np.maximum(lo, u_lo[idx])
    hi = np.minimum(hi, u_hi[idx])
    keep = lo <= hi
    idx, lo, hi = idx[keep], lo[keep], hi[keep]
    # back to time, clipped again so that rounding cannot step outside [t_lo, t_hi]
    w_lo = np.maximum(motion.time_at(lo, t0, s0, speed), t_lo[idx])
    w_hi = np.minimum(motion.time_at(hi, t0, s0, speed), t_hi[idx])
    return merge_intervals(group[idx], w_lo, w_hi)


def trial_times_of(
    piece: np.ndarray,
    group: np.ndarray,
    w_lo: np.ndarray,
    w_hi: np.ndarray,
    glimpse: np.ndarray,
    skip_first: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Detection trials in many pieces' windows: at each start, then every ``glimpse`` s.

    ``piece`` tags each window (non-decreasing), ``glimpse`` is per window (0: one
    look per entry); ``skip_first`` marks windows whose start continues a window
    already tried (the same asset's previous plan piece ended with the point inside).
    Returns (piece, group, time) sorted by (piece, group, time).
    """
    repeat = glimpse > 0
    span = np.floor((w_hi - w_lo) / np.where(repeat, glimpse, 1.0) + 1e-9).astype(np.int64)
    count = np.where(repeat, span + 1, 1)
    rep = np.repeat(np.arange(len(w_lo)), count)
    step = np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count)
    times = w_lo[rep] + np.where(repeat[rep], step * glimpse[rep], 0.0)
    keep = ~(skip_first[rep] & (step == 0))
    j, g, t = piece[rep][keep], group[rep][keep], times[keep]
    order = np.lexsort((t, g, j))
    return j[order], g[order], t[order]


def first_success_of(
    piece: np.ndarray, group: np.ndarray, times: np.ndarray, success: np.ndarray
) -> np.ndarray:
    """Indices of each (piece, group)'s first successful trial (trials sorted by them, time)."""
    hit = np.flatnonzero(success)
    if len(hit) == 0:
        return hit
    j, g = piece[hit], group[hit]
    first = np.concatenate([[True], (j[1:] != j[:-1]) | (g[1:] != g[:-1])])
    return hit[first]
