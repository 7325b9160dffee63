"""The coverage grids: where coverage is measured.

*Line cells*: the point on the line at the centre of each chainage bin of width
``cell``. *Zone cells*: a regular x/y grid of spacing ``cell`` in the metric CRS,
the points inside the monitored zone. Pure geometry (no numba), so that a sweep can
count the zone cells of a scenario without loading the coverage kernel.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from sim.core.geo import Line
from sim.schema import GRID_LINE, GRID_ZONE


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


def grid_points(line: Line, cell: float) -> dict[str, np.ndarray]:
    """The line cells and zone cells of ``line`` at spacing ``cell`` (m): positions, indices."""
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
        "grid": np.array([GRID_LINE] * n_line + [GRID_ZONE] * n_zone, dtype=object),
        "cell": np.concatenate([np.arange(n_line), np.arange(n_zone)]),
        "ix": np.concatenate([np.full(n_line, -1), gix[inside]]),
        "iy": np.concatenate([np.full(n_line, -1), giy[inside]]),
        "chainage_m": np.concatenate([centre, zchain]),
        "offset_m": np.concatenate([np.zeros(n_line), zoffset]),
        "x": np.concatenate([lx, zx]),
        "y": np.concatenate([ly, zy]),
        "chainage_edges_m": np.append(lo, line.length),
    }
