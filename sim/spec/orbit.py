"""The ``satellites[].orbit`` key: a satellite on a real orbit instead of a ``schedule``.

Four forms, exactly one per orbit (``sim.world.orbits`` turns each into SGP4 records):

- ``sun_synchronous: {altitude, local_time, phase}``: a circular sun-synchronous orbit
  (inclination from the altitude, node from the local time of the descending node and
  the scenario ``start``);
- ``elements: {altitude | semi_major_axis, eccentricity, inclination, raan,
  arg_perigee, mean_anomaly, epoch}``: classical mean elements (angles in degrees);
- ``walker: {total, planes, phasing, altitude, inclination}``: a Walker delta
  constellation, one asset per satellite;
- ``tle: FILE``: two- or three-line element sets, one asset per set. The loader reads
  the file (relative to the scenario) and the resolved scenario holds its lines, so a
  results folder replays without the file.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from sgp4.api import WGS72, Satrec

from sim.spec.field_types import Distance, FieldProblem, Spec

LOWEST_ALTITUDE = 150e3  # m: below this a satellite decays within days
HIGHEST_ALTITUDE = 40_000e3  # m: beyond geostationary

Altitude = Annotated[Distance, Field(ge=LOWEST_ALTITUDE, le=HIGHEST_ALTITUDE)]
Degrees = Annotated[float, Field(ge=-360.0, le=360.0, allow_inf_nan=False)]
_LOCAL_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class SunSynchronousSpec(Spec):
    """A circular sun-synchronous orbit."""

    altitude: Altitude = Field(description="Mean altitude above the equator, m (e.g. '786km').")
    local_time: str = Field(
        description="Local mean solar time of the descending node, 'HH:MM' (e.g. '10:30')."
    )
    phase: Degrees = Field(
        0.0, description="Argument of latitude at the scenario start, deg from the ascending node."
    )

    @field_validator("local_time", mode="before")
    @classmethod
    def _hh_mm(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            # YAML 1.1 reads an unquoted 10:30 as the sexagesimal 630
            value = f"{value // 60:02d}:{value % 60:02d}"
        if not isinstance(value, str) or not _LOCAL_TIME.match(value.strip()):
            raise ValueError(f"expected a local time 'HH:MM' such as '10:30'; got {value!r}")
        return value.strip()


class ElementsSpec(Spec):
    """Classical mean elements (SGP4's Brouwer mean elements, WGS72)."""

    altitude: Altitude | None = Field(None, description="a - Re, m (or semi_major_axis).")
    semi_major_axis: Annotated[Distance, Field(gt=6_378_135.0)] | None = Field(
        None, description="m (or altitude)."
    )
    eccentricity: Annotated[float, Field(ge=0.0, lt=0.9)] = 0.0
    inclination: Annotated[float, Field(ge=0.0, le=180.0)] = Field(description="deg.")
    raan: Degrees = Field(0.0, description="Right ascension of the ascending node, deg.")
    arg_perigee: Degrees = Field(0.0, description="Argument of perigee, deg.")
    mean_anomaly: Degrees = Field(0.0, description="deg, at the epoch.")
    epoch: dt.datetime | None = Field(None, description="UTC epoch (default: the start).")

    @field_validator("epoch")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=dt.timezone.utc)

    @model_validator(mode="after")
    def _one_size(self) -> ElementsSpec:
        if (self.altitude is None) == (self.semi_major_axis is None):
            raise ValueError("give exactly one of 'altitude' or 'semi_major_axis'")
        a = self.semi_major_axis or 6_378_135.0 + (self.altitude or 0.0)
        if a * (1.0 - self.eccentricity) < 6_378_135.0 + LOWEST_ALTITUDE:
            raise ValueError(
                f"the perigee is {(a * (1 - self.eccentricity) - 6_378_135.0) / 1e3:.0f} km "
                f"above the equator; expected at least {LOWEST_ALTITUDE / 1e3:.0f} km"
            )
        return self


class WalkerSpec(Spec):
    """A Walker delta constellation inclination: total/planes/phasing."""

    total: Annotated[int, Field(ge=1, le=1000, strict=True)]
    planes: Annotated[int, Field(ge=1, strict=True)]
    phasing: Annotated[int, Field(ge=0, strict=True)] = 0
    altitude: Altitude
    inclination: Annotated[float, Field(ge=0.0, le=180.0)] = Field(description="deg.")

    @model_validator(mode="after")
    def _divides(self) -> WalkerSpec:
        if self.total % self.planes:
            raise FieldProblem(
                ("planes",), f"{self.planes} planes do not divide {self.total} satellites"
            )
        if self.phasing >= self.planes:
            raise FieldProblem(
                ("phasing",), f"expected a phasing in 0..{self.planes - 1}; got {self.phasing}"
            )
        return self


def element_sets(lines: list[str]) -> list[tuple[str, str]]:
    """The (line 1, line 2) pairs of two- or three-line element sets, names dropped."""
    rows = [ln.rstrip() for ln in lines if ln.strip()]
    return [
        (a, b)
        for a, b in zip(rows, rows[1:], strict=False)
        if a.startswith("1 ") and b.startswith("2 ")
    ]


class OrbitSpec(Spec):
    """One of four ways to state an orbit."""

    sun_synchronous: SunSynchronousSpec | None = None
    elements: ElementsSpec | None = None
    walker: WalkerSpec | None = None
    tle: list[str] | None = Field(
        None,
        description="A TLE file (two- or three-line element sets), relative to the scenario; "
        "the resolved scenario holds its lines.",
    )

    @field_validator("tle", mode="before")
    @classmethod
    def _lines(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError(
                f"expected a TLE file read by the scenario loader; got the text {value!r}"
            )
        return value

    @field_validator("tle")
    @classmethod
    def _sets(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return value
        sets = element_sets(value)
        if not sets:
            raise ValueError("no two-line element set (a line '1 ...' then a line '2 ...')")
        for one, two in sets:
            sat = Satrec.twoline2rv(one, two, WGS72)
            if sat.error:
                raise ValueError(f"element set {one[2:7].strip()}: SGP4 error {sat.error}")
        return [ln.rstrip() for ln in value if ln.strip()]

    @model_validator(mode="after")
    def _one_form(self) -> OrbitSpec:
        given = [k for k in ("sun_synchronous", "elements", "walker", "tle") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'sun_synchronous', 'elements', 'walker' or 'tle'"
                + (f"; got {', '.join(given)}" if given else "")
            )
        return self

    @property
    def count(self) -> int:
        """The number of satellites (assets) this orbit entry makes."""
        if self.walker is not None:
            return self.walker.total
        if self.tle is not None:
            return len(element_sets(self.tle))
        return 1

    def epochs(self) -> list[dt.datetime]:
        """The epoch of each TLE element set (UTC); empty for the other forms."""
        if self.tle is None:
            return []
        out = []
        for one, two in element_sets(self.tle):
            sat = Satrec.twoline2rv(one, two, WGS72)
            days = sat.jdsatepoch + sat.jdsatepochF - 2440587.5  # Julian date -> Unix days
            out.append(dt.datetime.fromtimestamp(days * 86400.0, tz=dt.timezone.utc))
        return out

    def periods(self) -> list[float]:
        """Each satellite's Keplerian period, s (for the work estimates)."""
        mu, re_m = 398600.8e9, 6_378_135.0  # WGS72
        if self.tle is not None:
            # mean motion, revolutions per day, columns 53-63 of line 2
            return [86400.0 / float(two[52:63]) for _, two in element_sets(self.tle)]
        form = self.sun_synchronous or self.walker or self.elements
        assert form is not None
        a = getattr(form, "semi_major_axis", None) or re_m + (form.altitude or 0.0)
        return [2.0 * math.pi * math.sqrt(a**3 / mu)] * self.count

    def to_data(self) -> dict[str, Any]:
        """The one form given, as plain data."""
        return self.model_dump(mode="json", exclude_none=True)
