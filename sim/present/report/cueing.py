"""The report's tip-and-cue section: what became of the cues, from metrics.json.

Only for a scenario with ``cueing``. One row per ``cueing.*`` figure in plain words
(docs/results.md, "Cueing"), with its share of the cues (or of the cues sent) where
that reads better, the hours flown on cues as a share of the responder fleets' flight
hours, and what the run says about verification with cueing. A run measures
verification *with* its cueing only: the share of verified violations that needed a
responder's report is measured (``cueing.verified_by_cue``), verification without
cueing is not (the responders would have stayed on patrol), so the section points to
``ceasefire-sim compare`` of a run without ``cueing`` for that, and prints no number
for it.
"""

from __future__ import annotations

import math
from typing import Any

from sim.present import format as fmt
from sim.present.report.html import esc, metric_cell
from sim.spec.scenario import Scenario

#: (metric, what it counts in plain words, the metric its share is of, or None).
ROWS = (
    ("cueing.cues", "Cues raised (violations first reported by a cueing group)", None),
    ("cueing.sent", "A responder sent to the point", "cueing.cues"),
    ("cueing.served", "Arrived while the violation was still on", "cueing.sent"),
    ("cueing.too_late", "Arrived after it had ended (too late)", "cueing.sent"),
    ("cueing.dropped", "Never sent (no responder in time: dropped)", "cueing.cues"),
    ("cueing.queued", "Waited for a free responder (queued)", "cueing.cues"),
    ("cueing.lost", "Responders lost while answering a cue", "cueing.sent"),
)
OF = {"cueing.cues": "of cues", "cueing.sent": "of sent"}


def _share(m: dict[str, Any], key: str, of: str | None) -> str:
    """``key`` as a share of ``of`` ('69.8 % of sent'), '' without one or when it is 0."""
    if of is None:
        return ""
    value, whole = m.get(key), m.get(of)
    if value is None or whole is None or fmt.is_missing(value) or not whole:
        return ""
    return f"{fmt.percent(float(value) / float(whole))} {OF[of]}"


def _hours_share(scenario: Scenario, m: dict[str, Any]) -> str:
    """Hours on cues as a share of the responder fleets' flight hours ('' if unknown)."""
    fleets = sorted({name for rule in scenario.cueing for name in rule.responders})
    hours = [m.get(f"assets.{name}.flight_hours") for name in fleets]
    spent = m.get("cueing.responder_hours")
    if spent is None or fmt.is_missing(spent) or any(fmt.is_missing(h) for h in hours):
        return ""
    total = math.fsum(float(h) for h in hours if h is not None)
    if total <= 0:
        return ""
    return f"{fmt.percent(float(spent) / total)} of the responder fleets' flight hours"


def _either(names: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _rules(scenario: Scenario) -> str:
    """The cueing rules in one sentence each."""
    items = []
    for rule in scenario.cueing:
        reach = "any distance" if rule.max_distance is None else fmt.distance(rule.max_distance)
        glimpse = "" if rule.glimpse is None else f", a look every {fmt.duration(rule.glimpse)}"
        items.append(
            f"<li>Reports from {esc(_either(rule.from_))} send the nearest available drone of "
            f"{esc(_either(rule.responders))} within {esc(reach)} to loiter "
            f"{esc(fmt.duration(rule.loiter))}{esc(glimpse)}.</li>"
        )
    return f"<ul>{''.join(items)}</ul>"


def cueing_section(scenario: Scenario, m: dict[str, Any]) -> str:
    """The whole ``<section id="cueing">``, or '' for a run without ``cueing``."""
    if not scenario.cueing or "cueing.cues" not in m:
        return ""
    rows = [
        f"<tr><th>{esc(label)}</th>"
        + metric_cell(m, key, fmt.metric(key, m.get(key)), cls="num")
        + f"<td>{esc(_share(m, key, of))}</td></tr>"
        for key, label, of in ROWS
    ]
    key = "cueing.responder_hours"
    rows.append(
        "<tr><th>Hours flown on cues (out, loiter, back)</th>"
        + metric_cell(m, key, fmt.metric(key, m.get(key)), cls="num")
        + f"<td>{esc(_hours_share(scenario, m))}</td></tr>"
    )
    key = "cueing.verified_by_cue"
    rows.append(
        "<tr><th>Verified violations that needed a responder's report</th>"
        + metric_cell(m, key, fmt.metric(key, m.get(key)), cls="num")
        + "<td>of verified</td></tr>"
    )
    table = (
        '<table><thead><tr><th>cues</th><th class="num">value</th><th>share</th></tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )
    verified = fmt.interval_of(m, "verified.probability")
    latency = fmt.duration(m.get("verification_latency.median_s"))
    by_cue = fmt.percent(m.get("cueing.verified_by_cue"))
    text = (
        f"<p>With this cueing, {esc(verified)} of all violations were verified (median "
        f"{esc(latency)} from the start). Of the verified ones, {esc(by_cue)} needed a cued "
        "responder's report: without those reports they would have been verified later or "
        "never. A run with cueing does not measure verification without it (the responders "
        "would have stayed on their patrols, where they see other violations): run the "
        "scenario without <code>cueing</code> and compare the two folders "
        "(<code>ceasefire-sim compare</code>).</p>"
    )
    return (
        '<section id="cueing"><h2>Tip-and-cue</h2>'
        "<p>A report from a cueing group sends a drone to look at the violation's point "
        "(docs/model.md, section 22); its station is uncovered meanwhile. The rules:</p>"
        + _rules(scenario)
        + table
        + text
        + "</section>"
    )
