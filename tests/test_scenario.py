"""Scenario loading: the shipped example, defaults, round trips, files, replay, schema."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml

from sim.cli import main
from sim.core.distributions import Distribution
from sim.core.errors import ScenarioError
from sim.pipeline import run
from sim.spec.load import load_scenario, scenario_from_data
from sim.spec.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
DATA = Path(__file__).resolve().parent / "data"


def minimal() -> dict:
    """The smallest valid scenario: a 100 km local line, generated violations, no assets."""
    return {
        "name": "minimal",
        "duration": "1d",
        "line": {"crs": "local", "points": [[0, 0], [100_000, 0]]},
        "violations": {"rate": "10/day"},
    }


# --- the shipped example -------------------------------------------------------------


def test_quickstart_loads_with_si_values():
    """quickstart.yaml loads and its unit strings become SI numbers."""
    s = load_scenario(QUICKSTART)
    assert (s.name, s.seed, s.duration) == ("quickstart", 1, 7 * 86400.0)
    assert s.violations.rate == pytest.approx(30 / 86400, rel=1e-12)
    assert s.violations.duration == Distribution("lognormal", 1800.0, 1.0)
    assert s.violations.offset == Distribution("uniform", -5000.0, 5000.0)
    drone = s.drones[0]
    assert drone.speed == pytest.approx(130 / 3.6, rel=1e-12)
    assert (drone.sensor.range, drone.sensor.pd, drone.endurance) == (5000.0, 0.7, 86400.0)
    assert drone.loss_rate == pytest.approx(0.0003 / 3600, rel=1e-12)
    assert s.satellites[0].schedule.first == 5 * 3600.0
    assert s.reporting.verification.window == 12 * 3600.0


def test_quickstart_modalities():
    """The scenario's modalities are those of its assets, sorted."""
    assert load_scenario(QUICKSTART).modalities == ["acoustic", "eo", "sar"]


# --- defaults ------------------------------------------------------------------------


def test_defaults_are_filled_in():
    """Omitted keys get the documented defaults."""
    s = scenario_from_data(minimal())
    assert s.seed == 0
    assert s.start == dt.datetime(2026, 1, 7, 0, 0, 0, tzinfo=dt.timezone.utc)
    assert (s.line.buffer, s.line.cell, s.line.crs) == (10_000.0, 1_000.0, "local")
    assert s.reporting.verification.modalities == 2
    assert s.reporting.verification.window == 86_400.0
    assert s.violations.duration == Distribution("fixed", 1800.0)
    assert list(s.violations.types) == ["violation"]
    assert (s.drones, s.ground_sensors, s.satellites) == ([], [], [])


def test_to_data_writes_start_as_utc_string():
    """The resolved start time is an ISO string in UTC with a Z."""
    assert scenario_from_data(minimal()).to_data()["start"] == "2026-01-07T00:00:00Z"


def test_start_with_offset_is_converted_to_utc():
    """A start time given in another time zone is stored in UTC."""
    data = minimal() | {"start": "2026-03-01T12:00:00+02:00"}
    assert scenario_from_data(data).start == dt.datetime(2026, 3, 1, 10, tzinfo=dt.timezone.utc)


def test_scenario_from_data_does_not_mutate_input():
    """Validation never changes the caller's dict."""
    data = minimal() | {"line": {"file": "line.geojson"}}
    before = json.dumps(data, sort_keys=True)
    scenario_from_data(data, base=DATA)
    assert json.dumps(data, sort_keys=True) == before


# --- round trip ----------------------------------------------------------------------


def test_quickstart_round_trips_through_yaml(tmp_path):
    """to_data() dumped to YAML and loaded again gives an equal Scenario."""
    s = load_scenario(QUICKSTART)
    path = tmp_path / "resolved.yaml"
    path.write_text(yaml.safe_dump(s.to_data(), sort_keys=False), encoding="utf-8")
    assert load_scenario(path) == s


def test_minimal_round_trips_through_yaml(tmp_path):
    """A scenario made of defaults round-trips too (defaults written out explicitly)."""
    s = scenario_from_data(minimal() | {"start": "2026-02-01T06:30:00Z", "seed": 7})
    path = tmp_path / "resolved.yaml"
    path.write_text(yaml.safe_dump(s.to_data()), encoding="utf-8")
    assert load_scenario(path) == s


def test_to_data_is_resolved_to_si_numbers():
    """to_data() holds SI numbers, not the unit strings of the file."""
    data = load_scenario(QUICKSTART).to_data()
    assert data["duration"] == 604800.0
    assert data["drones"][0]["speed"] == pytest.approx(130 / 3.6, rel=1e-12)
    assert data["violations"]["duration"] == {"lognormal": {"median": 1800.0, "sigma": 1.0}}


# --- files relative to the scenario --------------------------------------------------


def test_line_file_is_read_relative_to_the_scenario(monkeypatch, tmp_path):
    """line.file is resolved beside the scenario file, not the working directory."""
    monkeypatch.chdir(tmp_path)
    s = load_scenario(DATA / "from_files.yaml")
    assert s.line.file is None
    assert s.line.points == [(35.0, 47.5), (35.5, 47.5), (35.8, 47.6)]


def test_line_file_in_a_copied_folder(tmp_path):
    """A scenario moved with its files still finds them (relative, not absolute, paths)."""
    folder = tmp_path / "copy"
    shutil.copytree(DATA, folder)
    s = load_scenario(folder / "from_files.yaml")
    assert Path(s.violations.file) == (folder / "violations_lonlat.csv").resolve()


def test_line_file_with_feature_collection(tmp_path):
    """A FeatureCollection gives its first LineString (a Point before it is skipped)."""
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}},
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[0, 0], [5, 0]]},
            },
        ],
    }
    (tmp_path / "l.geojson").write_text(json.dumps(collection), encoding="utf-8")
    data = minimal() | {"line": {"file": "l.geojson", "crs": "local"}}
    assert scenario_from_data(data, base=tmp_path).line.points == [(0.0, 0.0), (5.0, 0.0)]


# --- violations replay ---------------------------------------------------------------


def test_replay_lonlat_csv_ids_in_events():
    """A lon/lat violations CSV replays: its ids, times and durations are the events."""
    result = run(load_scenario(DATA / "from_files.yaml"))
    events = result.events
    assert events["id"].tolist() == ["ll-a", "ll-b", "ll-c"]
    assert events["t_start_s"].tolist() == [100.0, 3600.0, 7200.0]
    assert events["duration_s"].tolist() == [600.0, 1200.0, 60.0]
    assert events["lon"].tolist() == pytest.approx([35.10, 35.40, 35.70], abs=1e-9)


def test_replay_xy_csv_ids_types_and_positions_in_events():
    """An x_m,y_m violations CSV replays on a local line, with its types and positions."""
    data = minimal() | {
        "violations": {
            "file": "violations_xy.csv",
            "types": {"artillery": {}, "armour": {}},
        }
    }
    events = run(scenario_from_data(data, base=DATA)).events
    assert events["id"].tolist() == ["xy-1", "xy-2", "xy-3"]
    assert events["type"].tolist() == ["artillery", "armour", "artillery"]
    assert events["x"].tolist() == [1000.0, 50000.0, 99000.0]
    assert events["y"].tolist() == [0.0, 2000.0, -100.0]
    assert events["offset_m"].tolist() == pytest.approx([0.0, 2000.0, -100.0], abs=1e-6)


def test_replay_file_is_made_absolute():
    """The resolved scenario holds the absolute path of the replayed CSV."""
    s = scenario_from_data(minimal() | {"violations": {"file": "violations_xy.csv"}}, base=DATA)
    assert s.violations.file == str((DATA / "violations_xy.csv").resolve())


def test_resolved_data_of_a_replay_with_undeclared_types():
    """The file's types are the run's: declared with the default weight and signature when
    the run's types are given (the data written), left out otherwise (a sweep's base)."""
    s = scenario_from_data(minimal() | {"violations": {"file": "violations_xy.csv"}}, base=DATA)
    assert "types" not in s.resolved_data()["violations"]
    types = s.resolved_data(["violation", "artillery", "armour"])["violations"]["types"]
    assert types == {name: {"weight": 1.0, "signature": {}} for name in types}
    assert list(types) == ["violation", "artillery", "armour"]
    again = scenario_from_data(s.resolved_data(["violation", "artillery", "armour"]))
    assert list(again.violations.types) == ["violation", "artillery", "armour"]


def test_resolved_data_keeps_declared_or_generated_types():
    """Declared types (replayed or generated violations) are written as declared."""
    declared = {"artillery": {"weight": 2.0}, "armour": {}}
    replay = minimal() | {"violations": {"file": "violations_xy.csv", "types": declared}}
    for data in (replay, minimal()):
        s = scenario_from_data(data, base=DATA)
        assert s.resolved_data() == s.to_data()
        assert s.resolved_data(["violation", "x"]) == s.to_data()


# --- JSON schema ---------------------------------------------------------------------


def test_schema_lists_the_top_level_keys():
    """The JSON schema is JSON and its properties are the scenario's top-level keys."""
    schema = json.loads(json.dumps(Scenario.model_json_schema()))
    assert set(schema["properties"]) == {
        "name",
        "description",
        "seed",
        "start",
        "duration",
        "line",
        "violations",
        "drones",
        "ground_sensors",
        "satellites",
        "reporting",
        "environment",
        "limits",
        "cueing",
        "cueing_baseline",
    }
    assert set(schema["required"]) == {"name", "duration", "line", "violations"}
    assert schema["additionalProperties"] is False


def test_schema_command_prints_valid_json(capsys):
    """`ceasefire-sim schema` prints the same schema as JSON and exits 0."""
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == Scenario.model_json_schema()


def test_schema_is_a_valid_json_schema_that_accepts_quickstart():
    """The schema is a valid Draft 2020-12 schema, and quickstart.yaml conforms to it."""
    jsonschema = pytest.importorskip("jsonschema")
    schema = Scenario.model_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    raw = yaml.safe_load(QUICKSTART.read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(raw)) == []


def test_schema_rejects_an_unknown_top_level_key():
    """The schema flags an unknown top-level key, as the loader does."""
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(Scenario.model_json_schema())
    raw = minimal() | {"dronez": []}
    assert [e.validator for e in validator.iter_errors(raw)] == ["additionalProperties"]


# --- environment ---------------------------------------------------------------------


def test_without_environment_the_resolved_data_has_no_environment_key():
    """The idealised sky: a scenario without ``environment`` resolves as it always did."""
    s = scenario_from_data(minimal())
    assert s.environment is None
    assert "environment" not in s.to_data()


LONLAT_LINE = {"crs": "lonlat", "points": [[35.0, 47.5], [36.0, 47.6]]}


def test_environment_defaults_turn_daylight_on_and_clouds_off():
    """``environment: {}`` means daylight at civil twilight, no clouds; it resolves again."""
    s = scenario_from_data(minimal() | {"line": LONLAT_LINE, "environment": {}})
    assert s.environment is not None and s.environment.daylight is not None
    assert s.environment.daylight.min_sun_elevation == -6.0
    assert s.environment.clouds is None
    assert scenario_from_data(s.to_data()) == s


@pytest.mark.parametrize(
    ("clouds", "message"),
    [
        ({"clear": "1d"}, "clear and overcast go together; give overcast"),
        ({"monthly": [0.3] * 12}, "monthly and spell go together; give spell"),
        ({"clear": "1d", "overcast": "2d", "spell": "1d"}, "not both"),
        ({"cell": "50km"}, "give clear and overcast"),
        ({"monthly": [0.3] * 11, "spell": "1d"}, "12"),
    ],
)
def test_clouds_need_one_whole_form(clouds, message):
    """Clouds take mean spells (clear + overcast) or monthly fractions + spell, whole."""
    with pytest.raises(ScenarioError) as err:
        scenario_from_data(minimal() | {"environment": {"clouds": clouds}})
    assert "environment.clouds" in str(err.value)
    assert message in str(err.value)


def test_daylight_on_a_local_line_is_refused():
    """The sun needs a place on Earth: daylight with a local line is one clear problem;
    clouds alone (along the line's chainage) are fine there."""
    with pytest.raises(ScenarioError) as err:
        scenario_from_data(minimal() | {"environment": {}})
    assert "environment.daylight" in str(err.value) and "lon/lat" in str(err.value)
    clouds = {"daylight": None, "clouds": {"clear": "1d", "overcast": "1d"}}
    assert scenario_from_data(minimal() | {"environment": clouds}).environment is not None
