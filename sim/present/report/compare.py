"""The report of a ``compare`` folder: the runs, metrics.csv as a table, the figures."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sim.core.errors import SimError, plural
from sim.present import format as fmt
from sim.present.captions import COMPARE_FIGURES
from sim.present.report.html import esc, figures, page, table, write_page
from sim.schema import COMPARE_LISTING, COMPARE_METRICS_CSV, PLOTS
from sim.store.read import ResultsFolder


def _compare_runs(compare_dir: Path, runs: list[str] | None) -> list[dict[str, str]]:
    if runs is not None:
        return [{"name": Path(r).name, "path": str(r)} for r in runs]
    listing = compare_dir / COMPARE_LISTING
    if not listing.is_file():
        return []
    data = json.loads(listing.read_text(encoding="utf-8"))
    return [
        {"name": str(r.get("name", "")), "path": str(r.get("path", ""))}
        if isinstance(r, dict)
        else {"name": Path(str(r)).name, "path": str(r)}
        for r in data
    ]


def _bounds_text(low_row: list[str], high_row: list[str], i: int) -> str:
    """' (95 %: 59.0–71.4 %)' from column ``i`` of a proportion's bound rows; '' if absent."""
    try:
        bounds = fmt.percent_bounds(float(low_row[i]), float(high_row[i]))
    except (IndexError, ValueError):
        return ""
    return f" (95 %: {bounds})" if bounds else ""


def _compare_metrics(path: Path, n_runs: int) -> str:
    """metrics.csv (metric, [unit,] one column per run[, difference]) as a readable table."""
    if not path.is_file():
        return "<p>No metrics.csv in this folder.</p>"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return "<p>metrics.csv is empty.</p>"
    header, data = rows[0], rows[1:]
    has_unit = len(header) > 1 and header[1] == "unit"
    first = 2 if has_unit else 1
    shown = [0, *range(first, len(header))]
    by_key = {row[0]: row for row in data if row}
    body = []
    for row in data:
        key = row[0] if row else ""
        if any(key.endswith(b) and key[: -len(b)] in by_key for b in (".low95", ".high95")):
            continue  # shown with its estimate
        bounds = (by_key.get(f"{key}.low95"), by_key.get(f"{key}.high95"))
        unit = row[1] if has_unit and len(row) > 1 else ""
        cells = [f"<th><code>{esc(key)}</code></th>"]
        for i in shown[1:]:
            raw = row[i] if i < len(row) else ""
            try:
                value = float(raw)
            except ValueError:
                cells.append(f"<td>{esc(raw or '–')}</td>")
                continue
            signed = n_runs > 0 and i >= first + n_runs
            text = fmt.by_unit(value, unit, signed) if has_unit else fmt.metric(key, value)
            if not signed and bounds[0] is not None and bounds[1] is not None:
                text += _bounds_text(bounds[0], bounds[1], i)
            cells.append(
                f'<td class="num" title="{esc(raw)}" data-value="{esc(raw)}">{esc(text)}</td>'
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    num = ' class="num"'
    head = "".join(f"<th{num if i else ''}>{esc(header[i])}</th>" for i in shown)
    rows_html = "".join(body)
    return (
        f'<table id="metrics"><thead><tr>{head}</tr></thead><tbody>{rows_html}</tbody></table>'
        "<p>Proportions: value (95 % Wilson interval); differences in percentage points "
        "(pp).</p>"
    )


def render_compare_report(compare_dir: str | Path, runs: list[str] | None = None) -> str:
    """The report of a ``compare`` folder as an HTML string."""
    compare_dir = Path(compare_dir)
    listing = _compare_runs(compare_dir, runs)
    rows = []
    for run in listing:
        seed = version = started = "–"
        try:
            manifest = ResultsFolder(run["path"]).manifest
            seed = str(manifest.get("seed", "–"))
            version = str(manifest.get("version", "–"))
            started = str(manifest.get("started_at", "–"))
        except (SimError, OSError, ValueError):  # moved or unreadable: the listing stands
            pass
        rows.append([run["name"], run["path"], seed, version, started])
    names = ", ".join(r["name"] for r in listing) or compare_dir.name
    body = [
        f"<header><h1>ceasefire-sim comparison: {esc(names)}</h1>",
        f'<p class="lead">{esc(plural(len(listing), "run"))} compared side by side.</p></header>',
        '<section id="runs"><h2>Runs</h2>'
        + table(["run", "results folder", "seed", "version", "run started"], rows)
        + "</section>",
        '<section id="metrics-table"><h2>Metrics</h2>'
        + _compare_metrics(compare_dir / COMPARE_METRICS_CSV, len(listing))
        + "</section>",
        '<section id="plots"><h2>Plots</h2>'
        + figures(compare_dir / PLOTS, COMPARE_FIGURES)
        + "</section>",
        "<footer>Written by ceasefire-sim compare. Self-contained: no network resources.</footer>",
    ]
    return page(f"ceasefire-sim comparison: {names}", "\n".join(body))


def write_compare_report(compare_dir: str | Path, runs: list[str] | None = None) -> Path:
    """Write ``<compare_dir>/report.html`` from its metrics.csv, plots and compare.json.

    ``runs`` overrides the list of compared results folders read from compare.json.
    """
    return write_page(compare_dir, render_compare_report(compare_dir, runs))
