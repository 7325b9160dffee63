"""Coverage figures of merit, exact from the asset plans (no time step).

Two grids: *line cells* (the point on the line at the centre of each chainage bin
of width ``cell``) and *zone cells* (a regular x/y grid of spacing ``cell`` in the
metric CRS, points inside the monitored zone; ``sim.world.grid``). For each cell
point p:

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

Windows come from the same closed forms as detection (``sim.world.detection``) and
the same kinematics (``sim.world.motion``): a static disc covers p over its whole
up-time; a leg flown once over an arc-length interval; a patrol over a train of
windows, one outbound and one return pass per period 2L/v. This module lays out the
grids and turns plan pieces into per-cell sources; the compiled loop that merges
them (``sim.measure.coverage_kernel``) yields the figures.

Inputs are the run's plan pieces and assets (``sim.world.assets``), its line, the
cell size and the horizon: coverage knows nothing of the engine that made them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.interrupts import deferred
from sim.core.tables import Table
from sim.measure import coverage_kernel as kernel
from sim.measure.coverage_kernel import INTERVAL, TRAIN, cell_figures, tile_index
from sim.schema import GRID_LINE, GRID_ZONE, SATELLITE_IMAGES, SATELLITE_REVISIT
from sim.world import detection
from sim.world.grid import grid_points

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sim.core.geo import Line
    from sim.world.assets.base import Asset, Piece

CLASSES = ("drone", "ground")  # classes with coverage time; satellites add looks only
TARGET_TIME_BINS = 720


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
        for grid in (GRID_LINE, GRID_ZONE):
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


TILE_CELLS = 4  # the side of a tile of the simple pieces' index, in cells


@dataclass
class _Sources:
    """Every cell's coverage sources, in the layout of ``coverage_kernel.cell_figures``.

    Per piece (by its index here): kind, class, kinematics and time span. Pieces that
    patrol one path with one radius (the sorties of a station, the patrol resumed after
    each cue) form a *group*: a cell holds one footprint entry per group, not one
    record per piece. *Simple* pieces (at a point, or on one segment: a sensor, a
    loiter, a leg flown to a cue) are listed per tile of a coarse grid and seen from
    each cell in the kernel. The others (a leg flown once along a longer path) are
    *records*, one per (cell, piece) and window.
    """

    pieces: tuple[np.ndarray, ...]
    records: tuple[np.ndarray, ...]
    footprints: tuple[np.ndarray, ...]
    simple: tuple[np.ndarray, ...]
    tiles: tuple[np.ndarray, ...]


def _sources(
    pieces: Sequence[Piece],
    assets: Sequence[Asset],
    x: np.ndarray,
    y: np.ndarray,
    horizon: float,
    tile: float,
) -> _Sources:
    """Every (cell, piece) coverage source: explicit intervals and patrol trains.

    A cell admits its sources in order of (start, piece index, place in the footprint),
    which fixes the order in which the kernel adds up its figures. ``tile``: the side
    of the simple pieces' tiles, m.
    """
    by_x = np.argsort(x, kind="stable")
    x_sorted = x[by_x]
    n_cells = len(x)
    # A station's sorties share one path object: their cells and arc-length
    # intervals are computed once.
    cache: dict[tuple[int, float], tuple[np.ndarray, ...]] = {}
    groups: dict[tuple[int, float], list[int]] = {}
    # per piece: kind, class, t0, s0, speed, path length, and its span a-b
    table: list[tuple[float, ...]] = []
    rec: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
    simple: list[tuple[int, np.ndarray, float, bool]] = []
    for piece in pieces:
        if piece.kind == "image" or piece.path is None:
            continue
        t_lo, t_hi = piece.t0, min(piece.end, horizon)
        if t_hi <= t_lo:
            continue
        asset = assets[piece.asset]
        radius = asset.range
        path_length = piece.path_length
        interval = piece.kind in ("static", "once") or path_length == 0
        n = len(table)
        cls = CLASSES.index(asset.asset_class)
        kind = INTERVAL if interval else TRAIN
        table.append((kind, cls, piece.t0, piece.s0, piece.speed, path_length, t_lo, t_hi))
        window = piece.kind == "once" and path_length != 0
        if interval and len(piece.path) <= 2:
            simple.append((n, piece.path, radius, window))
            continue
        key = (id(piece.path), radius)
        if key not in cache:
            cache[key] = _footprint_cells(piece.path, radius, x, y, by_x, x_sorted)
        cells, s_lo, s_hi = cache[key]
        if not interval:
            groups.setdefault(key, []).append(n)
        elif window:
            w_lo, w_hi = detection.once_windows(s_lo, s_hi, piece.t0, piece.s0, piece.speed)
            w_lo, w_hi = np.maximum(w_lo, t_lo), np.minimum(w_hi, t_hi)
            keep = w_lo <= w_hi
            rec.append((n, cells[keep], w_lo[keep], w_hi[keep]))
        else:
            rec.append((n, cells, np.full(len(cells), t_lo), np.full(len(cells), t_hi)))
    columns = np.array(table, dtype=float).reshape(len(table), 8).T
    table_arrays = (columns[0].astype(np.int64), columns[1].astype(np.int64)) + tuple(
        np.ascontiguousarray(c) for c in columns[2:]
    )
    p_a = table_arrays[6]
    # records, in piece order, sorted by (cell, a): stable, so ties keep that order
    rec_cell = _concat([c for _, c, _, _ in rec], np.int64)
    order = np.lexsort((_concat([lo for _, _, lo, _ in rec], float), rec_cell))
    records = (
        np.searchsorted(rec_cell[order], np.arange(n_cells + 1)),
        _concat([np.full(len(c), n, dtype=np.int64) for n, c, _, _ in rec], np.int64)[order],
        _concat([lo for _, _, lo, _ in rec], float)[order],
        _concat([hi for _, _, _, hi in rec], float)[order],
    )
    # footprint entries, by cell (stable: one footprint's entries for a cell in order)
    shared = [(members, cache[key]) for key, members in groups.items()]
    fp_cell = _concat([fp[0] for _, fp in shared], np.int64)
    fp_order = np.argsort(fp_cell, kind="stable")
    members = [sorted(m, key=lambda n: (p_a[n], n)) for m, _ in shared]
    footprints = (
        np.searchsorted(fp_cell[fp_order], np.arange(n_cells + 1)),
        _concat([np.full(len(fp[0]), g) for g, (_, fp) in enumerate(shared)], np.int64)[fp_order],
        _concat([fp[1] for _, fp in shared], float)[fp_order],
        _concat([fp[2] for _, fp in shared], float)[fp_order],
        np.concatenate([[0], np.cumsum([len(m) for m in members])]).astype(np.int64),
        _concat([np.array(m, dtype=np.int64) for m in members], np.int64),
    )
    simple_arrays, tiles = _simple(simple, table_arrays, x, y, tile)
    return _Sources(table_arrays, records, footprints, simple_arrays, tiles)


def _simple(
    simple: list[tuple[int, np.ndarray, float, bool]],
    table: tuple[np.ndarray, ...],
    x: np.ndarray,
    y: np.ndarray,
    tile: float,
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """The simple pieces' geometry for ``coverage_kernel.simple_window`` and their tiles.

    The segment's length and direction are computed as ``detection.path_intervals``
    does (element for element), the bounding box as ``_footprint_cells``.
    """
    n = len(simple)
    piece = np.array([s[0] for s in simple], dtype=np.int64)
    nv = np.array([len(s[1]) for s in simple], dtype=np.int64)
    p0 = np.array([s[1][0] for s in simple], dtype=float).reshape(n, 2)
    p1 = np.array([s[1][-1] for s in simple], dtype=float).reshape(n, 2)
    radius = np.array([s[2] for s in simple], dtype=float)
    window = np.array([s[3] for s in simple], dtype=np.bool_)
    _, _, t0, s0, v, _, t_lo, t_hi = (column[piece] for column in table)
    seg = p1 - p0
    length = np.hypot(seg[:, 0], seg[:, 1])
    safe = np.where(length > 0, length, 1.0)
    ux, uy = seg[:, 0] / safe, seg[:, 1] / safe
    lo = np.minimum(p0, p1) - radius[:, None]
    hi = np.maximum(p0, p1) + radius[:, None]
    x_min, y_min = (float(x.min()), float(y.min())) if len(x) else (0.0, 0.0)
    ix = np.floor((x - x_min) / tile).astype(np.int64)
    iy = np.floor((y - y_min) / tile).astype(np.int64)
    n_tx = int(ix.max()) + 1 if len(x) else 1
    n_ty = int(iy.max()) + 1 if len(y) else 1
    # a cell's centre is within half a diagonal of its tile's centre (and a margin)
    reach = radius + tile * math.sqrt(0.5) + 1.0 + 1e-9 * (np.abs(p0).max(axis=1) + radius)
    offsets, members = tile_index(
        n_tx,
        n_ty,
        x_min,
        y_min,
        tile,
        lo,
        hi,
        p0[:, 0],
        p0[:, 1],
        p1[:, 0],
        p1[:, 1],
        reach,
    )
    rows = np.empty((n, 16))
    columns = {
        kernel.SP_X_LO: lo[:, 0],
        kernel.SP_X_HI: hi[:, 0],
        kernel.SP_Y_LO: lo[:, 1],
        kernel.SP_Y_HI: hi[:, 1],
        kernel.SP_X0: p0[:, 0],
        kernel.SP_Y0: p0[:, 1],
        kernel.SP_UX: ux,
        kernel.SP_UY: uy,
        kernel.SP_LENGTH: length,
        kernel.SP_R2: radius * radius,
        kernel.SP_T_LO: t_lo,
        kernel.SP_T_HI: t_hi,
        kernel.SP_T0: t0,
        kernel.SP_S0: s0,
        kernel.SP_V: v,
        kernel.SP_SHAPE: np.where(
            nv == 1, kernel.POINT, np.where(window, kernel.SEGMENT_ONCE, kernel.SEGMENT)
        ),
    }
    for column, values in columns.items():
        rows[:, column] = values
    simple_arrays = (piece, rows)
    tiles = (x, y, ix * n_ty + iy, offsets, members)
    return simple_arrays, tiles


def _concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


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


def time_bins(horizon: float, target: int = TARGET_TIME_BINS) -> tuple[float, int]:
    """Width (s) and count of the line-over-time bins, all of one width.

    ``target`` bins of T / target seconds, unless that is under a minute: then
    ceil(T / 60 s) bins (at most a minute each).
    """
    width = max(60.0, horizon / target)
    n = max(1, math.ceil(horizon / width - 1e-9))
    return horizon / n, n


def compute(
    pieces: Sequence[Piece],
    assets: Sequence[Asset],
    line: Line,
    cell: float,
    horizon: float,
    orbits: bool = False,
) -> Coverage:
    """Coverage figures of a run's plan ``pieces`` on the grids of ``line`` at spacing ``cell``.

    ``assets`` are the run's assets by index (their class and footprint range, m);
    ``horizon`` the simulated period, s. With ``orbits`` (the run has orbiting
    satellites) the cells gain their satellite image count and mean revisit, and the
    space-time figures the passes' strips along the line.
    """
    grid = grid_points(line, cell)
    x, y = grid["x"], grid["y"]
    n_line = int(np.sum(grid["grid"] == GRID_LINE))
    images = np.unique([p.t0 for p in pieces if p.kind == "image" and p.t0 <= horizon]).astype(
        float
    )
    img_offsets, img_times = _cell_images(pieces, len(x), horizon)
    width, n_bins = time_bins(horizon)
    stats, raster = cell_stats(
        pieces,
        assets,
        x,
        y,
        n_line,
        horizon,
        images,
        img_offsets,
        img_times,
        width,
        n_bins,
        TILE_CELLS * cell,
    )
    lon, lat = line.to_lonlat(x, y)
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
    if orbits:
        counts, revisit = _image_counts(images, img_offsets, img_times)
        cells.data[SATELLITE_IMAGES] = counts
        cells.data[SATELLITE_REVISIT] = revisit
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
    if orbits:
        spacetime.update(_swath_marks(pieces, grid["chainage_edges_m"], n_line, horizon))
    return Coverage(cells, time, spacetime, cell)


def cell_stats(
    pieces: Sequence[Piece],
    assets: Sequence[Asset],
    x: np.ndarray,
    y: np.ndarray,
    n_line: int,
    horizon: float,
    images: np.ndarray,
    img_offsets: np.ndarray,
    img_times: np.ndarray,
    width: float,
    n_bins: int,
    tile: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-cell figures and the line raster (``coverage_kernel.cell_figures``) of cells (x, y).

    The first ``n_line`` cells are the line's; ``images``, ``img_offsets`` and
    ``img_times`` the satellite images (see ``_cell_images``); ``width`` and ``n_bins``
    the time bins; ``tile`` the side (m) of the simple pieces' tiles, which changes
    the speed only.
    """
    sources = _sources(pieces, assets, x, y, horizon, tile)
    with deferred("computing coverage"):  # a signal inside crashes numba's result boxing
        return cell_figures(
            sources.pieces,
            sources.records,
            sources.footprints,
            sources.simple,
            sources.tiles,
            images,
            img_offsets,
            img_times,
            float(horizon),
            n_line,
            float(width),
            n_bins,
        )


def _cell_images(
    pieces: Sequence[Piece], n_cells: int, horizon: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's own satellite image times (s), as offsets into one sorted array.

    They are the instants the strips of orbiting satellites' passes image it.
    Whole-zone (scheduled) images reach every cell and are passed apart, once. Two
    strip images of a cell at the same instant count once.
    """
    cell = [np.zeros(0, dtype=np.int64)]
    time = [np.zeros(0)]
    for p in pieces:
        if p.kind == "swath" and p.strip is not None:
            keep = p.strip.cell_time <= horizon
            cell.append(p.strip.cell[keep])
            time.append(p.strip.cell_time[keep])
    c, t = np.concatenate(cell).astype(np.int64), np.concatenate(time).astype(float)
    order = np.lexsort((t, c))
    c, t = c[order], t[order]
    if len(c):
        fresh = np.concatenate([[True], (c[1:] != c[:-1]) | (t[1:] != t[:-1])])
        c, t = c[fresh], t[fresh]
    return np.searchsorted(c, np.arange(n_cells + 1)).astype(np.int64), t


def _image_counts(
    images: np.ndarray, offsets: np.ndarray, times: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per cell, its satellite images and their mean spacing (s).

    The images are the zone's and the cell's own (an instant in both counts once); the
    spacing is (last - first) / (images - 1), NaN under two images.
    """
    own = np.diff(offsets)
    n_cells = len(own)
    cell_of = np.repeat(np.arange(n_cells), own)
    shared = np.bincount(cell_of[np.isin(times, images)], minlength=n_cells)
    count = own + len(images) - shared
    first = np.full(n_cells, np.inf)
    last = np.full(n_cells, -np.inf)
    has = own > 0
    first[has] = times[offsets[:-1][has]]
    last[has] = times[offsets[1:][has] - 1]
    if len(images):
        first = np.minimum(first, images[0])
        last = np.maximum(last, images[-1])
    revisit = np.full(n_cells, np.nan)
    many = count >= 2
    revisit[many] = (last[many] - first[many]) / (count[many] - 1)
    return count.astype(np.int64), revisit


def _swath_marks(
    pieces: Sequence[Piece], chainage_edges: np.ndarray, n_line: int, horizon: float
) -> dict[str, np.ndarray]:
    """For the space-time diagram: each pass's runs of imaged line cells, with their time.

    ``swath_time_s`` is the mean instant of the run's cells (a pass crosses 1,000 km of
    line in about two minutes), ``swath_from_m`` and ``swath_to_m`` its chainage range.
    """
    when, lo, hi = [], [], []
    for p in pieces:
        if p.kind != "swath" or p.strip is None:
            continue
        on_line = (p.strip.cell < n_line) & (p.strip.cell_time <= horizon)
        cells, times = p.strip.cell[on_line], p.strip.cell_time[on_line]
        if len(cells) == 0:
            continue
        order = np.argsort(cells)
        cells, times = cells[order], times[order]
        breaks = np.flatnonzero(np.diff(cells) > 1) + 1
        for run_c, run_t in zip(np.split(cells, breaks), np.split(times, breaks), strict=True):
            when.append(float(run_t.mean()))
            lo.append(float(chainage_edges[run_c[0]]))
            hi.append(float(chainage_edges[run_c[-1] + 1]))
    return {
        "swath_time_s": np.array(when, dtype=float),
        "swath_from_m": np.array(lo, dtype=float),
        "swath_to_m": np.array(hi, dtype=float),
    }
