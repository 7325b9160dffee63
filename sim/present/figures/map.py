"""The map of a run: the line, zone, ground sensors, patrols, bases and violations by outcome."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse, Patch

from sim.core.geo import wrap_longitude
from sim.present.figures.bands import draw_bands
from sim.present.figures.cues import draw_cues_on_map
from sim.present.figures.geo_axes import (
    centre_lon,
    display_xy,
    draw_line_and_zone,
    geographic_aspect,
    line_parts,
    lon_ticks,
    map_frame,
)
from sim.present.figures.sky import draw_ground_tracks, read_ground_tracks
from sim.present.figures.style import (
    BLACK,
    BLUE,
    GREY,
    ORANGE,
    OUTCOME_COLOURS,
    SKY_BLUE,
    VERMILLION,
    YELLOW,
    as_folder,
    marker_style,
    new_axes,
    outcomes,
    scatter,
    set_title,
)
from sim.schema import KIND_BASE, KIND_GROUND_SENSOR, KIND_JAMMING, KIND_PATROL
from sim.store.read import ResultsFolder

#: Ground sensors' range discs get a thin outline up to this many (beyond, fill only).
MAX_DISC_EDGES = 80
METRES_PER_DEGREE = 111_320.0
#: A legend of more entries than this goes beside the map rather than over it.
LEGEND_INSIDE_MAX = 12


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
    """The line, zone, ground sensors, patrol paths, bases and violations by outcome.

    A lon/lat run with orbiting satellites (ground_tracks.csv) also shows their
    ground tracks over the first day, one colour per group, clipped to the map.
    """
    folder = as_folder(folder)
    ax = new_axes(ax)
    scale, aspect, xlabel, ylabel = map_frame(folder)
    geographic = folder.is_geographic
    draw_line_and_zone(ax, folder)

    handles: list[Any] = [
        Line2D([], [], color=BLACK, linewidth=1.6, label="ceasefire line"),
        Patch(facecolor="#EEEEEE", edgecolor=GREY, label="monitored zone"),
    ]
    jammed = [
        f["properties"].get("name", "")
        for f in folder.geojson("line")["features"]
        if f["properties"].get("kind") == KIND_JAMMING
    ]
    if jammed:  # environment.jamming: drawn with the zone (draw_line_and_zone)
        handles.append(
            Patch(facecolor="none", edgecolor=VERMILLION, hatch="///", label="jamming area")
        )
    if folder.has("assets.geojson"):
        features = folder.geojson("assets")["features"]
        sensors = [f for f in features if f["properties"].get("kind") == KIND_GROUND_SENSOR]
        patrols = [f for f in features if f["properties"].get("kind") == KIND_PATROL]
        bases = [f for f in features if f["properties"].get("kind") == KIND_BASE]
        if patrols:
            segments = [display_xy(folder, c) for f in patrols for c in line_parts(f["geometry"])]
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
        scatter(
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

    handles += draw_cues_on_map(ax, folder)  # cueing: responders' flights
    handles[2:2] = draw_bands(ax, folder)  # line.bands: after the zone; may widen the map
    ax.autoscale_view()
    if geographic:
        lat = np.asarray(ax.get_ylim())
        ax.set_aspect(geographic_aspect(lat), adjustable="datalim")
        lon_ticks(ax)
    else:
        ax.set_aspect(aspect, adjustable="datalim")
    if geographic:  # after the extent is set: tracks are clipped to it, never widen it
        tracks = read_ground_tracks(folder)
        if tracks is not None:
            handles += draw_ground_tracks(ax, tracks, centre_lon(folder))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    set_title(ax, folder, "Violations and assets")
    if len(handles) > LEGEND_INSIDE_MAX:  # bands, cues, tracks: beside the map, not over it
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            fontsize=7.5,
            borderaxespad=0.0,
        )
    else:
        ax.legend(handles=handles, loc="best", fontsize=7.5, framealpha=0.9)
    ax.grid(True, linewidth=0.3, alpha=0.5)
    return ax
