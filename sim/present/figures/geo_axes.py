"""Map axes: folder coordinates as drawn, and the ceasefire line and zone on them.

A geographic folder (lon/lat) is drawn in degrees, longitudes wrapped around the
line's central meridian so a line across the antimeridian stays one piece; a local
folder is drawn in km.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter

from sim.core.geo import wrap_longitude
from sim.present.figures.style import BLACK, GREY, VERMILLION
from sim.schema import KIND_JAMMING, KIND_LINE, KIND_ZONE
from sim.store.read import ResultsFolder


def map_frame(folder: ResultsFolder) -> tuple[float, float, str, str]:
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


def lon_ticks(ax: Axes) -> None:
    """Label a longitude axis in [-180, 180) whatever the drawn (wrapped) values."""
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{float(wrap_longitude(v)):g}"))


def geographic_aspect(lat: np.ndarray) -> float:
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


def line_parts(geometry: dict[str, Any]) -> list[np.ndarray]:
    """The (n, 2) coordinate arrays of a LineString or MultiLineString (else none)."""
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
        if kind == KIND_ZONE and zone:
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
        elif kind == KIND_JAMMING and zone:  # environment.jamming: hatched, outlined
            for rings in _polygons(geometry):
                ax.add_patch(
                    PathPatch(
                        _rings_path(rings, to_display),
                        facecolor="none",
                        edgecolor=VERMILLION,
                        hatch="///",
                        linewidth=0.8,
                        zorder=1,
                        label="jamming area",
                    )
                )
        elif kind == KIND_LINE:
            for coords in line_parts(geometry):
                coords = to_display(coords)
                ax.plot(
                    coords[:, 0],
                    coords[:, 1],
                    color=BLACK,
                    linewidth=linewidth,
                    zorder=3,
                    label="ceasefire line",
                )
