"""The figures analysts expect, drawn from a saved results folder only.

Every figure is a function ``plot_<name>(folder, ax=None)`` that reads a
:class:`sim.store.read.ResultsFolder` and returns the matplotlib ``Axes`` it drew on
(a new 8 x 5 in figure when ``ax`` is None). Nothing here sees the live engine,
and nothing calls ``pyplot``: figures are plain ``matplotlib.figure.Figure``
objects, so no GUI backend is ever needed and nothing is kept alive globally.

``PLOTS`` maps each figure's name to a :class:`PlotSpec`: the function, a
one-line reading aid for the report, and the files the figure needs.
``draw_all(folder)`` writes every figure whose files exist to
``<folder>/plots/<name>.png`` and skips the others.

Colours: the Okabe-Ito palette for categories (asset classes, outcomes), which
stays distinct under the common colour-vision deficiencies; viridis and cividis
for continuous maps, where dark always means worse (little coverage, long gaps).

Lower-level pieces are public for ``compare``: :func:`zone_grid` and
:func:`draw_zone_values` draw several coverage maps on one shared colour scale,
:func:`draw_cdf` overlays latency CDFs and :func:`detection_by_chainage` gives
the binned detection probability.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.colors as mcolors
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse, Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter, NullFormatter

from sim.core.geo import wrap_longitude
from sim.measure.metrics import wilson_interval
from sim.present.drawing import FigureFailure, FiguresFailed, attempt, save_figure
from sim.store.read import ResultsFolder

# Okabe-Ito
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#999999"

CLASS_COLOURS = {"drone": ORANGE, "ground": SKY_BLUE, "satellite": PURPLE, "all": BLACK}
CLASS_LABELS = {
    "drone": "drone",
    "ground": "ground sensor",
    "satellite": "satellite",
    "all": "all",
}
OUTCOME_COLOURS = {"verified": GREEN, "detected": BLUE, "missed": VERMILLION}

FIGSIZE = (8.0, 5.0)
DPI = 130

#: Violation markers shrink and fade when a figure holds more than this many.
DENSE_FROM = 400
#: Scatters with more points than this are rasterized in vector output.
RASTERIZE_ABOVE = 2000
#: Beyond this many images, the space-time diagram marks them as ticks along its top.
MAX_SATELLITE_LINES = 40
#: Ground sensors' range discs get a thin outline up to this many (beyond, fill only).
MAX_DISC_EDGES = 80
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class PlotSpec:
    """One figure of the registry.

    Attributes
    ----------
    draw
        ``draw(folder, ax=None) -> Axes``.
    aid
        A one-line reading aid for the report, saying what to look for.
    needs
        Files of the results folder the figure reads; ``draw_all`` skips the
        figure when one is absent.
    """

    draw: Callable[..., Axes]
    aid: str
    needs: tuple[str, ...]


# --- small helpers --------------------------------------------------------------------


def _folder(folder: ResultsFolder | str | Path) -> ResultsFolder:
    return folder if isinstance(folder, ResultsFolder) else ResultsFolder(folder)


def _axes(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    """Return ``ax``, or the axes of a new figure (no pyplot: nothing global)."""
    if ax is not None:
        return ax
    fig = Figure(figsize=figsize, dpi=DPI, layout="constrained")
    return fig.add_subplot()


def _title(ax: Axes, folder: ResultsFolder, what: str) -> None:
    ax.set_title(f"{what} - {folder.name}")


def _duration_s(folder: ResultsFolder) -> float:
    return float(folder.scenario["duration"])


def _line_length_m(folder: ResultsFolder) -> float:
    length = folder.manifest.get("line_length_m")
    if length is None:
        return float(np.nanmax(folder.events["chainage_m"]))
    return float(length)


def time_unit(duration_s: float) -> tuple[float, str]:
    """Return (seconds per unit, unit name) for a time axis: days beyond 3 days, else hours."""
    return (86_400.0, "days") if duration_s > 3 * 86_400.0 else (3_600.0, "hours")


def outcomes(events) -> np.ndarray:
    """Each violation's outcome: ``verified``, ``detected`` (not verified) or ``missed``."""
    detected = np.asarray(events["detected"], dtype=bool)
    verified = np.asarray(events["verified"], dtype=bool)
    return np.where(verified, "verified", np.where(detected, "detected", "missed"))


def _scatter(ax: Axes, x: np.ndarray, y: np.ndarray, **kwargs: Any) -> None:
    ax.scatter(x, y, rasterized=len(x) > RASTERIZE_ABOVE, **kwargs)


def marker_style(
    n: int, size: float, alpha: float = 1.0, min_size: float = 1.0, min_alpha: float = 0.3
) -> dict[str, float]:
    """Scatter size (points^2) and alpha for ``n`` points: smaller and fainter when many.

    Up to ``DENSE_FROM`` points keep ``size`` and ``alpha``; beyond, both shrink
    as sqrt(DENSE_FROM / n) (so the ink per area stays about constant), down to
    ``min_size`` and ``min_alpha`` so that no marker vanishes.
    """
    k = min(1.0, math.sqrt(DENSE_FROM / max(n, 1)))
    return {"s": max(min_size, size * k), "alpha": max(min(alpha, min_alpha), alpha * k)}


def interval_errors(estimate: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Return the (2, n) ``yerr`` of an errorbar from an estimate and its interval bounds.

    Both rows are >= 0 (a bound a rounding error on the wrong side of its estimate
    gives a zero-length bar, not matplotlib's "yerr must not contain negative
    values"); NaN stays NaN, so a point without an interval draws no bar.
    """
    est = np.asarray(estimate, dtype=float)
    below = est - np.asarray(low, dtype=float)
    above = np.asarray(high, dtype=float) - est
    with np.errstate(invalid="ignore"):
        return np.vstack([np.where(below < 0, 0.0, below), np.where(above < 0, 0.0, above)])


# --- map ------------------------------------------------------------------------------


def _map_frame(folder: ResultsFolder) -> tuple[float, float, str, str]:
    """Return (scale, aspect, x label, y label): coordinates in the GeoJSON times scale."""
    if folder.is_geographic:
        return 1.0, float("nan"), "longitude (deg E)", "latitude (deg N)"
    return 1e-3, 1.0, "x (km)", "y (km)"


def centre_lon(folder: ResultsFolder) -> float:
    """The central meridian (deg) of the run's projection: the middle of the line.

    Longitudes are drawn within 180 deg of it, so a line across the antimeridian
    stays one piece on the map (ticks are labelled in [-180, 180]). 0 when the
    folder holds no projection.
    """
    match = re.search(r"\+lon_0=(\S+)", str(folder.manifest.get("crs") or ""))
    return float(match.group(1)) if match else 0.0


def display_xy(folder: ResultsFolder, xy: np.ndarray) -> np.ndarray:
    """Folder coordinates (GeoJSON or events: lon/lat deg, or metres) as drawn.

    Lon/lat: longitudes wrapped to within 180 deg of :func:`centre_lon`; local
    metres: km.
    """
    xy = np.asarray(xy, dtype=float)[..., :2]
    if not folder.is_geographic:
        return xy * 1e-3
    out = xy.copy()
    out[..., 0] = wrap_longitude(out[..., 0], centre_lon(folder))
    return out


def _lon_ticks(ax: Axes) -> None:
    """Label a longitude axis in [-180, 180) whatever the drawn (wrapped) values."""
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{float(wrap_longitude(v)):g}"))


def _geographic_aspect(lat: np.ndarray) -> float:
    """Aspect of a lon/lat plot that keeps distances true at the mean latitude."""
    return 1.0 / math.cos(math.radians(float(np.nanmean(lat))))


def _rings_path(
    rings: Sequence[Sequence[Sequence[float]]], to_display: Callable[[np.ndarray], np.ndarray]
) -> MplPath:
    """A compound path of polygon rings (exterior and holes) for a PathPatch."""
    vertices, codes = [], []
    for ring in rings:
        pts = to_display(np.asarray(ring, dtype=float)[:, :2])
        vertices.append(pts)
        ring_codes = np.full(len(pts), MplPath.LINETO, dtype=np.uint8)
        ring_codes[0] = MplPath.MOVETO
        ring_codes[-1] = MplPath.CLOSEPOLY
        codes.append(ring_codes)
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _polygons(geometry: dict[str, Any]) -> list[list]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def _lines(geometry: dict[str, Any]) -> list[np.ndarray]:
    if geometry["type"] == "LineString":
        return [np.asarray(geometry["coordinates"], dtype=float)[:, :2]]
    if geometry["type"] == "MultiLineString":
        return [np.asarray(c, dtype=float)[:, :2] for c in geometry["coordinates"]]
    return []


def draw_line_and_zone(
    ax: Axes, folder: ResultsFolder, zone: bool = True, linewidth: float = 1.6
) -> None:
    """Draw the ceasefire line (and the monitored zone) from line.geojson on ``ax``."""

    def to_display(xy: np.ndarray) -> np.ndarray:
        return display_xy(folder, xy)

    for feature in folder.geojson("line")["features"]:
        kind = feature["properties"].get("kind")
        geometry = feature["geometry"]
        if kind == "zone" and zone:
            for rings in _polygons(geometry):
                ax.add_patch(
                    PathPatch(
                        _rings_path(rings, to_display),
                        facecolor="#EEEEEE",
                        edgecolor=GREY,
                        linewidth=0.8,
                        zorder=0,
                        label="monitored zone",
                    )
                )
        elif kind == "line":
            for coords in _lines(geometry):
                coords = to_display(coords)
                ax.plot(
                    coords[:, 0],
                    coords[:, 1],
                    color=BLACK,
                    linewidth=linewidth,
                    zorder=3,
                    label="ceasefire line",
                )


def _disc_patches(
    xy: np.ndarray, radius_m: np.ndarray, geographic: bool, scale: float
) -> list[Ellipse]:
    """Ground range discs: circles in km, or lon/lat ellipses of the same ground radius."""
    patches = []
    for (x, y), r in zip(xy, radius_m, strict=True):
        if geographic:
            height = 2 * r / METRES_PER_DEGREE
            width = height / math.cos(math.radians(y))
        else:
            width = height = 2 * r * scale
        patches.append(Ellipse((x, y), width, height))
    return patches


def plot_map(folder: ResultsFolder, ax: Axes | None = None) -> Axes:
    """The line, zone, ground sensors, patrol paths, bases and violations by outcome."""
    folder = _folder(folder)
    ax = _axes(ax)
    scale, aspect, xlabel, ylabel = _map_frame(folder)
    geographic = folder.is_geographic
    draw_line_and_zone(ax, folder)

    handles: list[Any] = [
        Line2D([], [], color=BLACK, linewidth=1.6, label="ceasefire line"),
        Patch(facecolor="#EEEEEE", edgecolor=GREY, label="monitored zone"),
    ]
    if folder.has("assets.geojson"):
        features = folder.geojson("assets")["features"]
        sensors = [f for f in features if f["properties"].get("kind") == "ground_sensor"]
        patrols = [f for f in features if f["properties"].get("kind") == "patrol"]
        bases = [f for f in features if f["properties"].get("kind") == "base"]
        if patrols:
            segments = [display_xy(folder, c) for f in patrols for c in _lines(f["geometry"])]
            ax.add_collection(
                LineCollection(segments, colors=ORANGE, linewidths=5.0, alpha=0.7, zorder=2)
            )
            handles.append(
                Line2D([], [], color=ORANGE, linewidth=5.0, alpha=0.7, label="drone patrol")
            )
        if sensors:
            xy = np.array([f["geometry"]["coordinates"][:2] for f in sensors], dtype=float)
            xy = display_xy(folder, xy)
            # every sensor's range footprint, however many: one collection, one legend entry
            radius = np.array([f["properties"].get("range_m", 0.0) for f in sensors], dtype=float)
            discs = _disc_patches(xy, radius, geographic, scale)
            ax.add_collection(
                PatchCollection(
                    discs,
                    facecolor=SKY_BLUE,
                    edgecolor=BLUE if len(sensors) <= MAX_DISC_EDGES else "none",
                    linewidth=0.3,
                    alpha=0.25,
                    zorder=1,
                    label="ground sensor range",
                )
            )
            handles.append(
                Patch(facecolor=SKY_BLUE, edgecolor=BLUE, alpha=0.25, label="ground sensor range")
            )
            ax.scatter(
                xy[:, 0],
                xy[:, 1],
                marker="^",
                s=14 if len(sensors) <= 100 else 5,
                color=SKY_BLUE,
                edgecolor=BLUE,
                linewidth=0.4,
                zorder=2.5,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="^",
                    linestyle="none",
                    color=SKY_BLUE,
                    markeredgecolor=BLUE,
                    label=f"ground sensor ({len(sensors)})",
                )
            )
        if bases:
            xy = np.array([f["geometry"]["coordinates"][:2] for f in bases], dtype=float)
            xy = display_xy(folder, xy)
            ax.scatter(
                xy[:, 0],
                xy[:, 1],
                marker="s",
                s=60,
                color=YELLOW,
                edgecolor=BLACK,
                linewidth=1.0,
                zorder=6,
            )
            for f, (x, y) in zip(bases, xy, strict=True):
                ax.annotate(
                    str(f["properties"].get("group", "")),
                    (x, y),
                    xytext=(6, 4),
                    textcoords="offset points",
                    fontsize=8,
                    zorder=6,
                )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="s",
                    linestyle="none",
                    color=YELLOW,
                    markeredgecolor=BLACK,
                    label="drone base",
                )
            )

    events = folder.events
    if geographic:
        ex = wrap_longitude(np.asarray(events["lon"], float), centre_lon(folder))
        ey = np.asarray(events["lat"], float)
    else:
        ex, ey = np.asarray(events["x"], float) * scale, np.asarray(events["y"], float) * scale
    outcome = outcomes(events)
    n = len(outcome)
    # (outcome, marker, line width, zorder, size and alpha); missed on top, most visible
    styles = (
        ("verified", "o", 0.0, 5, marker_style(n, 10, 0.7, 2, 0.5)),
        ("detected", "o", 0.0, 5, marker_style(n, 10, 0.7, 2, 0.5)),
        ("missed", "x", 1.0, 7, marker_style(n, 24, 1.0, 2.5, 0.5)),
    )
    for name, marker, width, zorder, size in styles:
        sel = outcome == name
        colour = OUTCOME_COLOURS[name]
        _scatter(
            ax,
            ex[sel],
            ey[sel],
            color=colour,
            marker=marker,
            linewidths=width,
            zorder=zorder,
            **size,
        )
        handles.append(
            Line2D(
                [],
                [],
                marker=marker,
                linestyle="none",
                color=colour,
                label=f"{name} ({int(sel.sum())})",
            )
        )

    ax.autoscale_view()
    if geographic:
        lat = np.asarray(ax.get_ylim())
        ax.set_aspect(_geographic_aspect(lat), adjustable="datalim")
        _lon_ticks(ax)
    else:
        ax.set_aspect(aspect, adjustable="datalim")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _title(ax, folder, "Violations and assets")
    ax.legend(handles=handles, loc="best", fontsize=7.5, framealpha=0.9)
    ax.grid(True, linewidth=0.3, alpha=0.5)
    return ax


# --- coverage maps ----------------------------------------------------------------------


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
    folder = _folder(folder)
    cov = folder.coverage
    rows = np.nonzero(np.asarray(cov["grid"]) == "zone")[0]
    if len(rows) == 0:
        raise ValueError(f"{folder.path}/coverage.csv has no zone cells")
    ix = np.asarray(cov["ix"], dtype=float)[rows].astype(int)
    iy = np.asarray(cov["iy"], dtype=float)[rows].astype(int)
    x = np.asarray(cov["x"], dtype=float)[rows]
    y = np.asarray(cov["y"], dtype=float)[rows]
    cell = float(folder.scenario["line"]["cell"])
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
        ax.set_aspect(_geographic_aspect(grid.y), adjustable="datalim")
        _lon_ticks(ax)
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
    ax = _axes(ax)
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
    _title(ax, folder, title)
    ax.grid(True, linewidth=0.3, alpha=0.5)
    return ax


def _distance(metres: float) -> str:
    """A distance for a note: km from 1 km up, else m."""
    return f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"


def has_zone_cells(folder: ResultsFolder) -> bool:
    """True when coverage.csv holds at least one zone cell."""
    return bool(np.any(np.asarray(_folder(folder).coverage["grid"]) == "zone"))


def _no_zone_cells(ax: Axes, folder: ResultsFolder, title: str) -> None:
    """The zone-map stand-in when no grid point lies in the zone: line, zone and a note."""
    line = folder.scenario["line"]
    buffer_m, cell_m = float(line["buffer"]), float(line["cell"])
    if folder.has("line.geojson"):
        draw_line_and_zone(ax, folder)
        ax.autoscale_view()
        scale, aspect, xlabel, ylabel = _map_frame(folder)
        if folder.is_geographic:
            ax.set_aspect(_geographic_aspect(np.asarray(ax.get_ylim())), adjustable="datalim")
            _lon_ticks(ax)
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
        f"No zone cells: no point of the {_distance(cell_m)} grid (line.cell) lies inside\n"
        f"the monitored zone ({_distance(buffer_m)} either side of the line, line.buffer).\n"
        "Coverage along the line is in the space-time and coverage-over-time figures.",
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=9,
        bbox={"facecolor": "white", "edgecolor": GREY, "alpha": 0.9},
        zorder=10,
    )
    _title(ax, folder, f"{title} (no zone cells)")


def plot_coverage_map(folder: ResultsFolder, ax: Axes | None = None) -> Axes:
    """The zone grid coloured by the fraction of time each cell is covered (any asset)."""
    return _zone_map(
        _folder(folder),
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
        _folder(folder),
        ax,
        "gap_max_s",
        3600.0,
        "cividis_r",
        "longest gap between looks (hours)",
        "Longest revisit gap",
    )


# --- space-time diagram -------------------------------------------------------------


#: Corner colours of the space-time diagram's two-variable colour key: what a
#: cell-bin looks like when covered all the time by drones only, by ground sensors
#: only, and by both at once. Three clearly different hues and lightnesses (orange,
#: sky blue, dark grey), distinct under the common colour-vision deficiencies.
SPACETIME_DRONE = ORANGE
SPACETIME_GROUND = SKY_BLUE
SPACETIME_BOTH = "#555555"
#: How far the fully covered colours go from white (below 1 so markers stand out).
SPACETIME_STRENGTH = 0.75


def spacetime_rgb(
    drone: np.ndarray, ground: np.ndarray, strength: float = SPACETIME_STRENGTH
) -> np.ndarray:
    """Blend drone and ground covered fractions into an RGB image (white = no coverage).

    The colour is the bilinear mix of four corners by the two fractions d, g in
    [0, 1]: white (0, 0), drone (1, 0), ground (0, 1), both (1, 1), moved
    ``strength`` of the way from white. Shading is proportional: a bin covered
    10 % of its time by drones is 10 % of the way to the drone colour, so a brief
    pass stays faint and the ink on the page matches the covered time.
    """
    d = np.clip(np.nan_to_num(np.asarray(drone, dtype=float)), 0.0, 1.0)[..., None]
    g = np.clip(np.nan_to_num(np.asarray(ground, dtype=float)), 0.0, 1.0)[..., None]
    white = np.ones(3)
    corner = {
        name: white + strength * (np.asarray(mcolors.to_rgb(colour)) - white)
        for name, colour in (
            ("drone", SPACETIME_DRONE),
            ("ground", SPACETIME_GROUND),
            ("both", SPACETIME_BOTH),
        )
    }
    return (
        (1 - d) * (1 - g) * white
        + d * (1 - g) * corner["drone"]
        + (1 - d) * g * corner["ground"]
        + d * g * corner["both"]
    )


def _spacetime_key(ax: Axes, strength: float) -> Axes:
    """The two-variable colour bar: drone fraction across, ground-sensor fraction up."""
    key = ax.inset_axes((1.02, 0.0, 0.2, 0.3))
    f = np.linspace(0.0, 1.0, 41)
    d, g = np.meshgrid(f, f)
    key.imshow(
        spacetime_rgb(d, g, strength),
        origin="lower",
        extent=(0.0, 1.0, 0.0, 1.0),
        interpolation="nearest",
        aspect="auto",
    )
    key.set_xticks([0.0, 0.5, 1.0], ["0", "50", "100 %"], fontsize=6.5)
    key.set_yticks([0.0, 0.5, 1.0], ["0", "50", "100 %"], fontsize=6.5)
    key.yaxis.tick_right()
    key.yaxis.set_label_position("right")
    key.set_xlabel("time covered by drones", fontsize=7)
    key.set_ylabel("by ground sensors", fontsize=7)
    key.set_title("colour key", fontsize=7.5)
    return key


def plot_spacetime(folder: ResultsFolder, ax: Axes | None = None) -> Axes:
    """Chainage against time: covered fraction by asset class, satellite images and violations.

    Each cell-bin (line cell x time bin) is shaded in proportion to the fraction
    of the bin it was covered, by drones and by ground sensors (the saved
    ``coverage_spacetime.npz`` fractions); a colour key reads the shade back.
    """
    folder = _folder(folder)
    ax = _axes(ax)
    st = folder.spacetime
    unit_s, unit = time_unit(_duration_s(folder))
    t_edges = np.asarray(st["time_edges_s"], dtype=float) / unit_s
    c_edges = np.asarray(st["chainage_edges_m"], dtype=float) / 1000.0
    strength = SPACETIME_STRENGTH
    image = spacetime_rgb(st["drone"], st["ground"], strength)
    ax.imshow(
        image,
        origin="lower",
        aspect="auto",
        interpolation="nearest",
        extent=(t_edges[0], t_edges[-1], c_edges[0], c_edges[-1]),
        zorder=0,
    )
    _spacetime_key(ax, strength)
    one, zero = np.ones(1), np.zeros(1)
    handles: list[Any] = [
        Patch(facecolor=spacetime_rgb(one, zero, strength)[0], label="drone (all the time)"),
        Patch(facecolor=spacetime_rgb(zero, one, strength)[0], label="ground sensor (all)"),
        Patch(facecolor=spacetime_rgb(one, one, strength)[0], label="both (all)"),
        Patch(facecolor="white", edgecolor=GREY, label="not covered"),
    ]
    sat = np.asarray(st.get("satellite_times_s", np.empty(0)), dtype=float) / unit_s
    if 0 < len(sat) <= MAX_SATELLITE_LINES:
        ax.vlines(sat, c_edges[0], c_edges[-1], colors=PURPLE, linewidths=0.8, alpha=0.8, zorder=1)
        handles.append(Line2D([], [], color=PURPLE, linewidth=0.8, label="satellite image"))
    elif len(sat):  # too many to draw across the raster: a rug of ticks along the top
        ax.vlines(
            sat,
            0.96,
            1.0,
            transform=ax.get_xaxis_transform(),
            colors=PURPLE,
            linewidths=0.8,
            zorder=4,
        )
        handles.append(
            Line2D([], [], color=PURPLE, linewidth=0.8, label="satellite image\n(ticks at top)")
        )

    events = folder.events
    t = np.asarray(events["t_start_s"], dtype=float) / unit_s
    c = np.asarray(events["chainage_m"], dtype=float) / 1000.0
    detected = np.asarray(events["detected"], dtype=bool)
    n = len(t)
    _scatter(
        ax,
        t[detected],
        c[detected],
        marker="o",
        color=BLACK,
        zorder=2,
        linewidths=0,
        **marker_style(n, 6, 0.8, 0.5),
    )
    _scatter(
        ax,
        t[~detected],
        c[~detected],
        marker="x",
        color=VERMILLION,
        linewidths=0.8,
        zorder=3,
        **marker_style(n, 20, 1.0, 3),
    )
    handles += [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            color=BLACK,
            markersize=3,
            label=f"detected violation ({int(detected.sum())})",
        ),
        Line2D(
            [],
            [],
            marker="x",
            linestyle="none",
            color=VERMILLION,
            label=f"missed violation ({int((~detected).sum())})",
        ),
    ]
    ax.set_xlim(t_edges[0], t_edges[-1])
    ax.set_ylim(c_edges[0], c_edges[-1])
    ax.set_xlabel(f"time since start ({unit})")
    ax.set_ylabel("chainage along the line (km)")
    _title(ax, folder, "Coverage and violations along the line over time")
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        borderaxespad=0.0,
    )
    return ax


# --- latency CDFs -----------------------------------------------------------------------


def latency_unit(values_s: np.ndarray) -> tuple[float, str]:
    """Return (seconds per unit, unit name) for latencies: minutes to a p95 of 3 h, else hours."""
    finite = values_s[np.isfinite(values_s)]
    if len(finite) and np.percentile(finite, 95) > 3 * 3600.0:
        return 3600.0, "hours"
    return 60.0, "minutes"


#: Latencies below this (s) are drawn at it: the left edge of the log time axis.
LATENCY_FLOOR_S = 10.0
#: Candidate tick positions of a latency axis (s): round minutes, hours and days.
LATENCY_TICKS_S = (10, 60, 300, 900, 3600, 3 * 3600, 12 * 3600, 2 * 86_400, 7 * 86_400,
                   30 * 86_400, 91 * 86_400, 365 * 86_400)  # fmt: skip
#: The coarser set used when the axis spans too many of the candidates.
LATENCY_MAJOR_TICKS_S = (10, 60, 900, 3600, 12 * 3600, 7 * 86_400, 30 * 86_400,
                         365 * 86_400)  # fmt: skip


def duration_label(seconds: float) -> str:
    """A short tick label for a duration: "10 s", "15 min", "3 h", "7 d"."""
    for size, name in ((86_400.0, "d"), (3600.0, "h"), (60.0, "min")):
        if seconds >= size:
            return f"{seconds / size:g} {name}"
    return f"{seconds:g} s"


def draw_cdf(
    ax: Axes,
    values: np.ndarray,
    label: str,
    total: int | None = None,
    right: float | None = None,
    floor: float | None = None,
    **kwargs: Any,
) -> None:
    """Draw the empirical CDF of ``values`` as a step line on ``ax``.

    NaNs are dropped. By default the curve reaches 1 (a fraction of the finite
    values); with ``total`` it is a fraction of ``total`` items, so a latency
    curve over all violations tops out at the fraction that happened at all.
    ``right`` extends the last step flat to that x (the axis' right edge).
    ``floor`` (for a log axis) starts the curve there and draws smaller values
    at it, so a latency of 0 shows as a step at the left edge.
    """
    v = np.sort(np.asarray(values, dtype=float)[np.isfinite(values)])
    if len(v) == 0:
        return
    start = 0.0
    if floor is not None:
        v = np.maximum(v, floor)
        start = floor
    y = np.arange(1, len(v) + 1) / (len(v) if total is None else total)
    x = np.concatenate([[start], v])
    y = np.concatenate([[0.0], y])
    if right is not None and right > x[-1]:
        x, y = np.append(x, right), np.append(y, y[-1])
    ax.step(x, y, where="post", label=label, **kwargs)


def set_latency_scale(ax: Axes, values: np.ndarray, unit_s: float = 60.0) -> tuple[float, float]:
    """Put ``ax``'s x axis on a log time scale fitted to ``values`` (in units of ``unit_s`` s).

    A log axis gives the first minutes as much room as the long tail: a curve
    with a tail to 700 min still shows its first hour. The axis runs from
    ``LATENCY_FLOOR_S`` (smaller latencies, e.g. 0 for a violation born inside a
    footprint, are drawn there and the tick reads "<=10 s") to a little beyond
    the largest value, with ticks labelled in s, min, h or d.
    Returns (floor, right): the axis edges in the units of ``values``.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    floor = LATENCY_FLOOR_S / unit_s
    top = float(np.max(v)) if len(v) else floor * 100.0
    right = max(top * 1.3, floor * 10.0)
    ax.set_xscale("log")
    ax.set_xlim(floor, right)
    ticks = [t for t in LATENCY_TICKS_S if floor <= t / unit_s <= right]
    if len(ticks) > 8:
        ticks = [t for t in LATENCY_MAJOR_TICKS_S if floor <= t / unit_s <= right]
    labels = [duration_label(t) for t in ticks]
    if ticks and ticks[0] == LATENCY_FLOOR_S:
        labels[0] = "\u2264" + labels[0]
    ax.set_xticks([t / unit_s for t in ticks], labels)
    ax.xaxis.set_minor_formatter(NullFormatter())
    return floor, right


def _cdf_axes(ax: Axes, folder: ResultsFolder, unit: str, what: str, title: str) -> None:
    ax.set_ylim(0.0, 1.03)
    ax.set_xlabel(f"{what} (log scale)")
    ax.set_ylabel("cumulative fraction")
    ax.grid(True, which="both", linewidth=0.3, alpha=0.5)
    _title(ax, folder, title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower right", fontsize=8)


def _empty_note(ax: Axes, text: str) -> None:
    """Say in the middle of an axes why it holds no curve."""
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=10,
        bbox={"facecolor": "white", "edgecolor": GREY},
    )


def _median_label(label: str, values: np.ndarray, unit: str) -> str:
    v = values[np.isfinite(values)]
    if len(v) == 0:
        return f"{label} (n=0)"
    return f"{label} (n={len(v)}, median {np.median(v):.3g} {unit})"


def plot_latency_cdf(folder: ResultsFolder, ax: Axes | None = None) -> Axes:
    """CDF of the time to first detection, for each first-detecting asset class and all."""
    folder = _folder(folder)
    ax = _axes(ax)
    events = folder.events
    latency = np.asarray(events["latency_s"], dtype=float)
    unit_s, unit = latency_unit(latency)
    scaled = latency / unit_s
    first = np.asarray(events["first_class"]).astype(str)
    floor, right = set_latency_scale(ax, scaled, unit_s)
    for cls in ("drone", "ground", "satellite"):
        sel = (first == cls) & np.isfinite(scaled)
        if sel.any():
            draw_cdf(
                ax,
                scaled[sel],
                _median_label(CLASS_LABELS[cls], scaled[sel], unit),
                right=right,
                floor=floor,
                color=CLASS_COLOURS[cls],
                linewidth=1.6,
            )
    draw_cdf(
        ax,
        scaled,
        _median_label("all detected", scaled, unit),
        right=right,
        floor=floor,
        color=BLACK,
        linewidth=2.2,
        linestyle="--",
    )
    _cdf_axes(
        ax,
        folder,
        unit,
        "time from start to first detection",
        "Detection latency by first detector",
    )
    ax.set_ylabel("fraction of detected violations")
    if not np.isfinite(scaled).any():
        _empty_note(ax, f"No violation was detected ({len(scaled)} in the run).")
    return ax


def plot_report_latency_cdf(folder: ResultsFolder, ax: Axes | None = None) -> Axes:
    """Fraction of all violations detected, reported and verified within a time of their start.

    Each curve is a CDF over all violations, so it tops out at the fraction
    detected, reported or verified by the end of the run.
    """
    folder = _folder(folder)
    ax = _axes(ax)
    events = folder.events
    start = np.asarray(events["t_start_s"], dtype=float)
    report = np.asarray(events["t_report_s"], dtype=float) - start
    detect = np.asarray(events["latency_s"], dtype=float)
    verified = np.asarray(events["t_verified_s"], dtype=float) - start
    unit_s, unit = latency_unit(np.concatenate([report, verified]))
    n = len(start)
    floor, right = set_latency_scale(ax, np.concatenate([report, verified]) / unit_s, unit_s)
    curves = (
        (detect, "detected", GREY, 1.4, "--"),
        (report, "reported", BLUE, 2.0, "-"),
        (verified, "verified", GREEN, 1.6, "-"),
    )
    for values, label, colour, width, style in curves:
        scaled = values / unit_s
        k = int(np.isfinite(scaled).sum())
        text = f"{label}: {k / n:.0%} of {n}" if n else label
        if k:
            text += f", median {np.median(scaled[np.isfinite(scaled)]):.3g} {unit}"
        draw_cdf(
            ax,
            scaled,
            text,
            total=n,
            right=right,
            floor=floor,
            color=colour,
            linewidth=width,
            linestyle=style,
        )
    _cdf_axes(ax, folder, unit, "time from start of violation", "Report and verification latency")
    ax.set_ylabel("fraction of all violations")
    if n == 0:
        _empty_note(ax, "No violation happened in the run.")
    elif not np.isfinite(detect).any():
        _empty_note(
            ax,
            "The only violation was not detected."
            if n == 1
            else f"None of the {n} violations was detected.",
        )
    return ax


# --- detection probability along the line -------------------------------------------


def chainage_bin_width(length_m: float, cell_m: float, n_events: int) -> float:
    """Return a bin width: a multiple of the cell giving 20-60 bins, ~15 violations per bin."""
    target = min(60, max(20, round(n_events / 15)))
    k = max(1, math.ceil(length_m / cell_m / target))
    return k * cell_m


def detection_by_chainage(
    folder: ResultsFolder, width_m: float | None = None
) -> dict[str, np.ndarray]:
    """Detection probability per chainage bin with 95 % Wilson intervals.

    Bins are ``width_m`` wide from chainage 0; the last one ends at the line's
    end, so it may be shorter (and a line shorter than one bin has one bin of its
    length). Returns a dict of arrays: ``edges_m`` (bins + 1), ``n`` violations,
    ``detected``, ``p`` (NaN for an empty bin), ``low95``, ``high95``.
    """
    folder = _folder(folder)
    events = folder.events
    chainage = np.asarray(events["chainage_m"], dtype=float)
    detected = np.asarray(events["detected"], dtype=bool)
    length = _line_length_m(folder)
    if width_m is None:
        width_m = chainage_bin_width(length, float(folder.scenario["line"]["cell"]), len(events))
    edges = np.arange(0.0, length + width_m, width_m)
    edges[-1] = max(edges[-1], length)
    edges = edges[: np.searchsorted(edges, length, side="left") + 1]
    edges[-1] = length  # the last bin ends where the line ends (it may be shorter)
    n, _ = np.histogram(chainage, bins=edges)
    k, _ = np.histogram(chainage[detected], bins=edges)
    intervals = np.array([wilson_interval(int(a), int(b)) for a, b in zip(k, n, strict=True)])
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    low = np.where(n > 0, intervals[:, 0], np.nan)
    high = np.where(n > 0, intervals[:, 1], np.nan)
    return {"edges_m": edges, "n": n, "detected": k, "p": p, "low95": low, "high95": high}


def plot_detection_along_line(folder: ResultsFolder, ax: Axes | None = None) -> Axes:
    """Detection probability per chainage bin (95 % Wilson intervals) and violations per bin."""
    folder = _folder(folder)
    ax = _axes(ax)
    b = detection_by_chainage(folder)
    edges = b["edges_m"] / 1000.0
    centres = 0.5 * (edges[:-1] + edges[1:])
    counts = ax.twinx()
    counts.bar(
        centres,
        b["n"],
        width=np.diff(edges),
        color=GREY,
        alpha=0.25,
        zorder=0,
        label="violations per bin (right axis)",
    )
    counts.set_ylabel("violations per bin")
    counts.set_ylim(0, max(1, int(b["n"].max())) * 3)
    ax.set_zorder(counts.get_zorder() + 1)
    ax.patch.set_visible(False)
    ok = b["n"] > 0
    ax.errorbar(
        centres[ok],
        b["p"][ok],
        yerr=interval_errors(b["p"][ok], b["low95"][ok], b["high95"][ok]),
        fmt="o",
        markersize=4,
        color=BLUE,
        ecolor=BLUE,
        elinewidth=1.0,
        capsize=2,
        label="detection probability (95 % Wilson interval)",
    )
    total_n, total_k = int(b["n"].sum()), int(b["detected"].sum())
    if total_n:
        ax.axhline(
            total_k / total_n,
            color=BLACK,
            linestyle="--",
            linewidth=1.0,
            label=f"whole line: {total_k / total_n:.2f}",
        )
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0.0, 1.22)  # room for the legend above the points
    ax.set_yticks(np.linspace(0.0, 1.0, 6))
    ax.set_xlabel(f"chainage along the line (km; bins of {np.diff(edges)[0]:g} km)")
    ax.set_ylabel("probability of detection")
    ax.grid(True, linewidth=0.3, alpha=0.5)
    _title(ax, folder, "Detection probability along the line")
    lines, labels = ax.get_legend_handles_labels()
    bars, bar_labels = counts.get_legend_handles_labels()
    ax.legend(
        lines + bars, labels + bar_labels, loc="upper center", ncol=3, fontsize=7.5, framealpha=0.9
    )
    return ax


# --- covered fraction over time -------------------------------------------------------


def plot_coverage_time(folder: ResultsFolder, ax: Axes | None = None) -> Axes:
    """The fraction of the line covered over time: any asset, drones, ground sensors."""
    folder = _folder(folder)
    ax = _axes(ax)
    ct = folder.coverage_time
    unit_s, unit = time_unit(_duration_s(folder))
    start = np.asarray(ct["t_start_s"], dtype=float)
    end = np.asarray(ct["t_end_s"], dtype=float)
    edges = np.concatenate([start, end[-1:]]) / unit_s
    series = (
        ("line_covered_fraction_ground", "ground sensors", SKY_BLUE, 1.4, "-"),
        ("line_covered_fraction_drone", "drones", ORANGE, 1.4, "-"),
        ("line_covered_fraction", "any asset", BLACK, 2.0, "-"),
    )
    for column, label, colour, width, style in series:
        values = np.asarray(ct[column], dtype=float)
        widths = end - start
        mean = float(np.sum(values * widths) / np.sum(widths)) if np.sum(widths) else math.nan
        ax.stairs(
            values,
            edges,
            color=colour,
            linewidth=width,
            linestyle=style,
            label=f"{label} (mean {mean:.2f})",
            baseline=None,
        )
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel(f"time since start ({unit})")
    ax.set_ylabel("fraction of the line covered")
    ax.grid(True, linewidth=0.3, alpha=0.5)
    _title(ax, folder, "Covered fraction of the line over time")
    ax.legend(loc="best", fontsize=8, framealpha=0.9)
    return ax


# --- registry and drawing everything ------------------------------------------------


PLOTS: dict[str, PlotSpec] = {
    "map": PlotSpec(
        plot_map,
        "Crosses are missed violations, dots detected ones (colours and counts in the legend); "
        "clusters of crosses away from the drone patrols and ground sensors show where assets "
        "are missing.",
        ("line.geojson", "events.csv"),
    ),
    "spacetime": PlotSpec(
        plot_spacetime,
        "Shade grows with the share of each bin watched (the key tells drones, ground sensors "
        "and both apart); crosses (missed violations) on white were missed for lack of "
        "coverage, crosses on colour were watched but not detected.",
        ("coverage_spacetime.npz", "events.csv"),
    ),
    "coverage_map": PlotSpec(
        plot_coverage_map,
        "Dark cells are watched least of the time; a dark band along the line is a hole "
        "in the patrol or sensor plan.",
        ("coverage.csv",),
    ),
    "revisit_map": PlotSpec(
        plot_revisit_map,
        "Dark cells wait longest between looks; a violation shorter than that gap there "
        "can go unseen.",
        ("coverage.csv",),
    ),
    "coverage_time": PlotSpec(
        plot_coverage_time,
        "Dips show when the line was least watched (sortie changes, losses, sensor "
        "failures); the mean is the line's time-averaged coverage.",
        ("coverage_time.csv",),
    ),
    "detection_along_line": PlotSpec(
        plot_detection_along_line,
        "Bins well below the dashed whole-line value are weak stretches; wide bars mean "
        "few violations there, so read them with care.",
        ("events.csv",),
    ),
    "latency_cdf": PlotSpec(
        plot_latency_cdf,
        "The further left a curve rises, the faster that asset class detects; the dashed "
        "curve is every detected violation.",
        ("events.csv",),
    ),
    "report_latency_cdf": PlotSpec(
        plot_report_latency_cdf,
        "The gap between the dashed detected curve and the reported curve is reporting delay; "
        "each curve tops out at the fraction of all violations detected, reported or verified.",
        ("events.csv",),
    ),
}


def available(folder: ResultsFolder | str | Path) -> list[str]:
    """Names of the figures in ``PLOTS`` whose input files ``folder`` holds."""
    folder = _folder(folder)
    return [name for name, spec in PLOTS.items() if all(folder.has(f) for f in spec.needs)]


def draw_all(
    folder: ResultsFolder | str | Path,
    out_dir: str | Path | None = None,
    names: Sequence[str] | None = None,
    dpi: int = DPI,
    errors: list[FigureFailure] | None = None,
) -> list[Path]:
    """Draw every figure the folder's files allow to ``<out_dir>/<name>.png``.

    Each figure is saved to a temporary file and renamed into place. A figure that
    fails does not stop the others: with ``errors`` given, its failure is appended
    there; without, ``FiguresFailed`` is raised after the other figures are drawn.

    Parameters
    ----------
    folder
        A results folder (or its path).
    out_dir
        Where the PNGs go; default ``<folder>/plots``.
    names
        Only these figures (default: all of ``PLOTS``). Figures whose input files
        are absent are skipped, not errors.
    dpi
        Resolution, dots per inch (figures are 8 x 5 in).
    errors
        A list that collects the figures that failed (see ``sim.present.drawing``).

    Returns
    -------
    list of Path
        The PNG files written, in ``PLOTS`` order.
    """
    folder = _folder(folder)
    out = Path(out_dir) if out_dir is not None else folder.path / "plots"
    unknown = sorted(set(names or ()) - set(PLOTS))
    if unknown:
        raise ValueError(f"unknown plot name(s) {unknown}; known: {sorted(PLOTS)}")
    wanted = [n for n in available(folder) if names is None or n in names]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    failures: list[FigureFailure] = [] if errors is None else errors
    for name in wanted:

        def one(name: str = name) -> Path:
            ax = PLOTS[name].draw(folder)
            fig = ax.figure
            assert isinstance(fig, Figure)
            path = save_figure(fig, out / f"{name}.png", dpi=dpi)
            fig.clear()
            return path

        path = attempt(name, one, failures)
        if path is not None:
            written.append(path)
    if errors is None and failures:
        raise FiguresFailed(failures)
    return written
