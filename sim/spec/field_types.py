"""Field types of the scenario models: quantities with units, distributions, names.

``FieldProblem`` is the error a model's cross-field rule raises for one key below it.

Each quantity is parsed from a number in SI units or a string with a unit
(``'2km'``, ``'30min'``, ``'40/day'``) and stored in SI units (metres, seconds,
m/s, events per second); its JSON Schema says which forms are accepted.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

from sim.core.distributions import Distribution, distribution_parser
from sim.core.units import (
    parse_distance,
    parse_duration,
    parse_probability,
    parse_rate,
    parse_speed,
)


class Spec(BaseModel):
    """Base of every scenario section: immutable, keyword-only, no unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class FieldProblem(ValueError):
    """A cross-field check's error that belongs to one key below the model it checks.

    ``field`` is the path relative to the model (``("patrol", "stations")``).
    """

    def __init__(self, field: tuple, message: str):
        super().__init__(message)
        self.field = field


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
