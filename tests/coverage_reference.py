"""The coverage figures as first built: one record per (cell, piece), sorted, merged.

A reference for ``sim.measure.coverage`` (tests only): every (cell, piece) source is
a record of 11 fields, the records are sorted by (cell, start) with a stable sort,
and the merge loop (``sim.measure.coverage_kernel.cell_figures`` as it was before
patrol groups, simple pieces and tiles) runs over them (compiled too: numpy's sums
and numba's differ in the last bit). The new
code must give the same figures to the last bit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

from sim.measure.coverage import CLASSES, _footprint_cells
from sim.measure.coverage_kernel import EPS, INTERVAL, TRAIN, _add_to_bins, _next_window
from sim.world import detection
from sim.world.assets.base import Asset, Piece


class Records:
    """Coverage sources per cell, filled piece by piece, as flat arrays."""

    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {
            k: [] for k in ("cell", "cls", "kind", "a", "b", "t0", "s0", "v", "length", "sa", "sb")
        }

    def add(self, cell, cls, kind, a, b, t0=0.0, s0=0.0, v=1.0, length=0.0, sa=0.0, sb=0.0):
        n = len(cell)
        if n == 0:
            return
        values = {
            "cell": cell,
            "cls": cls,
            "kind": kind,
            "a": a,
            "b": b,
            "t0": t0,
            "s0": s0,
            "v": v,
            "length": length,
            "sa": sa,
            "sb": sb,
        }
        for key, value in values.items():
            self.parts[key].append(np.broadcast_to(np.asarray(value), (n,)))

    def arrays(self) -> dict[str, np.ndarray]:
        dtypes = {"cell": np.int64, "cls": np.int64, "kind": np.int64}
        out = {}
        for key, parts in self.parts.items():
            dtype = dtypes.get(key, np.float64)
            out[key] = np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)
        return out


def reference_records(
    pieces: Sequence[Piece], assets: Sequence[Asset], x: np.ndarray, y: np.ndarray, horizon: float
) -> Records:
    """Every (cell, piece) coverage source: explicit intervals and patrol trains."""
    by_x = np.argsort(x, kind="stable")
    x_sorted = x[by_x]
    records = Records()
    # A station's sorties share one path object, and a repaired sensor keeps its
    # position: their cells and arc-length intervals are computed once.
    cache: dict[tuple[int, float], tuple[np.ndarray, ...]] = {}
    for piece in pieces:
        if piece.kind == "image" or piece.path is None:
            continue
        t_lo, t_hi = piece.t0, min(piece.end, horizon)
        if t_hi <= t_lo:
            continue
        asset = assets[piece.asset]
        cls = CLASSES.index(asset.asset_class)
        radius = asset.range
        key = (id(piece.path), radius)
        if key not in cache:
            cache[key] = _footprint_cells(piece.path, radius, x, y, by_x, x_sorted)
        cells, s_lo, s_hi = cache[key]
        if len(cells) == 0:
            continue
        if piece.kind == "static":
            records.add(cells, cls, INTERVAL, t_lo, t_hi)
            continue
        length = piece.path_length
        if piece.kind == "once" or length == 0:
            if length == 0:
                w_lo, w_hi = np.full(len(cells), t_lo), np.full(len(cells), t_hi)
            else:
                w_lo, w_hi = detection.once_windows(s_lo, s_hi, piece.t0, piece.s0, piece.speed)
                w_lo, w_hi = np.maximum(w_lo, t_lo), np.minimum(w_hi, t_hi)
            keep = w_lo <= w_hi
            records.add(cells[keep], cls, INTERVAL, w_lo[keep], w_hi[keep])
            continue
        records.add(
            cells, cls, TRAIN, t_lo, t_hi, piece.t0, piece.s0, piece.speed, length, s_lo, s_hi
        )
    return records


def reference_stats(
    pieces, assets, x, y, n_line, horizon, images, img_offsets, img_times, width, n_bins
):
    """``sim.measure.coverage.cell_stats`` the reference way."""
    rec = reference_records(pieces, assets, x, y, horizon).arrays()
    order = np.lexsort((rec["a"], rec["cell"]))
    rec = {k: v[order] for k, v in rec.items()}
    offsets = np.searchsorted(rec["cell"], np.arange(len(x) + 1))
    return reference_figures(
        offsets,
        rec["kind"],
        rec["cls"],
        rec["a"],
        rec["b"],
        rec["t0"],
        rec["s0"],
        rec["v"],
        rec["length"],
        rec["sa"],
        rec["sb"],
        images,
        img_offsets,
        img_times,
        float(horizon),
        n_line,
        float(width),
        n_bins,
    )


@numba.njit(cache=True)
def reference_figures(
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
    """``coverage_kernel.cell_figures`` as it was, on one record per (cell, piece).

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
