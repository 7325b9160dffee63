"""What each figure is called and how to read it: the captions of the reports.

Plain text, kept apart from the drawing code so that a report names and explains
its figures without importing matplotlib. Reading aids say what a mark *means*
(missed, detected, patrol) and leave colours to the figure's legend, so a change of
palette cannot make them false. docs/model.md quotes the run figures' aids word for
word (tests/test_docs.py checks it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Caption:
    """A figure's title for people and its one-line reading aid."""

    title: str
    aid: str


#: The figures of a run (``sim.present.figures.run.PLOTS``), in report order.
RUN_FIGURES = {
    "map": Caption(
        "Map",
        "Crosses are missed violations, dots detected ones (colours and counts in the "
        "legend); clusters of crosses away from the drone patrols and ground sensors show "
        "where assets are missing.",
    ),
    "spacetime": Caption(
        "Space-time diagram",
        "Shade grows with the share of each bin watched (the key tells drones, ground "
        "sensors and both apart); crosses (missed violations) on white were missed for lack "
        "of coverage, crosses on colour were watched but not detected.",
    ),
    "coverage_map": Caption(
        "Coverage map",
        "Dark cells are watched least of the time; a dark band along the line is a hole "
        "in the patrol or sensor plan.",
    ),
    "revisit_map": Caption(
        "Revisit map",
        "Dark cells wait longest between looks; a violation shorter than that gap there "
        "can go unseen.",
    ),
    "coverage_time": Caption(
        "Coverage over time",
        "Dips show when the line was least watched (sortie changes, losses, sensor "
        "failures); the mean is the line's time-averaged coverage.",
    ),
    "detection_along_line": Caption(
        "Detection along the line",
        "Bins well below the dashed whole-line value are weak stretches; wide bars mean "
        "few violations there, so read them with care.",
    ),
    "latency_cdf": Caption(
        "Detection latency by first detector",
        "The further left a curve rises, the faster that asset class detects; the dashed "
        "curve is every detected violation.",
    ),
    "report_latency_cdf": Caption(
        "Detected, reported and verified by time since start",
        "The gap between the dashed detected curve and the reported curve is reporting "
        "delay; each curve tops out at the fraction of all violations detected, reported "
        "or verified.",
    ),
    "revisit_by_latitude": Caption(
        "Satellite revisit by latitude",
        "Points are the mean time between satellite images over each latitude band's zone "
        "cells, bars its range across them, the dashed curve images per day (right axis); "
        "a band whose revisit is longer than a violation lasts is where satellites miss it.",
    ),
    "sectors": Caption(
        "Detection and verification by sector",
        "A sector whose bars sit well below the others, with intervals that do not overlap "
        "theirs, is watched less well; wide intervals mean few violations there.",
    ),
    "by_hour": Caption(
        "Detection and verification by hour of day",
        "Hours (local solar time of the start) whose points sit low are when violations "
        "escape, night for optical assets; the bars count the violations started in each "
        "hour.",
    ),
}

#: The figures of a comparison of runs (``sim.present.figures.compare``).
COMPARE_FIGURES = {
    "latency_cdf": Caption(
        "Detection and report latency, one colour per run",
        "One colour per run: the curve further left detects (solid) or reports (dashed) "
        "faster; a curve that levels off lower leaves more violations undetected.",
    ),
    "detection_along_line": Caption(
        "Detection along the line",
        "Where the bands of two runs do not overlap along the line, the plans really differ "
        "there; overlapping bands may be sampling noise.",
    ),
    "coverage_maps": Caption(
        "Coverage maps",
        "Panels share one colour scale: compare the same place across runs; darker cells "
        "are watched less of the time.",
    ),
    "coverage_difference": Caption(
        "Coverage difference",
        "Run 2 minus run 1: one colour gains coverage, the other loses it; near-white cells "
        "changed little.",
    ),
}

#: The figures of a sweep besides one per metric (``sim.present.figures.sweep``).
SWEEP_AIDS = {
    "cost": "Each point's target metric against its cost, with 95 % intervals; the legend "
    "tells the points that meet the target by their conservative bound from those that do "
    "not, and the star is the cheapest of them.",
}


def sweep_metric_aid(metric: str) -> str:
    """The reading aid of a sweep's figure of one metric."""
    return f"{metric} against the swept parameters, with 95 % intervals."


#: The reading aid of each figure of a comparison of sweeps (one per shared metric).
SWEEP_COMPARE_AID = "The metric of each sweep against its first axis, with 95 % bands."
