"""Where along and across the line a violation is: its sector and its withdrawal band.

``line.sectors`` names chainage ranges ``[from, to]``; a violation whose chainage lies in
none of them has sector ``""`` (it counts in the whole-line metrics only). A chainage on
the end shared by two sectors belongs to the one that starts first. ``line.bands`` names
half-widths behind the line; a violation's band is the narrowest whose half-width holds
its ``|offset|``, and ``""`` beyond the widest.
"""

from __future__ import annotations

import numpy as np

from sim.core.tables import Table
from sim.spec.scenario import Scenario


def sector_labels(chainage, sectors: dict[str, tuple[float, float]]) -> np.ndarray:
    """The sector name of each chainage (m), ``""`` outside every sector."""
    c = np.asarray(chainage, dtype=float)
    out = np.full(c.shape, "", dtype=object)
    for name, (lo, hi) in sorted(sectors.items(), key=lambda item: item[1][0]):
        out[(out == "") & (c >= lo) & (c <= hi)] = name
    return out


def band_labels(offset, bands: dict[str, float]) -> np.ndarray:
    """The narrowest band holding each ``|offset|`` (m), ``""`` beyond every band."""
    distance = np.abs(np.asarray(offset, dtype=float))
    out = np.full(distance.shape, "", dtype=object)
    for name, half in sorted(bands.items(), key=lambda item: item[1]):
        out[(out == "") & (distance <= half)] = name
    return out


def band_order(bands: dict[str, float]) -> list[str]:
    """Band names from the narrowest to the widest (ties in the scenario's order)."""
    return [name for name, _ in sorted(bands.items(), key=lambda item: item[1])]


def sector_order(sectors: dict[str, tuple[float, float]]) -> list[str]:
    """Sector names in chainage order."""
    return [name for name, _ in sorted(sectors.items(), key=lambda item: item[1][0])]


def label_places(scenario: Scenario, events: Table) -> None:
    """Add the ``sector`` and ``band`` columns to a run's events, when the line names them.

    Without ``line.sectors`` (``line.bands``) the column is not added, so the events of a
    scenario without them are as before they existed.
    """
    if scenario.line.sectors is not None:
        events.data["sector"] = sector_labels(events["chainage_m"], scenario.line.sectors)
    if scenario.line.bands is not None:
        events.data["band"] = band_labels(events["offset_m"], scenario.line.bands)
