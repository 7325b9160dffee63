"""The scenario's sky: daylight and clouds (``environment``), every quantity in SI units.

Without an ``environment`` key a scenario keeps the idealised sky (every sensor sees
day and night, no cloud), so older scenarios give the same numbers. With one, daylight
is on by default (optical sensors see only while the sun is above
``daylight.min_sun_elevation``) and clouds are on when ``clouds`` states their
statistics. The models are here; sim.world.sun and sim.world.clouds compute them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import Field, model_validator

from sim.core.distributions import Distribution
from sim.spec.field_types import (
    Coordinate,
    Distance,
    Duration,
    DurationDist,
    FieldProblem,
    Name,
    Rate,
    Spec,
)

MONTHS = 12


class DaylightSpec(Spec):
    """When optical sensors can see: the sun above a threshold at the point."""

    min_sun_elevation: Annotated[float, Field(ge=-18.0, le=30.0)] = Field(
        -6.0,
        description="Degrees, geometric sun elevation at the point (-6: civil twilight).",
    )


class CloudsSpec(Spec):
    """A clear / overcast sky per region of the line (a two-state Markov process).

    Give either the mean spell lengths ``clear`` and ``overcast``, or ``monthly``
    clear-sky fractions (January first) with one mean ``spell`` length.
    """

    cell: Annotated[Distance, Field(gt=0)] | None = Field(
        None, description="Length of a cloud region along the line, m (default: one region)."
    )
    clear: Annotated[Duration, Field(gt=0)] | None = Field(None, description="Mean clear spell, s.")
    overcast: Annotated[Duration, Field(gt=0)] | None = Field(
        None, description="Mean overcast spell, s."
    )
    monthly: list[Annotated[float, Field(gt=0.0, lt=1.0)]] | None = Field(
        None,
        min_length=MONTHS,
        max_length=MONTHS,
        description="Clear-sky fraction of each month, January first (12 values in (0, 1)).",
    )
    spell: Annotated[Duration, Field(gt=0)] | None = Field(
        None, description="Mean spell length with monthly fractions, s."
    )
    drone_factor: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        1.0,
        description="Factor on the pd of a drone whose modality clouds block, under overcast "
        "(1: below the cloud base).",
    )
    blocks: dict[Name, bool] = Field(
        default_factory=dict,
        description="Per modality, whether overcast blocks it (default: eo, optical, camera, "
        "infrared, ir, eoir and thermal are blocked; sar, radar, acoustic, seismic are not; "
        "other modalities as their need of daylight).",
    )

    @model_validator(mode="after")
    def _one_form(self) -> CloudsSpec:
        spells = (self.clear is not None, self.overcast is not None)
        monthly = (self.monthly is not None, self.spell is not None)
        if any(spells) and any(monthly):
            raise ValueError("give either clear and overcast, or monthly and spell, not both")
        if any(spells) and not all(spells):
            missing = "overcast" if self.overcast is None else "clear"
            raise FieldProblem((missing,), f"clear and overcast go together; give {missing}")
        if any(monthly) and not all(monthly):
            missing = "spell" if self.spell is None else "monthly"
            raise FieldProblem((missing,), f"monthly and spell go together; give {missing}")
        if not any(spells) and not any(monthly):
            raise ValueError("give clear and overcast (mean spells), or monthly and spell")
        return self


class JammingBandSpec(Spec):
    """A jammed band along the line: signed offsets (m, + left) and an optional chainage span."""

    from_line: Distance = Field(description="Signed offset of one edge of the band, m (+ left).")
    to_line: Distance = Field(description="Signed offset of the other edge, m (+ left).")
    span: tuple[Distance, Distance] | None = Field(
        None, description="Chainage range [from, to] the band covers, m (default: the whole line)."
    )

    @model_validator(mode="after")
    def _widths(self) -> JammingBandSpec:
        if self.from_line == self.to_line:
            raise FieldProblem(("to_line",), "the band has no width: from_line equals to_line")
        if self.span is not None and not self.span[0] < self.span[1]:
            raise FieldProblem(("span",), "expected [from, to] with from < to")
        return self


class JammingSpec(Spec):
    """An area where drones are jammed: pd cut, losses raised, reports delayed."""

    name: Name = Field(description="The area's name (for the map).")
    area: Annotated[list[Coordinate], Field(min_length=3)] | None = Field(
        None,
        description="Polygon vertices, [lon, lat] (line.crs lonlat) or [x, y] m (local).",
    )
    band: JammingBandSpec | None = Field(None, description="A band along the line instead.")
    pd_factor: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        1.0, description="Factor on a drone's pd for a look at a violation inside the area."
    )
    loss_rate: Annotated[Rate, Field(ge=0)] = Field(
        0.0, description="Loss hazard added per second a drone flies inside the area."
    )
    report_delay: DurationDist = Field(
        Distribution("fixed", 0.0),
        description="Delay added to the report of a drone's detection inside the area, s.",
    )
    active: list[tuple[Duration, Duration]] | None = Field(
        None, description="Time windows [from, to] (s from the start) it is on (default: always)."
    )

    @model_validator(mode="after")
    def _one_shape(self) -> JammingSpec:
        if (self.area is None) == (self.band is None):
            raise ValueError("give either area (a polygon) or band, not both")
        for k, (lo, hi) in enumerate(self.active or ()):
            if not 0 <= lo < hi:
                raise FieldProblem(("active", k), "expected [from, to] with 0 <= from < to")
        return self


class EnvironmentSpec(Spec):
    """The sky the sensors look through, and where drones are jammed."""

    daylight: DaylightSpec | None = Field(
        default_factory=DaylightSpec,
        description="Daylight for optical sensors (null: they see day and night).",
    )
    clouds: CloudsSpec | None = Field(None, description="Clouds (absent: a clear sky).")
    needs_daylight: dict[Name, bool] = Field(
        default_factory=dict,
        description="Per modality, whether it needs daylight (default: eo, optical and "
        "camera do; infrared, sar, radar, acoustic, seismic and others do not).",
    )
    jamming: list[JammingSpec] = Field(
        default_factory=list,
        description="Areas where drones are jammed (default: none).",
    )

    @model_validator(mode="after")
    def _jamming_names(self) -> EnvironmentSpec:
        seen: set[str] = set()
        for k, area in enumerate(self.jamming):
            if area.name in seen:
                raise FieldProblem(
                    ("jamming", k, "name"),
                    f"jamming area names must be unique; '{area.name}' repeats",
                )
            seen.add(area.name)
        return self


# Modalities that see by reflected sunlight; `environment.needs_daylight` overrides
# them per modality. Unknown modalities do not need daylight.
NEEDS_DAYLIGHT: Mapping[str, bool] = {
    "eo": True,
    "optical": True,
    "camera": True,
    "infrared": False,
    "ir": False,
    "sar": False,
    "radar": False,
    "acoustic": False,
    "seismic": False,
}


# Modalities an overcast sky blocks from above (visible and thermal light do not pass a
# cloud deck; microwaves, sound and ground vibration do); `environment.clouds.blocks`
# overrides them. Unknown modalities: blocked when they need daylight.
BLOCKED_BY_CLOUDS: Mapping[str, bool] = {
    "eo": True,
    "optical": True,
    "camera": True,
    "infrared": True,
    "ir": True,
    "eoir": True,
    "thermal": True,
    "sar": False,
    "radar": False,
    "acoustic": False,
    "seismic": False,
}


def _lookup(modality: str, overrides: Mapping[str, bool] | None) -> bool | None:
    """The case-insensitive entry for ``modality`` in ``overrides``, or None."""
    key = modality.strip().lower()
    if overrides is not None:
        lowered = {k.strip().lower(): bool(v) for k, v in overrides.items()}
        if key in lowered:
            return lowered[key]
    return None


def needs_daylight(modality: str, overrides: Mapping[str, bool] | None = None) -> bool:
    """Whether a sensor of this modality detects only by daylight.

    Looks up ``overrides`` (e.g. the scenario's per-modality flags) first, then
    :data:`NEEDS_DAYLIGHT`; case-insensitive; unknown modalities: False.
    """
    found = _lookup(modality, overrides)
    if found is not None:
        return found
    return NEEDS_DAYLIGHT.get(modality.strip().lower(), False)


def blocked_by_clouds(
    modality: str,
    overrides: Mapping[str, bool] | None = None,
    daylight: Mapping[str, bool] | None = None,
) -> bool:
    """Whether overcast blocks a sensor of this modality looking down through it.

    ``overrides`` (the scenario's ``clouds.blocks``) first, then
    :data:`BLOCKED_BY_CLOUDS`; an unknown modality is blocked when it needs daylight
    (``daylight``: the scenario's ``needs_daylight`` flags).
    """
    found = _lookup(modality, overrides)
    if found is not None:
        return found
    key = modality.strip().lower()
    if key in BLOCKED_BY_CLOUDS:
        return BLOCKED_BY_CLOUDS[key]
    return needs_daylight(modality, daylight)
