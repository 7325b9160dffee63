"""The report's tip-and-cue section: what became of the cues, from metrics.json.

Only for a scenario with ``cueing``. One row per ``cueing.*`` figure in plain words
(docs/results.md, "Cueing"), with its share of the cues (or of the cues sent) where
that reads better, the hours flown on cues as a share of the responder fleets' flight
hours, and the share of verified violations that needed a responder's report. With
the uncued counterpart (``cueing_baseline``, the default: ``sim.measure.uncued``), a
second table sets detection, verification and the median time to verification with
and without cueing side by side (each sector's verification too), with the gains
(``cueing.verified_gain``, ``cueing.verification_latency_gain_s``); without it the
section says how to measure them.
"""

from __future__ import annotations

import math
from typing import Any

from sim.measure.uncued import LATENCY_GAIN, UNCUED, VERIFIED_GAIN
from sim.present import format as fmt
from sim.present.report import counterpart
from sim.present.report.html import esc, metric_cell
from sim.schema import HIGH95, LOW95
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
    return (
        '<section id="cueing"><h2>Tip-and-cue</h2>'
        "<p>A report from a cueing group sends a drone to look at the violation's point "
        "(docs/model.md, section 22); its station is uncovered meanwhile. The rules:</p>"
        + _rules(scenario)
        + table
        + _with_and_without(m)
        + "</section>"
    )


#: the figures compared with and without cueing, in table order, and their gain key
COMPARED = {
    "detection.probability": ("Detected", None),
    "verified.probability": ("Verified", VERIFIED_GAIN),
    "verification_latency.median_s": ("Time to verification, median", LATENCY_GAIN),
}


def _compared_keys(m: dict[str, Any]) -> list[str]:
    """The run's keys with an uncued figure in ``m``: the headline ones, then the sectors'."""
    own = [
        k.removeprefix(UNCUED)
        for k in m
        if k.startswith(UNCUED) and not k.endswith((LOW95, HIGH95))
    ]
    return [k for k in COMPARED if k in own] + [k for k in own if k not in COMPARED]


def _label(key: str) -> str:
    if key in COMPARED:
        return COMPARED[key][0]
    return f"Sector {key.removeprefix('sector.').removesuffix('.verified.probability')}: verified"


def _with_and_without(m: dict[str, Any]) -> str:
    """Verification with and without cueing, side by side, and what the run says of it."""
    verified = fmt.interval_of(m, "verified.probability")
    latency = fmt.duration(m.get("verification_latency.median_s"))
    by_cue = fmt.percent(m.get("cueing.verified_by_cue"))
    with_cueing = (
        f"With this cueing, {esc(verified)} of all violations were verified (median "
        f"{esc(latency)} from the start). Of the verified ones, {esc(by_cue)} needed a cued "
        "responder's report."
    )
    if VERIFIED_GAIN not in m:
        return (
            f"<p>{with_cueing} The uncued counterpart was not run "
            "(<code>cueing_baseline: false</code>): to measure verification without "
            "cueing, run the scenario without <code>cueing</code> and compare the two "
            "folders (<code>ceasefire-sim compare</code>).</p>"
        )
    rows = counterpart.rows(
        m,
        _compared_keys(m),
        UNCUED,
        _label,
        lambda k: counterpart.difference_cell(
            m, k, COMPARED.get(k, (None, None))[1], k, UNCUED + k
        ),
    )
    without = fmt.interval_of(m, UNCUED + "verified.probability")
    slower = fmt.duration(m.get(UNCUED + "verification_latency.median_s"))
    gain = fmt.percent(m.get(VERIFIED_GAIN), signed=True)
    saved = fmt.duration(m.get(LATENCY_GAIN), signed=True)
    return (
        f"<p>{with_cueing} Without cueing (the same scenario and seed, the responders "
        f"left on their patrols: docs/model.md section 22), {esc(without)} were verified "
        f"(median {esc(slower)}). Cueing changes the share verified by {esc(gain)} and the "
        f"median time to verification by {esc(saved)} (without minus with: positive is "
        "sooner with cueing); compare the intervals for the chance variation of the "
        "run.</p>"
        "<table><thead><tr><th>figure</th><th>without cueing (95 % interval)</th>"
        '<th>with cueing (95 % interval)</th><th class="num">gain from cueing</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )
