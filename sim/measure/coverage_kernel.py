"""The compiled coverage loop: merge every cell's coverage windows in time order.

A cell's sources are explicit intervals (a fixed sensor's up-time, a leg flown once)
and patrol *trains* (one outbound and one return window per cycle of a patrol,
``sim.world.motion``). A month of fast patrols gives tens of millions of windows, so
this loop (numba) generates each train's windows lazily in time order, merges them
with the other sources' windows and the satellite image times, and keeps running
sums per cell: nothing is stored per window. ``sim.measure.coverage`` builds the
sources and reads the figures.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sim.world import motion

EPS = 1e-6  # seconds: windows closer than this are one coverage interval

# source kinds
INTERVAL = 0
TRAIN = 1

# the kinematics of sim.world.motion, compiled for the loop
_travelled = numba.njit(cache=True)(motion.travelled)
_time_at = numba.njit(cache=True)(motion.time_at)
_patrol_period = numba.njit(cache=True)(motion.patrol_period)
_patrol_pass = numba.njit(cache=True)(motion.patrol_pass)


@numba.njit(cache=True)
def _next_window(kind, a, b, t0, s0, v, length, sa, sb, k, half):  # pragma: no cover
    """The window of a source after cycle ``k``, pass ``half`` (``half`` = -1: its first).

    Returns (k, half, start, end, found).
    """
    if kind == INTERVAL:
        if half == -1:
            return 0, 0, a, b, True
        return k, half, 0.0, 0.0, False
    period = _patrol_period(length)
    u_lo = _travelled(a, t0, s0, v)
    u_hi = _travelled(b, t0, s0, v)
    if half == -1:  # start one period early so that a window straddling a is found
        k = math.floor(u_lo / period) - 1
    while True:
        half += 1
        if half == 2:
            half = 0
            k += 1
        lo, hi = _patrol_pass(k, half, sa, sb, period)
        if lo > u_hi:
            return k, half, 0.0, 0.0, False
        lo = max(lo, u_lo)
        hi = min(hi, u_hi)
        if lo <= hi:
            start = max(_time_at(lo, t0, s0, v), a)
            end = min(_time_at(hi, t0, s0, v), b)
            return k, half, start, end, True


@numba.njit(cache=True)
def cell_figures(  # pragma: no cover
    offsets,
    kind,
    cls,
    a,
    b,
    t0,
    s0,
    v,
    length,
    sa,
    sb,
    images,
    img_offsets,
    img_times,
    horizon,
    n_line,
    bin_width,
    n_bins,
):
    """Merge every cell's windows in time order and return its figures and the line raster.

    Sources are sorted by (cell, a); cell c owns sources ``offsets[c]:offsets[c + 1]``;
    ``images`` are the sorted times (s) of the images of the whole zone, and cell c's
    own image times (an orbiting satellite's strips; sorted) are
    ``img_times[img_offsets[c]:img_offsets[c + 1]]``: an instant in both counts once.
    Returns ``stats`` (cells, 11): covered
    fraction (any, drone, ground), two-asset fraction, looks, gaps, gap mean, p95 and
    max (s), time-average gap and mean response (s); and ``raster`` (3, n_line, n_bins):
    the seconds each line cell is covered in each time bin (any, drone, ground).
    """
    n_cells = len(offsets) - 1
    stats = np.zeros((n_cells, 11))
    raster = np.zeros((3, n_line, n_bins))
    gaps = np.empty(1024)
    act_rec = np.empty(64, np.int64)  # sources with a pending window (grown on demand)
    act_k = np.empty(64, np.int64)
    act_half = np.empty(64, np.int64)
    act_s = np.empty(64)
    act_e = np.empty(64)
    for c in range(n_cells):
        r = offsets[c]
        r_end = offsets[c + 1]
        n_act = 0
        zone_img = 0
        img = img_offsets[c]
        img_end = img_offsets[c + 1]
        n_gaps = 0
        # union of all looks (any class, images included)
        has_any = False
        any_s = 0.0
        any_e = 0.0
        covered = 0.0
        looks = 0
        # per class unions (0 drone, 1 ground)
        has_c = np.zeros(2, np.bool_)
        cls_s = np.zeros(2)
        cls_e = np.zeros(2)
        covered_c = np.zeros(2)
        # at least two assets at once
        e1 = -1.0
        d2 = -1.0
        two = 0.0
        while True:
            # the earliest pending start among active sources and the next image
            best = -1
            best_s = np.inf
            for j in range(n_act):
                if act_s[j] < best_s:
                    best_s = act_s[j]
                    best = j
            zone_t = images[zone_img] if zone_img < len(images) else np.inf
            own_t = img_times[img] if img < img_end else np.inf
            img_t = min(zone_t, own_t)
            candidate = min(best_s, img_t)
            if r < r_end and a[r] <= candidate:
                # admit the next source (sorted by a): its first window may come first
                k, half, s, e, found = _next_window(
                    kind[r], a[r], b[r], t0[r], s0[r], v[r], length[r], sa[r], sb[r], 0, -1
                )
                if found:
                    if n_act == len(act_rec):  # grow the active set
                        act_rec = np.concatenate((act_rec, np.empty(n_act, np.int64)))
                        act_k = np.concatenate((act_k, np.empty(n_act, np.int64)))
                        act_half = np.concatenate((act_half, np.empty(n_act, np.int64)))
                        act_s = np.concatenate((act_s, np.empty(n_act)))
                        act_e = np.concatenate((act_e, np.empty(n_act)))
                    act_rec[n_act] = r
                    act_k[n_act] = k
                    act_half[n_act] = half
                    act_s[n_act] = s
                    act_e[n_act] = e
                    n_act += 1
                r += 1
                continue
            if candidate == np.inf:
                break
            if img_t <= best_s:
                s = img_t
                e = img_t
                wcls = -1
                if zone_t == img_t:
                    zone_img += 1
                if own_t == img_t:
                    img += 1
            else:
                s = act_s[best]
                e = act_e[best]
                rec = act_rec[best]
                wcls = cls[rec]
                k, half, ns, ne, found = _next_window(
                    kind[rec],
                    a[rec],
                    b[rec],
                    t0[rec],
                    s0[rec],
                    v[rec],
                    length[rec],
                    sa[rec],
                    sb[rec],
                    act_k[best],
                    act_half[best],
                )
                if found:
                    act_k[best] = k
                    act_half[best] = half
                    act_s[best] = ns
                    act_e[best] = ne
                else:
                    n_act -= 1
                    act_rec[best] = act_rec[n_act]
                    act_k[best] = act_k[n_act]
                    act_half[best] = act_half[n_act]
                    act_s[best] = act_s[n_act]
                    act_e[best] = act_e[n_act]
            # the union of all looks, its gaps and the line raster
            if not has_any:
                if s > EPS:
                    if n_gaps == len(gaps):
                        gaps = np.concatenate((gaps, np.empty(len(gaps))))
                    gaps[n_gaps] = s
                    n_gaps += 1
                has_any = True
                any_s = s
                any_e = e
            elif s <= any_e + EPS:
                any_e = max(any_e, e)
            else:
                covered += any_e - any_s
                looks += 1
                if c < n_line:
                    _add_to_bins(raster[0, c], any_s, any_e, bin_width, n_bins)
                if n_gaps == len(gaps):
                    gaps = np.concatenate((gaps, np.empty(len(gaps))))
                gaps[n_gaps] = s - any_e
                n_gaps += 1
                any_s = s
                any_e = e
            if wcls < 0:
                continue
            # per class union
            if not has_c[wcls]:
                has_c[wcls] = True
                cls_s[wcls] = s
                cls_e[wcls] = e
            elif s <= cls_e[wcls] + EPS:
                cls_e[wcls] = max(cls_e[wcls], e)
            else:
                covered_c[wcls] += cls_e[wcls] - cls_s[wcls]
                if c < n_line:
                    _add_to_bins(raster[1 + wcls, c], cls_s[wcls], cls_e[wcls], bin_width, n_bins)
                cls_s[wcls] = s
                cls_e[wcls] = e
            # time covered by two or more windows (different assets) at once
            if e1 > s:
                hi = min(e, e1)
                lo = max(s, d2)
                if hi > lo:
                    two += hi - lo
                    d2 = hi
            e1 = max(e1, e)
        if has_any:
            covered += any_e - any_s
            looks += 1
            if c < n_line:
                _add_to_bins(raster[0, c], any_s, any_e, bin_width, n_bins)
            if horizon - any_e > EPS:
                if n_gaps == len(gaps):
                    gaps = np.concatenate((gaps, np.empty(len(gaps))))
                gaps[n_gaps] = horizon - any_e
                n_gaps += 1
        else:
            gaps[0] = horizon
            n_gaps = 1
        for q in range(2):
            if has_c[q]:
                covered_c[q] += cls_e[q] - cls_s[q]
                if c < n_line:
                    _add_to_bins(raster[1 + q, c], cls_s[q], cls_e[q], bin_width, n_bins)
        stats[c, 0] = covered / horizon
        stats[c, 1] = covered_c[0] / horizon
        stats[c, 2] = covered_c[1] / horizon
        stats[c, 3] = two / horizon
        stats[c, 4] = looks
        stats[c, 5] = n_gaps
        if n_gaps > 0:
            g = gaps[:n_gaps]
            stats[c, 6] = g.mean()
            stats[c, 7] = np.percentile(g, 95.0)
            stats[c, 8] = g.max()
            sq = (g * g).sum()
            stats[c, 9] = sq / horizon
            stats[c, 10] = sq / (2.0 * horizon)
    return stats, raster


@numba.njit(cache=True)
def _add_to_bins(row, s, e, width, n_bins):  # pragma: no cover
    """Add the measure of [s, e] to equal time bins of ``width`` seconds."""
    k = int(s // width)
    while k < n_bins and s < e:
        edge = (k + 1) * width
        stop = min(e, edge)
        row[k] += stop - s
        s = stop
        k += 1
