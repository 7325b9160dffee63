"""The report of a run: one self-contained ``report.html`` per results folder.

The report reads the results folder only (``sim.store.read.ResultsFolder``): the
headline numbers from metrics.json, the typed scenario from
scenario.resolved.yaml (``sim.present.report.scenario``), the seed, version and
run date from manifest.json, and every ``plots/*.png``, embedded in the page
(``sim.present.report.html``). Numbers are printed by ``sim.present.format``.
The modelling assumptions are not restated here: the report points to
docs/model.md, where they are stated once with their equations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.measure.metrics import deadline_label, deadline_suffixes
from sim.present import format as fmt
from sim.present.captions import RUN_FIGURES
from sim.present.report.cueing import cueing_section
from sim.present.report.exposure import exposure_section
from sim.present.report.html import card, esc, figures, kv_table, metric_cell, page, write_page
from sim.present.report.places import places_section
from sim.present.report.scenario import scenario_section
from sim.schema import PLOTS
from sim.store.read import ResultsFolder

ASSET_CLASSES = ("drone", "ground", "satellite")

#: Where the model's assumptions and their limits are stated (docs/model.md headings).
ASSUMPTIONS_DOC = "docs/model.md"
LIMITS_SECTION = "16. Limits and simplifications"


def _deadlines(m: dict[str, Any]) -> str:
    """The deadline table: per d, the shares of all violations detected / reported by d."""
    suffixes = deadline_suffixes(m)
    if not suffixes:
        return ""
    body = "".join(
        f"<tr><th>{esc(deadline_label(d))}</th>"
        + metric_cell(m, f"detection.within_{d}", fmt.interval_of(m, f"detection.within_{d}"))
        + metric_cell(m, f"report.within_{d}", fmt.interval_of(m, f"report.within_{d}"))
        + "</tr>"
        for d in suffixes
    )
    return (
        '<h3 id="deadlines">Within deadlines</h3>'
        "<p>Share of <em>all</em> violations detected, and first reported, within each "
        "deadline of their start (<code>reporting.deadlines</code>); violations never "
        "detected or reported count as misses.</p>"
        "<table><thead><tr><th>deadline</th><th>detected within it (95 % interval)</th>"
        "<th>first reported within it (95 % interval)</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _headline(m: dict[str, Any]) -> str:
    cards = [
        card(
            m,
            "Violations",
            "violations.count",
            fmt.number(m.get("violations.count")),
            f"over {fmt.number(m.get('duration_days'))} "
            + ("day" if m.get("duration_days") == 1 else "days"),
        ),
        card(
            m,
            "Detected",
            "detection.probability",
            fmt.percent(m.get("detection.probability")),
            "95 % interval " + fmt.bounds_of(m, "detection.probability"),
        ),
        card(
            m,
            "Verified",
            "verified.probability",
            fmt.percent(m.get("verified.probability")),
            "95 % interval " + fmt.bounds_of(m, "verified.probability"),
        ),
        card(
            m,
            "Detection latency, median",
            "latency.median_s",
            fmt.duration(m.get("latency.median_s")),
            f"p90 {fmt.duration(m.get('latency.p90_s'))}",
        ),
        card(
            m,
            "Report latency, median",
            "report_latency.median_s",
            fmt.duration(m.get("report_latency.median_s")),
            f"p90 {fmt.duration(m.get('report_latency.p90_s'))}",
        ),
        card(
            m,
            "False alarms",
            "false_alarms.per_day",
            fmt.metric("false_alarms.per_day", m.get("false_alarms.per_day")),
        ),
    ]
    if "coverage.time_fraction" in m:
        cards.append(
            card(
                m,
                "Line covered",
                "coverage.time_fraction",
                fmt.percent(m.get("coverage.time_fraction")),
                "fraction of time",
            )
        )
    if "coverage.revisit.max_s" in m:
        cards.append(
            card(
                m,
                "Longest revisit gap",
                "coverage.revisit.max_s",
                fmt.duration(m.get("coverage.revisit.max_s")),
                f"mean {fmt.duration(m.get('coverage.revisit.mean_s'))}",
            )
        )
    out = [f'<div class="cards">{"".join(cards)}</div>']
    out.append(_deadlines(m))

    rows = []
    for prefix, label in (
        ("latency", "Detection latency"),
        ("report_latency", "Report latency (start to first report)"),
        ("verification_latency", "Verification latency"),
    ):
        cells = "".join(
            metric_cell(
                m, f"{prefix}.{stat}_s", fmt.duration(m.get(f"{prefix}.{stat}_s")), cls="num"
            )
            for stat in ("mean", "median", "p90", "p95", "max")
        )
        rows.append(f"<tr><th>{esc(label)}</th>{cells}</tr>")
    out.append(
        "<h3>Latency</h3><table><thead><tr><th></th>"
        + "".join(f'<th class="num">{s}</th>' for s in ("mean", "median", "p90", "p95", "max"))
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )

    classes = [
        c
        for c in ASSET_CLASSES
        if f"detection.by_class.{c}" in m or f"detection.first_by_class.{c}" in m
    ]
    if classes:
        body = "".join(
            f"<tr><th>{esc(c)}</th>"
            + metric_cell(
                m, f"detection.by_class.{c}", fmt.interval_of(m, f"detection.by_class.{c}")
            )
            + metric_cell(
                m,
                f"detection.first_by_class.{c}",
                fmt.percent(m.get(f"detection.first_by_class.{c}")),
            )
            + metric_cell(
                m,
                f"false_alarms.per_day.{c}",
                fmt.number(m.get(f"false_alarms.per_day.{c}")),
            )
            + "</tr>"
            for c in classes
        )
        out.append(
            "<h3>By asset class</h3><table><thead><tr><th>class</th>"
            "<th>violations it detected (95 % interval)</th>"
            "<th>share of first detections</th><th>false alarms per day</th>"
            f"</tr></thead><tbody>{body}</tbody></table>"
        )

    prefix = "detection.probability_by_type."
    types = [k[len(prefix) :] for k in m if k.startswith(prefix) and not k.endswith("95")]
    if types:
        body = "".join(
            f"<tr><th>{esc(t)}</th>{metric_cell(m, k, fmt.interval_of(m, k))}</tr>"
            for t, k in ((t, prefix + t) for t in types)
        )
        out.append(
            "<h3>By violation type</h3><table><thead><tr><th>type</th>"
            f"<th>detected (95 % interval)</th></tr></thead><tbody>{body}</tbody></table>"
        )

    coverage = [k for k in m if k.startswith("coverage.")]
    if coverage:
        body = "".join(
            f"<tr><th><code>{esc(k)}</code></th>{metric_cell(m, k, fmt.metric(k, m[k]))}</tr>"
            for k in coverage
        )
        out.append(
            "<h3>Coverage</h3><table><thead><tr><th>figure of merit</th><th>value</th>"
            f"</tr></thead><tbody>{body}</tbody></table>"
        )

    assets = [k for k in m if k.startswith("assets.")]
    if assets:
        body = "".join(
            "<tr><td>{}</td><td>{}</td>{}</tr>".format(
                esc(k.split(".")[1]),
                esc(".".join(k.split(".")[2:]).replace("_", " ")),
                metric_cell(m, k, fmt.metric(k, m[k])),
            )
            for k in assets
        )
        out.append(
            "<h3>Assets</h3><table><thead><tr><th>group</th><th>figure</th><th>value</th>"
            f"</tr></thead><tbody>{body}</tbody></table>"
        )
    return "\n".join(out)


def _provenance(manifest: dict[str, Any]) -> str:
    command = manifest.get("command") or []
    rows = [
        ("Seed", manifest.get("seed", "–")),
        ("Version", f"ceasefire-sim {manifest.get('version', '–')}"),
        ("Run started", manifest.get("started_at", "–")),
        ("Run finished", manifest.get("finished_at", "–")),
        ("Wall time", fmt.duration(manifest.get("wall_seconds"))),
        ("Command", "ceasefire-sim " + " ".join(map(str, command)) if command else "–"),
        ("Python", manifest.get("python", "–")),
        ("Platform", manifest.get("platform", "–")),
    ]
    packages = manifest.get("packages") or {}
    if packages:
        rows.append(("Packages", ", ".join(f"{k} {v}" for k, v in packages.items())))
    return kv_table(rows)


def _assumptions(manifest: dict[str, Any]) -> str:
    """Where the assumptions behind these numbers are stated: docs/model.md, not here."""
    version = manifest.get("version", "–")
    return (
        '<section id="assumptions"><h2>Modelling assumptions</h2>'
        f"<p>The assumptions behind these numbers, with their equations, are stated once in "
        f"<code>{ASSUMPTIONS_DOC}</code> of the ceasefire-sim {esc(version)} sources; "
        f"what the model leaves out is listed in its section "
        f"<em>{esc(LIMITS_SECTION)}</em>. Read the numbers above with those limits in mind."
        "</p></section>"
    )


def render_report(folder: str | Path) -> str:
    """The report of the results folder ``folder`` as an HTML string."""
    results = ResultsFolder(folder)
    m, manifest = results.metrics, results.manifest
    scenario = results.spec
    name = results.name
    lead = (
        f"Seed {manifest.get('seed', '–')} · ceasefire-sim {manifest.get('version', '–')} · "
        f"run {manifest.get('started_at', '–')}"
    )
    body = [
        f"<header><h1>ceasefire-sim report: {esc(name)}</h1>",
        f'<p class="lead">{esc(lead)}</p>',
    ]
    if scenario.description:
        body.append(f"<p>{esc(scenario.description)}</p>")
    body.append("</header>")
    body.append('<section id="headline"><h2>Headline numbers</h2>' + _headline(m) + "</section>")
    body.extend(filter(None, [exposure_section(scenario, m)]))  # naive vs adapted side
    places = places_section(scenario, m)
    if places:
        body.append('<section id="places"><h2>Sectors and bands</h2>' + places + "</section>")
    body.append(cueing_section(scenario, m))  # '' without cueing
    body.append(
        '<section id="scenario"><h2>Scenario</h2>'
        + scenario_section(scenario, m, manifest)
        + "</section>"
    )
    body.append(
        '<section id="plots"><h2>Plots</h2>'
        + figures(results.path / PLOTS, RUN_FIGURES)
        + "</section>"
    )
    body.append(_assumptions(manifest))
    body.append(
        '<section id="provenance"><h2>Provenance</h2>' + _provenance(manifest) + "</section>"
    )
    body.append(
        "<footer>Written by ceasefire-sim from the results folder "
        f"<code>{esc(results.path.name)}</code>. Self-contained: no network resources.</footer>"
    )
    return page(f"ceasefire-sim report: {name}", "\n".join(body))


def write_report(folder: str | Path) -> Path:
    """Write ``<folder>/report.html`` from the results folder ``folder``; return its path.

    Raises ``SimError`` if ``folder`` is not a results folder.
    """
    return write_page(folder, render_report(folder))
