"""ceasefire-sim: a discrete-event simulator of ceasefire monitoring and verification.

Python API::

    import sim
    scenario = sim.load_scenario("scenarios/quickstart.yaml")
    result = sim.run(scenario, seed=1)          # a sim.pipeline.Run
    result.events["detected"].mean(), result.metrics()["latency.median_s"]

``result`` has the run's tables (``events``, ``detections``, ``assets``), its plan
``pieces``, its ``coverage`` and ``metrics()``; ``sim.run(..., out=folder)`` also
writes the results folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.core.errors import ScenarioError, SimError

if TYPE_CHECKING:
    from sim.engine.model import RunResult
    from sim.pipeline import Run, run
    from sim.spec.load import load_scenario
    from sim.spec.scenario import Scenario

__version__ = "0.1.0"

_LAZY = {
    "RunResult": "sim.engine.model",
    "Run": "sim.pipeline",
    "run": "sim.pipeline",
    "Scenario": "sim.spec.scenario",
    "load_scenario": "sim.spec.load",
}


def __getattr__(name: str) -> Any:
    """Import the engine and the scenario models only when first used.

    A lazy facade: `import sim`, and so the command line's start, loads no engine.
    """
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


__all__ = ["Run", "RunResult", "Scenario", "ScenarioError", "SimError", "load_scenario", "run"]
