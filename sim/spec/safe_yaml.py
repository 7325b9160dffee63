"""YAML read with the safe loader, within bounds: plain data and its node tree.

Bounds keep hostile input from exhausting memory or the stack: nesting depth is
checked on the parser's events before anything is composed, and alias expansion
("billion laughs") is measured on the composed node graph without expanding it.
A key repeated in one mapping is refused (the last would silently win).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.core.errors import ScenarioError
from sim.spec.scenario import format_path


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
