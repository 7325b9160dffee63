"""Parameter sweeps: many runs of one scenario, varied along explicit axes, with replications.

A sweep file (YAML) names a base scenario, the values to vary (a ``grid`` of axes or
a ``sample`` of ranges), how many replications per point, which metrics to
summarise and, optionally, a target and costs. ``run_sweep`` validates every point
before any run, runs the points on an executor (inline, a local process pool or a
Dask cluster), records each finished run durably, resumes an interrupted sweep and
summarises the points. A sweep file::

    name: drones-vs-towers
    scenario: ../ukraine-line.yaml      # relative to this file
    seed: 1
    replications: 10
    set: {duration: 7d}                 # applied to every point
    grid:                               # the product of the axes; the first varies slowest
      - path: ground_sensors[1].spacing
        values: [5km, 10km, 20km]
      - paths: ["drones[0].count", "drones[0].patrol.stations"]  # varied together
        values: [[4, 1], [8, 2]]
    # or: sample: {method: lhs | random | sobol, n: 20, ranges: {PATH: [LOW, HIGH]}}
    metrics: [detection.probability, latency.median_s]   # default: DEFAULT_METRICS
    target: detection.probability >= 0.8
    cost:
      - {path: "drones[0].count", per_unit: 5}
      - {metric: assets.towers.sensors, per_unit: 1.5}
    keep_runs: false

(In YAML flow style -- inside [...] or {...} -- a path holding [ ] must be quoted.)
Every path must exist in the base scenario with its defaults filled in, and every
point must make a valid scenario; both are checked before any run, errors naming
the sweep file's key (``grid[0].values[1] (line 9)``). Sampled ranges may carry
units; integer fields sample integers. The sweep folder::

    results/sweeps/<name>/
        sweep.resolved.yaml     the sweep file with every default filled in
        scenario.resolved.yaml  the base scenario after ``set``, SI units
        manifest.json           kind "sweep", version, seed, executor, times, counts,
                                parameters, metrics, interval kinds, target, cheapest
        runs.csv                one row per run: point, replication, seed, one column
                                per parameter path (SI values), every scalar metric
                                (sorted), status (ok/error), error, wall_s
        summary.csv             one row per point: parameters, n, failed, then for each
                                summarised metric M: M.estimate, M.mean, M.std, M.n,
                                M.low95, M.high95; cost, meets_target, cheapest
        runs/p0003-r002/        per-run results folders (``keep_runs: true`` only)

Statistics (summary.csv). ``M.mean`` and ``M.std`` are the mean and sample
standard deviation of the per-run values over the point's ok runs (runs where M is
undefined, such as a latency with nothing detected, are left out; ``M.n`` counts the
runs used). ``M.estimate`` is the value the 95 % interval is about:

- proportions (metrics given with a Wilson interval in metrics.json: M.low95 exists,
  e.g. ``detection.probability``, ``verified.probability``, ``detection.by_class.*``,
  ``detection.probability_by_type.*``): the replications are pooled, estimate =
  sum of successes / sum of trials (trials: ``violations.count``, or
  ``violations.count_by_type.T`` for a type's probability), with the Wilson score
  interval of the pooled counts. This treats every violation as an independent
  trial; detections in one run share the assets' plans, so the pooled interval can
  be narrower than the between-run spread (compare it with M.std);
- every other metric: the mean, with the Student t interval mean +- t(0.975, n-1) x
  std / sqrt(n) (empty when n < 2).

A target ``METRIC OP NUMBER`` (OP one of >=, >, <=, <) is met by a point whose
conservative bound meets it: the lower 95 % bound for >= and >, the upper for <= and <.
The cost of a point is the sum of its cost items: ``{path: P, per_unit: C}`` costs
C x the value at scenario path P in that point (SI units: a count, metres, ...);
``{metric: M, per_unit: C}`` costs C x the mean of run metric M over the point's ok
runs (e.g. ``assets.towers.sensors``: the number of sensors the group places, or
``assets.mq9-centre.flight_hours``). ``cheapest`` marks the points meeting the target
at the lowest cost (ties all marked).

Seeds: run seed = ``SeedSequence(sweep seed, spawn_key=(point, replication))``'s first
32-bit word, so the runs are the same whatever the executor and the number of workers;
runs.csv, sorted by (point, replication) at the end, is then identical except for its
``wall_s`` column.

Resume: a sweep folder remembers a fingerprint of what the runs depend on (the sweep
seed and every point's resolved scenario). Running again with the same fingerprint
skips the (point, replication) pairs already in runs.csv (failed ones included) and
runs the rest; changing ``replications``, ``metrics``, ``target`` or ``cost`` keeps the
recorded runs; any other change is an error unless ``fresh=True``.

Modules: ``spec`` (the sweep file), ``plan`` (validation and seeds), ``records``
(the worker and runs.csv), ``stats`` (summaries), ``execute`` (executors, progress,
resume), ``folder`` (reading a finished sweep folder).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sim.schema import MANIFEST, RUNS, SUMMARY

if TYPE_CHECKING:
    from sim.sweep.execute import Progress, SweepOutcome, run_sweep, write_summary
    from sim.sweep.folder import SweepFolder, is_sweep_folder, read_sweep
    from sim.sweep.plan import Point, SweepPlan, load_sweep, run_seed
    from sim.sweep.records import RunLog, run_one
    from sim.sweep.spec import (
        DEFAULT_METRICS,
        HEAD_COLUMNS,
        TAIL_COLUMNS,
        AxisSpec,
        CostItem,
        SampleSpec,
        SweepSpec,
        Target,
        parse_target,
    )
    from sim.sweep.stats import interval_kinds, metric_stats, summarise

# name -> the module that defines it: imported when first used, so that reading a sweep
# folder (sim.present) loads neither the executor nor the engine
_LAZY = {
    "Progress": "sim.sweep.execute",
    "SweepOutcome": "sim.sweep.execute",
    "run_sweep": "sim.sweep.execute",
    "write_summary": "sim.sweep.execute",
    "SweepFolder": "sim.sweep.folder",
    "is_sweep_folder": "sim.sweep.folder",
    "read_sweep": "sim.sweep.folder",
    "Point": "sim.sweep.plan",
    "SweepPlan": "sim.sweep.plan",
    "load_sweep": "sim.sweep.plan",
    "run_seed": "sim.sweep.plan",
    "RunLog": "sim.sweep.records",
    "run_one": "sim.sweep.records",
    "DEFAULT_METRICS": "sim.sweep.spec",
    "HEAD_COLUMNS": "sim.sweep.spec",
    "TAIL_COLUMNS": "sim.sweep.spec",
    "AxisSpec": "sim.sweep.spec",
    "CostItem": "sim.sweep.spec",
    "SampleSpec": "sim.sweep.spec",
    "SweepSpec": "sim.sweep.spec",
    "Target": "sim.sweep.spec",
    "parse_target": "sim.sweep.spec",
    "interval_kinds": "sim.sweep.stats",
    "metric_stats": "sim.sweep.stats",
    "summarise": "sim.sweep.stats",
}


def __getattr__(name: str) -> Any:
    """Import a sweep name's module when the name is first used."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim.sweep' has no attribute {name!r}")


__all__ = [
    "AxisSpec",
    "CostItem",
    "MANIFEST",
    "Point",
    "RUNS",
    "RunLog",
    "SUMMARY",
    "SampleSpec",
    "interval_kinds",
    "metric_stats",
    "write_summary",
    "DEFAULT_METRICS",
    "HEAD_COLUMNS",
    "TAIL_COLUMNS",
    "Progress",
    "SweepFolder",
    "SweepOutcome",
    "SweepPlan",
    "SweepSpec",
    "Target",
    "is_sweep_folder",
    "load_sweep",
    "parse_target",
    "read_sweep",
    "run_one",
    "run_seed",
    "run_sweep",
    "summarise",
]
