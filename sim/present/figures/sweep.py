"""Figures of a finished sweep, drawn from its folder (summary.csv, runs.csv, manifest).

The layout follows the number of axes: one axis gives each metric against the
parameter with its 95 % band; two give annotated heatmaps; more (or a sampled
design) give main-effects plots. With a target, the points that meet it by their
conservative bound are outlined, the cheapest starred, and a cost plot shows the
target metric against the cost of every point.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim.core.tables import Table
from sim.measure.metrics import metric_unit
from sim.present.drawing import FigureFailure, FiguresFailed, attempt, save_figure
from sim.present.figures.style import (
    BLUE,
    DPI,
    FIGSIZE,
    GREEN,
    ORANGE,
    VERMILLION,
    interval_errors,
    new_figure,
    run_colour,
)
from sim.present.format import metric_scale, parameter_unit
from sim.sweep.folder import SweepFolder, read_sweep


@dataclass(frozen=True)
class Axis:
    """One swept axis: the parameters that vary together, shown by the first."""

    paths: list[str]

    @property
    def label(self) -> str:
        """Axis label: the shown path (and how many vary with it), with its display unit."""
        scale, unit = parameter_unit(self.paths[0])
        extra = f" (+{len(self.paths) - 1} paired)" if len(self.paths) > 1 else ""
        return f"{self.paths[0]}{extra}" + (f" [{unit}]" if unit else "")


#: Words of metric keys whose smaller values are better (times, gaps, false alarms, losses).
LOWER_IS_BETTER_WORDS = (
    "latency",
    "gap",
    "revisit",
    "response",
    "false_alarm",
    "loss",
    "failure",
    "missed",
    "cost",
)


def better_direction(metric: str) -> str | None:
    """Which way a metric improves: ``"higher"``, ``"lower"`` or None (neither).

    Times (unit s: latencies, revisit gaps, response times), false alarms and
    losses are better lower; probabilities, fractions and availabilities are
    better higher; counts and other plain numbers have no better direction.
    """
    key = metric.lower()
    unit = metric_unit(metric)
    if unit == "s" or any(word in key for word in LOWER_IS_BETTER_WORDS):
        return "lower"
    if unit == "fraction":
        return "higher"
    return None


def heatmap_colours(metric: str) -> tuple[str, str]:
    """Colour map and colour-bar note of a metric's heatmap: yellow is always better.

    Better-higher metrics use viridis (yellow high), better-lower ones viridis_r
    (yellow low), so the same colour means "better" on every sweep figure; a
    metric with no better direction is drawn in greys (darker = higher).
    """
    direction = better_direction(metric)
    if direction == "higher":
        return "viridis", "yellow = better (higher)"
    if direction == "lower":
        return "viridis_r", "yellow = better (lower)"
    return "Greys", "no better or worse direction"


def axes_of(sweep: SweepFolder) -> list[Axis]:
    """The sweep's axes, as its manifest lists them.

    Grid axes keep their paired paths together; a sampled design has one axis per
    parameter.
    """
    return [Axis(list(paths)) for paths in sweep.manifest.get("axes") or []] or [
        Axis([p]) for p in sweep.parameters
    ]


def categories(sweep: SweepFolder, column: str) -> np.ndarray | None:
    """The sorted values of a non-numeric parameter (a name, a mode), or None."""
    values = np.asarray(sweep.summary[column])
    if values.dtype.kind in "fiub":
        return None
    return np.unique(values.astype(str))


def _values(
    sweep: SweepFolder, column: str, scale: float = 1.0, table: Table | None = None
) -> np.ndarray:
    """A column of the summary (or ``table``, e.g. runs) as floats.

    A non-numeric parameter gives the position of each value among the summary's
    sorted values (``categories``), so runs and points share one axis.
    """
    values = np.asarray((sweep.summary if table is None else table)[column])
    levels = categories(sweep, column) if column in sweep.summary.columns else None
    if levels is None:
        return values.astype(float) / scale
    return np.searchsorted(levels, values.astype(str)).astype(float)


def _name_levels(ax: Axes, sweep: SweepFolder, column: str, which: str = "x") -> None:
    """Label a non-numeric parameter's axis with its values instead of positions."""
    levels = categories(sweep, column)
    if levels is None:
        return
    ticks = ax.set_xticks if which == "x" else ax.set_yticks
    ticks(range(len(levels)), [str(v) for v in levels])


def _flags(sweep: SweepFolder, column: str) -> np.ndarray:
    if column not in sweep.summary.columns:
        return np.zeros(len(sweep.summary), dtype=bool)
    return np.asarray(sweep.summary[column], dtype=bool)


def _new(ax: Axes | None) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = new_figure(*FIGSIZE)
    return fig, fig.add_subplot()


def _target_line(ax: Axes, sweep: SweepFolder, metric: str, scale: float, vertical=False) -> None:
    target = sweep.target
    if target is None or target.metric != metric:
        return
    value = target.value / scale
    draw = ax.axvline if vertical else ax.axhline
    draw(value, color=VERMILLION, linestyle="--", linewidth=1.2, label=f"target {target}")


def plot_curve(sweep: SweepFolder, metric: str, axis: Axis, ax: Axes | None = None) -> Axes:
    """One axis: the metric's estimate against the parameter, its 95 % band and the runs."""
    fig, ax = _new(ax)
    pscale, _ = parameter_unit(axis.paths[0])
    mscale, munit = metric_scale(metric)
    x = _values(sweep, axis.paths[0], pscale)
    order = np.argsort(x)
    est = _values(sweep, f"{metric}.estimate", mscale)
    low = _values(sweep, f"{metric}.low95", mscale)
    high = _values(sweep, f"{metric}.high95", mscale)
    ax.fill_between(x[order], low[order], high[order], color=BLUE, alpha=0.2, label="95 % interval")
    ax.plot(x[order], est[order], "o-", color=BLUE, label="estimate")
    runs = sweep.runs
    if metric in runs.columns and axis.paths[0] in runs.columns:
        ok = np.asarray(runs["status"]) == "ok"
        ax.plot(
            _values(sweep, axis.paths[0], pscale, table=runs)[ok],
            np.asarray(runs[metric], dtype=float)[ok] / mscale,
            ".",
            color="grey",
            alpha=0.5,
            label="single runs",
        )
    meets = _flags(sweep, "meets_target")
    cheapest = _flags(sweep, "cheapest")
    if np.any(meets):
        ax.plot(
            x[meets], est[meets], "o", mfc="none", mec=GREEN, ms=12, mew=2, label="meets target"
        )
    if np.any(cheapest):
        ax.plot(x[cheapest], est[cheapest], "*", color=VERMILLION, ms=16, label="cheapest")
    _target_line(ax, sweep, metric, mscale)
    _name_levels(ax, sweep, axis.paths[0])
    ax.set_xlabel(axis.label)
    ax.set_ylabel(f"{metric}" + (f" [{munit}]" if munit else ""))
    ax.set_title(f"{metric} against {axis.paths[0]} - {sweep.manifest.get('name', '')}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_heatmap(sweep: SweepFolder, metric: str, axes: list[Axis], ax: Axes | None = None) -> Axes:
    """Two axes: the metric's estimate in a grid, annotated with its 95 % interval."""
    fig, ax = _new(ax)
    (ax_x, ax_y) = axes
    xscale, _ = parameter_unit(ax_x.paths[0])
    yscale, _ = parameter_unit(ax_y.paths[0])
    mscale, munit = metric_scale(metric)
    x = _values(sweep, ax_x.paths[0], xscale)
    y = _values(sweep, ax_y.paths[0], yscale)
    xs, ys = np.unique(x), np.unique(y)
    grid = np.full((len(ys), len(xs)), np.nan)
    est = _values(sweep, f"{metric}.estimate", mscale)
    low = _values(sweep, f"{metric}.low95", mscale)
    high = _values(sweep, f"{metric}.high95", mscale)
    ix, iy = np.searchsorted(xs, x), np.searchsorted(ys, y)
    grid[iy, ix] = est
    cmap, note = heatmap_colours(metric)
    image = ax.imshow(grid, origin="lower", cmap=cmap, aspect="auto")
    unit_text = f" [{munit}]" if munit else ""
    fig.colorbar(image, ax=ax, label=f"{metric}{unit_text}\n{note}")
    meets, cheapest = _flags(sweep, "meets_target"), _flags(sweep, "cheapest")
    for k in range(len(x)):
        colour = _text_colour(image.to_rgba(est[k])) if np.isfinite(est[k]) else "black"
        text = f"{est[k]:.3g}\n[{low[k]:.3g}, {high[k]:.3g}]" if np.isfinite(est[k]) else "n/a"
        ax.text(ix[k], iy[k], text, ha="center", va="center", fontsize=7, color=colour)
        if meets[k]:
            ax.add_patch(
                Rectangle((ix[k] - 0.5, iy[k] - 0.5), 1, 1, fill=False, ec=GREEN, lw=2.5, zorder=3)
            )
        if cheapest[k]:
            ax.plot(ix[k] + 0.35, iy[k] + 0.3, "*", color=VERMILLION, ms=14, zorder=4)
    ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs])
    ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
    _name_levels(ax, sweep, ax_x.paths[0], "x")
    _name_levels(ax, sweep, ax_y.paths[0], "y")
    ax.set_xlabel(ax_x.label)
    ax.set_ylabel(ax_y.label)
    note = " (green: meets the target; star: cheapest)" if np.any(meets) else ""
    ax.set_title(f"{metric}: estimate [95 % interval]{note}", fontsize=10)
    return ax


def _text_colour(rgba: Any) -> str:
    """Black on light cells, white on dark ones (by relative luminance of an RGBA colour)."""
    r, g, b = (float(c) for c in np.asarray(rgba, dtype=float).ravel()[:3])
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "white"


def plot_replications(sweep: SweepFolder, metric: str, ax: Axes | None = None) -> Axes:
    """No axes (replications of one point): each run's value, the estimate and its 95 % band."""
    fig, ax = _new(ax)
    mscale, munit = metric_scale(metric)
    runs = sweep.runs
    if metric in runs.columns:
        ok = np.asarray(runs["status"]) == "ok"
        values = np.asarray(runs[metric], dtype=float)[ok] / mscale
        ax.plot(np.arange(len(values)), values, "o", color="grey", alpha=0.6, label="single runs")
    est = _values(sweep, f"{metric}.estimate", mscale)[0]
    low = _values(sweep, f"{metric}.low95", mscale)[0]
    high = _values(sweep, f"{metric}.high95", mscale)[0]
    ax.axhline(est, color=BLUE, lw=2, label="estimate")
    if np.isfinite(low) and np.isfinite(high):
        ax.axhspan(low, high, color=BLUE, alpha=0.2, label="95 % interval")
    _target_line(ax, sweep, metric, mscale)
    ax.set_xlabel("replication")
    ax.set_ylabel(f"{metric}" + (f" [{munit}]" if munit else ""))
    ax.set_title(f"{metric} over replications - {sweep.manifest.get('name', '')}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_main_effects(sweep: SweepFolder, metric: str, axes: list[Axis]) -> Figure:
    """More axes or a sampled design: the metric against each parameter on its own."""
    fig = new_figure(4.0 * len(axes), 4.0)
    mscale, munit = metric_scale(metric)
    est = _values(sweep, f"{metric}.estimate", mscale)
    share = None
    for k, axis in enumerate(axes):
        ax = fig.add_subplot(1, len(axes), k + 1, sharey=share)
        share = share or ax
        pscale, _ = parameter_unit(axis.paths[0])
        x = _values(sweep, axis.paths[0], pscale)
        ax.plot(x, est, "o", color=BLUE, alpha=0.5, label="points")
        levels = np.unique(x)
        if len(levels) <= 12:  # a grid: the mean over the other axes at each level
            means = [np.nanmean(est[x == level]) for level in levels]
            ax.plot(levels, means, "-", color=ORANGE, lw=2, label="mean over the others")
        _target_line(ax, sweep, metric, mscale)
        _name_levels(ax, sweep, axis.paths[0])
        ax.set_xlabel(axis.label)
        ax.grid(alpha=0.3)
        if k == 0:
            ax.set_ylabel(f"{metric}" + (f" [{munit}]" if munit else ""))
            ax.legend(fontsize=8)
    fig.suptitle(f"Main effects on {metric} - {sweep.manifest.get('name', '')}")
    return fig


def plot_cost(sweep: SweepFolder, ax: Axes | None = None) -> Axes | None:
    """Target metric against cost: which points meet the target, and the cheapest."""
    target = sweep.target
    if target is None or "cost" not in sweep.summary.columns:
        return None
    metric = target.metric
    if f"{metric}.estimate" not in sweep.summary.columns:
        return None
    fig, ax = _new(ax)
    mscale, munit = metric_scale(metric)
    cost = _values(sweep, "cost")
    est = _values(sweep, f"{metric}.estimate", mscale)
    low = _values(sweep, f"{metric}.low95", mscale)
    high = _values(sweep, f"{metric}.high95", mscale)
    meets, cheapest = _flags(sweep, "meets_target"), _flags(sweep, "cheapest")
    err = interval_errors(est, low, high)
    for mask, colour, label in ((~meets, "grey", "misses the target"), (meets, GREEN, "meets it")):
        if np.any(mask):
            ax.errorbar(
                cost[mask], est[mask], yerr=err[:, mask], fmt="o", color=colour, label=label
            )
    if np.any(cheapest):
        ax.plot(cost[cheapest], est[cheapest], "*", color=VERMILLION, ms=18, label="cheapest")
        for k in np.flatnonzero(cheapest):
            ax.annotate(
                f"point {int(sweep.summary['point'][k])}",
                (cost[k], est[k]),
                textcoords="offset points",
                xytext=(8, -12),
                fontsize=8,
            )
    _target_line(ax, sweep, metric, mscale)
    ax.set_xlabel("cost (units of the sweep's cost items)")
    ax.set_ylabel(f"{metric}" + (f" [{munit}]" if munit else ""))
    ax.set_title(f"Cost against {metric} (95 % intervals) - {sweep.manifest.get('name', '')}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_overlay(sweeps: list[SweepFolder], names: list[str], metric: str) -> Figure:
    """One metric of every sweep against its first axis, each with its 95 % band."""
    fig = new_figure(*FIGSIZE)
    ax = fig.add_subplot()
    mscale, munit = metric_scale(metric)
    shown = []
    paths = [axes_of(sweep)[0].paths[0] for sweep in sweeps]
    columns = [np.asarray(sweep.summary[p]) for sweep, p in zip(sweeps, paths, strict=True)]
    named = any(c.dtype.kind not in "fiub" for c in columns)  # a name or mode: by position
    levels = np.unique(np.concatenate([c.astype(str) for c in columns])) if named else None
    for k, (name, sweep) in enumerate(zip(names, sweeps, strict=True)):
        path = paths[k]
        pscale, punit = parameter_unit(path)
        s = sweep.summary
        if levels is None:
            x = columns[k].astype(float) / pscale
        else:
            x = np.searchsorted(levels, columns[k].astype(str)).astype(float)
        order = np.argsort(x, kind="stable")
        est = np.asarray(s[f"{metric}.estimate"], dtype=float)[order] / mscale
        low = np.asarray(s[f"{metric}.low95"], dtype=float)[order] / mscale
        high = np.asarray(s[f"{metric}.high95"], dtype=float)[order] / mscale
        colour = run_colour(k)
        ax.fill_between(x[order], low, high, color=colour, alpha=0.15)
        ax.plot(x[order], est, "o-", color=colour, label=f"{name} ({path})")
        shown.append(f"{path}" + (f" [{punit}]" if punit else ""))
    if levels is not None:
        ax.set_xticks(range(len(levels)), [str(v) for v in levels])
    ax.set_xlabel(" / ".join(dict.fromkeys(shown)))
    ax.set_ylabel(metric + (f" [{munit}]" if munit else ""))
    ax.set_title(f"{metric} across sweeps (95 % bands)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    return save_figure(fig, path, dpi=DPI)


def draw_all(folder: str | Path, errors: list[FigureFailure] | None = None) -> list[Path]:
    """Draw every sweep figure into ``<folder>/plots/``; return the files written.

    A figure that fails does not stop the others: with ``errors`` given, its failure
    is appended there; without, ``FiguresFailed`` is raised after the others are drawn.
    """
    sweep = read_sweep(folder)
    out = sweep.path / "plots"
    out.mkdir(exist_ok=True)
    axes = axes_of(sweep)
    written = []
    failures: list[FigureFailure] = [] if errors is None else errors
    for metric in sweep.metrics:
        if f"{metric}.estimate" not in sweep.summary.columns:
            continue
        name = metric.replace(".", "_")

        def one(metric: str = metric, name: str = name) -> Path:
            if not axes:
                fig, _ = _new(None)
                plot_replications(sweep, metric, fig.axes[0])
            elif len(axes) == 1:
                fig, _ = _new(None)
                plot_curve(sweep, metric, axes[0], fig.axes[0])
            elif len(axes) == 2 and all(len(set(sweep.summary[a.paths[0]])) <= 12 for a in axes):
                fig, _ = _new(None)
                plot_heatmap(sweep, metric, axes, fig.axes[0])
            else:
                fig = plot_main_effects(sweep, metric, axes)
            return _save(fig, out / f"{name}.png")

        path = attempt(name, one, failures)
        if path is not None:
            written.append(path)

    def cost() -> Path | None:
        fig, _ = _new(None)
        if plot_cost(sweep, fig.axes[0]) is None:
            return None
        return _save(fig, out / "cost.png")

    path = attempt("cost", cost, failures)
    if path is not None:
        written.append(path)
    if errors is None and failures:
        raise FiguresFailed(failures)
    return written
