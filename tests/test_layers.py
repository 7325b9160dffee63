"""The package's layers import only downward (docs/architecture.md).

The graph is read from the installed package (wherever ``import sim`` finds it): every
import statement of every module, at the top, inside functions and under
TYPE_CHECKING, since a lazy import that goes up is as much a design error as an eager
one. Run as a script, this file prints each module's import floor.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

# lowest first: a module may import its own layer and the layers before it
LAYERS = (
    "sim.core",
    "sim.schema",
    "sim.spec",
    "sim.world",
    "sim.engine",
    "sim.measure",
    "sim.store",
    "sim.pipeline",
    "sim.sweep",
    "sim.present",
    "sim.cli",
)
# pairs the order alone would allow, but the design forbids
FORBIDDEN = {("sim.measure", "sim.engine")}  # measure works on tables and pieces, not runs
FACADE = "sim"  # sim/__init__.py: the lazy facade above every layer
# what these layers' modules may never load, even indirectly
LIGHT = ("sim.core", "sim.schema", "sim.spec", "sim.store", "sim.present")
HEAVY = ("simpy", "numba")


@cache
def modules() -> dict[str, Path]:
    """Every module of the installed package: dotted name -> file."""
    spec = importlib.util.find_spec("sim")
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations)))
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _resolve(name: str) -> str | None:
    """The module of the package that ``name`` (a module or a name in one) refers to."""
    mods = modules()
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


@cache
def graph() -> dict[str, frozenset[str]]:
    """module -> the package modules it imports (anywhere in its file)."""
    mods = modules()
    edges = {}
    for module, path in mods.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                names = [base] + [f"{base}.{alias.name}" for alias in node.names]
            for name in names:
                if name == "sim" or name.startswith("sim."):
                    target = _resolve(name)
                    # importing a subpackage's module loads the (empty) package __init__
                    if target and target != module and not module.startswith(target + "."):
                        targets.add(target)
        edges[module] = frozenset(targets)
    return edges


def layer(module: str) -> int | None:
    """The index of ``module``'s layer in LAYERS (None for the facade)."""
    for i, prefix in enumerate(LAYERS):
        if module == prefix or module.startswith(prefix + "."):
            return i
    return None


def floors() -> dict[str, int]:
    """Each module's import floor: 0 if it imports no package module, else 1 + the
    highest floor among what it imports."""
    edges, memo = graph(), {}

    def floor(module: str, seen: tuple[str, ...] = ()) -> int:
        if module not in memo:
            below = [floor(t, (*seen, module)) for t in edges[module] if t not in seen]
            memo[module] = 1 + max(below) if below else 0
        return memo[module]

    return {m: floor(m) for m in sorted(edges)}


def test_every_module_belongs_to_a_layer():
    """No module lives outside the layers (a new top-level module must take a place)."""
    assert [m for m in modules() if m != FACADE and layer(m) is None] == []


def test_no_module_imports_upward():
    """Every import goes to the module's own layer or one below, never to the facade."""
    upward = []
    for module, targets in graph().items():
        if module == FACADE:
            continue
        for target in sorted(targets):
            here, there = layer(module), layer(target)
            if there is None or here is None or there > here:
                upward.append(f"{module} -> {target}")
            elif (LAYERS[here], LAYERS[there]) in FORBIDDEN:
                upward.append(f"{module} -> {target} (forbidden)")
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_no_import_cycle():
    """The module graph has no cycle (Tarjan's strongly connected components)."""
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_checker_sees_a_planted_upward_import(monkeypatch):
    """The check can fail: an import of the engine planted in a core module is caught."""
    planted = dict(graph())
    planted["sim.core.units"] = planted["sim.core.units"] | {"sim.engine.model"}
    monkeypatch.setattr(sys.modules[__name__], "graph", lambda: planted)
    with pytest.raises(AssertionError):
        test_no_module_imports_upward()


def _loaded_by(imports: list[str]) -> list[str]:
    """The modules a fresh interpreter holds after importing ``imports``."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {imports!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_light_layers_load_neither_simpy_nor_numba():
    """Importing every module of core, schema, spec, store and present (all of them in one
    interpreter) loads neither SimPy nor numba: figures and reports never need the engine."""
    light = [m for m in modules() if any(m == p or m.startswith(p + ".") for p in LIGHT)]
    heavy = [m for m in _loaded_by(light) if m.split(".")[0] in HEAVY]
    assert not heavy, f"{len(heavy)} modules loaded, among them: {heavy[:5]}"


def test_import_sim_alone_loads_no_library():
    """``import sim`` is the lazy facade: no numpy, pydantic, SimPy or matplotlib yet
    (benchmarks/bench_import.py times it)."""
    loaded = _loaded_by(["sim"])
    heavy = ("numpy", "pydantic", "simpy", "numba", "matplotlib", "shapely", "pyproj", "yaml")
    assert [m for m in loaded if m.split(".")[0] in heavy] == []
    assert "sim.engine.model" not in loaded


def test_architecture_page_lists_the_layers_in_order():
    """docs/architecture.md's layer table names the layers of LAYERS, in this order."""
    page = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"
    rows = [line for line in page.read_text(encoding="utf-8").splitlines() if line.startswith("| ")]
    folders = [row.split("|")[2].strip().strip("`") for row in rows[1:]]
    named = [f.rstrip("/").removesuffix(".py").replace("/", ".") for f in folders]
    assert named == list(LAYERS)


if __name__ == "__main__":
    for module, floor in sorted(floors().items(), key=lambda item: (item[1], item[0])):
        print(f"{floor:2d}  {module}")
