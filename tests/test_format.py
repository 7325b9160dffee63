"""sim.present.format: the one way numbers are printed for people (CLI, reports, compare,
sweeps), as docs/results.md ("How numbers are printed") states it."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from sim.present import format as fmt

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.44, "0.4 s"),
        (5.0, "5 s"),
        (9.94, "9.9 s"),
        (45.0, "45 s"),
        (89.4, "89 s"),
        (90.0, "2 min"),
        (600.0, "10 min"),
        (89 * 60.0, "89 min"),
        (90 * 60.0, "1.5 h"),
        (5.5 * 3600, "5.5 h"),
        (86400.0, "24 h"),
        (47.9 * 3600, "47.9 h"),
        (48 * 3600.0, "2 d"),
        (7 * 86400.0, "7 d"),
        (3.25 * 86400.0, "3.2 d"),
    ],
)
def test_duration_switches_units_at_90_s_90_min_48_h(seconds, text):
    """One rule: s below 90 s, min below 90 min, h below 48 h, else d; a zero decimal is
    dropped ('24 h', '7 d'), a real one stays."""
    assert fmt.duration(seconds) == text


def test_signed_values_and_differences():
    """Differences carry their sign; proportions' differences are percentage points."""
    assert fmt.duration(-600.0, signed=True) == "-10 min"
    assert fmt.duration(600.0, signed=True) == "+10 min"
    assert fmt.percent(-0.05, signed=True) == "-5.0 pp"
    assert fmt.percent(0.125) == "12.5 %"
    assert fmt.number(31.0, signed=True) == "+31"
    assert fmt.number(-31.0, signed=True) == "-31"
    assert fmt.distance(-1500.0, signed=True) == "-1.5 km"


@pytest.mark.parametrize("value", [None, math.nan])
def test_undefined_values_print_one_dash(value):
    """None and NaN print as the one MISSING mark, whatever the unit."""
    for unit in ("s", "m", "fraction", "count", "1/day", "h", "days", ""):
        assert fmt.by_unit(value, unit) == fmt.MISSING == "–"
    assert fmt.with_interval(value, 0.1, 0.2) == "–"
    assert fmt.percent_bounds(value, 0.2) == ""


def test_numbers_group_thousands_and_keep_four_digits():
    """Whole numbers (and 1,000 and beyond) are grouped by thousands; others keep four
    significant digits; booleans read true/false."""
    assert fmt.number(12345) == "12 345"
    assert fmt.number(12345.6) == "12 346"
    assert fmt.number(0.123456) == "0.1235"
    assert fmt.number(True) == "true"


def test_metric_values_follow_the_unit_of_their_key():
    """A metrics.json value is printed by the unit of its key (metric_unit)."""
    assert fmt.metric("detection.by_class.drone", 0.125) == "12.5 %"
    assert fmt.metric("detection.by_class.drone", -0.05, signed=True) == "-5.0 pp"
    assert fmt.metric("assets.male.sorties", 16.0) == "16"
    assert fmt.metric("latency.median_s", 5400.0) == "1.5 h"
    assert fmt.metric("false_alarms.per_day", 0.5, signed=True) == "+0.5 per day"
    assert fmt.metric("duration_days", 7.0) == "7 d"
    assert fmt.metric("assets.male.flight_hours", 12.5) == "12.5 h"


def test_intervals_of_proportions():
    """A proportion with its 95 % interval: '67.8 % (95 %: 61.2–73.8 %)'."""
    m = {"p": 0.678, "p.low95": 0.612, "p.high95": 0.738}
    assert fmt.interval_of(m, "p") == "67.8 % (95 %: 61.2–73.8 %)"
    assert fmt.bounds_of(m, "p") == "61.2–73.8 %"
    assert fmt.interval_of({"p": 0.5}, "p") == "50.0 %"


def test_tick_labels_take_the_largest_unit_reached():
    """Tick labels of round durations: '1 min', '1 h', '2 d' (not '60 s', '60 min')."""
    assert [fmt.duration_tick(s) for s in (10, 60, 900, 3600, 172800)] == [
        "10 s",
        "1 min",
        "15 min",
        "1 h",
        "2 d",
    ]


def test_parameter_and_metric_display_units():
    """Distances of sweep parameters in km, times in h; metric axes in % and min."""
    assert fmt.parameter_unit("ground_sensors[0].spacing") == (1000.0, "km")
    assert fmt.parameter_unit("satellites[0].schedule.every") == (3600.0, "h")
    assert fmt.parameter_unit("drones[0].count") == (1.0, "")
    assert fmt.metric_scale("latency.median_s") == (60.0, "min")
    assert fmt.metric_scale("detection.probability") == (0.01, "%")


def test_the_rule_is_documented_with_its_thresholds():
    """docs/results.md states the duration thresholds the code applies."""
    text = (ROOT / "docs" / "results.md").read_text(encoding="utf-8")
    section = text.split("## How numbers are printed", 1)[1].split("\n## ", 1)[0]
    for seconds in (45.0, 600.0, 5.5 * 3600, 7 * 86400.0):
        assert f"`{fmt.duration(seconds)}`" in section
    assert re.search(r"90 s.*90 min.*48 h", section, re.S)


@pytest.mark.parametrize(
    ("workers", "executor", "text"),
    [
        (1, "inline", "inline (1 process)"),
        (2, "processes", "on 2 worker processes"),
        (1, "processes", "on 1 worker process"),
        (3, "dask-local", "on 3 Dask workers (local cluster)"),
        (2, "dask:tcp://h:8786", "on the Dask scheduler at tcp://h:8786"),
    ],
)
def test_sweep_summary_says_where_it_ran(workers, executor, text):
    """Regression: the sweep summary said '2 processes worker(s)'."""
    assert fmt.where_run(workers, executor) == text
