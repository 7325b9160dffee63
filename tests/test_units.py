"""sim.core.units parsers and sim.core.distributions: values, errors and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.core.distributions import Distribution, distribution_parser
from sim.core.units import (
    parse_distance,
    parse_duration,
    parse_probability,
    parse_rate,
    parse_speed,
)

# A float that prints in a form the unit grammar reads (no "inf", "nan") and whose
# product with any unit factor here stays finite.
finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=0.0, max_value=1e9, allow_nan=False, allow_infinity=False)

# --- durations -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90.0),
        ("15min", 900.0),
        ("2h", 7200.0),
        ("1.5hr", 5400.0),
        ("7d", 604800.0),
        ("3days", 259200.0),
        ("2w", 1209600.0),
        ("250ms", 0.25),
        ("10h30min", 37800.0),
        ("1d12h", 129600.0),
        ("10h 30min", 37800.0),
        (" 2h ", 7200.0),
        ("1e3s", 1000.0),
    ],
)
def test_parse_duration_with_units(text, seconds):
    """Duration strings, simple and compound, become seconds."""
    assert parse_duration(text) == pytest.approx(seconds, rel=1e-12)


@pytest.mark.parametrize(("value", "seconds"), [(90, 90.0), (2.5, 2.5), ("3600", 3600.0)])
def test_parse_duration_plain_number_is_seconds(value, seconds):
    """A plain number (or numeric string) is taken as seconds."""
    assert parse_duration(value) == seconds


def test_parse_duration_unknown_unit_names_it():
    """An unknown duration unit is named in the message, with the units allowed."""
    with pytest.raises(ValueError, match=r"unknown duration unit 'parsecs'.*expected one of"):
        parse_duration("2 parsecs")


def test_parse_duration_unknown_unit_inside_compound_names_it():
    """The bad term of a compound duration is the one named."""
    with pytest.raises(ValueError, match=r"unknown duration unit 'fortnights' in '1d2fortnights'"):
        parse_duration("1d2fortnights")


@pytest.mark.parametrize("value", ["", "   ", "h", "10h30", "fast", None, [1], {"h": 1}])
def test_parse_duration_rejects_non_durations(value):
    """Text that is not a duration says what a duration looks like."""
    with pytest.raises(ValueError, match=r"expected a duration such as '90s'"):
        parse_duration(value)


@pytest.mark.parametrize("value", [True, False])
def test_parse_duration_rejects_booleans(value):
    """Booleans are not numbers here (YAML 'yes' must not become 1 s)."""
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(value)


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", math.inf, math.nan])
def test_parse_duration_rejects_non_finite(value):
    """Infinite and NaN durations are refused."""
    with pytest.raises(ValueError, match="expected a finite duration"):
        parse_duration(value)


def test_parse_duration_rejects_overflowing_number_with_unit():
    """'1e400s' is not a finite duration and must be refused like 'inf'."""
    with pytest.raises(ValueError, match="finite"):
        parse_duration("1e400s")


@given(finite)
def test_property_hours_are_3600_seconds(x):
    """parse_duration(f'{x}h') == 3600 x for any finite x."""
    assert parse_duration(f"{x}h") == pytest.approx(x * 3600.0, rel=1e-12, abs=1e-300)


@given(st.lists(st.tuples(positive, st.sampled_from(["s", "min", "h", "d", "w"])), min_size=1))
def test_property_compound_duration_is_sum_of_terms(terms):
    """A compound duration equals the sum of its terms parsed one by one."""
    text = "".join(f"{x}{unit}" for x, unit in terms)
    expected = math.fsum(parse_duration(f"{x}{unit}") for x, unit in terms)
    assert parse_duration(text) == pytest.approx(expected, rel=1e-9)


# --- distances and speeds ------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "metres"),
    [("500m", 500.0), ("2km", 2000.0), ("1.5nmi", 2778.0), (" 3 km ", 3000.0), (42, 42.0)],
)
def test_parse_distance(value, metres):
    """Distances with units, or plain metres, become metres."""
    assert parse_distance(value) == pytest.approx(metres, rel=1e-12)


def test_parse_distance_unknown_unit_names_it_and_lists_units():
    """An unknown distance unit is named and the allowed units listed."""
    with pytest.raises(
        ValueError,
        match=r"unknown distance unit 'parsecs' in '2 parsecs'; expected one of cm, km, m, mm, nmi",
    ):
        parse_distance("2 parsecs")


@pytest.mark.parametrize("value", ["", "far", True, None, "inf", "nan", math.inf])
def test_parse_distance_rejects_bad_values(value):
    """Empty, non-numeric, boolean and non-finite distances are refused."""
    with pytest.raises(ValueError, match="distance"):
        parse_distance(value)


@given(st.floats(-40_000.0, 40_000.0))
def test_property_km_are_1000_metres(x):
    """parse_distance(f'{x}km') == 1000 x for any x within the Earth's circumference."""
    assert parse_distance(f"{x}km") == pytest.approx(1000.0 * x, rel=1e-12, abs=1e-300)


@given(st.floats(40_000.001, 1e300) | st.floats(-1e300, -40_000.001))
def test_property_distances_beyond_the_earth_are_refused(x):
    """A distance beyond 40,000 km (it overflowed geometry code) is refused by name."""
    with pytest.raises(ValueError, match="at most 40000 km"):
        parse_distance(f"{x}km")


@pytest.mark.parametrize(("text", "metres"), [("5mm", 0.005), ("3cm", 0.03)])
def test_millimetres_and_centimetres(text, metres):
    """`line.cell: 1mm` is a unit the users write: mm and cm parse."""
    assert parse_distance(text) == pytest.approx(metres)


@pytest.mark.parametrize(
    ("value", "mps"),
    [
        ("30m/s", 30.0),
        ("120km/h", 120 / 3.6),
        ("36kph", 10.0),
        ("90kn", 90 * 1852 / 3600),
        ("10kt", 10 * 1852 / 3600),
        (12.5, 12.5),
    ],
)
def test_parse_speed(value, mps):
    """Speeds in m/s, km/h, kph, kn, kt, or plain m/s, become m/s."""
    assert parse_speed(value) == pytest.approx(mps, rel=1e-12)


def test_parse_speed_unknown_unit_names_it():
    """An unknown speed unit (mph) is named, with the units allowed."""
    with pytest.raises(ValueError, match=r"unknown speed unit 'mph'.*km/h, kn"):
        parse_speed("60mph")


@pytest.mark.parametrize("value", ["", "fast", False, "nan"])
def test_parse_speed_rejects_bad_values(value):
    """Empty, non-numeric, boolean and NaN speeds are refused."""
    with pytest.raises(ValueError, match="speed"):
        parse_speed(value)


# --- rates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "per_second"),
    [
        ("40/day", 40 / 86400),
        ("0.002/h", 0.002 / 3600),
        ("3/min", 0.05),
        ("1/w", 1 / 604800),
        ("5 / hour", 5 / 3600),
        (0.01, 0.01),
    ],
)
def test_parse_rate(value, per_second):
    """Rates 'N/unit', or plain events per second, become events per second."""
    assert parse_rate(value) == pytest.approx(per_second, rel=1e-12)


def test_parse_rate_unknown_unit_names_it():
    """An unknown rate unit is named with a slash and the allowed units listed."""
    with pytest.raises(ValueError, match=r"unknown rate unit '/fortnight'.*expected one of /s"):
        parse_rate("2/fortnight")


@pytest.mark.parametrize("value", ["", "often", "40 per day", "x/day", True, "inf", "nan"])
def test_parse_rate_rejects_bad_values(value):
    """Non-rates, booleans and non-finite rates are refused."""
    with pytest.raises(ValueError, match="rate"):
        parse_rate(value)


@pytest.mark.parametrize("value", ["inf/day", "nan/day"])
def test_parse_rate_rejects_non_finite_count(value):
    """A non-finite count before the slash is refused like 'inf'."""
    with pytest.raises(ValueError, match="finite"):
        parse_rate(value)


# --- probabilities -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "p"),
    [(0, 0.0), (1, 1.0), (0.8, 0.8), ("0.25", 0.25), ("85%", 0.85), ("100%", 1.0), ("0 %", 0.0)],
)
def test_parse_probability(value, p):
    """Numbers in [0, 1] and percentages become probabilities."""
    assert parse_probability(value) == pytest.approx(p, rel=1e-12)


@pytest.mark.parametrize(
    "value", [1.5, -0.1, "150%", "-5%", "likely", "", True, False, None, "nan", math.inf]
)
def test_parse_probability_rejects_out_of_range_and_non_numbers(value):
    """Anything not in [0, 1] (or 0%..100%) is refused, booleans and NaN included."""
    with pytest.raises(ValueError, match="expected a probability between 0 and 1"):
        parse_probability(value)


# --- distributions -------------------------------------------------------------------

duration_dist = distribution_parser(parse_duration, "duration", 0.0)
offset_dist = distribution_parser(parse_distance, "distance", None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30min", Distribution("fixed", 1800.0)),
        (60, Distribution("fixed", 60.0)),
        ({"exponential": "30min"}, Distribution("exponential", 1800.0)),
        ({"uniform": ["10min", "2h"]}, Distribution("uniform", 600.0, 7200.0)),
        ({"lognormal": {"median": "30min", "sigma": 0.8}}, Distribution("lognormal", 1800.0, 0.8)),
    ],
)
def test_distribution_parser_forms(value, expected):
    """Each YAML form gives the distribution with SI parameters."""
    assert duration_dist(value) == expected


def test_distribution_parser_allows_negative_when_no_minimum():
    """With minimum None (offsets), a uniform may span negative values."""
    assert offset_dist({"uniform": ["-5km", "5km"]}) == Distribution("uniform", -5000.0, 5000.0)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5min", r"expected a duration of at least 0; got '-5min'"),
        ({"exponential": 0}, r"exponential mean must be positive"),
        ({"uniform": ["2h"]}, r"uniform expects \[LOW, HIGH\]"),
        ({"uniform": ["2h", "1h"]}, r"uniform expects LOW <= HIGH"),
        ({"uniform": ["-1h", "1h"]}, r"expected a duration of at least 0"),
        ({"lognormal": {"median": "30min"}}, r"lognormal expects \{median: M, sigma: S\}"),
        ({"lognormal": {"median": 0, "sigma": 1}}, r"median > 0 and sigma >= 0"),
        ({"lognormal": {"median": 60, "sigma": -1}}, r"median > 0 and sigma >= 0"),
        ({"exponental": "30min"}, r"distribution 'exponental' \(did you mean 'exponential'"),
        ({"exponential": 1, "uniform": [1, 2]}, r"expected a duration, or one of"),
        ({"exponential": "30 parsecs"}, r"unknown duration unit 'parsecs'"),
    ],
)
def test_distribution_parser_errors(value, message):
    """Bad distribution forms raise ValueError saying what was expected."""
    with pytest.raises(ValueError, match=message):
        duration_dist(value)


@pytest.mark.parametrize("sigma", [None, [1]])
def test_distribution_parser_bad_sigma_type_is_value_error(sigma):
    """A sigma that is not a number is a ValueError naming sigma, not a TypeError."""
    with pytest.raises(ValueError, match="sigma"):
        duration_dist({"lognormal": {"median": 60, "sigma": sigma}})


def test_distribution_parser_rejects_nan_sigma():
    """A NaN sigma is refused (it makes every sampled duration NaN)."""
    with pytest.raises(ValueError, match="sigma"):
        duration_dist({"lognormal": {"median": 60, "sigma": "nan"}})


def test_distribution_parser_passes_distribution_through():
    """An already built Distribution is returned as is."""
    dist = Distribution("uniform", 1.0, 2.0)
    assert duration_dist(dist) is dist


@pytest.mark.parametrize(
    "dist",
    [
        Distribution("fixed", 1800.0),
        Distribution("exponential", 600.0),
        Distribution("uniform", 10.0, 20.0),
        Distribution("lognormal", 1800.0, 0.8),
    ],
)
def test_distribution_to_data_round_trip(dist):
    """to_data() parses back to an equal Distribution."""
    assert duration_dist(dist.to_data()) == dist


@pytest.mark.parametrize(
    ("dist", "mean"),
    [
        (Distribution("fixed", 5.0), 5.0),
        (Distribution("exponential", 600.0), 600.0),
        (Distribution("uniform", 10.0, 20.0), 15.0),
        (Distribution("lognormal", 100.0, 0.5), 100.0 * math.exp(0.125)),
    ],
)
def test_distribution_mean(dist, mean):
    """The mean property is the analytic mean of each kind."""
    assert dist.mean == pytest.approx(mean, rel=1e-12)


def test_fixed_distribution_sample_is_constant():
    """A fixed distribution samples its value n times."""
    out = Distribution("fixed", 7.0).sample(np.random.default_rng(0), 5)
    assert out.tolist() == [7.0] * 5


def test_uniform_sample_within_bounds():
    """Uniform samples lie within [low, high]."""
    out = Distribution("uniform", 10.0, 20.0).sample(np.random.default_rng(1), 10_000)
    assert out.min() >= 10.0 and out.max() <= 20.0


@pytest.mark.parametrize(
    "dist",
    [
        Distribution("exponential", 600.0),
        Distribution("uniform", 10.0, 20.0),
        Distribution("lognormal", 100.0, 0.5),
    ],
)
def test_sample_mean_matches_mean(dist):
    """The seeded sample mean of n=20000 draws is within z=3.29 standard errors of the mean.

    The standard error is estimated from the sample itself (n is large, so the
    CLT applies); z=3.29 is the two-sided 99.9% normal quantile.
    """
    n = 20_000
    out = dist.sample(np.random.default_rng(2), n)
    se = out.std(ddof=1) / math.sqrt(n)
    assert abs(out.mean() - dist.mean) <= 3.29 * se


def test_sample_is_reproducible_with_the_same_seed():
    """The same generator seed gives the same draws."""
    dist = Distribution("lognormal", 100.0, 0.5)
    a = dist.sample(np.random.default_rng(3), 50)
    b = dist.sample(np.random.default_rng(3), 50)
    assert np.array_equal(a, b)


@pytest.mark.parametrize(
    ("dist", "low", "high"),
    [
        (Distribution("fixed", 5.0), 5.0, 5.0),
        (Distribution("uniform", 1.0, 2.0), 1.0, 2.0),
        (Distribution("exponential", 3.0), 0.0, math.inf),
        (Distribution("lognormal", 3.0, 1.0), 0.0, math.inf),
    ],
)
def test_distribution_bounds(dist, low, high):
    """low and high are the support's ends."""
    assert (dist.low, dist.high) == (low, high)
