"""Scenario -> engine -> measure -> store: the one composition of a run.

The command line's ``run``, the sweep workers and ``sim.run`` all run a scenario
through ``run`` below: the engine simulates (``sim.engine.model``), coverage and
metrics are measured from its tables and plan pieces (``sim.measure``), and, given
a folder, the results are written there (``sim.store.write``). A run's counterfactual
baselines (``sim.measure.baselines``: the naive counterpart against an adapting side
with ``naive_baseline``, the uncued one with ``cueing`` and ``cueing_baseline``) are run
first through the engine too (same seed, one thing removed, no coverage) and only
their chosen figures are kept.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.core.geo import Line
from sim.core.tables import Table
from sim.engine import model as engine
from sim.measure import baselines, metrics
from sim.measure.coverage import Coverage
from sim.measure.coverage import compute as compute_coverage
from sim.spec.scenario import Scenario
from sim.store.write import write_results
from sim.world.assets.base import Piece
from sim.world.assets.drone import Station
from sim.world.sky import clear_fraction
from sim.world.violations import Violations


@dataclass(frozen=True)
class Run:
    """One run: the engine's result, its coverage (None when skipped), and its wall time.

    The result's tables and pieces read through (``run.events``, ``run.pieces``);
    ``metrics()`` gives the figures of metrics.json. ``baseline``: the kept figures of
    its counterparts (``naive.*``, ``uncued.*``: ``sim.measure.baselines``), None
    without one.
    """

    result: engine.RunResult
    coverage: Coverage | None
    wall_seconds: float
    baseline: dict[str, Any] | None = None

    def metrics(self) -> dict[str, Any]:
        """The run's figures, flat dotted keys (see ``sim.measure.metrics.compute``)."""
        r = self.result
        out = metrics.compute(
            r.scenario,
            r.events,
            r.detections,
            r.assets,
            r.violations.type_names,
            r.asset_stats,
            self.coverage,
            clear_fraction(r.sky),
            cueing=r.cueing,
        )
        if self.baseline is not None:
            out.update(self.baseline)
            out.update(baselines.differences(r.scenario, out))
        return out

    @property
    def scenario(self) -> Scenario:
        """The scenario that was run."""
        return self.result.scenario

    @property
    def seed(self) -> int:
        """The seed it was run with."""
        return self.result.seed

    @property
    def line(self) -> Line:
        """The projected line."""
        return self.result.line

    @property
    def violations(self) -> Violations:
        """The violations that happened."""
        return self.result.violations

    @property
    def events(self) -> Table:
        """One row per violation (``sim.engine.model.RunResult``)."""
        return self.result.events

    @property
    def detections(self) -> Table:
        """Every detection and false alarm."""
        return self.result.detections

    @property
    def assets(self) -> Table:
        """One row per asset."""
        return self.result.assets

    @property
    def asset_stats(self) -> dict[str, dict[str, float]]:
        """Each asset group's figures, by group name."""
        return self.result.asset_stats

    @property
    def pieces(self) -> list[Piece]:
        """The plan pieces of every asset."""
        return self.result.pieces

    @property
    def stations(self) -> list[Station]:
        """The drone patrol stations."""
        return self.result.stations


def run(
    scenario: Scenario,
    seed: int | None = None,
    coverage: bool = True,
    out: str | Path | None = None,
    started_at: dt.datetime | None = None,
    command: list[str] | None = None,
) -> Run:
    """Run one replication of ``scenario``, measure it and, given ``out``, write it there.

    ``seed`` overrides the scenario's seed; ``coverage=False`` skips the coverage
    figures. ``out``, ``started_at`` and ``command`` are those of
    ``sim.store.write.write_results``. The counterparts of the run's baselines
    (``sim.measure.baselines``: naive, uncued) run first, one engine run each (their
    wall time counts in the run's), and their kept figures join the metrics.
    """
    started = time.perf_counter()
    baseline = None
    for kind in baselines.active(scenario):  # only its figures are kept: its tables are freed
        counterpart = Run(engine.run(kind.counterpart(scenario), seed), None, 0.0)
        baseline = {**(baseline or {}), **kind.figures(counterpart.metrics())}
        del counterpart
    result = engine.run(scenario, seed)  # looked up at each call: tests stand in for it
    cover = None
    if coverage:
        cover = compute_coverage(
            result.pieces,
            result.asset_list,
            result.line,
            scenario.line.cell,
            scenario.duration,
            orbits=any(s.orbit is not None for s in scenario.satellites),
        )
    done = Run(result, cover, time.perf_counter() - started, baseline)
    if out is not None:
        write_results(done, out, started_at, command)
    return done
