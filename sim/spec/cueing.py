"""Tip-and-cue: which reports send which drones to look (the ``cueing`` key).

A report from a group named in ``from`` sends the nearest available drone of the
``responders`` fleets to the violation's point, to loiter there looking; the
engine's side is ``sim.world.assets.cueing``. docs/scenario-reference.md lists the keys.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from sim.spec.field_types import Distance, Duration, FieldProblem, Name, Spec


class CueSpec(Spec):
    """One cueing rule: reports of these groups send a drone of those fleets."""

    from_: Annotated[list[Name], Field(min_length=1)] = Field(
        alias="from", description="Groups (any asset) whose reports cue a drone."
    )
    responders: Annotated[list[Name], Field(min_length=1)] = Field(
        description="Drone fleets that answer; the nearest available airframe goes."
    )
    max_distance: Annotated[Distance, Field(gt=0)] | None = Field(
        None,
        description="A responder farther than this from the point is not sent, m "
        "(default: any distance).",
    )
    loiter: Annotated[Duration, Field(gt=0)] = Field(
        description="Time the responder stays over the point, s."
    )
    glimpse: Annotated[Duration, Field(gt=0)] | None = Field(
        None,
        description="Another look every this many seconds while loitering "
        "(default: the fleet's sensor.glimpse).",
    )
    priority: Annotated[int, Field(strict=True)] = Field(
        0, description="Queue order of waiting cues: lower first, then earlier."
    )
    max_wait: Annotated[Duration, Field(ge=0)] | None = Field(
        None,
        description="A cue waiting longer than this for a responder is dropped, s "
        "(default: it waits while the violation lasts).",
    )

    @model_validator(mode="after")
    def _distinct(self) -> CueSpec:
        for key, names in (("from", self.from_), ("responders", self.responders)):
            seen: set[str] = set()
            for k, name in enumerate(names):
                if name in seen:
                    raise FieldProblem((key, k), f"'{name}' is listed twice")
                seen.add(name)
        return self


def cueing_problems(scenario: Any) -> list[tuple[tuple[Any, ...], str]]:
    """Cueing rules must name existing groups, and responders drone fleets.

    ``scenario`` is a ``sim.spec.scenario.Scenario`` (which imports this module);
    each problem is (YAML location, message).
    """
    problems: list[tuple[tuple[Any, ...], str]] = []
    fleets = {f.name for f in scenario.drones}
    groups = fleets | {g.name for g in scenario.ground_sensors}
    groups |= {s.name for s in scenario.satellites}
    for i, rule in enumerate(scenario.cueing):
        for k, name in enumerate(rule.from_):
            if name not in groups:
                known = ", ".join(sorted(groups)) or "none"
                problems.append(
                    (("cueing", i, "from", k), f"no asset group is named '{name}' (known: {known})")
                )
        for k, name in enumerate(rule.responders):
            if name not in fleets:
                known = ", ".join(sorted(fleets)) or "none"
                problems.append(
                    (
                        ("cueing", i, "responders", k),
                        f"responders must be drone fleets; no fleet is named '{name}' "
                        f"(fleets: {known})",
                    )
                )
    return problems
