"""Satellite images lost to the sky: taken by night, or through overcast.

An image (a scheduled image of the zone, or one pass's strip) is judged at sample
points of its footprint, each at the instant it is imaged: it is *lost to night*
when the sun is below the daylight threshold at every sample, and *wasted to cloud*
when every daylit sample (every sample, without daylight) is under overcast. A
scheduled image is sampled at SAMPLES points evenly along the line, a strip at up
to SAMPLES of its cells (evenly through its cells in grid order). Only sensors the
sky limits are judged: optical ones for night, those with cloud factor 0 for cloud.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from sim.core.geo import Line
from sim.world import sun
from sim.world.assets.base import Asset, Piece
from sim.world.clouds import clear_at_points
from sim.world.sky import Sky

SAMPLES = 25


def _samples(piece: Piece, line: Line) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, y (m) and instants (s) of an image's sample points."""
    if piece.kind == "swath":
        assert piece.strip is not None
        strip = piece.strip
        pick = np.unique(np.linspace(0, len(strip.cell) - 1, SAMPLES).round().astype(int))
        xy = strip.grid_xy[strip.cell[pick]]
        return xy[:, 0], xy[:, 1], strip.cell_time[pick]
    x, y = line.point_at(np.linspace(0.0, line.length, SAMPLES), 0.0)
    return np.asarray(x, float), np.asarray(y, float), np.full(SAMPLES, piece.t0)


def image_losses(
    pieces: list[Piece],
    assets: list[Asset],
    sky: Sky,
    line: Line,
    start: dt.datetime,
    threshold: float,
    horizon: float,
) -> dict[int, tuple[int, int]]:
    """Per satellite asset the sky limits, (images lost to night, images wasted to cloud)."""
    out: dict[int, tuple[int, int]] = {}
    for piece in pieces:
        if piece.kind not in ("image", "swath") or piece.t0 > horizon:
            continue
        asset = assets[piece.asset]
        night_counts = asset.needs_daylight and sky.day is not None and line.is_geographic
        cloud_counts = asset.cloud_factor == 0.0 and sky.history is not None
        if not (night_counts or cloud_counts):
            continue
        x, y, t = _samples(piece, line)
        day = np.ones(len(t), dtype=bool)
        if night_counts:
            lon, lat = line.to_lonlat(x, y)
            day = sun.is_daylight(lon, lat, t, start, threshold)
        night, cloud = out.get(piece.asset, (0, 0))
        if not day.any():
            night += 1
        elif cloud_counts:
            assert sky.history is not None
            clear = clear_at_points(sky.history, line, x[day], y[day], t[day])
            cloud += int(not clear.any())
        out[piece.asset] = (night, cloud)
    return out
