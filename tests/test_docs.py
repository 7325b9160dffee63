"""Keep docs/ true to the code: keys, columns, metrics and examples."""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from pydantic import BaseModel

from sim.core import units
from sim.core.distributions import KINDS
from sim.engine.model import build
from sim.pipeline import run
from sim.present.figures.run import PLOTS
from sim.schema import (
    COVERAGE_COLUMNS,
    COVERAGE_TIME_COLUMNS,
    DETECTION_COLUMNS,
    EVENT_COLUMNS,
    EVENT_PLACE_COLUMNS,
    MANIFEST,
)
from sim.spec.load import load_scenario, scenario_from_data
from sim.spec.scenario import Scenario
from sim.store.write import write_results
from sim.sweep import (
    DEFAULT_METRICS,
    HEAD_COLUMNS,
    TAIL_COLUMNS,
    SweepSpec,
    load_sweep,
    run_seed,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
DOCS = ROOT / "docs"
REFERENCE = (DOCS / "scenario-reference.md").read_text(encoding="utf-8")
RESULTS = (DOCS / "results.md").read_text(encoding="utf-8")
MODEL = (DOCS / "model.md").read_text(encoding="utf-8")
SWEEPS = (DOCS / "sweeps.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
SWEEP_DIR = ROOT / "scenarios" / "sweeps"
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


def schema_models(root: type[BaseModel] = Scenario) -> dict[str, list[str]]:
    """Every model reachable from ``root``'s JSON Schema -> its field names (by alias)."""
    schema = root.model_json_schema()
    defs = schema.get("$defs", {})
    found: dict[str, list[str]] = {root.__name__: list(schema["properties"])}
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
    """Replace the type, class, group, grid and deadline names in a metric key by placeholders."""
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
    elif parts[0] in ("detection", "report") and parts[1].startswith("within_"):
        parts[1] = "within_<d>"
    elif parts[0] == "assets":
        assert parts[1] in groups
        parts[1] = "<group>"
    elif parts[0] in ("sector", "band"):
        parts[1] = f"<{parts[0]}>"
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
    shutil.copyfile(DATA / "sentinel-like.tle", folder / "satellites.tle")


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
    """Every unit string that sim.core.units accepts is listed in the reference's Units table."""
    units_text = own_section(REFERENCE, "Units")
    missing = [unit for unit in keys if f"`{unit}`" not in units_text]
    assert missing == [], f"{table} units missing from the reference: {missing}"


def test_every_rate_unit_is_documented():
    """Every per-unit of a rate is listed as `/unit` in the reference's Units table."""
    units_text = own_section(REFERENCE, "Units")
    assert [u for u in units.RATE_PER if f"`/{u}`" not in units_text] == []


def test_every_distribution_kind_is_documented():
    """Each distribution form of sim.core.distributions appears in the Distributions section."""
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


@pytest.mark.parametrize("column", EVENT_COLUMNS + EVENT_PLACE_COLUMNS)
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
    """Each figure of sim.present.figures.run.PLOTS has a plots/<name>.png row in the Files
    table (also those a quickstart run might skip)."""
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
    """The engine section of the model names every plan-piece kind of sim.world.assets.base."""
    from typing import get_args

    from sim.world.assets.base import PieceKind

    text = section(MODEL, "The engine")
    assert [k for k in get_args(PieceKind) if f"`{k}`" not in text] == []


def test_model_lists_the_random_streams_of_a_run(quickstart_run, monkeypatch):
    """Every random stream name a quickstart run (with false alarms on) asks for is in
    the stream table of the model, with group names as <fleet>, <group> or <name>."""
    import sim.world.assets.context as context

    names: list[str] = []
    real = context.stream

    def spy(seed, name):
        names.append(name)
        return real(seed, name)

    for module in ("sim.world.assets.context", "sim.engine.model", "sim.world.false_alarms"):
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


# --- sweeps.md -------------------------------------------------------------------------

SWEEP_FIELDS = [(model, key) for model, keys in schema_models(SweepSpec).items() for key in keys]


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """The fenced blocks of ``text`` in order, as (language, body)."""
    return re.findall(r"^```(\w*)\n(.*?)^```", text, flags=re.S | re.M)


def sweep_yaml_blocks() -> list[str]:
    """The ```yaml blocks of sweeps.md that are meant to be valid (not '# bad...')."""
    return [b for lang, b in fenced_blocks(SWEEPS) if lang == "yaml" and not b.startswith("# bad")]


def bad_sweep_examples() -> list[tuple[str, str, str]]:
    """Each '# NAME: ...' yaml block of sweeps.md that shows mistakes, with the console
    block that follows it: (file name, sweep file text, console output)."""
    blocks = fenced_blocks(SWEEPS)
    out = []
    for k, (lang, body) in enumerate(blocks):
        if lang == "yaml" and body.startswith("# bad"):
            name = body.split(":", 1)[0].removeprefix("# ")
            assert blocks[k + 1][0] == "console", f"no console block after {name}"
            out.append((name, body, blocks[k + 1][1]))
    return out


def at_real_scenarios(text: str) -> str:
    """A sweep file of the docs (written as if in scenarios/sweeps/) with its scenario line
    made absolute, so that it can be written anywhere; line numbers are kept."""

    def absolute(match: re.Match[str]) -> str:
        relative = match.group(1).split("#")[0].strip()
        return f"scenario: {(SWEEP_DIR / relative).resolve()}"

    return re.sub(r"^scenario: (.+)$", absolute, text, flags=re.M)


def sweep_family(column: str, parameters: list[str], metrics: list[str]) -> str:
    """A runs.csv or summary.csv column as the docs' tables name it: a parameter path is
    <path>, a statistic of a summarised metric <M>.<statistic>, a per-type violation count
    violations.count_by_type.<type>, any other column itself."""
    if column in parameters:
        return "<path>"
    head, _, tail = column.rpartition(".")
    if head in metrics:
        return f"<M>.{tail}"
    if column.startswith("violations.count_by_type."):
        return "violations.count_by_type.<type>"
    return column


def first_example() -> str:
    """The complete sweep file of the section 'A first sweep'."""
    (block,) = yaml_blocks(section(SWEEPS, "A first sweep"))
    return block


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory) -> tuple[Path, str]:
    """The first example of sweeps.md run inline by the command line (figures included):
    its folder and what the command printed."""
    from sim.cli import main

    tmp = tmp_path_factory.mktemp("sweep")
    path = tmp / "quickstart-sensors.yaml"
    path.write_text(at_real_scenarios(first_example()), encoding="utf-8")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(["sweep", str(path), "--workers", "1", "--out", str(tmp / "out")])
    assert status == 0
    return tmp / "out", printed.getvalue()


def csv_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def test_sweep_schema_walk_reaches_every_model():
    """The schema walk reaches SweepSpec and every model in its schema's $defs."""
    defs = SweepSpec.model_json_schema()["$defs"]
    assert set(schema_models(SweepSpec)) == {"SweepSpec", *defs}


@pytest.mark.parametrize(("model", "key"), SWEEP_FIELDS)
def test_every_sweep_key_is_documented_in_its_section(model, key):
    """Each field of each sweep-file model (by its YAML name: `set`, not `overrides`) has a
    table row (| `key` |) in the section of sweeps.md whose heading names the model."""
    assert f"| `{key}` |" in own_section(SWEEPS, f"({model})")


def test_default_metrics_are_listed():
    """The default `metrics` named in the SweepSpec section are sim.sweep.DEFAULT_METRICS."""
    text = own_section(SWEEPS, "(SweepSpec)")
    assert [m for m in DEFAULT_METRICS if f"`{m}`" not in text] == []


def test_sweeps_doc_has_complete_examples():
    """sweeps.md shows at least three complete sweep files (name and scenario), among them
    a grid with a paired axis and a sample."""
    complete = [yaml.safe_load(b) for b in sweep_yaml_blocks()]
    complete = [d for d in complete if {"name", "scenario"} <= set(d)]
    kinds = {"paths" in str(d.get("grid")) for d in complete} | {"sample" in d for d in complete}
    assert (len(complete) >= 3, kinds) == (True, {True, False})


def block_id(block: str) -> str:
    """A short test id for a YAML block: its name, or its first key."""
    match = re.search(r"^name: (\S+)", block, flags=re.M)
    return match.group(1) if match else block.split(":", 1)[0].strip()


@pytest.mark.parametrize("block", sweep_yaml_blocks(), ids=block_id)
def test_every_sweep_example_validates(block, tmp_path):
    """Every valid-looking YAML block of sweeps.md loads with sim.sweep.load_sweep: a
    complete file as written (its scenario resolved from scenarios/sweeps/), a fragment
    of sweep keys added to a minimal sweep of quickstart.yaml."""
    data = yaml.safe_load(block)
    assert isinstance(data, dict)
    if {"name", "scenario"} <= set(data):
        text = at_real_scenarios(block)
    else:
        options = set(schema_models(SweepSpec)["SweepSpec"])
        assert set(data) - options == set(), "fragment keys that are not sweep keys"
        text = yaml.safe_dump({"name": "fragment", "scenario": str(QUICKSTART), **data})
    path = tmp_path / "example.yaml"
    path.write_text(text, encoding="utf-8")
    assert len(load_sweep(path).points) >= 1


def test_sweeps_doc_has_bad_examples():
    """sweeps.md shows at least two sweep files with mistakes and their messages."""
    assert len(bad_sweep_examples()) >= 2


@pytest.mark.parametrize(
    ("name", "text", "console"), bad_sweep_examples(), ids=[e[0] for e in bad_sweep_examples()]
)
def test_every_documented_error_is_the_real_one(name, text, console, tmp_path):
    """Each sweep file with mistakes in sweeps.md gives exactly the messages its console
    block shows (file prefix aside), in that order, before any run."""
    from sim.core.errors import ScenarioError

    prefix = f"scenarios/sweeps/{name}: "
    lines = console.splitlines()
    assert lines[0] == f"$ ceasefire-sim sweep scenarios/sweeps/{name}"
    documented = [line.removeprefix(prefix) for line in lines if line.startswith(prefix)]
    path = tmp_path / name
    path.write_text(at_real_scenarios(text), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    assert [f"{where}: {message}" for where, message in info.value.problems] == documented


def test_documented_seed_formula_is_run_seed():
    """The seed formula of the Seeds section, executed, gives sim.sweep.run_seed, and the
    worked example `run_seed(a, b, c) == d` holds."""
    text = section(SWEEPS, "Seeds")
    (code,) = [b for lang, b in fenced_blocks(text) if lang == "python"]
    got = []
    for args in ((2026, 3, 1), (0, 15, 9)):
        scope = {"np": np, "sweep_seed": args[0], "point": args[1], "replication": args[2]}
        exec(code, scope)
        got.append(scope["seed"] == run_seed(*args))
    a, b, c, d = map(int, re.search(r"run_seed\((\d+), (\d+), (\d+)\) == (\d+)", text).groups())
    assert (got, run_seed(a, b, c)) == ([True, True], d)


def test_every_sweep_command_option_is_documented():
    """Each option of `ceasefire-sim sweep` has a row in the options table."""
    from sim.cli import _parser

    (sub,) = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    options = [
        o
        for a in sub.choices["sweep"]._actions
        for o in a.option_strings
        if o not in ("-h", "--help")
    ]
    text = section(SWEEPS, "Running a sweep")
    assert len(options) == 6
    assert [o for o in options if f"| `{o}" not in text] == []


def test_every_file_of_a_sweep_folder_is_documented(sweep_folder):
    """Every file the first example's sweep writes (figures as plots/<metric>.png) has a row
    in the Files table, and so do plots/ and the keep_runs folders."""
    folder, _ = sweep_folder
    written = files_under(folder)
    families = {re.sub(r"^plots/(?!cost\.png).*\.png$", "plots/<metric>.png", f) for f in written}
    text = section(SWEEPS, "Files of a sweep folder")
    assert {"report.html", "plots/<metric>.png", "plots/cost.png"} <= families
    assert sorted(f for f in families if f"| `{f}` |" not in text) == []
    assert "| `plots/` |" in text and "| `runs/p<point>-r<replication>/` |" in text


def test_every_runs_csv_column_family_is_documented(sweep_folder):
    """Each runs.csv column has a row in the runs.csv section: the fixed columns of
    sim.sweep by name, then <path>, violations.count_by_type.<type> and <metric>."""
    folder, _ = sweep_folder
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    fixed = [*HEAD_COLUMNS, *TAIL_COLUMNS]
    families = set(fixed)
    for column in csv_header(folder / "runs.csv"):
        family = sweep_family(column, manifest["parameters"], [])
        families.add(family if family in fixed or family.endswith(">") else "<metric>")
    text = section(SWEEPS, "runs.csv: one row per run")
    assert {"<path>", "<metric>", "violations.count_by_type.<type>"} <= families
    assert sorted(f for f in families if f"| `{f}` |" not in text) == []


def test_every_summary_csv_column_family_is_documented(sweep_folder):
    """Each summary.csv column of the first example (target and costs: cost, meets_target,
    cheapest) has a row in the summary.csv section, with <path> and <M>.<statistic>."""
    folder, _ = sweep_folder
    header = csv_header(folder / "summary.csv")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    families = {sweep_family(c, manifest["parameters"], manifest["metrics"]) for c in header}
    text = section(SWEEPS, "summary.csv: one row per point")
    assert {"<path>", "<M>.estimate", "cost", "meets_target", "cheapest"} <= families
    assert sorted(f for f in families if f"| `{f}` |" not in text) == []


def test_every_sweep_manifest_field_is_documented(sweep_folder):
    """Every field of a sweep's manifest.json has a row in its manifest section."""
    folder, _ = sweep_folder
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    text = section(SWEEPS, "manifest.json")
    assert manifest["status"] == "complete"
    assert sorted(k for k in manifest if f"| `{k}` |" not in text) == []


def test_first_example_prints_and_finds_what_the_docs_say(sweep_folder):
    """The first example's printed counts and cheapest point are those of its console
    block, and the estimates and intervals quoted under it are the summary's."""
    folder, printed = sweep_folder
    text = section(SWEEPS, "A first sweep")
    (console,) = [b for lang, b in fenced_blocks(text) if lang == "console"]
    doc, out = console.splitlines()[1:], printed.splitlines()
    with (folder / "summary.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    quoted = []
    for row in rows[:2]:
        est, low, high = (
            100 * float(row[f"detection.probability.{s}"]) for s in ("estimate", "low95", "high95")
        )
        quoted.append(f"{est:.1f} %" in text and f"[{low:.1f} %, {high:.1f} %]" in text)
    assert (out[0].split(";")[0], out[1]) == (doc[0].split(";")[0], doc[1])
    assert quoted == [True, True]


def test_every_file_of_a_sweep_compare_folder_is_documented(sweep_folder, tmp_path):
    """Every file `ceasefire-sim compare` writes for two sweep folders (plots as
    plots/<metric>.png) has a row in the Comparing sweeps section."""
    from sim.cli import main

    folder, _ = sweep_folder
    out = tmp_path / "cmp"
    with contextlib.redirect_stdout(io.StringIO()):
        args = ["compare", str(folder), str(folder), "--out", str(out), "--name", "a"]
        assert main([*args, "--name", "b"]) == 0
    families = {re.sub(r"^plots/.*\.png$", "plots/<metric>.png", f) for f in files_under(out)}
    text = section(SWEEPS, "Comparing sweeps")
    assert "plots/<metric>.png" in families
    assert sorted(f for f in families if f"| `{f}` |" not in text) == []


def test_readme_tour_points_to_sweeps():
    """The README's tour has a Sweeps part with the sweep command and a link to sweeps.md."""
    text = section(README, "Sweeps")
    assert "ceasefire-sim sweep scenarios/sweeps/drones-vs-sensors.yaml" in text
    assert "(docs/sweeps.md)" in text


def anchors(text: str) -> set[str]:
    """GitHub's anchors of the headings of a Markdown text."""
    out = set()
    for line in text.splitlines():
        match = re.match(r"#+ (.*)", line)
        if match:
            slug = re.sub(r"[^\w\- ]", "", match.group(1).lower().replace("&lt;", ""))
            out.add(slug.replace(" ", "-"))
    return out


def test_every_link_of_sweeps_md_resolves():
    """Each link of sweeps.md to a heading (#x) or to another page (page.md or page.md#x)
    names an existing page and heading."""
    targets = [t for t in re.findall(r"\]\(([^)\s]+)\)", SWEEPS) if "://" not in t]
    broken = []
    for target in targets:
        page, _, anchor = target.partition("#")
        text = SWEEPS if not page else (DOCS / page).read_text(encoding="utf-8")
        if anchor and anchor not in anchors(text):
            broken.append(target)
    assert len(targets) >= 10
    assert broken == []


def test_model_lists_each_plot_with_its_reading_aid():
    """docs/model.md section 15 lists every figure of sim.present.figures.run.PLOTS with its
    reading aid, word for word, as the report prints it."""
    text = section(MODEL, "Plots, report, compare")
    for name, spec in PLOTS.items():
        assert f"- `{name}`: {spec.aid}" in text, name


def test_readme_question_is_answered_by_a_metric_and_a_sweep_example():
    """The README's question (90 % detected within 30 minutes) names the metric a run
    writes by default (the key of 30 min under the one key format) and the docs hold a
    sweep example targeting it."""
    from sim.measure.metrics import deadline_key
    from sim.spec.scenario import DEFAULT_DEADLINES

    key = f"detection.within_{deadline_key(1800.0)}"
    assert 1800.0 in DEFAULT_DEADLINES
    assert "90 % of violations detected within 30 minutes" in README
    assert f"`{key}`" in README and f"target: {key} >= 0.9" in README
    examples = [yaml.safe_load(b) for b in sweep_yaml_blocks()]
    assert any(e.get("target") == f"{key} >= 0.9" for e in examples if isinstance(e, dict))


def test_sweep_summary_lines_in_the_docs_have_the_printed_form():
    """Each sweep summary line quoted in sweeps.md or the README has the form the command
    prints ('N runs: N ok, N failed; T s on 2 worker processes'), so no retired wording
    (such as '2 processes worker(s)') survives in the docs."""
    from sim.present.format import where_run

    wheres = {where_run(w, e) for w in (1, 2, 4) for e in ("inline", "processes", "dask-local")}
    pattern = re.compile(r"^(\d+) runs?: \d+ ok, \d+ failed(, \d+ resumed)?; [\d.]+ s (.+)$")
    quoted = [
        line
        for text in (SWEEPS, README)
        for line in text.splitlines()
        if re.match(r"^\d+ runs?: ", line)
    ]
    assert len(quoted) >= 2
    for line in quoted:
        match = pattern.match(line)
        assert match is not None, line
        assert match.group(3) in wheres, line
        assert (match.group(1) == "1") == (" run: " in line), line


def test_present_modules_named_in_the_docs_exist():
    """Every `sim.present...` name (module or module.attribute) and `sim/present/....py`
    path the docs and README mention is real, so a moved function cannot leave a stale
    pointer behind."""
    import importlib

    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md")]
    texts.append((ROOT / "README.md").read_text(encoding="utf-8"))
    names = {n for t in texts for n in re.findall(r"`(sim\.present(?:\.\w+)+)", t)}
    paths = {p for t in texts for p in re.findall(r"`(sim/present/[\w/]+\.py)`", t)}
    assert names and paths
    for path in paths:
        assert (ROOT / path).is_file(), path
    for name in names:
        parts = name.split(".")
        for k in range(len(parts), 1, -1):
            try:
                obj = importlib.import_module(".".join(parts[:k]))
            except ModuleNotFoundError:
                continue
            for attr in parts[k:]:
                obj = getattr(obj, attr)
            break
        else:
            raise AssertionError(name)
