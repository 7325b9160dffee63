"""The uncued counterpart of a run with tip-and-cue (cueing_baseline): its figures are those
of a separate run without cueing and the same seed, the gains are their differences, a
run whose cues send no one is its own counterpart, and nothing changes with it off."""

from __future__ import annotations

import copy
import json
import math
import re

import numpy as np
import pytest

from sim.measure.exposure import NAIVE
from sim.measure.metrics import metric_keys, metric_unit
from sim.measure.uncued import GAINS, LATENCY_GAIN, UNCUED, VERIFIED_GAIN, is_chosen
from sim.pipeline import run
from sim.present import format as fmt
from sim.present.report.run import render_report
from sim.spec.checks import scenario_warnings
from sim.spec.load import scenario_from_data
from sim.store.write import write_results
from sim.sweep.stats import metric_range

# Drones on patrol, ground sensors and a radar satellite on a line with two sectors, one
# day; the sensors' and the satellite's reports send the nearest drone to look.
BASE = {
    "name": "uncued",
    "seed": 7,
    "duration": "1d",
    "line": {
        "points": [[0, 0], [120_000, 0]],
        "crs": "local",
        "buffer": "10km",
        "sectors": {"west": ["0km", "60km"], "east": ["60km", "120km"]},
    },
    "violations": {"rate": "120/day", "duration": {"exponential": "1h"}},
    "drones": [
        {
            "name": "uav",
            "count": 3,
            "speed": "120km/h",
            "sensor": {"range": "4km", "pd": 0.7},
            "loss_rate": "0.5/day",
            "spares": 2,
        }
    ],
    "ground_sensors": [
        {
            "name": "ugs",
            "modality": "acoustic",
            "spacing": "12km",
            "sensor": {"range": "2km", "pd": 0.8},
            "report_latency": {"exponential": "5min"},
        }
    ],
    "satellites": [{"name": "sar", "modality": "sar", "schedule": {"every": "8h"}, "pd": 0.6}],
    "cueing": [{"from": ["ugs", "sar"], "responders": ["uav"], "loiter": "20min"}],
}


def data(**changes):
    out = copy.deepcopy(BASE)
    out.update(changes)
    return out


def same(a, b) -> bool:
    """Exactly equal metric values (NaN equals NaN)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@pytest.fixture(scope="module")
def uncued():
    """A separate run of the scenario without cueing, same seed."""
    return run(scenario_from_data({k: v for k, v in BASE.items() if k != "cueing"})).metrics()


@pytest.fixture(scope="module")
def cued():
    return run(scenario_from_data(data()))


def test_uncued_figures_are_those_of_a_run_without_cueing(uncued, cued):
    """uncued.<key> is exactly <key> of the separate run, for every chosen key of it."""
    m = cued.metrics()
    chosen = [k for k in uncued if is_chosen(k)]
    assert [k for k in m if k.startswith(UNCUED)] == [UNCUED + k for k in chosen]
    for key in chosen:
        assert same(m[UNCUED + key], uncued[key]), key
    assert set(chosen) == {
        *(
            f"{k}{s}"
            for k in (
                "detection.probability",
                "verified.probability",
                "sector.west.verified.probability",
                "sector.east.verified.probability",
            )
            for s in ("", ".low95", ".high95")
        ),
        "verification_latency.median_s",
    }
    # the cues changed the run (else this test could not fail)
    assert m["cueing.sent"] > 0
    assert m["verified.probability"] != uncued["verified.probability"]


def test_the_gains_are_the_differences(cued):
    m = cued.metrics()
    assert m[VERIFIED_GAIN] == m["verified.probability"] - m[UNCUED + "verified.probability"]
    latency = "verification_latency.median_s"
    assert m[LATENCY_GAIN] == m[UNCUED + latency] - m[latency]
    assert list(m)[-2:] == list(GAINS)


def test_a_gain_is_nan_where_a_side_verifies_nothing(tmp_path):
    """One modality cannot verify: both medians, hence the latency gain, are NaN."""
    one = data(satellites=[], ground_sensors=[], drones=BASE["drones"])
    one["cueing"] = [{"from": ["uav"], "responders": ["uav"], "loiter": "20min"}]
    m = run(scenario_from_data(one), coverage=False).metrics()
    assert m["verified.probability"] == 0.0 == m[UNCUED + "verified.probability"]
    assert m[VERIFIED_GAIN] == 0.0 and math.isnan(m[LATENCY_GAIN])


def test_cues_that_send_no_one_change_nothing(tmp_path):
    """Cue rules that never send a responder (none within 1 m of any point) give exactly
    the figures and tables of the uncued counterpart: removing cueing changes no other
    draw (the dispatcher's streams are its own). The groups' report latencies are fixed
    here: a cueing group's are drawn from the dispatcher's streams (docs/model.md 22)."""
    ground = copy.deepcopy(BASE["ground_sensors"])
    ground[0]["report_latency"] = "5min"
    rule = {"from": ["ugs", "sar"], "responders": ["uav"], "loiter": "20min"}
    never = data(ground_sensors=ground, cueing=[{**rule, "max_distance": "1m"}])
    result = run(scenario_from_data(never), coverage=False)
    m = result.metrics()
    assert m["cueing.cues"] > 0 and m["cueing.sent"] == 0  # the rules do fire, send no one
    for key in [k for k in m if k.startswith(UNCUED)]:
        assert same(m[key], m[key.removeprefix(UNCUED)]), key
    assert m[VERIFIED_GAIN] == 0.0 and m[LATENCY_GAIN] == 0.0
    plain = run(scenario_from_data({k: v for k, v in never.items() if k != "cueing"}))
    for name in ("events", "detections"):
        a, b = getattr(result, name), getattr(plain, name)
        assert a.columns == b.columns
        for c in a.columns:
            np.testing.assert_array_equal(a[c], b[c], f"{name}.{c}")
    own = plain.metrics()
    assert all(same(m[k], own[k]) for k in own if not k.startswith("coverage."))


def test_switched_off_no_keys_and_the_same_run(cued):
    off = run(scenario_from_data(data(cueing_baseline=False)))
    m, m_off = cued.metrics(), off.metrics()
    assert not any(k.startswith(UNCUED) or k in GAINS for k in m_off)
    own = {k: v for k, v in m.items() if not k.startswith(UNCUED) and k not in GAINS}
    assert list(own) == list(m_off)
    assert all(same(own[k], m_off[k]) for k in own)
    assert metric_keys(off.scenario) == set(m_off)


def test_metric_keys_predict_the_uncued_keys(cued, tmp_path):
    out = write_results(cued, tmp_path / "out")
    written = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metric_keys(cued.scenario) == set(written)
    assert {UNCUED + "sector.west.verified.probability.low95", *GAINS} <= set(written)
    bare = run(cued.scenario, coverage=False).metrics()
    assert metric_keys(cued.scenario, coverage=False) == set(bare)


def test_with_an_adversary_each_counterpart_removes_only_its_own(tmp_path):
    """Side and cueing together: naive.* is the run without the side (with cueing),
    uncued.* the run without cueing (with the side); a counterpart runs none of its own."""
    side = {"awareness": 0.8, "candidates": 4}
    both = data(duration="12h")
    both["violations"] = {**both["violations"], "adversary": side}
    m = run(scenario_from_data(both), coverage=False).metrics()
    naive = data(duration="12h")
    no_cue = {k: v for k, v in both.items() if k != "cueing"}
    m_naive = run(scenario_from_data(naive), coverage=False).metrics()
    m_uncued = run(scenario_from_data(no_cue), coverage=False).metrics()
    for key in ("detection.probability", "verified.probability", "verification_latency.median_s"):
        assert same(m[NAIVE + key], m_naive[key]), key
        assert same(m[UNCUED + key], m_uncued[key]), key
    assert m["exposure.verified"] == m[NAIVE + "verified.probability"] - m["verified.probability"]
    assert not any(k.startswith((NAIVE + UNCUED, UNCUED + NAIVE)) for k in m)
    assert metric_keys(scenario_from_data(both), coverage=False) == set(m)


def test_units_and_ranges_of_the_new_keys():
    assert metric_unit("uncued.verified.probability.low95") == "fraction"
    assert metric_unit("uncued.sector.west.verified.probability") == "fraction"
    assert metric_unit("uncued.verification_latency.median_s") == "s"
    assert metric_unit(VERIFIED_GAIN) == "fraction"
    assert metric_unit(LATENCY_GAIN) == "s"
    assert metric_range(VERIFIED_GAIN) == (-1.0, 1.0)
    assert metric_range(LATENCY_GAIN) == (-math.inf, math.inf)
    assert metric_range("uncued.verified.probability") == (0.0, 1.0)
    assert metric_range("cueing.cues") == (0.0, math.inf)


def cells(html: str) -> dict[str, tuple[str, str]]:
    """data-key -> (data-value, text) of the cueing section's cells."""
    start = html.index('<section id="cueing">')
    part = html[start : html.index("</section>", start)]
    pattern = r'<td[^>]*data-key="([^"]+)" data-value="([^"]*)">([^<]*)</td>'
    return {k: (v, t) for k, v, t in re.findall(pattern, part)}


def test_report_sets_with_and_without_side_by_side(cued, tmp_path):
    """The section's cells carry the metrics.json values, printed by sim.present.format."""
    out = write_results(cued, tmp_path / "cued")
    m = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    html = render_report(out)
    found = cells(html)
    shown = [k for k in m if k.startswith(UNCUED) and not k.endswith("95")]
    assert len(shown) == 5
    for key in shown:
        for k in (key, key.removeprefix(UNCUED)):
            value, text = found[k]
            assert json.loads(value) == m[k], k
            wanted = fmt.interval_of(m, k) if f"{k}.low95" in m else fmt.metric(k, m[k])
            assert text == wanted, k
    for gain in GAINS:
        value, text = found[gain]
        assert json.loads(value) == m[gain]
        assert text == fmt.metric(gain, m[gain], signed=True)
    section = html[html.index('<section id="cueing">') :]
    assert "without cueing (95 % interval)" in section
    assert "does not measure verification without" not in html
    off = run(scenario_from_data(data(cueing_baseline=False)), coverage=False)
    page = render_report(write_results(off, tmp_path / "off"))
    assert "without cueing (95 % interval)" not in page
    assert "<code>cueing_baseline: false</code>" in page


def test_the_key_is_checked_and_said_when_meaningless():
    from sim.core.errors import ScenarioError

    for value in (2, "no", None):
        with pytest.raises(ScenarioError, match=r"cueing_baseline"):
            scenario_from_data(data(cueing_baseline=value))
    plain = {k: v for k, v in BASE.items() if k != "cueing"}
    alone = scenario_from_data({**plain, "cueing_baseline": False})
    assert any(w.startswith("cueing_baseline:") for w in scenario_warnings(alone))
    assert "cueing_baseline" not in alone.to_data()  # resolved files as before
    assert not any("cueing_baseline" in w for w in scenario_warnings(scenario_from_data(plain)))
    assert scenario_from_data(data()).to_data()["cueing_baseline"] is True


def test_new_metric_families_are_documented():
    """Every uncued.* key family and both gains appear in backticks in docs/results.md."""
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "results.md").read_text("utf-8")
    families = {
        re.sub(r"^uncued\.sector\.[^.]+", "uncued.sector.<sector>", key)
        for key in metric_keys(scenario_from_data(data()))
        if key.startswith(UNCUED) or key in GAINS
    }
    assert {"uncued.sector.<sector>.verified.probability.low95", *GAINS} <= families
    missing = sorted(f for f in families if f"`{f}`" not in text)
    assert not missing, missing


def test_the_command_line_says_both(cued):
    """``run`` prints verification without cueing and the gains; ``validate`` says it runs."""
    from sim.present.describe import describe_run, describe_scenario

    m = cued.metrics()
    text = describe_run(m)
    assert (
        f"uncued      verified {fmt.percent(m['uncued.verified.probability'])} (median "
        f"{fmt.duration(m['uncued.verification_latency.median_s'])}): cueing "
        f"{fmt.percent(m[VERIFIED_GAIN], signed=True)} verified" in text
    )
    said = "the same run without cueing runs alongside"
    assert said in describe_scenario(cued.scenario, 1)
    off = scenario_from_data(data(cueing_baseline=False))
    assert said not in describe_scenario(off, 1)
    assert "uncued      verified" not in describe_run(run(off, coverage=False).metrics())
