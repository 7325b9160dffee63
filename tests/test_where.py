"""When and where violations happen: diurnal profiles, per-type offsets and bands, sectors.

Statistical checks use stated levels (ALPHA, Bonferroni-corrected where many bins are
tested at once); each draw is seeded, so the tests are deterministic, and each fails
on a wrong model (a UTC instead of a solar hour, an unnormalised profile, the wrong
offset distribution).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from sim.core.errors import ScenarioError
from sim.core.geo import Line
from sim.spec.load import scenario_from_data
from sim.world.violation_types import hour_factors, solar_hour
from sim.world.violations import make_violations

ALPHA = 1e-3  # the level of each statistical test (a true model fails one in 1000 seeds)

# an east-west line over 30 degrees of longitude: two hours of solar time end to end
POINTS = [[20.0, 48.0], [35.0, 48.2], [50.0, 48.0]]
DAWN_DUSK = [1, 1, 1, 1, 2, 6, 8, 4, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 2, 5, 8, 3, 1, 1, 1, 0]


def scenario(violations: dict, line: dict | None = None, **top):
    data = {
        "name": "where",
        "duration": "20d",
        "start": "2026-03-01T05:17:00Z",
        "line": {"crs": "lonlat", "points": POINTS, "buffer": "20km", **(line or {})},
        "violations": violations,
        **top,
    }
    return scenario_from_data(data)


def draw(s, seed: int = 1):
    line = Line.from_points(s.line.points, s.line.crs, s.line.buffer)
    return make_violations(s, line, np.random.default_rng(seed)), line


def local_hours(s, v, line) -> np.ndarray:
    """The violations' local mean solar hours, computed here from their lon and UTC start."""
    lon, _ = line.to_lonlat(v.x, v.y)
    utc = [s.start + dt.timedelta(seconds=float(t)) for t in v.t_start]
    seconds = [3600 * u.hour + 60 * u.minute + u.second + u.microsecond * 1e-6 for u in utc]
    hours = np.array(seconds) / 3600.0
    return np.mod(hours + np.asarray(lon) / 15.0, 24.0)


def hour_counts(hours: np.ndarray) -> np.ndarray:
    return np.bincount(np.floor(hours).astype(int) % 24, minlength=24)


def chi_square_p(counts: np.ndarray, probabilities: np.ndarray) -> float:
    """p-value of counts against the cell probabilities (cells of probability 0 excluded)."""
    live = probabilities > 0
    expected = counts.sum() * probabilities[live] / probabilities[live].sum()
    return float(stats.chisquare(counts[live], expected).pvalue)


def test_hour_factors_have_a_daily_mean_of_one():
    f = hour_factors(DAWN_DUSK)
    assert f.mean() == pytest.approx(1.0)
    assert f[6] / f[10] == pytest.approx(16.0)


def test_solar_hour_is_utc_plus_longitude_over_15():
    start = dt.datetime(2026, 1, 1, 23, 0, tzinfo=dt.timezone.utc)
    assert solar_hour(start, 0.0, 30.0) == pytest.approx(1.0)
    assert solar_hour(start, 1800.0, -15.0) == pytest.approx(22.5)


def test_counts_per_local_solar_hour_follow_the_profile():
    """Chi-square goodness of fit per type (Bonferroni over the types), and zero in hour 23."""
    s = scenario(
        {
            "rate": "600/day",
            "types": {
                "artillery": {"weight": 2, "diurnal": DAWN_DUSK},
                "mortar": {"weight": 1},
            },
        }
    )
    v, line = draw(s)
    hours = local_hours(s, v, line)
    names = np.array(v.type_names)[v.type_index]
    art = hour_counts(hours[names == "artillery"])
    assert art[23] == 0  # a weight 0 hour gets nothing, exactly
    assert chi_square_p(art, hour_factors(DAWN_DUSK)) > ALPHA / 2
    assert chi_square_p(hour_counts(hours[names == "mortar"]), np.ones(24)) > ALPHA / 2
    # the profile moves violations in the day but keeps the stated mean rate: Poisson counts
    for name, mean in (("artillery", 400 * 20), ("mortar", 200 * 20)):
        count = int(np.sum(names == name))
        low, high = stats.poisson.ppf([ALPHA / 4, 1 - ALPHA / 4], mean)
        assert low <= count <= high, (name, count, mean)


def test_the_profile_is_in_solar_not_utc_time():
    """A one-hour profile lands in that solar hour at every longitude, not in a UTC hour."""
    only_noon = [0.0] * 24
    only_noon[12] = 1.0
    s = scenario({"rate": "100/day", "diurnal": only_noon})
    v, line = draw(s)
    hours = local_hours(s, v, line)
    assert len(v) > 500
    assert np.all((hours >= 12.0 - 1e-6) & (hours < 13.0 + 1e-6))
    utc = np.mod(hours - np.asarray(line.to_lonlat(v.x, v.y)[0]) / 15.0, 24.0)
    assert np.ptp(utc) > 1.5  # the line spans two hours of longitude: UTC hours differ


def test_a_types_own_profile_overrides_the_default():
    night = [1.0] * 6 + [0.0] * 12 + [1.0] * 6
    day = [0.0] * 6 + [1.0] * 12 + [0.0] * 6
    s = scenario({"rate": "100/day", "diurnal": night, "types": {"a": {}, "b": {"diurnal": day}}})
    v, line = draw(s)
    hours = local_hours(s, v, line)
    names = np.array(v.type_names)[v.type_index]
    is_day = (hours >= 6) & (hours < 18)
    assert np.all(is_day[names == "b"]) and not np.any(is_day[names == "a"])
    assert np.all(np.diff(v.t_start) >= 0)
    assert list(v.ids[:2]) == ["v000001", "v000002"]


@pytest.mark.parametrize(
    ("violations", "line", "where", "words"),
    [
        ({"rate": 1e-3, "diurnal": [1] * 23}, None, "violations.diurnal", "24 hourly"),
        ({"rate": 1e-3, "diurnal": [0] * 24}, None, "violations.diurnal", "positive"),
        ({"rate": 1e-3, "diurnal": [1] * 23 + [-1]}, None, "violations.diurnal[23]", ">= 0"),
        (
            {"rate": 1e-3, "types": {"a": {"diurnal": [1] * 24}}},
            {"crs": "local", "points": [[0, 0], [50_000, 0]]},
            "violations.types.a.diurnal",
            "lon/lat",
        ),
    ],
)
def test_bad_diurnal_profiles_are_refused(violations, line, where, words):
    with pytest.raises(ScenarioError) as info:
        scenario(violations, line)
    text = str(info.value)
    assert where in text and words in text, text
