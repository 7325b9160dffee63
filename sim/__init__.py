"""ceasefire-sim: a discrete-event simulator of ceasefire monitoring and verification.

Python API::

    import sim
    scenario = sim.load_scenario("scenarios/quickstart.yaml")
    result = sim.run(scenario, seed=1)
    result.events["detected"].mean(), result.metrics()["latency.median_s"]
"""

from sim.engine import RunResult, run
from sim.errors import ScenarioError, SimError
from sim.scenario import Scenario, load_scenario

__version__ = "0.1.0"

__all__ = ["RunResult", "Scenario", "ScenarioError", "SimError", "load_scenario", "run"]
