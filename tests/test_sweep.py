"""sim.sweep: sweep files, points, seeds, executors, durable records, resume, summary."""

from __future__ import annotations

import csv
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import t as student_t

from sim.core.errors import ScenarioError, SimError
from sim.measure.metrics import wilson_interval
from sim.sweep import load_sweep, read_sweep, run_seed, run_sweep

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
SHIPPED = ROOT / "scenarios" / "sweeps" / "drones-vs-sensors.yaml"

# 2 x 2 points x 3 replications of one day of the quickstart: 12 runs, about a second.
GRID = f"""\
name: t
scenario: {QUICKSTART}
seed: 11
replications: 3
set: {{duration: 1d}}
grid:
  - path: drones[0].count
    values: [2, 4]
  - path: ground_sensors[0].spacing
    values: [4km, 8km]
target: detection.probability >= 0.5
cost:
  - {{path: "drones[0].count", per_unit: 10}}
  - {{metric: assets.ugs.sensors, per_unit: 1}}
"""


def write(tmp_path: Path, text: str, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    return info.value.problems


def rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "runs.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def without_wall(folder: Path) -> list[list[str]]:
    """runs.csv as cells, minus the wall_s column (the one thing timing changes)."""
    with (folder / "runs.csv").open(newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    drop = table[0].index("wall_s")
    return [[c for j, c in enumerate(row) if j != drop] for row in table]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The GRID sweep run inline, uninterrupted."""
    tmp = tmp_path_factory.mktemp("reference")
    path = write(tmp, GRID)
    run_sweep(path, workers=1, out=tmp / "out", progress=lambda info: None)
    return tmp / "out"


# --- the sweep file -------------------------------------------------------------


def test_missing_path_names_axis_with_close_match(tmp_path):
    """An axis path that is not in the scenario names the axis key and a close match."""
    text = GRID.replace("path: drones[0].count", "path: drones[0].cont")
    assert problems(write(tmp_path, text)) == [
        (
            "grid[0].path (line 7)",
            "drones[0].cont: drones[0] has no key 'cont' (did you mean 'count'?)",
        )
    ]


def test_invalid_value_names_its_sweep_key(tmp_path):
    """A value the scenario rejects names grid[i].values[j] and the scenario's rule."""
    text = GRID.replace("values: [2, 4]", "values: [2, 0]")
    assert problems(write(tmp_path, text)) == [
        (
            "grid[0].values[1] (line 8)",
            "drones[0].count: Input should be greater than or equal to 1; got 0",
        )
    ]


def test_paired_axis_value_names_its_position(tmp_path):
    """In an axis of several paths, a bad value is named grid[i].values[j][k]."""
    text = GRID.replace(
        "  - path: ground_sensors[0].spacing\n    values: [4km, 8km]\n",
        '  - paths: ["drones[0].speed", "ground_sensors[0].spacing"]\n'
        "    values: [[100km/h, 2km], [fast, 3km]]\n",
    )
    assert problems(write(tmp_path, text)) == [
        (
            "grid[1].values[1][0] (line 10)",
            "drones[0].speed: expected a speed such as '30m/s' or '120km/h'; got 'fast'",
        )
    ]


def test_cross_field_problem_names_the_value(tmp_path):
    """A value breaking a rule across fields (stations > airframes) names its key."""
    text = GRID.replace("path: drones[0].count", "path: drones[0].patrol.stations").replace(
        "values: [2, 4]", "values: [2, 5]"
    )
    assert problems(write(tmp_path, text)) == [
        (
            "grid[0].values[1] (line 8)",
            "drones[0].patrol.stations: 5 stations need at least 5 airframes; count is 4",
        )
    ]


def test_paired_axis_value_of_wrong_length(tmp_path):
    """Each value of a paired axis must list one value per path."""
    text = GRID.replace(
        "  - path: ground_sensors[0].spacing\n    values: [4km, 8km]\n",
        '  - paths: ["drones[0].speed", "ground_sensors[0].spacing"]\n'
        "    values: [[100km/h, 2km], [3km]]\n",
    )
    assert problems(write(tmp_path, text)) == [
        (
            "grid[1].values[1] (line 10)",
            "expected a list of 2 values (one per path); got ['3km']",
        )
    ]


def test_bad_target_syntax(tmp_path):
    """A target must be METRIC OP NUMBER; anything else is refused before any run."""
    text = GRID.replace(">= 0.5", "=> 0.5")
    assert problems(write(tmp_path, text)) == [
        (
            "target (line 11)",
            "expected 'METRIC OP NUMBER' with OP one of >=, >, <=, <; "
            "got 'detection.probability => 0.5'",
        )
    ]


def test_unknown_key_with_close_match(tmp_path):
    """An unknown key of the sweep file is refused with the closest known key."""
    text = GRID.replace("replications: 3", "replication: 3")
    assert problems(write(tmp_path, text)) == [
        ("replication (line 4)", "unknown key 'replication' (did you mean 'replications'?)")
    ]


def test_set_path_missing(tmp_path):
    """A `set` path that is not in the scenario is named with a close match."""
    text = GRID.replace("{duration: 1d}", "{durration: 1d}")
    assert problems(write(tmp_path, text)) == [
        ("set.durration (line 5)", "the scenario has no key 'durration' (did you mean 'duration'?)")
    ]


def test_grid_and_sample_together(tmp_path):
    """A sweep has a grid or a sample, not both."""
    text = GRID + "sample: {n: 3, ranges: {duration: [1d, 2d]}}\n"
    assert problems(write(tmp_path, text)) == [("", "give at most one of 'grid' or 'sample'")]


def test_quoting_hint_for_brackets_in_flow_style(tmp_path):
    """An unquoted [index] path inside {...} is a YAML error with a hint to quote it."""
    text = GRID.replace(
        '{path: "drones[0].count", per_unit: 10}', "{path: drones[0].count, per_unit: 10}"
    )
    [(key, message)] = problems(write(tmp_path, text))
    assert (key, message.split(": ", 1)[1]) == (
        "",
        "expected ',' or '}', but got '[' "
        '(quote a path holding [ ] inside [...] or {...}: "drones[0].count")',
    )


def test_unknown_metric_is_refused_before_any_run(tmp_path):
    """A metric that the runs do not produce is named (with a close match) before any run,
    and the refused sweep leaves no folder."""
    text = GRID + "metrics: [detection.probabilty]\n"
    with pytest.raises(ScenarioError) as info:
        run_sweep(write(tmp_path, text), workers=1, out=tmp_path / "out", progress=print)
    assert not (tmp_path / "out").exists()
    assert info.value.problems == [
        (
            "metrics[0] (line 15)",
            "the runs have no metric 'detection.probabilty' "
            "(did you mean 'detection.probability'?)",
        )
    ]


def test_grid_points_in_order_with_si_values(tmp_path):
    """Points are the axes' product, the first axis slowest, parameters in SI units."""
    plan = load_sweep(write(tmp_path, GRID))
    assert [p.params for p in plan.points] == [
        {"drones[0].count": 2, "ground_sensors[0].spacing": 4000.0},
        {"drones[0].count": 2, "ground_sensors[0].spacing": 8000.0},
        {"drones[0].count": 4, "ground_sensors[0].spacing": 4000.0},
        {"drones[0].count": 4, "ground_sensors[0].spacing": 8000.0},
    ]


def test_sample_lhs_is_seeded_stratified_and_typed(tmp_path):
    """An LHS sample: integers for an integer field, one point per stratum, same each load."""
    text = GRID.split("grid:")[0] + (
        "sample:\n"
        "  method: lhs\n"
        "  n: 5\n"
        "  ranges:\n"
        "    drones[0].count: [2, 5]\n"
        "    ground_sensors[0].spacing: [2km, 8km]\n"
    )
    path = write(tmp_path, text)
    first = [p.params for p in load_sweep(path).points]
    again = [p.params for p in load_sweep(path).points]
    counts = [p["drones[0].count"] for p in first]
    spacings = [p["ground_sensors[0].spacing"] for p in first]
    strata = sorted(math.floor((s - 2000.0) / 6000.0 * 5) for s in spacings)
    assert (first == again, all(isinstance(c, int) and 2 <= c <= 5 for c in counts), strata) == (
        True,
        True,
        [0, 1, 2, 3, 4],
    )


def test_shipped_sweep_validates(tmp_path):
    """scenarios/sweeps/drones-vs-sensors.yaml: 4 x 4 points, its scenario found relative to it."""
    plan = load_sweep(SHIPPED)
    assert (len(plan.points), plan.parameters[-1], plan.spec.replications) == (
        16,
        "ground_sensors[1].spacing",
        10,
    )


# --- seeds and executors ------------------------------------------------------------


def test_run_seed_is_pinned():
    """The run seed is the first word of SeedSequence(seed, spawn_key=(point, rep))."""
    expected = int(np.random.SeedSequence(2026, spawn_key=(3, 1)).generate_state(1)[0])
    assert (run_seed(2026, 0, 0), run_seed(2026, 3, 1)) == (1848137023, expected)


def test_runs_csv_seeds_follow_the_derivation(reference):
    """Every row's seed is run_seed(sweep seed, point, replication)."""
    assert [r["seed"] for r in rows(reference)] == [
        str(run_seed(11, p, r)) for p in range(4) for r in range(3)
    ]


def test_workers_1_and_2_give_identical_runs(reference, tmp_path):
    """A process pool of 2 writes the same runs.csv as inline runs (wall_s aside)."""
    outcome = run_sweep(write(tmp_path, GRID), workers=2, out=tmp_path / "out", progress=print)
    assert (outcome.executor, without_wall(tmp_path / "out")) == (
        "processes",
        without_wall(reference),
    )


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_runs(reference, tmp_path):
    """A dask.distributed LocalCluster writes the same runs.csv as inline runs."""
    pytest.importorskip("dask.distributed")
    outcome = run_sweep(
        write(tmp_path, GRID), workers=2, scheduler="local", out=tmp_path / "out", progress=print
    )
    assert (outcome.executor, without_wall(tmp_path / "out")) == (
        "dask-local",
        without_wall(reference),
    )


def test_scheduler_without_dask_says_how_to_install(tmp_path, monkeypatch):
    """Without dask.distributed, a scheduler is refused with the pip command."""
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(SimError, match=r"pip install 'ceasefire-sim\[dask\]'"):
        run_sweep(write(tmp_path, GRID), scheduler="local", out=tmp_path / "out", progress=print)


# --- records and resume ------------------------------------------------------------


def test_resume_after_kill(reference, tmp_path):
    """A sweep killed (SIGKILL) mid-way and run again ends with the uninterrupted runs.csv."""
    path = write(tmp_path, GRID)
    out = tmp_path / "out"
    code = (
        "from sim.sweep import run_sweep; "
        f"run_sweep({str(path)!r}, workers=1, out={str(out)!r}, progress=lambda info: None)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.DEVNULL)
    runs = out / "runs.csv"
    deadline = time.monotonic() + 60
    recorded = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if runs.exists():
            recorded = runs.read_text(encoding="utf-8").count("\n") - 1
            if recorded >= 3:
                proc.kill()
                break
        time.sleep(0.002)
    proc.wait()
    outcome = run_sweep(path, workers=1, out=out, progress=lambda info: None)
    pairs = [(r["point"], r["replication"]) for r in rows(out)]
    assert (proc.returncode, 3 <= outcome.resumed < 12, len(set(pairs)), without_wall(out)) == (
        -9,
        True,
        12,
        without_wall(reference),
    )


def test_truncated_last_line_is_ignored(reference, tmp_path):
    """A partial last line (killed mid-write) is dropped and its run done again."""
    path = write(tmp_path, GRID)
    out = tmp_path / "out"
    out.mkdir()
    for name in ("manifest.json",):
        (out / name).write_bytes((reference / name).read_bytes())
    lines = (reference / "runs.csv").read_text(encoding="utf-8").split("\n")
    (out / "runs.csv").write_text("\n".join(lines[:4]) + "\n" + lines[4][:25], encoding="utf-8")
    outcome = run_sweep(path, workers=1, out=out, progress=lambda info: None)
    assert (outcome.resumed, without_wall(out)) == (3, without_wall(reference))


def test_changed_sweep_needs_fresh(reference, tmp_path):
    """Resuming into a folder of a different sweep is refused; fresh=True starts over."""
    out = tmp_path / "out"
    (out).mkdir()
    for name in ("manifest.json", "runs.csv"):
        (out / name).write_bytes((reference / name).read_bytes())
    changed = write(tmp_path, GRID.replace("seed: 11", "seed: 12"))
    with pytest.raises(SimError, match="holds runs of a different sweep .* --fresh"):
        run_sweep(changed, workers=1, out=out, progress=print)
    outcome = run_sweep(changed, workers=1, out=out, fresh=True, progress=lambda info: None)
    assert (outcome.resumed, rows(out)[0]["seed"]) == (0, str(run_seed(12, 0, 0)))


def test_more_replications_keep_recorded_runs(reference, tmp_path):
    """Raising replications resumes: only the new replications run."""
    out = tmp_path / "out"
    out.mkdir()
    for name in ("manifest.json", "runs.csv"):
        (out / name).write_bytes((reference / name).read_bytes())
    done = []
    path = write(tmp_path, GRID.replace("replications: 3", "replications: 4"))
    outcome = run_sweep(
        path, workers=1, out=out, progress=lambda info: done.append(info.replication)
    )
    assert (outcome.resumed, done, len(rows(out))) == (12, [3, 3, 3, 3], 16)


def test_failing_point_is_recorded_and_others_finish(tmp_path, monkeypatch):
    """A run that raises is recorded as an error and the others finish; exit 1.

    Validation now refuses a hotspot beyond the line before any run, so the failure
    is injected into the engine's run (points with a hotspot beyond 100 km raise).
    """
    import sim.engine.model
    from sim.core.errors import ScenarioError

    real_run = sim.engine.model.run

    def failing_run(scenario, *args, **kwargs):
        at = scenario.violations.along.hotspots[0].at
        if at > 100_000:
            raise ScenarioError(
                [("violations.along.hotspots[0].at", f"chainage {at / 1000:g} km is beyond")]
            )
        return real_run(scenario, *args, **kwargs)

    monkeypatch.setattr(sim.engine.model, "run", failing_run)
    text = (
        GRID.replace("path: drones[0].count", "path: violations.along.hotspots[0].at")
        .replace("values: [2, 4]", "values: [45km, 120km]")
        .replace("replications: 3", "replications: 1")
        .split("target:")[0]
    )
    outcome = run_sweep(write(tmp_path, text), workers=1, out=tmp_path / "out", progress=print)
    table = rows(tmp_path / "out")
    assert (
        [r["status"] for r in table],
        table[2]["error"].split(" is beyond")[0],
        (outcome.ok, outcome.failed, outcome.exit_status),
    ) == (
        ["ok", "ok", "error", "error"],
        "ScenarioError: violations.along.hotspots[0].at: chainage 120 km",
        (2, 2, 1),
    )


def test_point_beyond_the_line_is_refused_before_any_run(tmp_path):
    """A grid value that puts a hotspot beyond the line is refused at planning, naming it."""
    text = (
        GRID.replace("path: drones[0].count", "path: violations.along.hotspots[0].at")
        .replace("values: [2, 4]", "values: [45km, 500km]")
        .split("target:")[0]
    )
    with pytest.raises(ScenarioError, match=r"grid\[0\]\.values\[1\].*beyond the line"):
        run_sweep(write(tmp_path, text), workers=1, out=tmp_path / "out", progress=print)
    assert not (tmp_path / "out").exists()


def test_refuses_a_folder_that_is_not_a_sweep(tmp_path):
    """An existing, non-empty folder without a sweep manifest is not overwritten."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SimError, match="refusing to write into"):
        run_sweep(write(tmp_path, GRID), workers=1, out=out, progress=print)


# --- summary ---------------------------------------------------------------------------


def by_point(folder: Path, point: int) -> tuple[list[dict[str, str]], dict[str, str]]:
    runs = [r for r in rows(folder) if r["point"] == str(point)]
    with (folder / "summary.csv").open(newline="", encoding="utf-8") as handle:
        summary = list(csv.DictReader(handle))[point]
    return runs, summary


def test_summary_pooled_wilson_for_probabilities(reference):
    """detection.probability: pooled detected / violations with its Wilson interval."""
    runs, summary = by_point(reference, 1)
    detected = sum(
        round(float(r["detection.probability"]) * int(r["violations.count"])) for r in runs
    )
    total = sum(int(r["violations.count"]) for r in runs)
    low, high = wilson_interval(detected, total)
    got = [float(summary[f"detection.probability.{s}"]) for s in ("estimate", "low95", "high95")]
    assert got == pytest.approx([detected / total, low, high], rel=1e-12)


def test_summary_t_interval_for_other_metrics(reference):
    """latency.p90_s: mean, sample std and mean +- t(0.975, n-1) std / sqrt(n)."""
    runs, summary = by_point(reference, 2)
    values = [float(r["latency.p90_s"]) for r in runs]
    mean, std = statistics.fmean(values), statistics.stdev(values)
    half = student_t.ppf(0.975, len(values) - 1) * std / math.sqrt(len(values))
    got = [float(summary[f"latency.p90_s.{s}"]) for s in ("mean", "std", "low95", "high95")]
    assert got == pytest.approx([mean, std, mean - half, mean + half], rel=1e-12)


@pytest.mark.parametrize(
    ("metric", "values", "expected"),
    [
        ("latency.median_s", [10.0, 3000.0], (0.0, None)),
        ("false_alarms.per_day", [0.0, 50.0], (0.0, None)),
        ("coverage.time_fraction", [0.05, 0.99], (0.0, 1.0)),
        ("some.plain_number", [-5.0, 5.0], (None, None)),
    ],
)
def test_t_interval_clipped_to_the_metric_range(metric, values, expected):
    """A wide t interval never leaves the metric's range: latencies and rates stay >= 0,
    fractions inside [0, 1]; a plain number is not clipped."""
    from sim.sweep.stats import metric_stats

    stats = metric_stats([{metric: str(v)} for v in values], metric, None)
    half = student_t.ppf(0.975, 1) * statistics.stdev(values) / math.sqrt(2)
    mean = statistics.fmean(values)
    low = expected[0] if expected[0] is not None else mean - half
    high = expected[1] if expected[1] is not None else mean + half
    assert mean - half < 0  # the unclipped interval would go below zero
    assert (stats["low95"], stats["high95"]) == pytest.approx((low, high), rel=1e-12)


def test_summary_cost_target_and_cheapest(reference):
    """cost = 10 x drones + 1 x sensors; meets by the lower bound; cheapest among those meeting."""
    expected = []
    for point in range(4):
        runs, summary = by_point(reference, point)
        cost = 10 * int(runs[0]["drones[0].count"]) + statistics.fmean(
            float(r["assets.ugs.sensors"]) for r in runs
        )
        meets = float(summary["detection.probability.low95"]) >= 0.5
        expected.append((cost, meets))
    cheapest = min(c for c, m in expected if m)
    got = []
    for point in range(4):
        _, summary = by_point(reference, point)
        got.append((float(summary["cost"]), summary["meets_target"] == "true", summary["cheapest"]))
    assert got == [(c, m, "true" if m and c == cheapest else "false") for c, m in expected]


def test_read_sweep_exposes_parameters_and_tables(reference):
    """read_sweep gives the manifest's parameters, metrics and target, and both tables."""
    folder = read_sweep(reference)
    assert (
        folder.parameters,
        str(folder.target),
        len(folder.runs),
        list(folder.summary["n"]),
        folder.manifest["status"],
    ) == (
        ["drones[0].count", "ground_sensors[0].spacing"],
        "detection.probability >= 0.5",
        12,
        [3.0, 3.0, 3.0, 3.0],
        "complete",
    )


def test_cost_path_must_be_a_number(tmp_path):
    """A cost path naming a non-numeric value is refused before any run."""
    text = GRID.replace(
        '{path: "drones[0].count", per_unit: 10}', '{path: "drones[0].name", per_unit: 10}'
    )
    assert problems(write(tmp_path, text)) == [
        ("cost[0].path (line 13)", "drones[0].name is not a number; got 'male'")
    ]


def test_pooled_shares_of_a_place_count_that_place_s_violations():
    """A sector's or band's share is pooled over that sector's (band's) violations, also
    for the uncued counterpart; the naive counterpart's (its violations placed
    elsewhere) and shares by light get a t interval."""
    from sim.sweep.stats import _trials_column, interval_kinds, metric_stats

    names = [
        "violations.count",
        "sector.a.b.violations.count",
        "sector.a.violations.count",
        "band.zone.violations.count",
        "violations.count_by_type.artillery",
    ]
    shares = [
        "sector.a.b.detection.probability",
        "sector.a.detection.probability",
        "band.zone.verified.probability",
        "uncued.sector.a.verified.probability",
        "naive.sector.a.detection.probability",
        "naive.detection.probability",
        "detection.probability_by_light.day",
        "detection.probability_by_type.artillery",
        "verified.probability",
    ]
    columns = set(names) | set(shares) | {f"{m}.low95" for m in shares}
    want = {
        "sector.a.b.detection.probability": "sector.a.b.violations.count",
        "sector.a.detection.probability": "sector.a.violations.count",
        "band.zone.verified.probability": "band.zone.violations.count",
        "uncued.sector.a.verified.probability": "sector.a.violations.count",
        "naive.sector.a.detection.probability": None,
        "naive.detection.probability": "violations.count",
        "detection.probability_by_light.day": None,
        "detection.probability_by_type.artillery": "violations.count_by_type.artillery",
        "verified.probability": "violations.count",
    }
    assert {m: _trials_column(m, columns) for m in shares} == want
    assert interval_kinds(["naive.sector.a.detection.probability"], columns) == {
        "naive.sector.a.detection.probability": "t"
    }
    # 2 runs: 30 of 60 and 10 of 20 in the sector (of 1,000 violations each): 40 of 80
    rows = [
        {"sector.a.detection.probability": "0.5", "sector.a.violations.count": "60"},
        {"sector.a.detection.probability": "0.5", "sector.a.violations.count": "20"},
    ]
    got = metric_stats(rows, "sector.a.detection.probability", "sector.a.violations.count")
    assert got["estimate"] == 0.5
    assert got["high95"] - got["low95"] > 0.2  # Wilson on 80 trials, not on 2,000
