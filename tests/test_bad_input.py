"""Bad input through the CLI: exit status 2, a message naming the YAML path, no traceback,
nothing written."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from sim.cli import main

DELETE = object()

BASE = {
    "name": "bad",
    "duration": "1d",
    "line": {"crs": "local", "points": [[0, 0], [100_000, 0]]},
    "violations": {
        "rate": "10/day",
        "types": {"artillery": {"signature": {"eo": 0.8, "seismic": 1.0}}},
    },
    "drones": [
        {"name": "d", "count": 2, "speed": "100km/h", "sensor": {"range": "2km", "pd": 0.9}}
    ],
    "ground_sensors": [
        {"name": "g", "modality": "seismic", "spacing": "5km", "sensor": {"range": "1km"}}
    ],
}


def patched(patch: dict[tuple, object] | None = None) -> dict:
    """A deep copy of BASE with ``{(key, index, ...): value}`` set (``DELETE`` removes)."""
    data = copy.deepcopy(BASE)
    for path, value in (patch or {}).items():
        node = data
        for part in path[:-1]:
            node = node[part]
        if value is DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = value
    return data


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    """Write a scenario under tmp_path/in, run the CLI on it, return (status, stderr).

    The working directory is tmp_path, so even a default results folder would land
    where ``assert_nothing_written`` looks.
    """
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "in"
    folder.mkdir()

    def invoke(scenario: dict | str | None, *extra: str, command: str = "run"):
        path = folder / "scenario.yaml"
        if scenario is not None:
            text = scenario if isinstance(scenario, str) else yaml.safe_dump(scenario)
            path.write_text(text, encoding="utf-8")
        argv = [command, str(path), *extra]
        if command == "run" and "--out" not in extra:
            argv += ["--out", str(tmp_path / "out")]
        status = main(argv)
        captured = capsys.readouterr()
        return status, captured.err

    invoke.folder = folder
    return invoke


def assert_refused(tmp_path: Path, status: int, err: str) -> None:
    """Exit 2, an error message without traceback, no results or temporary folder."""
    assert status == 2
    assert err.startswith("error:")
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_base_scenario_is_valid(cli, tmp_path):
    """The base of every bad case runs (so each case fails for its patch alone)."""
    status, err = cli(BASE)
    assert (status, err) == (0, "")
    assert (tmp_path / "out" / "manifest.json").is_file()


# Each case: (patch on BASE, text the message must contain: the YAML path, then what was
# expected).
CASES = {
    "typo_in_key": (
        {("drones", 0, "endurnace"): "2h"},
        ["drones[0].endurnace", "unknown key 'endurnace' (did you mean 'endurance'?)"],
    ),
    "unknown_unit": (
        {("drones", 0, "speed"): "2 parsecs"},
        ["drones[0].speed", "unknown speed unit 'parsecs'", "expected one of km/h"],
    ),
    "unknown_distance_unit": (
        {("drones", 0, "sensor", "range"): "2 parsecs"},
        [
            "drones[0].sensor.range",
            "unknown distance unit 'parsecs'",
            "expected one of cm, km, m, mm, nmi",
        ],
    ),
    "negative_speed": (
        {("drones", 0, "speed"): -5},
        ["drones[0].speed", "greater than 0", "got -5"],
    ),
    "pd_above_one": (
        {("drones", 0, "sensor", "pd"): 1.5},
        ["drones[0].sensor.pd", "expected a probability between 0 and 1; got 1.5"],
    ),
    "pd_negative_percent": (
        {("ground_sensors", 0, "sensor", "pd"): "-5%"},
        ["ground_sensors[0].sensor.pd", "expected a probability between 0 and 1"],
    ),
    "line_of_one_point": (
        {("line", "points"): [[0, 0]]},
        ["line", "a line needs at least two points; got 1"],
    ),
    "duration_zero": ({("duration",): 0}, ["duration", "greater than 0"]),
    "duration_zero_with_unit": ({("duration",): "0s"}, ["duration", "greater than 0"]),
    "missing_required_key": (
        {("drones", 0, "speed"): DELETE},
        ["drones[0].speed", "required key is missing"],
    ),
    "missing_top_level_key": ({("violations",): DELETE}, ["violations", "required key is missing"]),
    "string_for_integer": (
        {("drones", 0, "count"): "many"},
        ["drones[0].count", "valid integer", "got 'many'"],
    ),
    "string_for_distance": (
        {("ground_sensors", 0, "sensor", "range"): "far"},
        ["ground_sensors[0].sensor.range", "expected a distance such as '500m' or '2km'"],
    ),
    "modality_typo_in_signature": (
        {("violations", "types", "artillery", "signature"): {"seismc": 0.5}},
        [
            "violations.types.artillery.signature.seismc",
            "no asset has modality 'seismc' (did you mean 'seismic'?)",
        ],
    ),
    "hotspot_beyond_line": (
        {("violations", "along"): {"hotspots": [{"at": "150km", "spread": "1km"}]}},
        ["violations.along.hotspots[0].at", "beyond the line's length (100 km)"],
    ),
    "endurance_too_short_for_transit": (
        {
            ("drones", 0, "base"): {"at": "0km", "offset": "-50km"},
            ("drones", 0, "endurance"): "30min",
        },
        ["drones[0].endurance", "leaves no time on station"],
    ),
    "stations_exceed_count": (
        {("drones", 0, "patrol"): {"stations": 3}},
        ["drones[0].patrol.stations", "3 stations need at least 3 airframes; count is 2"],
    ),
    "unknown_distribution": (
        {("violations", "duration"): {"exponental": "30min"}},
        ["violations.duration", "unknown distribution 'exponental' (did you mean 'exponential'?)"],
    ),
    "bad_name": ({("name",): "bad name"}, ["name", "expected a plain file name"]),
    "negative_seed_in_file": ({("seed",): -3}, ["seed", "greater than or equal to 0"]),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_scenario_is_refused_with_its_path(cli, tmp_path, case):
    """Each bad scenario exits 2 naming its YAML path and what was expected; nothing written."""
    patch, expected = CASES[case]
    status, err = cli(patched(patch))
    assert_refused(tmp_path, status, err)
    for text in expected:
        assert text in err


def test_duplicate_asset_names_are_refused(cli, tmp_path):
    """Two assets with one name: exit 2, the repeated name given."""
    status, err = cli(patched({("ground_sensors", 0, "name"): "d"}))
    assert_refused(tmp_path, status, err)
    assert "asset names must be unique; 'd' is also drones[0].name" in err


def test_duplicate_asset_names_name_the_path(cli, tmp_path):
    """The duplicate-name error names the second asset's path."""
    status, err = cli(patched({("ground_sensors", 0, "name"): "d"}))
    assert status == 2
    assert "ground_sensors[0].name" in err


@pytest.mark.parametrize(
    ("patch", "path"),
    [
        ({("line", "points"): [[0, 0]]}, "line.points"),
        ({("drones", 0, "patrol"): {"stations": 3}}, "drones[0].patrol.stations"),
        ({("ground_sensors", 0, "name"): "d"}, "ground_sensors[0].name"),
    ],
    ids=["line_of_one_point", "stations_exceed_count", "duplicate_names"],
)
def test_model_level_errors_name_the_key_without_dumping_the_mapping(cli, patch, path):
    """Cross-field errors name the offending key and do not dump the raw mapping."""
    status, err = cli(patched(patch))
    assert status == 2
    assert f"{path}" in err
    assert "got {" not in err


def test_duration_zero_message_gives_the_value(cli):
    """duration: 0 says the value it got, as other constraint errors do."""
    status, err = cli(patched({("duration",): 0}))
    assert status == 2
    assert "got 0" in err


@pytest.mark.parametrize(
    "patch",
    [
        {("violations", "along"): {"hotspots": [{"at": "150km", "spread": "1km"}]}},
        {("drones", 0, "base"): {"at": 0, "offset": "-50km"}, ("drones", 0, "endurance"): "30min"},
    ],
    ids=["hotspot_beyond_line", "endurance_too_short"],
)
def test_build_errors_name_the_file(cli, patch):
    """Errors found after validation still start with the scenario file, as the others do."""
    status, err = cli(patched(patch))
    assert status == 2
    assert str(cli.folder / "scenario.yaml") in err


def test_boolean_count_is_refused(cli, tmp_path):
    """A boolean where a count goes is a wrong type, as booleans are for quantities."""
    status, err = cli(patched({("drones", 0, "count"): True}))
    assert_refused(tmp_path, status, err)
    assert "drones[0].count" in err


@pytest.mark.parametrize(
    "patch",
    [
        {("violations", "duration"): {"lognormal": {"median": "30min", "sigma": None}}},
        {("violations", "duration"): {"lognormal": {"median": "30min", "sigma": [1]}}},
        {("violations", "rate"): "inf/day"},
        {("duration",): "1e400s"},
        {("violations",): {"file": "."}},
    ],
    ids=["sigma_null", "sigma_list", "rate_inf", "duration_overflow", "violations_file_is_dir"],
)
def test_unchecked_values_are_bad_input(cli, tmp_path, patch):
    """Values that slip past validation are still refused with exit 2, no traceback."""
    status, err = cli(patched(patch))
    assert_refused(tmp_path, status, err)


def test_nan_sigma_is_refused(cli, tmp_path):
    """A NaN lognormal sigma is refused (it makes every duration NaN)."""
    status, err = cli(
        patched({("violations", "duration"): {"lognormal": {"median": "30min", "sigma": "nan"}}})
    )
    assert_refused(tmp_path, status, err)
    assert "violations.duration" in err


# --- the file itself -----------------------------------------------------------------


def test_yaml_syntax_error_gives_line_and_column(cli, tmp_path):
    """A YAML syntax error is refused with its line and column."""
    text = "name: t\nduration: 1d\nline:\n  crs: local\n points: [[0, 0], [1, 0]]\n"
    status, err = cli(text)
    assert_refused(tmp_path, status, err)
    assert "YAML syntax error at line 5, column 2" in err


def test_duplicate_yaml_key_is_refused(cli, tmp_path):
    """A key given twice (a second `duration:`) is refused, naming the key."""
    text = yaml.safe_dump(BASE) + "duration: 2d\n"
    status, err = cli(text)
    assert_refused(tmp_path, status, err)
    assert "duration" in err


def test_missing_scenario_file(cli, tmp_path):
    """A scenario file that does not exist is refused, naming it."""
    status, err = cli(None)
    assert_refused(tmp_path, status, err)
    assert f"file not found: {cli.folder / 'scenario.yaml'}" in err


def test_empty_scenario_file(cli, tmp_path):
    """An empty file is refused: a mapping of scenario keys was expected."""
    status, err = cli("")
    assert_refused(tmp_path, status, err)
    assert "expected a mapping of scenario keys; the file is empty" in err


def test_top_level_list(cli, tmp_path):
    """A YAML list at the top level is refused: a mapping was expected."""
    status, err = cli("- name: a\n- name: b\n")
    assert_refused(tmp_path, status, err)
    assert "expected a mapping of scenario keys; the file is list" in err


def test_scenario_path_is_a_directory(tmp_path, monkeypatch, capsys):
    """A directory given as the scenario is refused with exit 2."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    status = main(["run", str(tmp_path / "in"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert_refused(tmp_path, status, err)
    assert f"cannot read {tmp_path / 'in'}" in err


# --- files named by the scenario -----------------------------------------------------


def test_missing_violations_file(cli, tmp_path):
    """A violations file that does not exist is refused under violations.file."""
    status, err = cli(patched({("violations",): {"file": "nope.csv"}}))
    assert_refused(tmp_path, status, err)
    assert f"violations.file (line 24): file not found: {cli.folder / 'nope.csv'}" in err


def test_violations_csv_missing_column(cli, tmp_path):
    """A violations CSV without duration_s is refused, naming the missing column."""
    (cli.folder / "v.csv").write_text("id,t_start_s,x_m,y_m\na,10,5,5\n", encoding="utf-8")
    status, err = cli(patched({("violations",): {"file": "v.csv"}}))
    assert_refused(tmp_path, status, err)
    assert "violations.file (line 24): v.csv is missing column(s) duration_s" in err


def test_violations_csv_missing_coordinates(cli, tmp_path):
    """A violations CSV with neither x_m,y_m nor lon,lat names both choices."""
    (cli.folder / "v.csv").write_text("id,t_start_s,duration_s\na,10,60\n", encoding="utf-8")
    status, err = cli(patched({("violations",): {"file": "v.csv"}}))
    assert_refused(tmp_path, status, err)
    assert "missing column(s) x_m, y_m (or lon, lat)" in err


def test_violations_csv_bad_number_names_the_row(cli, tmp_path):
    """A non-numeric cell is refused, naming the CSV line."""
    (cli.folder / "v.csv").write_text(
        "id,t_start_s,duration_s,x_m,y_m\na,10,abc,5,5\n", encoding="utf-8"
    )
    status, err = cli(patched({("violations",): {"file": "v.csv"}}))
    assert_refused(tmp_path, status, err)
    assert "v.csv line 2, column duration_s: expected a number" in err


def test_missing_line_file(cli, tmp_path):
    """A line file that does not exist is refused under line.file."""
    status, err = cli(patched({("line",): {"file": "nope.geojson"}}))
    assert_refused(tmp_path, status, err)
    assert "line.file (line 16): file not found" in err


def test_malformed_geojson_features(cli, tmp_path):
    """A FeatureCollection whose features are not objects is refused under line.file."""
    (cli.folder / "l.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [1]}), encoding="utf-8"
    )
    status, err = cli(patched({("line",): {"file": "l.geojson", "crs": "local"}}))
    assert_refused(tmp_path, status, err)
    assert "line.file" in err


# --- command-line overrides and options ----------------------------------------------


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            "drone[0].speed=3",
            ["--set drone[0].speed", "no key 'drone' here (did you mean 'drones'?)"],
        ),
        ("drones[0].sped=3", ["drones[0].sped", "unknown key 'sped' (did you mean 'speed'?)"]),
        ("drones[3].speed=3", ["--set drones[3].speed", "index 3 out of range; the list has 1"]),
        (
            "drones.0.speed=3",
            ["--set drones.0.speed", "'0' names a key, but this is not a mapping"],
        ),
        ("drones[0].speed", ["--set", "expected PATH=VALUE; got 'drones[0].speed'"]),
    ],
    ids=["typo_top", "typo_leaf", "index_out_of_range", "key_on_list", "no_equals"],
)
def test_set_to_a_bad_path(cli, tmp_path, override, expected):
    """A --set to a path that does not exist is refused with a close match."""
    status, err = cli(BASE, "--set", override)
    assert_refused(tmp_path, status, err)
    for text in expected:
        assert text in err


def test_set_with_a_bad_value(cli, tmp_path):
    """A --set value that does not parse is refused under its YAML path."""
    status, err = cli(BASE, "--set", "drones[0].speed=fast")
    assert_refused(tmp_path, status, err)
    assert "drones[0].speed" in err
    assert "expected a speed such as '30m/s' or '120km/h'; got 'fast'" in err


def test_set_with_a_bad_value_says_it_came_from_set(cli):
    """The error for a bad --set value points at the override, not a line of the file."""
    status, err = cli(BASE, "--set", "drones[0].speed=fast")
    assert status == 2
    assert "--set" in err


def test_set_with_invalid_yaml_value(cli, tmp_path):
    """--set drones[0].speed=[1 is refused in one line naming the override."""
    status, err = cli(BASE, "--set", "drones[0].speed=[1")
    assert_refused(tmp_path, status, err)
    assert "--set drones[0].speed" in err
    assert "<unicode string>" not in err


def test_negative_seed_option(cli, tmp_path):
    """--seed -1 is refused as bad input."""
    status, err = cli(BASE, "--seed", "-1")
    assert_refused(tmp_path, status, err)
    assert "seed" in err


def test_validate_refuses_bad_input_too(cli, tmp_path):
    """`validate` reports the same problem with exit 2."""
    status, err = cli(patched({("drones", 0, "speed"): -5}), command="validate")
    assert_refused(tmp_path, status, err)
    assert "drones[0].speed" in err


def test_out_is_an_existing_folder_that_is_not_results(cli, tmp_path):
    """--out at a non-empty folder without a manifest is refused, the folder untouched."""
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.txt").write_text("precious", encoding="utf-8")
    status, err = cli(BASE, "--out", str(taken))
    assert status == 2
    assert "Traceback" not in err
    assert f"refusing to overwrite {taken}" in err
    assert [p.name for p in taken.iterdir()] == ["keep.txt"]
    assert (taken / "keep.txt").read_text(encoding="utf-8") == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "taken"]


# --- the real console script ---------------------------------------------------------


def test_console_script_exits_2_without_traceback(tmp_path):
    """The installed `ceasefire-sim` prints one error line, no traceback, and exits 2."""
    exe = shutil.which("ceasefire-sim")
    if exe is None:
        pytest.skip("the ceasefire-sim console script is not installed")
    (tmp_path / "in").mkdir()
    scenario = tmp_path / "in" / "scenario.yaml"
    scenario.write_text(yaml.safe_dump(patched({("drones", 0, "speed"): "2 parsecs"})))
    proc = subprocess.run(
        [exe, "run", str(scenario), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: {scenario}: drones[0].speed")
    assert "unknown speed unit 'parsecs'" in proc.stderr
    assert proc.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_standoff_that_breaks_the_patrol_path(cli, tmp_path):
    """A standoff inside a hairpin bend leaves no path: refused, naming patrol.standoff."""
    status, err = cli(
        patched(
            {
                ("line", "points"): [[0, 0], [10_000, 0], [0, 100]],
                ("drones", 0, "patrol"): {"stations": 1, "standoff": "3km"},
            }
        )
    )
    assert_refused(tmp_path, status, err)
    assert "drones[0].patrol.standoff" in err and "smaller standoff" in err
