"""Cued responders' flights (tip-and-cue) on the map and on the space-time diagram.

assets.geojson holds, with ``cueing``, one feature of kind ``cue`` per piece a
responder flew to answer a cue (``sim.store.geojson.cue_tracks``): a transit
(``piece`` "once": a LineString from where it was to where it got, flown at constant
speed from ``t0_s`` to ``t1_s``) or a loiter (``piece`` "static": a Point, the cued
violation's point, from ``t0_s`` to ``t1_s``). A response is a transit out, a loiter,
and a transit back (to its patrol, or home); a loss ends it early.

On the map, transits are thin lines and loiters small rings, in one colour; on the
space-time diagram each transit is its chainage (the nearest point of the line)
against time, and each loiter a short stroke at the violation's chainage. Hundreds of
cues stay readable: one collection per mark, faded as they grow many, one legend entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from sim.present.figures.geo_axes import display_xy, line_parts
from sim.present.figures.style import CUE, as_folder, scatter
from sim.schema import KIND_CUE
from sim.spec.geometry import scenario_line
from sim.store.read import ResultsFolder

#: Each transit is drawn on the space-time diagram through this many points.
SAMPLES = 33
FEW_SAMPLES = 5  # points per transit when there are more than MANY_TRANSITS
MANY_TRANSITS = 1_000  # a month of busy responders: 20,000 hops, each a short stroke
#: Cue marks keep full strength up to this many responses, then fade as sqrt(n).
FADE_FROM = 40


@dataclass(frozen=True)
class CuePieces:
    """The cue pieces of a results folder, in folder coordinates (lon/lat or metres).

    Attributes
    ----------
    transits
        (k, 2) arrays, one per transit, from where it began to where it ended.
    transit_times
        (t0, t1) of each transit, s.
    loiters
        (n, 2) loiter points (the cued violations' points).
    loiter_times
        (n, 2) array of each loiter's (t0, t1), s.
    """

    transits: list[np.ndarray]
    transit_times: list[tuple[float, float]]
    loiters: np.ndarray
    loiter_times: np.ndarray

    def __len__(self) -> int:
        return len(self.transits) + len(self.loiters)


def read_cue_pieces(folder: ResultsFolder) -> CuePieces:
    """The ``cue`` features of assets.geojson (empty without cueing or without the file)."""
    folder = as_folder(folder)
    transits: list[np.ndarray] = []
    transit_times: list[tuple[float, float]] = []
    loiters: list[list[float]] = []
    loiter_times: list[tuple[float, float]] = []
    if folder.has("assets.geojson"):
        for f in folder.geojson("assets")["features"]:
            props = f["properties"]
            geometry = f["geometry"]
            if props.get("kind") != KIND_CUE or geometry is None:
                continue
            times = (float(props["t0_s"]), float(props["t1_s"]))
            if geometry["type"] == "Point":
                loiters.append(list(geometry["coordinates"][:2]))
                loiter_times.append(times)
            else:  # a transit; one cut at the antimeridian comes as its parts in turn
                parts = line_parts(geometry)
                if parts:
                    transits.append(np.concatenate(parts))
                    transit_times.append(times)
    return CuePieces(
        transits,
        transit_times,
        np.asarray(loiters, dtype=float).reshape(-1, 2),
        np.asarray(loiter_times, dtype=float).reshape(-1, 2),
    )


def responses(pieces: CuePieces) -> int:
    """How many responses the pieces make: loiters, or transits out when none loitered."""
    return max(len(pieces.loiters), math.ceil(len(pieces.transits) / 2))


def cue_alpha(n: int, alpha: float = 0.8, floor: float = 0.15) -> float:
    """The alpha of ``n`` responses' marks: ``alpha`` up to FADE_FROM, then ~ 1 / sqrt(n)."""
    return max(floor, alpha * min(1.0, math.sqrt(FADE_FROM / max(n, 1))))


def _legend(folder: ResultsFolder, pieces: CuePieces, what: str) -> Line2D:
    sent = folder.metrics.get("cueing.sent")
    count = f"{int(sent)} sent" if sent is not None else f"{responses(pieces)} responses"
    return Line2D(
        [],
        [],
        color=CUE,
        linewidth=0.9,
        marker="o",
        markersize=4,
        markerfacecolor="none",
        label=f"{what} ({count})",
    )


def draw_cues_on_map(ax: Axes, folder: ResultsFolder) -> list[Line2D]:
    """Draw the cue transits (lines) and loiters (rings) on a map; one legend handle.

    The marks add to the map's data limits (a responder's base is on the map already).
    Nothing, and no handle, without cue pieces.
    """
    folder = as_folder(folder)
    pieces = read_cue_pieces(folder)
    if not len(pieces):
        return []
    alpha = cue_alpha(responses(pieces))
    if pieces.transits:
        segments = [display_xy(folder, t) for t in pieces.transits]
        ax.add_collection(
            LineCollection(segments, colors=CUE, linewidths=0.7, alpha=alpha, zorder=4)
        )
    if len(pieces.loiters):
        xy = display_xy(folder, pieces.loiters)
        scatter(
            ax,
            xy[:, 0],
            xy[:, 1],
            marker="o",
            facecolors="none",
            edgecolors=CUE,
            linewidths=0.7,
            s=14,
            alpha=min(1.0, alpha + 0.1),
            zorder=4,
        )
    return [_legend(folder, pieces, "cued drone flights")]


def cue_spacetime_segments(
    folder: ResultsFolder, pieces: CuePieces | None = None
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Transits and loiters as (time s, chainage m) polylines for the space-time diagram.

    A transit is flown in a straight line (in the run's projection) at constant speed, so
    the point a fraction u of its length along is reached at t0 + u (t1 - t0); its
    chainage is that of the nearest point of the line (``Line.locate``). A loiter is
    the segment from (t0, c) to (t1, c) at its point's chainage c.
    """
    folder = as_folder(folder)
    pieces = read_cue_pieces(folder) if pieces is None else pieces
    if not len(pieces):
        return [], []
    line = scenario_line(folder.spec)

    def chainage(xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if line.is_geographic:
            x, y = line.from_lonlat(xy[:, 0], xy[:, 1])
        else:
            x, y = xy[:, 0], xy[:, 1]
        c, _ = line.locate(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.atleast_1d(c)

    transits: list[np.ndarray] = []
    if pieces.transits:
        # one projection for all transits (a transformer takes ~16 ms to build)
        flat = np.concatenate(pieces.transits)
        if line.is_geographic:
            flat = np.column_stack(line.from_lonlat(flat[:, 0], flat[:, 1]))
        sizes = np.cumsum([len(path) for path in pieces.transits])[:-1]
        metres = np.split(flat, sizes)
        samples = SAMPLES if len(metres) <= MANY_TRANSITS else FEW_SAMPLES
        sampled = []
        for path in metres:
            arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(path, axis=0).T))])
            u = np.linspace(0.0, arc[-1], samples)
            sampled.append(
                np.column_stack([np.interp(u, arc, path[:, 0]), np.interp(u, arc, path[:, 1])])
            )
        x, y = np.concatenate(sampled).T
        c, _ = line.locate(x, y)
        c = np.asarray(c, dtype=float).reshape(len(sampled), samples)
        fraction = np.linspace(0.0, 1.0, samples)
        for (t0, t1), cs in zip(pieces.transit_times, c, strict=True):
            transits.append(np.column_stack([t0 + fraction * (t1 - t0), cs]))
    loiters: list[np.ndarray] = []
    if len(pieces.loiters):
        c = chainage(pieces.loiters)
        for (t0, t1), ci in zip(pieces.loiter_times, c, strict=True):
            loiters.append(np.array([[t0, ci], [t1, ci]]))
    return transits, loiters


def draw_cues_on_spacetime(ax: Axes, folder: ResultsFolder, unit_s: float) -> list[Any]:
    """Draw each cued response's chainage against time (time in units of ``unit_s``).

    Transits out and back are thin lines, loiters thicker strokes, in the cue colour;
    drawn over the coverage raster, under the violations. One legend handle, none
    without cue pieces.
    """
    folder = as_folder(folder)
    pieces = read_cue_pieces(folder)
    transits, loiters = cue_spacetime_segments(folder, pieces)
    if not transits and not loiters:
        return []
    scale = np.array([1.0 / unit_s, 1e-3])
    n = max(len(loiters), math.ceil(len(transits) / 2))
    alpha = cue_alpha(n, 0.9, 0.7)
    if transits:
        ax.add_collection(
            LineCollection(
                [t * scale for t in transits], colors=CUE, linewidths=0.7, alpha=alpha, zorder=1.8
            ),
            autolim=False,
        )
    if loiters:
        ax.add_collection(
            LineCollection(
                [s * scale for s in loiters], colors=CUE, linewidths=2.0, alpha=alpha, zorder=1.8
            ),
            autolim=False,
        )
    handle = _legend(folder, pieces, "cued drone: out, loiter, back")
    handle.set_marker("")
    handle.set_linewidth(1.2)
    return [handle]
