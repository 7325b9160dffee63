"""``--set PATH=VALUE`` overrides on raw scenario data (validated again afterwards)."""

from __future__ import annotations

import copy
import re
from typing import Any

import yaml

from sim.core.errors import ScenarioError, close_match
from sim.spec.safe_yaml import load_yaml_text
from sim.spec.scenario import format_path

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """Split ``drones[0].sensor.range`` into ``['drones', 0, 'sensor', 'range']``."""
    parts: list[str | int] = []
    pos = 0
    text = path.strip()
    while pos < len(text):
        if text[pos] == "." and parts:
            pos += 1
        match = _PART.match(text, pos)
        if not match:
            raise ValueError(f"cannot parse path {path!r} at position {pos + 1}")
        parts.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        pos = match.end()
    if not parts:
        raise ValueError("empty path")
    return parts


def set_path(data: Any, parts: list[str | int], value: Any, label: str) -> None:
    """Set ``value`` at ``parts`` inside ``data``; intermediate keys must exist."""
    node = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = label if depth == 0 else f"{label} ({format_path(tuple(parts[:depth]))})"
        if isinstance(part, int):
            if not isinstance(node, list):
                raise ValueError(f"{where}: [{part}] indexes a list, but this is not one")
            if part >= len(node):
                raise ValueError(f"{where}: index {part} out of range; the list has {len(node)}")
            if last:
                node[part] = value
            else:
                node = node[part]
        else:
            if not isinstance(node, dict):
                raise ValueError(f"{where}: '{part}' names a key, but this is not a mapping")
            if last:
                node[part] = value
            elif part not in node:
                hint = close_match(part, [str(k) for k in node])
                raise ValueError(f"{where}: no key '{part}' here{hint}")
            else:
                node = node[part]


def override_paths(overrides: list[str]) -> list[tuple[str | int, ...]]:
    """The paths named by ``PATH=VALUE`` overrides (unparsable ones left out)."""
    paths = []
    for item in overrides:
        try:
            paths.append(tuple(parse_path(item.partition("=")[0])))
        except ValueError:
            continue
    return paths


def _short(text: str, limit: int = 60) -> str:
    """A value as quoted in a message, shortened if long."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def apply_overrides(data: Any, overrides: list[str], source: str | None = None) -> Any:
    """Return a copy of ``data`` with each ``PATH=VALUE`` applied (VALUE is YAML)."""
    data = copy.deepcopy(data)
    problems = []
    for item in overrides:
        path, sep, text = item.partition("=")
        if not sep:
            problems.append(("--set", f"expected PATH=VALUE; got {item!r}"))
            continue
        if not path.strip():
            problems.append(("--set", f"expected PATH=VALUE; got {item!r} (the path is empty)"))
            continue
        label = f"--set {path.strip()}"
        try:
            value = load_yaml_text(text)[0] if text.strip() else ""
        except yaml.YAMLError as exc:
            reason = getattr(exc, "problem", None) or "not valid YAML"
            problems.append(("", f"{label}: value {_short(text)} is not valid YAML: {reason}"))
            continue
        except (ValueError, RecursionError) as exc:  # nested too deep, an alias bomb
            problems.append(("", f"{label}: value {_short(text)} refused: {exc}"))
            continue
        try:
            set_path(data, parse_path(path), value, label)
        except ValueError as exc:
            message = str(exc)
            problems.append(("", message if message.startswith(label) else f"{label}: {message}"))
    if problems:
        raise ScenarioError(problems, source)
    return data
