"""Metric names: the keys a scenario yields, known before any run, and sweep names checked
against them at planning time (issue 7: a bad name must be refused before any run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.core.errors import ScenarioError
from sim.measure.metrics import metric_keys
from sim.pipeline import run
from sim.spec.load import load_scenario
from sim.store.write import write_results
from sim.sweep import load_sweep, run_sweep

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
DATA = ROOT / "tests" / "data"

# Every asset kind, two deadlines of odd units, a violation type so rare it never happens
# in two days, false alarms, failures, satellite images.
EVERY_KIND = """\
name: every-kind
duration: 2d
line: {points: [[0, 0], [60000, 0]], crs: local, buffer: BUFFER, cell: 2km}
violations:
  rate: 20/day
  types: {raid: {weight: 1}, rare: {weight: 0.000001}}
reporting: {deadlines: [45s, 90min]}
drones:
  - {name: uav, count: 2, speed: 30m/s, sensor: {range: 3km}, false_alarm_rate: 0.1/h}
ground_sensors:
  - {name: ugs, spacing: 10km, sensor: {range: 2km}, mtbf: 5d}
satellites:
  - {name: sat, schedule: {every: 12h}}
"""

# A replay whose types are not declared: the file's types are the run's types.
REPLAY = """\
name: replay
duration: 1d
line: {points: [[0, 0], [100000, 0]], crs: local, buffer: 5km}
violations: {file: violations_xy.csv}
satellites:
  - {name: sat, schedule: {every: 6h}}
"""


def _scenario_files(tmp_path: Path) -> dict[str, Path]:
    every = tmp_path / "every.yaml"
    every.write_text(EVERY_KIND.replace("BUFFER", "5km"), encoding="utf-8")
    thin = tmp_path / "thin.yaml"  # a 1 m zone: no zone cell at a 2 km cell
    thin.write_text(EVERY_KIND.replace("BUFFER", "1m"), encoding="utf-8")
    replay = tmp_path / "replay.yaml"
    replay.write_text(REPLAY, encoding="utf-8")
    sky = tmp_path / "sky.yaml"
    quick = yaml.safe_load(QUICKSTART.read_text(encoding="utf-8"))
    quick["environment"] = {"clouds": {"clear": "12h", "overcast": "1d", "cell": "40km"}}
    sky.write_text(yaml.safe_dump(quick), encoding="utf-8")
    (tmp_path / "violations_xy.csv").write_bytes((DATA / "violations_xy.csv").read_bytes())
    return {
        "quickstart": QUICKSTART,
        "ukraine-line": ROOT / "scenarios" / "ukraine-line.yaml",
        "every-kind": every,
        "thin-zone": thin,
        "replay-undeclared-types": replay,
        "from-files": DATA / "from_files.yaml",
        "sky": sky,
    }


@pytest.mark.parametrize(
    "name",
    [
        "quickstart",
        "ukraine-line",
        "every-kind",
        "thin-zone",
        "replay-undeclared-types",
        "from-files",
        "sky",
    ],
)
def test_metric_keys_equal_the_keys_of_a_real_metrics_json(tmp_path, name):
    """metric_keys(scenario), computed without running, is exactly the key set of the
    metrics.json that a run of the scenario writes (shipped scenarios and edge cases)."""
    scenario = load_scenario(_scenario_files(tmp_path)[name])
    if scenario.duration > 2 * 86400:  # the long shipped scenario: one day is enough
        scenario = scenario.model_copy(update={"duration": 86400.0})
    predicted = metric_keys(scenario)
    out = write_results(run(scenario, seed=3), tmp_path / "out")
    written = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert predicted == set(written)


def test_metric_keys_list_a_type_that_never_occurred(tmp_path):
    """A declared violation type that no violation of the run has still has its by-type keys
    (a NaN share): the keys do not depend on the draw, so a sweep can name them."""
    path = _scenario_files(tmp_path)["every-kind"]
    result = run(load_scenario(path), seed=3)
    assert "rare" not in set(result.events["type"])  # the case this test is about
    metrics = result.metrics()
    assert "detection.probability_by_type.rare" in metrics
    assert metrics["detection.probability_by_type.rare.low95"] == 0.0


def test_metric_keys_follow_the_zone_grid():
    """No zone cell (a 1 m buffer) means no coverage.zone.* keys; a zone has them."""
    text = EVERY_KIND.replace("BUFFER", "1m")
    import yaml

    from sim.spec.load import scenario_from_data

    thin = scenario_from_data(yaml.safe_load(text), ROOT)
    wide = scenario_from_data(yaml.safe_load(text.replace("1m", "5km")), ROOT)
    assert not any(k.startswith("coverage.zone.") for k in metric_keys(thin))
    assert "coverage.zone.time_fraction" in metric_keys(wide)
    assert not any(k.startswith("coverage.") for k in metric_keys(wide, coverage=False))


SWEEP = f"""\
name: names
scenario: {QUICKSTART}
replications: 2
set: {{duration: 1d}}
grid:
  - path: drones[0].count
    values: [2, 3]
"""


@pytest.mark.parametrize(
    ("extra", "where", "name", "match"),
    [
        (
            "metrics: [detection.probabilty]\n",
            "metrics[0]",
            "detection.probabilty",
            "detection.probability",
        ),
        (
            "target: detection.within_30mins >= 0.9\n",
            "target",
            "detection.within_30mins",
            "detection.within_30min",
        ),
        (
            "cost:\n  - {metric: assets.male.flight_hour, per_unit: 2}\n",
            "cost[0].metric",
            "assets.male.flight_hour",
            "assets.male.flight_hours",
        ),
    ],
)
def test_unknown_metric_is_refused_before_any_run_and_nothing_is_written(
    tmp_path, capsys, monkeypatch, extra, where, name, match
):
    """A sweep whose metrics, target or cost name an unknown metric exits 2 with the key, its
    line and a close match, runs nothing and creates no folder (it used to be refused only
    after the first run, leaving manifest.json and runs.csv behind)."""
    import sim.sweep.execute as execute

    def no_run(*args, **kwargs):
        raise AssertionError("a run started")

    monkeypatch.setattr(execute, "run_one", no_run)
    path = tmp_path / "sweep.yaml"
    path.write_text(SWEEP + extra, encoding="utf-8")
    out = tmp_path / "out"
    args = ["sweep", str(path), "--workers", "1", "--quiet", "--no-plots", "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{where} (line {8 + extra.count(chr(10)) - 1}): the runs have no metric '{name}'" in err
    assert f"(did you mean '{match}'?)" in err
    assert "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.yaml"]


def test_metric_of_some_points_only_is_accepted(tmp_path):
    """A metric that only some points yield (here a fleet's name set per point) is accepted:
    the other points summarise it as NaN. A name no point yields is refused."""
    text = SWEEP.replace(
        "  - path: drones[0].count\n    values: [2, 3]\n",
        "  - path: drones[0].name\n    values: [male, hawk]\n",
    )
    path = tmp_path / "sweep.yaml"
    path.write_text(text + "metrics: [assets.hawk.sorties]\n", encoding="utf-8")
    plan = load_sweep(path)
    assert [("assets.hawk.sorties" in p.metrics) for p in plan.points] == [False, True]
    path.write_text(text + "metrics: [assets.eagle.sorties]\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="no metric 'assets.eagle.sorties'"):
        load_sweep(path)


def test_planned_metric_columns_equal_the_recorded_ones(tmp_path):
    """The columns planned for each point are exactly the metric columns its runs record."""
    path = tmp_path / "sweep.yaml"
    path.write_text(SWEEP.replace("replications: 2", "replications: 1"), encoding="utf-8")
    plan = load_sweep(path)
    out = tmp_path / "out"
    run_sweep(path, workers=1, out=out, progress=lambda info: None)
    header = (out / "runs.csv").read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    fixed = {"point", "replication", "seed", "status", "error", "wall_s", *plan.parameters}
    assert set(header) - fixed == set().union(*(p.metrics for p in plan.points))


def test_sweep_over_a_replay_with_undeclared_types_runs(tmp_path):
    """A replay scenario that names its types only in the file (valid for `run`) was refused
    by every sweep over it: the resolved base declared the default type alone, so the
    file's types were unknown. It now runs, and records the file's types."""
    scenario = _scenario_files(tmp_path)["replay-undeclared-types"]
    path = tmp_path / "sweep.yaml"
    text = f"name: r\nscenario: {scenario}\nreplications: 1\n"
    path.write_text(text + "metrics: [detection.probability_by_type.armour]\n", encoding="utf-8")
    out = tmp_path / "out"
    outcome = run_sweep(path, workers=1, out=out, progress=lambda info: None)
    assert (outcome.ok, outcome.failed) == (1, 0)
    header = (out / "runs.csv").read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    assert {"violations.count_by_type.armour", "violations.count_by_type.artillery"} <= set(header)


def test_unreachable_scheduler_is_refused_before_the_folder_is_made(tmp_path, monkeypatch, capsys):
    """A Dask scheduler that cannot be reached exits 2 and leaves no folder (the folder was
    created, locked and left with an "incomplete" manifest before the connection failed).
    The connection is made to fail at once here instead of after its 20 s timeout."""
    import sim.sweep.execute as execute
    from sim.core.errors import SimError

    def unreachable(scheduler: str):
        raise SimError(f"cannot reach the Dask scheduler at {scheduler}: refused")

    monkeypatch.setattr(execute, "_remote_client", unreachable)
    path = tmp_path / "sweep.yaml"
    path.write_text(SWEEP, encoding="utf-8")
    out = tmp_path / "out"
    args = ["sweep", str(path), "--scheduler", "tcp://127.0.0.1:9", "--quiet", "--out", str(out)]
    assert main(args) == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not out.exists()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    drones=st.integers(0, 2),
    grounds=st.integers(0, 2),
    satellites=st.integers(0, 1),
    types=st.lists(st.sampled_from(["raid", "armour", "drone_strike"]), unique=True, max_size=3),
    deadlines=st.lists(st.sampled_from(["45s", "2min", "15min", "90min", "1d"]), unique=True),
    buffer=st.sampled_from(["1m", "900m", "5km"]),
    rate=st.sampled_from(["0/day", "3/day", "40/day"]),
)
def test_metric_keys_equal_a_runs_keys_across_generated_scenarios(
    drones, grounds, satellites, types, deadlines, buffer, rate
):
    """Across fleets of every kind (or none), declared types (or the default), deadlines,
    zones with and without cells, and no violations at all: predicted keys == run keys."""
    from sim.spec.load import scenario_from_data

    data: dict = {
        "name": "gen",
        "duration": "1d",
        "line": {"points": [[0, 0], [30000, 0], [45000, 9000]], "crs": "local", "buffer": buffer},
        "violations": {"rate": rate},
        "reporting": {"deadlines": deadlines, "verification": {"modalities": 1}},
        "drones": [
            {"name": f"uav{k}", "count": 1, "speed": "40m/s", "sensor": {"range": "2km"}}
            for k in range(drones)
        ],
        "ground_sensors": [
            {"name": f"ugs{k}", "spacing": "7km", "sensor": {"range": "1km"}}
            for k in range(grounds)
        ],
        "satellites": [{"name": f"sat{k}", "schedule": {"every": "8h"}} for k in range(satellites)],
    }
    if types:
        data["violations"]["types"] = {t: {} for t in types}
    scenario = scenario_from_data(data, ROOT)
    assert metric_keys(scenario) == set(run(scenario, seed=5).metrics())
