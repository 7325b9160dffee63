"""The uncued counterpart of a run with tip-and-cue, and what cueing gains.

With ``cueing`` and ``cueing_baseline`` (the default), ``sim.pipeline.run`` also runs
the *uncued counterpart*: the same scenario and seed with ``cueing`` removed
(``uncued_scenario``), everything else kept (an adversary too: docs/model.md section
22). The cue dispatcher draws from its own streams (``cue_reports/<group>``) and
changes the plan of the responders it sends only, so that run is exactly the run of
the same violations, sky and monitoring whose responders stay on their patrols.

From the counterpart's metrics (``sim.measure.metrics.compute``, not recomputed here)
the verification figures are kept under ``uncued.`` (``is_chosen``;
``sim.measure.baselines`` keeps them):
``detection.probability`` and ``verified.probability`` (with their Wilson bounds),
``verification_latency.median_s``, and each sector's ``verified.probability`` (with
its bounds). The gains (``gains``) are ``cueing.verified_gain`` = verified with minus
verified without cueing, and ``cueing.verification_latency_gain_s`` = the median time
to verification without minus with cueing (NaN where either is undefined).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.schema import HIGH95, LOW95

if TYPE_CHECKING:
    from sim.spec.scenario import Scenario

UNCUED = "uncued."  # prefix of the counterpart's figures in metrics.json
HEADLINE = (
    "detection.probability",
    "verified.probability",
    "verification_latency.median_s",
)
SECTOR_FIGURE = ".verified.probability"
VERIFIED_GAIN = "cueing.verified_gain"
LATENCY_GAIN = "cueing.verification_latency_gain_s"
GAINS = (VERIFIED_GAIN, LATENCY_GAIN)


def has_baseline(scenario: Scenario) -> bool:
    """Whether a run of ``scenario`` also runs its uncued counterpart."""
    return bool(scenario.cueing) and scenario.cueing_baseline


def uncued_scenario(scenario: Scenario) -> Scenario:
    """``scenario`` without its cueing rules: the uncued counterpart (same seed, same all else)."""
    return scenario.model_copy(update={"cueing": []})


def is_chosen(key: str) -> bool:
    """Whether a metrics.json key of a run is one of the figures kept of its uncued counterpart."""
    base = key.removesuffix(LOW95).removesuffix(HIGH95)
    if base in HEADLINE:
        return True
    return base.startswith("sector.") and base.endswith(SECTOR_FIGURE)


def gains(metrics: dict[str, Any]) -> dict[str, float]:
    """The gains of cueing, from a run's metrics holding its uncued figures.

    ``cueing.verified_gain``: cued minus uncued share verified;
    ``cueing.verification_latency_gain_s``: uncued minus cued median time to verification.
    """
    latency = "verification_latency.median_s"
    return {
        VERIFIED_GAIN: metrics["verified.probability"] - metrics[UNCUED + "verified.probability"],
        LATENCY_GAIN: metrics[UNCUED + latency] - metrics[latency],
    }
