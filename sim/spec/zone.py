"""The ``line.buffer`` key: the monitored zone, one half-width or a width each side.

``buffer: 10km`` is a zone 10 km either side of the line. ``buffer: {left: 15km,
right: 5km}`` is an asymmetric zone: the points whose signed offset from the line
(+ left, walking from the first point to the last; ``sim.core.geo.Line.locate``) lies
in ``[-right, left]``. One side may be 0 (a zone on one side of the line only), not
both. ``{left: b, right: b}`` is the same zone as ``buffer: b``, result for result.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag, model_validator

from sim.core.geo import Buffer
from sim.spec.field_types import Distance, Spec

# pydantic's labels of the two forms in an error's location (sim.spec.problems drops them)
ONE_WIDTH = "float"
SIDES = "ZoneSidesSpec"


class ZoneSidesSpec(Spec):
    """An asymmetric monitored zone: its width on each side of the line."""

    left: Annotated[Distance, Field(ge=0)] = Field(
        description="Width of the zone left of the line (positive offsets), metres."
    )
    right: Annotated[Distance, Field(ge=0)] = Field(
        description="Width of the zone right of the line (negative offsets), metres."
    )

    @model_validator(mode="after")
    def _some_zone(self) -> ZoneSidesSpec:
        if self.left == 0.0 and self.right == 0.0:
            raise ValueError("expected left or right > 0 (a zone 0 m wide on both sides is none)")
        return self


def _form(value: Any) -> str:
    """Which form ``value`` is written in: a mapping of sides, or one distance."""
    return SIDES if isinstance(value, (dict, ZoneSidesSpec)) else ONE_WIDTH


ZoneBuffer = Annotated[
    Annotated[Annotated[Distance, Field(gt=0)], Tag(ONE_WIDTH)]
    | Annotated[ZoneSidesSpec, Tag(SIDES)],
    Discriminator(_form),
]


def zone_buffer(value: float | ZoneSidesSpec) -> Buffer:
    """``line.buffer`` as ``sim.core.geo.Line`` takes it: one half-width or (left, right)."""
    if isinstance(value, ZoneSidesSpec):
        return (value.left, value.right)
    return float(value)


def zone_sides(value: float | ZoneSidesSpec) -> tuple[float, float]:
    """The zone's (left, right) widths, metres."""
    if isinstance(value, ZoneSidesSpec):
        return value.left, value.right
    return float(value), float(value)
