"""The figures of a comparison of runs: one colour per run, shared scales.

Each ``plot_*`` function takes the compared folders and their display names and
returns a matplotlib ``Figure``; ``sim.present.compare`` saves them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib.colors as mcolors
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.present import format as fmt
from sim.present.figures.along_line import chainage_bin_width, detection_by_chainage
from sim.present.figures.geo_axes import draw_line_and_zone
from sim.present.figures.latency import draw_cdf, latency_unit, set_latency_scale
from sim.present.figures.style import interval_errors, line_length_m, new_figure, run_colour
from sim.present.figures.zones import ZoneGrid, draw_zone_values, zone_grid
from sim.store.read import ResultsFolder


def plot_latency_cdfs(folders: Sequence[ResultsFolder], names: Sequence[str]) -> Figure:
    """Share of all violations detected (solid) and reported (dashed) within a time, per run.

    Each curve is over all violations of its run, so it tops out at the share
    detected (or reported) by the end of the run: a faster but less complete
    plan shows as a curve that rises early and levels off low.
    """
    detect, report = [], []
    for f in folders:
        ev = f.events
        start = np.asarray(ev["t_start_s"], dtype=float)
        detect.append(np.asarray(ev["latency_s"], dtype=float))
        report.append(np.asarray(ev["t_report_s"], dtype=float) - start)
    every = np.concatenate(detect + report) if folders else np.zeros(0)
    unit_s, unit = latency_unit(every)
    fig = new_figure(8.0, 5.0)
    ax = fig.add_subplot()
    floor, right = set_latency_scale(ax, every / unit_s, unit_s)
    for i, name in enumerate(names):
        n = len(detect[i])
        k = int(np.isfinite(detect[i]).sum())
        share = f"{k / n:.0%}" if n else "n/a"
        draw_cdf(ax, detect[i] / unit_s, f"{name}: detected ({share})", total=n, right=right,
                 floor=floor, color=run_colour(i), linewidth=2.0)  # fmt: skip
        draw_cdf(ax, report[i] / unit_s, f"{name}: reported", total=n, right=right,
                 floor=floor, color=run_colour(i), linewidth=1.4, linestyle="--")  # fmt: skip
    ax.set_ylim(0.0, 1.03)
    ax.set_xlabel("time from the start of the violation (log scale)")
    ax.set_ylabel("fraction of all violations")
    ax.set_title("Detected (solid) and reported (dashed) within a given time")
    ax.grid(True, which="both", linewidth=0.3, alpha=0.5)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def along_line_bin_width(folders: Sequence[ResultsFolder]) -> float:
    """One chainage bin width for every run (the run figures' rule).

    The rule is applied to the longest line and the fewest events.
    """
    length = max(line_length_m(f) for f in folders)
    cell = min(f.spec.line.cell for f in folders)
    return chainage_bin_width(length, cell, min(len(f.events) for f in folders))


def plot_detection_along_line(folders: Sequence[ResultsFolder], names: Sequence[str]) -> Figure:
    """Detection probability per chainage bin, 95 % Wilson intervals, one colour per run.

    The runs share one bin width; their points are spread a little within each
    bin so the intervals do not hide each other.
    """
    width = along_line_bin_width(folders)
    fig = new_figure(8.0, 5.0)
    ax = fig.add_subplot()
    right = 0.0
    for i, (f, name) in enumerate(zip(folders, names, strict=True)):
        b = detection_by_chainage(f, width)
        edges = b["edges_m"] / 1000.0
        right = max(right, float(edges[-1]))
        shift = (i - (len(folders) - 1) / 2) * 0.6 / max(len(folders), 1)
        centres = 0.5 * (edges[:-1] + edges[1:]) + shift * np.diff(edges)
        ok = b["n"] > 0
        colour = run_colour(i)
        total_n, total_k = int(b["n"].sum()), int(b["detected"].sum())
        label = f"{name} (whole line {total_k / total_n:.2f})" if total_n else name
        ax.errorbar(
            centres[ok],
            b["p"][ok],
            yerr=interval_errors(b["p"][ok], b["low95"][ok], b["high95"][ok]),
            fmt="o-",
            markersize=3.5,
            linewidth=0.8,
            color=colour,
            ecolor=colour,
            elinewidth=1.0,
            capsize=1.5,
            label=label,
        )
    ax.set_xlim(0.0, right if right > 0 else 1.0)
    ax.set_ylim(0.0, 1.05)
    ax.set_xlabel(f"chainage along the line (km; bins of {width / 1000:g} km)")
    ax.set_ylabel("probability of detection")
    ax.set_title("Detection probability along the line (95 % Wilson intervals)")
    ax.grid(True, linewidth=0.3, alpha=0.5)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def _cell_keys(coverage, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """Zone rows of a coverage table and their positions as integer keys (1/1000 cell)."""
    rows = np.nonzero(np.asarray(coverage["grid"]) == "zone")[0]
    x = np.asarray(coverage["x"], dtype=float)[rows]
    y = np.asarray(coverage["y"], dtype=float)[rows]
    kx = np.round(x / cell * 1000).astype(np.int64)
    ky = np.round(y / cell * 1000).astype(np.int64)
    return rows, np.column_stack([kx, ky])


def coverage_difference(
    first, second, cell: float, column: str = "covered_fraction"
) -> np.ndarray | None:
    """``second - first`` of ``column`` on the zone cells of ``first`` (two coverage tables).

    Cells are matched by position (same line, so the same projection), not by
    their indices, whose origin depends on the zone's extent. A cell of
    ``first`` that ``second`` lacks gets NaN. Returns one value per zone row of
    ``first``, in order, or None when the runs share no zone cell.
    """
    rows1, keys1 = _cell_keys(first, cell)
    rows2, keys2 = _cell_keys(second, cell)
    where = {tuple(k): r for k, r in zip(keys2.tolist(), rows2.tolist(), strict=True)}
    v1 = np.asarray(first[column], dtype=float)
    v2 = np.asarray(second[column], dtype=float)
    out = np.full(len(rows1), np.nan)
    matched = 0
    for j, (key, row) in enumerate(zip(keys1.tolist(), rows1.tolist(), strict=True)):
        other = where.get(tuple(key))
        if other is not None:
            out[j] = v2[other] - v1[row]
            matched += 1
    return out if matched else None


def same_line(a: ResultsFolder, b: ResultsFolder) -> bool:
    """Same line points and CRS kind, and the same cell size (so the grids can line up)."""
    la, lb = a.spec.line, b.spec.line
    return (
        la.crs == lb.crs and la.points is not None and la.points == lb.points and la.cell == lb.cell
    )


def _zone_panel(
    ax: Axes, folder: ResultsFolder, grid: ZoneGrid, values: np.ndarray, **kwargs: Any
) -> Any:

    mesh = draw_zone_values(ax, grid, values, colorbar=False, **kwargs)
    if folder.has("line.geojson"):
        draw_line_and_zone(ax, folder, zone=False)
    ax.grid(True, linewidth=0.3, alpha=0.5)
    return mesh


def plot_coverage_maps(folders: Sequence[ResultsFolder], names: Sequence[str]) -> Figure:
    """The zone's covered fraction, one panel per run, on one colour scale (0 to 100 %)."""
    n = len(folders)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig = new_figure(4.8 * cols + 1.2, 4.2 * rows + 0.5)
    axes = fig.subplots(rows, cols, squeeze=False)
    norm = mcolors.Normalize(vmin=0.0, vmax=1.0)
    mesh = None
    for i, (f, name) in enumerate(zip(folders, names, strict=True)):
        ax = axes[i // cols][i % cols]
        grid = zone_grid(f)
        mesh = _zone_panel(ax, f, grid, grid.column(f, "covered_fraction"), norm=norm,
                           cmap="viridis")  # fmt: skip
        mean = f.metrics.get("coverage.zone.time_fraction")
        ax.set_title(name + (f" (zone mean {fmt.percent(mean)})" if mean is not None else ""))
    for j in range(n, rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    if mesh is not None:
        bar = fig.colorbar(mesh, ax=axes.ravel().tolist(), shrink=0.85)
        bar.set_label("covered fraction of time")
        bar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    fig.suptitle("Coverage of the monitored zone: share of time inside some footprint")
    return fig


def plot_coverage_difference(
    folders: Sequence[ResultsFolder], names: Sequence[str], diff: np.ndarray
) -> Figure:
    """Run 2 minus run 1 covered fraction on run 1's zone grid, diverging colours centred on 0."""
    first = folders[0]
    grid = zone_grid(first)
    finite = diff[np.isfinite(diff)]
    span = float(np.max(np.abs(finite))) if len(finite) else 0.0
    span = span if span > 0 else 0.01
    norm = mcolors.TwoSlopeNorm(vcenter=0.0, vmin=-span, vmax=span)
    fig = new_figure(8.0, 5.6)
    ax = fig.add_subplot()
    mesh = _zone_panel(ax, first, grid, grid.array(diff), norm=norm, cmap="RdBu")
    bar = fig.colorbar(mesh, ax=ax, shrink=0.85)
    bar.set_label(f"covered fraction of time: {names[1]} - {names[0]}")
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{100 * value:+.0f} pp"))
    ax.set_title(f"Coverage difference: {names[1]} - {names[0]} (blue: more, red: less)")
    return fig
