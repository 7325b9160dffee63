"""The naive counterpart of a run against an adapting side, and the gap: its exposure.

With ``violations.adversary`` of awareness above 0 and ``naive_baseline`` (the
default), ``sim.pipeline.run`` also runs the *naive counterpart*: the same scenario
and seed with the adversary removed (``naive_scenario``). Awareness 0 changes no draw
(docs/model.md section 21), so that run is exactly the run of the same violations
process, monitoring and sky against a side that does not adapt.

From the counterpart's metrics (``sim.measure.metrics.compute``, not recomputed here)
the headline detection and verification figures are kept under ``naive.``
(``is_chosen``; ``sim.measure.baselines`` keeps them): ``detection.probability``,
``verified.probability``, ``detection.by_class.<class>``, the sectors' and bands'
``detection.probability`` and
``verified.probability`` (each with its Wilson bounds), and the medians
``latency.median_s`` and ``verification_latency.median_s``. The gaps
``exposure.detection`` and ``exposure.verified`` are naive minus adapted (``gaps``):
the share of all violations the mechanism detects (verifies) only because the side
does not use what it knows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.schema import HIGH95, LOW95

if TYPE_CHECKING:
    from sim.spec.scenario import Scenario

NAIVE = "naive."  # prefix of the counterpart's figures in metrics.json
EXPOSURE = "exposure."
#: exposure.<name> = naive.<key> - <key>
GAPS = {"exposure.detection": "detection.probability", "exposure.verified": "verified.probability"}
HEADLINE = (
    "detection.probability",
    "verified.probability",
    "latency.median_s",
    "verification_latency.median_s",
)
PLACE_KINDS = ("sector.", "band.")
PLACE_PROBABILITIES = (".detection.probability", ".verified.probability")


def has_baseline(scenario: Scenario) -> bool:
    """Whether a run of ``scenario`` also runs its naive counterpart."""
    side = scenario.violations.adversary
    return side is not None and side.awareness > 0 and side.naive_baseline


def naive_scenario(scenario: Scenario) -> Scenario:
    """``scenario`` without its adversary: the naive counterpart (same seed, same all else)."""
    violations = scenario.violations.model_copy(update={"adversary": None})
    return scenario.model_copy(update={"violations": violations})


def is_chosen(key: str) -> bool:
    """Whether a metrics.json key of a run is one of the figures kept of its naive counterpart."""
    base = key.removesuffix(LOW95).removesuffix(HIGH95)
    if base in HEADLINE or base.startswith("detection.by_class."):
        return True
    return base.startswith(PLACE_KINDS) and base.endswith(PLACE_PROBABILITIES)


def gaps(metrics: dict[str, Any]) -> dict[str, float]:
    """``exposure.*`` of a run's metrics holding its naive figures: naive minus adapted."""
    return {gap: metrics[NAIVE + key] - metrics[key] for gap, key in GAPS.items()}
