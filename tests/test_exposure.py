"""The naive counterpart of a run against an adapting side (violations.adversary.naive_baseline):
its figures are those of a separate run without the side, the gap is their difference, and
nothing changes without it."""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from sim.measure.exposure import GAPS, NAIVE, is_chosen
from sim.measure.metrics import metric_keys, metric_unit
from sim.pipeline import run
from sim.present import format as fmt
from sim.present.report.run import render_report
from sim.spec.load import scenario_from_data
from sim.store.write import write_results
from sim.sweep.stats import metric_range

# A small mix of the three classes on a line with two sectors and a band, one day.
BASE = {
    "name": "exposure",
    "seed": 5,
    "duration": "1d",
    "line": {
        "points": [[0, 0], [120_000, 0]],
        "crs": "local",
        "buffer": "10km",
        "sectors": {"west": ["0km", "60km"], "east": ["60km", "120km"]},
        "bands": {"edge": "1m", "front": "3km"},  # no violation within 1 m: an empty band
    },
    "violations": {"rate": "120/day", "duration": {"exponential": "1h"}},
    "drones": [
        {"name": "uav", "count": 2, "speed": "120km/h", "sensor": {"range": "4km", "pd": 0.7}}
    ],
    "ground_sensors": [
        {
            "name": "ugs",
            "modality": "acoustic",
            "spacing": "12km",
            "sensor": {"range": "2km", "pd": 0.8},
        }
    ],
    "satellites": [{"name": "sar", "modality": "sar", "schedule": {"every": "8h"}, "pd": 0.6}],
}
SIDE = {"awareness": 0.8, "candidates": 4}


def scenario(side=None):
    data = copy.deepcopy(BASE)
    if side is not None:
        data["violations"]["adversary"] = side
    return scenario_from_data(data)


def same(a, b) -> bool:
    """Exactly equal metric values (NaN equals NaN)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@pytest.fixture(scope="module")
def naive():
    return run(scenario()).metrics()


@pytest.fixture(scope="module")
def aware():
    return run(scenario(SIDE))


def test_naive_figures_are_those_of_a_run_without_the_side(naive, aware):
    """naive.<key> is exactly <key> of a separate run of the scenario with no adversary and
    the same seed, for every chosen key of that run; the adapted figures are the run's own."""
    m = aware.metrics()
    chosen = [k for k in naive if is_chosen(k)]
    assert [k for k in m if k.startswith(NAIVE)] == [NAIVE + k for k in chosen]
    for key in chosen:
        assert same(m[NAIVE + key], naive[key]), key
    expected = {
        "detection.probability",
        "verified.probability",
        "latency.median_s",
        "verification_latency.median_s",
        "detection.by_class.satellite.high95",
        "sector.west.detection.probability.low95",
        "sector.east.verified.probability",
        "band.front.detection.probability",
    }
    assert expected <= set(chosen)
    assert not any(k.startswith(("coverage.", "assets.", "report.")) for k in chosen)
    # the side moved violations: the two sides differ (else this test could not fail)
    assert m["detection.probability"] != naive["detection.probability"]


def test_the_baseline_leaves_the_adapted_run_as_it_was(aware):
    """With the baseline off, the run is the same adapted run, minus the naive figures."""
    off = run(scenario({**SIDE, "naive_baseline": False}))
    for name in ("events", "detections"):
        a, b = getattr(aware, name), getattr(off, name)
        assert a.columns == b.columns
        for c in a.columns:
            np.testing.assert_array_equal(a[c], b[c], f"{name}.{c}")
    m, m_off = aware.metrics(), off.metrics()
    assert not any(k.startswith((NAIVE, "exposure.")) for k in m_off)
    own = {k: v for k, v in m.items() if not k.startswith((NAIVE, "exposure."))}
    assert list(own) == list(m_off)
    assert all(same(own[k], m_off[k]) for k in own)
    assert metric_keys(off.scenario) == set(m_off)


def test_the_gap_is_naive_minus_adapted(aware):
    m = aware.metrics()
    assert set(GAPS) == {"exposure.detection", "exposure.verified"}
    for gap, key in GAPS.items():
        assert m[gap] == m[NAIVE + key] - m[key]
    assert m["exposure.detection"] > 0  # a side aware of 80 %: the mechanism is exposed


def test_metric_keys_predict_the_naive_and_gap_keys(aware, tmp_path):
    """metric_keys(scenario) is exactly the key set of the metrics.json written, with
    and without coverage."""
    out = write_results(aware, tmp_path / "out")
    written = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metric_keys(aware.scenario) == set(written)
    bare = run(aware.scenario, coverage=False).metrics()
    assert metric_keys(aware.scenario, coverage=False) == set(bare)


def test_awareness_zero_runs_no_counterpart_and_changes_nothing(naive, tmp_path):
    """Awareness 0 (baseline on): no naive keys, and the data files are those of no side."""
    side = scenario({"awareness": 0.0, "naive_baseline": True})
    zero = run(side)
    assert zero.metrics() == pytest.approx(naive, nan_ok=True, abs=0, rel=0)
    assert metric_keys(side) == set(naive)
    a = write_results(zero, tmp_path / "zero")
    b = write_results(run(scenario()), tmp_path / "plain")
    files = sorted(p.name for p in a.iterdir())
    assert files == sorted(p.name for p in b.iterdir())
    assert {"metrics.json", "events.csv", "detections.csv", "coverage.csv"} <= set(files)
    for name in set(files) - {"manifest.json", "scenario.resolved.yaml"}:  # these name the side
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_units_of_the_new_keys():
    assert metric_unit("naive.detection.probability.low95") == "fraction"
    assert metric_unit("naive.detection.by_class.drone") == "fraction"
    assert metric_unit("naive.sector.west.verified.probability") == "fraction"
    assert metric_unit("naive.latency.median_s") == "s"
    assert metric_unit("exposure.detection") == "fraction"
    assert metric_range("exposure.verified") == (-1.0, 1.0)  # a gap may be negative
    assert metric_range("naive.detection.probability") == (0.0, 1.0)


def cells(html: str) -> dict[str, tuple[str, str]]:
    """data-key -> (data-value, text) of the exposure section's cells."""
    start = html.index('<section id="exposure">')
    part = html[start : html.index("</section>", start)]
    pattern = r'<td[^>]*data-key="([^"]+)" data-value="([^"]*)">([^<]*)</td>'
    return {k: (v, t) for k, v, t in re.findall(pattern, part)}


def test_report_sets_the_two_sides_side_by_side(aware, tmp_path):
    """The section's cells carry the metrics' values, printed by sim.present.format; a
    run without a counterpart has no such section."""
    out = write_results(aware, tmp_path / "aware")
    m = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    html = render_report(out)
    found = cells(html)
    shown = [k for k in m if k.startswith(NAIVE) and not k.endswith("95")]
    assert len(shown) >= 10 and m["naive.band.edge.detection.probability"] is None  # NaN
    for key in shown:
        if m[key] is None and m[key.removeprefix(NAIVE)] is None:
            assert key not in found  # undefined on both sides: no row
            continue
        for k in (key, key.removeprefix(NAIVE)):
            value, text = found[k]
            assert json.loads(value) == m[k], k
            wanted = fmt.interval_of(m, k) if f"{k}.low95" in m else fmt.metric(k, m[k])
            assert text == wanted.replace("'", "&#x27;"), k
    for gap in GAPS:
        value, text = found[gap]
        assert json.loads(value) == m[gap]
        assert text == fmt.percent(m[gap], signed=True)
    assert "naive side (95 % interval)" in html and "the mechanism&#x27;s exposure" in html
    plain = write_results(run(scenario({**SIDE, "naive_baseline": False})), tmp_path / "off")
    assert 'id="exposure"' not in render_report(plain)


def test_sweep_workers_record_both_sides(tmp_path):
    """A sweep run goes through the same pipeline: its record holds the naive figures."""
    from sim.sweep.records import run_one

    data = copy.deepcopy(BASE)
    data["violations"]["adversary"] = SIDE
    data["duration"] = "6h"
    record = run_one(data, 5, str(tmp_path), None)
    assert record["status"] == "ok", record["error"]
    for gap, key in GAPS.items():
        assert record[gap] == record[NAIVE + key] - record[key]


def test_new_metric_families_are_documented():
    """Every naive.* and exposure.* key family appears in backticks in docs/results.md."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "results.md").read_text("utf-8")
    families = set()
    for key in metric_keys(scenario(SIDE)):
        if key.startswith(NAIVE) or key.startswith("exposure."):
            family = re.sub(r"^naive\.(sector|band)\.[^.]+", r"naive.\1.<\1>", key)
            families.add(re.sub(r"by_class\.[a-z]+", "by_class.<class>", family))
    assert {"naive.detection.probability", "exposure.verified"} <= families
    missing = sorted(f for f in families if f"`{f}`" not in text)
    assert not missing, missing


def test_the_command_line_says_both_sides(aware):
    """``run`` prints the naive side and the gap; ``validate`` says the counterpart runs."""
    from sim.present.describe import describe_run, describe_scenario

    m = aware.metrics()
    text = describe_run(m)
    assert (
        f"naive side  detected {fmt.percent(m['naive.detection.probability'])}, verified "
        f"{fmt.percent(m['naive.verified.probability'])}: exposure "
        f"{fmt.percent(m['exposure.detection'], signed=True)} detected" in text
    )
    assert "naive side" not in describe_run(run(scenario()).metrics())
    assert "naive counterpart runs alongside" in describe_scenario(aware.scenario, 1)
    off = scenario({**SIDE, "naive_baseline": False})
    assert "naive counterpart" not in describe_scenario(off, 1)


def test_a_bad_naive_baseline_names_its_path():
    from sim.core.errors import ScenarioError

    for value in (2, "no", None):
        with pytest.raises(ScenarioError, match=r"violations\.adversary\.naive_baseline"):
            scenario({**SIDE, "naive_baseline": value})
