"""The scenario models: a validated, unit-normalised, immutable ``Scenario`` and its sections.

Every quantity is stored in SI units (metres, seconds, m/s, events per second).
The models hold the schema (the keys, their types and single-field rules); the
geometry and cross-section checks are ``sim.spec.checks``, and reading a file
into a ``Scenario`` is ``sim.spec.load``. docs/scenario-reference.md lists these keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from sim.core.distributions import Distribution
from sim.core.errors import plural
from sim.core.solar_time import HOURS_PER_DAY
from sim.spec.adversary import AdversarySpec
from sim.spec.cueing import CueSpec
from sim.spec.environment import EnvironmentSpec
from sim.spec.field_types import (
    Coordinate,
    Distance,
    DistanceDist,
    Duration,
    DurationDist,
    FieldProblem,
    FileName,
    Name,
    Probability,
    Rate,
    Spec,
    Speed,
)
from sim.spec.orbit import OrbitSpec
from sim.spec.zone import ZoneBuffer, ZoneSidesSpec, zone_sides


def format_path(loc: tuple[Any, ...]) -> str:
    """Turn a location in the scenario's data into a YAML path like ``drones[0].speed``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# --- sections ------------------------------------------------------------------


class LineSpec(Spec):
    """The ceasefire line and the monitored zone around it."""

    points: list[Coordinate] | None = Field(
        None, description="Vertices: [lon, lat] degrees, or [x, y] metres when crs is local."
    )
    file: str | None = Field(
        None, description="GeoJSON LineString, relative to the scenario file (instead of points)."
    )
    crs: Literal["lonlat", "local"] = Field("lonlat", description="Coordinates of points.")
    buffer: ZoneBuffer = Field(
        10_000.0,
        description="Monitored zone each side of the line, metres; or {left, right}: "
        "its width on each side (left = positive offsets).",
    )
    cell: Annotated[Distance, Field(gt=0)] = Field(1_000.0, description="Grid resolution, metres.")
    bands: dict[Name, Annotated[Distance, Field(gt=0)]] | None = Field(
        None,
        description="Withdrawal bands: name -> half-width behind the line, metres "
        "(a violation's band is the narrowest holding its |offset|).",
    )
    sectors: dict[Name, tuple[Distance, Distance]] | None = Field(
        None,
        description="Named chainage ranges [from, to], metres, not overlapping; "
        "metrics are also reported per sector.",
    )

    @field_validator("sectors")
    @classmethod
    def _sectors_ordered(
        cls, value: dict[str, tuple[float, float]] | None
    ) -> dict[str, tuple[float, float]] | None:
        if value is None:
            return None
        for name, (lo, hi) in value.items():
            if not 0 <= lo < hi:
                raise FieldProblem(
                    (name,), f"expected [from, to] with 0 <= from < to; got [{lo:g}, {hi:g}] m"
                )
        spans = sorted(value.items(), key=lambda item: item[1][0])
        for (a, (_, a_hi)), (b, (b_lo, _)) in zip(spans, spans[1:], strict=False):
            if b_lo < a_hi:
                raise FieldProblem(
                    (b,),
                    f"sector '{b}' starts at {b_lo:g} m, inside sector '{a}' "
                    f"(which ends at {a_hi:g} m); sectors must not overlap",
                )
        return value

    @property
    def sides(self) -> tuple[float, float]:
        """The monitored zone's (left, right) widths, metres (equal for one distance)."""
        return zone_sides(self.buffer)

    @property
    def asymmetric(self) -> bool:
        """True when the zone is wider on one side than the other."""
        return isinstance(self.buffer, ZoneSidesSpec) and self.buffer.left != self.buffer.right

    @model_validator(mode="after")
    def _one_source(self) -> LineSpec:
        if (self.points is None) == (self.file is None):
            raise ValueError("give exactly one of 'points' or 'file'")
        if self.points is not None and len(self.points) < 2:
            raise FieldProblem(
                ("points",), f"a line needs at least two points; got {len(self.points)}"
            )
        return self


class HotspotSpec(Spec):
    """A concentration of violations around a chainage."""

    at: Annotated[Distance, Field(ge=0)] = Field(description="Chainage of the centre, metres.")
    spread: Annotated[Distance, Field(gt=0)] = Field(description="Standard deviation, metres.")
    weight: Annotated[float, Field(gt=0)] = 1.0


class AlongSpec(Spec):
    """Where along the line violations happen: hotspots over a uniform background."""

    hotspots: list[HotspotSpec] = Field(min_length=1)
    background: Annotated[float, Field(ge=0)] = Field(
        0.0, description="Weight of the uniform background, against the hotspots' weights."
    )


def check_diurnal(value: list[float] | None) -> list[float] | None:
    """24 hourly weights, each >= 0, not all 0 (None passes)."""
    if value is None:
        return None
    if len(value) != HOURS_PER_DAY:
        raise ValueError(
            f"expected {HOURS_PER_DAY} hourly weights (local solar hours 0..23); got {len(value)}"
        )
    for hour, weight in enumerate(value):
        if not (weight >= 0 and weight < float("inf")):
            raise FieldProblem((hour,), f"expected a finite weight >= 0; got {weight!r}")
    if sum(value) <= 0:
        raise ValueError("expected at least one positive hourly weight; all are 0")
    return value


Diurnal = list[float] | None


class ViolationTypeSpec(Spec):
    """A kind of violation and how visible it is to each sensing modality."""

    weight: Annotated[float, Field(gt=0)] = 1.0
    signature: dict[str, Probability] = Field(
        default_factory=dict,
        description="Factor (0..1) on pd per modality; modalities not named get 1.",
    )
    diurnal: Diurnal = Field(
        None,
        description="24 hourly weights in local mean solar time (default: violations.diurnal, "
        "else flat); normalised to a daily mean of 1.",
    )
    offset: DistanceDist | None = Field(
        None, description="This type's distance from the line, + left (default: violations.offset)."
    )
    band: Name | None = Field(
        None, description="A line.bands name: the type's |offset| stays within its half-width."
    )

    @field_validator("diurnal")
    @classmethod
    def _diurnal(cls, value: list[float] | None) -> list[float] | None:
        return check_diurnal(value)

    def to_data(self) -> dict[str, Any]:
        """Plain data of the keys in use (a type without the new keys as before them)."""
        data = self.model_dump(mode="json")
        for key in ("diurnal", "offset", "band"):
            if data[key] is None:
                del data[key]
        return data


class ViolationsSpec(Spec):
    """Violations: a Poisson process in time over the zone, or a CSV to replay."""

    rate: Annotated[Rate, Field(ge=0)] | None = Field(None, description="Events per second.")
    duration: DurationDist = Field(
        Distribution("fixed", 1800.0), description="How long each violation is active, s."
    )
    along: Literal["uniform"] | AlongSpec = "uniform"
    offset: DistanceDist | None = Field(
        None,
        description="Perpendicular distance from the line, + left of its direction; "
        "default uniform across the zone.",
    )
    types: dict[str, ViolationTypeSpec] = Field(
        default_factory=lambda: {"violation": ViolationTypeSpec()}
    )
    diurnal: Diurnal = Field(
        None,
        description="24 hourly weights in local mean solar time for every type without its "
        "own (default: flat); normalised to a daily mean of 1.",
    )
    file: str | None = Field(None, description="CSV to replay instead of generating.")
    adversary: AdversarySpec | None = Field(
        None, description="A side that places violations where monitoring is weakest."
    )

    @field_validator("diurnal")
    @classmethod
    def _diurnal(cls, value: list[float] | None) -> list[float] | None:
        return check_diurnal(value)

    @model_validator(mode="after")
    def _one_source(self) -> ViolationsSpec:
        if (self.rate is None) == (self.file is None):
            raise ValueError("give exactly one of 'rate' (generate) or 'file' (replay)")
        if self.duration.kind == "fixed" and self.duration.a <= 0:
            raise FieldProblem(
                ("duration",), f"expected a positive duration; got {self.duration.a:g}"
            )
        if not self.types:
            raise ValueError("'types' needs at least one violation type")
        if self.adversary is not None and self.file is not None:
            raise FieldProblem(
                ("adversary",),
                "an adversary places generated violations (rate); a replayed file's "
                "violations happened where they happened",
            )
        if self.file is not None:
            if self.diurnal is not None:
                raise FieldProblem(
                    ("diurnal",), "a replay's times are its file's: 'diurnal' needs 'rate'"
                )
            for name, spec in self.types.items():
                for key in ("diurnal", "offset", "band"):
                    if getattr(spec, key) is not None:
                        raise FieldProblem(
                            ("types", name, key),
                            f"a replay's violations are its file's: '{key}' needs 'rate'",
                        )
        return self

    @property
    def by_type(self) -> bool:
        """Whether violations are drawn type by type (``sim.world.violations.generate_by_type``).

        True when a type has its own diurnal profile, offset or band, or a default profile.
        """
        return self.diurnal is not None or any(
            t.diurnal is not None or t.offset is not None or t.band is not None
            for t in self.types.values()
        )

    @property
    def types_from_file(self) -> bool:
        """True for a replay that declares no types: its types are those its file names."""
        return self.file is not None and "types" not in self.model_fields_set


class SensorSpec(Spec):
    """A definite-range ("cookie-cutter") sensor footprint."""

    range: Annotated[Distance, Field(gt=0)] = Field(description="Ground range, metres.")
    pd: Probability = Field(1.0, description="Probability that one look detects.")
    glimpse: Annotated[Duration, Field(gt=0)] | None = Field(
        None, description="If set, another look every this many seconds while inside."
    )


class PatrolSpec(Spec):
    """How a drone fleet divides its span of the line into stations."""

    stations: Annotated[int, Field(ge=1, strict=True)] | None = Field(
        None, description="Patrol areas kept manned at once (default: count)."
    )
    span: tuple[Distance, Distance] | None = Field(
        None, description="[from, to] chainage the fleet watches (default: the whole line)."
    )
    segments: Literal["equal"] | list[tuple[Distance, Distance]] = "equal"
    standoff: Distance = Field(0.0, description="Fly parallel to the line at this offset, m.")


class BaseAtSpec(Spec):
    """A base given by chainage and offset from the line."""

    at: Annotated[Distance, Field(ge=0)]
    offset: Distance = 0.0


class DroneFleetSpec(Spec):
    """A fleet of drones keeping patrol stations manned."""

    name: Name
    count: Annotated[int, Field(ge=1, strict=True)] = Field(description="Airframes.")
    modality: Name = "eo"
    speed: Annotated[Speed, Field(gt=0)]
    sensor: SensorSpec
    patrol: PatrolSpec = PatrolSpec()
    base: BaseAtSpec | Coordinate | None = Field(
        None, description="Where sorties start and end ({at, offset} or a coordinate)."
    )
    endurance: Annotated[Duration, Field(gt=0)] | None = Field(
        None, description="Flight time per sortie, s (default: unlimited without a base)."
    )
    turnaround: Annotated[Duration, Field(ge=0)] = Field(
        3600.0, description="Ground time after landing, s."
    )
    loss_rate: Annotated[Rate, Field(ge=0)] = Field(0.0, description="Losses per flight second.")
    replacement: Annotated[Duration, Field(ge=0)] = Field(
        86_400.0, description="Delay before a lost airframe is replaced from spares, s."
    )
    spares: Annotated[int, Field(ge=0, strict=True)] = 0
    report_latency: DurationDist = Distribution("fixed", 0.0)
    false_alarm_rate: Annotated[Rate, Field(ge=0)] = Field(
        0.0, description="False alarms per airframe per flight second (e.g. '0.1/h')."
    )

    @model_validator(mode="after")
    def _consistent(self) -> DroneFleetSpec:
        stations = self.patrol.stations or self.count
        if stations > self.count:
            raise FieldProblem(
                ("patrol", "stations"),
                f"{stations} stations need at least {stations} airframes; count is {self.count}",
            )
        if self.patrol.segments != "equal" and len(self.patrol.segments) != stations:
            raise FieldProblem(
                ("patrol", "segments"),
                f"patrol.segments lists {plural(len(self.patrol.segments), 'segment')} "
                f"for {plural(stations, 'station')}",
            )
        if self.base is not None and self.endurance is None:
            raise FieldProblem(("endurance",), "a fleet with a base needs an endurance")
        return self


class GroundGroupSpec(Spec):
    """A group of unattended ground sensors or towers."""

    name: Name
    modality: Name = "seismic"
    spacing: Annotated[Distance, Field(gt=0)] | None = Field(
        None, description="Distance between sensors along the line, m (first at spacing/2)."
    )
    offset: Distance = Field(0.0, description="Offset from the line, m (+ left).")
    span: tuple[Distance, Distance] | None = Field(None, description="[from, to] chainage.")
    positions: Annotated[list[Coordinate], Field(min_length=1)] | None = Field(
        None, description="Explicit positions ([lon, lat], or [x, y] m with crs local)."
    )
    sensor: SensorSpec
    mtbf: Annotated[Duration, Field(gt=0)] | None = Field(
        None, description="Mean time between failures, s (default: never fails)."
    )
    mttr: Annotated[Duration, Field(gt=0)] = Field(86_400.0, description="Mean time to repair.")
    report_latency: DurationDist = Distribution("fixed", 0.0)
    false_alarm_rate: Annotated[Rate, Field(ge=0)] = Field(
        0.0, description="False alarms per sensor per second up (e.g. '0.5/day')."
    )

    @model_validator(mode="after")
    def _one_layout(self) -> GroundGroupSpec:
        if (self.spacing is None) == (self.positions is None):
            raise ValueError("give exactly one of 'spacing' or 'positions'")
        return self


class ScheduleSpec(Spec):
    """Regular image times: first, first + every, ..."""

    first: Annotated[Duration, Field(ge=0)] = 0.0
    every: Annotated[Duration, Field(gt=0)]


class SatelliteSpec(Spec):
    """An imaging satellite, on a schedule or on an orbit.

    On a regular ``schedule`` each image covers the whole zone; on an ``orbit`` it is a
    strip ``swath`` wide along the ground track.
    """

    name: Name
    modality: Name = "eo"
    schedule: ScheduleSpec | None = Field(
        None, description="Regular image times, each image covering the whole zone."
    )
    orbit: OrbitSpec | None = Field(
        None, description="A real orbit (instead of schedule): images a strip along its track."
    )
    swath: Annotated[Distance, Field(gt=0)] | None = Field(
        None, description="Strip width centred on the ground track, m (with orbit)."
    )
    off_nadir_reach: Annotated[Distance, Field(gt=0)] | None = Field(
        None,
        description="A steerable sensor: farthest ground distance from the track the strip "
        "may cover, m (one pointing per pass, with orbit).",
    )
    footprint: Literal["zone", "swath"] = Field(
        "zone",
        description="'zone': each image covers the whole monitored zone (schedule); "
        "'swath': a strip along the ground track (orbit). Follows from the two.",
    )
    pd: Probability = 1.0
    report_latency: DurationDist = Distribution("fixed", 0.0)
    false_alarms_per_image: Annotated[float, Field(ge=0)] = Field(
        0.0, description="Mean number of false alarms in each image."
    )

    @model_validator(mode="before")
    @classmethod
    def _default_footprint(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("footprint") is None:
            return {**data, "footprint": "swath" if data.get("orbit") is not None else "zone"}
        return data

    @model_validator(mode="after")
    def _schedule_or_orbit(self) -> SatelliteSpec:
        if self.schedule is None and self.orbit is None:
            raise FieldProblem(("schedule",), "give a 'schedule' or an 'orbit'")
        if self.schedule is not None and self.orbit is not None:
            raise FieldProblem(("orbit",), "give a 'schedule' or an 'orbit', not both")
        if self.schedule is not None:
            for key in ("swath", "off_nadir_reach"):
                if getattr(self, key) is not None:
                    raise FieldProblem(
                        (key,), f"'{key}' needs an 'orbit' (a schedule images the zone)"
                    )
            if self.footprint != "zone":
                raise FieldProblem(("footprint",), "a schedule's images cover the 'zone'")
            return self
        if self.swath is None:
            raise FieldProblem(("swath",), "an orbiting satellite needs a swath (strip width, m)")
        if self.footprint != "swath":
            raise FieldProblem(("footprint",), "an orbit's images are a 'swath' along its track")
        if self.off_nadir_reach is not None and self.off_nadir_reach < 0.5 * self.swath:
            raise FieldProblem(
                ("off_nadir_reach",),
                f"expected at least half the swath ({0.5 * self.swath / 1e3:g} km); "
                f"got {self.off_nadir_reach / 1e3:g} km",
            )
        return self

    @property
    def satellite_count(self) -> int:
        """How many satellites (assets) this entry makes: a Walker or TLE entry makes several."""
        return 1 if self.orbit is None else self.orbit.count

    def to_data(self) -> dict[str, Any]:
        """Plain data of the keys in use (a schedule satellite's as before orbits existed)."""
        data = self.model_dump(mode="json")
        for key in ("schedule", "orbit", "swath", "off_nadir_reach"):
            if data[key] is None:
                del data[key]
        if self.orbit is not None:
            data["orbit"] = self.orbit.to_data()
        return data


class VerificationSpec(Spec):
    """When a violation counts as verified."""

    modalities: Annotated[int, Field(ge=1, strict=True)] = Field(
        2, description="Distinct modalities whose reports must agree."
    )
    window: Annotated[Duration, Field(gt=0)] = Field(
        86_400.0, description="All within this many seconds."
    )


DEFAULT_DEADLINES = (900.0, 1800.0, 3600.0, 21600.0)
MAX_DEADLINES = 20


class ReportingSpec(Spec):
    """Reporting and verification rules, and the deadlines the metrics count against."""

    verification: VerificationSpec = VerificationSpec()
    deadlines: list[Duration] = Field(
        default_factory=lambda: list(DEFAULT_DEADLINES),
        max_length=MAX_DEADLINES,
        json_schema_extra={"default": list(DEFAULT_DEADLINES)},
        description="Deadlines d, s (whole seconds): metrics detection.within_<d> and "
        "report.within_<d> count violations detected / reported within d of their start.",
    )

    @field_validator("deadlines", mode="before")
    @classmethod
    def _a_list(cls, value: Any) -> Any:
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"expected a list of durations such as [15min, 1h]; got {value!r}")
        return value

    @field_validator("deadlines")
    @classmethod
    def _whole_distinct_seconds(cls, value: list[float]) -> list[float]:
        seen: dict[int, int] = {}
        out = []
        for k, d in enumerate(value):
            whole = round(d)
            if whole < 1 or abs(d - whole) > 1e-6 * d:
                raise FieldProblem(
                    (k,), f"expected a whole number of seconds, at least 1 s; got {d:g} s"
                )
            if whole in seen:
                raise FieldProblem(
                    (k,), f"deadline {whole} s is listed twice (also deadlines[{seen[whole]}])"
                )
            seen[whole] = k
            out.append(float(whole))
        return out


class LimitsSpec(Spec):
    """Resource bounds checked before a run (see docs/scenario-reference.md)."""

    unbounded: bool = Field(
        False,
        description="Skip the work estimates that refuse runs too big for one machine.",
    )


class Scenario(Spec):
    """A whole scenario, every quantity in SI units."""

    name: FileName
    description: str = ""
    seed: Annotated[int, Field(ge=0, strict=True)] = 0
    start: dt.datetime = Field(
        dt.datetime(2026, 1, 7, tzinfo=dt.timezone.utc), description="UTC start time."
    )
    duration: Annotated[Duration, Field(gt=0)] = Field(description="Simulated time, s.")
    line: LineSpec
    violations: ViolationsSpec
    drones: list[DroneFleetSpec] = Field(default_factory=list)
    ground_sensors: list[GroundGroupSpec] = Field(default_factory=list)
    satellites: list[SatelliteSpec] = Field(default_factory=list)
    reporting: ReportingSpec = ReportingSpec()
    environment: EnvironmentSpec | None = Field(
        None, description="The sky: daylight and clouds (absent: the idealised sky)."
    )
    limits: LimitsSpec = LimitsSpec()
    cueing: list[CueSpec] = Field(
        default_factory=list,
        description="Tip-and-cue rules: reports that send a drone to look (absent: none).",
    )
    cueing_baseline: Annotated[bool, Field(strict=True)] = Field(
        True,
        description="With cueing, also run the uncued counterpart (the same seed, no "
        "cueing) and report its figures (uncued.*) and the gains (cueing.*_gain*).",
    )

    @field_validator("start")
    @classmethod
    def _utc(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        seen: dict[str, str] = {}
        for section in ("drones", "ground_sensors", "satellites"):
            for k, asset in enumerate(getattr(self, section)):
                if asset.name in seen:
                    raise FieldProblem(
                        (section, k, "name"),
                        f"asset names must be unique; '{asset.name}' is also {seen[asset.name]}",
                    )
                seen[asset.name] = format_path((section, k, "name"))
        self._check_types_against_line()
        return self

    def _check_types_against_line(self) -> None:
        """Diurnal profiles need a lon/lat line; a type's band is one of line.bands."""
        spec = self.violations
        if self.line.crs != "lonlat":
            if spec.diurnal is not None:
                raise FieldProblem(
                    ("violations", "diurnal"),
                    "a diurnal profile is in local solar time, which needs a lon/lat line "
                    "(line.crs lonlat)",
                )
            for name, kind in spec.types.items():
                if kind.diurnal is not None:
                    raise FieldProblem(
                        ("violations", "types", name, "diurnal"),
                        "a diurnal profile is in local solar time, which needs a lon/lat "
                        "line (line.crs lonlat)",
                    )
        bands = self.line.bands or {}
        for name, kind in spec.types.items():
            if kind.band is None:
                continue
            where = ("violations", "types", name)
            if kind.band not in bands:
                known = ", ".join(bands) or "none (line.bands is not set)"
                raise FieldProblem(
                    (*where, "band"), f"no band '{kind.band}' in line.bands; bands: {known}"
                )
            half = bands[kind.band]
            if kind.offset is not None and (kind.offset.low < -half or kind.offset.high > half):
                raise FieldProblem(
                    (*where, "offset"),
                    f"offsets from {kind.offset.low:g} to {kind.offset.high:g} m leave band "
                    f"'{kind.band}' (|offset| <= {half:g} m); give a fixed or uniform offset "
                    "within it",
                )

    @property
    def modalities(self) -> list[str]:
        """Sensing modalities present among the assets, sorted."""
        assets: list[DroneFleetSpec | GroundGroupSpec | SatelliteSpec] = [
            *self.drones,
            *self.ground_sensors,
            *self.satellites,
        ]
        return sorted({a.modality for a in assets})

    def to_data(self) -> dict[str, Any]:
        """Return the resolved scenario as plain data (SI numbers), loadable again."""
        data = self.model_dump(mode="json")
        data["start"] = self.start.strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.environment is None:
            del data["environment"]  # the idealised sky: resolved files as before
        elif not self.environment.jamming:
            del data["environment"]["jamming"]  # no jamming: resolved files as before
        if self.violations.adversary is None:
            del data["violations"]["adversary"]  # a naive side: resolved files as before
        for key in ("bands", "sectors"):
            if data["line"][key] is None:
                del data["line"][key]  # as before bands and sectors existed
        if data["violations"]["diurnal"] is None:
            del data["violations"]["diurnal"]
        data["violations"]["types"] = {
            name: spec.to_data() for name, spec in self.violations.types.items()
        }
        data["satellites"] = [s.to_data() for s in self.satellites]
        if self.cueing:  # keyed by alias ('from'); absent: resolved files as before
            data["cueing"] = [c.model_dump(mode="json", by_alias=True) for c in self.cueing]
        else:
            del data["cueing"]
            del data["cueing_baseline"]  # meaningless without cueing: as before
        return data

    def resolved_data(self, run_types: Sequence[str] | None = None) -> dict[str, Any]:
        """The scenario as plain data (SI numbers) that validates again to the same runs.

        Every default is filled in, but the violation types of a replay that does not
        declare them are the file's: given ``run_types`` (the types a run of this
        scenario knows, in its order) they are declared, each with the default weight
        and signature; without, they stay undeclared (the default type alone would make
        the file's other types unknown).
        """
        data = self.to_data()
        if not self.violations.types_from_file:
            return data
        if run_types is None:
            del data["violations"]["types"]
            return data
        types = data["violations"]["types"]
        for name in run_types:
            types.setdefault(name, ViolationTypeSpec().to_data())
        return data
