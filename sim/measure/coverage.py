"""Coverage figures of merit, exact from the asset plans (no time step).

Two grids: *line cells* (the point on the line at the centre of each chainage bin
of width ``cell``) and *zone cells* (a regular x/y grid of spacing ``cell`` in the
metric CRS, points inside the monitored zone). For each cell point p:

- covered fraction: |C(p)| / T, where C(p) is the union over assets of the times
  p is inside a footprint (satellite images are instants: they add looks, not time);
- by class: the same for drones and for ground sensors alone;
- two-asset fraction: the time covered by at least two assets at once, over T;
- revisit gaps: the maximal intervals of [0, T] in which p is neither covered nor
  imaged. As in STK, a gap touching the start or the end of the run counts up to
  that edge; a cell never covered has one gap of length T; a cell always covered
  has none (its gap figures are 0). Reported: mean, 95th percentile, max;
- time-average gap: sum of squared gaps / T (gaps 5, 10, 15 in 100 give 3.5); and
  mean response time: sum of squared gaps / (2 T), the expected wait for the next
  look from a random instant.

Windows come from the same closed forms as detection (``sim.world.detection``): a
static disc covers p over its whole up-time; a leg flown once over an arc-length
interval; a patrol over a train of windows, one outbound and one return pass per
period 2L/v. A month of fast patrols gives tens of millions of windows, so the
per-cell merge runs in a compiled loop (numba) that generates each train's windows
in time order, merges them with the other pieces' windows and the satellite image
times, and keeps running sums: nothing is stored per window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numba
import numpy as np
import shapely

from sim.core.interrupts import deferred
from sim.core.tables import Table
from sim.world import detection

if TYPE_CHECKING:
    from sim.core.geo import Line
    from sim.engine.model import RunResult

EPS = 1e-6  # seconds: windows closer than this are one coverage interval
CLASSES = ("drone", "ground")  # classes with coverage time; satellites add looks only
TARGET_TIME_BINS = 720

# record kinds
INTERVAL = 0
TRAIN = 1


@dataclass
class Coverage:
    """Coverage of one run: per-cell figures, the line over time, and summaries.

    ``cells``: one row per cell (line cells first, then zone cells), with the
    columns of coverage.csv. ``time``: the line's covered fraction per time bin.
    ``spacetime``: arrays ``time_edges_s``, ``chainage_edges_m``, ``any``,
    ``drone``, ``ground`` (line cells x time bins: fraction of the bin covered) and
    ``satellite_times_s``. ``cell_size``: the grid spacing, metres.
    """

    cells: Table
    time: Table
    spacetime: dict[str, np.ndarray]
    cell_size: float

    def metrics(self) -> dict[str, float]:
        """``coverage.*`` figures for metrics.json (see docs/results.md)."""
        out: dict[str, float] = {}
        for grid in ("line", "zone"):
            rows = self.cells["grid"] == grid
            if not np.any(rows):
                continue
            prefix = f"coverage.{grid}"
            fraction = self.cells["covered_fraction"][rows]
            out[f"{prefix}.time_fraction"] = float(np.mean(fraction))
            for cls in CLASSES:
                out[f"{prefix}.time_fraction.{cls}"] = float(
                    np.mean(self.cells[f"covered_fraction_{cls}"][rows])
                )
            out[f"{prefix}.two_asset_fraction"] = float(
                np.mean(self.cells["two_asset_fraction"][rows])
            )
            out[f"{prefix}.min_cell_fraction"] = float(np.min(fraction))
            n_gaps = self.cells["gaps"][rows]
            gap_sum = self.cells["gap_mean_s"][rows] * n_gaps
            out[f"{prefix}.revisit.mean_s"] = (
                float(gap_sum.sum() / n_gaps.sum()) if n_gaps.sum() else 0.0
            )
            out[f"{prefix}.revisit.cell_p95_median_s"] = float(
                np.median(self.cells["gap_p95_s"][rows])
            )
            out[f"{prefix}.revisit.max_s"] = float(np.max(self.cells["gap_max_s"][rows]))
            out[f"{prefix}.time_average_gap_s"] = float(
                np.mean(self.cells["time_average_gap_s"][rows])
            )
            out[f"{prefix}.mean_response_s"] = float(np.mean(self.cells["mean_response_s"][rows]))
        if "coverage.line.time_fraction" in out:
            out["coverage.time_fraction"] = out["coverage.line.time_fraction"]
            out["coverage.revisit.mean_s"] = out["coverage.line.revisit.mean_s"]
            out["coverage.revisit.max_s"] = out["coverage.line.revisit.max_s"]
        return out


def _zone_grid(line: Line, cell: float) -> tuple[np.ndarray, ...]:
    """The grid over the zone's bounding box: x, y (m), column and row indices, inside."""
    xmin, ymin, xmax, ymax = line.zone.bounds
    ix = np.arange(math.floor(xmin / cell), math.ceil(xmax / cell))
    iy = np.arange(math.floor(ymin / cell), math.ceil(ymax / cell))
    mesh = np.meshgrid((ix + 0.5) * cell, (iy + 0.5) * cell)
    index = np.meshgrid(ix - ix[0], iy - iy[0])
    gx, gy, gix, giy = mesh[0].ravel(), mesh[1].ravel(), index[0].ravel(), index[1].ravel()
    return gx, gy, gix, giy, shapely.contains_xy(line.zone, gx, gy)


def zone_cell_count(line: Line, cell: float) -> int:
    """The number of zone cells of ``line``'s coverage grid at spacing ``cell`` (m)."""
    return int(np.count_nonzero(_zone_grid(line, cell)[4]))


def grid_points(result: RunResult) -> dict[str, np.ndarray]:
    """The line cells and zone cells of a run's line: positions and indices."""
    line = result.line
    cell = result.scenario.line.cell
    n_line = max(1, math.ceil(line.length / cell - 1e-9))
    lo = np.arange(n_line) * cell
    hi = np.minimum(lo + cell, line.length)
    centre = 0.5 * (lo + hi)
    lx, ly = line.point_at(centre, 0.0)
    gx, gy, gix, giy, inside = _zone_grid(line, cell)
    zx, zy = gx[inside], gy[inside]
    zchain, zoffset = line.locate(zx, zy)
    n_zone = len(zx)
    return {
        "grid": np.array(["line"] * n_line + ["zone"] * n_zone, dtype=object),
        "cell": np.concatenate([np.arange(n_line), np.arange(n_zone)]),
        "ix": np.concatenate([np.full(n_line, -1), gix[inside]]),
        "iy": np.concatenate([np.full(n_line, -1), giy[inside]]),
        "chainage_m": np.concatenate([centre, zchain]),
        "offset_m": np.concatenate([np.zeros(n_line), zoffset]),
        "x": np.concatenate([lx, zx]),
        "y": np.concatenate([ly, zy]),
        "chainage_edges_m": np.append(lo, line.length),
    }


class _Records:
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


def _records(result: RunResult, x: np.ndarray, y: np.ndarray, horizon: float) -> _Records:
    """Every (cell, piece) coverage source: explicit intervals and patrol trains."""
    by_x = np.argsort(x, kind="stable")
    x_sorted = x[by_x]
    ranges = result.assets["range_m"]
    classes = result.assets["asset_class"]
    records = _Records()
    # A station's sorties share one path object, and a repaired sensor keeps its
    # position: their cells and arc-length intervals are computed once.
    cache: dict[tuple[int, float], tuple[np.ndarray, ...]] = {}
    for piece in result.pieces:
        if piece.kind == "image" or piece.path is None:
            continue
        t_lo, t_hi = piece.t0, min(piece.end, horizon)
        if t_hi <= t_lo:
            continue
        cls = CLASSES.index(str(classes[piece.asset]))
        radius = float(ranges[piece.asset])
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


def _footprint_cells(
    path: np.ndarray,
    radius: float,
    x: np.ndarray,
    y: np.ndarray,
    by_x: np.ndarray,
    x_sorted: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells a footprint of ``radius`` along ``path`` reaches, with arc-length intervals.

    A one-vertex path (a fixed sensor) reaches the cells within ``radius`` of it;
    its intervals are [0, 0].
    """
    lo = path.min(axis=0) - radius
    hi = path.max(axis=0) + radius
    k0, k1 = np.searchsorted(x_sorted, (lo[0], hi[0]))
    idx = by_x[k0:k1]
    idx = idx[(y[idx] >= lo[1]) & (y[idx] <= hi[1])]
    if len(path) == 1:
        q = path[0]
        idx = idx[(x[idx] - q[0]) ** 2 + (y[idx] - q[1]) ** 2 <= radius * radius]
        return idx, np.zeros(len(idx)), np.zeros(len(idx))
    point, s_lo, s_hi = detection.path_intervals(path, x[idx], y[idx], radius)
    return idx[point], s_lo, s_hi


@numba.njit(cache=True)
def _next_window(kind, a, b, t0, s0, v, length, sa, sb, k, half):  # pragma: no cover
    """The window of a source after cycle ``k``, pass ``half`` (``half`` = -1: its first).

    Returns (k, half, start, end, found).
    """
    if kind == INTERVAL:
        if half == -1:
            return 0, 0, a, b, True
        return k, half, 0.0, 0.0, False
    period = 2.0 * length
    u_lo = s0 + v * (a - t0)
    u_hi = s0 + v * (b - t0)
    if half == -1:  # start one period early so that a window straddling a is found
        k = math.floor(u_lo / period) - 1
    while True:
        half += 1
        if half == 2:
            half = 0
            k += 1
        base = k * period
        if half == 0:
            lo, hi = base + sa, base + sb
        else:
            lo, hi = base + period - sb, base + period - sa
        if lo > u_hi:
            return k, half, 0.0, 0.0, False
        lo = max(lo, u_lo)
        hi = min(hi, u_hi)
        if lo <= hi:
            start = max(t0 + (lo - s0) / v, a)
            end = min(t0 + (hi - s0) / v, b)
            return k, half, start, end, True


@numba.njit(cache=True)
def _cells(  # pragma: no cover
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
    horizon,
    n_line,
    bin_width,
    n_bins,
):
    """Merge every cell's windows in time order and return its figures and the line raster."""
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
        img = 0
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
            img_t = images[img] if img < len(images) else np.inf
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


def time_bins(horizon: float, target: int = TARGET_TIME_BINS) -> tuple[float, int]:
    """Width (s) and count of the line-over-time bins, all of one width.

    ``target`` bins of T / target seconds, unless that is under a minute: then
    ceil(T / 60 s) bins (at most a minute each).
    """
    width = max(60.0, horizon / target)
    n = max(1, math.ceil(horizon / width - 1e-9))
    return horizon / n, n


def compute(result: RunResult) -> Coverage:
    """Coverage figures of ``result`` on its line and zone grids."""
    horizon = result.scenario.duration
    grid = grid_points(result)
    x, y = grid["x"], grid["y"]
    n_line = int(np.sum(grid["grid"] == "line"))
    rec = _records(result, x, y, horizon).arrays()
    order = np.lexsort((rec["a"], rec["cell"]))
    rec = {k: v[order] for k, v in rec.items()}
    offsets = np.searchsorted(rec["cell"], np.arange(len(x) + 1))
    images = np.unique(
        [p.t0 for p in result.pieces if p.kind == "image" and p.t0 <= horizon]
    ).astype(float)
    width, n_bins = time_bins(horizon)
    with deferred("computing coverage"):  # a signal inside crashes numba's result boxing
        stats, raster = _cells(
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
            float(horizon),
            n_line,
            float(width),
            n_bins,
        )
    lon, lat = result.line.to_lonlat(x, y)
    cells = Table(
        {
            "grid": grid["grid"],
            "cell": grid["cell"],
            "ix": grid["ix"],
            "iy": grid["iy"],
            "chainage_m": grid["chainage_m"],
            "offset_m": grid["offset_m"],
            "x": x,
            "y": y,
            "lon": np.asarray(lon, dtype=float),
            "lat": np.asarray(lat, dtype=float),
            "covered_fraction": stats[:, 0],
            "covered_fraction_drone": stats[:, 1],
            "covered_fraction_ground": stats[:, 2],
            "two_asset_fraction": stats[:, 3],
            "looks": stats[:, 4].astype(np.int64),
            "gaps": stats[:, 5].astype(np.int64),
            "gap_mean_s": stats[:, 6],
            "gap_p95_s": stats[:, 7],
            "gap_max_s": stats[:, 8],
            "time_average_gap_s": stats[:, 9],
            "mean_response_s": stats[:, 10],
        }
    )
    fractions = raster / width
    edges = np.arange(n_bins + 1) * width
    edges[-1] = horizon
    time = Table(
        {
            "t_start_s": edges[:-1],
            "t_end_s": edges[1:],
            "line_covered_fraction": fractions[0].mean(axis=0),
            "line_covered_fraction_drone": fractions[1].mean(axis=0),
            "line_covered_fraction_ground": fractions[2].mean(axis=0),
        }
    )
    spacetime = {
        "time_edges_s": edges,
        "chainage_edges_m": grid["chainage_edges_m"],
        "any": fractions[0].astype(np.float32),
        "drone": fractions[1].astype(np.float32),
        "ground": fractions[2].astype(np.float32),
        "satellite_times_s": images,
    }
    return Coverage(cells, time, spacetime, result.scenario.line.cell)
