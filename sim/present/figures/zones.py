"""Maps of the monitored zone's grid: covered fraction and longest revisit gap per cell.

``zone_grid`` and ``draw_zone_values`` are shared with the comparison figures,
which draw several runs' maps on one colour scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import matplotlib.colors as mcolors
import numpy as np
from matplotlib.axes import Axes

from sim.core.geo import wrap_longitude
from sim.present import format as fmt
from sim.present.figures.geo_axes import (
    centre_lon,
    draw_line_and_zone,
    geographic_aspect,
    lon_ticks,
    map_frame,
)
from sim.present.figures.style import GREY, as_folder, new_axes, set_title
from sim.schema import GRID_ZONE
from sim.store.read import ResultsFolder


@dataclass(frozen=True)
class ZoneGrid:
    """The zone grid of a results folder, ready for ``pcolormesh``.

    Attributes
    ----------
    ix, iy
        Each zone cell's integer indices on the regular grid, rebased to 0.
    shape
        (nx, ny) of the regular grid that holds every zone cell.
    x, y
        (nx + 1, ny + 1) cell corners in display units: lon/lat degrees for a
        geographic folder, else km.
    rows
        Row numbers in ``coverage.csv`` of the zone cells (so a column's values
        are ``column[rows]``).
    geographic
        True when ``x, y`` are lon/lat.
    """

    ix: np.ndarray
    iy: np.ndarray
    shape: tuple[int, int]
    x: np.ndarray
    y: np.ndarray
    rows: np.ndarray
    geographic: bool

    def array(self, values: np.ndarray) -> np.ma.MaskedArray:
        """Return the (nx, ny) masked array of per-zone-cell ``values`` (masked off the zone)."""
        grid = np.full(self.shape, np.nan)
        grid[self.ix, self.iy] = values
        return np.ma.masked_invalid(grid)

    def column(self, folder: ResultsFolder, name: str) -> np.ma.MaskedArray:
        """The (nx, ny) masked array of coverage.csv column ``name`` over the zone."""
        return self.array(np.asarray(folder.coverage[name], dtype=float)[self.rows])


def zone_grid(folder: ResultsFolder) -> ZoneGrid:
    """Build the zone grid of ``folder`` from coverage.csv (rows with ``grid == "zone"``).

    Corners are half a cell either side of the cell centres in the metric CRS;
    for a geographic folder they are transformed to lon/lat with the run's
    projection (``crs`` in manifest.json), so cells keep their true shape.
    """
    folder = as_folder(folder)
    cov = folder.coverage
    rows = np.nonzero(np.asarray(cov["grid"]) == GRID_ZONE)[0]
    if len(rows) == 0:
        raise ValueError(f"{folder.path}/coverage.csv has no zone cells")
    ix = np.asarray(cov["ix"], dtype=float)[rows].astype(int)
    iy = np.asarray(cov["iy"], dtype=float)[rows].astype(int)
    x = np.asarray(cov["x"], dtype=float)[rows]
    y = np.asarray(cov["y"], dtype=float)[rows]
    cell = folder.spec.line.cell
    x0 = float(np.median(x - ix * cell))
    y0 = float(np.median(y - iy * cell))
    ix0, iy0 = int(ix.min()), int(iy.min())
    ix, iy = ix - ix0, iy - iy0
    nx, ny = int(ix.max()) + 1, int(iy.max()) + 1
    cx = x0 + (ix0 + np.arange(nx + 1) - 0.5) * cell
    cy = y0 + (iy0 + np.arange(ny + 1) - 0.5) * cell
    gx, gy = np.meshgrid(cx, cy, indexing="ij")
    geographic = folder.is_geographic
    if geographic:
        from pyproj import Transformer

        to_lonlat = Transformer.from_crs(folder.manifest["crs"], "EPSG:4326", always_xy=True)
        gx, gy = to_lonlat.transform(gx, gy)
        gx = wrap_longitude(gx, centre_lon(folder))
    else:
        gx, gy = gx * 1e-3, gy * 1e-3
    return ZoneGrid(ix, iy, (nx, ny), np.asarray(gx), np.asarray(gy), rows, geographic)


def draw_zone_values(
    ax: Axes,
    grid: ZoneGrid,
    values: np.ndarray,
    *,
    norm: mcolors.Normalize | None = None,
    cmap: str | mcolors.Colormap = "viridis",
    label: str = "",
    colorbar: bool = True,
) -> Any:
    """Draw a (nx, ny) array of zone-cell values on ``ax``; return the QuadMesh.

    Pass one ``norm`` (e.g. ``Normalize(vmin, vmax)``) to several calls to draw
    maps on a shared colour scale; ``colorbar=False`` leaves the colour bar to
    the caller (``fig.colorbar(mesh, ax=axes)``).
    """
    mesh = ax.pcolormesh(
        grid.x, grid.y, values, norm=norm, cmap=cmap, shading="flat", rasterized=True, zorder=1
    )
    if grid.geographic:
        ax.set_xlabel("longitude (deg E)")
        ax.set_ylabel("latitude (deg N)")
        ax.set_aspect(geographic_aspect(grid.y), adjustable="datalim")
        lon_ticks(ax)
    else:
        ax.set_xlabel("x (km)")
        ax.set_ylabel("y (km)")
        ax.set_aspect(1.0, adjustable="datalim")
    if colorbar:
        assert ax.figure is not None
        ax.figure.colorbar(mesh, ax=ax, label=label, shrink=0.9)
    return mesh


def _zone_map(
    folder: ResultsFolder,
    ax: Axes | None,
    column: str,
    per_unit: float,
    cmap: str,
    label: str,
    title: str,
    vmax: float | None = None,
) -> Axes:
    """Draw coverage.csv ``column`` / ``per_unit`` over the zone (colour scale 0 to ``vmax``).

    A zone too thin for the grid (no cell centre inside it: a buffer much
    narrower than ``line.cell``) has no zone cells; the figure then shows the
    line and zone with a note saying so, rather than an empty or invented map.
    """
    ax = new_axes(ax)
    if not has_zone_cells(folder):
        _no_zone_cells(ax, folder, title)
        return ax
    grid = zone_grid(folder)
    values = grid.column(folder, column) / per_unit
    if vmax is None:
        vmax = float(values.max()) if values.count() else 1.0
    norm = mcolors.Normalize(0.0, max(vmax, 1e-9))
    draw_zone_values(ax, grid, values, norm=norm, cmap=cmap, label=label)
    if folder.has("line.geojson"):
        draw_line_and_zone(ax, folder, zone=False, linewidth=0.9)
        # a fixed corner: "best" would test every grid cell against the legend
        ax.legend(loc="upper left", fontsize=8, framealpha=0.8)
    set_title(ax, folder, title)
    ax.grid(True, linewidth=0.3, alpha=0.5)
    return ax


def has_zone_cells(folder: ResultsFolder) -> bool:
    """True when coverage.csv holds at least one zone cell."""
    return bool(np.any(np.asarray(as_folder(folder).coverage["grid"]) == GRID_ZONE))


def _no_zone_cells(ax: Axes, folder: ResultsFolder, title: str) -> None:
    """The zone-map stand-in when no grid point lies in the zone: line, zone and a note."""
    (left, right), cell_m = folder.spec.line.sides, folder.spec.line.cell
    if left == right:
        sides = f"{fmt.distance(left)} either side of the line"
    else:
        sides = f"{fmt.distance(left)} left and {fmt.distance(right)} right of the line"
    if folder.has("line.geojson"):
        draw_line_and_zone(ax, folder)
        ax.autoscale_view()
        scale, aspect, xlabel, ylabel = map_frame(folder)
        if folder.is_geographic:
            ax.set_aspect(geographic_aspect(np.asarray(ax.get_ylim())), adjustable="datalim")
            lon_ticks(ax)
        else:
            ax.set_aspect(aspect, adjustable="datalim")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(loc="upper left", fontsize=8, framealpha=0.8)
    else:
        ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        f"No zone cells: no point of the {fmt.distance(cell_m)} grid (line.cell) lies inside\n"
        f"the monitored zone ({sides}, line.buffer).\n"
        "Coverage along the line is in the space-time and coverage-over-time figures.",
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=9,
        bbox={"facecolor": "white", "edgecolor": GREY, "alpha": 0.9},
        zorder=10,
    )
    set_title(ax, folder, f"{title} (no zone cells)")


def plot_coverage_map(folder: ResultsFolder, ax: Axes | None = None) -> Axes:
    """The zone grid coloured by the fraction of time each cell is covered (any asset)."""
    return _zone_map(
        as_folder(folder),
        ax,
        "covered_fraction",
        1.0,
        "viridis",
        "fraction of time covered (any asset)",
        "Coverage of the monitored zone",
        vmax=1.0,
    )


def plot_revisit_map(folder: ResultsFolder, ax: Axes | None = None) -> Axes:
    """The zone grid coloured by its longest gap between looks (hours)."""
    return _zone_map(
        as_folder(folder),
        ax,
        "gap_max_s",
        3600.0,
        "cividis_r",
        "longest gap between looks (hours)",
        "Longest revisit gap",
    )
