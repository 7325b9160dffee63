"""The reports of a sweep folder and of a comparison of sweeps."""

from __future__ import annotations

import numbers
from pathlib import Path
from typing import Any

from sim.core.errors import plural
from sim.present import format as fmt
from sim.present.captions import SWEEP_AIDS, SWEEP_COMPARE_AID, Caption, sweep_metric_aid
from sim.present.report.html import esc, figures, kv_table, page, table, write_page
from sim.schema import PLOTS
from sim.sweep.folder import SweepFolder, read_sweep


def _caption(name: str, aid: str) -> Caption:
    """A sweep figure's caption, titled by its file name (a metric key's, or 'cost')."""
    return Caption(name.replace("_", " "), aid)


def _executor_text(m: dict[str, Any]) -> str:
    """'2 worker processes', 'inline (1 process)', ... from a sweep manifest."""
    workers, executor = m.get("workers"), m.get("executor")
    if not isinstance(workers, int) or not isinstance(executor, str):
        return "–"
    return fmt.where_run(workers, executor).removeprefix("on ")


def _parameter_text(value: Any, scale: float) -> str:
    """A parameter value in its display unit; a name or mode as it is."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"{value / scale:g}"
    return str(value)


def render_sweep_report(folder: str | Path) -> str:
    """The report of a finished sweep folder as an HTML string."""
    sweep = read_sweep(folder)
    m, s = sweep.manifest, sweep.summary
    params, metrics = sweep.parameters, [k for k in sweep.metrics if f"{k}.estimate" in s.columns]
    target = sweep.target
    cheapest = set(m.get("cheapest") or [])
    facts = [
        ("Base scenario", str(m.get("scenario_file", "–"))),
        ("Points", fmt.number(m.get("points"))),
        ("Replications per point", fmt.number(m.get("replications"))),
        ("Runs ok / failed", f"{m.get('runs_ok', '–')} / {m.get('runs_failed', '–')}"),
        ("Executor", _executor_text(m)),
        ("Wall time", fmt.duration(m.get("wall_seconds"))),
        ("Sweep seed", str(m.get("seed", "–"))),
        ("Target", str(target) if target else "none"),
    ]
    units = {p: fmt.parameter_unit(p) for p in params}
    header = ["point", *(f"{p} [{units[p][1]}]" if units[p][1] else p for p in params), "n"]
    header += [f"{k} [95 %]" for k in metrics]
    judged = "meets_target" in s.columns  # only with a target
    if "cost" in s.columns:
        header += ["cost", "meets target"] if judged else ["cost"]
    rows = []
    for i in range(len(s)):
        point = int(s["point"][i])
        row = [f"{point}{' ★' if point in cheapest else ''}"]
        row += [_parameter_text(s[p][i], units[p][0]) for p in params] + [fmt.number(s["n"][i])]
        for k in metrics:
            est, low, high = s[f"{k}.estimate"][i], s[f"{k}.low95"][i], s[f"{k}.high95"][i]
            row.append(f"{fmt.metric(k, est)} [{fmt.metric(k, low)}, {fmt.metric(k, high)}]")
        if "cost" in s.columns:
            row.append(fmt.number(s["cost"][i]))
            if judged:
                row.append("yes" if s["meets_target"][i] else "no")
        rows.append(row)
    verdict = ""
    if target is not None:
        if cheapest:
            names = ", ".join(str(p) for p in sorted(cheapest))
            verdict = (
                f"<p><b>Cheapest point{'s' if len(cheapest) > 1 else ''} meeting "
                f"{esc(target)}</b> (by the conservative 95 % "
                f"bound): {esc(names)} (★ in the table).</p>"
            )
        else:
            verdict = f"<p><b>No point meets {esc(target)}</b> by its conservative bound.</p>"
    stems = {k: k.replace(".", "_") for k in metrics}
    captions = {stems[k]: _caption(stems[k], sweep_metric_aid(k)) for k in metrics}
    captions |= {name: _caption(name, aid) for name, aid in SWEEP_AIDS.items()}
    body = [
        f"<header><h1>ceasefire-sim sweep: {esc(m.get('name', sweep.path.name))}</h1>",
        f'<p class="lead">{esc(plural(len(s), "point"))} x '
        f"{esc(plural(int(m.get('replications') or 0), 'replication'))}; "
        "intervals: Wilson for proportions (pooled replications), Student t for means.</p>"
        "</header>",
        '<section id="sweep"><h2>Sweep</h2>' + kv_table(facts) + verdict + "</section>",
        '<section id="summary"><h2>Summary per point</h2>' + table(header, rows) + "</section>",
        '<section id="plots"><h2>Plots</h2>' + figures(sweep.path / PLOTS, captions) + "</section>",
        f"<footer>Written by ceasefire-sim {esc(m.get('version', ''))}. Self-contained: "
        "no network resources.</footer>",
    ]
    return page(f"ceasefire-sim sweep: {m.get('name', '')}", "\n".join(body))


def write_sweep_report(folder: str | Path) -> Path:
    """Write ``<folder>/report.html`` for a finished sweep folder."""
    return write_page(folder, render_sweep_report(folder))


def write_sweep_compare_report(
    folder: str | Path, names: list[str], sweeps: list[SweepFolder], plots: list[Path]
) -> Path:
    """Write ``<folder>/report.html`` for a comparison of sweeps: their names, folders, figures."""
    rows = []
    for name, sweep in zip(names, sweeps, strict=True):
        m = sweep.manifest
        target = sweep.target
        rows.append(
            [
                name,
                str(sweep.path),
                fmt.number(m.get("points")),
                fmt.number(m.get("runs_ok")),
                str(target) if target else "none",
                ", ".join(str(p) for p in m.get("cheapest") or []) or "none",
            ]
        )
    title = ", ".join(names)
    captions = {p.stem: _caption(p.stem, SWEEP_COMPARE_AID) for p in plots}
    body = [
        f"<header><h1>ceasefire-sim sweep comparison: {esc(title)}</h1></header>",
        '<section id="sweeps"><h2>Sweeps</h2>'
        + table(["sweep", "folder", "points", "runs ok", "target", "cheapest points"], rows)
        + "</section>",
        '<section id="plots"><h2>Plots</h2>'
        + figures(Path(folder) / PLOTS, captions)
        + "</section>",
        "<footer>Written by ceasefire-sim compare. Self-contained: no network resources.</footer>",
    ]
    return write_page(folder, page(f"ceasefire-sim sweep comparison: {title}", "\n".join(body)))
