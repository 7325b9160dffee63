"""Counterfactual baselines: the same scenario and seed run again with one thing removed.

A run may carry counterparts (``BASELINES``), each run through the engine by
``sim.pipeline.run`` (no coverage, no folder), of which only chosen figures are kept
in the run's metrics under a prefix, with the differences they make:

- the naive counterpart (``sim.measure.exposure``): the adversary removed;
  ``naive.*`` and ``exposure.*``;
- the uncued counterpart (``sim.measure.uncued``): ``cueing`` removed; ``uncued.*`` and
  ``cueing.verified_gain``, ``cueing.verification_latency_gain_s``.

Each removes only its own thing: against an adapting side with cueing, the naive
counterpart keeps the cueing and the uncued one keeps the adversary. A counterpart
runs no counterpart of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.measure import exposure, uncued

if TYPE_CHECKING:
    from sim.spec.scenario import Scenario


@dataclass(frozen=True)
class Baseline:
    """One kind of counterpart: when it runs, what it removes, what it keeps and adds."""

    prefix: str  # of its figures in metrics.json
    has: Callable[[Scenario], bool]  # whether a run of the scenario runs it
    counterpart: Callable[[Scenario], Scenario]  # the scenario it runs
    chosen: Callable[[str], bool]  # whether a key of its metrics is one it keeps
    differences: Callable[[dict[str, Any]], dict[str, float]]  # of a run's metrics holding them
    difference_keys: tuple[str, ...]  # the keys ``differences`` gives

    def figures(self, metrics: dict[str, Any]) -> dict[str, Any]:
        """The kept figures of the counterpart's ``metrics``, keyed ``<prefix><key>``."""
        return {self.prefix + k: v for k, v in metrics.items() if self.chosen(k)}

    def keys(self, keys: set[str]) -> set[str]:
        """The keys it adds to a run whose own keys are ``keys``.

        Removing the adversary or the cueing leaves the run's other keys as they are, so
        the kept figures' keys are the chosen ones of ``keys``, prefixed; then the
        differences.
        """
        return {self.prefix + k for k in keys if self.chosen(k)} | set(self.difference_keys)


BASELINES = (
    Baseline(
        exposure.NAIVE,
        exposure.has_baseline,
        exposure.naive_scenario,
        exposure.is_chosen,
        exposure.gaps,
        tuple(exposure.GAPS),
    ),
    Baseline(
        uncued.UNCUED,
        uncued.has_baseline,
        uncued.uncued_scenario,
        uncued.is_chosen,
        uncued.gains,
        uncued.GAINS,
    ),
)
PREFIXES = tuple(b.prefix for b in BASELINES)
#: keys that are differences (may be negative): a baseline's minus the run's, or back
DIFFERENCES = frozenset(k for b in BASELINES for k in b.difference_keys)


def active(scenario: Scenario) -> list[Baseline]:
    """The baselines a run of ``scenario`` runs, in ``BASELINES`` order."""
    return [b for b in BASELINES if b.has(scenario)]


def differences(scenario: Scenario, metrics: dict[str, Any]) -> dict[str, float]:
    """Every active baseline's differences, from ``metrics`` holding their figures."""
    out: dict[str, float] = {}
    for b in active(scenario):
        out.update(b.differences(metrics))
    return out


def baseline_keys(scenario: Scenario, keys: set[str]) -> set[str]:
    """The keys the baselines add to a run of ``scenario`` whose own keys are ``keys``."""
    out: set[str] = set()
    for b in active(scenario):
        out |= b.keys(keys)
    return out


def is_difference(key: str) -> bool:
    """Whether a metrics.json key is a difference a baseline makes (it may be negative)."""
    return key in DIFFERENCES or key.startswith(exposure.EXPOSURE)
