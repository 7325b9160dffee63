"""Pydantic's validation errors as problems users can act on: YAML path, line, close match.

A problem is ``(path, message)``: the path names the key as written in the file
(``drones[0].speed (line 12)``), or says that ``--set`` gave it; an unknown key's
message offers the closest known key.
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.core.errors import close_match, plural
from sim.spec.field_types import FieldProblem, Spec
from sim.spec.scenario import Scenario, format_path


def clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop pydantic's union-branch and validator labels from a location."""
    skip_prefixes = ("function-", "literal[", "tuple[", "list[", "dict[")
    clean = []
    for part in loc:
        if isinstance(part, str) and (
            part.startswith(skip_prefixes)
            or part in {"BaseAtSpec", "AlongSpec", "ZoneSidesSpec", "float"}
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
