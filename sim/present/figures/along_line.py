"""Detection probability along the line: per chainage bin, with 95 % Wilson intervals.

``chainage_bin_width`` and ``detection_by_chainage`` are shared with the
comparison figure, which overlays the runs on one bin width.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes

from sim.measure.metrics import wilson_interval
from sim.present.figures.style import (
    BLACK,
    BLUE,
    GREY,
    as_folder,
    interval_errors,
    line_length_m,
    new_axes,
    set_title,
)
from sim.store.read import ResultsFolder


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
    folder = as_folder(folder)
    events = folder.events
    chainage = np.asarray(events["chainage_m"], dtype=float)
    detected = np.asarray(events["detected"], dtype=bool)
    length = line_length_m(folder)
    if width_m is None:
        width_m = chainage_bin_width(length, folder.spec.line.cell, len(events))
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
    folder = as_folder(folder)
    ax = new_axes(ax)
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
    set_title(ax, folder, "Detection probability along the line")
    lines, labels = ax.get_legend_handles_labels()
    bars, bar_labels = counts.get_legend_handles_labels()
    ax.legend(
        lines + bars, labels + bar_labels, loc="upper center", ncol=3, fontsize=7.5, framealpha=0.9
    )
    return ax
