"""Compare two or more sweep folders: their curves overlaid, their cheapest points side by side.

Each summarised metric the sweeps share is drawn against each sweep's first axis
(the parameter shown first; sweeps of the same axis overlay directly), with its
95 % band. The table lists, per sweep, the points meeting its target and the
cheapest of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sim.core.errors import SimError
from sim.present.drawing import FigureFailure, attempt, record, save_figure
from sim.present.figures.style import DPI
from sim.present.figures.sweep import plot_overlay
from sim.present.report.sweep import write_sweep_compare_report
from sim.schema import COMPARE_LISTING, PLOTS
from sim.store.outdir import COMPARE, check_out, publish, remove_stale_files, temporary
from sim.sweep.folder import SweepFolder, read_sweep


@dataclass
class SweepComparison:
    """What ``compare_sweeps`` wrote: the sweeps, the figures and the summary table."""

    out: Path
    names: list[str]
    sweeps: list[SweepFolder]
    plots: list[Path] = field(default_factory=list)
    failures: list[FigureFailure] = field(default_factory=list)

    def table_text(self) -> str:
        """Per sweep: points, runs, target, and the cheapest points meeting it."""
        lines = [f"{'sweep':<24} {'points':>6} {'runs ok':>8}  target / cheapest points"]
        for name, sweep in zip(self.names, self.sweeps, strict=True):
            m = sweep.manifest
            target = sweep.target
            cheapest = ", ".join(str(p) for p in m.get("cheapest") or []) or "none"
            verdict = f"{target}: {cheapest}" if target else "no target"
            lines.append(f"{name:<24} {m.get('points', 0):>6} {m.get('runs_ok', 0):>8}  {verdict}")
        return "\n".join(lines)


def _names(sweeps: list[SweepFolder], names: list[str] | None) -> list[str]:
    if names is not None:
        if len(names) != len(sweeps) or len(set(names)) != len(names):
            raise SimError(f"give one unique name per sweep folder; got {names}")
        return list(names)
    out: list[str] = []
    for sweep in sweeps:
        base = str(sweep.manifest.get("name", sweep.path.name))
        name, k = base, 2
        while name in out:
            name, k = f"{base}-{k}", k + 1
        out.append(name)
    return out


def compare_sweeps(
    folders: list[str | Path], out: str | Path | None = None, names: list[str] | None = None
) -> SweepComparison:
    """Compare sweep folders into ``out`` (default ``results/compare/<a>-vs-<b>``)."""
    if len(folders) < 2:
        raise SimError(f"compare needs at least two sweep folders; got {len(folders)}")
    sweeps = [read_sweep(f) for f in folders]
    labels = _names(sweeps, names)
    out = Path(out) if out is not None else Path("results/compare") / "-vs-".join(labels)
    for sweep in sweeps:
        if out.resolve() == sweep.path.resolve():
            raise SimError(f"refusing to write the comparison into {out}: it is a compared sweep")
    check_out(out, COMPARE)
    shared = [
        k
        for k in sweeps[0].metrics
        if all(k in s.metrics and f"{k}.estimate" in s.summary.columns for s in sweeps)
    ]
    comparison = SweepComparison(out, labels, sweeps)
    with temporary(out) as tmp:
        listing = [
            {"name": n, "path": str(s.path.resolve()), "kind": "sweep"}
            for n, s in zip(labels, sweeps, strict=True)
        ]
        (tmp / COMPARE_LISTING).write_text(json.dumps(listing, indent=2) + "\n", encoding="utf-8")
        (tmp / "summary.txt").write_text(comparison.table_text() + "\n", encoding="utf-8")
        publish(tmp, out)
    # the data is published: each figure, then the report, is drawn into it on its own
    (out / PLOTS).mkdir(exist_ok=True)
    remove_stale_files(out / PLOTS)
    for metric in shared:
        path = out / PLOTS / f"{metric.replace('.', '_')}.png"

        def one(metric: str = metric, path: Path = path) -> Path:
            return save_figure(plot_overlay(sweeps, labels, metric), path, dpi=DPI)

        if attempt(path.stem, one, comparison.failures) is not None:
            comparison.plots.append(path)
    attempt(
        "report.html",
        lambda: write_sweep_compare_report(out, labels, sweeps, comparison.plots),
        comparison.failures,
    )
    record(out, comparison.failures, None)
    return comparison
