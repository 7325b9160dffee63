"""Revisit of orbiting satellites per latitude band, from the zone cells of coverage.csv.

An orbit's revisit depends above all on latitude (tracks converge towards the
poles), so the zone cells are binned by ``lat`` and each band shows the mean time
between satellite images over its cells (with the range across them) and the mean
number of images per day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from sim.present.figures.style import (
    BLUE,
    PURPLE,
    as_folder,
    duration_s,
    empty_note,
    new_axes,
    set_title,
)
from sim.schema import COVERAGE, GRID_ZONE, GROUND_TRACKS, SATELLITE_IMAGES, SATELLITE_REVISIT
from sim.store.read import ResultsFolder

#: Candidate latitude band widths (deg), finest first.
BAND_WIDTHS_DEG = (0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
#: Bands wanted: the coarsest candidate width giving at least MIN_BANDS is used.
MIN_BANDS = 8
DAY_S = 86_400.0
HOUR_S = 3_600.0


def band_count(lat: np.ndarray, width: float) -> int:
    """Bands of ``width`` deg (aligned on its multiples) that the latitudes span."""
    return math.floor(float(np.max(lat)) / width) - math.floor(float(np.min(lat)) / width) + 1


def band_width(lat: np.ndarray, min_bands: int = MIN_BANDS) -> float:
    """The coarsest width (deg) of :data:`BAND_WIDTHS_DEG` giving at least ``min_bands`` bands.

    Consecutive candidates differ by at most 2.5 times, so that gives at most about
    ``2.5 min_bands + 1`` bands (21 for 8); a span too narrow for ``min_bands`` of the
    finest width gets the finest. Non-finite latitudes are ignored.
    """
    lat = np.asarray(lat, dtype=float)
    lat = lat[np.isfinite(lat)]
    if len(lat) == 0:
        return BAND_WIDTHS_DEG[-1]
    for w in reversed(BAND_WIDTHS_DEG):
        if band_count(lat, w) >= min_bands:
            return w
    return BAND_WIDTHS_DEG[0]


@dataclass(frozen=True)
class LatitudeBands:
    """Satellite revisit per latitude band (only bands that hold zone cells).

    Attributes
    ----------
    width
        Band width, deg.
    lo
        Southern edge of each band, deg (the band is [lo, lo + width)).
    cells
        Zone cells per band.
    revisit_mean_h, revisit_min_h, revisit_max_h
        Mean, least and greatest of the cells' mean revisit, hours (NaN: no cell of
        the band had two images).
    images_per_day
        Mean over the band's cells of the images per day.
    """

    width: float
    lo: np.ndarray
    cells: np.ndarray
    revisit_mean_h: np.ndarray
    revisit_min_h: np.ndarray
    revisit_max_h: np.ndarray
    images_per_day: np.ndarray

    @property
    def centre(self) -> np.ndarray:
        """Band centres, deg."""
        return self.lo + 0.5 * self.width


def latitude_bands(
    lat: np.ndarray, images: np.ndarray, revisit_s: np.ndarray, duration: float
) -> LatitudeBands:
    """Bin zone cells by latitude (deg): revisit (s -> h) and images per day per band.

    ``images`` per cell over ``duration`` s; ``revisit_s`` per cell, NaN when it had
    fewer than two images. Cells with a non-finite latitude are left out.
    """
    lat = np.asarray(lat, dtype=float)
    images = np.asarray(images, dtype=float)
    revisit = np.asarray(revisit_s, dtype=float)
    ok = np.isfinite(lat)
    lat, images, revisit = lat[ok], images[ok], revisit[ok]
    width = band_width(lat)
    index = np.floor(lat / width).astype(np.int64)
    bands = np.unique(index)
    n = len(bands)
    cells = np.zeros(n, dtype=np.int64)
    mean, low, high, per_day = (np.full(n, np.nan) for _ in range(4))
    days = duration / DAY_S if duration > 0 else math.nan
    for k, b in enumerate(bands):
        sel = index == b
        cells[k] = int(sel.sum())
        r = revisit[sel]
        r = r[np.isfinite(r)]
        if len(r):
            mean[k], low[k], high[k] = r.mean() / HOUR_S, r.min() / HOUR_S, r.max() / HOUR_S
        im = images[sel]
        im = im[np.isfinite(im)]
        if len(im):
            per_day[k] = im.mean() / days
    return LatitudeBands(width, bands * width, cells, mean, low, high, per_day)


def has_satellite_columns(folder: ResultsFolder) -> bool:
    """Whether coverage.csv has the per-cell satellite columns (read from its header)."""
    path = Path(folder.path) / COVERAGE
    try:
        with path.open(encoding="utf-8") as handle:
            header = handle.readline().strip().split(",")
    except OSError:
        return False
    return SATELLITE_IMAGES in header and SATELLITE_REVISIT in header


def wants_revisit_by_latitude(folder: ResultsFolder) -> bool:
    """The figure is drawn for runs with orbiting satellites (ground_tracks.csv) and columns."""
    return folder.has(GROUND_TRACKS) and has_satellite_columns(folder)


def plot_revisit_by_latitude(folder: ResultsFolder, ax: Axes | None = None) -> Axes:
    """Mean satellite revisit (h, with the range over cells) and images per day by latitude."""
    folder = as_folder(folder)
    ax = new_axes(ax)
    cov = folder.coverage
    zone = np.asarray(cov["grid"]) == GRID_ZONE
    set_title(ax, folder, "Satellite revisit by latitude")
    ax.set_xlabel("latitude (deg N), band centre")
    ax.set_ylabel("mean time between images (h)")
    if "lat" not in cov.columns or not zone.any():
        empty_note(ax, "no zone cells with a latitude")
        return ax
    bands = latitude_bands(
        np.asarray(cov["lat"], dtype=float)[zone],
        np.asarray(cov[SATELLITE_IMAGES], dtype=float)[zone],
        np.asarray(cov[SATELLITE_REVISIT], dtype=float)[zone],
        duration_s(folder),
    )
    x = bands.centre
    has = np.isfinite(bands.revisit_mean_h)
    ax.vlines(
        x[has],
        bands.revisit_min_h[has],
        bands.revisit_max_h[has],
        colors=PURPLE,
        linewidths=3.0,
        alpha=0.35,
        zorder=2,
    )
    ax.plot(x[has], bands.revisit_mean_h[has], "o-", color=PURPLE, markersize=4, zorder=3)
    if has.any():
        ax.set_ylim(bottom=0.0, top=1.08 * float(np.nanmax(bands.revisit_max_h)))
    else:
        empty_note(ax, "no zone cell was imaged twice: no revisit to show")
    twin = ax.twinx()
    twin.plot(x, bands.images_per_day, "s--", color=BLUE, markersize=3.5, linewidth=1.0, zorder=3)
    top = float(np.nanmax(bands.images_per_day)) if np.isfinite(bands.images_per_day).any() else 1
    twin.set_ylim(0.0, 1.08 * max(top, 1e-9))
    twin.set_ylabel("images per day (mean over cells)", color=BLUE)
    twin.tick_params(axis="y", colors=BLUE)
    pad = 0.5 * bands.width
    ax.set_xlim(float(x.min()) - pad, float(x.max()) + pad)
    ax.grid(True, linewidth=0.3, alpha=0.5)
    handles = [
        Line2D([], [], color=PURPLE, marker="o", markersize=4, label="mean revisit"),
        Line2D([], [], color=PURPLE, linewidth=3.0, alpha=0.35, label="range over the cells"),
        Line2D(
            [], [], color=BLUE, marker="s", linestyle="--", markersize=3.5, label="images per day"
        ),
    ]
    ax.legend(
        handles=handles,
        loc="best",
        fontsize=8,
        framealpha=0.9,
        title=f"{bands.width:g} deg bands, {int(bands.cells.sum())} zone cells",
        title_fontsize=8,
    )
    return ax
