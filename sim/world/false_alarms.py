"""False alarms: reports of violations that did not happen.

Each asset raises false alarms as a Poisson process over the time it senses
(drones while airborne, ground sensors while up), at its position at that time;
an imaging asset raises a Poisson number per image at uniform points of the zone
(of the whole zone for a scheduled image; of the strip's zone cells, each at its
abeam instant, for an orbiting satellite's pass).
"""

from __future__ import annotations

import numpy as np
import shapely

from sim.core.geo import Line
from sim.world.assets.base import Asset, Piece
from sim.world.assets.context import stream


def _uniform_in_zone(line: Line, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points uniform in the monitored zone (rejection from its bounding box)."""
    xmin, ymin, xmax, ymax = line.zone.bounds
    out = np.zeros((0, 2))
    while len(out) < n:
        pts = rng.uniform((xmin, ymin), (xmax, ymax), size=(2 * (n - len(out)) + 8, 2))
        out = np.vstack([out, pts[shapely.contains_xy(line.zone, pts[:, 0], pts[:, 1])]])
    return out[:n]


def _in_strip(
    piece: Piece, rate: float, horizon: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A Poisson(``rate``) number of false alarms at uniform imaged cells of a pass.

    Zone cells tile the zone evenly, so a uniformly drawn zone cell is a uniform point
    of the strip's part of the zone, to within a cell; the alarm is at the cell's
    centre, at the instant the pass images it.
    """
    strip = piece.strip
    assert strip is not None
    seen = strip.cell_time <= horizon
    zone = seen & (strip.cell >= strip.n_line)
    pick = np.flatnonzero(zone if zone.any() else seen)
    n = int(rng.poisson(rate)) if len(pick) else 0
    chosen = pick[rng.integers(0, len(pick), n)] if n else np.zeros(0, dtype=np.int64)
    order = np.argsort(strip.cell_time[chosen], kind="stable")
    chosen = chosen[order]
    return strip.cell_time[chosen], strip.grid_xy[strip.cell[chosen]].reshape(n, 2)


def false_alarms(
    pieces: list[Piece], assets: list[Asset], line: Line, horizon: float, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw false alarms over the run's plan pieces.

    Returns asset index, time (s) and (n, 2) position (m) of each false alarm,
    sorted by (time, asset).
    """
    rngs: dict[str, np.random.Generator] = {}
    asset_out, time_out, pos_out = [], [], []
    for piece in pieces:
        asset = assets[piece.asset]
        # a piece cut before it began (a planned sortie after the airframe was lost)
        # never happened: it senses nothing and raises no false alarm
        if asset.false_alarm_rate <= 0 or piece.t0 > horizon or piece.end < piece.t0:
            continue
        rng = rngs.setdefault(asset.group, stream(seed, f"false_alarms/{asset.group}"))
        if piece.kind == "image":
            n = int(rng.poisson(asset.false_alarm_rate))
            times = np.full(n, piece.t0)
            pos = _uniform_in_zone(line, n, rng)
        elif piece.kind == "swath":
            times, pos = _in_strip(piece, asset.false_alarm_rate, horizon, rng)
            n = len(times)
        else:
            span = max(0.0, min(piece.end, horizon) - piece.t0)
            n = int(rng.poisson(asset.false_alarm_rate * span)) if span > 0 else 0
            times = np.sort(piece.t0 + rng.uniform(0.0, span, n))
            pos = np.array([piece.position(t) for t in times]).reshape(n, 2)
        asset_out.append(np.full(n, piece.asset, dtype=np.int64))
        time_out.append(times)
        pos_out.append(pos)
    if not asset_out:
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros((0, 2))
    asset_idx, times, pos = np.concatenate(asset_out), np.concatenate(time_out), np.vstack(pos_out)
    order = np.lexsort((asset_idx, times))
    return asset_idx[order], times[order], pos[order]
