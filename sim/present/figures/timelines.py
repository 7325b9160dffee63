"""Figures against time: the space-time diagram and the covered fraction of the line."""

from __future__ import annotations

import math
from typing import Any

import matplotlib.colors as mcolors
import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.present.figures.cues import draw_cues_on_spacetime
from sim.present.figures.sky import draw_sky, draw_swaths
from sim.present.figures.style import (
    BLACK,
    GREY,
    ORANGE,
    PURPLE,
    SKY_BLUE,
    VERMILLION,
    as_folder,
    duration_s,
    marker_style,
    new_axes,
    scatter,
    set_title,
    time_unit,
)
from sim.store.read import ResultsFolder

#: Beyond this many images, the space-time diagram marks them as ticks along its top.
MAX_SATELLITE_LINES = 40

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
    With an ``environment``, night (at each chainage bin's centre) and overcast
    spells (clouds.csv) are shaded over it; orbiting satellites' passes (the
    ``swath_*`` arrays) are short segments over the stretch each imaged.
    """
    folder = as_folder(folder)
    ax = new_axes(ax)
    st = folder.spacetime
    unit_s, unit = time_unit(duration_s(folder))
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
    t_span_s = (float(st["time_edges_s"][0]), float(st["time_edges_s"][-1]))
    handles += draw_sky(ax, folder, st["chainage_edges_m"], t_span_s, unit_s)
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

    swaths = draw_swaths(ax, st, unit_s)
    if swaths is not None:
        handles.append(swaths)
    handles += draw_cues_on_spacetime(ax, folder, unit_s)  # cueing: responders' flights

    events = folder.events
    t = np.asarray(events["t_start_s"], dtype=float) / unit_s
    c = np.asarray(events["chainage_m"], dtype=float) / 1000.0
    detected = np.asarray(events["detected"], dtype=bool)
    n = len(t)
    scatter(
        ax,
        t[detected],
        c[detected],
        marker="o",
        color=BLACK,
        zorder=2,
        linewidths=0,
        **marker_style(n, 6, 0.8, 0.5),
    )
    scatter(
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
    set_title(ax, folder, "Coverage and violations along the line over time")
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        borderaxespad=0.0,
    )
    return ax


# --- covered fraction over time -------------------------------------------------------


def plot_coverage_time(folder: ResultsFolder, ax: Axes | None = None) -> Axes:
    """The fraction of the line covered over time: any asset, drones, ground sensors."""
    folder = as_folder(folder)
    ax = new_axes(ax)
    ct = folder.coverage_time
    unit_s, unit = time_unit(duration_s(folder))
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
    set_title(ax, folder, "Covered fraction of the line over time")
    ax.legend(loc="best", fontsize=8, framealpha=0.9)
    return ax
