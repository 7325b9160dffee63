"""Scenario files: YAML -> a validated, unit-normalised, immutable ``Scenario``.

Every quantity is stored in SI units (metres, seconds, m/s, events per second).
Validation is complete before any object of the engine is built; every problem
is reported as a ``ScenarioError`` naming its YAML path.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from sim.core.distributions import Distribution, distribution_parser
from sim.core.errors import ScenarioError, close_match, plural
from sim.core.units import (
    parse_distance,
    parse_duration,
    parse_probability,
    parse_rate,
    parse_speed,
)


class FieldProblem(ValueError):
    """A cross-field check's error that belongs to one key below the model it checks.

    ``field`` is the path relative to the model (``("patrol", "stations")``).
    """

    def __init__(self, field: tuple, message: str):
        super().__init__(message)
        self.field = field


# --- unit-carrying field types -------------------------------------------------


def _schema(description: str, example: str) -> WithJsonSchema:
    """JSON Schema of a quantity: a number in SI units or a string with a unit."""
    return WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string"}],
            "description": f"{description}; e.g. {example}",
        }
    )


def _dist_schema(what: str) -> WithJsonSchema:
    """JSON Schema of a distribution of a quantity."""
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "number"},
                {"type": "string"},
                {"type": "object", "properties": {"exponential": {}}, "required": ["exponential"]},
                {"type": "object", "properties": {"uniform": {}}, "required": ["uniform"]},
                {"type": "object", "properties": {"lognormal": {}}, "required": ["lognormal"]},
            ],
            "description": f"a {what}: a fixed value or {{exponential: MEAN}}, "
            "{uniform: [LOW, HIGH]}, {lognormal: {median: M, sigma: S}}",
        }
    )


_to_data = PlainSerializer(lambda d: d.to_data())

Distance = Annotated[
    float,
    BeforeValidator(parse_distance),
    _schema("distance, metres or a string with unit", "'500m', '2km'"),
]
Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    _schema("duration, seconds or a string", "'90s', '2h', '10h30min'"),
]
Speed = Annotated[
    float,
    BeforeValidator(parse_speed),
    _schema("speed, m/s or a string with unit", "'30m/s', '120km/h'"),
]
Rate = Annotated[
    float,
    BeforeValidator(parse_rate),
    _schema("rate, per second or a string", "'40/day', '0.002/h'"),
]
Probability = Annotated[
    float,
    BeforeValidator(parse_probability),
    _schema("probability between 0 and 1", "0.8"),
]
DurationDist = Annotated[
    Distribution,
    BeforeValidator(distribution_parser(parse_duration, "duration", 0.0)),
    _to_data,
    _dist_schema("duration"),
]
DistanceDist = Annotated[
    Distribution,
    BeforeValidator(distribution_parser(parse_distance, "distance", None)),
    _to_data,
    _dist_schema("distance"),
]

Coordinate = tuple[float, float]
Name = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]

MAX_NAME_LENGTH = 100
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
FILE_NAME_RULE = (
    "a plain file name: letters, digits, '_', '-' and '.', not starting with '.' or '-', "
    f"at most {MAX_NAME_LENGTH} characters"
)


def check_file_name(value: object) -> str:
    """Check a scenario's or sweep's ``name``, which names its results folder.

    It must be a plain file name: never ``.``, ``..``, a path, or a hidden or
    option-like name.
    """
    if not isinstance(value, str):
        raise ValueError(f"expected {FILE_NAME_RULE}; got {value!r}")
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(f"expected {FILE_NAME_RULE}; got a name of {len(value)} characters")
    if not _FILE_NAME.fullmatch(value):
        raise ValueError(f"expected {FILE_NAME_RULE}; got {value!r}")
    return value


FileName = Annotated[
    str,
    BeforeValidator(check_file_name),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$",
            "maxLength": MAX_NAME_LENGTH,
            "description": FILE_NAME_RULE,
        }
    ),
]


class Spec(BaseModel):
    """Base of every scenario section: immutable, keyword-only, no unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


# --- sections ------------------------------------------------------------------


class LineSpec(Spec):
    """The ceasefire line and the monitored zone around it."""

    points: list[Coordinate] | None = Field(
        None, description="Vertices: [lon, lat] degrees, or [x, y] metres when crs is local."
    )
    file: str | None = Field(
        None, description="GeoJSON LineString, relative to the scenario file (instead of points)."
    )
    crs: Literal["lonlat", "local"] = Field("lonlat", description="Coordinates of points.")
    buffer: Annotated[Distance, Field(gt=0)] = Field(
        10_000.0, description="Monitored zone each side of the line, metres."
    )
    cell: Annotated[Distance, Field(gt=0)] = Field(1_000.0, description="Grid resolution, metres.")

    @model_validator(mode="after")
    def _one_source(self) -> LineSpec:
        if (self.points is None) == (self.file is None):
            raise ValueError("give exactly one of 'points' or 'file'")
        if self.points is not None and len(self.points) < 2:
            raise FieldProblem(
                ("points",), f"a line needs at least two points; got {len(self.points)}"
            )
        return self


class HotspotSpec(Spec):
    """A concentration of violations around a chainage."""

    at: Annotated[Distance, Field(ge=0)] = Field(description="Chainage of the centre, metres.")
    spread: Annotated[Distance, Field(gt=0)] = Field(description="Standard deviation, metres.")
    weight: Annotated[float, Field(gt=0)] = 1.0


class AlongSpec(Spec):
    """Where along the line violations happen: hotspots over a uniform background."""

    hotspots: list[HotspotSpec] = Field(min_length=1)
    background: Annotated[float, Field(ge=0)] = Field(
        0.0, description="Weight of the uniform background, against the hotspots' weights."
    )


class ViolationTypeSpec(Spec):
    """A kind of violation and how visible it is to each sensing modality."""

    weight: Annotated[float, Field(gt=0)] = 1.0
    signature: dict[str, Probability] = Field(
        default_factory=dict,
        description="Factor (0..1) on pd per modality; modalities not named get 1.",
    )


class ViolationsSpec(Spec):
    """Violations: a Poisson process in time over the zone, or a CSV to replay."""

    rate: Annotated[Rate, Field(ge=0)] | None = Field(None, description="Events per second.")
    duration: DurationDist = Field(
        Distribution("fixed", 1800.0), description="How long each violation is active, s."
    )
    along: Literal["uniform"] | AlongSpec = "uniform"
    offset: DistanceDist | None = Field(
        None,
        description="Perpendicular distance from the line, + left of its direction; "
        "default uniform across the zone.",
    )
    types: dict[str, ViolationTypeSpec] = Field(
        default_factory=lambda: {"violation": ViolationTypeSpec()}
    )
    file: str | None = Field(None, description="CSV to replay instead of generating.")

    @model_validator(mode="after")
    def _one_source(self) -> ViolationsSpec:
        if (self.rate is None) == (self.file is None):
            raise ValueError("give exactly one of 'rate' (generate) or 'file' (replay)")
        if self.duration.kind == "fixed" and self.duration.a <= 0:
            raise FieldProblem(
                ("duration",), f"expected a positive duration; got {self.duration.a:g}"
            )
        if not self.types:
            raise ValueError("'types' needs at least one violation type")
        return self


class SensorSpec(Spec):
    """A definite-range ("cookie-cutter") sensor footprint."""

    range: Annotated[Distance, Field(gt=0)] = Field(description="Ground range, metres.")
    pd: Probability = Field(1.0, description="Probability that one look detects.")
    glimpse: Annotated[Duration, Field(gt=0)] | None = Field(
        None, description="If set, another look every this many seconds while inside."
    )


class PatrolSpec(Spec):
    """How a drone fleet divides its span of the line into stations."""

    stations: Annotated[int, Field(ge=1, strict=True)] | None = Field(
        None, description="Patrol areas kept manned at once (default: count)."
    )
    span: tuple[Distance, Distance] | None = Field(
        None, description="[from, to] chainage the fleet watches (default: the whole line)."
    )
    segments: Literal["equal"] | list[tuple[Distance, Distance]] = "equal"
    standoff: Distance = Field(0.0, description="Fly parallel to the line at this offset, m.")


class BaseAtSpec(Spec):
    """A base given by chainage and offset from the line."""

    at: Annotated[Distance, Field(ge=0)]
    offset: Distance = 0.0


class DroneFleetSpec(Spec):
    """A fleet of drones keeping patrol stations manned."""

    name: Name
    count: Annotated[int, Field(ge=1, strict=True)] = Field(description="Airframes.")
    modality: Name = "eo"
    speed: Annotated[Speed, Field(gt=0)]
    sensor: SensorSpec
    patrol: PatrolSpec = PatrolSpec()
    base: BaseAtSpec | Coordinate | None = Field(
        None, description="Where sorties start and end ({at, offset} or a coordinate)."
    )
    endurance: Annotated[Duration, Field(gt=0)] | None = Field(
        None, description="Flight time per sortie, s (default: unlimited without a base)."
    )
    turnaround: Annotated[Duration, Field(ge=0)] = Field(
        3600.0, description="Ground time after landing, s."
    )
    loss_rate: Annotated[Rate, Field(ge=0)] = Field(0.0, description="Losses per flight second.")
    replacement: Annotated[Duration, Field(ge=0)] = Field(
        86_400.0, description="Delay before a lost airframe is replaced from spares, s."
    )
    spares: Annotated[int, Field(ge=0, strict=True)] = 0
    report_latency: DurationDist = Distribution("fixed", 0.0)
    false_alarm_rate: Annotated[Rate, Field(ge=0)] = Field(
        0.0, description="False alarms per airframe per flight second (e.g. '0.1/h')."
    )

    @model_validator(mode="after")
    def _consistent(self) -> DroneFleetSpec:
        stations = self.patrol.stations or self.count
        if stations > self.count:
            raise FieldProblem(
                ("patrol", "stations"),
                f"{stations} stations need at least {stations} airframes; count is {self.count}",
            )
        if self.patrol.segments != "equal" and len(self.patrol.segments) != stations:
            raise FieldProblem(
                ("patrol", "segments"),
                f"patrol.segments lists {plural(len(self.patrol.segments), 'segment')} "
                f"for {plural(stations, 'station')}",
            )
        if self.base is not None and self.endurance is None:
            raise FieldProblem(("endurance",), "a fleet with a base needs an endurance")
        return self


class GroundGroupSpec(Spec):
    """A group of unattended ground sensors or towers."""

    name: Name
    modality: Name = "seismic"
    spacing: Annotated[Distance, Field(gt=0)] | None = Field(
        None, description="Distance between sensors along the line, m (first at spacing/2)."
    )
    offset: Distance = Field(0.0, description="Offset from the line, m (+ left).")
    span: tuple[Distance, Distance] | None = Field(None, description="[from, to] chainage.")
    positions: Annotated[list[Coordinate], Field(min_length=1)] | None = Field(
        None, description="Explicit positions ([lon, lat], or [x, y] m with crs local)."
    )
    sensor: SensorSpec
    mtbf: Annotated[Duration, Field(gt=0)] | None = Field(
        None, description="Mean time between failures, s (default: never fails)."
    )
    mttr: Annotated[Duration, Field(gt=0)] = Field(86_400.0, description="Mean time to repair.")
    report_latency: DurationDist = Distribution("fixed", 0.0)
    false_alarm_rate: Annotated[Rate, Field(ge=0)] = Field(
        0.0, description="False alarms per sensor per second up (e.g. '0.5/day')."
    )

    @model_validator(mode="after")
    def _one_layout(self) -> GroundGroupSpec:
        if (self.spacing is None) == (self.positions is None):
            raise ValueError("give exactly one of 'spacing' or 'positions'")
        return self


class ScheduleSpec(Spec):
    """Regular image times: first, first + every, ..."""

    first: Annotated[Duration, Field(ge=0)] = 0.0
    every: Annotated[Duration, Field(gt=0)]


class SatelliteSpec(Spec):
    """An imaging satellite (or constellation) with a regular revisit."""

    name: Name
    modality: Name = "eo"
    schedule: ScheduleSpec
    footprint: Literal["zone"] = Field(
        "zone", description="'zone': each image covers the whole monitored zone."
    )
    pd: Probability = 1.0
    report_latency: DurationDist = Distribution("fixed", 0.0)
    false_alarms_per_image: Annotated[float, Field(ge=0)] = Field(
        0.0, description="Mean number of false alarms in each image."
    )


class VerificationSpec(Spec):
    """When a violation counts as verified."""

    modalities: Annotated[int, Field(ge=1, strict=True)] = Field(
        2, description="Distinct modalities whose reports must agree."
    )
    window: Annotated[Duration, Field(gt=0)] = Field(
        86_400.0, description="All within this many seconds."
    )


DEFAULT_DEADLINES = (900.0, 1800.0, 3600.0, 21600.0)
MAX_DEADLINES = 20


class ReportingSpec(Spec):
    """Reporting and verification rules, and the deadlines the metrics count against."""

    verification: VerificationSpec = VerificationSpec()
    deadlines: list[Duration] = Field(
        default_factory=lambda: list(DEFAULT_DEADLINES),
        max_length=MAX_DEADLINES,
        json_schema_extra={"default": list(DEFAULT_DEADLINES)},
        description="Deadlines d, s (whole seconds): metrics detection.within_<d> and "
        "report.within_<d> count violations detected / reported within d of their start.",
    )

    @field_validator("deadlines", mode="before")
    @classmethod
    def _a_list(cls, value: Any) -> Any:
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"expected a list of durations such as [15min, 1h]; got {value!r}")
        return value

    @field_validator("deadlines")
    @classmethod
    def _whole_distinct_seconds(cls, value: list[float]) -> list[float]:
        seen: dict[int, int] = {}
        out = []
        for k, d in enumerate(value):
            whole = round(d)
            if whole < 1 or abs(d - whole) > 1e-6 * d:
                raise FieldProblem(
                    (k,), f"expected a whole number of seconds, at least 1 s; got {d:g} s"
                )
            if whole in seen:
                raise FieldProblem(
                    (k,), f"deadline {whole} s is listed twice (also deadlines[{seen[whole]}])"
                )
            seen[whole] = k
            out.append(float(whole))
        return out


class LimitsSpec(Spec):
    """Resource bounds checked before a run (see docs/scenario-reference.md)."""

    unbounded: bool = Field(
        False,
        description="Skip the work estimates that refuse runs too big for one machine.",
    )


class Scenario(Spec):
    """A whole scenario, every quantity in SI units."""

    name: FileName
    description: str = ""
    seed: Annotated[int, Field(ge=0, strict=True)] = 0
    start: dt.datetime = Field(
        dt.datetime(2026, 1, 7, tzinfo=dt.timezone.utc), description="UTC start time."
    )
    duration: Annotated[Duration, Field(gt=0)] = Field(description="Simulated time, s.")
    line: LineSpec
    violations: ViolationsSpec
    drones: list[DroneFleetSpec] = Field(default_factory=list)
    ground_sensors: list[GroundGroupSpec] = Field(default_factory=list)
    satellites: list[SatelliteSpec] = Field(default_factory=list)
    reporting: ReportingSpec = ReportingSpec()
    limits: LimitsSpec = LimitsSpec()

    @field_validator("start")
    @classmethod
    def _utc(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        seen: dict[str, str] = {}
        for section in ("drones", "ground_sensors", "satellites"):
            for k, asset in enumerate(getattr(self, section)):
                if asset.name in seen:
                    raise FieldProblem(
                        (section, k, "name"),
                        f"asset names must be unique; '{asset.name}' is also {seen[asset.name]}",
                    )
                seen[asset.name] = f"{section}[{k}].name"
        return self

    @property
    def modalities(self) -> list[str]:
        """Sensing modalities present among the assets, sorted."""
        assets: list[DroneFleetSpec | GroundGroupSpec | SatelliteSpec] = [
            *self.drones,
            *self.ground_sensors,
            *self.satellites,
        ]
        return sorted({a.modality for a in assets})

    def to_data(self) -> dict[str, Any]:
        """Return the resolved scenario as plain data (SI numbers), loadable again."""
        data = self.model_dump(mode="json")
        data["start"] = self.start.strftime("%Y-%m-%dT%H:%M:%SZ")
        return data


# --- loading -------------------------------------------------------------------

_TOP_KEYS = tuple(Scenario.model_fields)


def format_path(loc: tuple[Any, ...]) -> str:
    """Turn a pydantic location tuple into a YAML path like ``drones[0].speed``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop pydantic's union-branch and validator labels from a location."""
    skip_prefixes = ("function-", "literal[", "tuple[", "list[", "dict[")
    clean = []
    for part in loc:
        if isinstance(part, str) and (
            part.startswith(skip_prefixes) or part in {"BaseAtSpec", "AlongSpec", "float"}
        ):
            continue
        clean.append(part)
    return tuple(clean)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """Return the Spec class whose fields live at ``loc`` (for close-match hints)."""
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", {})
        field = fields.get(part)
        if field is None:
            return None
        model = _spec_in(field.annotation)
        if model is None:
            return None
    return model


def _spec_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, Spec):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _spec_in(arg)
        if found is not None:
            return found
    return None


def _raw_at(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def line_of(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """Return the 1-based line of ``loc`` in the YAML node tree, if found."""
    node = root
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    line = key.start_mark.line + 1
                    node = value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def validation_problems(
    error: ValidationError,
    raw: Any,
    root: yaml.Node | None = None,
    overridden: list[tuple[Any, ...]] | None = None,
) -> list[tuple[str, str]]:
    """Translate pydantic errors into ``(path, message)`` pairs users can act on.

    ``overridden`` lists the paths set on the command line: their problems say
    "(from --set)" rather than a line of the file.
    """
    problems: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for err in error.errors():
        loc = clean_loc(err["loc"])
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, FieldProblem):
            loc = loc + tuple(cause.field)
        kind = err["type"]
        if kind == "extra_forbidden":
            model = _model_at(loc[:-1])
            options = list(model.model_fields) if model else []
            hint = close_match(str(loc[-1]), options)
            message = f"unknown key '{loc[-1]}'{hint}"
            if options and not hint:
                message += f"; expected one of {', '.join(options)}"
        elif kind == "missing":
            message = "required key is missing"
        elif kind == "too_short":
            least = (err.get("ctx") or {}).get("min_length", 1)
            given = _raw_at(raw, loc)
            count = len(given) if isinstance(given, list) else 0
            message = f"expected at least {plural(least, 'item')}; got {count}"
        else:
            message = err["msg"].removeprefix("Value error, ")
            value = _raw_at(raw, loc)
            plain = not isinstance(cause, FieldProblem) and not isinstance(value, (dict, list))
            if "got " not in message and value is not None and plain:
                message += f"; got {value!r}"
        path = locate(loc, root, overridden)
        if (path, message) not in seen:
            seen.add((path, message))
            problems.append((path, message))
    return problems


class _UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, refusing a key repeated in one mapping (the last would silently win)."""

    def construct_mapping(self, node, deep=False):
        keys = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in keys:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' is repeated", key_node.start_mark
                )
            keys.add(key)
        return super().construct_mapping(node, deep=deep)


MAX_DEPTH = 64  # nesting levels of YAML data (the scenario schema needs 6)
MAX_NODES = 1_000_000  # YAML nodes after expanding aliases ("billion laughs" guard)


def _check_nodes(root: yaml.Node | None) -> None:
    """Refuse YAML whose aliases expand beyond MAX_NODES nodes or MAX_DEPTH levels.

    Sizes are counted over the composed node graph with memoisation, so an alias
    bomb is measured without ever being expanded.
    """
    memo: dict[int, tuple[int, int]] = {}

    def measure(node: yaml.Node) -> tuple[int, int]:
        key = id(node)
        if key in memo:
            return memo[key]
        memo[key] = (1, 1)  # a node reached again while measuring it (a cycle) counts once
        size, depth = 1, 1
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            children = []
        for child in children:
            child_size, child_depth = measure(child)
            size += child_size
            depth = max(depth, child_depth + 1)
            if size > MAX_NODES or depth > MAX_DEPTH + 1:
                break
        memo[key] = (size, depth)
        return size, depth

    if root is None:
        return
    size, depth = measure(root)
    if size > MAX_NODES:
        raise ValueError(
            f"the aliases (*name) expand to more than {MAX_NODES:.0e} YAML nodes; "
            "write the data out or use fewer aliases"
        )
    if depth > MAX_DEPTH + 1:  # scalars are one node level below their collection
        raise ValueError(f"with its aliases expanded, the data nests over {MAX_DEPTH} levels")


def _check_depth(text: str) -> None:
    """Refuse YAML nested deeper than MAX_DEPTH, naming the path, before composing it.

    The parser's events are read one by one (no recursion), keeping the path to the
    current node: mappings as ``[key expected?, key]``, sequences as ``[index]``.
    """
    stack: list[list[Any]] = []

    def begin(event: yaml.Event) -> None:
        if stack and isinstance(stack[-1][0], bool) and stack[-1][0]:
            stack[-1][0] = False  # a key: the next node is its value
            stack[-1][1] = getattr(event, "value", "?")

    def done() -> None:
        if not stack:
            return
        top = stack[-1]
        if isinstance(top[0], bool):
            if not top[0]:
                top[0] = True
        else:
            top[0] += 1

    for event in yaml.parse(text, Loader=yaml.SafeLoader):  # iterative: no recursion
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            is_key = bool(stack and isinstance(stack[-1][0], bool) and stack[-1][0])
            begin(event)
            if is_key:
                stack[-1][0] = True  # a complex key: leave its path as is
            if len(stack) >= MAX_DEPTH:
                parts = tuple(e[1] if isinstance(e[0], bool) else e[0] for e in stack)
                path = format_path(parts[:6]) + ("..." if len(parts) > 6 else "")
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise ValueError(
                    f"{path} (line {line}): the data nests deeper than {MAX_DEPTH} levels"
                )
            stack.append([True, None] if isinstance(event, yaml.MappingStartEvent) else [0])
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            stack.pop()
            done()
        elif isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
            if stack and isinstance(stack[-1][0], bool) and stack[-1][0]:
                begin(event)
            else:
                done()


def load_yaml_text(text: str) -> tuple[Any, yaml.Node | None]:
    """Parse YAML text with the safe loader, within bounds; return (data, node tree).

    Raise ``yaml.YAMLError`` for bad syntax and ``ValueError`` for data nested
    deeper than ``MAX_DEPTH`` or aliases expanding beyond ``MAX_NODES`` nodes (checked
    before anything is constructed). A key repeated in one mapping is an error.
    """
    _check_depth(text)
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    _check_nodes(root)
    data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: plain data only
    return data, root


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Read a YAML file with the safe loader; errors carry the line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"file not found: {path}") from None
    except (IsADirectoryError, NotADirectoryError, UnicodeDecodeError, PermissionError) as exc:
        raise ScenarioError(f"cannot read {path}: {exc}") from None
    try:
        return load_yaml_text(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ScenarioError(f"YAML syntax error at {where}{exc.problem}", str(path)) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"YAML error: {exc}", str(path)) from None
    except (ValueError, RecursionError) as exc:
        raise ScenarioError(f"YAML refused: {exc}", str(path)) from None


def _read_geojson_line(path: Path) -> list[list[float]]:
    """Return the coordinates of the (first) LineString in a GeoJSON file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"file not found: {path}") from None
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from None
    except RecursionError:
        raise ValueError(f"{path}: the JSON nests too deeply") from None
    geometries = []
    if isinstance(data, dict):
        if data.get("type") == "FeatureCollection":
            features = data.get("features")
            geometries = (
                [f.get("geometry") for f in features if isinstance(f, dict)]
                if isinstance(features, list)
                else []
            )
        elif data.get("type") == "Feature":
            geometries = [data.get("geometry") or {}]
        else:
            geometries = [data]
    for geometry in geometries:
        if isinstance(geometry, dict) and geometry.get("type") == "LineString":
            try:
                return [[float(c[0]), float(c[1])] for c in geometry.get("coordinates", [])]
            except (TypeError, ValueError, IndexError):
                raise ValueError(f"{path}: LineString coordinates must be [x, y] numbers") from None
    raise ValueError(f"{path} holds no GeoJSON LineString")


VIOLATION_REQUIRED = ("id", "t_start_s", "duration_s")


def header_problems(path: Path, header: list[str]) -> list[str]:
    """Problems of a replay CSV's header (names stripped): empty, repeated or missing columns."""
    if not header:
        return [f"{path.name} is empty; expected a header row"]
    problems = []
    for k, name in enumerate(header):
        if not name:
            problems.append(f"{path.name} line 1, column {k + 1}: the column name is empty")
        elif name in header[:k]:
            problems.append(f"{path.name} line 1, column {k + 1}: column '{name}' is repeated")
    missing = [c for c in VIOLATION_REQUIRED if c not in header]
    if not ({"x_m", "y_m"} <= set(header) or {"lon", "lat"} <= set(header)):
        missing.append("x_m, y_m (or lon, lat)")
    if missing:
        problems.append(
            f"{path.name} is missing column(s) {', '.join(missing)}; it has {', '.join(header)}"
        )
    return problems


def check_violations_csv(path: Path) -> None:
    """Check that a violations CSV exists and has the columns the replay needs.

    The file is UTF-8, with or without a byte-order mark; spaces after commas are
    ignored. Raise ``ValueError`` (one line per problem) if it is not usable.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle, skipinitialspace=True), None)
    except FileNotFoundError:
        raise ValueError(f"file not found: {path}") from None
    except (IsADirectoryError, UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    problems = header_problems(path, [c.strip() for c in header or []])
    if problems:
        raise ValueError("\n".join(problems))


def _resolve_files(
    data: dict[str, Any],
    base: Path,
    root: yaml.Node | None = None,
    overridden: list[tuple[Any, ...]] | None = None,
) -> list[tuple[str, str]]:
    """Inline the line's GeoJSON and make file paths absolute; return problems."""
    problems: list[tuple[str, str]] = []
    line = data.get("line")
    if isinstance(line, dict) and isinstance(line.get("file"), str):
        try:
            line["points"] = _read_geojson_line(base / line["file"])
            del line["file"]
        except ValueError as exc:
            problems.append((locate(("line", "file"), root, overridden), str(exc)))
    violations = data.get("violations")
    if isinstance(violations, dict) and isinstance(violations.get("file"), str):
        path = (base / violations["file"]).resolve()
        try:
            check_violations_csv(path)
            violations["file"] = str(path)
        except ValueError as exc:
            where = locate(("violations", "file"), root, overridden)
            problems += [(where, message) for message in str(exc).split("\n")]
    return problems


SWEEP_ONLY_KEYS = frozenset({"replications", "grid", "sample"})  # a sweep file's, with scenario


def scenario_from_data(
    data: Any,
    base: Path = Path("."),
    source: str | None = None,
    root: yaml.Node | None = None,
    overridden: list[tuple[Any, ...]] | None = None,
) -> Scenario:
    """Validate plain data (as read from YAML) into a Scenario, or raise ScenarioError.

    One pass: the schema, then (if it holds) every geometry, cross-field and
    resource check (``sim.spec.checks``); every problem found is reported at once.
    """
    from sim.spec.checks import GEOMETRY_ERRORS, check_scenario

    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise ScenarioError(f"expected a mapping of scenario keys; the file is {kind}", source)
    if "scenario" in data and "line" not in data and data.keys() & SWEEP_ONLY_KEYS:
        raise ScenarioError(
            "this is a sweep file (it has `scenario` and "
            f"`{'`, `'.join(sorted(data.keys() & SWEEP_ONLY_KEYS))}`), not a scenario: "
            "run it with `ceasefire-sim sweep`",
            source,
        )
    try:
        data = json.loads(json.dumps(data, default=str))  # a deep copy: never mutate the caller's
    except (RecursionError, ValueError) as exc:
        raise ScenarioError(f"the scenario data cannot be read: {exc}", source) from None
    problems = _resolve_files(data, base, root, overridden)
    if problems:
        raise ScenarioError(problems, source)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc, data, root, overridden)
        raise ScenarioError(problems, source) from None
    except (RecursionError, OverflowError, TypeError, ValueError) as exc:
        raise ScenarioError(f"the scenario cannot be validated: {exc}", source) from None
    problems = [(locate(loc, root, overridden), m) for loc, m in _check_modalities(scenario)]
    try:
        found = check_scenario(scenario)
    except (*GEOMETRY_ERRORS, RecursionError) as exc:  # a library refusing hostile numbers
        found = [(("line",), f"cannot check the geometry: {exc}")]
    problems += [(locate(loc, root, overridden), message) for loc, message in found]
    if problems:
        raise ScenarioError(problems, source)
    return scenario


def locate(
    loc: tuple[Any, ...],
    root: yaml.Node | None = None,
    overridden: list[tuple[Any, ...]] | None = None,
) -> str:
    """A YAML path with where it was written: ``drones[0].speed (line 12)`` or ``(from --set)``."""
    if any(loc[: len(p)] == p for p in overridden or []):
        return format_path(loc) + " (from --set)"
    line = line_of(root, loc)
    where = [f"line {line}"] if line else []
    if any(p[: len(loc)] == loc for p in overridden or []):  # --set changed a key inside it
        where.append("changed by --set")
    return format_path(loc) + (f" ({', '.join(where)})" if where else "")


def _check_modalities(scenario: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Signatures may only name modalities some asset has (a typo would weigh nothing)."""
    known = scenario.modalities
    problems: list[tuple[tuple[Any, ...], str]] = []
    for type_name, spec in scenario.violations.types.items():
        for modality in spec.signature:
            if modality not in known:
                problems.append(
                    (
                        ("violations", "types", type_name, "signature", modality),
                        f"no asset has modality '{modality}'{close_match(modality, known)}; "
                        f"modalities in this scenario: {', '.join(known) or 'none'}",
                    )
                )
    return problems


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Read, override (``PATH=VALUE`` strings) and validate a scenario file."""
    from sim.spec.overrides import apply_overrides, override_paths

    path = Path(path)
    data, root = read_yaml(path)
    if overrides:
        data = apply_overrides(data, overrides, str(path))
    paths = override_paths(overrides or [])
    return scenario_from_data(data, path.parent, str(path), root, paths)
