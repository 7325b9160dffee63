"""The report's exposure table: the naive and the adapted side side by side, and the gap.

Only for a run against an adapting side with its naive counterpart
(``violations.adversary.naive_baseline``): metrics.json holds the counterpart's
figures under ``naive.`` and the gaps ``exposure.detection`` and
``exposure.verified`` (``sim.measure.exposure``). One row per figure kept: detected
and verified (with 95 % Wilson intervals), per asset class, per sector and band, and
the median latencies; the gap is naive minus adapted.
"""

from __future__ import annotations

from typing import Any

from sim.measure.exposure import GAPS, NAIVE
from sim.present import format as fmt
from sim.present.report import counterpart
from sim.present.report.html import esc
from sim.schema import HIGH95, LOW95
from sim.spec.scenario import Scenario

CLASS_WORDS = {"drone": "drones", "ground": "ground sensors", "satellite": "satellites"}
HEADLINE = {
    "detection.probability": "Detected",
    "latency.median_s": "Detection latency, median",
    "verified.probability": "Verified",
    "verification_latency.median_s": "Verification latency, median",
}
GAP_OF = {key: gap for gap, key in GAPS.items()}


def _label(key: str) -> str:
    if key in HEADLINE:
        return HEADLINE[key]
    if key.startswith("detection.by_class."):
        cls = key.removeprefix("detection.by_class.")
        return f"Detected by {CLASS_WORDS.get(cls, cls)}"
    kind, _, rest = key.partition(".")
    for suffix, what in (
        (".detection.probability", "detected"),
        (".verified.probability", "verified"),
    ):
        if rest.endswith(suffix):
            return f"{kind.capitalize()} {rest.removesuffix(suffix)}: {what}"
    return key


def _order(key: str) -> int:
    """Headline figures first (in ``HEADLINE`` order), then asset classes, sectors, bands."""
    if key in HEADLINE:
        return list(HEADLINE).index(key)
    return len(HEADLINE) + (0 if key.startswith("detection.by_class.") else 1)


def _meaning(m: dict[str, Any]) -> str:
    """One plain sentence on what the gap means."""
    if fmt.is_missing(m.get("exposure.detection")):
        return "No violations in this run: the gap is undefined."
    detection, verified = float(m["exposure.detection"]), m.get("exposure.verified")
    if detection < 0:
        return (
            f"Here the adapted side is detected more often than the naive one "
            f"({fmt.percent(-detection, signed=True)}): no exposure shows beyond the "
            "chance variation of the run (compare the intervals)."
        )
    return (
        f"The gap is the mechanism's exposure: {fmt.percent(detection)} of all violations "
        f"are detected, and {fmt.percent(verified)} verified, only because the violating "
        "side does not use what it knows of the monitoring."
    )


def figure_keys(m: dict[str, Any]) -> list[str]:
    """The run's keys that have a naive counterpart in ``m``, in table order.

    A figure undefined on both sides (a band no violation fell in) has no row.
    """
    keys = [
        k.removeprefix(NAIVE)
        for k in m
        if k.startswith(NAIVE)
        and not k.endswith((LOW95, HIGH95))
        and not (fmt.is_missing(m[k]) and fmt.is_missing(m.get(k.removeprefix(NAIVE))))
    ]
    return sorted(keys, key=_order)  # stable: metrics.json order within a group


def exposure_section(scenario: Scenario, m: dict[str, Any]) -> str:
    """The section comparing the naive and the adapted side, or '' without naive figures."""
    keys = figure_keys(m)
    if not keys:
        return ""
    rows = counterpart.rows(
        m,
        keys,
        NAIVE,
        _label,
        lambda k: counterpart.difference_cell(m, k, GAP_OF.get(k), NAIVE + k, k),
    )
    side = scenario.violations.adversary
    who = ""
    if side is not None:
        knows = ", ".join(side.knows) if side.knows else "nothing"
        who = (
            f" On the adapted side {fmt.percent(side.awareness)} of the violations are placed "
            f"where the monitoring it knows of ({knows}) is weakest."
        )
    sentence = _meaning(m)
    return (
        '<section id="exposure"><h2>Naive and adapted adversary</h2>'
        "<p>The same scenario and seed run twice: against a naive side (no "
        "<code>violations.adversary</code>) and against the adapted one of this run "
        f"(docs/model.md section 21).{esc(who)}</p>"
        f"<p>{esc(sentence)}</p>"
        "<table><thead><tr><th>figure</th><th>naive side (95 % interval)</th>"
        '<th>adapted side (95 % interval)</th><th class="num">gap (naive − adapted)</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></section>"
    )
