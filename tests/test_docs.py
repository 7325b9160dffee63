"""Keep docs/ true to the code: keys, columns, metrics and examples."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

from sim import units
from sim.distributions import KINDS
from sim.engine import build, run
from sim.plots import PLOTS
from sim.results import (
    COVERAGE_COLUMNS,
    COVERAGE_TIME_COLUMNS,
    DETECTION_COLUMNS,
    EVENT_COLUMNS,
    MANIFEST,
    write_results,
)
from sim.scenario import Scenario, load_scenario, scenario_from_data

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
REFERENCE = (DOCS / "scenario-reference.md").read_text(encoding="utf-8")
RESULTS = (DOCS / "results.md").read_text(encoding="utf-8")
MODEL = (DOCS / "model.md").read_text(encoding="utf-8")
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
ASSET_CLASSES = ("drone", "ground", "satellite")


# --- helpers -------------------------------------------------------------------------


def section(text: str, needle: str) -> str:
    """The Markdown section whose heading contains ``needle``, up to the next heading
    of the same or a higher level (the section's own subsections included)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        match = re.match(r"(#+) ", line)
        if match and needle in line:
            level = len(match.group(1))
            body = []
            for other in lines[i + 1 :]:
                head = re.match(r"(#+) ", other)
                if head and len(head.group(1)) <= level:
                    break
                body.append(other)
            return "\n".join(body)
    raise AssertionError(f"no heading containing {needle!r}")


def own_section(text: str, needle: str) -> str:
    """Like ``section`` but stops at any next heading (subsections excluded)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"#+ ", line) and needle in line:
            body = []
            for other in lines[i + 1 :]:
                if re.match(r"#+ ", other):
                    break
                body.append(other)
            return "\n".join(body)
    raise AssertionError(f"no heading containing {needle!r}")


def schema_models() -> dict[str, list[str]]:
    """Every model reachable from Scenario's JSON Schema -> its field names."""
    schema = Scenario.model_json_schema()
    defs = schema["$defs"]
    found: dict[str, list[str]] = {"Scenario": list(schema["properties"])}
    todo = [schema]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[-1]
                if name not in found:
                    found[name] = list(defs[name].get("properties", {}))
                    todo.append(defs[name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return found


MODEL_FIELDS = [(model, key) for model, keys in schema_models().items() for key in keys]


def yaml_blocks(text: str) -> list[str]:
    """The bodies of the ```yaml fenced blocks of ``text``."""
    return re.findall(r"^```yaml\n(.*?)^```", text, flags=re.S | re.M)


def metric_family(key: str, types: set[str], groups: set[str]) -> str:
    """Replace the type, class, group and grid names in a metric key by placeholders."""
    parts = key.split(".")
    if parts[0] == "coverage" and parts[1] not in ("time_fraction", "revisit"):
        assert parts[1] in ("line", "zone")
        parts[1] = "<grid>"
    if parts[:2] == ["detection", "probability_by_type"] and parts[2] in types:
        parts[2] = "<type>"
    elif parts[:2] in (["detection", "first_by_class"], ["detection", "by_class"]):
        assert parts[2] in ASSET_CLASSES
        parts[2] = "<class>"
    elif parts[:2] == ["false_alarms", "per_day"] and len(parts) > 2:
        assert parts[2] in ASSET_CLASSES
        parts[2] = "<class>"
    elif parts[0] == "assets":
        assert parts[1] in groups
        parts[1] = "<group>"
    return ".".join(parts)


@pytest.fixture(scope="module")
def quickstart_run():
    scenario = load_scenario(QUICKSTART)
    return scenario, run(scenario)


@pytest.fixture(scope="module")
def cli_folder(tmp_path_factory) -> Path:
    """A results folder of quickstart.yaml written by the command line, plots included."""
    from sim.cli import main

    out = tmp_path_factory.mktemp("cli") / "run"
    assert main(["run", str(QUICKSTART), "--out", str(out), "--quiet"]) == 0
    return out


def files_under(folder: Path) -> list[str]:
    """Paths of every file of ``folder``, relative to it, with '/' separators."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


# Fragments of the reference are merged, key by key at the top level, into this base
# (a lonlat line of about 133 km with assets of modalities eo, acoustic and sar).
BASE = {
    "name": "docs_base",
    "duration": "2d",
    "line": {
        "crs": "lonlat",
        "points": [[35.28, 47.53], [35.78, 47.52], [35.95, 47.44], [36.26, 47.60], [36.83, 47.84]],
        "buffer": "10km",
    },
    "violations": {"rate": "10/day"},
    "drones": [
        {"name": "d", "count": 2, "modality": "eo", "speed": "100km/h", "sensor": {"range": "3km"}}
    ],
    "ground_sensors": [
        {"name": "g", "modality": "acoustic", "spacing": "10km", "sensor": {"range": "1km"}}
    ],
    "satellites": [{"name": "s", "modality": "sar", "schedule": {"every": "1d"}}],
}


def write_inputs(folder: Path) -> None:
    """The files the reference's examples name: line.geojson and observed.csv."""
    line = {"type": "LineString", "coordinates": BASE["line"]["points"]}
    (folder / "line.geojson").write_text(json.dumps(line), encoding="utf-8")
    (folder / "observed.csv").write_text(
        "id,t_start_s,duration_s,lon,lat\na,3600,1800,35.5,47.55\n", encoding="utf-8"
    )


# --- scenario-reference.md ---------------------------------------------------------------


def test_schema_walk_reaches_every_model():
    """The schema walk used below reaches every model in the schema's $defs."""
    assert set(schema_models()) == {"Scenario", *Scenario.model_json_schema()["$defs"]}


@pytest.mark.parametrize(("model", "key"), MODEL_FIELDS)
def test_every_scenario_key_is_documented_in_its_section(model, key):
    """Each field of each scenario model has a table row (| `key` |) in the section of
    the reference whose heading names the model, e.g. '## line (LineSpec)'."""
    assert f"| `{key}` |" in own_section(REFERENCE, f"({model})")


@pytest.mark.parametrize(
    ("table", "keys"),
    [
        ("durations", units.SECONDS),
        ("distances", units.METRES),
        ("speeds", units.SPEEDS),
    ],
)
def test_every_unit_string_is_documented(table, keys):
    """Every unit string that sim.units accepts is listed in the reference's Units table."""
    units_text = own_section(REFERENCE, "Units")
    missing = [unit for unit in keys if f"`{unit}`" not in units_text]
    assert missing == [], f"{table} units missing from the reference: {missing}"


def test_every_rate_unit_is_documented():
    """Every per-unit of a rate is listed as `/unit` in the reference's Units table."""
    units_text = own_section(REFERENCE, "Units")
    assert [u for u in units.RATE_PER if f"`/{u}`" not in units_text] == []


def test_every_distribution_kind_is_documented():
    """Each distribution form of sim.distributions appears in the Distributions section."""
    text = own_section(REFERENCE, "Distributions")
    assert [kind for kind in KINDS if f"{{{kind}:" not in text] == []


def test_reference_has_a_complete_scenario_example():
    """At least one YAML block of the reference is a complete scenario."""
    required = set(Scenario.model_json_schema()["required"])
    complete = [b for b in yaml_blocks(REFERENCE) if required <= set(yaml.safe_load(b) or {})]
    assert len(complete) >= 1


@pytest.mark.parametrize("block", yaml_blocks(REFERENCE))
def test_every_yaml_example_validates_and_builds(block, tmp_path):
    """Every YAML block of the reference is valid: a complete scenario on its own, a
    fragment merged over a small base scenario; the model then builds (chainages fit)."""
    data = yaml.safe_load(block)
    assert isinstance(data, dict)
    required = set(Scenario.model_json_schema()["required"])
    if not required <= set(data):
        unknown = set(data) - set(Scenario.model_fields)
        assert unknown == set(), f"fragment has keys that are not scenario sections: {unknown}"
        data = {**BASE, **data}
    write_inputs(tmp_path)
    scenario = scenario_from_data(data, base=tmp_path)
    assert len(build(scenario).solver.assets) >= 1


def override_examples() -> list[list[str]]:
    """The ``--set`` values of each command example in the overrides section."""
    text = section(REFERENCE, "--set PATH=VALUE")
    commands = [line for line in text.splitlines() if line.startswith("ceasefire-sim ")]
    out = []
    for command in commands:
        words = shlex.split(command)
        out.append([words[i + 1] for i, word in enumerate(words) if word == "--set"])
    return out


def test_reference_has_override_examples():
    """The overrides section shows at least three --set examples."""
    assert sum(len(sets) for sets in override_examples()) >= 3


@pytest.mark.parametrize("overrides", override_examples())
def test_every_override_example_applies_to_quickstart(overrides):
    """Each --set example of the reference, applied to quickstart.yaml, validates and builds."""
    scenario = load_scenario(QUICKSTART, overrides)
    assert len(build(scenario).solver.assets) >= 1


# --- results.md ------------------------------------------------------------------------


@pytest.mark.parametrize("column", EVENT_COLUMNS)
def test_every_events_column_is_documented(column):
    """Each column written to events.csv has a row in the events.csv section."""
    assert f"| `{column}` |" in section(RESULTS, "events.csv")


@pytest.mark.parametrize("column", DETECTION_COLUMNS)
def test_every_detections_column_is_documented(column):
    """Each column written to detections.csv has a row in the detections.csv section."""
    assert f"| `{column}` |" in section(RESULTS, "detections.csv")


@pytest.mark.parametrize("column", COVERAGE_COLUMNS)
def test_every_coverage_column_is_documented(column):
    """Each column written to coverage.csv has a row in the coverage.csv section."""
    assert f"| `{column}` |" in section(RESULTS, "coverage.csv")


@pytest.mark.parametrize("column", COVERAGE_TIME_COLUMNS)
def test_every_coverage_time_column_is_documented(column):
    """Each column written to coverage_time.csv has a row in the coverage_time.csv section."""
    assert f"| `{column}` |" in section(RESULTS, "coverage_time.csv")


def test_every_spacetime_array_is_documented(quickstart_run):
    """Each array of a run's space-time raster (coverage_spacetime.npz) has a row in the
    coverage_spacetime.npz section."""
    _, result = quickstart_run
    text = section(RESULTS, "coverage_spacetime.npz")
    names = list(result.coverage.spacetime)
    assert len(names) > 0
    assert [n for n in names if f"| `{n}` |" not in text] == []


def test_every_file_of_a_command_line_run_is_documented(cli_folder):
    """Every file `ceasefire-sim run` writes, plots/*.png and report.html included, has a
    row in the Files table, and the plots/ folder has its own row."""
    files = section(RESULTS, "Files")
    written = files_under(cli_folder)
    assert "report.html" in written
    assert [f for f in written if f"| `{f}` |" not in files] == []
    assert "| `plots/` |" in files


def test_every_plot_of_the_registry_is_in_the_files_table():
    """Each figure of sim.plots.PLOTS has a plots/<name>.png row in the Files table (also
    those a quickstart run might skip)."""
    files = section(RESULTS, "Files")
    assert [n for n in PLOTS if f"| `plots/{n}.png` |" not in files] == []


def test_every_geojson_feature_kind_and_property_is_documented(cli_folder):
    """For line.geojson and assets.geojson, each feature kind has a row in its file's
    section naming every property in backticks; both "crs_kind" values are documented."""
    geo = section(RESULTS, "GeoJSON files")
    assert '`"lonlat"`' in geo and '`"local"`' in geo and '`"crs_kind"`' in geo
    missing = []
    for name in ("line.geojson", "assets.geojson"):
        doc = json.loads((cli_folder / name).read_text(encoding="utf-8"))
        assert doc["crs_kind"] == "lonlat"
        rows = {
            line.split("|")[1].strip(): line
            for line in own_section(RESULTS, f"### {name}").splitlines()
            if line.startswith("| `")
        }
        for feature in doc["features"]:
            props = feature["properties"]
            row = rows.get(f"`{props['kind']}`", "")
            missing += [(name, props["kind"], k) for k in props if f"`{k}`" not in row]
    assert missing == []


def test_geojson_properties_of_events_and_coverage_are_documented(cli_folder):
    """Every property of events.geojson and coverage.geojson is a column documented in
    events.csv or coverage.csv, or is named in the file's GeoJSON section (outcome)."""
    missing = []
    for name, csv_section in (
        ("events.geojson", "events.csv"),
        ("coverage.geojson", "coverage.csv"),
    ):
        doc = json.loads((cli_folder / name).read_text(encoding="utf-8"))
        keys = {k for feature in doc["features"] for k in feature["properties"]}
        text = section(RESULTS, csv_section) + own_section(RESULTS, f"### {name}")
        missing += [(name, k) for k in sorted(keys) if f"`{k}`" not in text]
    assert missing == []


def test_every_file_of_a_compare_folder_is_documented(cli_folder, tmp_path):
    """Every file `ceasefire-sim compare` writes (two runs on one line, so the difference
    map too) has a row in the compare folder section."""
    from sim.cli import main

    out = tmp_path / "cmp"
    folders = [str(cli_folder), str(cli_folder)]
    assert main(["compare", *folders, "--out", str(out), "--name", "a", "--name", "b"]) == 0
    written = files_under(out)
    assert "plots/coverage_difference.png" in written
    text = section(RESULTS, "The compare folder")
    assert [f for f in written if f"| `{f}` |" not in text] == []


def test_every_metric_family_of_quickstart_is_documented(quickstart_run):
    """Every metrics.json key of a quickstart run, with type/class/group names replaced by
    <type>, <class>, <group>, appears in backticks in the metrics section."""
    scenario, result = quickstart_run
    groups = {a.name for a in (*scenario.drones, *scenario.ground_sensors, *scenario.satellites)}
    families = {metric_family(k, set(scenario.violations.types), groups) for k in result.metrics()}
    text = section(RESULTS, "metrics.json")
    assert sorted(f for f in families if f"`{f}`" not in text) == []


def test_every_results_file_and_manifest_field_is_documented(quickstart_run, tmp_path):
    """Every file of a written results folder is in the Files table, and every
    manifest.json field has a row in the manifest section."""
    _, result = quickstart_run
    out = write_results(result, tmp_path / "run")
    files = section(RESULTS, "Files")
    assert sorted(p.name for p in out.iterdir() if f"| `{p.name}` |" not in files) == []
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    text = section(RESULTS, "manifest.json")
    assert sorted(k for k in manifest if f"| `{k}` |" not in text) == []


def test_replayed_input_copy_is_documented(tmp_path):
    """A run from a violations CSV writes violations.input.csv, which the Files table lists."""
    write_inputs(tmp_path)
    data = {**BASE, "violations": {"file": "observed.csv"}}
    out = write_results(run(scenario_from_data(data, base=tmp_path)), tmp_path / "run")
    assert (out / "violations.input.csv").is_file()
    assert "| `violations.input.csv` |" in section(RESULTS, "Files")


# --- model.md --------------------------------------------------------------------------


def test_model_lists_the_piece_kinds():
    """The engine section of the model names every plan-piece kind of sim.assets.base."""
    from typing import get_args

    from sim.assets.base import PieceKind

    text = section(MODEL, "The engine")
    assert [k for k in get_args(PieceKind) if f"`{k}`" not in text] == []


def test_model_lists_the_random_streams_of_a_run(quickstart_run, monkeypatch):
    """Every random stream name a quickstart run (with false alarms on) asks for is in
    the stream table of the model, with group names as <fleet>, <group> or <name>."""
    import sim.assets.context as context

    names: list[str] = []
    real = context.stream

    def spy(seed, name):
        names.append(name)
        return real(seed, name)

    for module in ("sim.assets.context", "sim.engine", "sim.false_alarms"):
        monkeypatch.setattr(f"{module}.stream", spy, raising=False)
    scenario = load_scenario(
        QUICKSTART,
        [
            "drones[0].false_alarm_rate=0.1/h",
            "ground_sensors[0].false_alarm_rate=0.1/day",
            "satellites[0].false_alarms_per_image=1",
        ],
    )
    run(scenario)
    groups = {a.name for a in (*scenario.drones, *scenario.ground_sensors, *scenario.satellites)}
    text = section(MODEL, "Randomness")
    placeholders = ("<fleet>", "<group>", "<name>")
    undocumented = set()
    for name in set(names):
        parts = name.split("/")
        variants = [name]
        if len(parts) > 1 and parts[1] in groups:
            variants = ["/".join([parts[0], p, *parts[2:]]) for p in placeholders]
        if not any(f"`{v}`" in text for v in variants):
            undocumented.add(name)
    assert len(names) > 0
    assert sorted(undocumented) == []
