"""Latency distributions: CDFs of the time to detection, report and verification.

``draw_cdf``, ``latency_unit`` and ``set_latency_scale`` are shared with the
comparison figures, which overlay one curve per run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import NullFormatter

from sim.present.figures.style import (
    BLACK,
    BLUE,
    CLASS_COLOURS,
    CLASS_LABELS,
    GREEN,
    GREY,
    as_folder,
    empty_note,
    new_axes,
    set_title,
)
from sim.present.format import duration_tick
from sim.store.read import ResultsFolder


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
    labels = [duration_tick(t) for t in ticks]
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
    set_title(ax, folder, title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower right", fontsize=8)


def _median_label(label: str, values: np.ndarray, unit: str) -> str:
    v = values[np.isfinite(values)]
    if len(v) == 0:
        return f"{label} (n=0)"
    return f"{label} (n={len(v)}, median {np.median(v):.3g} {unit})"


def plot_latency_cdf(folder: ResultsFolder, ax: Axes | None = None) -> Axes:
    """CDF of the time to first detection, for each first-detecting asset class and all."""
    folder = as_folder(folder)
    ax = new_axes(ax)
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
        empty_note(ax, f"No violation was detected ({len(scaled)} in the run).")
    return ax


def plot_report_latency_cdf(folder: ResultsFolder, ax: Axes | None = None) -> Axes:
    """Fraction of all violations detected, reported and verified within a time of their start.

    Each curve is a CDF over all violations, so it tops out at the fraction
    detected, reported or verified by the end of the run.
    """
    folder = as_folder(folder)
    ax = new_axes(ax)
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
        empty_note(ax, "No violation happened in the run.")
    elif not np.isfinite(detect).any():
        empty_note(
            ax,
            "The only violation was not detected."
            if n == 1
            else f"None of the {n} violations was detected.",
        )
    return ax
