"""The report's tables per sector and per withdrawal band, from metrics.json.

One row per sector (chainage order) or band (narrowest first) the scenario names:
its chainage range (half-width), violations, shares detected and verified with
95 % Wilson intervals, and median detection latency (``sector.<name>.*``,
``band.<name>.*`` in metrics.json).
"""

from __future__ import annotations

from typing import Any

from sim.present import format as fmt
from sim.present.report.html import esc, metric_cell
from sim.spec.scenario import Scenario


def _rows(m: dict[str, Any], kind: str, places: list[tuple[str, str]]) -> str:
    out = []
    for name, where in places:
        prefix = f"{kind}.{name}"
        count = f"{prefix}.violations.count"
        latency = f"{prefix}.latency.median_s"
        out.append(
            f"<tr><th>{esc(name)}</th><td>{esc(where)}</td>"
            + metric_cell(m, count, fmt.metric(count, m.get(count)), cls="num")
            + metric_cell(
                m,
                f"{prefix}.detection.probability",
                fmt.interval_of(m, f"{prefix}.detection.probability"),
            )
            + metric_cell(
                m,
                f"{prefix}.verified.probability",
                fmt.interval_of(m, f"{prefix}.verified.probability"),
            )
            + metric_cell(m, latency, fmt.metric(latency, m.get(latency)), cls="num")
            + "</tr>"
        )
    return "".join(out)


def _table(m: dict[str, Any], kind: str, where: str, places: list[tuple[str, str]]) -> str:
    head = (
        f"<tr><th>{kind}</th><th>{esc(where)}</th><th>violations</th>"
        "<th>detected (95 % interval)</th><th>verified (95 % interval)</th>"
        "<th>median detection latency</th></tr>"
    )
    return f"<table><thead>{head}</thead><tbody>{_rows(m, kind, places)}</tbody></table>"


def places_section(scenario: Scenario, m: dict[str, Any]) -> str:
    """The sector and band tables, or '' when the line names neither."""
    line = scenario.line
    parts = []
    if line.sectors:
        sectors = sorted(line.sectors.items(), key=lambda item: item[1][0])
        rows = [(n, f"{fmt.distance(lo)} – {fmt.distance(hi)}") for n, (lo, hi) in sectors]
        parts.append(
            '<h3 id="sectors">By sector</h3>'
            "<p>The headline figures over the violations of each sector of "
            "<code>line.sectors</code> (chainage ranges); violations in no sector count "
            "only in the whole-line figures.</p>" + _table(m, "sector", "chainage", rows)
        )
    if line.bands:
        bands = sorted(line.bands.items(), key=lambda item: item[1])
        rows = [(n, f"|offset| ≤ {fmt.distance(half)}") for n, half in bands]
        parts.append(
            '<h3 id="bands">By withdrawal band</h3>'
            "<p>The headline figures over the violations of each band of "
            "<code>line.bands</code>: the narrowest band holding the violation's distance "
            "from the line.</p>" + _table(m, "band", "distance from the line", rows)
        )
    return "".join(parts)
