"""Hypothesis strategies: valid scenarios across the whole schema, and mutations of them.

``scenarios()`` draws a :class:`Case`: plain YAML data plus the files it refers to
(replay CSVs, GeoJSON lines). It reaches every section and option of
docs/scenario-reference.md with extreme but legal values (pd 0 and 1, one sensor,
zero violations, spacing wider than the line, endurance shorter than the transit,
durations from 1 s to a year, lines from 1 m to 10,000 km, odd replay CSVs),
while capping the work of one example: the expected number of violations, grid
cells, patrol legs, images, glimpses, failures and false alarms are bounded by
scaling the *other* values (a long run gets a slow drone, a long line a coarse
cell), so every example stays well under a couple of seconds.

``mutations(case)`` turns a valid case into an invalid one and says which YAML
path the error message must name. ``sweeps(case)`` and ``sweep_mutations`` do
the same for sweep files.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from sim.core.geo import Line, zone_pole_problem
from sim.core.units import MAX_DISTANCE_M, parse_distance
from sim.spec.geometry import _self_crossing

YEAR_S = 365 * 86400.0
# Work caps of one example (expected counts, not hard limits of the simulator).
MAX_VIOLATIONS = 40
MAX_LINE_CELLS = 200
MAX_ZONE_CELLS = 1500
MAX_LEGS = 1500  # patrol legs per station over the run
MAX_IMAGES = 300
MAX_LOOKS = 2000  # glimpses per footprint window
MAX_EVENTS = 100  # failures, losses, false alarms per group


@dataclass
class Case:
    """A generated scenario: its YAML data, the files beside it, and what may refuse it.

    ``may_refuse`` lists YAML paths whose build-time checks may legitimately refuse
    the scenario (e.g. an endurance shorter than the transit); ``validate`` and
    ``run`` must then both refuse it, naming one of them. ``tags`` name the
    extremes drawn, for ``hypothesis.event`` and for the failure log.
    """

    data: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    may_refuse: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    length_m: float = 0.0


# --- quantities in the forms the scenario accepts ---------------------------------


def _num(x: float) -> str:
    return repr(float(x))


@st.composite
def distance(draw: st.DrawFn, metres: float) -> Any:
    """``metres`` written as a number or with a unit (m, km, nmi).

    Capped at the longest legal distance (the Earth's circumference, MAX_DISTANCE_M):
    a spread or range scaled from a 10,000 km line can overshoot it.
    """
    metres = min(float(metres), MAX_DISTANCE_M * (1 - 1e-6))  # unit rounding stays below
    form = draw(st.sampled_from(["num", "m", "km", "nmi", "str"]))
    if form == "num":
        return float(metres)
    if form == "m":
        return f"{_num(metres)}m"
    if form == "km":
        return f"{_num(metres / 1000.0)} km"
    if form == "nmi":
        return f"{_num(metres / 1852.0)}nmi"
    return _num(metres)


@st.composite
def duration(draw: st.DrawFn, seconds: float) -> Any:
    """``seconds`` written as a number or with a unit (s, min, h, d, w, compound)."""
    form = draw(st.sampled_from(["num", "s", "min", "h", "d", "w", "compound"]))
    if form == "num":
        return float(seconds)
    if form == "compound" and seconds >= 3600:
        hours = math.floor(seconds / 3600)
        rest = seconds - 3600 * hours
        return f"{hours}h{_num(rest)}s"
    unit = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}.get(form, 1.0)
    name = {"d": "day", "w": "weeks"}.get(form, form) if draw(st.booleans()) else form
    return f"{_num(seconds / unit)}{name if form != 'compound' else 's'}"


@st.composite
def speed(draw: st.DrawFn, mps: float) -> Any:
    """``mps`` (m/s) as a number or with a unit."""
    form = draw(st.sampled_from(["num", "m/s", "km/h", "kn"]))
    if form == "num":
        return float(mps)
    factor = {"m/s": 1.0, "km/h": 1 / 3.6, "kn": 1852.0 / 3600.0}[form]
    return f"{_num(mps / factor)}{form}"


@st.composite
def rate(draw: st.DrawFn, per_s: float) -> Any:
    """``per_s`` (1/s) as a number or ``N/unit``."""
    form = draw(st.sampled_from(["num", "s", "h", "day", "week"]))
    if form == "num":
        return float(per_s)
    factor = {"s": 1.0, "h": 3600.0, "day": 86400.0, "week": 604800.0}[form]
    return f"{_num(per_s * factor)}/{form}"


@st.composite
def probability(draw: st.DrawFn) -> Any:
    """A probability with the extremes 0 and 1 often, sometimes as a percentage."""
    p = draw(st.one_of(st.sampled_from([0.0, 1.0, 0, 1]), st.floats(0.0, 1.0)))
    if draw(st.integers(0, 4)) == 0:
        return f"{_num(float(p) * 100)}%"
    return p


def log_uniform(low: float, high: float) -> st.SearchStrategy[float]:
    """A float whose logarithm is uniform on [log low, log high], extremes included."""
    a, b = math.log10(low), math.log10(high)
    inner = st.floats(a, b, allow_nan=False).map(lambda e: min(max(10.0**e, low), high))
    return st.integers(0, 9).flatmap(lambda k: st.sampled_from([low, high]) if k == 0 else inner)


@st.composite
def duration_dist(draw: st.DrawFn, low: float, high: float, positive: bool) -> Any:
    """A duration distribution (fixed, exponential, uniform, lognormal) within [low, high]."""
    kind = draw(st.sampled_from(["fixed", "exponential", "uniform", "lognormal"]))
    value = draw(log_uniform(low, high))
    if kind == "fixed":
        if not positive and draw(st.integers(0, 5)) == 0:
            return 0
        return draw(duration(value))
    if kind == "exponential":
        return {"exponential": draw(duration(value))}
    if kind == "uniform":
        other = draw(log_uniform(low, high))
        a, b = sorted((value, other))
        return {"uniform": [draw(duration(a)), draw(duration(b))]}
    sigma = draw(st.sampled_from([0, 0.0, 0.5, 1.5]))
    return {"lognormal": {"median": draw(duration(value)), "sigma": sigma}}


# --- the line ---------------------------------------------------------------------


@st.composite
def lonlat_points(draw: st.DrawFn, length: float, n: int) -> tuple[list[list[float]], list[str]]:
    """``n`` lon/lat vertices of a line about ``length`` metres long, sometimes polar or
    across the antimeridian."""
    tags = []
    where = draw(st.sampled_from(["mid", "mid", "mid", "mid", "antimeridian", "polar"]))
    if where == "antimeridian":
        lon0 = draw(st.floats(178.0, 180.0))
        lat0 = draw(st.floats(-60.0, 60.0))
        heading = draw(st.floats(60.0, 120.0))
        tags.append("antimeridian")
    elif where == "polar":
        lon0 = draw(st.floats(-180.0, 180.0))
        lat0 = draw(st.floats(80.0, 89.5)) * draw(st.sampled_from([1, -1]))
        heading = draw(st.floats(0.0, 360.0))
        tags.append("polar")
    else:
        lon0 = draw(st.floats(-170.0, 170.0))
        lat0 = draw(st.floats(-70.0, 70.0))
        heading = draw(st.floats(0.0, 360.0))
    step = length / (n - 1)
    points = [[lon0, lat0]]
    lon, lat = lon0, lat0
    for _ in range(n - 1):
        heading += draw(st.floats(-40.0, 40.0))
        dlat = step * math.cos(math.radians(heading)) / 111_195.0
        coslat = max(math.cos(math.radians(lat)), 0.05)
        dlon = step * math.sin(math.radians(heading)) / (111_195.0 * coslat)
        lat = max(-89.9, min(89.9, lat + dlat))
        lon = lon + dlon
        lon = (lon + 180.0) % 360.0 - 180.0  # crossing the antimeridian wraps the sign
        points.append([round(lon, 9), round(lat, 9)])
    return points, tags


@st.composite
def line_section(draw: st.DrawFn) -> tuple[dict[str, Any], Line, list[str]]:
    """The ``line`` mapping, its projected Line, and tags."""
    tags: list[str] = []
    crs = draw(st.sampled_from(["local", "lonlat"]))
    if crs == "lonlat":
        length = draw(log_uniform(10.0, 1.0e7))
    else:
        length = draw(log_uniform(1.0, 1.0e7))
    n = draw(st.integers(2, 5))
    if crs == "local":
        x0, y0 = draw(st.floats(-1e6, 1e6)), draw(st.floats(-1e6, 1e6))
        heading = draw(st.floats(0.0, 360.0))
        points = [[x0, y0]]
        step = length / (n - 1)
        for _ in range(n - 1):
            heading += draw(st.floats(-40.0, 40.0))
            x0 += step * math.cos(math.radians(heading))
            y0 += step * math.sin(math.radians(heading))
            points.append([x0, y0])
    else:
        points, more = draw(lonlat_points(length, n))
        tags += more
    buffer = draw(log_uniform(1.0, 1.0e5))
    # sometimes an asymmetric zone {left, right}: the other side 0 to 3 times as wide
    # (0: a zone on one side only), or as wide ({b, b}: the zone of buffer b)
    other: float | None = None
    if draw(st.integers(0, 3)) == 0:
        other = draw(st.sampled_from([0.0, 1.0]) | st.floats(0.01, 3.0))
        tags.append("asymmetric zone" if other != 1.0 else "zone {b, b}")
    flip = draw(st.booleans())

    def sides(b: float) -> float | tuple[float, float]:
        if other is None:
            return b
        return (b * other, b) if flip else (b, b * other)

    line = Line.from_points(points, crs, sides(buffer))
    while zone_pole_problem(line) and buffer > 1.0:  # a zone holding a pole is refused
        buffer = max(buffer / 10.0, 1.0)
        line = Line.from_points(points, crs, sides(buffer))
    assume(zone_pole_problem(line) is None)  # a line through the pole itself
    # a line that crosses itself is refused (the clamp at 89.9 deg can fold a polar one)
    assume(_self_crossing(line) is None)
    length = line.length
    # cap the grid: line cells L / cell, zone cells about (L + 2 reach) width / cell^2
    min_cell = max(
        length / MAX_LINE_CELLS,
        math.sqrt((length + 2 * line.reach) * line.width / MAX_ZONE_CELLS),
    )
    if draw(st.integers(0, 4)) == 0:
        cell = max(draw(log_uniform(1.0, 1.0e6)), min_cell * 1.01)
    else:
        cell = min_cell * draw(log_uniform(1.01, 30.0))
    if cell > line.width:
        tags.append("cell wider than zone")
    data: dict[str, Any] = {"points": points}
    if crs != "lonlat" or draw(st.booleans()):
        data["crs"] = crs
    if other is None:
        data["buffer"] = draw(distance(buffer))
    else:
        data["buffer"] = {"left": draw(distance(line.left)), "right": draw(distance(line.right))}
    data["cell"] = draw(distance(cell))
    if draw(st.integers(0, 3)) == 0:
        data["bands"] = draw(bands_section(line.reach))
        tags.append("bands")
    if draw(st.integers(0, 3)) == 0:
        data["sectors"] = draw(sectors_section(line.length))
        tags.append("sectors")
    tags.append(f"line {crs} {length:.3g} m")
    return data, line, tags


@st.composite
def bands_section(draw: st.DrawFn, buffer: float) -> dict[str, Any]:
    """``line.bands``: 1 to 3 named half-widths, from within the zone to beyond it."""
    names = draw(st.lists(st.sampled_from(["light", "medium", "heavy", "b.4"]), min_size=1,
                          max_size=3, unique=True))  # fmt: skip
    return {n: draw(distance(draw(log_uniform(0.01, 20.0)) * buffer)) for n in names}


@st.composite
def sectors_section(draw: st.DrawFn, length: float) -> dict[str, Any]:
    """``line.sectors``: 1 to 3 named chainage ranges, apart or touching (the same written
    value ends one and starts the next), the last maybe reaching past the line's end."""
    count = draw(st.integers(1, 3))
    cuts = sorted(draw(st.floats(0.0, 0.999)) * length for _ in range(2 * count))
    written = [draw(distance(c)) for c in cuts]
    out: dict[str, Any] = {}
    for k in range(count):
        lo, hi = 2 * k, 2 * k + 1
        if k and draw(st.booleans()):
            lo = 2 * k - 1  # touching the previous sector
        end = written[hi]
        if k == count - 1 and draw(st.booleans()):
            end = draw(distance(1.5 * length))
        if parse_distance(end) <= parse_distance(written[lo]):
            continue
        out[f"s{k}"] = [written[lo], end]
    if not out:
        out["whole"] = [0, draw(distance(length))]
    return out


@st.composite
def diurnal_profile(draw: st.DrawFn) -> list[float]:
    """24 hourly weights, some 0, at least one positive."""
    weights = draw(st.lists(st.sampled_from([0, 0.0, 1, 2.5, 10]), min_size=24, max_size=24))
    if not any(weights):
        weights[draw(st.integers(0, 23))] = 1
    return weights


# --- violations -------------------------------------------------------------------


def _type_names() -> st.SearchStrategy[list[str]]:
    name = st.from_regex(r"[a-z][a-z_0-9]{0,8}", fullmatch=True)
    return st.lists(name, min_size=1, max_size=3, unique=True)


@st.composite
def types_section(draw: st.DrawFn, modalities: list[str]) -> dict[str, Any]:
    """``violations.types``: weights and signatures over the scenario's modalities."""
    out: dict[str, Any] = {}
    for name in draw(_type_names()):
        spec: dict[str, Any] = {}
        if draw(st.booleans()):
            spec["weight"] = draw(st.floats(0.01, 100.0))
        if modalities and draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(modalities), max_size=3, unique=True))
            spec["signature"] = {m: draw(probability()) for m in chosen}
        out[name] = spec
    return out


def _csv_bytes(header: list[str], rows: list[list[str]], crlf: bool, quote_all: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        lineterminator="\r\n" if crlf else "\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


@st.composite
def replay_csv(
    draw: st.DrawFn, line: Line, crs: str, horizon: float, type_names: list[str] | None
) -> tuple[bytes, list[str]]:
    """An odd but legal replay CSV (see the replay rules of docs/scenario-reference.md)."""
    tags: list[str] = []
    n = draw(st.integers(1, 15))
    use_lonlat = crs == "lonlat" and draw(st.booleans())
    coords = ["lon", "lat"] if use_lonlat else ["x_m", "y_m"]
    columns = ["id", "t_start_s", "duration_s", *coords]
    with_type = draw(st.booleans())
    if with_type:
        columns.append("type")
    if draw(st.booleans()):
        columns.append(draw(st.sampled_from(["note", "source", "x", "comment"])))
        tags.append("replay extra column")
    columns = draw(st.permutations(columns))
    id_text = st.one_of(
        st.from_regex(r"[A-Za-z0-9_\-]{1,10}", fullmatch=True),
        st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=8).filter(
            lambda s: s.strip() == s and s.strip()
        ),
        st.integers(0, 10**6).map(str),
    )
    ids = draw(st.lists(id_text, min_size=n, max_size=n, unique=True))
    rows = []
    for k in range(n):
        t0 = draw(st.sampled_from([0.0, horizon * (1 - 1e-9)]) | st.floats(0.0, horizon * 0.999))
        dur = draw(log_uniform(1e-3, max(horizon * 3, 1e-3)))
        chainage = draw(st.floats(0.0, 1.0)) * line.length
        offset = draw(st.floats(-1.0, 1.0)) * line.reach
        x, y = line.point_at(chainage, offset)
        x, y = float(x), float(y)
        if use_lonlat:
            lon, lat = line.to_lonlat(x, y)
            a, b = float(lon), float(lat)
        else:
            a, b = x, y
        values = {
            "id": ids[k],
            "t_start_s": repr(t0) if draw(st.booleans()) else f"{t0:.17e}",
            "duration_s": repr(dur),
            coords[0]: repr(a),
            coords[1]: repr(b),
            "type": draw(st.sampled_from(["", *(type_names or ["alpha", "beta"])])),
            "note": draw(st.sampled_from(["", "a, quoted, note", 'say "hi"'])),
            "source": "x",
            "x": "ignored",
            "comment": "",
        }
        rows.append([values[c] for c in columns])
    crlf, quote_all = draw(st.booleans()), draw(st.booleans())
    text = _csv_bytes(list(columns), rows, crlf, quote_all)
    odd = draw(st.sampled_from(["none"] * 8 + ["bom", "spaces"]))
    if odd == "bom":  # legal per issue 7 section 3 (validation area)
        text = b"\xef\xbb\xbf" + text
        tags.append("replay BOM")
    elif odd == "spaces":
        text = text.replace(b",", b", ") if not quote_all else text
        tags.append("replay spaces after commas")
    tags.append(f"replay {n} rows{' lonlat' if use_lonlat else ''}")
    return text, tags


@st.composite
def violations_section(
    draw: st.DrawFn,
    line: Line,
    crs: str,
    horizon: float,
    modalities: list[str],
    bands: dict[str, float] | None = None,
) -> tuple[dict[str, Any], dict[str, bytes], list[str]]:
    """``violations``: generated (rate, duration, along, offset, types, diurnal; per type
    diurnal, band within ``bands`` (half-widths, m) and offset) or replayed."""
    tags: list[str] = []
    files: dict[str, bytes] = {}
    out: dict[str, Any] = {}
    declared = draw(st.booleans())
    if declared:
        out["types"] = draw(types_section(modalities))
    if draw(st.integers(0, 4)) == 0:
        text, more = draw(replay_csv(line, crs, horizon, list(out["types"]) if declared else None))
        name = draw(st.sampled_from(["replay.csv", "data/odd name é.csv"]))
        files[name] = text
        out["file"] = name
        return out, files, tags + more
    expected = draw(st.sampled_from([0, 0, 1]) | st.integers(0, MAX_VIOLATIONS))
    if expected == 0:
        tags.append("zero violations")
    out["rate"] = draw(rate(expected / horizon))
    if draw(st.integers(0, 5)) == 0:  # an adapting side (a planning run of few candidates)
        side: dict[str, Any] = {"awareness": draw(st.sampled_from([0.0, 0.3, 1.0]))}
        if draw(st.booleans()):
            side["knows"] = draw(
                st.lists(
                    st.sampled_from(["schedule", "daylight", "clouds", "coverage"]), unique=True
                )
            )
        side["candidates"] = draw(st.integers(1, 4))
        if draw(st.booleans()):  # default true: the naive counterpart runs alongside
            side["naive_baseline"] = draw(st.booleans())
        out["adversary"] = side
        tags.append("adversary")
    if crs == "lonlat" and draw(st.integers(0, 4)) == 0:
        out["diurnal"] = draw(diurnal_profile())
        tags.append("diurnal")
    for spec in out.get("types", {}).values():
        if crs == "lonlat" and draw(st.integers(0, 3)) == 0:
            spec["diurnal"] = draw(diurnal_profile())
            tags.append("type diurnal")
        if bands and draw(st.integers(0, 2)) == 0:
            spec["band"] = draw(st.sampled_from(sorted(bands)))
            tags.append("type band")
        if draw(st.integers(0, 3)) == 0:
            half = bands[spec["band"]] if "band" in spec else line.reach
            lo, hi = sorted((draw(st.floats(-half, half)), draw(st.floats(-half, half))))
            spec["offset"] = draw(
                st.sampled_from([lo, {"uniform": [lo, hi]}])
                if "band" in spec
                else st.sampled_from([lo, {"exponential": max(hi, 1.0)}])
            )
            tags.append("type offset")
    if draw(st.booleans()):
        out["duration"] = draw(duration_dist(1.0, max(2 * horizon, 1.0), positive=True))
    if draw(st.booleans()):
        hotspots = []
        for _ in range(draw(st.integers(1, 3))):
            spot: dict[str, Any] = {
                "at": draw(distance(draw(st.floats(0.0, 0.999)) * line.length)),
                "spread": draw(distance(draw(log_uniform(1e-3, 10.0)) * line.length)),
            }
            if draw(st.booleans()):
                spot["weight"] = draw(st.floats(0.001, 10.0))
            hotspots.append(spot)
        along: dict[str, Any] = {"hotspots": hotspots}
        if draw(st.booleans()):
            along["background"] = draw(st.sampled_from([0, 0.0, 1, 5.5]))
        out["along"] = along
    elif draw(st.booleans()):
        out["along"] = "uniform"
    if draw(st.booleans()):
        b = line.reach
        kind = draw(st.sampled_from(["fixed", "uniform", "exponential", "lognormal"]))
        if kind == "fixed":
            out["offset"] = draw(distance(draw(st.floats(-1.5 * b, 1.5 * b))))
        elif kind == "uniform":
            lo, hi = sorted((draw(st.floats(-b, b)), draw(st.floats(-b, b))))
            out["offset"] = {"uniform": [draw(distance(lo)), draw(distance(hi))]}
        elif kind == "exponential":
            out["offset"] = {"exponential": draw(distance(draw(st.floats(0.01, 1.0)) * b))}
        else:
            out["offset"] = {
                "lognormal": {
                    "median": draw(distance(draw(st.floats(0.01, 1.0)) * b)),
                    "sigma": draw(st.sampled_from([0, 0.3, 1.0])),
                }
            }
    return out, files, tags


# --- assets -----------------------------------------------------------------------


@st.composite
def sensor(draw: st.DrawFn, horizon: float, length: float) -> dict[str, Any]:
    """A SensorSpec: range from 1 m to 50 km, pd with its extremes, an optional glimpse."""
    out: dict[str, Any] = {"range": draw(distance(draw(log_uniform(1.0, 5.0e4))))}
    if draw(st.booleans()):
        out["pd"] = draw(probability())
    if draw(st.integers(0, 3)) == 0:
        out["glimpse"] = draw(duration(max(draw(log_uniform(1.0, 1e6)), horizon / MAX_LOOKS)))
    return out


def _chainage_pair(draw: st.DrawFn, length: float) -> tuple[float, float]:
    a = draw(st.floats(0.0, 0.98))
    b = draw(st.floats(a + 0.01, 1.0))
    return a * length, b * length * (1 - 1e-12)


@st.composite
def drone_fleet(
    draw: st.DrawFn, name: str, line: Line, crs: str, horizon: float, index: int
) -> tuple[dict[str, Any], list[str], list[str]]:
    """A DroneFleetSpec with stations, relief, base, endurance, losses, spares, standoff."""
    tags: list[str] = []
    refuse: list[str] = []
    where = f"drones[{index}]"
    length = line.length
    count = draw(st.integers(1, 3))
    stations = draw(st.integers(1, count))
    out: dict[str, Any] = {"name": name, "count": count}
    if draw(st.booleans()):
        out["modality"] = draw(st.sampled_from(["eo", "ir", "sar", "eo.v2"]))
    patrol: dict[str, Any] = {}
    if stations != count or draw(st.booleans()):
        patrol["stations"] = stations
    lo, hi = 0.0, length
    if draw(st.integers(0, 2)) == 0:
        lo, hi = _chainage_pair(draw, length)
        patrol["span"] = [draw(distance(lo)), draw(distance(hi))]
    seg = (hi - lo) / stations
    if draw(st.integers(0, 3)) == 0:
        edges = sorted(draw(st.floats(0.0, 1.0)) for _ in range(stations - 1))
        cuts = [0.0, *edges, 1.0]
        segments = []
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            if b - a < 1e-3:
                a, b = 0.0, 1.0
            segments.append([draw(distance(a * length)), draw(distance(b * length * (1 - 1e-12)))])
            seg = min(seg, (b - a) * length)
        patrol["segments"] = segments
    if draw(st.booleans()):
        standoff = draw(st.floats(-1.0, 1.0)) * line.reach
        patrol["standoff"] = draw(distance(standoff))
        refuse.append(f"{where}.patrol.standoff")
    if patrol:
        out["patrol"] = patrol
    # speed: at most MAX_LEGS back-and-forth legs per station over the run
    cap = MAX_LEGS * max(seg, 1e-6) / horizon
    mps = min(draw(log_uniform(0.1, 3000.0)), cap)
    if mps == cap:
        tags.append("drone speed capped")
    out["speed"] = draw(speed(mps))
    out["sensor"] = draw(sensor(horizon, length))
    has_base = draw(st.booleans())
    endurance_s = None
    if has_base:
        if draw(st.booleans()):
            base = {"at": draw(distance(draw(st.floats(0.0, 0.999)) * length))}
            if draw(st.booleans()):
                base["offset"] = draw(distance(draw(st.floats(-3.0, 3.0)) * line.reach))
            out["base"] = base
        else:
            c = draw(st.floats(0.0, 1.0)) * length
            x, y = line.point_at(c, draw(st.floats(-3.0, 3.0)) * line.reach)
            if crs == "lonlat":
                lon, lat = line.to_lonlat(float(x), float(y))
                out["base"] = [float(lon), float(lat)]
            else:
                out["base"] = [float(x), float(y)]
        # sorties: at most ~MAX_EVENTS; a short endurance is legal but may be refused
        endurance_s = max(draw(log_uniform(1.0, 2 * horizon)), horizon / MAX_EVENTS)
        short = draw(st.integers(0, 5)) == 0
        if short:
            endurance_s = draw(log_uniform(1.0, 60.0))
            tags.append("endurance maybe shorter than transit")
        refuse += [f"{where}.endurance", f"{where}.base"]
    elif draw(st.booleans()):
        endurance_s = max(draw(log_uniform(1.0, 2 * horizon)), horizon / MAX_EVENTS)
    if endurance_s is not None:
        out["endurance"] = draw(duration(endurance_s))
    if draw(st.booleans()):
        out["turnaround"] = draw(duration(draw(st.sampled_from([0.0, 60.0, 7200.0]))))
    if draw(st.booleans()):
        out["loss_rate"] = draw(rate(draw(st.floats(0.0, 5.0)) / (horizon * count)))
        tags.append("losses")
    if draw(st.booleans()):
        out["spares"] = draw(st.integers(0, 2))
    if draw(st.booleans()):
        out["replacement"] = draw(duration(draw(log_uniform(1.0, 2 * horizon))))
    if draw(st.booleans()):
        out["report_latency"] = draw(duration_dist(1.0, 4 * 3600.0, positive=False))
    if draw(st.booleans()):
        out["false_alarm_rate"] = draw(rate(draw(st.floats(0.0, 30.0)) / (horizon * count)))
        tags.append("drone false alarms")
    return out, tags, refuse


@st.composite
def ground_group(
    draw: st.DrawFn, name: str, line: Line, crs: str, horizon: float, index: int
) -> tuple[dict[str, Any], list[str], list[str]]:
    """A GroundGroupSpec by spacing (sometimes wider than the line) or by points."""
    tags: list[str] = []
    refuse: list[str] = []
    length = line.length
    out: dict[str, Any] = {"name": name}
    if draw(st.booleans()):
        out["modality"] = draw(st.sampled_from(["seismic", "acoustic", "radar", "eo"]))
    n_sensors: float
    if draw(st.booleans()):
        spacing = draw(log_uniform(length / 60, 3 * length + 1.0))
        if spacing > length:
            tags.append("spacing wider than line")
        if spacing > length:  # beyond twice the span no sensor is placed: refused
            refuse.append(f"ground_sensors[{index}].spacing")
        out["spacing"] = draw(distance(spacing))
        n_sensors = max(length / spacing, 1)
        if draw(st.booleans()):
            out["offset"] = draw(distance(draw(st.floats(-2.0, 2.0)) * line.reach))
        if draw(st.integers(0, 2)) == 0:
            a, b = _chainage_pair(draw, length)
            out["span"] = [draw(distance(a)), draw(distance(b))]
            if spacing > b - a and not refuse:  # beyond twice its span: no sensor, refused
                refuse.append(f"ground_sensors[{index}].spacing")
    else:
        positions = []
        for _ in range(draw(st.integers(1, 5))):
            x, y = line.point_at(
                draw(st.floats(0.0, 1.0)) * length, draw(st.floats(-2.0, 2.0)) * line.reach
            )
            if crs == "lonlat":
                lon, lat = line.to_lonlat(float(x), float(y))
                positions.append([float(lon), float(lat)])
            else:
                positions.append([float(x), float(y)])
        if len(positions) == 1:
            tags.append("one sensor")
        out["positions"] = positions
        n_sensors = len(positions)
    out["sensor"] = draw(sensor(horizon, length))
    if draw(st.booleans()):
        out["mtbf"] = draw(duration(max(draw(log_uniform(1.0, 4 * horizon)), horizon / 20)))
        if draw(st.booleans()):
            out["mttr"] = draw(duration(draw(log_uniform(1.0, horizon))))
        tags.append("ground failures")
    if draw(st.booleans()):
        out["report_latency"] = draw(duration_dist(1.0, 3600.0, positive=False))
    if draw(st.booleans()):
        out["false_alarm_rate"] = draw(rate(draw(st.floats(0.0, 20.0)) / (horizon * n_sensors)))
    return out, tags, refuse


MAX_ORBIT_HORIZON = 2 * 86400.0  # s: orbits are drawn for runs up to this long


@st.composite
def orbit(draw: st.DrawFn) -> dict[str, Any]:
    """An orbit of each form but TLE (tests/test_orbit_runs.py reads TLE files)."""
    altitude = draw(st.sampled_from(["400km", "550 km", "786km", "1200km"]))
    form = draw(st.sampled_from(["sun_synchronous", "elements", "walker"]))
    if form == "sun_synchronous":
        body: dict[str, Any] = {
            "altitude": altitude,
            "local_time": draw(st.sampled_from(["10:30", "06:00", "22:15", "00:00", "23:59"])),
        }
        if draw(st.booleans()):
            body["phase"] = draw(st.floats(-360.0, 360.0))
    elif form == "elements":
        body = {"altitude": altitude, "inclination": draw(st.floats(0.0, 180.0))}
        for key in ("raan", "arg_perigee", "mean_anomaly"):
            if draw(st.booleans()):
                body[key] = draw(st.floats(-360.0, 360.0))
        if draw(st.booleans()):
            body["eccentricity"] = draw(st.floats(0.0, 0.02))
    else:
        planes = draw(st.integers(1, 3))
        body = {
            "total": planes * draw(st.integers(1, 3)),
            "planes": planes,
            "phasing": draw(st.integers(0, planes - 1)),
            "altitude": altitude,
            "inclination": draw(st.floats(0.0, 180.0)),
        }
    return {form: body}


@st.composite
def satellite(draw: st.DrawFn, name: str, horizon: float, crs: str = "local") -> dict[str, Any]:
    """A SatelliteSpec: a schedule of at most MAX_IMAGES images (first may be after T), or
    on a lon/lat line of at most MAX_ORBIT_HORIZON, an orbit with a swath."""
    if crs == "lonlat" and horizon <= MAX_ORBIT_HORIZON and draw(st.integers(0, 2)) == 0:
        swath_km = draw(st.sampled_from([10, 290, 2000]))
        out: dict[str, Any] = {
            "name": name,
            "orbit": draw(orbit()),
            "swath": f"{swath_km}km",
        }
        if draw(st.booleans()):
            # a steerable strip reaches at least half its width off the track
            reach = draw(st.sampled_from([r for r in (300, 1000, 1500) if r >= swath_km / 2]))
            out["off_nadir_reach"] = f"{reach}km"
        every = horizon / 30.0  # about one pass in two over a point, for the false alarms
    else:
        every = max(draw(log_uniform(1.0, 2 * horizon)), horizon / MAX_IMAGES)
        schedule: dict[str, Any] = {"every": draw(duration(every))}
        if draw(st.booleans()):
            schedule["first"] = draw(duration(draw(st.floats(0.0, 1.2)) * horizon))
        out = {"name": name, "schedule": schedule}
    if draw(st.booleans()):
        out["modality"] = draw(st.sampled_from(["eo", "sar"]))
    if draw(st.booleans()):
        out["footprint"] = "zone" if "schedule" in out else "swath"
    if draw(st.booleans()):
        out["pd"] = draw(probability())
    if draw(st.booleans()):
        out["report_latency"] = draw(duration_dist(1.0, 86400.0, positive=False))
    if draw(st.booleans()):
        images = max(horizon / every, 1.0)
        out["false_alarms_per_image"] = draw(st.floats(0.0, 20.0)) / images
    return out


# --- whole scenarios --------------------------------------------------------------


@st.composite
def jamming_area(draw: st.DrawFn, k: int, line: Line, horizon: float) -> dict[str, Any]:
    """A jamming area: a band along the line or a square around one of its points."""
    area: dict[str, Any] = {"name": f"jam{k}"}
    if draw(st.booleans()):
        lo = draw(st.floats(-2.0, 1.0)) * line.reach
        hi = lo + draw(st.floats(0.05, 2.0)) * line.reach
        area["band"] = {"from_line": draw(distance(lo)), "to_line": draw(distance(hi))}
        if draw(st.booleans()):
            a = draw(st.floats(0.0, 0.9)) * line.length
            area["band"]["span"] = [a, a + draw(st.floats(0.01, 1.0)) * (line.length - a) + 1.0]
    else:
        cx, cy = line.point_at(draw(st.floats(0.0, 1.0)) * line.length)
        r = draw(st.floats(0.05, 3.0)) * max(line.reach, 1.0)
        corners = np.array([[-r, -r], [r, -r], [r, r], [-r, r]]) + [float(cx), float(cy)]
        if line.is_geographic:
            lon, lat = line.to_lonlat(corners[:, 0], corners[:, 1])
            corners = np.column_stack([lon, lat])
        area["area"] = corners.tolist()
    if draw(st.booleans()):
        area["pd_factor"] = draw(st.floats(0.0, 1.0))
    if draw(st.booleans()):
        area["loss_rate"] = draw(rate(draw(log_uniform(1e-7, 1e-2))))
    if draw(st.booleans()):
        area["report_delay"] = draw(duration_dist(1.0, max(horizon, 2.0), False))
    if draw(st.booleans()):
        t0 = draw(st.floats(0.0, 0.9)) * horizon
        area["active"] = [[t0, t0 + draw(st.floats(0.01, 1.0)) * horizon + 1.0]]
    return area


@st.composite
def environment_section(
    draw: st.DrawFn,
    crs: str,
    horizon: float,
    length: float,
    modalities: list[str],
    line: Line | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """A sky: daylight (lon/lat lines only), clouds of either form, modality overrides,
    sometimes jamming areas.

    Spells and regions are kept to at most ~1e5 clouds.csv rows."""
    env: dict[str, Any] = {}
    tags: list[str] = []
    if crs != "lonlat" or draw(st.integers(0, 3)) == 0:
        env["daylight"] = None  # a local line has no sun: daylight must be off
    elif draw(st.booleans()):
        env["daylight"] = {"min_sun_elevation": draw(st.floats(-18.0, 30.0))}
        tags.append("daylight threshold")
    if draw(st.booleans()):
        low = max(horizon / 1000.0, 1.0)
        spells = [draw(duration(draw(log_uniform(low, 10.0 * low + 10.0 * horizon)))) for _ in "ab"]
        if draw(st.booleans()):
            clouds: dict[str, Any] = {"clear": spells[0], "overcast": spells[1]}
        else:
            fractions = [draw(st.floats(0.01, 0.99)) for _ in range(12)]
            clouds = {"monthly": fractions, "spell": spells[0]}
        if draw(st.booleans()):
            clouds["cell"] = draw(
                distance(draw(log_uniform(max(length / 50.0, 1.0), 2.0 * length + 1.0)))
            )
        if draw(st.booleans()):
            clouds["drone_factor"] = draw(st.floats(0.0, 1.0))
        env["clouds"] = clouds
        tags.append("clouds")
    if modalities and draw(st.booleans()):
        env["needs_daylight"] = {m: draw(st.booleans()) for m in modalities}
    if line is not None and draw(st.integers(0, 2)) == 0:
        n = draw(st.integers(1, 2))
        env["jamming"] = [draw(jamming_area(k, line, horizon)) for k in range(n)]
        tags.append("jamming")
    return env, tags


@st.composite
def cueing_section(
    draw: st.DrawFn,
    fleets: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    sats: list[dict[str, Any]],
    horizon: float,
    length: float,
) -> list[dict[str, Any]]:
    """One or two tip-and-cue rules from any groups to the drone fleets."""
    names = [a["name"] for a in (*fleets, *groups, *sats)]
    rules = []
    for _ in range(draw(st.integers(1, 2))):
        rule: dict[str, Any] = {
            "from": draw(st.lists(st.sampled_from(names), min_size=1, unique=True)),
            "responders": draw(
                st.lists(st.sampled_from([f["name"] for f in fleets]), min_size=1, unique=True)
            ),
            "loiter": draw(duration(draw(log_uniform(1.0, max(horizon, 2.0))))),
        }
        if draw(st.booleans()):
            rule["max_distance"] = draw(distance(draw(log_uniform(1.0, 2 * length + 1.0))))
        if draw(st.booleans()):
            rule["glimpse"] = draw(duration(draw(log_uniform(1.0, max(horizon, 2.0)))))
        if draw(st.booleans()):
            rule["priority"] = draw(st.integers(-3, 3))
        if draw(st.booleans()):
            rule["max_wait"] = draw(duration(draw(log_uniform(1.0, 2 * horizon))))
        rules.append(rule)
    return rules


@st.composite
def scenarios(draw: st.DrawFn) -> Case:
    """A valid scenario across the whole schema, cheap to run (see the module docstring)."""
    tags: list[str] = []
    refuse: list[str] = []
    files: dict[str, bytes] = {}
    horizon = draw(log_uniform(1.0, YEAR_S))
    line_data, line, more = draw(line_section())
    tags += more
    crs = line_data.get("crs", "lonlat")
    # a plain file name (it names the results folder): never '.', '..', hidden or option-like
    name = draw(st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,29}", fullmatch=True))
    data: dict[str, Any] = {"name": name}
    if draw(st.booleans()):
        data["description"] = draw(st.text(max_size=40))
    if draw(st.booleans()):
        data["seed"] = draw(st.integers(0, 2**63 - 1))
    if draw(st.booleans()):
        data["start"] = draw(
            st.sampled_from(["2026-01-07T00:00:00Z", "2030-06-30T12:00:00+05:30", "1999-12-31"])
        )
    data["duration"] = draw(duration(horizon))
    if horizon <= 1.0:
        tags.append("duration 1 s")
    if horizon >= YEAR_S:
        tags.append("duration 1 year")
    names = iter(f"a{k}" for k in range(100))
    fleets = []
    for k in range(draw(st.integers(0, 2))):
        fleet, more, why = draw(drone_fleet(next(names), line, crs, horizon, k))
        fleets.append(fleet)
        tags += more
        refuse += why
    groups = []
    for k in range(draw(st.integers(0, 2))):
        group, more, why = draw(ground_group(next(names), line, crs, horizon, k))
        groups.append(group)
        tags += more
        refuse += why
    sats = [draw(satellite(next(names), horizon, crs)) for _ in range(draw(st.integers(0, 2)))]
    modalities = sorted(
        {
            a.get("modality", d)
            for d, grp in (("eo", fleets), ("seismic", groups), ("eo", sats))
            for a in grp
        }
    )
    band_widths = {k: parse_distance(v) for k, v in line_data.get("bands", {}).items()}
    violations, vfiles, more = draw(violations_section(line, crs, horizon, modalities, band_widths))
    files.update(vfiles)
    tags += more
    if "file" in violations:
        refuse.append("violations.file")
    data["line"] = line_data
    data["violations"] = violations
    for key, items in (("drones", fleets), ("ground_sensors", groups), ("satellites", sats)):
        if items or draw(st.integers(0, 4)) == 0:
            data[key] = items
    if draw(st.booleans()):
        verification: dict[str, Any] = {}
        if draw(st.booleans()):
            # more than the assets' modalities is refused (above the default of 2)
            most = max(2, len(modalities)) if modalities else 3
            verification["modalities"] = draw(st.integers(1, most))
        if draw(st.booleans()):
            verification["window"] = draw(duration(draw(log_uniform(1.0, 2 * horizon))))
        data["reporting"] = {"verification": verification}
    if fleets and draw(st.integers(0, 3)) == 0:
        data["cueing"] = draw(cueing_section(fleets, groups, sats, horizon, line.length))
        tags.append("cueing")
    if draw(st.integers(0, 3)) == 0:
        env, more = draw(environment_section(crs, horizon, line.length, modalities, line))
        data["environment"] = env
        tags += more
    if data.get("cueing") and draw(st.booleans()):  # default true: the uncued counterpart runs
        data["cueing_baseline"] = draw(st.booleans())
    if draw(st.integers(0, 9)) == 0:  # the line from a GeoJSON file instead of points
        files["line.geojson"] = json.dumps(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line_data["points"]},
            }
        ).encode()
        del line_data["points"]
        line_data["file"] = "line.geojson"
        tags.append("line from GeoJSON")
    return Case(data, files, refuse, tags, line.length)


# --- mutations: valid -> invalid ----------------------------------------------------


@dataclass
class Mutation:
    """An invalid scenario and the YAML path its error message must name."""

    data: dict[str, Any]
    files: dict[str, bytes]
    path: str
    what: str


def _paths(data: Any, prefix: tuple = ()) -> list[tuple[tuple, Any]]:
    """Every (path, value) below ``data`` (mappings and lists)."""
    out: list[tuple[tuple, Any]] = []
    if isinstance(data, dict):
        for k, v in data.items():
            out.append(((*prefix, k), v))
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


def yaml_path(loc: tuple) -> str:
    """``('drones', 0, 'speed')`` -> ``drones[0].speed``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


DIST_KEYS = ("exponential", "uniform", "lognormal")


def dist_owner(loc: tuple) -> tuple:
    """The key a message names for ``loc``: a distribution's key for its insides."""
    for k, part in enumerate(loc):
        if part in DIST_KEYS:
            return loc[:k]
    return loc


def _get(data: Any, loc: tuple) -> Any:
    for part in loc:
        data = data[part]
    return data


# Keys of the scenario models (for typos that must not land on another real key).
SCENARIO_KEYS = {
    "name", "description", "seed", "start", "duration", "line", "violations", "drones",
    "ground_sensors", "satellites", "reporting", "points", "file", "crs", "buffer", "cell",
    "left", "right",
    "rate", "along", "offset", "types", "hotspots", "background", "at", "spread", "weight",
    "signature", "range", "pd", "glimpse", "stations", "span", "segments", "standoff",
    "count", "modality", "speed", "sensor", "patrol", "base", "endurance", "turnaround",
    "loss_rate", "replacement", "spares", "report_latency", "false_alarm_rate", "positions",
    "spacing", "mtbf", "mttr", "schedule", "first", "every", "footprint",
    "false_alarms_per_image", "verification", "modalities", "window", "exponential",
    "uniform", "lognormal", "median", "sigma", "environment", "daylight",
    "min_sun_elevation", "clouds", "clear", "overcast", "monthly", "spell", "drone_factor",
    "needs_daylight", "adversary", "awareness", "knows", "candidates", "naive_baseline", "orbit",
    "swath",
    "off_nadir_reach", "sun_synchronous", "elements",
    "walker", "tle", "altitude", "local_time", "phase", "semi_major_axis", "eccentricity",
    "inclination", "raan", "arg_perigee", "mean_anomaly", "epoch", "total", "planes",
    "phasing", "jamming", "area", "band", "from_line", "to_line", "pd_factor", "report_delay",
    "active",
    "bands", "sectors", "diurnal",
    "cueing", "from", "responders", "max_distance", "loiter", "priority",
    "max_wait", "cueing_baseline",
}  # fmt: skip

# Keys whose value is a quantity of a known kind (for wrong units and wrong types).
QUANTITY = {
    "duration": "duration", "buffer": "distance", "cell": "distance", "rate": "rate",
    "left": "distance", "right": "distance",
    "range": "distance", "glimpse": "duration", "speed": "speed", "endurance": "duration",
    "turnaround": "duration", "loss_rate": "rate", "replacement": "duration",
    "spacing": "distance", "mtbf": "duration", "mttr": "duration", "every": "duration",
    "first": "duration", "window": "duration", "false_alarm_rate": "rate", "spread": "distance",
    "clear": "duration", "overcast": "duration", "spell": "duration", "swath": "distance",
    "off_nadir_reach": "distance", "altitude": "distance", "max_distance": "distance",
    "loiter": "duration", "max_wait": "duration",
}  # fmt: skip
COUNTS = ("count", "spares", "stations", "modalities", "seed")
# Mapping keys under which the children are free names, not schema keys.
FREE_MAPS = ("types", "signature", "needs_daylight", "bands", "sectors")


@st.composite
def typo(draw: st.DrawFn, key: str) -> str:
    """A misspelling of ``key`` that is not itself a scenario key."""
    for _ in range(20):
        kind = draw(st.sampled_from(["swap", "drop", "double", "case", "sub"]))
        i = draw(st.integers(0, max(len(key) - 2, 0)))
        if kind == "swap" and len(key) > 1:
            new = key[:i] + key[i + 1] + key[i] + key[i + 2 :]
        elif kind == "drop" and len(key) > 2:
            new = key[:i] + key[i + 1 :]
        elif kind == "double":
            new = key[: i + 1] + key[i] + key[i + 1 :]
        elif kind == "case":
            new = key.capitalize() if key[0].islower() else key.lower()
        else:
            new = key[:i] + draw(st.sampled_from("xqz")) + key[i + 1 :]
        if new != key and new not in SCENARIO_KEYS:
            return new
    return key + "_x"


@st.composite
def mutations(draw: st.DrawFn, case: Case) -> Mutation:
    """Turn a valid case into one invalid scenario; say which YAML path must be named."""
    data = copy.deepcopy(case.data)
    files = dict(case.files)
    all_paths = _paths(data)
    keyed = [
        (p, v)
        for p, v in all_paths
        if isinstance(p[-1], str) and not (len(p) > 1 and p[-2] in FREE_MAPS)
    ]
    kinds = ["typo", "wrong_type", "wrong_unit", "negative", "missing", "bad_prob", "extra_top"]
    if any(p[-1] in COUNTS for p, _ in keyed):
        kinds.append("count")
    if "points" in data["line"]:
        kinds.append("one_point")
        if data["line"].get("crs", "lonlat") == "lonlat":
            kinds.append("lonlat_range")
    if "file" in data["violations"] or "file" in data["line"]:
        kinds.append("missing_file")
    jamming = (data.get("environment") or {}).get("jamming") or []
    if jamming:
        kinds.append("jamming")
    diurnals = [p for p, _ in keyed if p[-1] == "diurnal"]
    bands = [p for p, _ in keyed if p[-1] == "band" and p[0] == "violations"]
    if diurnals:
        kinds.append("diurnal")
    if bands:
        kinds.append("unknown_band")
    if data["line"].get("sectors"):
        kinds.append("sector_overlap")
    if data.get("cueing"):
        kinds.append("cue_name")
        kinds.append("cue_baseline")
    kind = draw(st.sampled_from(kinds))
    if kind == "jamming":  # a bad factor, both shapes or neither, or a backwards window
        k = draw(st.integers(0, len(jamming) - 1))
        area = jamming[k]
        how = draw(st.sampled_from(["factor", "shape", "window"]))
        if how == "factor":
            area["pd_factor"] = draw(st.sampled_from([1.5, -0.2, "often"]))
            return Mutation(data, files, f"environment.jamming[{k}].pd_factor", "jamming factor")
        if how == "shape":
            if "band" in area:
                del area["band"]
            else:
                del area["area"]
            return Mutation(data, files, f"environment.jamming[{k}]", "jamming without a shape")
        area["active"] = [[100.0, 10.0]]
        return Mutation(data, files, f"environment.jamming[{k}].active[0]", "backwards window")
    if kind == "diurnal":
        loc = draw(st.sampled_from(diurnals))
        weights = _get(data, loc)
        if draw(st.booleans()):
            _get(data, loc[:-1])[loc[-1]] = weights[:23]
            return Mutation(data, files, yaml_path(loc), "23 hourly weights")
        hour = draw(st.integers(0, 23))
        weights[hour] = -1
        return Mutation(data, files, yaml_path((*loc, hour)), "a negative hourly weight")
    if kind == "unknown_band":
        loc = draw(st.sampled_from(bands))
        _get(data, loc[:-1])["band"] = "no_such_band"
        return Mutation(data, files, yaml_path(loc), "unknown band")
    if kind == "sector_overlap":
        sectors = data["line"]["sectors"]
        first = next(iter(sectors.values()))
        sectors["zz_overlap"] = list(first)  # the same range again
        return Mutation(data, files, "line.sectors", "overlapping sectors")
    if kind == "cue_name":  # a cue from a group, or to a fleet, that does not exist
        k = draw(st.integers(0, len(data["cueing"]) - 1))
        key = draw(st.sampled_from(["from", "responders"]))
        data["cueing"][k][key][0] = "zz_nobody"
        loc = ("cueing", k, key, 0)
        return Mutation(data, files, yaml_path(loc), f"unknown name at {yaml_path(loc)}")
    if kind == "cue_baseline":  # not a boolean
        data["cueing_baseline"] = draw(st.sampled_from(["yes", 2, None, [True]]))
        return Mutation(data, files, "cueing_baseline", "cueing_baseline not a boolean")
    if kind == "typo":
        loc, _ = draw(st.sampled_from(keyed))
        parent = _get(data, loc[:-1])
        new = draw(typo(loc[-1]))
        parent[new] = parent.pop(loc[-1])
        where = dist_owner(loc) if dist_owner(loc) != loc else (*loc[:-1], new)
        return Mutation(data, files, yaml_path(where), f"typo {loc[-1]}->{new}")
    if kind == "extra_top":
        new = draw(typo(draw(st.sampled_from(sorted(set(data) | {"drones", "satellites"})))))
        data[new] = 1
        return Mutation(data, files, new, f"unknown top key {new}")
    if kind in ("wrong_type", "wrong_unit", "negative"):
        quantities = [
            (p, v) for p, v in keyed if p[-1] in QUANTITY and not isinstance(v, (dict, list))
        ]
        if not quantities:
            quantities = [(("duration",), data["duration"])]
        loc, value = draw(st.sampled_from(quantities))
        parent = _get(data, loc[:-1])
        if kind == "wrong_type":
            parent[loc[-1]] = draw(st.sampled_from([[1, 2], {"a": 1}, True, "lots", ""]))
        elif kind == "wrong_unit":
            unit = {
                "distance": "kg",
                "duration": "parsec",
                "speed": "km/parsec",
                "rate": "/fortnight",
            }
            parent[loc[-1]] = f"5{unit[QUANTITY[loc[-1]]]}"
        else:
            if loc[-1] in ("first",):  # first >= 0
                parent[loc[-1]] = -1.0
            elif loc[-1] in ("loss_rate", "false_alarm_rate", "rate"):
                parent[loc[-1]] = "-3/day"
            else:
                # strictly negative: 0 is legal for several keys (replacement, turnaround)
                parent[loc[-1]] = draw(
                    st.sampled_from([-1.0, "-2km" if QUANTITY[loc[-1]] == "distance" else -5])
                )
        return Mutation(data, files, yaml_path(loc), f"{kind} {yaml_path(loc)}")
    if kind == "count":
        loc, _ = draw(st.sampled_from([(p, v) for p, v in keyed if p[-1] in COUNTS]))
        _get(data, loc[:-1])[loc[-1]] = draw(st.sampled_from([-1, 2.5, "4", -100]))
        return Mutation(data, files, yaml_path(loc), f"bad count {yaml_path(loc)}")
    if kind == "missing":
        required = [("name",), ("duration",), ("line",), ("violations",)]
        for k, _ in enumerate(data.get("drones", [])):
            required += [("drones", k, "speed"), ("drones", k, "count"), ("drones", k, "sensor")]
        for k, _ in enumerate(data.get("ground_sensors", [])):
            required += [("ground_sensors", k, "sensor"), ("ground_sensors", k, "name")]
        for k, sat in enumerate(data.get("satellites", [])):
            required += [("satellites", k, "schedule" if "schedule" in sat else "swath")]
        for k, _ in enumerate(data.get("cueing", [])):
            required += [
                ("cueing", k, "from"),
                ("cueing", k, "responders"),
                ("cueing", k, "loiter"),
            ]
        loc = draw(st.sampled_from(required))
        del _get(data, loc[:-1])[loc[-1]]
        if loc in (("violations",), ("line",)):  # its own file goes with it, no other
            own = case.data[loc[0]].get("file")
            files = {k: v for k, v in files.items() if k != own}
        return Mutation(data, files, yaml_path(loc), f"missing {yaml_path(loc)}")
    if kind == "bad_prob":
        sensors = [p for p, v in keyed if p[-1] == "sensor"]
        if sensors:
            loc = (*draw(st.sampled_from(sensors)), "pd")
        else:
            data.setdefault("satellites", [])
            data["satellites"].append({"name": "zz_sat", "schedule": {"every": "1h"}})
            loc = ("satellites", len(data["satellites"]) - 1, "pd")
        _get(data, loc[:-1])["pd"] = draw(st.sampled_from([1.5, -0.1, "150%", "often"]))
        return Mutation(data, files, yaml_path(loc), f"bad pd {yaml_path(loc)}")
    if kind == "one_point":
        data["line"]["points"] = data["line"]["points"][:1]
        return Mutation(data, files, "line.points", "one-point line")
    if kind == "lonlat_range":
        k = draw(st.integers(0, len(data["line"]["points"]) - 1))
        j = draw(st.integers(0, 1))
        data["line"]["points"][k][j] = draw(
            st.sampled_from([200.0, -181.0, 1e6])
            if j == 0
            else st.sampled_from([91.0, -95.0, 300.0])
        )
        return Mutation(data, files, "line.points", "lon/lat out of range")
    # missing_file
    if "file" in data["violations"] and draw(st.booleans()) or "file" not in data["line"]:
        files.pop(data["violations"]["file"], None)
        return Mutation(data, files, "violations.file", "missing replay file")
    files.pop(data["line"]["file"], None)
    return Mutation(data, files, "line.file", "missing line file")
