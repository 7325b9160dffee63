"""sim.present.compare: side-by-side metrics, overlaid plots and the difference map of
results folders."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from matplotlib.image import imread

import sim
import sim.present.compare
from sim.core.errors import SimError
from sim.core.tables import Table
from sim.present.compare import compare, default_out
from sim.present.figures.compare import coverage_difference
from sim.spec.load import load_scenario, scenario_from_data
from sim.store.write import write_results

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def write_run(folder: Path, scenario, seed: int) -> Path:
    write_results(sim.run(scenario, seed=seed), folder)
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Four quickstart runs: seed 1; 6 drones with seed 2; 6 drones with seed 1; a shorter line."""
    base = tmp_path_factory.mktemp("runs")
    data = yaml.safe_load(QUICKSTART.read_text())
    data["line"]["points"] = data["line"]["points"][:-1]
    return {
        "a": write_run(base / "a", load_scenario(QUICKSTART), seed=1),
        "b": write_run(base / "b", load_scenario(QUICKSTART, ["drones[0].count=6"]), seed=2),
        "c": write_run(base / "c", load_scenario(QUICKSTART, ["drones[0].count=6"]), seed=1),
        "short": write_run(base / "short", scenario_from_data(data, base=QUICKSTART.parent), 1),
    }


@pytest.fixture(scope="module")
def two(runs, tmp_path_factory):
    """The comparison of runs a and b."""
    return compare([runs["a"], runs["b"]], out=tmp_path_factory.mktemp("cmp") / "ab")


def metrics_of(folder: Path) -> dict:
    return json.loads((folder / "metrics.json").read_text())


def read_csv_rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as handle:
        return list(csv.reader(handle))


def assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_MAGIC
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 200


# --- two runs ---------------------------------------------------------------------------


def test_two_runs_write_every_file(two):
    """Two runs of the same line give the table files, compare.json and all four plots."""
    names = sorted(p.name for p in two.out.iterdir() if p.name != "report.html")
    assert names == ["compare.json", "metrics.csv", "metrics.md", "plots"]
    plots = sorted(p.name for p in (two.out / "plots").iterdir())
    assert plots == [
        "coverage_difference.png",
        "coverage_maps.png",
        "detection_along_line.png",
        "latency_cdf.png",
    ]
    assert sorted(p.name for p in two.plots) == plots


def test_plots_are_valid_pngs(two):
    """Every plot is a PNG that matplotlib reads back as an image of reasonable size."""
    for path in two.plots:
        assert_png(path)


def test_csv_values_equal_metrics_json(two, runs):
    """metrics.csv holds every key of both metrics.json files with the exact values."""
    rows = read_csv_rows(two.out / "metrics.csv")
    header, body = rows[0], rows[1:]
    assert header[:4] == ["metric", "unit", "quickstart-seed1", "quickstart-seed2"]
    first, second = metrics_of(runs["a"]), metrics_of(runs["b"])
    assert sorted(r[0] for r in body) == sorted(set(first) | set(second))
    for key, _unit, a, b, _diff in body:
        for cell, metrics in ((a, first), (b, second)):
            expected = metrics.get(key)
            assert (float(cell) if cell else None) == expected, key


def test_difference_column_is_run2_minus_run1(two, runs):
    """The difference column is run 2's value minus run 1's (empty where either is null)."""
    rows = read_csv_rows(two.out / "metrics.csv")
    assert rows[0][4] == "quickstart-seed2 - quickstart-seed1"
    first, second = metrics_of(runs["a"]), metrics_of(runs["b"])
    for key, _unit, _a, _b, diff in rows[1:]:
        a, b = first.get(key), second.get(key)
        expected = None if a is None or b is None else float(b) - float(a)
        assert (float(diff) if diff else None) == expected, key
        assert two.difference(key) == expected


def test_headline_metrics_come_first(two):
    """Rows start with the headline metrics in their documented order (the deadline rows,
    checked below, aside)."""
    core = [k for k in two.metrics if ".within_" not in k]
    assert core[:10] == [
        "violations.count",
        "detection.probability",
        "detection.probability.low95",
        "detection.probability.high95",
        "verified.probability",
        "verified.probability.low95",
        "verified.probability.high95",
        "latency.median_s",
        "latency.p90_s",
        "report_latency.median_s",
    ]
    classes = [k for k in core[10:20] if k.startswith("detection.first_by_class.")]
    assert classes == [f"detection.first_by_class.{c}" for c in ("drone", "ground", "satellite")]


def test_table_text_formats_for_people(two, runs):
    """The printed table shows proportions as % with their interval, latencies in minutes
    (rounded by the one duration rule: below 90 min, whole minutes)."""
    m = metrics_of(runs["a"])
    text = two.table_text()
    p, lo, hi = (m[f"detection.probability{s}"] for s in ("", ".low95", ".high95"))
    diff = metrics_of(runs["b"])["detection.probability"] - p
    row = next(line for line in text.splitlines() if line.startswith("detection.probability "))
    assert f" {100 * p:.1f} % [{100 * lo:.1f}–{100 * hi:.1f} %] " in row
    assert row.endswith(f" {100 * diff:+.1f} pp")
    assert not any(line.startswith("detection.probability.low95") for line in text.splitlines())
    latency = next(line for line in text.splitlines() if line.startswith("latency.median_s"))
    assert 90 <= m["latency.median_s"] < 90 * 60  # the case this test reads
    assert f" {m['latency.median_s'] / 60:.0f} min " in latency


def test_markdown_table_matches_text_rows(two):
    """metrics.md is a Markdown table with one row per row of the printed table."""
    md = (two.out / "metrics.md").read_text().splitlines()
    table = [line for line in md if line.startswith("|")]
    text_rows = two.table_text().split("\n\n")[0].splitlines()[2:]
    assert table[0] == (
        "| metric | quickstart-seed1 | quickstart-seed2 | quickstart-seed2 - quickstart-seed1 |"
    )
    assert table[1] == "|---|---:|---:|---:|"
    assert len(table) - 2 == len(text_rows)
    assert [r.split(" | ")[0].lstrip("| ") for r in table[2:]] == [r.split()[0] for r in text_rows]


def test_compare_json_lists_the_runs(two, runs):
    """compare.json names each run with its folder, seed and scenario."""
    listing = json.loads((two.out / "compare.json").read_text())
    assert listing == [
        {"name": "quickstart-seed1", "path": str(runs["a"].resolve()), "seed": 1,
         "scenario": "quickstart"},
        {"name": "quickstart-seed2", "path": str(runs["b"].resolve()), "seed": 2,
         "scenario": "quickstart"},
    ]  # fmt: skip


# --- three runs, other lines -----------------------------------------------------------


def test_three_runs(runs, tmp_path):
    """Three runs: one column each, no difference column, names made unique by folder."""
    result = compare([runs["a"], runs["b"], runs["c"]], out=tmp_path / "abc")
    assert result.names == ["quickstart-seed1-a", "quickstart-seed2", "quickstart-seed1-c"]
    header = read_csv_rows(tmp_path / "abc" / "metrics.csv")[0]
    assert header == ["metric", "unit", *result.names]
    assert sorted(p.name for p in result.plots) == [
        "coverage_maps.png",
        "detection_along_line.png",
        "latency_cdf.png",
    ]
    with pytest.raises(SimError, match="exactly two runs"):
        result.difference("violations.count")


def test_different_lines_give_no_difference_map(runs, tmp_path):
    """Two runs on different lines: coverage maps side by side, no difference map, a note."""
    result = compare([runs["a"], runs["short"]], out=tmp_path / "lines")
    assert sorted(p.name for p in (tmp_path / "lines" / "plots").iterdir()) == [
        "coverage_maps.png",
        "detection_along_line.png",
        "latency_cdf.png",
    ]
    assert result.notes == [
        "the two runs are not on the same line and grid (line points or cell size differ): "
        "no coverage difference map"
    ]
    assert "note: the two runs are not on the same line" in result.table_text()


def test_without_coverage_the_maps_are_skipped_with_a_note(tmp_path):
    """Folders without coverage.csv still compare; the coverage figures are skipped, noted."""
    scenario = load_scenario(QUICKSTART)
    a = write_run(tmp_path / "a", scenario, seed=1)
    b = write_run(tmp_path / "b", scenario, seed=2)
    (a / "coverage.csv").unlink()
    (b / "coverage.csv").unlink()
    result = compare([a, b], out=tmp_path / "cmp")
    assert [p.name for p in result.plots] == ["latency_cdf.png", "detection_along_line.png"]
    assert result.notes == [
        "no coverage.csv in quickstart-seed1, quickstart-seed2 (written before coverage was "
        "added?): coverage maps skipped"
    ]


# --- the difference of two coverage grids --------------------------------------------


def zone_table(ix0: int, cells: dict[tuple[int, int], float], cell: float = 1000.0) -> Table:
    """Zone cells at absolute grid indices, stored with indices rebased to ``ix0``."""
    keys = list(cells)
    return Table(
        {
            "grid": np.array(["line"] + ["zone"] * len(keys), dtype=object),
            "ix": np.array([-1] + [i - ix0 for i, _ in keys], dtype=float),
            "iy": np.array([-1] + [j for _, j in keys], dtype=float),
            "x": np.array([0.0] + [(i + 0.5) * cell for i, _ in keys]),
            "y": np.array([0.0] + [(j + 0.5) * cell for _, j in keys]),
            "covered_fraction": np.array([9.0] + list(cells.values())),
        }
    )


def test_coverage_difference_matches_cells_by_position():
    """Cells are paired by position, whatever each run's index origin; unpaired cells are NaN."""
    first = zone_table(-3, {(-3, 0): 0.25, (-2, 0): 0.5, (-1, 0): 0.75})
    second = zone_table(-2, {(-2, 0): 0.75, (-1, 0): 0.5, (0, 0): 1.0})
    diff = coverage_difference(first, second, 1000.0)
    assert np.array_equal(diff, [np.nan, 0.25, -0.25], equal_nan=True)


def test_coverage_difference_of_disjoint_grids_is_none():
    """Two grids with no cell in common have no difference."""
    first = zone_table(0, {(0, 0): 0.5})
    second = zone_table(0, {(5, 5): 0.5})
    assert coverage_difference(first, second, 1000.0) is None


# --- refusals and destinations ----------------------------------------------------------


def test_refuses_a_folder_that_is_not_results(runs, tmp_path):
    """A folder without manifest.json and metrics.json: SimError naming it; nothing written."""
    stray = tmp_path / "holiday-photos"
    stray.mkdir()
    (stray / "beach.jpg").write_bytes(b"")
    out = tmp_path / "cmp"
    with pytest.raises(SimError, match=f"^{stray} is neither a results folder"):
        compare([runs["a"], stray], out=out)
    assert not out.exists()


def test_refuses_a_single_folder(runs, tmp_path):
    """One folder is not a comparison."""
    with pytest.raises(SimError, match=r"at least two results folders; got 1 \("):
        compare([runs["a"]], out=tmp_path / "cmp")


def test_refuses_to_overwrite_a_folder_that_is_not_a_compare_output(runs, tmp_path):
    """A non-empty destination without compare.json is left alone."""
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(SimError, match="refusing to overwrite .*precious.*no compare.json"):
        compare([runs["a"], runs["b"]], out=out)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_refuses_to_write_into_a_compared_run(runs):
    """The destination cannot be one of the compared folders."""
    with pytest.raises(SimError, match="it is one of the compared runs"):
        compare([runs["a"], runs["b"]], out=runs["b"])


def test_replaces_a_previous_compare_output(runs, tmp_path, monkeypatch):
    """An earlier compare folder is replaced as a whole; the report is drawn after the data is
    published, into the published folder (issue 7: data first, figures after)."""
    out = tmp_path / "cmp"
    out.mkdir()
    (out / "compare.json").write_text("[]")
    (out / "stale.png").write_bytes(b"")
    calls = []
    monkeypatch.setattr(
        sim.present.compare, "write_compare_report", lambda folder: calls.append(Path(folder))
    )
    compare([runs["a"], runs["c"]], out=out, names=["four", "six"])
    assert not (out / "stale.png").exists()
    assert [r["name"] for r in json.loads((out / "compare.json").read_text())] == ["four", "six"]
    assert calls == [out]  # into the published folder, after the data
    assert not list(tmp_path.glob(".cmp.*"))


def test_names_must_match_the_folders(runs, tmp_path):
    """Given names must be one per folder and unique."""
    with pytest.raises(SimError, match="got 1 names for 2 results folders"):
        compare([runs["a"], runs["b"]], out=tmp_path / "x", names=["only"])
    with pytest.raises(SimError, match="run names must be unique; got same, same"):
        compare([runs["a"], runs["b"]], out=tmp_path / "x", names=["same", "same"])


def test_default_destination():
    """The default folder is results/compare/<name1>-vs-<name2>, with unsafe characters replaced."""
    assert default_out(["plan A", "plan/B"]) == Path("results/compare/plan_A-vs-plan_B")


def test_deadline_metrics_are_headline_rows_with_intervals(two, runs):
    """detection.within_<d> and report.within_<d> come right after detection.probability,
    shortest deadline first, each one row with its Wilson interval and a pp difference."""
    text = two.table_text()
    rows = [line.split()[0] for line in text.splitlines()[2:] if line and not line[0] == " "]
    assert rows[:3] == ["violations.count", "detection.probability", "detection.within_15min"]
    assert rows[
        rows.index("detection.within_15min") : rows.index("detection.within_15min") + 8
    ] == [
        f"{kind}.within_{d}"
        for kind in ("detection", "report")
        for d in ("15min", "30min", "1h", "6h")
    ]
    line = next(x for x in text.splitlines() if x.startswith("detection.within_30min "))
    a, b = (metrics_of(runs[k]) for k in ("a", "b"))
    low, high = a["detection.within_30min.low95"], a["detection.within_30min.high95"]
    assert f"{100 * a['detection.within_30min']:.1f} % [{100 * low:.1f}–{100 * high:.1f} %]" in line
    diff = 100 * (b["detection.within_30min"] - a["detection.within_30min"])
    assert line.endswith(f"{diff:+.1f} pp")
