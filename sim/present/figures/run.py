"""The figures of a run, drawn from a saved results folder only: the registry ``PLOTS``.

Every figure is a function ``plot_<name>(folder, ax=None)`` that reads a
:class:`sim.store.read.ResultsFolder` and returns the matplotlib ``Axes`` it drew
on (a new 8 x 5 in figure when ``ax`` is None); nothing here sees the live engine.
The functions live by subject: ``map``, ``zones`` (coverage and revisit maps),
``timelines`` (space-time, coverage over time), ``latency`` (CDFs),
``along_line`` and ``revisit`` (orbiting satellites' revisit by latitude); ``sky``
holds the night, overcast and ground-track layers.

``PLOTS`` maps each figure's name to a :class:`PlotSpec`: the function, its
reading aid (``sim.present.captions``) and the files it needs. ``draw_all(folder)``
writes every figure whose files exist to ``<folder>/plots/<name>.png`` and skips
the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.present.captions import RUN_FIGURES
from sim.present.drawing import FigureFailure, FiguresFailed, attempt, save_figure
from sim.present.figures.along_line import plot_detection_along_line
from sim.present.figures.hours import plot_by_hour, wants_by_hour
from sim.present.figures.latency import plot_latency_cdf, plot_report_latency_cdf
from sim.present.figures.map import plot_map
from sim.present.figures.places import plot_sectors, wants_sectors
from sim.present.figures.revisit import plot_revisit_by_latitude, wants_revisit_by_latitude
from sim.present.figures.style import DPI, as_folder
from sim.present.figures.timelines import plot_coverage_time, plot_spacetime
from sim.present.figures.zones import plot_coverage_map, plot_revisit_map
from sim.schema import COVERAGE, GROUND_TRACKS
from sim.store.read import ResultsFolder


@dataclass(frozen=True)
class PlotSpec:
    """One figure of the registry.

    Attributes
    ----------
    draw
        ``draw(folder, ax=None) -> Axes``.
    aid
        A one-line reading aid for the report, saying what to look for.
    needs
        Files of the results folder the figure reads; ``draw_all`` skips the
        figure when one is absent.
    when
        Optional further condition on the folder (e.g. columns a file must have);
        ``draw_all`` skips the figure when it is false.
    """

    draw: Callable[..., Axes]
    aid: str
    needs: tuple[str, ...]
    when: Callable[[ResultsFolder], bool] | None = None

    def drawable(self, folder: ResultsFolder) -> bool:
        """Whether ``folder`` holds what the figure reads (files, then ``when``)."""
        if not all(folder.has(f) for f in self.needs):
            return False
        return self.when is None or self.when(folder)


def _spec(
    name: str,
    draw: Callable[..., Axes],
    *needs: str,
    when: Callable[[ResultsFolder], bool] | None = None,
) -> PlotSpec:
    return PlotSpec(draw, RUN_FIGURES[name].aid, needs, when)


PLOTS: dict[str, PlotSpec] = {
    "map": _spec("map", plot_map, "line.geojson", "events.csv"),
    "spacetime": _spec("spacetime", plot_spacetime, "coverage_spacetime.npz", "events.csv"),
    "coverage_map": _spec("coverage_map", plot_coverage_map, "coverage.csv"),
    "revisit_map": _spec("revisit_map", plot_revisit_map, "coverage.csv"),
    "coverage_time": _spec("coverage_time", plot_coverage_time, "coverage_time.csv"),
    "detection_along_line": _spec("detection_along_line", plot_detection_along_line, "events.csv"),
    "latency_cdf": _spec("latency_cdf", plot_latency_cdf, "events.csv"),
    "report_latency_cdf": _spec("report_latency_cdf", plot_report_latency_cdf, "events.csv"),
    "revisit_by_latitude": _spec(
        "revisit_by_latitude",
        plot_revisit_by_latitude,
        COVERAGE,
        GROUND_TRACKS,
        when=wants_revisit_by_latitude,
    ),
    "sectors": _spec("sectors", plot_sectors, "events.csv", when=wants_sectors),
    "by_hour": _spec("by_hour", plot_by_hour, "events.csv", when=wants_by_hour),
}


def available(folder: ResultsFolder | str | Path) -> list[str]:
    """Names of the figures in ``PLOTS`` whose input files ``folder`` holds."""
    folder = as_folder(folder)
    return [name for name, spec in PLOTS.items() if spec.drawable(folder)]


def draw_all(
    folder: ResultsFolder | str | Path,
    out_dir: str | Path | None = None,
    names: Sequence[str] | None = None,
    dpi: int = DPI,
    errors: list[FigureFailure] | None = None,
) -> list[Path]:
    """Draw every figure the folder's files allow to ``<out_dir>/<name>.png``.

    Each figure is saved to a temporary file and renamed into place. A figure that
    fails does not stop the others: with ``errors`` given, its failure is appended
    there; without, ``FiguresFailed`` is raised after the other figures are drawn.

    Parameters
    ----------
    folder
        A results folder (or its path).
    out_dir
        Where the PNGs go; default ``<folder>/plots``.
    names
        Only these figures (default: all of ``PLOTS``). Figures whose input files
        are absent are skipped, not errors.
    dpi
        Resolution, dots per inch (figures are 8 x 5 in).
    errors
        A list that collects the figures that failed (see ``sim.present.drawing``).

    Returns
    -------
    list of Path
        The PNG files written, in ``PLOTS`` order.
    """
    folder = as_folder(folder)
    out = Path(out_dir) if out_dir is not None else folder.path / "plots"
    unknown = sorted(set(names or ()) - set(PLOTS))
    if unknown:
        raise ValueError(f"unknown plot name(s) {unknown}; known: {sorted(PLOTS)}")
    wanted = [n for n in available(folder) if names is None or n in names]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    failures: list[FigureFailure] = [] if errors is None else errors
    for name in wanted:

        def one(name: str = name) -> Path:
            ax = PLOTS[name].draw(folder)
            fig = ax.figure
            assert isinstance(fig, Figure)
            path = save_figure(fig, out / f"{name}.png", dpi=dpi)
            fig.clear()
            return path

        path = attempt(name, one, failures)
        if path is not None:
            written.append(path)
    if errors is None and failures:
        raise FiguresFailed(failures)
    return written
