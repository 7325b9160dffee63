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

import numpy as np
from matplotlib.figure import Figure

from sim.core.errors import SimError
from sim.present.drawing import FigureFailure, attempt, record, save_figure
from sim.present.figures.sweep import DPI, SIZE, axes_of, metric_scale, parameter_unit
from sim.store.outdir import COMPARE, check_out, publish, remove_stale_files, temporary
from sim.sweep import SweepFolder, read_sweep

COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
MARKER = "compare.json"


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


def _overlay(sweeps: list[SweepFolder], names: list[str], metric: str) -> Figure:
    """One metric of every sweep against its first axis, each with its 95 % band."""
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    mscale, munit = metric_scale(metric)
    shown = []
    paths = [axes_of(sweep)[0].paths[0] for sweep in sweeps]
    columns = [np.asarray(sweep.summary[p]) for sweep, p in zip(sweeps, paths, strict=True)]
    named = any(c.dtype.kind not in "fiub" for c in columns)  # a name or mode: by position
    levels = np.unique(np.concatenate([c.astype(str) for c in columns])) if named else None
    for k, (name, sweep) in enumerate(zip(names, sweeps, strict=True)):
        path = paths[k]
        pscale, punit = parameter_unit(path)
        s = sweep.summary
        if levels is None:
            x = columns[k].astype(float) / pscale
        else:
            x = np.searchsorted(levels, columns[k].astype(str)).astype(float)
        order = np.argsort(x, kind="stable")
        est = np.asarray(s[f"{metric}.estimate"], dtype=float)[order] / mscale
        low = np.asarray(s[f"{metric}.low95"], dtype=float)[order] / mscale
        high = np.asarray(s[f"{metric}.high95"], dtype=float)[order] / mscale
        colour = COLOURS[k % len(COLOURS)]
        ax.fill_between(x[order], low, high, color=colour, alpha=0.15)
        ax.plot(x[order], est, "o-", color=colour, label=f"{name} ({path})")
        shown.append(f"{path}" + (f" [{punit}]" if punit else ""))
    if levels is not None:
        ax.set_xticks(range(len(levels)), [str(v) for v in levels])
    ax.set_xlabel(" / ".join(dict.fromkeys(shown)))
    ax.set_ylabel(metric + (f" [{munit}]" if munit else ""))
    ax.set_title(f"{metric} across sweeps (95 % bands)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


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
        (tmp / MARKER).write_text(json.dumps(listing, indent=2) + "\n", encoding="utf-8")
        (tmp / "summary.txt").write_text(comparison.table_text() + "\n", encoding="utf-8")
        publish(tmp, out)
    # the data is published: each figure, then the report, is drawn into it on its own
    (out / "plots").mkdir(exist_ok=True)
    remove_stale_files(out / "plots")
    for metric in shared:
        path = out / "plots" / f"{metric.replace('.', '_')}.png"

        def one(metric: str = metric, path: Path = path) -> Path:
            return save_figure(_overlay(sweeps, labels, metric), path, dpi=DPI)

        if attempt(path.stem, one, comparison.failures) is not None:
            comparison.plots.append(path)
    from sim.present.report.run import write_sweep_compare_report

    attempt(
        "report.html",
        lambda: write_sweep_compare_report(out, comparison),
        comparison.failures,
    )
    record(out, comparison.failures, None)
    return comparison
