"""Drawing figures and reports into a folder that is already published.

Each figure is drawn into a temporary file and renamed into place, so a figure is
either its old complete file or its new one. A figure that fails is recorded (its
name, one line, and the traceback for ``plots/errors.log``) and the others are still
drawn; the command then exits with ``EXIT_FIGURES_FAILED``.
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sim.core.interrupts import wrapped_interrupt
from sim.schema import ERRORS_LOG, PLOTS
from sim.store.outdir import replace_file

EXIT_FIGURES_FAILED = 3
T = TypeVar("T")


@dataclass(frozen=True)
class FigureFailure:
    """A figure (or report) that could not be drawn."""

    name: str
    error: str  # one line: "ValueError: ..."
    traceback: str

    def line(self) -> str:
        """The one-line message for stderr."""
        return f"figure {self.name} failed: {self.error}"


class FiguresFailed(Exception):
    """Raised by a ``draw_all`` called without an ``errors`` list when figures failed."""

    def __init__(self, failures: list[FigureFailure]):
        self.failures = failures
        super().__init__("; ".join(f.line() for f in failures))


def attempt(name: str, draw: Callable[[], T], errors: list[FigureFailure] | None) -> T | None:
    """Run ``draw()``; on an exception record it in ``errors`` and return None.

    With ``errors`` None the exception propagates (library callers see it). Ctrl-C
    and SIGTERM always propagate.
    """
    if errors is None:
        return draw()
    try:
        return draw()
    except Exception as exc:
        interrupt = wrapped_interrupt(exc)  # Ctrl-C during an import, turned into an error
        if interrupt is not None:
            raise interrupt from None
        text = " ".join(str(exc).split())
        errors.append(FigureFailure(name, f"{type(exc).__name__}: {text}", traceback.format_exc()))
        return None


def save_figure(fig: Any, path: Path, **savefig: Any) -> Path:
    """Save a matplotlib figure to ``path`` through a temporary sibling (atomic)."""
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    try:
        fig.savefig(tmp, **savefig)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_text(path: Path, text: str) -> Path:
    """Write a text file (a report) atomically."""
    replace_file(path, text)
    return path


def record(folder: Path, failures: list[FigureFailure], manifest: str | None) -> None:
    """Write (or remove) ``plots/errors.log`` and record the failed figures in the manifest.

    ``manifest`` names the folder's JSON manifest to update (its ``figures_failed``
    key: the failed names, [] when all were drawn), or None to leave it alone.
    """
    plots = folder / PLOTS
    log = plots / ERRORS_LOG
    if failures:
        plots.mkdir(exist_ok=True)
        text = "\n".join(f"== {f.name}: {f.error}\n{f.traceback}" for f in failures)
        replace_file(log, text)
    elif log.exists():
        log.unlink()
    if manifest is None or not (folder / manifest).is_file():
        return
    try:
        data = json.loads((folder / manifest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(data, dict):
        return
    data["figures_failed"] = [f.name for f in failures]
    replace_file(folder / manifest, json.dumps(data, indent=2) + "\n")
