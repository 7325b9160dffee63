"""The keys of the headline metrics per sector of the line and per withdrawal band.

For each name of ``line.sectors`` (``line.bands``), over the violations of that sector
(band; events.csv's ``sector`` and ``band`` columns, ``sim.world.places``):
``<prefix>.violations.count``, ``<prefix>.detection.probability`` and
``<prefix>.verified.probability`` with 95 % Wilson intervals, and
``<prefix>.latency.median_s`` (detected violations), where ``<prefix>`` is
``sector.<name>`` or ``band.<name>`` (computed by ``sim.measure.metrics.place_metrics``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.spec.scenario import Scenario

PLACE_KINDS = (("sector", "sectors"), ("band", "bands"))  # (metric prefix / column, line key)
PROBABILITIES = ("detection.probability", "verified.probability")


def _with_interval(key: str) -> tuple[str, str, str]:
    return key, f"{key}.low95", f"{key}.high95"


def place_names(scenario: Scenario) -> list[tuple[str, str]]:
    """(kind, name) of every sector and band the scenario names, sectors first."""
    out = []
    for kind, key in PLACE_KINDS:
        for name in getattr(scenario.line, key) or {}:
            out.append((kind, name))
    return out


def place_metric_keys(scenario: Scenario) -> set[str]:
    """The keys ``place_metrics`` writes for ``scenario``."""
    out: set[str] = set()
    for kind, name in place_names(scenario):
        prefix = f"{kind}.{name}"
        out.update((f"{prefix}.violations.count", f"{prefix}.latency.median_s"))
        for key in PROBABILITIES:
            out.update(_with_interval(f"{prefix}.{key}"))
    return out
