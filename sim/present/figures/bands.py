"""The withdrawal bands of ``line.bands`` on the map: each band's outline, light and dashed.

A band named ``artillery: 50km`` holds the points within 50 km of the line, either
side: the line buffered by the half-width in the scenario's metric projection (round
ends, as the monitored zone), which is exactly the set ``|offset| <= half-width`` that
``sim.world.places.band_labels`` sorts violations by. Its outline (exterior and any
holes) is drawn unfilled, from the narrowest band (darkest, solid, on top) to the
widest (lightest, longest dashes, underneath), so the narrow zone near the line stays
legible under the wider ones.

The map widens to show a band whose half-width is at most ``WIDEN_SHARE`` of the map's
larger side before the bands (the line, zone, assets and violations): a planner wants
to see how far back the heavy weapons must stand, and on a long line that is a ring a
few hundred km wide. A band wider than that would shrink everything else to a sliver
(a 140 km band round a 20 km test line); it is clipped to the map instead, and its
legend entry says so. On a lon/lat map, a band that holds a pole has no lon/lat
outline (as a zone round a pole, which the scenario refuses); it is not drawn, and its
legend entry says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from shapely.geometry import MultiPolygon, Polygon

from sim.core.geo import Line
from sim.present import format as fmt
from sim.present.figures.geo_axes import display_xy
from sim.present.figures.places import place_names
from sim.present.figures.style import as_folder
from sim.spec.geometry import scenario_line
from sim.store.read import ResultsFolder

#: A band widens the map when its half-width is at most this share of the map's larger
#: side (before the bands); wider bands are clipped to the map, with a note.
WIDEN_SHARE = 0.5
#: Outline colours, narrowest band first (dark to light brown-grey); more bands reuse
#: the last one. Distinct from the zone's grey edge and from the asset colours.
BAND_COLOURS = ("#5B4A36", "#7D6A52", "#9E8B72", "#BDAE98", "#D2C7B6")
#: Dash patterns (offset, on-off), narrowest band first: solid, then dashes and dots.
BAND_DASHES: tuple[tuple[float, tuple[float, ...]], ...] = (
    (0, ()),
    (0, (5, 2)),
    (0, (8, 3)),
    (0, (2, 2)),
    (0, (10, 3, 2, 3)),
)
#: Vertices of a band's outline at most this far apart (m) before it is projected to
#: lon/lat, and at most a fortieth of its half-width: smooth at map scale.
DENSIFY_M = 1_000.0
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class BandOutline:
    """One band: its name, half-width (m) and outline rings in display coordinates.

    ``polar`` is True for a lon/lat band that holds a pole: it has no lon/lat outline
    (``rings`` is then empty), as a monitored zone round a pole (``zone_pole_problem``).
    """

    name: str
    half_width: float
    rings: list[np.ndarray]
    polar: bool = False


def _poles(line: Line) -> list[shapely.Point]:
    """The poles in the line's metric plane (none for a local line)."""
    if not line.is_geographic:
        return []
    x, y = line.from_lonlat(np.zeros(2), np.array([90.0, -90.0]))
    return [shapely.Point(a, b) for a, b in zip(x, y, strict=True) if np.isfinite([a, b]).all()]


def band_outlines(folder: ResultsFolder) -> list[BandOutline]:
    """The outline of each band of ``line.bands``, narrowest first (none without bands).

    Rings are in display units (lon/lat degrees wrapped round the line's meridian, or
    km): the line buffered by the half-width in the run's projection, densified before
    it is projected to lon/lat so that it stays smooth.
    """
    folder = as_folder(folder)
    bands = folder.spec.line.bands or {}
    if not bands:
        return []
    line = scenario_line(folder.spec)
    poles = _poles(line)
    out = []
    for name in place_names(folder, "band"):
        half = float(bands[name])
        if any(line.geometry.distance(pole) <= half for pole in poles):
            out.append(BandOutline(name, half, [], polar=True))
            continue
        shape = shapely.segmentize(line.geometry.buffer(half), max(DENSIFY_M, half / 40.0))
        parts = list(shape.geoms) if isinstance(shape, MultiPolygon) else [shape]
        rings = []
        for part in parts:
            if not isinstance(part, Polygon) or part.is_empty:
                continue
            for ring in (part.exterior, *part.interiors):
                xy = np.asarray(ring.coords, dtype=float)[:, :2]
                if line.is_geographic:
                    lon, lat = line.to_lonlat(xy[:, 0], xy[:, 1])
                    xy = np.column_stack([lon, lat])
                else:
                    xy = xy.copy()
                xy = display_xy(folder, xy)
                xy = xy[np.isfinite(xy).all(axis=1)]
                if len(xy) > 1:
                    rings.append(xy)
        out.append(BandOutline(name, half, rings))
    return out


def _larger_side_m(folder: ResultsFolder, xlim: tuple[float, float], ylim: tuple[float, float]):
    """The larger side (m) of a map extent in display units."""
    width, height = abs(xlim[1] - xlim[0]), abs(ylim[1] - ylim[0])
    if not folder.is_geographic:
        return 1000.0 * max(width, height)
    cos_lat = max(0.05, float(np.cos(np.radians(0.5 * (ylim[0] + ylim[1])))))
    return METRES_PER_DEGREE * max(width * cos_lat, height)


def draw_bands(ax: Axes, folder: ResultsFolder) -> list[Line2D]:
    """Draw the band outlines on a map whose data limits hold everything else; widen them.

    Call before the map's extent is set (``autoscale_view``): the bands that fit
    (``WIDEN_SHARE``) add their outlines to the data limits, the others do not. Returns
    one legend handle per band, narrowest first: "band <name>: ±<half-width>" (either
    side of the line).
    """
    folder = as_folder(folder)
    outlines = band_outlines(folder)
    if not outlines:
        return []
    bounds = ax.dataLim
    if bounds.width > 0 or bounds.height > 0:
        larger = _larger_side_m(folder, bounds.intervalx, bounds.intervaly)
    else:
        larger = 0.0
    handles = []
    for i, band in enumerate(outlines):
        colour = BAND_COLOURS[min(i, len(BAND_COLOURS) - 1)]
        dashes = BAND_DASHES[min(i, len(BAND_DASHES) - 1)]
        drawable = bool(band.rings)
        widen = drawable and band.half_width <= WIDEN_SHARE * larger
        if drawable:
            ax.add_collection(
                LineCollection(
                    band.rings,
                    colors=colour,
                    linewidths=1.0,
                    linestyles=dashes,
                    alpha=0.9,
                    zorder=0.6 - 0.01 * i,  # above the zone's fill, narrowest on top
                ),
                autolim=False,
            )
        if widen:
            ax.update_datalim(np.concatenate(band.rings))
        if band.polar:
            note = " (not drawn: it holds a pole)"
        elif not drawable:
            note = " (not drawn)"
        else:
            note = "" if widen else " (clipped: wider than the map)"
        handles.append(
            Line2D(
                [],
                [],
                color=colour,
                linewidth=1.0,
                linestyle=dashes,
                label=f"band {band.name}: ±{fmt.distance(band.half_width)}{note}",
            )
        )
    return handles
