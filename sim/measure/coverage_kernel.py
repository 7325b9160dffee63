"""The compiled coverage loop: merge every cell's coverage windows in time order.

A cell's sources are explicit intervals (a fixed sensor's up-time, a leg flown once)
and patrol *trains* (one outbound and one return window per cycle of a patrol,
``sim.world.motion``). A month of fast patrols gives tens of millions of windows, so
this loop (numba) generates each train's windows lazily in time order, merges them
with the other sources' windows and the satellite image times, and keeps running
sums per cell: nothing is stored per window.

Nor is much stored per (cell, piece). A run with cueing has tens of thousands of
pieces, each reaching hundreds of cells: the pieces on one patrol path share their
footprint (one entry per cell for the whole group), and the *simple* pieces (a sensor
or loiter at a point, a leg flown once on one segment) are found per cell from a
coarse tile index and their windows computed there, with the same arithmetic as
``sim.world.detection.path_intervals`` and ``once_windows``. ``sim.measure.coverage``
builds the sources and reads the figures.
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


# the columns of a simple piece's row (see simple_window)
SP_X_LO, SP_X_HI, SP_Y_LO, SP_Y_HI, SP_X0, SP_Y0, SP_UX, SP_UY = range(8)
SP_LENGTH, SP_R2, SP_T_LO, SP_T_HI, SP_T0, SP_S0, SP_V, SP_SHAPE = range(8, 16)
# shapes
POINT = 1  # a disc about (x0, y0), seen over the piece's whole span
SEGMENT = 2  # a capsule along one segment, seen over the whole span
SEGMENT_ONCE = 3  # the segment flown once: seen while the footprint is over the cell


@numba.njit(cache=True)
def simple_window(
    x_lo, x_hi, y_lo, y_hi, x0, y0, ux, uy, length, r2, t_lo, t_hi, t0, s0, v, shape, cx, cy
):  # pragma: no cover
    """The time window (found, a, b) of a simple piece seen from the cell at (cx, cy).

    The arguments are the piece's row (columns ``SP_*``; scalars, so that the loop
    counts no references). The arithmetic is ``sim.measure.coverage._footprint_cells``
    (the bounding-box filter, then the disc of a one-vertex path or
    ``detection.path_intervals`` on one segment) and ``detection.once_windows`` clipped
    to the piece's span, operation for operation, so that the windows are the same to
    the last bit.
    """
    if not (cx >= x_lo and cx < x_hi and cy >= y_lo and cy <= y_hi):
        return False, 0.0, 0.0
    dx = cx - x0
    dy = cy - y0
    if shape == POINT:
        if not (dx * dx + dy * dy <= r2):
            return False, 0.0, 0.0
        return True, t_lo, t_hi
    if length == 0.0:
        if not (dx * dx + dy * dy <= r2):
            return False, 0.0, 0.0
        s_lo = 0.0 + 0.0
        s_hi = 0.0 + 0.0
    else:
        along = dx * ux + dy * uy
        across2 = dx * dx + dy * dy - along * along
        half2 = r2 - across2
        root = math.sqrt(half2 if half2 >= 0.0 else 0.0)
        lo = along - root
        lo = lo if lo >= 0.0 else 0.0
        hi = along + root
        hi = hi if hi <= length else length
        if not (half2 >= 0.0 and lo <= hi):
            return False, 0.0, 0.0
        s_lo = lo + 0.0
        s_hi = hi + 0.0
    if shape != SEGMENT_ONCE:
        return True, t_lo, t_hi
    w_lo = t0 + (s_lo - s0) / v
    w_hi = t0 + (s_hi - s0) / v
    w_lo = w_lo if w_lo >= t_lo else t_lo
    w_hi = w_hi if w_hi <= t_hi else t_hi
    if not (w_lo <= w_hi):
        return False, 0.0, 0.0
    return True, w_lo, w_hi


@numba.njit(cache=True)
def tile_index(
    n_tx, n_ty, x_min, y_min, tile, sp_lo, sp_hi, x0, y0, x1, y1, reach
):  # pragma: no cover
    """The simple pieces whose footprint may reach each tile, in order of piece.

    Tile (i, j) is [x_min + i tile, x_min + (i + 1) tile) x the same in y; a piece is
    listed in the tiles whose centre lies within ``reach`` (its radius, half the
    tile's diagonal and a margin) of its segment (x0, y0)-(x1, y1), among those its
    bounding box ``sp_lo``-``sp_hi`` meets. Returns (offsets, pieces).
    """
    n_sp = len(x0)
    counts = np.zeros(n_tx * n_ty + 1, np.int64)
    for phase in range(2):
        if phase == 1:
            offsets = np.zeros(n_tx * n_ty + 1, np.int64)
            for t in range(n_tx * n_ty):
                offsets[t + 1] = offsets[t] + counts[t]
            fill = offsets[:-1].copy()
            out = np.empty(offsets[-1], np.int64)
        for sp in range(n_sp):
            i0 = max(0, int(math.floor((sp_lo[sp, 0] - x_min) / tile)) - 1)
            i1 = min(n_tx - 1, int(math.floor((sp_hi[sp, 0] - x_min) / tile)) + 1)
            j0 = max(0, int(math.floor((sp_lo[sp, 1] - y_min) / tile)) - 1)
            j1 = min(n_ty - 1, int(math.floor((sp_hi[sp, 1] - y_min) / tile)) + 1)
            ex = x1[sp] - x0[sp]
            ey = y1[sp] - y0[sp]
            ee = ex * ex + ey * ey
            for i in range(i0, i1 + 1):
                cx = x_min + (i + 0.5) * tile
                for j in range(j0, j1 + 1):
                    cy = y_min + (j + 0.5) * tile
                    u = 0.0
                    if ee > 0.0:
                        u = ((cx - x0[sp]) * ex + (cy - y0[sp]) * ey) / ee
                        u = min(1.0, max(0.0, u))
                    dx = cx - (x0[sp] + u * ex)
                    dy = cy - (y0[sp] + u * ey)
                    if dx * dx + dy * dy <= reach[sp] * reach[sp]:
                        t = i * n_ty + j
                        if phase == 0:
                            counts[t] += 1
                        else:
                            out[fill[t]] = sp
                            fill[t] += 1
    return offsets, out


@numba.njit(cache=True)
def cell_figures(  # pragma: no cover
    pieces,
    records,
    footprints,
    simple,
    tiles,
    images,
    img_offsets,
    img_times,
    horizon,
    n_line,
    bin_width,
    n_bins,
):
    """Merge every cell's windows in time order and return its figures and the line raster.

    A source is a piece seen from a cell. ``pieces`` = (kind, cls, t0, s0, v, length,
    a, b): per piece its kinematics and time span a-b. A cell's sources come three ways:

    - ``records`` = (offsets, piece, a, b): intervals listed per cell (cell c:
      ``offsets[c]:offsets[c + 1]``), sorted by (a, piece);
    - ``footprints`` = (offsets, group, sa, sb, grp_offsets, grp_piece): the cell lies
      in the footprint of group ``group`` (the pieces patrolling one path with one
      radius, such as the sorties of one station and the patrols resumed after cues)
      over the arc-length interval sa-sb; the group's pieces are
      ``grp_piece[grp_offsets[g]:grp_offsets[g + 1]]``, sorted by (a, piece);
    - ``simple`` = (piece, rows) with ``tiles`` = (x, y, tile_of_cell, offsets,
      members): pieces at a point or on one segment, one row each (see
      ``simple_window``), listed per tile (``tile_index``), seen from the cell.

    Sources are admitted in order of (a, piece) (a small merge per cell).

    ``images`` are the sorted times (s) of the images of the whole zone, and cell c's
    own image times (an orbiting satellite's strips; sorted) are
    ``img_times[img_offsets[c]:img_offsets[c + 1]]``: an instant in both counts once.
    Returns ``stats`` (cells, 11): covered
    fraction (any, drone, ground), two-asset fraction, looks, gaps, gap mean, p95 and
    max (s), time-average gap and mean response (s); and ``raster`` (3, n_line, n_bins):
    the seconds each line cell is covered in each time bin (any, drone, ground).
    """
    kind, cls, t0, s0, v, length, p_a, p_b = pieces
    rec_offsets, rec_piece, rec_a, rec_b = records
    fp_offsets, fp_group, fp_sa, fp_sb, grp_offsets, grp_piece = footprints
    sp_piece, sp_rows = simple
    cx_all, cy_all, tile_of_cell, tile_offsets, tile_members = tiles
    n_cells = len(rec_offsets) - 1
    stats = np.zeros((n_cells, 11))
    raster = np.zeros((3, n_line, n_bins))
    gaps = np.empty(1024)
    act_p = np.empty(64, np.int64)  # sources with a pending window (see n_src)
    act_kind = np.empty(64, np.int64)
    act_cls = np.empty(64, np.int64)
    act_a = np.empty(64)
    act_b = np.empty(64)
    act_sa = np.empty(64)
    act_sb = np.empty(64)
    act_k = np.empty(64, np.int64)
    act_half = np.empty(64, np.int64)
    act_s = np.empty(64)
    act_e = np.empty(64)
    cursor = np.empty(64, np.int64)  # per footprint entry of the cell: its next piece
    max_tile = 1
    for t in range(len(tile_offsets) - 1):
        max_tile = max(max_tile, tile_offsets[t + 1] - tile_offsets[t])
    sc_piece = np.empty(max_tile, np.int64)  # the cell's simple pieces and windows
    sc_cls = np.empty(max_tile, np.int64)
    sc_a = np.empty(max_tile)
    sc_b = np.empty(max_tile)
    for c in range(n_cells):
        r = rec_offsets[c]
        r_end = rec_offsets[c + 1]
        f0 = fp_offsets[c]
        n_fp = fp_offsets[c + 1] - f0
        if n_fp > len(cursor):
            cursor = np.empty(2 * n_fp, np.int64)
        for f in range(n_fp):
            cursor[f] = grp_offsets[fp_group[f0 + f]]
        n_sc = 0
        tc = tile_of_cell[c]
        for m in range(tile_offsets[tc], tile_offsets[tc + 1]):
            sp = tile_members[m]
            found, wa, wb = simple_window(
                sp_rows[sp, SP_X_LO],
                sp_rows[sp, SP_X_HI],
                sp_rows[sp, SP_Y_LO],
                sp_rows[sp, SP_Y_HI],
                sp_rows[sp, SP_X0],
                sp_rows[sp, SP_Y0],
                sp_rows[sp, SP_UX],
                sp_rows[sp, SP_UY],
                sp_rows[sp, SP_LENGTH],
                sp_rows[sp, SP_R2],
                sp_rows[sp, SP_T_LO],
                sp_rows[sp, SP_T_HI],
                sp_rows[sp, SP_T0],
                sp_rows[sp, SP_S0],
                sp_rows[sp, SP_V],
                sp_rows[sp, SP_SHAPE],
                cx_all[c],
                cy_all[c],
            )
            if found:
                sc_piece[n_sc] = sp_piece[sp]
                sc_cls[n_sc] = cls[sp_piece[sp]]
                sc_a[n_sc] = wa
                sc_b[n_sc] = wb
                n_sc += 1
        sc_order = np.argsort(sc_a[:n_sc], kind="mergesort")  # stable: ties in piece order
        # room for every source of the cell in the active set (grown here, out of the
        # loop: an array rebound in the loop costs reference counting at each step)
        n_src = r_end - r + n_sc
        for f in range(n_fp):
            g = fp_group[f0 + f]
            n_src += grp_offsets[g + 1] - grp_offsets[g]
        if n_src > len(act_p):
            size = max(n_src, 2 * len(act_p))
            act_p = np.empty(size, np.int64)
            act_kind = np.empty(size, np.int64)
            act_cls = np.empty(size, np.int64)
            act_a = np.empty(size)
            act_b = np.empty(size)
            act_sa = np.empty(size)
            act_sb = np.empty(size)
            act_k = np.empty(size, np.int64)
            act_half = np.empty(size, np.int64)
            act_s = np.empty(size)
            act_e = np.empty(size)
        q = 0
        stale = True  # the next source to admit must be found again
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
        nxt = -2
        nxt_a = np.inf
        while True:
            if stale:
                # the next source in order of (a, piece): -1 the next record, -3 the next
                # simple piece, f >= 0 footprint entry f, -2 none left. A tie on (a,
                # piece), one group's entries or one piece's records for one cell (a path
                # passing it twice), goes to the first.
                stale = False
                nxt = -2
                nxt_a = np.inf
                nxt_p = -1
                if r < r_end:
                    nxt = -1
                    nxt_a = rec_a[r]
                    nxt_p = rec_piece[r]
                if q < n_sc:
                    j = sc_order[q]
                    if nxt == -2 or sc_a[j] < nxt_a or (sc_a[j] == nxt_a and sc_piece[j] < nxt_p):
                        nxt = -3
                        nxt_a = sc_a[j]
                        nxt_p = sc_piece[j]
                for f in range(n_fp):
                    g = cursor[f]
                    if g < grp_offsets[fp_group[f0 + f] + 1]:
                        pg = grp_piece[g]
                        if nxt == -2 or p_a[pg] < nxt_a or (p_a[pg] == nxt_a and pg < nxt_p):
                            nxt = f
                            nxt_a = p_a[pg]
                            nxt_p = pg
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
            if nxt != -2 and nxt_a <= candidate:
                # admit the next source (in order of a): its first window may come first
                sa_ = 0.0
                sb_ = 0.0
                if nxt == -1:
                    p = rec_piece[r]
                    kind_ = kind[p]
                    cls_ = cls[p]
                    a_ = rec_a[r]
                    b_ = rec_b[r]
                    r += 1
                elif nxt == -3:
                    k = sc_order[q]
                    p = sc_piece[k]
                    kind_ = INTERVAL
                    cls_ = sc_cls[k]
                    a_ = sc_a[k]
                    b_ = sc_b[k]
                    q += 1
                else:
                    p = grp_piece[cursor[nxt]]
                    kind_ = kind[p]
                    cls_ = cls[p]
                    sa_ = fp_sa[f0 + nxt]
                    sb_ = fp_sb[f0 + nxt]
                    a_ = p_a[p]
                    b_ = p_b[p]
                    cursor[nxt] += 1
                stale = True
                if kind_ == INTERVAL:  # its one window (as _next_window gives it)
                    k, half, s, e, found = 0, 0, a_, b_, True
                else:
                    k, half, s, e, found = _next_window(
                        kind_, a_, b_, t0[p], s0[p], v[p], length[p], sa_, sb_, 0, -1
                    )
                if found:
                    act_p[n_act] = p
                    act_kind[n_act] = kind_
                    act_cls[n_act] = cls_
                    act_a[n_act] = a_
                    act_b[n_act] = b_
                    act_sa[n_act] = sa_
                    act_sb[n_act] = sb_
                    act_k[n_act] = k
                    act_half[n_act] = half
                    act_s[n_act] = s
                    act_e[n_act] = e
                    n_act += 1
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
                p = act_p[best]
                wcls = act_cls[best]
                k, half, ns, ne, found = 0, 0, 0.0, 0.0, False
                if act_kind[best] != INTERVAL:  # an interval has no second window
                    k, half, ns, ne, found = _next_window(
                        act_kind[best],
                        act_a[best],
                        act_b[best],
                        t0[p],
                        s0[p],
                        v[p],
                        length[p],
                        act_sa[best],
                        act_sb[best],
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
                    act_p[best] = act_p[n_act]
                    act_kind[best] = act_kind[n_act]
                    act_cls[best] = act_cls[n_act]
                    act_a[best] = act_a[n_act]
                    act_b[best] = act_b[n_act]
                    act_sa[best] = act_sa[n_act]
                    act_sb[best] = act_sb[n_act]
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
