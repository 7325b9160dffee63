"""The ``violations.adversary`` key: a side that places some violations where it is least seen.

With ``awareness`` a, each violation is *aware* with probability a. An aware violation
keeps its type and duration but moves to the safest of ``candidates`` alternative
places and start times drawn from the violation process itself, chosen with
probability proportional to its chance of escaping the monitoring the adversary
``knows`` of (``sim.world.adversary``; docs/model.md, "The adversary").
``naive_baseline`` also runs the naive counterpart, the same seed without the side,
so one run reports both (``sim.measure.exposure``).
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field, field_validator

from sim.spec.field_types import Spec

Knowable = Literal["schedule", "daylight", "clouds", "coverage"]
KNOWABLE: tuple[Knowable, ...] = get_args(Knowable)


class AdversarySpec(Spec):
    """How much the violating side knows of the monitoring, and how often it uses it."""

    awareness: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        0.0, description="Share of violations placed where the known monitoring is weakest."
    )
    knows: list[Knowable] = Field(
        default_factory=lambda: list(KNOWABLE),
        json_schema_extra={"default": list(KNOWABLE)},
        description="What it knows: 'schedule' (satellite images), 'daylight', 'clouds', "
        "'coverage' (drone patrols and ground sensors as planned).",
    )
    candidates: Annotated[int, Field(ge=1, le=256, strict=True)] = Field(
        32, description="Alternative places and times an aware violation chooses among."
    )
    naive_baseline: Annotated[bool, Field(strict=True)] = Field(
        True,
        description="With awareness > 0, also run the naive side (the same seed, no "
        "adversary) and report its figures (naive.*) and the gap (exposure.*).",
    )

    @field_validator("knows")
    @classmethod
    def _distinct(cls, value: list[Knowable]) -> list[Knowable]:
        seen = [k for k in KNOWABLE if k in value]
        if len(seen) != len(value):
            raise ValueError(f"each of {', '.join(KNOWABLE)} at most once; got {value}")
        return seen
