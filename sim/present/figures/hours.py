"""Detection and verification by hour of day: the local mean solar hour of each start.

From events.csv (``t_start_s``, ``lon``) and the scenario's ``start``: hour
``floor((UTC hours + lon / 15) mod 24)``, the clock of ``violations.diurnal``
(``sim.core.solar_time.solar_hour``). Lon/lat runs only: a local line has no
longitude.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from sim.core.solar_time import hour_bin, solar_hour
from sim.measure.metrics import wilson_interval
from sim.present.figures.style import (
    BLUE,
    GREEN,
    GREY,
    as_folder,
    empty_note,
    interval_errors,
    new_axes,
    set_title,
)
from sim.store.read import ResultsFolder

HOURS = 24


def by_hour(folder: ResultsFolder) -> dict[str, np.ndarray]:
    """Per local solar hour 0..23: ``n`` violations started, ``detected``, ``verified``."""
    events = folder.events
    lon = np.asarray(events["lon"], dtype=float)
    t = np.asarray(events["t_start_s"], dtype=float)
    ok = np.isfinite(lon)
    hour = hour_bin(solar_hour(folder.spec.start, t[ok], lon[ok]))
    out = {"n": np.bincount(hour, minlength=HOURS)}
    for key in ("detected", "verified"):
        hit = np.asarray(events[key], dtype=bool)[ok]
        out[key] = np.bincount(hour[hit], minlength=HOURS)
    return out


def wants_by_hour(folder: ResultsFolder) -> bool:
    """Drawn for lon/lat runs (the solar hour needs a longitude)."""
    return folder.is_geographic


def plot_by_hour(folder: ResultsFolder, ax: Axes | None = None) -> Axes:
    """Shares detected and verified per local solar hour of start (95 % Wilson intervals)."""
    folder = as_folder(folder)
    ax = new_axes(ax)
    set_title(ax, folder, "Detection and verification by hour of day")
    counts = by_hour(folder)
    n = counts["n"]
    hours = np.arange(HOURS) + 0.5
    bars = ax.twinx()
    bars.bar(hours, n, width=0.9, color=GREY, alpha=0.25, zorder=0, label="violations (right)")
    bars.set_ylabel("violations started in the hour")
    bars.set_ylim(0, max(1, int(n.max())) * 3)
    ax.set_zorder(bars.get_zorder() + 1)
    ax.patch.set_visible(False)
    if n.sum() == 0:
        empty_note(ax, "no violations")
    for shift, key, colour in ((-0.15, "detected", BLUE), (0.15, "verified", GREEN)):
        k = counts[key]
        live = n > 0
        p = np.where(live, k / np.maximum(n, 1), np.nan)
        bounds = np.array([wilson_interval(int(a), int(b)) for a, b in zip(k, n, strict=True)])
        low = np.where(live, bounds[:, 0], np.nan)
        high = np.where(live, bounds[:, 1], np.nan)
        ax.errorbar(
            hours[live] + shift,
            p[live],
            yerr=interval_errors(p[live], low[live], high[live]),
            fmt="o",
            markersize=4,
            color=colour,
            ecolor=colour,
            elinewidth=1.0,
            capsize=2,
            label=f"{key} (95 % Wilson interval)",
        )
    ax.set_xlim(0, HOURS)
    ax.set_xticks(range(0, HOURS + 1, 3))
    ax.set_ylim(0.0, 1.22)
    ax.set_yticks(np.linspace(0.0, 1.0, 6))
    ax.set_xlabel("local mean solar hour of the violation's start (UTC + longitude / 15)")
    ax.set_ylabel("probability")
    ax.grid(True, linewidth=0.3, alpha=0.5)
    lines, labels = ax.get_legend_handles_labels()
    more, more_labels = bars.get_legend_handles_labels()
    ax.legend(lines + more, labels + more_labels, loc="upper center", ncol=3, fontsize=7.5)
    return ax
