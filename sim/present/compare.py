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
    <out>/report.html     ``sim.present.report.compare``

The folder is written under a temporary name beside its destination and renamed
at the end, like a results folder. An existing compare folder (it holds
compare.json) is replaced; any other non-empty folder is refused. The figures are
``sim.present.figures.compare``; numbers are printed by ``sim.present.format``.
"""

from __future__ import annotations

import csv
import fnmatch
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure

from sim.core.errors import SimError
from sim.measure.metrics import metric_unit
from sim.present import format as fmt
from sim.present.drawing import (
    FigureFailure,
    FiguresFailed,
    attempt,
    record,
    save_figure,
)
from sim.present.figures import compare as plots
from sim.present.report.compare import write_compare_report
from sim.schema import (
    COMPARE_LISTING,
    COMPARE_METRICS_CSV,
    COMPARE_METRICS_MD,
    COVERAGE,
    GRID_ZONE,
    HIGH95,
    LOW95,
    PLOTS,
)
from sim.store.files import csv_cell
from sim.store.outdir import COMPARE, check_out, publish, remove_stale_files, temporary
from sim.store.read import ResultsFolder
from sim.sweep.folder import is_sweep_folder

if TYPE_CHECKING:
    from sim.present.sweep_compare import SweepComparison

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
                text = fmt.metric(key, self.values[key][i])
                low, high = f"{key}.low95", f"{key}.high95"
                if low in keys and high in keys and _is_number(self.values[key][i]):
                    bounds = fmt.percent_bounds(self.values[low][i], self.values[high][i])
                    text += f" [{bounds}]" if bounds else ""
                cells.append(text)
            if len(self.runs) == 2:
                cells.append(fmt.metric(key, self.difference(key), signed=True))
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
# Metric keys and values


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def _interval_base(key: str) -> str | None:
    """The proportion whose Wilson bound ``key`` is (None for any other key)."""
    for suffix in (LOW95, HIGH95):
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return None


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
            row = [key, metric_unit(key), *(csv_cell(v) for v in comparison.values[key])]
            if two:
                row.append(csv_cell(comparison.difference(key)))
            writer.writerow(row)


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
    folders: Sequence[ResultsFolder], names: Sequence[str]
) -> tuple[list[tuple[str, Callable[[], Figure]]], list[str]]:
    """The figures to draw, as (name, draw) pairs, and notes on what is skipped and why."""
    figures: list[tuple[str, Callable[[], Figure]]] = [
        ("latency_cdf", lambda: plots.plot_latency_cdfs(folders, names)),
        ("detection_along_line", lambda: plots.plot_detection_along_line(folders, names)),
    ]
    notes = []
    absent = [n for f, n in zip(folders, names, strict=True) if not f.has(COVERAGE)]
    if absent:
        notes.append(
            f"no {COVERAGE} in {', '.join(absent)} (written before coverage was added?): "
            "coverage maps skipped"
        )
        return figures, notes
    no_zone = [
        n
        for f, n in zip(folders, names, strict=True)
        if not np.any(np.asarray(f.coverage["grid"]) == GRID_ZONE)
    ]
    if no_zone:
        notes.append(f"no zone cells in {COVERAGE} of {', '.join(no_zone)}: coverage maps skipped")
        return figures, notes
    figures.append(("coverage_maps", lambda: plots.plot_coverage_maps(folders, names)))
    if len(folders) == 2:
        diff = None
        if plots.same_line(*folders):
            cell = folders[0].spec.line.cell
            diff = plots.coverage_difference(folders[0].coverage, folders[1].coverage, cell)
        if diff is None:
            notes.append(
                "the two runs are not on the same line and grid (line points or cell size "
                "differ): no coverage difference map"
            )
        else:
            figures.append(
                (
                    "coverage_difference",
                    lambda: plots.plot_coverage_difference(folders, names, diff),
                )
            )
    return figures, notes


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

    figures, comparison.notes = _figures(runs_on_disk, names)
    with temporary(out) as tmp:
        write_metrics_csv(comparison, tmp / COMPARE_METRICS_CSV)
        (tmp / COMPARE_METRICS_MD).write_text(comparison.table_markdown(), encoding="utf-8")
        (tmp / COMPARE_LISTING).write_text(
            json.dumps([r.to_json() for r in runs], indent=2) + "\n", encoding="utf-8"
        )
        publish(tmp, out)
    # the data is published: figures and the report are drawn into it, each on its own
    (out / PLOTS).mkdir(exist_ok=True)
    remove_stale_files(out / PLOTS)
    for name, draw in figures:

        def one(name: str = name, draw: Callable[[], Figure] = draw) -> Path:
            return save_figure(draw(), out / PLOTS / f"{name}.png")

        path = attempt(name, one, comparison.failures)
        if path is not None:
            comparison.plots.append(path)
    attempt("report.html", lambda: write_compare_report(out), comparison.failures)
    record(out, comparison.failures, None)
    if errors is None and comparison.failures:
        raise FiguresFailed(comparison.failures)
    if errors is not None:
        errors.extend(comparison.failures)
    return comparison
