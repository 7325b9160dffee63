"""Detection and verification per sector of the line, from events.csv's ``sector`` column.

``place_counts`` tallies a results folder's events per sector (or band) named in its
scenario; ``plot_sectors`` draws them as bars with 95 % Wilson intervals. Both read the
saved folder only.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes

from sim.measure.metrics import wilson_interval
from sim.present.figures.style import (
    BLUE,
    GREEN,
    as_folder,
    empty_note,
    interval_errors,
    new_axes,
    set_title,
)
from sim.schema import EVENTS
from sim.store.read import ResultsFolder


@dataclass(frozen=True)
class PlaceCount:
    """One sector's (band's) tally: violations, detected and verified."""

    name: str
    n: int
    detected: int
    verified: int

    def share(self, which: str) -> tuple[float, float, float]:
        """``detected`` or ``verified`` share with its 95 % Wilson bounds (NaN when empty)."""
        k = getattr(self, which)
        if self.n == 0:
            return np.nan, np.nan, np.nan
        low, high = wilson_interval(k, self.n)
        return k / self.n, low, high


def place_names(folder: ResultsFolder, kind: str) -> list[str]:
    """The sectors (chainage order) or bands (narrowest first) of the folder's scenario."""
    line = folder.spec.line
    if kind == "sector":
        return [n for n, _ in sorted((line.sectors or {}).items(), key=lambda i: i[1][0])]
    return [n for n, _ in sorted((line.bands or {}).items(), key=lambda i: i[1])]


def text_column(folder: ResultsFolder, name: str) -> np.ndarray:
    """A column of events.csv as the strings written.

    Names such as ``1`` or ``true`` stay text; the folder's typed table would read them
    as numbers or booleans.
    """
    with (folder.path / EVENTS).open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        j = header.index(name)
        return np.array([row[j] for row in reader], dtype=object)


def place_counts(folder: ResultsFolder, kind: str) -> list[PlaceCount]:
    """Per sector (``kind='sector'``) or band (``'band'``), from events.csv."""
    events = folder.events
    if kind not in events.columns:
        return []
    label = text_column(folder, kind)
    detected = np.asarray(events["detected"], dtype=bool)
    verified = np.asarray(events["verified"], dtype=bool)
    out = []
    for name in place_names(folder, kind):
        mask = label == name
        out.append(
            PlaceCount(name, int(mask.sum()), int(detected[mask].sum()), int(verified[mask].sum()))
        )
    return out


def wants_sectors(folder: ResultsFolder) -> bool:
    """The figure is drawn for runs whose events carry a ``sector`` column."""
    return "sector" in folder.events.columns


def plot_sectors(folder: ResultsFolder, ax: Axes | None = None) -> Axes:
    """Detection and verification probability per sector: bars, 95 % Wilson intervals."""
    folder = as_folder(folder)
    ax = new_axes(ax)
    counts = place_counts(folder, "sector")
    set_title(ax, folder, "Detection and verification by sector")
    ax.set_ylabel("probability")
    ax.set_ylim(0.0, 1.15)
    if not counts:
        empty_note(ax, "no sectors (line.sectors)")
        return ax
    x = np.arange(len(counts))
    width = 0.38
    for shift, which, colour, label in (
        (-0.5, "detected", BLUE, "detected"),
        (0.5, "verified", GREEN, "verified"),
    ):
        shares = np.array([c.share(which) for c in counts])
        p, low, high = shares[:, 0], shares[:, 1], shares[:, 2]
        ax.bar(x + shift * width, np.nan_to_num(p), width, color=colour, label=label)
        ax.errorbar(
            x + shift * width,
            p,
            yerr=interval_errors(p, low, high),
            fmt="none",
            ecolor="black",
            elinewidth=1.0,
            capsize=3,
        )
    ax.set_xticks(x, [f"{c.name}\nn = {c.n}" for c in counts])
    ax.set_xlabel("sector (n: violations in it; bars: 95 % Wilson intervals)")
    ax.grid(True, axis="y", linewidth=0.3, alpha=0.5)
    ax.legend(loc="upper right", fontsize=8)
    return ax
