"""sim.spec.overrides: --set PATH=VALUE paths, YAML-scalar values, copies, errors."""

from __future__ import annotations

import copy

import pytest

from sim.core.errors import ScenarioError
from sim.spec.overrides import apply_overrides, parse_path, set_path

DATA = {
    "name": "x",
    "duration": "1d",
    "drones": [
        {"name": "a", "count": 2, "sensor": {"range": "2km", "pd": 0.9}},
        {"name": "b", "count": 1, "sensor": {"range": "3km"}},
    ],
    "line": {"points": [[0, 0], [1, 0]]},
}


# --- parse_path ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "parts"),
    [
        ("duration", ["duration"]),
        ("drones[0].sensor.range", ["drones", 0, "sensor", "range"]),
        ("line.points[1][0]", ["line", "points", 1, 0]),
        ("drones[12]", ["drones", 12]),
        ("  seed  ", ["seed"]),
        ("violations.types.armour.weight", ["violations", "types", "armour", "weight"]),
    ],
)
def test_parse_path(path, parts):
    """Dotted keys and [index] parts split into strings and ints."""
    assert parse_path(path) == parts


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("", "empty path"),
        ("   ", "empty path"),
        (".a", r"cannot parse path '\.a' at position 1"),
        ("a..b", r"cannot parse path 'a\.\.b' at position 3"),
        ("drones[x]", r"cannot parse path 'drones\[x\]' at position 7"),
        ("drones[-1]", r"cannot parse path 'drones\[-1\]' at position 7"),
        ("a.", r"cannot parse path 'a\.' at position 3"),
    ],
)
def test_parse_path_errors(path, message):
    """Unparseable paths raise ValueError giving the path and the position."""
    with pytest.raises(ValueError, match=message):
        parse_path(path)


# --- apply_overrides: values ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("6", 6),
        ("2.5", 2.5),
        ("120km/h", "120km/h"),
        ("'6'", "6"),
        ("true", True),
        ("null", None),
        ("[1, 2]", [1, 2]),
        ("{exponential: 30min}", {"exponential": "30min"}),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_values_are_parsed_as_yaml(text, value):
    """The text after the first '=' is read as YAML (an empty value is the empty string)."""
    out = apply_overrides(DATA, [f"duration={text}"])
    assert out["duration"] == value
    assert type(out["duration"]) is type(value)


def test_list_items_are_indexed():
    """drones[1].count sets the second fleet only."""
    out = apply_overrides(DATA, ["drones[1].count=5"])
    assert [d["count"] for d in out["drones"]] == [2, 5]


def test_nested_list_index():
    """line.points[1][0] sets one coordinate."""
    out = apply_overrides(DATA, ["line.points[1][0]=7"])
    assert out["line"]["points"] == [[0, 0], [7, 0]]


def test_overrides_apply_in_order():
    """Later overrides of the same path win."""
    out = apply_overrides(DATA, ["drones[0].count=3", "drones[0].count=4"])
    assert out["drones"][0]["count"] == 4


def test_new_leaf_key_is_added():
    """A new final key is set (validation afterwards says whether it is allowed)."""
    out = apply_overrides(DATA, ["drones[1].sensor.pd=0.5"])
    assert out["drones"][1]["sensor"] == {"range": "3km", "pd": 0.5}


def test_whole_subtree_is_replaced():
    """Setting a mapping key to a YAML mapping replaces the subtree."""
    out = apply_overrides(DATA, ["drones[0].sensor={range: 1km}"])
    assert out["drones"][0]["sensor"] == {"range": "1km"}


def test_caller_dict_is_not_mutated():
    """apply_overrides returns a copy; the caller's nested data is unchanged."""
    before = copy.deepcopy(DATA)
    out = apply_overrides(DATA, ["drones[0].sensor.range=9km", "name=y"])
    assert DATA == before
    assert out["drones"][0]["sensor"]["range"] == "9km"
    assert out["drones"][0]["sensor"] is not DATA["drones"][0]["sensor"]


def test_no_overrides_gives_an_equal_copy():
    """With no overrides the result equals the input but is a different object."""
    out = apply_overrides(DATA, [])
    assert out == DATA and out is not DATA


# --- apply_overrides: errors ---------------------------------------------------------


def problems_of(overrides: list[str]) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as info:
        apply_overrides(DATA, overrides, source="s.yaml")
    assert info.value.source == "s.yaml"
    return info.value.problems


def test_unknown_intermediate_key_suggests_close_match():
    """A typo in an intermediate key names it and suggests the close match."""
    assert problems_of(["drone[0].count=3"]) == [
        ("", "--set drone[0].count: no key 'drone' here (did you mean 'drones'?)")
    ]


def test_unknown_nested_key_names_where():
    """A typo below the top names the path walked so far."""
    assert problems_of(["drones[0].sensr.range=1"]) == [
        (
            "",
            "--set drones[0].sensr.range (drones[0]): no key 'sensr' here (did you mean 'sensor'?)",
        )
    ]


def test_unknown_key_without_close_match_has_no_hint():
    """A key with nothing close gets no 'did you mean'."""
    assert problems_of(["zzz.a=1"]) == [("", "--set zzz.a: no key 'zzz' here")]


def test_index_out_of_range():
    """An index past the end says how long the list is."""
    assert problems_of(["drones[2].count=1"]) == [
        ("", "--set drones[2].count (drones): index 2 out of range; the list has 2")
    ]


def test_index_on_a_mapping():
    """[0] on a mapping says it is not a list."""
    assert problems_of(["line[0]=1"]) == [
        ("", "--set line[0] (line): [0] indexes a list, but this is not one")
    ]


def test_key_on_a_list():
    """A key on a list says it is not a mapping."""
    assert problems_of(["drones.count=1"]) == [
        ("", "--set drones.count (drones): 'count' names a key, but this is not a mapping")
    ]


def test_key_below_a_scalar():
    """A key below a scalar value says it is not a mapping."""
    assert problems_of(["duration.unit=s"]) == [
        ("", "--set duration.unit (duration): 'unit' names a key, but this is not a mapping")
    ]


def test_missing_equals():
    """An override without '=' says PATH=VALUE was expected."""
    assert problems_of(["drones[0].count"]) == [
        ("--set", "expected PATH=VALUE; got 'drones[0].count'")
    ]


def test_every_bad_override_is_reported():
    """All bad overrides are reported together, in order, not just the first."""
    assert problems_of(["nokey", "drone[0].count=3", "name=ok"]) == [
        ("--set", "expected PATH=VALUE; got 'nokey'"),
        ("", "--set drone[0].count: no key 'drone' here (did you mean 'drones'?)"),
    ]


def test_bad_path_syntax_is_a_scenario_error():
    """An unparseable path becomes a ScenarioError, not a bare ValueError."""
    assert problems_of(["a..b=1"]) == [("", "--set a..b: cannot parse path 'a..b' at position 3")]


def test_empty_path_names_the_override():
    """An empty PATH says which --set it came from."""
    assert problems_of(["=3"]) == [("--set", "expected PATH=VALUE; got '=3' (the path is empty)")]


def test_error_leaves_caller_dict_unchanged():
    """A failing batch of overrides leaves the caller's data as it was."""
    before = copy.deepcopy(DATA)
    problems_of(["drones[0].count=9", "drone[0].count=3"])
    assert DATA == before


def test_set_path_on_a_given_node():
    """set_path sets in place on the object it is given (the copy is apply_overrides' job)."""
    data = {"a": [{"b": 1}]}
    set_path(data, ["a", 0, "b"], 2, "--set a[0].b")
    assert data == {"a": [{"b": 2}]}


def test_problem_inside_a_set_distribution_says_set_changed_it():
    """Regression: `--set violations.duration.xeponential=1` was named at
    violations.duration "(line 24)" alone, as if the file were wrong; the message now
    says --set changed that key (and still names the file's line)."""
    from sim.spec.load import load_scenario

    with pytest.raises(ScenarioError) as caught:
        load_scenario("scenarios/quickstart.yaml", ["violations.duration.xeponential=1"])
    assert "violations.duration (line" in str(caught.value)
    assert "changed by --set)" in str(caught.value)
