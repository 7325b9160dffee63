"""Compare two or more results folders: one table, overlaid plots, a difference map.

Reads each folder through ``sim.store.read.ResultsFolder`` (never the engine) and
writes a compare folder::

    <out>/metrics.csv     one row per metric: metric, unit, one column per run
                          (raw numbers, empty when a run lacks the metric), and
                          for two runs a difference column (run 2 - run 1)
    <out>/metrics.md      the same table for people (percentages, durations)
    <out>/compare.json    the runs: [{"name", "path", "seed", "scenario"}, ...]
    <out>/plots/latency_cdf.png          detection (solid) and report (dashed)
                                         latency, one colour per run
    <out>/plots/detection_along_line.png share detected per chainage bin, 95 %
                                         Wilson bands
    <out>/plots/coverage_maps.png        zone covered fraction, one panel per
                                         run, one shared colour scale
    <out>/plots/coverage_difference.png  two runs of the same line: run 2 - run 1
    <out>/report.html     when sim.present.report.run provides write_compare_report

The folder is written under a temporary name beside its destination and renamed
at the end, like a results folder. An existing compare folder (it holds
compare.json) is replaced; any other non-empty folder is refused.
"""

from __future__ import annotations

import csv
import fnmatch
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core.errors import SimError
from sim.measure.metrics import metric_unit
from sim.present.drawing import FigureFailure, FiguresFailed, attempt, record
from sim.store.outdir import COMPARE, check_out, publish, remove_stale_files, temporary
from sim.store.read import ResultsFolder

if TYPE_CHECKING:
    from sim.present.sweep_compare import SweepComparison

COMPARE_MARKER = "compare.json"

# Headline metrics first, in this order (shell patterns); then every other key.
HEADLINE = (
    "violations.count",
    "detection.probability",
    "detection.probability.low95",
    "detection.probability.high95",
    "detection.within_*",
    "report.within_*",
    "verified.probability",
    "verified.probability.low95",
    "verified.probability.high95",
    "latency.median_s",
    "latency.p90_s",
    "report_latency.median_s",
    "detection.first_by_class.*",
    "detection.by_class.*",
    "false_alarms.per_day",
    "coverage.time_fraction",
    "coverage.revisit.mean_s",
    "coverage.revisit.max_s",
    "coverage.*",
    "assets.*",
)

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)

MISSING = "n/a"


@dataclass(frozen=True)
class Run:
    """One compared run: its display name, folder, seed and scenario name."""

    name: str
    path: Path
    seed: int | None
    scenario: str

    def to_json(self) -> dict[str, Any]:
        """The compare.json entry of this run."""
        return {
            "name": self.name,
            "path": str(self.path),
            "seed": self.seed,
            "scenario": self.scenario,
        }


@dataclass
class Comparison:
    """What ``compare`` computed and wrote.

    Attributes
    ----------
    out
        The compare folder.
    runs
        The runs, in the order given.
    metrics
        Metric keys in table order (headline first).
    values
        ``values[key][i]`` is run i's value of ``key`` as in its metrics.json
        (None when null or absent).
    plots
        The PNG files written, in ``out/plots``.
    failures
        The figures (and report) that could not be drawn.
    notes
        What was skipped and why (printed under the table).
    """

    out: Path
    runs: list[Run]
    metrics: list[str]
    values: dict[str, list[Any]]
    plots: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[FigureFailure] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """The runs' display names (column headers)."""
        return [run.name for run in self.runs]

    def difference(self, key: str) -> float | None:
        """Run 2 minus run 1 for ``key`` (two runs only; None when undefined)."""
        if len(self.runs) != 2:
            raise SimError(
                f"a difference needs exactly two runs; this comparison has {len(self.runs)}"
            )
        a, b = self.values[key]
        if not (_is_number(a) and _is_number(b)):
            return None
        return float(b) - float(a)

    def _human_rows(self) -> list[list[str]]:
        """Rows for people: a proportion carries its interval, so its bounds get no row."""
        keys = set(self.metrics)
        rows = []
        for key in self.metrics:
            base = _interval_base(key)
            if base is not None and base in keys:
                continue
            cells = [key]
            for i in range(len(self.runs)):
                text = format_value(key, self.values[key][i])
                low, high = f"{key}.low95", f"{key}.high95"
                if low in keys and high in keys and _is_number(self.values[key][i]):
                    lo, hi = self.values[low][i], self.values[high][i]
                    if _is_number(lo) and _is_number(hi):
                        text += f" [{100 * lo:.1f}, {100 * hi:.1f}]"
                cells.append(text)
            if len(self.runs) == 2:
                cells.append(format_difference(key, self.difference(key)))
            rows.append(cells)
        return rows

    def _header(self) -> list[str]:
        header = ["metric", *self.names]
        if len(self.runs) == 2:
            header.append(f"{self.names[1]} - {self.names[0]}")
        return header

    def table_text(self) -> str:
        """The side-by-side table as aligned plain text, with the notes below it."""
        rows = [self._header(), *self._human_rows()]
        widths = [max(len(row[j]) for row in rows) for j in range(len(rows[0]))]
        lines = []
        for k, row in enumerate(rows):
            cells = [row[0].ljust(widths[0])]
            cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
            lines.append("  ".join(cells).rstrip())
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
        lines.append("")
        lines.append("Proportions: value [95 % Wilson interval]; differences in percentage points.")
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)

    def table_markdown(self) -> str:
        """The side-by-side table as a Markdown table, with the notes below it."""
        header = self._header()

        def line(cells: list[str]) -> str:
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

        lines = [line(header), "|" + "---|" + "---:|" * (len(header) - 1)]
        lines += [line(row) for row in self._human_rows()]
        lines.append("")
        lines.append("Proportions: value [95 % Wilson interval]; differences in percentage points.")
        for note in self.notes:
            lines.append("")
            lines.append(f"Note: {note}")
        return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# Formatting


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _interval_base(key: str) -> str | None:
    for suffix in (".low95", ".high95"):
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return None


def format_duration(seconds: float, signed: bool = False) -> str:
    """Seconds for people: s below a minute, min below 2 h, h below 2 days, else days."""
    sign = "+" if signed and seconds > 0 else ""
    size = abs(seconds)
    if size < 60:
        return f"{sign}{seconds:.0f} s"
    if size < 7200:
        return f"{sign}{seconds / 60:.1f} min"
    if size < 172800:
        return f"{sign}{seconds / 3600:.1f} h"
    return f"{sign}{seconds / 86400:.1f} d"


def _number(value: float, signed: bool = False) -> str:
    sign = "+" if signed else ""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):{sign}d}"
    return f"{value:{sign}.3g}"


def format_value(key: str, value: Any) -> str:
    """A metric value for people, by the unit of its key (``n/a`` when undefined)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return MISSING
    if not _is_number(value):
        return str(value)
    return _by_unit(key, float(value), signed=False)


def format_difference(key: str, diff: float | None) -> str:
    """A difference (run 2 - run 1) for people: percentage points for proportions."""
    if diff is None:
        return MISSING
    return _by_unit(key, diff, signed=True)


def _by_unit(key: str, value: float, signed: bool) -> str:
    """Format ``value`` by the unit of ``key``; ``signed`` for differences (+/-, pp)."""
    sign = "+" if signed else ""
    unit = metric_unit(key)
    if unit == "s":
        return format_duration(value, signed=signed)
    if unit == "fraction":
        return f"{100 * value:{sign}.1f} " + ("pp" if signed else "%")
    if unit == "1/day":
        return f"{value:{sign}.2f}/day"
    if unit == "h":
        return f"{value:{sign}.1f} h"
    if unit == "days":
        return f"{_number(value, signed)} d"
    return _number(value, signed)


def order_metrics(keys: Sequence[str]) -> list[str]:
    """Headline metrics first (in ``HEADLINE`` order), then the others as given."""
    remaining = list(dict.fromkeys(keys))
    ordered: list[str] = []
    for pattern in HEADLINE:
        hits = [k for k in remaining if fnmatch.fnmatchcase(k, pattern)]
        ordered += hits
        remaining = [k for k in remaining if k not in set(hits)]
    return ordered + remaining


# --------------------------------------------------------------------------------------
# Names and destination


def unique_names(folders: Sequence[ResultsFolder]) -> list[str]:
    """Scenario names, made unique: add the seed, then the folder name, then a counter."""
    names = [f.name for f in folders]

    def clashing(current: list[str]) -> list[int]:
        counts: dict[str, int] = {}
        for n in current:
            counts[n] = counts.get(n, 0) + 1
        return [i for i, n in enumerate(current) if counts[n] > 1]

    for i in clashing(names):
        seed = folders[i].manifest.get("seed")
        names[i] = f"{names[i]}-seed{seed}" if seed is not None else names[i]
    for i in clashing(names):
        names[i] = f"{names[i]}-{folders[i].path.resolve().name}"
    seen: dict[str, int] = {}
    for i in clashing(names):
        seen[names[i]] = seen.get(names[i], 0) + 1
        names[i] = f"{names[i]}-{seen[names[i]]}"
    return names


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "run"


def default_out(names: Sequence[str]) -> Path:
    """``results/compare/<name1>-vs-<name2>...`` (file-name safe, at most 120 characters)."""
    stem = "-vs-".join(_slug(n) for n in names)
    if len(stem) > 120:
        stem = stem[:120].rstrip("-._")
    return Path("results") / "compare" / stem


def _check_destination(out: Path, folders: Sequence[ResultsFolder]) -> None:
    for f in folders:
        if out.resolve() == f.path.resolve():
            raise SimError(
                f"refusing to write the comparison into {out}: it is one of the compared runs"
            )
    check_out(out, COMPARE)


# --------------------------------------------------------------------------------------
# Files


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    return str(value)


def write_metrics_csv(comparison: Comparison, path: Path) -> None:
    """metrics.csv: metric, unit, one raw column per run, and run 2 - run 1 for two runs."""
    header = ["metric", "unit", *comparison.names]
    two = len(comparison.runs) == 2
    if two:
        header.append(f"{comparison.names[1]} - {comparison.names[0]}")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for key in comparison.metrics:
            row = [key, metric_unit(key), *(_csv_cell(v) for v in comparison.values[key])]
            if two:
                row.append(_csv_cell(comparison.difference(key)))
            writer.writerow(row)


# --------------------------------------------------------------------------------------
# Plots: matplotlib Figure objects (no pyplot state), drawn with sim.present.figures.run' helpers


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    from sim.present.figures.run import DPI

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def plot_latency_cdfs(folders: Sequence[ResultsFolder], names: Sequence[str], path: Path) -> Path:
    """Share of all violations detected (solid) and reported (dashed) within a time, per run.

    Each curve is over all violations of its run, so it tops out at the share
    detected (or reported) by the end of the run: a faster but less complete
    plan shows as a curve that rises early and levels off low.
    """
    from sim.present.figures.run import draw_cdf, latency_unit, set_latency_scale

    detect, report = [], []
    for f in folders:
        ev = f.events
        start = np.asarray(ev["t_start_s"], dtype=float)
        detect.append(np.asarray(ev["latency_s"], dtype=float))
        report.append(np.asarray(ev["t_report_s"], dtype=float) - start)
    every = np.concatenate(detect + report) if folders else np.zeros(0)
    unit_s, unit = latency_unit(every)
    fig = _figure(8.0, 5.0)
    ax = fig.add_subplot()
    floor, right = set_latency_scale(ax, every / unit_s, unit_s)
    for i, name in enumerate(names):
        n = len(detect[i])
        k = int(np.isfinite(detect[i]).sum())
        share = f"{k / n:.0%}" if n else "n/a"
        draw_cdf(ax, detect[i] / unit_s, f"{name}: detected ({share})", total=n, right=right,
                 floor=floor, color=_colour(i), linewidth=2.0)  # fmt: skip
        draw_cdf(ax, report[i] / unit_s, f"{name}: reported", total=n, right=right,
                 floor=floor, color=_colour(i), linewidth=1.4, linestyle="--")  # fmt: skip
    ax.set_ylim(0.0, 1.03)
    ax.set_xlabel("time from the start of the violation (log scale)")
    ax.set_ylabel("fraction of all violations")
    ax.set_title("Detected (solid) and reported (dashed) within a given time")
    ax.grid(True, which="both", linewidth=0.3, alpha=0.5)
    ax.legend(loc="lower right", fontsize=8)
    fig.savefig(path)
    return path


def _line_length(f: ResultsFolder) -> float:
    length = f.manifest.get("line_length_m")
    if length is not None:
        return float(length)
    chainage = np.asarray(f.events["chainage_m"], dtype=float)
    return float(np.nanmax(chainage)) if len(chainage) else 1.0


def along_line_bin_width(folders: Sequence[ResultsFolder]) -> float:
    """One chainage bin width for every run (the run figures' rule).

    The rule is applied to the longest line and the fewest events.
    """
    from sim.present.figures.run import chainage_bin_width

    length = max(_line_length(f) for f in folders)
    cell = min(float(f.scenario["line"]["cell"]) for f in folders)
    return chainage_bin_width(length, cell, min(len(f.events) for f in folders))


def plot_detection_along_line(
    folders: Sequence[ResultsFolder], names: Sequence[str], path: Path
) -> Path:
    """Detection probability per chainage bin, 95 % Wilson intervals, one colour per run.

    The runs share one bin width; their points are spread a little within each
    bin so the intervals do not hide each other.
    """
    from sim.present.figures.run import detection_by_chainage, interval_errors

    width = along_line_bin_width(folders)
    fig = _figure(8.0, 5.0)
    ax = fig.add_subplot()
    right = 0.0
    for i, (f, name) in enumerate(zip(folders, names, strict=True)):
        b = detection_by_chainage(f, width)
        edges = b["edges_m"] / 1000.0
        right = max(right, float(edges[-1]))
        shift = (i - (len(folders) - 1) / 2) * 0.6 / max(len(folders), 1)
        centres = 0.5 * (edges[:-1] + edges[1:]) + shift * np.diff(edges)
        ok = b["n"] > 0
        colour = _colour(i)
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
    fig.savefig(path)
    return path


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


def _same_line(a: ResultsFolder, b: ResultsFolder) -> bool:
    """Same line points and CRS kind, and the same cell size (so the grids can line up)."""
    la, lb = a.scenario.get("line", {}), b.scenario.get("line", {})
    return (
        la.get("crs") == lb.get("crs")
        and la.get("points") is not None
        and la.get("points") == lb.get("points")
        and la.get("cell") == lb.get("cell")
    )


def _zone_panel(ax, folder: ResultsFolder, grid, values, **kwargs) -> Any:
    from sim.present.figures.run import draw_line_and_zone, draw_zone_values

    mesh = draw_zone_values(ax, grid, values, colorbar=False, **kwargs)
    if folder.has("line.geojson"):
        draw_line_and_zone(ax, folder, zone=False)
    ax.grid(True, linewidth=0.3, alpha=0.5)
    return mesh


def plot_coverage_maps(folders: Sequence[ResultsFolder], names: Sequence[str], path: Path) -> Path:
    """The zone's covered fraction, one panel per run, on one colour scale (0 to 100 %)."""
    import matplotlib.colors as mcolors

    from sim.present.figures.run import zone_grid

    n = len(folders)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig = _figure(4.8 * cols + 1.2, 4.2 * rows + 0.5)
    axes = fig.subplots(rows, cols, squeeze=False)
    norm = mcolors.Normalize(vmin=0.0, vmax=1.0)
    mesh = None
    for i, (f, name) in enumerate(zip(folders, names, strict=True)):
        ax = axes[i // cols][i % cols]
        grid = zone_grid(f)
        mesh = _zone_panel(ax, f, grid, grid.column(f, "covered_fraction"), norm=norm,
                           cmap="viridis")  # fmt: skip
        mean = f.metrics.get("coverage.zone.time_fraction")
        ax.set_title(f"{name}" + (f" (zone mean {mean:.0%})" if _is_number(mean) else ""))
    for j in range(n, rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    if mesh is not None:
        bar = fig.colorbar(mesh, ax=axes.ravel().tolist(), shrink=0.85)
        bar.set_label("covered fraction of time")
        bar.ax.yaxis.set_major_formatter(_percent_formatter())
    fig.suptitle("Coverage of the monitored zone: share of time inside some footprint")
    fig.savefig(path)
    return path


def _percent_formatter():
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=0)


def plot_coverage_difference(
    folders: Sequence[ResultsFolder], names: Sequence[str], diff: np.ndarray, path: Path
) -> Path:
    """Run 2 minus run 1 covered fraction on run 1's zone grid, diverging colours centred on 0."""
    import matplotlib.colors as mcolors
    from matplotlib.ticker import FuncFormatter

    from sim.present.figures.run import zone_grid

    first = folders[0]
    grid = zone_grid(first)
    finite = diff[np.isfinite(diff)]
    span = float(np.max(np.abs(finite))) if len(finite) else 0.0
    span = span if span > 0 else 0.01
    norm = mcolors.TwoSlopeNorm(vcenter=0.0, vmin=-span, vmax=span)
    fig = _figure(8.0, 5.6)
    ax = fig.add_subplot()
    mesh = _zone_panel(ax, first, grid, grid.array(diff), norm=norm, cmap="RdBu")
    bar = fig.colorbar(mesh, ax=ax, shrink=0.85)
    bar.set_label(f"covered fraction of time: {names[1]} - {names[0]}")
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{100 * value:+.0f} pp"))
    ax.set_title(f"Coverage difference: {names[1]} - {names[0]} (blue: more, red: less)")
    fig.savefig(path)
    return path


# --------------------------------------------------------------------------------------
# The comparison


def _collect(folders: Sequence[ResultsFolder]) -> tuple[list[str], dict[str, list[Any]]]:
    keys: list[str] = []
    for f in folders:
        keys += list(f.metrics)
    ordered = order_metrics(keys)
    values = {k: [f.metrics.get(k) for f in folders] for k in ordered}
    return ordered, values


def _figures(
    folders: Sequence[ResultsFolder], names: Sequence[str], plots: Path
) -> tuple[list[tuple[str, Callable[[], Path]]], list[str]]:
    """The figures to draw, as (name, draw) pairs, and notes on what is skipped and why."""
    figures: list[tuple[str, Callable[[], Path]]] = [
        ("latency_cdf", lambda: plot_latency_cdfs(folders, names, plots / "latency_cdf.png")),
        (
            "detection_along_line",
            lambda: plot_detection_along_line(folders, names, plots / "detection_along_line.png"),
        ),
    ]
    notes = []
    absent = [n for f, n in zip(folders, names, strict=True) if not f.has("coverage.csv")]
    if absent:
        notes.append(
            f"no coverage.csv in {', '.join(absent)} (written before coverage was added?): "
            "coverage maps skipped"
        )
        return figures, notes
    no_zone = [
        n
        for f, n in zip(folders, names, strict=True)
        if not np.any(np.asarray(f.coverage["grid"]) == "zone")
    ]
    if no_zone:
        notes.append(
            f"no zone cells in coverage.csv of {', '.join(no_zone)}: coverage maps skipped"
        )
        return figures, notes
    figures.append(
        ("coverage_maps", lambda: plot_coverage_maps(folders, names, plots / "coverage_maps.png"))
    )
    if len(folders) == 2:
        diff = None
        if _same_line(*folders):
            cell = float(folders[0].scenario["line"]["cell"])
            diff = coverage_difference(folders[0].coverage, folders[1].coverage, cell)
        if diff is None:
            notes.append(
                "the two runs are not on the same line and grid (line points or cell size "
                "differ): no coverage difference map"
            )
        else:
            path = plots / "coverage_difference.png"
            figures.append(
                (
                    "coverage_difference",
                    lambda: plot_coverage_difference(folders, names, diff, path),
                )
            )
    return figures, notes


def _draw(
    folders: Sequence[ResultsFolder], names: Sequence[str], plots: Path
) -> tuple[list[Path], list[str]]:
    """Draw the comparison figures into ``plots``; return the files and the notes."""
    figures, notes = _figures(folders, names, plots)
    return [draw() for _, draw in figures], notes


def _write_report(out: Path) -> Path:
    """report.html through sim.present.report.run.write_compare_report."""
    from sim.present.report.run import write_compare_report

    return write_compare_report(out)


def compare(
    folders: Sequence[str | Path],
    out: str | Path | None = None,
    names: Sequence[str] | None = None,
    errors: list[FigureFailure] | None = None,
) -> Comparison | SweepComparison:
    """Compare two or more results folders and write the comparison into ``out``.

    Parameters
    ----------
    folders
        Results folders written by ``ceasefire-sim run`` (two or more), or sweep
        folders (then ``sim.present.sweep_compare.compare_sweeps`` overlays their curves).
    out
        The compare folder; default ``results/compare/<name1>-vs-<name2>...``
        (relative to the working directory). An existing compare folder is
        replaced; any other non-empty folder is refused.
    names
        Column names for the runs; default the scenario names, made unique by
        adding the seed, then the folder name.
    errors
        A list that collects the figures (and report) that failed; without it,
        ``sim.present.drawing.FiguresFailed`` is raised after the data and the other figures
        are written. Either way the failures are also in ``Comparison.failures``.

    Returns
    -------
    Comparison
        The table (``table_text()`` prints it), the runs, the files written.

    Raises
    ------
    SimError
        Fewer than two folders, a folder that is not a results folder, names
        that do not match the folders, or a destination that must not be
        overwritten.
    """
    from sim.sweep import is_sweep_folder

    kinds = {is_sweep_folder(p) for p in folders}
    if kinds == {True}:
        from sim.present.sweep_compare import compare_sweeps

        return compare_sweeps(list(folders), out, list(names) if names else None)
    if len(kinds) > 1:
        raise SimError("compare takes results folders or sweep folders, not a mix of both")
    if len(folders) < 2:
        raise SimError(
            f"compare needs at least two results folders; got {len(folders)}"
            + (f" ({folders[0]})" if folders else "")
        )
    runs_on_disk = [ResultsFolder(p) for p in folders]
    for folder in runs_on_disk:
        folder.check()  # a damaged file is named now, not as a failed figure later
    if names is None:
        names = unique_names(runs_on_disk)
    else:
        names = list(names)
        if len(names) != len(runs_on_disk):
            raise SimError(f"got {len(names)} names for {len(runs_on_disk)} results folders")
        if len(set(names)) != len(names):
            raise SimError(f"run names must be unique; got {', '.join(names)}")
    out = Path(out) if out is not None else default_out(names)
    _check_destination(out, runs_on_disk)

    runs = [
        Run(
            name=name,
            path=f.path.resolve(),
            seed=f.manifest.get("seed"),
            scenario=str(f.manifest.get("name", f.path.name)),
        )
        for f, name in zip(runs_on_disk, names, strict=True)
    ]
    metrics, values = _collect(runs_on_disk)
    comparison = Comparison(out=out, runs=runs, metrics=metrics, values=values)

    figures, comparison.notes = _figures(runs_on_disk, names, out / "plots")
    with temporary(out) as tmp:
        write_metrics_csv(comparison, tmp / "metrics.csv")
        (tmp / "metrics.md").write_text(comparison.table_markdown(), encoding="utf-8")
        (tmp / COMPARE_MARKER).write_text(
            json.dumps([r.to_json() for r in runs], indent=2) + "\n", encoding="utf-8"
        )
        publish(tmp, out)
    # the data is published: figures and the report are drawn into it, each on its own
    (out / "plots").mkdir(exist_ok=True)
    remove_stale_files(out / "plots")
    for name, draw in figures:
        path = attempt(name, draw, comparison.failures)
        if path is not None:
            comparison.plots.append(path)
    attempt("report.html", lambda: _write_report(out), comparison.failures)
    record(out, comparison.failures, None)
    if errors is None and comparison.failures:
        raise FiguresFailed(comparison.failures)
    if errors is not None:
        errors.extend(comparison.failures)
    return comparison
