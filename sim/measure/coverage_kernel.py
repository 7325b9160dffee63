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


@numba.njit(cache=True)
def simple_window(
    sp, cx, cy, x0, y0, ux, uy, seg_len, nv, r2, box, t_lo, t_hi, win, t0, s0, v
):  # pragma: no cover
    """The time window (found, a, b) of simple piece ``sp`` seen from the cell at (cx, cy).

    The arithmetic is ``sim.measure.coverage._footprint_cells`` (the bounding-box
    filter, then the disc of a one-vertex path or ``detection.path_intervals`` on one
    segment) and ``detection.once_windows`` clipped to the piece's span, operation for
    operation, so that the windows are the same to the last bit.
    """
    if not (cx >= box[sp, 0] and cx < box[sp, 1] and cy >= box[sp, 2] and cy <= box[sp, 3]):
        return False, 0.0, 0.0
    dx = cx - x0[sp]
    dy = cy - y0[sp]
    if nv[sp] == 1:
        if not (dx * dx + dy * dy <= r2[sp]):
            return False, 0.0, 0.0
        return True, t_lo[sp], t_hi[sp]
    length = seg_len[sp]
    if length == 0.0:
        if not (dx * dx + dy * dy <= r2[sp]):
            return False, 0.0, 0.0
        s_lo = 0.0 + 0.0
        s_hi = 0.0 + 0.0
    else:
        along = dx * ux[sp] + dy * uy[sp]
        across2 = dx * dx + dy * dy - along * along
        half2 = r2[sp] - across2
        root = math.sqrt(half2 if half2 >= 0.0 else 0.0)
        lo = along - root
        lo = lo if lo >= 0.0 else 0.0
        hi = along + root
        hi = hi if hi <= length else length
        if not (half2 >= 0.0 and lo <= hi):
            return False, 0.0, 0.0
        s_lo = lo + 0.0
        s_hi = hi + 0.0
    if not win[sp]:
        return True, t_lo[sp], t_hi[sp]
    w_lo = t0[sp] + (s_lo - s0[sp]) / v[sp]
    w_hi = t0[sp] + (s_hi - s0[sp]) / v[sp]
    w_lo = w_lo if w_lo >= t_lo[sp] else t_lo[sp]
    w_hi = w_hi if w_hi <= t_hi[sp] else t_hi[sp]
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
def _next_source(
    r,
    r_end,
    rec_a,
    rec_piece,
    q,
    n_sc,
    sc_a,
    sc_piece,
    sc_order,
    f0,
    n_fp,
    fp_group,
    cursor,
    grp_offsets,
    grp_piece,
    p_a,
):  # pragma: no cover
    """The cell's next source in order of (a, piece) and its a.

    -1: the next record; -3: the next simple piece; f >= 0: footprint entry f; -2: none
    left. A tie on (a, piece), one group's entries for one piece, or one piece's records
    (a path passing the cell twice), goes to the first.
    """
    best = -2
    best_a = np.inf
    best_p = -1
    if r < r_end:
        best = -1
        best_a = rec_a[r]
        best_p = rec_piece[r]
    if q < n_sc:
        k = sc_order[q]
        pa = sc_a[k]
        p = sc_piece[k]
        if best == -2 or pa < best_a or (pa == best_a and p < best_p):
            best = -3
            best_a = pa
            best_p = p
    for f in range(n_fp):
        g = cursor[f]
        if g < grp_offsets[fp_group[f0 + f] + 1]:
            p = grp_piece[g]
            pa = p_a[p]
            if best == -2 or pa < best_a or (pa == best_a and p < best_p):
                best = f
                best_a = pa
                best_p = p
    return best, best_a


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
    - ``simple`` = (piece, x0, y0, ux, uy, length, nv, r2, box, once) with ``tiles`` =
      (x, y, tile_of_cell, offsets, members): pieces at a point or on one segment
      (see ``simple_window``), looked up from the cell's tile.

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
    sp_piece, sp_x0, sp_y0, sp_ux, sp_uy, sp_len, sp_nv, sp_r2, sp_box, sp_win = simple
    cx_all, cy_all, tile_of_cell, tile_offsets, tile_members = tiles
    sp_lo = p_a[sp_piece]
    sp_hi = p_b[sp_piece]
    sp_t0 = t0[sp_piece]
    sp_s0 = s0[sp_piece]
    sp_v = v[sp_piece]
    n_cells = len(rec_offsets) - 1
    stats = np.zeros((n_cells, 11))
    raster = np.zeros((3, n_line, n_bins))
    gaps = np.empty(1024)
    act_p = np.empty(64, np.int64)  # sources with a pending window (grown on demand)
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
                sp,
                cx_all[c],
                cy_all[c],
                sp_x0,
                sp_y0,
                sp_ux,
                sp_uy,
                sp_len,
                sp_nv,
                sp_r2,
                sp_box,
                sp_lo,
                sp_hi,
                sp_win,
                sp_t0,
                sp_s0,
                sp_v,
            )
            if found:
                sc_piece[n_sc] = sp_piece[sp]
                sc_a[n_sc] = wa
                sc_b[n_sc] = wb
                n_sc += 1
        sc_order = np.argsort(sc_a[:n_sc], kind="mergesort")  # stable: ties in piece order
        q = 0
        nxt, nxt_a = _next_source(
            r,
            r_end,
            rec_a,
            rec_piece,
            q,
            n_sc,
            sc_a,
            sc_piece,
            sc_order,
            f0,
            n_fp,
            fp_group,
            cursor,
            grp_offsets,
            grp_piece,
            p_a,
        )
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
            if nxt != -2 and nxt_a <= candidate:
                # admit the next source (in order of a): its first window may come first
                sa_ = 0.0
                sb_ = 0.0
                if nxt == -1:
                    p = rec_piece[r]
                    a_ = rec_a[r]
                    b_ = rec_b[r]
                    r += 1
                elif nxt == -3:
                    k = sc_order[q]
                    p = sc_piece[k]
                    a_ = sc_a[k]
                    b_ = sc_b[k]
                    q += 1
                else:
                    p = grp_piece[cursor[nxt]]
                    sa_ = fp_sa[f0 + nxt]
                    sb_ = fp_sb[f0 + nxt]
                    a_ = p_a[p]
                    b_ = p_b[p]
                    cursor[nxt] += 1
                nxt, nxt_a = _next_source(
                    r,
                    r_end,
                    rec_a,
                    rec_piece,
                    q,
                    n_sc,
                    sc_a,
                    sc_piece,
                    sc_order,
                    f0,
                    n_fp,
                    fp_group,
                    cursor,
                    grp_offsets,
                    grp_piece,
                    p_a,
                )
                k, half, s, e, found = _next_window(
                    kind[p], a_, b_, t0[p], s0[p], v[p], length[p], sa_, sb_, 0, -1
                )
                if found:
                    if n_act == len(act_p):  # grow the active set
                        act_p = np.concatenate((act_p, np.empty(n_act, np.int64)))
                        act_a = np.concatenate((act_a, np.empty(n_act)))
                        act_b = np.concatenate((act_b, np.empty(n_act)))
                        act_sa = np.concatenate((act_sa, np.empty(n_act)))
                        act_sb = np.concatenate((act_sb, np.empty(n_act)))
                        act_k = np.concatenate((act_k, np.empty(n_act, np.int64)))
                        act_half = np.concatenate((act_half, np.empty(n_act, np.int64)))
                        act_s = np.concatenate((act_s, np.empty(n_act)))
                        act_e = np.concatenate((act_e, np.empty(n_act)))
                    act_p[n_act] = p
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
                wcls = cls[p]
                k, half, ns, ne, found = _next_window(
                    kind[p],
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
