"""Loading a scenario: YAML read, ``--set`` overrides applied, validated in one pass.

``load_scenario`` reads a file; ``scenario_from_data`` validates plain data (a sweep
point, a test's dict). Every problem of the input is found before anything is built
and reported at once as a ``ScenarioError`` naming YAML paths: the files a scenario
names (the line's GeoJSON, the replay CSV's header), then the schema (pydantic),
then, if it holds, every geometry, cross-field and resource check (``sim.spec.checks``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.core.errors import ScenarioError
from sim.spec.checks import GEOMETRY_ERRORS, check_modalities, check_scenario
from sim.spec.overrides import apply_overrides, override_paths
from sim.spec.problems import locate, validation_problems
from sim.spec.replay import check_violations_csv
from sim.spec.safe_yaml import read_yaml
from sim.spec.scenario import Scenario


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
    satellites = data.get("satellites")
    for k, sat in enumerate(satellites if isinstance(satellites, list) else []):
        orbit = sat.get("orbit") if isinstance(sat, dict) else None
        if isinstance(orbit, dict) and isinstance(orbit.get("tle"), str):
            try:
                orbit["tle"] = _read_tle_lines(base / orbit["tle"])
            except ValueError as exc:
                problems.append(
                    (locate(("satellites", k, "orbit", "tle"), root, overridden), str(exc))
                )
    return problems


MAX_TLE_BYTES = 10_000_000


def _read_tle_lines(path: Path) -> list[str]:
    """The non-empty lines of a TLE file (checked as element sets by the orbit spec)."""
    try:
        if path.stat().st_size > MAX_TLE_BYTES:
            raise ValueError(f"{path} is over {MAX_TLE_BYTES // 1_000_000} MB: not a TLE file")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValueError(f"file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    return [line.rstrip() for line in text.splitlines() if line.strip()]


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
    problems = [(locate(loc, root, overridden), m) for loc, m in check_modalities(scenario)]
    try:
        found = check_scenario(scenario)
    except (*GEOMETRY_ERRORS, RecursionError) as exc:  # a library refusing hostile numbers
        found = [(("line",), f"cannot check the geometry: {exc}")]
    problems += [(locate(loc, root, overridden), message) for loc, message in found]
    if problems:
        raise ScenarioError(problems, source)
    return scenario


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Read, override (``PATH=VALUE`` strings) and validate a scenario file."""
    path = Path(path)
    data, root = read_yaml(path)
    if overrides:
        data = apply_overrides(data, overrides, str(path))
    paths = override_paths(overrides or [])
    return scenario_from_data(data, path.parent, str(path), root, paths)
