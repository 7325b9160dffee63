"""The sky on the figures: night and overcast on the space-time diagram, ground tracks.

Everything here is drawn from the saved results folder: the resolved scenario
(``environment``, ``start``, the line), ``clouds.csv`` and ``ground_tracks.csv``.
Night is the complement of the closed-form daylight windows of
:func:`sim.world.sun.daylight_windows` at the centre of each space-time chainage bin;
it and the overcast spells are rasterized onto one image each (exact fractions of
each pixel column, so a 30-day x 1,200 km diagram stays one artist per layer).

sim.world (the sun, the cloud states) is imported inside the functions that need it:
importing sim.present loads no world model (tests/test_plots.py), and a run without an
``environment`` never loads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.colors as mcolors
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from sim.core.geo import wrap_longitude
from sim.core.tables import Table
from sim.present.figures.style import PURPLE
from sim.schema import CLOUD_COLUMNS, CLOUDS, GROUND_TRACK_COLUMNS, GROUND_TRACKS
from sim.spec.geometry import scenario_line
from sim.store.files import read_table
from sim.store.read import ResultsFolder

#: Night: a dark blue veil, as opaque as this where a pixel column is night throughout.
NIGHT_COLOUR = "#1A2A5A"
NIGHT_ALPHA = 0.35
#: Overcast: grey, translucent, hatched (it stays distinct from night where both fall).
OVERCAST_COLOUR = "#808080"
OVERCAST_ALPHA = 0.30
OVERCAST_HATCH = "////"
#: Time columns of the night and overcast images (about the figure's width in pixels).
SKY_COLUMNS = 1600

#: Ground tracks: a new piece where consecutive rows are further apart than this (s)...
TRACK_GAP_S = 90.0
#: ... or where the longitude jumps by more than this (deg: the antimeridian).
TRACK_JUMP_DEG = 180.0
#: One colour per satellite group (repeats beyond six).
TRACK_COLOURS = (PURPLE, "#4D4D4D", "#7B3294", "#A6761D", "#1B7837", "#2166AC")


# --- night and overcast on the space-time diagram -----------------------------------------


def covered_fraction(lo: np.ndarray, hi: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Fraction of each bin ``[edges[k], edges[k+1])`` inside the union of disjoint intervals.

    ``lo``/``hi`` are sorted, non-overlapping interval bounds (same unit as ``edges``).
    Exact: the measure covered before each edge is the cumulative sum of whole
    intervals plus the part of the one it falls in.
    """
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    edges = np.asarray(edges, dtype=float)
    width = np.diff(edges)
    if len(lo) == 0 or len(edges) < 2:
        return np.zeros(max(len(edges) - 1, 0))
    length = np.maximum(hi - lo, 0.0)
    before = np.concatenate([[0.0], np.cumsum(length)])  # measure before interval k
    k = np.searchsorted(lo, edges, side="right") - 1
    inside = np.where(
        k >= 0, np.clip(edges - lo[np.maximum(k, 0)], 0.0, length[np.maximum(k, 0)]), 0.0
    )
    cum = np.where(k >= 0, before[np.maximum(k, 0)] + inside, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(width > 0, np.diff(cum) / width, 0.0)
    return np.clip(frac, 0.0, 1.0)


def sky_time_edges(t0: float, t1: float, columns: int = SKY_COLUMNS) -> np.ndarray:
    """Pixel-column edges (s) of the sky images over [t0, t1]."""
    return np.linspace(t0, t1, max(int(columns), 1) + 1)


def night_fraction(
    folder: ResultsFolder, chainage_edges_m: np.ndarray, time_edges_s: np.ndarray
) -> np.ndarray | None:
    """Night fraction of each (chainage bin, time column), or None when there is no night.

    None without an ``environment`` or for a local (not lon/lat) line. Night is below
    the run's light threshold (``environment.daylight.min_sun_elevation``, else civil
    twilight, -6 deg: the threshold the results' day/night labels use), at the
    centre of each chainage bin, times in s from the scenario ``start``.
    """
    spec = folder.spec
    if spec.environment is None or not folder.is_geographic:
        return None
    from sim.world import sun
    from sim.world.sky import light_threshold

    line = scenario_line(spec)
    edges = np.asarray(chainage_edges_m, dtype=float)
    centre = 0.5 * (edges[:-1] + edges[1:])
    lon, lat = line.to_lonlat(*line.point_at(centre))
    t_edges = np.asarray(time_edges_s, dtype=float)
    horizon = float(t_edges[-1])
    point, lo, hi = sun.daylight_windows(
        lon, lat, spec.start, horizon, light_threshold(spec.environment), t_lo=float(t_edges[0])
    )
    night = np.ones((len(centre), len(t_edges) - 1))
    bounds = np.searchsorted(point, np.arange(len(centre) + 1))
    for i in range(len(centre)):
        a, b = bounds[i], bounds[i + 1]
        night[i] -= covered_fraction(lo[a:b], hi[a:b], t_edges)
    return np.clip(night, 0.0, 1.0)


def read_clouds(folder: ResultsFolder) -> Table | None:
    """clouds.csv of a run with an ``environment``, else None."""
    if folder.spec.environment is None or not folder.has(CLOUDS):
        return None
    return read_table(folder.path / CLOUDS)


def overcast_rectangles(clouds: Table) -> np.ndarray:
    """(n, 4) rows of (from_m, to_m, t_start_s, t_end_s) of the overcast spells.

    Rows with a missing column value, an empty range or a non-overcast state are
    dropped; an empty table or one without the columns gives no rectangle.
    """
    if len(clouds) == 0 or not set(CLOUD_COLUMNS) <= set(clouds.columns):
        return np.zeros((0, 4))
    from sim.world.clouds import OVERCAST

    state = np.asarray(clouds["state"]).astype(str)
    rect = np.column_stack(
        [np.asarray(clouds[c], dtype=float) for c in ("from_m", "to_m", "t_start_s", "t_end_s")]
    )
    keep = (
        (state == OVERCAST)
        & np.all(np.isfinite(rect), axis=1)
        & (rect[:, 1] > rect[:, 0])
        & (rect[:, 3] > rect[:, 2])
    )
    return rect[keep]


def rgba_layer(fraction: np.ndarray, colour: str, alpha: float) -> np.ndarray:
    """An RGBA image of one colour whose opacity is ``alpha`` times ``fraction`` (0..1)."""
    rgb = np.asarray(mcolors.to_rgb(colour))
    f = np.clip(np.nan_to_num(np.asarray(fraction, dtype=float)), 0.0, 1.0)
    out = np.empty((*f.shape, 4))
    out[..., :3] = rgb
    out[..., 3] = alpha * f
    return out


def draw_night(
    ax: Axes,
    folder: ResultsFolder,
    chainage_edges_m: np.ndarray,
    time_span_s: tuple[float, float],
    unit_s: float,
) -> Patch | None:
    """Shade night over the space-time diagram; return its legend handle (None: no night).

    One RGBA image, time columns of :data:`SKY_COLUMNS` over the diagram's span; each
    pixel's opacity is the exact night fraction of its time column.
    """
    t_lo, t_hi = float(time_span_s[0]), float(time_span_s[1])
    t_edges = sky_time_edges(t_lo, t_hi)
    night = night_fraction(folder, chainage_edges_m, t_edges)
    if night is None:
        return None
    c = np.asarray(chainage_edges_m, dtype=float) / 1000.0
    ax.imshow(
        rgba_layer(night, NIGHT_COLOUR, NIGHT_ALPHA),
        origin="lower",
        aspect="auto",
        interpolation="antialiased",
        extent=(t_lo / unit_s, t_hi / unit_s, c[0], c[-1]),
        zorder=0.5,
    )
    from sim.world.sky import light_threshold

    threshold = light_threshold(folder.spec.environment)
    return Patch(
        facecolor=NIGHT_COLOUR,
        alpha=NIGHT_ALPHA,
        label=f"night (sun below {threshold:g} deg)",
    )


def draw_overcast(ax: Axes, rect: np.ndarray, unit_s: float) -> Patch | None:
    """Overcast spells as one hatched, translucent compound path; its legend handle.

    ``rect`` as from :func:`overcast_rectangles` (m, s); None when it has no row.
    """
    rect = np.asarray(rect, dtype=float).reshape(-1, 4)
    if len(rect) == 0:
        return None
    c0, c1 = rect[:, 0] / 1000.0, rect[:, 1] / 1000.0
    t0, t1 = rect[:, 2] / unit_s, rect[:, 3] / unit_s
    corners = np.stack(
        [
            np.column_stack([t0, c0]),
            np.column_stack([t1, c0]),
            np.column_stack([t1, c1]),
            np.column_stack([t0, c1]),
            np.column_stack([t0, c0]),
        ],
        axis=1,
    ).reshape(-1, 2)
    one = [MplPath.MOVETO, MplPath.LINETO, MplPath.LINETO, MplPath.LINETO, MplPath.CLOSEPOLY]
    codes = np.tile(np.asarray(one, dtype=np.uint8), len(rect))
    face = mcolors.to_rgba(OVERCAST_COLOUR, OVERCAST_ALPHA)
    hatch = mcolors.to_rgba(OVERCAST_COLOUR, min(1.0, 2 * OVERCAST_ALPHA))
    patch = PathPatch(
        MplPath(corners, codes),
        facecolor=face,
        edgecolor=hatch,
        hatch=OVERCAST_HATCH,
        linewidth=0.0,
        zorder=0.6,
        label="overcast",
    )
    ax.add_patch(patch)
    return Patch(facecolor=face, edgecolor=hatch, hatch=OVERCAST_HATCH, label="overcast")


def draw_swaths(ax: Axes, st: dict[str, np.ndarray], unit_s: float) -> Line2D | None:
    """Orbiting satellites' images: one short vertical segment per pass and imaged run.

    ``swath_time_s``, ``swath_from_m`` and ``swath_to_m`` of coverage_spacetime.npz
    (absent: nothing drawn, None returned).
    """
    keys = ("swath_time_s", "swath_from_m", "swath_to_m")
    if not all(k in st for k in keys):
        return None
    t, a, b = (np.asarray(st[k], dtype=float).ravel() for k in keys)
    n = min(len(t), len(a), len(b))
    t, a, b = t[:n], a[:n], b[:n]
    ok = np.isfinite(t) & np.isfinite(a) & np.isfinite(b)
    if not ok.any():
        return None
    ax.vlines(
        t[ok] / unit_s,
        np.minimum(a[ok], b[ok]) / 1000.0,
        np.maximum(a[ok], b[ok]) / 1000.0,
        colors=PURPLE,
        linewidths=1.2,
        zorder=1.5,
    )
    return Line2D([], [], color=PURPLE, linewidth=1.2, label="satellite pass (imaged stretch)")


def draw_sky(
    ax: Axes,
    folder: ResultsFolder,
    chainage_edges_m: np.ndarray,
    time_span_s: tuple[float, float],
    unit_s: float,
) -> list[Any]:
    """Draw night and overcast when the run has an ``environment``; their legend handles.

    ``chainage_edges_m`` are the diagram's chainage bins (m), ``time_span_s`` its time
    axis (s from start), ``unit_s`` the seconds per unit of that axis.
    """
    if folder.spec.environment is None:
        return []
    handles: list[Any] = []
    night = draw_night(ax, folder, chainage_edges_m, time_span_s, unit_s)
    if night is not None:
        handles.append(night)
    clouds = read_clouds(folder)
    if clouds is not None:
        overcast = draw_overcast(ax, overcast_rectangles(clouds), unit_s)
        if overcast is not None:
            handles.append(overcast)
    return handles


# --- ground tracks on the map ---------------------------------------------------------------


def read_ground_tracks(folder: ResultsFolder) -> Table | None:
    """ground_tracks.csv, or None when the folder has none."""
    if not folder.has(GROUND_TRACKS):
        return None
    return read_table(folder.path / GROUND_TRACKS)


def _as_text(values: np.ndarray) -> np.ndarray:
    """A column as strings (a numeric-looking name was read as a float: 1.0 -> "1")."""
    arr = np.asarray(values)
    if arr.dtype.kind == "f":
        return np.array([f"{v:g}" for v in arr], dtype=object)
    return arr.astype(str).astype(object)


def track_pieces(
    asset: Sequence[str] | np.ndarray,
    t_s: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    centre: float = 0.0,
) -> list[tuple[int, np.ndarray]]:
    """Split ground tracks into drawable pieces: ``(first row, (n, 2) lon/lat as drawn)``.

    Rows are ordered by (asset, time); a new piece starts at a new asset, where
    consecutive rows are more than :data:`TRACK_GAP_S` apart, or where longitude jumps
    by more than :data:`TRACK_JUMP_DEG` (raw, or as drawn: wrapped to within 180 deg
    of ``centre``, so the seam opposite the map's centre splits too). Rows with a
    non-finite value are dropped; pieces of one point are dropped (nothing to draw).
    """
    asset = np.asarray(asset, dtype=object).astype(str)
    t = np.asarray(t_s, dtype=float)
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    ok = np.isfinite(t) & np.isfinite(x) & np.isfinite(y)
    idx = np.flatnonzero(ok)
    if len(idx) < 2:
        return []
    order = idx[np.lexsort((t[idx], asset[idx]))]
    a, t, x, y = asset[order], t[order], x[order], y[order]
    shown = wrap_longitude(x, centre)
    cut = (
        (a[1:] != a[:-1])
        | (np.diff(t) > TRACK_GAP_S)
        | (np.abs(np.diff(x)) > TRACK_JUMP_DEG)
        | (np.abs(np.diff(shown)) > TRACK_JUMP_DEG)
    )
    starts = np.concatenate([[0], np.flatnonzero(cut) + 1])
    ends = np.concatenate([starts[1:], [len(t)]])
    return [
        (int(order[s]), np.column_stack([shown[s:e], y[s:e]]))
        for s, e in zip(starts, ends, strict=True)
        if e - s >= 2
    ]


def _visible(piece: np.ndarray, xlim: tuple[float, float], ylim: tuple[float, float]) -> bool:
    """Whether a piece's bounding box meets the view (a cheap test, may say yes wrongly)."""
    return bool(
        piece[:, 0].max() >= min(xlim)
        and piece[:, 0].min() <= max(xlim)
        and piece[:, 1].max() >= min(ylim)
        and piece[:, 1].min() <= max(ylim)
    )


def draw_ground_tracks(ax: Axes, tracks: Table, centre: float) -> list[Line2D]:
    """Draw the first day's ground tracks on a lon/lat map, clipped to its current view.

    Call once the map's extent is final: the lines do not change the data limits
    (``autolim=False``), so tracks round the globe never zoom the map out. One
    colour per group; returns one legend handle per group (a group whose tracks miss
    the view says so).
    """
    if len(tracks) == 0 or not set(GROUND_TRACK_COLUMNS) <= set(tracks.columns):
        return []
    asset = _as_text(tracks["asset"])
    group = _as_text(tracks["group"])
    pieces = track_pieces(asset, tracks["t_s"], tracks["lon"], tracks["lat"], centre)
    if not pieces:
        return []
    groups = sorted({str(group[row]) for row, _ in pieces})
    colour = {g: TRACK_COLOURS[i % len(TRACK_COLOURS)] for i, g in enumerate(groups)}
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    handles = []
    for g in groups:
        mine = [p for row, p in pieces if group[row] == g]
        ax.add_collection(
            LineCollection(mine, colors=colour[g], linewidths=0.8, alpha=0.9, zorder=4),
            autolim=False,
        )
        seen = any(_visible(p, xlim, ylim) for p in mine)
        label = f"ground track, day 1: {g}" + ("" if seen else " (not over the map)")
        handles.append(Line2D([], [], color=colour[g], linewidth=0.8, label=label))
    return handles
