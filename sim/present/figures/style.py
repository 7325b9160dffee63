"""What every figure shares: colours, sizes and small axes helpers.

Colours: the Okabe-Ito palette for categories (asset classes, outcomes, runs),
which stays distinct under the common colour-vision deficiencies; viridis and
cividis for continuous maps, where dark always means worse (little coverage,
long gaps).

Figures are plain ``matplotlib.figure.Figure`` objects, never ``pyplot``: no GUI
backend is needed and nothing is kept alive globally.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.store.read import ResultsFolder

# Okabe-Ito
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#999999"
#: Cued responders' flights (tip-and-cue): Paul Tol's wine, apart from every colour above.
CUE = "#882255"

CLASS_COLOURS = {"drone": ORANGE, "ground": SKY_BLUE, "satellite": PURPLE, "all": BLACK}
CLASS_LABELS = {
    "drone": "drone",
    "ground": "ground sensor",
    "satellite": "satellite",
    "all": "all",
}
OUTCOME_COLOURS = {"verified": GREEN, "detected": BLUE, "missed": VERMILLION}
#: One colour per compared run or sweep, in this order.
RUN_COLOURS = (BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY_BLUE, YELLOW, BLACK)

FIGSIZE = (8.0, 5.0)  # inches
DPI = 130

#: Violation markers shrink and fade when a figure holds more than this many.
DENSE_FROM = 400
#: Scatters with more points than this are rasterized in vector output.
RASTERIZE_ABOVE = 2000


def run_colour(i: int) -> str:
    """The colour of the i-th compared run (the palette repeats beyond eight)."""
    return RUN_COLOURS[i % len(RUN_COLOURS)]


def as_folder(folder: ResultsFolder | str | Path) -> ResultsFolder:
    """``folder`` as a ResultsFolder (a path is opened)."""
    return folder if isinstance(folder, ResultsFolder) else ResultsFolder(folder)


def new_figure(width: float, height: float) -> Figure:
    """A new figure of ``width`` x ``height`` inches (no pyplot: nothing global)."""
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def new_axes(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    """Return ``ax``, or the axes of a new figure."""
    if ax is not None:
        return ax
    return new_figure(*figsize).add_subplot()


def set_title(ax: Axes, folder: ResultsFolder, what: str) -> None:
    """Title a run figure: what it shows and the run's name."""
    ax.set_title(f"{what} - {folder.name}")


def duration_s(folder: ResultsFolder) -> float:
    """The simulated duration of the run, s."""
    return folder.spec.duration


def line_length_m(folder: ResultsFolder) -> float:
    """The line's length, m (from the manifest; older folders: the furthest violation)."""
    length = folder.manifest.get("line_length_m")
    if length is not None:
        return float(length)
    chainage = np.asarray(folder.events["chainage_m"], dtype=float)
    return float(np.nanmax(chainage)) if len(chainage) else 1.0


def time_unit(duration_s: float) -> tuple[float, str]:
    """Return (seconds per unit, unit name) for a time axis: days beyond 3 days, else hours."""
    return (86_400.0, "days") if duration_s > 3 * 86_400.0 else (3_600.0, "hours")


def outcomes(events) -> np.ndarray:
    """Each violation's outcome: ``verified``, ``detected`` (not verified) or ``missed``."""
    detected = np.asarray(events["detected"], dtype=bool)
    verified = np.asarray(events["verified"], dtype=bool)
    return np.where(verified, "verified", np.where(detected, "detected", "missed"))


def scatter(ax: Axes, x: np.ndarray, y: np.ndarray, **kwargs: Any) -> None:
    """``ax.scatter``, rasterized when it holds many points."""
    ax.scatter(x, y, rasterized=len(x) > RASTERIZE_ABOVE, **kwargs)


def marker_style(
    n: int, size: float, alpha: float = 1.0, min_size: float = 1.0, min_alpha: float = 0.3
) -> dict[str, float]:
    """Scatter size (points^2) and alpha for ``n`` points: smaller and fainter when many.

    Up to ``DENSE_FROM`` points keep ``size`` and ``alpha``; beyond, both shrink
    as sqrt(DENSE_FROM / n) (so the ink per area stays about constant), down to
    ``min_size`` and ``min_alpha`` so that no marker vanishes.
    """
    k = min(1.0, math.sqrt(DENSE_FROM / max(n, 1)))
    return {"s": max(min_size, size * k), "alpha": max(min(alpha, min_alpha), alpha * k)}


def interval_errors(estimate: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Return the (2, n) ``yerr`` of an errorbar from an estimate and its interval bounds.

    Both rows are >= 0 (a bound a rounding error on the wrong side of its estimate
    gives a zero-length bar, not matplotlib's "yerr must not contain negative
    values"); NaN stays NaN, so a point without an interval draws no bar.
    """
    est = np.asarray(estimate, dtype=float)
    below = est - np.asarray(low, dtype=float)
    above = np.asarray(high, dtype=float) - est
    with np.errstate(invalid="ignore"):
        return np.vstack([np.where(below < 0, 0.0, below), np.where(above < 0, 0.0, above)])


def empty_note(ax: Axes, text: str) -> None:
    """Say in the middle of an axes why it holds no data."""
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=10,
        bbox={"facecolor": "white", "edgecolor": GREY},
    )
