"""Draw a published folder's figures and report: a run's, or a sweep's.

What ``ceasefire-sim run``, ``sweep`` and ``plot`` call once the data is written.
Each figure is drawn on its own (``sim.present.drawing``): one that fails is
recorded in ``plots/errors.log`` and the manifest's ``figures_failed``, and the
others, then the report, are still drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib

from sim.present.drawing import FigureFailure, attempt, record
from sim.present.figures import run as run_figures
from sim.present.figures import sweep as sweep_figures
from sim.present.report.run import write_report
from sim.present.report.sweep import write_sweep_report
from sim.schema import MANIFEST, PLOTS
from sim.store.outdir import remove_stale_files


def remove_stale_figures(plots: Path, keep: set[str]) -> None:
    """Remove PNGs in ``plots`` that are no longer drawn (neither written now nor failed)."""
    for png in plots.glob("*.png"):
        if png.name not in keep and not png.name.startswith("."):  # not another's temporary
            png.unlink()


def draw_run(folder: Path) -> tuple[list[Path], list[FigureFailure]]:
    """Draw every figure and the report of a published results folder."""
    return _draw_with(folder, run_figures.draw_all, write_report)


def draw_sweep(folder: Path) -> tuple[list[Path], list[FigureFailure]]:
    """Draw a finished sweep folder's figures and report."""
    return _draw_with(folder, sweep_figures.draw_all, write_sweep_report)


def _draw_with(
    folder: Path,
    draw_all: Callable[..., list[Path]],
    write_report: Callable[[Path], Path],
) -> tuple[list[Path], list[FigureFailure]]:
    """Draw a folder's figures, then its report; return the files written and failures.

    Existing figures are replaced one by one, never deleted first; a PNG that is no
    longer drawn is removed once the others are written.
    """
    matplotlib.use("Agg")  # files only: never a GUI backend, whatever the environment says
    failures: list[FigureFailure] = []
    remove_stale_files(folder / PLOTS)
    written = draw_all(folder, errors=failures)
    keep = {p.name for p in written} | {f"{f.name}.png" for f in failures}
    remove_stale_figures(folder / PLOTS, keep)
    report = attempt("report.html", lambda: write_report(folder), failures)
    record(folder, failures, MANIFEST)
    return [*written, *([report] if report else [])], failures
