"""Validation in one pass, before anything is built: geometry and cross-field checks,
chainage tolerance, plain-file names, replay CSVs, bounded YAML and resource bounds.

Each test names the behaviour it guards (issue 7, section 3). Bad cases go through the
CLI: exit 2, the YAML path, no traceback, nothing written.
"""

from __future__ import annotations

import copy
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import test_bad_input
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bad_input import BASE, assert_refused, patched

from sim.cli import main
from sim.core.errors import ScenarioError
from sim.pipeline import run
from sim.spec.adversary import AdversarySpec
from sim.spec.checks import check_scenario
from sim.spec.geometry import chainage_tolerance, scenario_line
from sim.spec.limits import BOUNDS
from sim.spec.load import load_scenario, scenario_from_data
from sim.spec.safe_yaml import MAX_DEPTH

cli = test_bad_input.cli  # the same fixture: a scenario under tmp_path/in, the CLI on it


def lonlat(data: dict, points: list) -> dict:
    """BASE on a lon/lat line (no explicit crs)."""
    data = copy.deepcopy(data)
    data["line"] = {"points": points}
    return data


# --- one pass: every problem at once ---------------------------------------------------


def test_all_geometry_problems_are_reported_at_once(cli, tmp_path):
    """Problems of several sections (hotspot, drone span, ground span) come in one message."""
    data = patched(
        {
            ("violations", "along"): {"hotspots": [{"at": "150km", "spread": "1km"}]},
            ("drones", 0, "patrol"): {"span": ["10km", "130km"]},
            ("ground_sensors", 0, "span"): ["0km", "120km"],
        }
    )
    status, err = cli(data, command="validate")
    assert_refused(tmp_path, status, err)
    for path in (
        "violations.along.hotspots[0].at (line",
        "drones[0].patrol.span[1] (line",
        "ground_sensors[0].span[1] (line",
    ):
        assert path in err
    assert "chainage 130 km is outside the line (0..100 km)" in err


def test_geometry_problems_come_with_schema_problems_of_other_sections_later(cli, tmp_path):
    """Schema problems are reported first (geometry needs a valid schema); nothing is built."""
    status, err = cli(patched({("drones", 0, "speed"): "fast"}), command="validate")
    assert_refused(tmp_path, status, err)
    assert "drones[0].speed" in err


def test_base_the_drone_cannot_reach_is_refused_at_validation(cli, tmp_path):
    """A base whose transit and return take longer than the endurance: refused by validate."""
    data = patched(
        {
            ("drones", 0, "base"): {"at": "50km", "offset": "-300km"},
            ("drones", 0, "endurance"): "2h",
        }
    )
    status, err = cli(data, command="validate")
    assert_refused(tmp_path, status, err)
    assert "drones[0].endurance (line" in err
    assert "leaves no time on station" in err


def test_base_chainage_beyond_the_line(cli, tmp_path):
    """base.at beyond the line is named with the line's length in km."""
    data = patched({("drones", 0, "base"): {"at": "300km"}, ("drones", 0, "endurance"): "10h"})
    status, err = cli(data, command="validate")
    assert_refused(tmp_path, status, err)
    assert "drones[0].base.at" in err and "chainage 300 km is outside the line (0..100 km)" in err


@pytest.mark.parametrize(
    ("points", "path", "expected"),
    [
        ([[35.0, 95.0], [35.5, 95.2]], "line.points[0]", "latitude 95 is outside [-90, 90]"),
        ([[47.5, 135.0], [47.6, 135.5]], "line.points[0]", "did you mean [135, 47.5]?"),
        ([[0, 0], [100000, 0]], "line.points[1]", "set line.crs: local"),
        ([[-200.0, 10.0], [10.0, 10.0]], "line.points[0]", "outside lon [-180, 180]"),
    ],
)
def test_lonlat_out_of_range_or_swapped(cli, tmp_path, points, path, expected):
    """Lon/lat out of range or swapped is named (it was a pyproj CRSError traceback)."""
    status, err = cli(lonlat(BASE, points), command="validate")
    assert_refused(tmp_path, status, err)
    assert path in err and expected in err


def test_line_across_the_antimeridian_is_accepted_and_runs_the_short_way(cli, tmp_path):
    """[179.5, 10] -> [-179.5, 10] is a 110 km line across the antimeridian: validate
    accepts it and run measures it the short way (it once ran 39,000 km round the Earth)."""
    data = lonlat(BASE, [[179.5, 10.0], [-179.5, 10.0]])
    status, err = cli(data, command="validate")
    assert status == 0, err
    line = scenario_line(scenario_from_data(data))
    assert line.length == pytest.approx(109_600, rel=0.01)


def test_zone_holding_a_pole_is_refused(cli, tmp_path):
    """A lon/lat zone that holds a pole has no outline: refused at line.points."""
    status, err = cli(lonlat(BASE, [[0.0, 89.99], [120.0, 89.99]]), command="validate")
    assert_refused(tmp_path, status, err)
    assert "line.points" in err and "pole" in err


def test_drone_base_coordinate_swapped(cli, tmp_path):
    """A base given as [lat, lon] on a lon/lat line is refused at its path."""
    data = lonlat(BASE, [[35.0, 47.0], [36.0, 47.0]])
    data["drones"][0]["base"] = [47.2, 135.5]
    data["drones"][0]["endurance"] = "10h"
    status, err = cli(data, command="validate")
    assert_refused(tmp_path, status, err)
    assert "drones[0].base" in err and "did you mean [135.5, 47.2]?" in err


def test_line_crossing_itself(cli, tmp_path):
    """A self-crossing line is refused, naming the chainage of the crossing in km."""
    data = patched(
        {("line", "points"): [[0, 0], [100_000, 0], [50_000, 50_000], [50_000, -50_000]]}
    )
    status, err = cli(data, command="validate")
    assert_refused(tmp_path, status, err)
    assert "line.points (line" in err
    assert "crosses itself (near chainage 220.711 km)" in err


def test_rate_together_with_file(cli, tmp_path):
    """`violations.rate` and `violations.file` together are refused at `violations`."""
    (cli.folder / "v.csv").write_text("id,t_start_s,duration_s,x_m,y_m\na,1,60,5,5\n")
    data = patched({("violations", "file"): "v.csv"})
    status, err = cli(data, command="validate")
    assert_refused(tmp_path, status, err)
    assert "violations (line" in err and "give exactly one of 'rate'" in err


def test_verification_needing_more_modalities_than_the_assets_have(cli, tmp_path):
    """Verification by 3 modalities with 2 in the scenario was silently 0 %: refused now."""
    data = patched({("reporting",): {"verification": {"modalities": 3}}})
    status, err = cli(data, command="validate")
    assert_refused(tmp_path, status, err)
    assert "reporting.verification.modalities (line" in err
    assert "assets have 2 (eo, seismic)" in err


def test_standoff_that_breaks_the_path_is_refused_by_validate(cli, tmp_path):
    """The standoff check moved from the build to validation: `validate` refuses it too."""
    data = patched(
        {
            ("line", "points"): [[0, 0], [50_000, 0], [50_000, 1_000], [0, 1_000]],
            ("drones", 0, "patrol"): {"standoff": "5km", "stations": 1},
            ("drones", 0, "count"): 1,
        }
    )
    status, err = cli(data, command="validate")
    assert status == 2
    assert "Traceback" not in err


def test_hotspot_mostly_off_the_line_is_refused(cli, tmp_path):
    """A 40,000 km spread on a 100 km line: its draws were redrawn forever; now refused."""
    data = patched({("violations", "along"): {"hotspots": [{"at": "50km", "spread": "40000km"}]}})
    status, err = cli(data, command="validate")
    assert_refused(tmp_path, status, err)
    assert "violations.along.hotspots[0].spread (line" in err and "expected at least 0.001" in err


# --- tolerance for round numbers -----------------------------------------------------


def test_round_span_on_a_line_a_little_short_is_accepted_and_clamped():
    """[800km, 1200km] on a 1,199,999.8 m line is the last 400 km, not an error."""
    data = patched(
        {
            ("line", "points"): [[0, 0], [1_199_999.8, 0]],
            ("drones", 0, "patrol"): {"span": ["800km", "1200km"], "stations": 2},
            ("ground_sensors", 0, "span"): ["1100km", "1200km"],
            ("violations", "along"): {"hotspots": [{"at": "1200km", "spread": "1km"}]},
            ("duration",): "2h",
        }
    )
    scenario = scenario_from_data(data)
    result = run(scenario, coverage=False)
    assert result.line.length == pytest.approx(1_199_999.8)
    assert max(piece.path[:, 0].max() for piece in result.pieces if len(piece.path) > 1) <= (
        1_199_999.8
    )


def test_tolerance_is_documented_and_bounded():
    """The tolerance is max(1 m, 1e-6 x length); a chainage beyond it is refused in km."""
    assert chainage_tolerance(1000.0) == 1.0
    assert chainage_tolerance(1.2e6) == pytest.approx(1.2)
    data = patched({("drones", 0, "patrol"): {"span": [0, 100_002]}})
    with pytest.raises(ScenarioError, match=r"chainage 100\.002 km is outside the line"):
        scenario_from_data(data)
    data = patched({("drones", 0, "patrol"): {"span": [0, 100_000.9]}})
    scenario_from_data(data)


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [".", "..", "", "a/b", "..\\x", "a\x00b", "tab\there", ".hidden", "-rf", "x" * 101, "a b"],
)
def test_name_that_is_not_a_plain_file_name_is_refused(cli, tmp_path, name):
    """`name: '.'` wrote into results/ itself; names must be plain file names."""
    status, err = cli(patched({("name",): name}))
    assert_refused(tmp_path, status, err)
    assert "name (line" in err and "expected a plain file name" in err


def test_name_of_100_characters_is_accepted():
    """The longest allowed name, and dots and dashes inside a name, are accepted."""
    scenario_from_data(patched({("name",): "a" + "-b.c_" * 19 + "dddd"}))


def test_sweep_name_dot_dot_is_refused(tmp_path, capsys):
    """A sweep named `..` (which emptied results/ with --fresh) is refused; nothing written."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(BASE), encoding="utf-8")
    sweep = tmp_path / "w.yaml"
    sweep.write_text("name: '..'\nscenario: s.yaml\nreplications: 1\n", encoding="utf-8")
    assert main(["sweep", str(sweep), "--fresh", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "name (line 1)" in err and "expected a plain file name" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml", "w.yaml"]


# --- replay CSVs ---------------------------------------------------------------------------


def replay(cli, text: str, encoding: str = "utf-8") -> dict:
    (cli.folder / "v.csv").write_bytes(text.encode(encoding))
    data = patched({("violations", "file"): "v.csv"})
    del data["violations"]["rate"]
    return data


def test_replay_with_bom_and_spaces_after_commas_is_read(cli, tmp_path):
    """A UTF-8 byte-order mark and spaces after commas are read as the plain header."""
    text = "id, t_start_s, duration_s, x_m, y_m, type\na, 100, 600, 20000, 0, artillery\n"
    status, err = cli(replay(cli, text, "utf-8-sig"))
    assert (status, err) == (0, "")
    events = (tmp_path / "out" / "events.csv").read_text(encoding="utf-8").splitlines()
    assert len(events) == 2 and events[1].startswith("a,100")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "id,t_start_s,duration_s,x_m,y_m\n,1,60,5,5\n",
            "v.csv line 2, column id: the id is empty",
        ),
        (
            "id,t_start_s,duration_s,x_m,y_m\na,1,60,5,5\na,2,60,5,5\n",
            "v.csv line 3, column id: id 'a' is repeated (first on line 2)",
        ),
        (
            "id,t_start_s,duration_s,x_m,x_m,y_m\na,1,60,5,5,5\n",
            "v.csv line 1, column 5: column 'x_m' is repeated",
        ),
        (
            "id,t_start_s,duration_s,x_m,y_m\na,1,60,5,900000\n",
            "v.csv line 2: the point is 900 km from the line, more than 2 x the buffer",
        ),
    ],
    ids=["empty_id", "duplicate_id", "duplicate_column", "far_outside_the_zone"],
)
def test_replay_row_errors_name_file_row_and_column(cli, tmp_path, text, expected):
    """Replay rows are checked at validation: file, line and column named; nothing written."""
    status, err = cli(replay(cli, text), command="validate")
    assert_refused(tmp_path, status, err)
    assert "violations.file (line" in err and expected in err


def test_replay_too_large_is_refused_before_it_is_read(cli, tmp_path, monkeypatch):
    """A replay file over the size bound (300 MB; lowered here) is refused unread."""
    import sim.spec.checks

    monkeypatch.setattr(sim.spec.checks, "MAX_REPLAY_BYTES", 10)
    data = replay(cli, "id,t_start_s,duration_s,x_m,y_m\na,1,60,5,5\n")
    status, err = cli(data, command="validate")
    assert_refused(tmp_path, status, err)
    assert "violations.file (line" in err and "MB; expected at most" in err


def test_replay_with_more_rows_than_the_bound_is_refused(cli, tmp_path, monkeypatch):
    """Replayed rows count against the violations bound (lowered here to 1)."""
    import sim.spec.limits

    monkeypatch.setitem(
        sim.spec.limits.BOUNDS, "violations", sim.spec.limits.Bound(1, "violations")
    )
    data = replay(cli, "id,t_start_s,duration_s,x_m,y_m\na,1,60,5,5\nb,2,60,5,5\n")
    status, err = cli(data, command="validate")
    assert_refused(tmp_path, status, err)
    assert "v.csv gives 2 violations; expected at most 1" in err


# --- bounded YAML --------------------------------------------------------------------------


def alias_bomb(levels: int = 9) -> str:
    """A "billion laughs" mapping: 10 ** levels strings from a few lines."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for k in range(1, levels):
        refs = ",".join([f"*l{k - 1}"] * 10)
        lines.append(f"l{k}: &l{k} [{refs}]")
    return "\n".join(lines)


def test_alias_bomb_in_the_file_is_refused_without_expanding(cli, tmp_path):
    """An alias bomb in the scenario file is refused (it grew to the memory limit)."""
    text = yaml.safe_dump(BASE) + "extra:\n" + "\n".join("  " + x for x in alias_bomb().split("\n"))
    status, err = cli(text, command="validate")
    assert_refused(tmp_path, status, err)
    assert "aliases (*name) expand to more than 1e+06 YAML nodes" in err


def test_alias_bomb_in_set_is_refused(cli, tmp_path):
    """The same bomb as a --set value is refused, naming the option."""
    value = "{" + ", ".join(alias_bomb().split("\n")) + "}"
    status, err = cli(BASE, "--set", f"description={value}")
    assert_refused(tmp_path, status, err)
    assert "--set description: value" in err and "expand to more than" in err


def test_list_nested_5000_deep_is_refused(cli, tmp_path):
    """A list nested 5,000 deep was a RecursionError traceback; now its path and line."""
    text = yaml.safe_dump(BASE) + "extra: " + "[" * 5000 + "]" * 5000 + "\n"
    status, err = cli(text, command="validate")
    assert_refused(tmp_path, status, err)
    path = re.escape("extra[0][0][0][0][0]...")
    assert re.search(rf"{path} \(line \d+\): the data nests deeper than {MAX_DEPTH}", err)


def test_deep_list_in_set_is_refused(cli, tmp_path):
    """Deep nesting in --set is refused too."""
    status, err = cli(BASE, "--set", "description=" + "[" * 5000 + "]" * 5000)
    assert_refused(tmp_path, status, err)
    assert "--set description" in err and "nests deeper than" in err


def test_a_few_aliases_are_fine(cli, tmp_path):
    """Ordinary anchors and aliases (a shared sensor) still load."""
    text = yaml.safe_dump(BASE).replace("sensor:\n    pd: 0.9", "sensor: &s\n    pd: 0.9")
    assert "&s" in text
    text = text.replace("sensor:\n    range: 1km", "sensor: *s")
    status, err = cli(text, command="validate")
    assert (status, err) == (0, "")


# --- resource bounds -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patch", "path", "expected"),
    [
        ({("line", "cell"): "1mm"}, "line.cell (line", "1e+08 line cells"),
        ({("drones", 0, "speed"): "3e8m/s"}, "drones[0].speed (line", "coverage windows"),
        ({("drones", 0, "count"): 10**30}, "drones[0].count (line", "expected at most"),
        ({("drones", 0, "count"): 10_000}, "drones (line", "1e+04 drone airframes"),
        ({("violations", "rate"): "1000/s"}, "violations.rate (line", "8.64e+07 violations"),
        ({("ground_sensors", 0, "spacing"): "1m"}, "ground_sensors[0].spacing", "ground sensors"),
        ({("duration",): "1e300s"}, "duration (line", "expected at most 100 years"),
        (
            {("drones", 0, "false_alarm_rate"): "1e300/h"},
            "drones[0].false_alarm_rate (line",
            "false alarms",
        ),
        ({("line", "cell"): 1e300}, "line.cell (line", "at most 40000 km"),
        (
            {("drones", 0, "sensor", "glimpse"): 1e-300},
            "drones[0].sensor.glimpse (line",
            "detection trials",
        ),
        (
            {("violations", "duration"): {"lognormal": {"median": "30min", "sigma": 1000}}},
            "violations.duration (line",
            "expected a mean of at most 100 years",
        ),
        ({("line", "points"): [[0, 0], [1e308, 0]]}, "line.points[1] (line", "within ±40000 km"),
        (
            {
                ("ground_sensors", 0, "mtbf"): "0.001s",
                ("ground_sensors", 0, "mttr"): "0.001s",
                ("duration",): "30d",
            },
            "ground_sensors[0].mtbf",
            "simulation events",
        ),
    ],
    ids=[
        "cell_1mm",
        "speed_3e8",
        "count_1e30",
        "10000_drones",
        "rate",
        "spacing",
        "duration",
        "false_alarms",
        "cell_huge",
        "glimpse_tiny",
        "lognormal_sigma_1000",
        "point_huge",
        "mtbf",
    ],
)
def test_work_beyond_the_machine_is_refused_with_key_and_estimate(
    cli, tmp_path, patch, path, expected
):
    """Each of these grew to the memory limit or hung; now refused before anything is built."""
    status, err = cli(patched(patch), command="validate")
    assert_refused(tmp_path, status, err)
    assert path in err and expected in err
    hard = ("at most 100 years", "40000 km", "mean of at most")
    if not any(h in expected for h in hard) and "count" not in path:
        assert "limits.unbounded: true" in err


def test_unbounded_lifts_the_resource_bounds():
    """`limits.unbounded: true` is the documented override: the same scenario validates."""
    data = patched({("line", "cell"): "5m", ("limits",): {"unbounded": True}})
    data["line"]["points"] = [[0, 0], [10_000_000, 0]]
    data["ground_sensors"][0]["spacing"] = "5000km"
    scenario = scenario_from_data(data)
    assert scenario.limits.unbounded
    data["limits"]["unbounded"] = False
    with pytest.raises(ScenarioError, match="line cells"):
        scenario_from_data(data)


def test_sweep_of_a_billion_replications_is_refused(tmp_path, capsys):
    """`replications: 1e9` (as an integer) is refused before any point is built."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(BASE), encoding="utf-8")
    sweep = tmp_path / "w.yaml"
    sweep.write_text("name: w\nscenario: s.yaml\nreplications: 1000000000\n", encoding="utf-8")
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "replications (line 3)" in err and "1e+09 runs; expected at most 100,000" in err
    assert not (tmp_path / "out").exists()


def test_sweep_grid_too_large_is_refused_before_it_is_expanded(tmp_path, capsys):
    """A grid of 10 axes x 10 values (1e10 points) is refused, naming `grid`."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(BASE), encoding="utf-8")
    axes = "".join(f"  - {{path: seed, values: {list(range(10))}}}\n" for _ in range(10))
    sweep = tmp_path / "w.yaml"
    sweep.write_text(f"name: w\nscenario: s.yaml\nreplications: 1\ngrid:\n{axes}", "utf-8")
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "out")]) == 2
    assert "grid (line 4)" in capsys.readouterr().err


def test_shipped_scenarios_and_the_benchmark_are_within_bounds():
    """The bounds refuse none of the shipped scenarios, nor the 30-day benchmark."""
    root = Path(__file__).resolve().parent.parent
    for path in sorted((root / "scenarios").glob("*.yaml")):
        load_scenario(path)
    sys.path.insert(0, str(root / "benchmarks"))
    try:
        import bench_core
    finally:
        sys.path.pop(0)
    scenario = scenario_from_data(bench_core.scenario_data(scale=2.0))
    assert check_scenario(scenario) == []


CUE = [{"from": ["g"], "responders": ["d"], "loiter": "10min"}]
FAILING = {
    ("ground_sensors", 0, "mtbf"): "0.2s",
    ("ground_sensors", 0, "mttr"): "0.2s",
    ("violations", "rate"): "1.5e6/day",
}


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        (
            {
                ("violations", "rate"): "1e6/day",
                ("violations", "adversary"): {"awareness": 1.0, "candidates": 256},
            },
            "violations.adversary.candidates: 1e+06 violations with 256 candidates each "
            "give 2.56e+08 adversary candidates (~51.2 GB); expected at most 5e+07",
        ),
        (
            {
                ("violations", "rate"): "1e5/day",
                ("drones", 0, "sensor", "glimpse"): "1s",
                ("violations", "adversary"): {"awareness": 0.5},
            },
            "violations.adversary.candidates: the adversary's planning run (0.5 x 1e+05 "
            "violations x 32 candidates) gives 3.06e+09 detection trials; expected at most 2e+09",
        ),
        (
            {**FAILING, ("cueing",): CUE},
            "cueing: over 1 day this gives 1.18e+07 simulation events; expected at most 1e+07",
        ),
    ],
    ids=["candidates", "planning_trials", "cue_pieces"],
)
def test_planning_run_and_cues_count_in_the_estimates(patch, expected):
    """A huge planning run or cues beyond the events bound: refused with the estimate.

    Without the adversary (or the cueing) the same scenario is accepted: the refusal is
    the planning run's (the cues') own work. Cues: 5 pieces each, at most one per
    violation (1.5e6 here, each seen by the cueing ground group), on top of 4.5e6 failures.
    """
    with pytest.raises(ScenarioError) as refused:
        scenario_from_data(patched(patch))
    assert expected in str(refused.value)
    assert "limits.unbounded: true" in str(refused.value)
    without = {k: v for k, v in patch.items() if k[-1] not in ("adversary", "cueing")}
    scenario_from_data(patched(without))


def test_shipped_scenarios_with_a_full_adversary_are_within_bounds():
    """Every shipped scenario, its violations all aware with 256 candidates, passes."""
    root = Path(__file__).resolve().parent.parent
    for path in sorted((root / "scenarios").glob("*.yaml")):
        scenario = load_scenario(path)
        side = {"awareness": 1.0, "candidates": 256}
        violations = scenario.violations.model_copy(
            update={"adversary": AdversarySpec.model_validate(side)}
        )
        assert check_scenario(scenario.model_copy(update={"violations": violations})) == []


# --- validate accepts => run runs --------------------------------------------------------

NEAR_BOUNDARY = {
    "cell": st.floats(50.0, 2_000.0),
    "speed": st.floats(1.0, 3_000.0),
    "rate_per_day": st.floats(0.0, 2e5),
    "count": st.integers(1, 40),
    "spacing": st.floats(30.0, 200_000.0),
    "span_end": st.floats(99_990.0, 100_010.0),
}


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(**NEAR_BOUNDARY)
def test_validate_and_run_agree_near_the_bounds(
    cell, speed, rate_per_day, count, spacing, span_end
):
    """Generated values near the bounds: whatever validation accepts runs (tiny duration)."""
    data = patched(
        {
            ("duration",): "20min",
            ("line", "cell"): cell,
            ("drones", 0, "speed"): speed,
            ("drones", 0, "count"): count,
            ("drones", 0, "patrol"): {"span": [0, span_end]},
            ("violations", "rate"): f"{rate_per_day}/day",
            ("ground_sensors", 0, "spacing"): spacing,
        }
    )
    try:
        scenario = scenario_from_data(data)
    except ScenarioError as exc:
        assert all(path for path, _ in exc.problems)
        assert span_end > 100_001 or any(
            k in str(exc) for k in ("span", "spacing", "expected at most")
        )
        return
    result = run(scenario)
    assert len(result.events) == len(result.violations)
    assert result.coverage is not None
    assert math.isfinite(result.line.length)


VALIDATED_CASES = {
    "narrow_hotspot_just_beyond_the_end": {
        ("violations", "along"): {"hotspots": [{"at": "100.0005km", "spread": "1mm"}]},
        ("violations", "rate"): "500/day",
    },
    "round_span": {("drones", 0, "patrol"): {"span": ["50km", "100.00005km"]}},
    "hotspot_at_the_end": {
        ("violations", "along"): {"hotspots": [{"at": "100km", "spread": "1km"}]}
    },
    "ground_span_to_the_end": {("ground_sensors", 0, "span"): ["90km", "100.0001km"]},
    "base_at_the_end": {
        ("drones", 0, "base"): {"at": "100.0005km", "offset": "-5km"},
        ("drones", 0, "endurance"): "6h",
    },
    "verification_by_two": {("reporting",): {"verification": {"modalities": 2}}},
    "cell_in_mm": {("line", "cell"): "500000mm"},
}


@pytest.mark.parametrize("case", list(VALIDATED_CASES))
def test_what_validate_accepts_run_runs(cli, tmp_path, case):
    """Each edge case accepted by `validate` runs to a complete folder (duration 1 h)."""
    data = patched({**VALIDATED_CASES[case], ("duration",): "1h"})
    assert cli(data, command="validate") == (0, "")
    status, err = cli(data, "--no-plots")
    assert (status, err) == (0, "")
    assert (tmp_path / "out" / "metrics.json").is_file()


def test_console_refusal_of_a_bound_has_no_traceback(tmp_path):
    """The installed command, in a fresh process, refuses 1 mm cells with exit 2."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(patched({("line", "cell"): "1mm"})), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "validate", str(scenario)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "line.cell" in proc.stderr
    assert BOUNDS["line_cells"].maximum == 1e5


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("ab9_.-/\\\x00\t é"),
        min_size=0,
        max_size=105,
    )
    | st.text(alphabet="ab9_.-", min_size=95, max_size=105)
)
def test_accepted_names_are_plain_children_of_results(name):
    """Generated names: accepted ones name exactly one new folder directly under results/."""
    try:
        scenario = scenario_from_data(patched({("name",): name}))
    except ScenarioError as exc:
        assert exc.problems[0][0].startswith("name")
        return
    folder = Path("results") / scenario.name
    assert folder.parent == Path("results") and folder.name == name
    assert name not in (".", "..") and not name.startswith((".", "-")) and len(name) <= 100


# --- the hard tier: what limits.unbounded cannot lift ----------------------------------


@pytest.mark.parametrize(
    ("patch", "path", "expected"),
    [
        (
            {("drones", 0, "false_alarm_rate"): "1e300/h"},
            "drones[0].false_alarm_rate (line",
            "4.8e+301 false alarms",
        ),
        (
            {("drones", 0, "false_alarm_rate"): "1e8/s"},
            "drones[0].false_alarm_rate (line",
            "1.73e+13 false alarms",
        ),
        ({("violations", "rate"): "1e300/s"}, "violations.rate (line", "8.64e+304 violations"),
        (
            {("ground_sensors", 0, "false_alarm_rate"): "1e300/h"},
            "ground_sensors[0].false_alarm_rate (line",
            "false alarms",
        ),
        (
            {
                ("satellites",): [
                    {"name": "s", "schedule": {"every": "1h"}, "false_alarms_per_image": 1e300}
                ]
            },
            "satellites[0].false_alarms_per_image (line",
            "false alarms",
        ),
        (
            {("ground_sensors", 0, "mtbf"): "1e-300s", ("ground_sensors", 0, "mttr"): "1e-300s"},
            "ground_sensors[0].mtbf (line",
            "simulation events",
        ),
        (
            {("satellites",): [{"name": "s", "schedule": {"every": 1e-300}}]},
            "satellites[0].schedule.every (line",
            "simulation events",
        ),
        ({("drones", 0, "spares"): 10**30}, "drones (line", "1e+30 drone airframes"),
        (
            {("drones", 0, "sensor", "glimpse"): 1e-300},
            "drones[0].sensor.glimpse (line",
            "detection trials",
        ),
    ],
    ids=[
        "drone_false_alarms_1e300",
        "drone_false_alarms_just_over",
        "rate_1e300",
        "ground_false_alarms",
        "satellite_false_alarms",
        "mtbf_tiny",
        "satellite_every_tiny",
        "spares_1e30",
        "glimpse_tiny",
    ],
)
def test_unbounded_does_not_lift_the_hard_tier(cli, tmp_path, patch, path, expected):
    """`limits: {unbounded: true}` let these through validate, and run then crashed (numpy
    "lam value too large" for a 1e300/h false alarm rate) or never ended. The hard tier
    refuses them even so, with the key and the estimate, and offers no override."""
    data = patched(patch)
    data["limits"] = {"unbounded": True}
    status, err = cli(data, command="validate")
    assert_refused(tmp_path, status, err)
    assert path in err and expected in err
    assert "even with limits.unbounded" in err
    assert "set limits.unbounded: true" not in err


def test_hard_tier_keeps_poisson_means_within_numpy():
    """Every Poisson mean a run draws is at most an estimate the hard tier bounds; numpy
    draws that mean, and refuses the 1e300-scale means the tier exists to keep out."""
    from sim.spec.limits import HARD_BOUNDS, HARD_MAXIMUM

    rng = np.random.default_rng(0)
    assert rng.poisson(HARD_MAXIMUM) > 0
    with pytest.raises(ValueError, match="lam value too large"):
        rng.poisson(1e300)
    from sim.spec.geometry import MAX_LAYOUT

    assert HARD_BOUNDS["sensors"] <= MAX_LAYOUT  # the ground layout stops there
    for name, bound in BOUNDS.items():
        assert bound.maximum < HARD_BOUNDS.get(name, HARD_MAXIMUM), name


def test_unbounded_accepts_what_is_over_the_soft_bound_and_it_runs(cli, tmp_path):
    """Between the two tiers, unbounded is the override it says: 10,000 ground sensors per
    group over a 2,000 bound (lowered here) validate and run."""
    import sim.spec.limits

    data = patched({("ground_sensors", 0, "spacing"): "1km", ("limits",): {"unbounded": True}})
    original = sim.spec.limits.BOUNDS["sensors"]
    sim.spec.limits.BOUNDS["sensors"] = sim.spec.limits.Bound(10, original.unit)
    try:
        status, err = cli(data)
    finally:
        sim.spec.limits.BOUNDS["sensors"] = original
    assert (status, err) == (0, "")
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["assets.g.sensors"] == 100


def test_sweep_unbounded_does_not_lift_the_hard_tier(tmp_path, capsys):
    """A sweep with `limits.unbounded` and 1e12 replications, or 2e6 sampled points, is
    refused before any point is built (it would fill memory planning the runs)."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(BASE), encoding="utf-8")
    sweep = tmp_path / "w.yaml"
    for body, key, expected in [
        ("replications: 1000000000000\n", "replications (line 3)", "1e+12 runs"),
        (
            "replications: 1\nsample: {n: 2000000, ranges: {duration: [1d, 2d]}}\n",
            "sample.n (line 4)",
            "2e+06 points",
        ),
    ]:
        text = "name: w\nscenario: s.yaml\n" + body + "limits: {unbounded: true}\n"
        sweep.write_text(text, encoding="utf-8")
        assert main(["sweep", str(sweep), "--out", str(tmp_path / "out")]) == 2
        err = capsys.readouterr().err
        assert key in err and expected in err and "even with limits.unbounded" in err
        assert not (tmp_path / "out").exists()
    sweep.write_text(
        "name: w\nscenario: s.yaml\nreplications: 200000\nlimits: {unbounded: true}\n",
        encoding="utf-8",
    )
    from sim.sweep import load_sweep

    assert len(load_sweep(sweep).tasks()) == 200_000  # over the soft bound: lifted


# --- estimates of replayed violations ---------------------------------------------------


def test_replay_estimate_uses_the_files_rows_and_durations(cli, tmp_path):
    """The trials estimate of a replay counts the file's rows and their durations (it used
    the generator's violations.duration and no violations at all, so a replay with a
    1 ms glimpse and year-long violations passed validation and never finished)."""
    rows = "id,t_start_s,duration_s,x_m,y_m\n" + "".join(
        f"v{k},{k},3e7,20000,0\n" for k in range(3)
    )
    data = replay(cli, rows)
    data["drones"][0]["sensor"]["glimpse"] = "1ms"
    status, err = cli(data, command="validate")
    assert_refused(tmp_path, status, err)
    assert "drones[0].sensor.glimpse (line" in err
    assert "3 violations active 5e+05 min on average give" in err and "detection trials" in err


def test_replay_estimate_scales_with_the_files_durations(tmp_path):
    """Same rows, durations ten times longer: ten times the trials; violations.duration
    (the generator's setting) changes nothing for a replay."""
    from sim.spec.geometry import fleet_geometry
    from sim.spec.limits import estimate

    def trials(duration_s: float, generator: str) -> tuple[float, float]:
        csv_path = tmp_path / f"v{duration_s:g}.csv"
        csv_path.write_text(
            "id,t_start_s,duration_s,x_m,y_m\n"
            + "".join(f"v{k},{k},{duration_s},20000,0\n" for k in range(5)),
            encoding="utf-8",
        )
        data = patched(
            {("violations", "file"): str(csv_path), ("violations", "duration"): generator}
        )
        del data["violations"]["rate"]
        data["drones"][0]["sensor"]["glimpse"] = "10s"
        scenario = scenario_from_data(data)
        line = scenario_line(scenario)
        geometries = [fleet_geometry(f, line)[0] for f in scenario.drones]
        est = estimate(scenario, line, geometries)
        return est["violations"], est["trials"]

    n, short = trials(600, "30min")
    assert n == 5
    _, long = trials(6000, "30min")
    _, other = trials(600, "5d")
    assert long == pytest.approx(10 * short)
    assert other == short


def test_a_sky_of_too_many_cloud_spells_is_refused(cli):
    """Clouds of one-second spells in 10 m regions over a month would write billions of
    clouds.csv rows: refused before anything is built, naming the key and the estimate."""
    status, err = cli(
        "name: s\nduration: 30d\n"
        "line: {points: [[35, 47], [36, 47]], buffer: 5km}\n"
        "violations: {rate: 1/day}\n"
        "environment: {clouds: {clear: 1s, overcast: 1s, cell: 10m}}\n",
        command="validate",
    )
    assert status == 2
    assert "environment.clouds.clear" in err and "cloud spells" in err
    assert "expected at most 5e+06" in err
