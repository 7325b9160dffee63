"""Tip-and-cue: a report from a cueing group sends the nearest available drone to look.

A cue is raised at a report instant (detection + report latency) of a group named in
a rule's ``from``. It sends the nearest *available* airframe of the rule's responder
fleets within ``max_distance`` of the violation's point:

- on station: flying a patrol (``bounce``) piece and not already answering a cue;
- at base: free in the pool of a fleet with a base.

It must have the fuel to fly there, loiter and get home (the base; a fleet without
a base back to its station). The responder's plan is cut now and replaced
(``DroneFleet.replan``, or a new sortie from the base, ``DroneFleet.launch``) by:
a transit to the point (``once``), a loiter there (``static``, looking every
``glimpse``), then back to the point of the patrol it left (``once``) and the patrol
resumed where it was (``bounce``) until it was to leave anyway; or, when that return
comes after its planned leave (or it came from the base), straight home. Pieces of
the response carry ``cue`` (sim.world.assets.base.Piece). A loss (drawn at take-off,
as for any sortie) cuts them like any other piece and ends the cue.

A cue finding no responder waits in a queue, ordered by the rule's ``priority``
(lower first), then by report time; whenever an airframe may have become available
(back on station after a cue, on station after take-off, back in the pool) the queue
is served in that order. A waiting cue is dropped when its violation is over, or
after the rule's ``max_wait``; a cue still waiting at the end of the run counts as
dropped. One violation raises at most one cue: the first report of a cueing group.

A cueing group's report delays are drawn at the detection instant, in one place
(``CueDispatcher.report_delay``): its report latency, from the stream
``cue_reports/<group>``, and for a drone inside an active jamming area the area's
report delay, from ``jamming/<area>/cue_reports``. The results use the same draws
(``report_times``), so the report written in detections.csv is the one that raised
the cue.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.spec.cueing import CueSpec
from sim.world.assets.base import Asset, Piece
from sim.world.assets.context import BuildContext, wait_until
from sim.world.assets.drone import DroneFleet, Sortie, fly
from sim.world.violations import Violations

EPS = 1e-9  # seconds: fuel to spare for rounding


@dataclass(eq=False)
class Cue:
    """One cue: a violation reported at ``t_report`` under rule ``rule``."""

    violation: int
    rule: int
    t_report: float
    serial: int
    state: str = "waiting"  # waiting, sent, dropped

    def key(self, rules: list[CueSpec]) -> tuple[int, float, int]:
        """Queue order: priority, then report time, then arrival order."""
        return (rules[self.rule].priority, self.t_report, self.serial)


@dataclass
class CueCounts:
    """What became of the cues of a run."""

    cues: int = 0  # raised
    sent: int = 0
    served: int = 0  # arrived while the violation was still on
    too_late: int = 0  # arrived after it ended
    dropped: int = 0
    queued: int = 0  # waited for a responder before being sent or dropped
    lost: int = 0  # responders lost while answering a cue


@dataclass
class Responder:
    """An available airframe: its fleet, position and how it would answer."""

    distance: float
    order: tuple[int, int]
    fleet: DroneFleet
    airframe: int
    position: np.ndarray
    flight: Sortie | None = field(default=None)  # None: at base


class CueDispatcher:
    """Raises cues from reports, sends responders, keeps the queue and the counts.

    ``fleets`` are the run's drone fleets by name, ``assets`` the registered assets
    (by index). ``detected(violation, asset, t)`` is the solver's listener.
    """

    def __init__(
        self,
        rules: list[CueSpec],
        fleets: dict[str, DroneFleet],
        assets: list[Asset],
        violations: Violations,
        ctx: BuildContext,
    ):
        self.rules = rules
        self.fleets = fleets
        self.assets = assets
        self.v = violations
        self.ctx = ctx
        self.env = ctx.env
        # a group's cue rule: the first of lowest priority naming it in 'from'
        self.rule_of: dict[str, int] = {}
        for i in sorted(range(len(rules)), key=lambda i: rules[i].priority):
            for name in rules[i].from_:
                self.rule_of.setdefault(name, i)
        self.rngs = {g: ctx.stream(f"cue_reports/{g}") for g in self.rule_of}
        areas = ctx.jamming.areas if ctx.jamming is not None else []
        self.jam_rngs = [ctx.stream(f"jamming/{a.name}/cue_reports") for a in areas]
        self.latency: dict[tuple[int, int], float] = {}
        self.cued: set[int] = set()
        self.queue: list[Cue] = []
        self.counts = CueCounts()
        self._serial = 0
        self._positions_at = -math.inf
        self._positions: dict[int, np.ndarray] = {}
        self._retry_pending = False
        responders = {name for rule in rules for name in rule.responders}
        for name in responders:
            fleets[name].watchers.append(self._watch)

    # --- reports -> cues ---------------------------------------------------------------

    def report_delay(self, violation: int, asset: int, t: float) -> float:
        """Draw the delay of a cueing group's report of ``violation`` detected at ``t``.

        Its group's report latency, plus, for a drone whose detection lies inside an
        active jamming area, the areas' report delays (``Jamming.report_delays``).
        """
        a = self.assets[asset]
        delay = float(a.report_latency.sample(self.rngs[a.group], 1)[0])
        jamming = self.ctx.jamming
        if jamming is not None and a.asset_class == "drone":
            x, y = self.v.x[violation : violation + 1], self.v.y[violation : violation + 1]
            delay += float(jamming.report_delays(x, y, np.array([t]), self.jam_rngs)[0])
        return delay

    def detected(self, violation: int, asset: int, t: float) -> None:
        """A detection as it happens: draw its report delay; a first report may cue."""
        group = self.assets[asset].group
        rule = self.rule_of.get(group)
        if rule is None or (violation, asset) in self.latency:
            return
        latency = self.report_delay(violation, asset, t)
        self.latency[(violation, asset)] = latency
        # every first report is timed: a later detection may report earlier
        event = wait_until(self.env, t + latency)
        event.callbacks.append(lambda _e: self._raise(violation, rule, t + latency))

    def _raise(self, violation: int, rule: int, t_report: float) -> None:
        if violation in self.cued:
            return
        self.cued.add(violation)
        self._serial += 1
        cue = Cue(violation, rule, t_report, self._serial)
        self.counts.cues += 1
        if not self._send(cue):
            self.counts.queued += 1
            self.queue.append(cue)
            wait = self.rules[rule].max_wait
            if wait is not None:
                timer = self.env.timeout(wait)
                timer.callbacks.append(lambda _e: self._expire(cue))

    def _expire(self, cue: Cue) -> None:
        if cue.state == "waiting":
            cue.state = "dropped"
            self.counts.dropped += 1
            self.queue.remove(cue)

    # --- the queue ---------------------------------------------------------------------

    def _watch(self, flight: Sortie | None) -> None:
        """An airframe took off (available once on patrol) or is back in the pool."""
        if flight is None:
            self._retry_at(self.env.now)
            return
        patrol = next((p for p in flight.pieces if p.kind == "bounce"), None)
        if patrol is not None:
            self._retry_at(patrol.t0)

    def _retry_at(self, t: float) -> None:
        """Serve the queue at ``t`` (s; after the other events of that instant)."""
        timer = wait_until(self.env, t)
        timer.callbacks.append(lambda _e: self._serve())

    def _serve(self) -> None:
        """Send the waiting cues in queue order while responders are available."""
        now = self.env.now
        for cue in sorted(self.queue, key=lambda c: c.key(self.rules)):
            if self.v.t_end[cue.violation] < now:  # over: no use going
                cue.state = "dropped"
                self.counts.dropped += 1
                self.queue.remove(cue)
            elif self._send(cue):
                self.queue.remove(cue)

    def finish(self) -> None:
        """At the end of the run: cues still waiting count as dropped."""
        for cue in self.queue:
            cue.state = "dropped"
            self.counts.dropped += 1
        self.queue.clear()

    # --- responders ----------------------------------------------------------------------

    def _candidates(self, cue: Cue) -> list[Responder]:
        rule = self.rules[cue.rule]
        point = np.array([self.v.x[cue.violation], self.v.y[cue.violation]])
        now = self.env.now
        reach = rule.max_distance
        found = []
        for k, name in enumerate(rule.responders):
            fleet = self.fleets[name]
            on_patrol = [
                (airframe, flight, patrol)
                for airframe, flight in fleet.flying.items()
                if not flight.cued and (patrol := _patrol_at(flight, now)) is not None
            ]
            if reach is not None and on_patrol:  # a whole patrol out of reach: not placed
                box = np.array([patrol.bounds for _, _, patrol in on_patrol])
                gap = np.maximum(np.maximum(box[:, 0] - point, point - box[:, 1]), 0.0)
                near = np.hypot(gap[:, 0], gap[:, 1]) <= reach
                on_patrol = [entry for entry, ok in zip(on_patrol, near, strict=True) if ok]
            for airframe, flight, patrol in on_patrol:
                here = self._position(patrol, now)
                d = float(np.hypot(*(point - here)))
                found.append(Responder(d, (k, airframe), fleet, airframe, here, flight))
            if fleet.base is not None and fleet.pool.items:
                d = float(np.hypot(*(point - fleet.base)))  # every airframe at base: one distance
                for airframe in fleet.pool.items:
                    found.append(Responder(d, (k, airframe), fleet, airframe, fleet.base))
        found = [r for r in found if reach is None or r.distance <= reach]
        return sorted(found, key=lambda r: (r.distance, r.order))

    def _position(self, patrol: Piece, now: float) -> np.ndarray:
        """Where the drone on ``patrol`` is at ``now``.

        Kept for the instant: a queue served at once asks for the same airframes again
        and again.
        """
        if self._positions_at != now:
            self._positions_at = now
            self._positions = {}
        here = self._positions.get(id(patrol))
        if here is None:
            here = self._positions[id(patrol)] = patrol.position(now)
        return here

    def _send(self, cue: Cue) -> bool:
        """Send the nearest responder that can go; False if none can."""
        rule = self.rules[cue.rule]
        point = np.array([self.v.x[cue.violation], self.v.y[cue.violation]])
        for r in self._candidates(cue):
            plan = _plan(r, point, rule, self.env.now)
            if plan is None:
                continue
            pieces, t_land, t_arrive, t_back = plan
            if r.flight is None:
                flight = r.fleet.launch(r.airframe, pieces)
            else:
                flight = r.flight
                r.fleet.replan(r.airframe, pieces, t_land)
            flight.cued = True
            cue.state = "sent"
            self.counts.sent += 1
            self.env.process(self._answer(cue, flight, t_arrive, t_back, t_land))
            return True
        return False

    def _answer(self, cue: Cue, flight: Sortie, t_arrive: float, t_back: float, t_land: float):
        """Follow one response: arrival (served or too late), then back on station or home.

        ``t_back`` is when it is back on its patrol (inf: it flies home, landing at
        ``t_land``; the pool takes it back after turnaround).
        """
        env = self.env
        yield env.any_of([wait_until(env, t_arrive), flight.lost])
        if flight.lost.triggered:
            self.counts.lost += 1
            return
        if t_arrive <= self.v.t_end[cue.violation]:
            self.counts.served += 1
        else:
            self.counts.too_late += 1
        home = math.isinf(t_back)
        t_done = t_land if home else t_back
        yield env.any_of([wait_until(env, t_done), flight.lost])
        if flight.lost.triggered:
            self.counts.lost += 1
            return
        if not home:
            flight.cued = False
            self._serve()

    # --- results ---------------------------------------------------------------------------

    def report_times(
        self, viol: np.ndarray, asset: np.ndarray, t: np.ndarray, t_report: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Report times of first detections (``viol``, ``asset`` at ``t``) with the cueing draws.

        ``t_report`` holds the ordinary ones; a cueing group's detection takes the
        delay drawn when it happened (so the very report that raised a cue), and one
        the run never announced (at the horizon) a draw from the same streams, in row
        order (``report_delay``). Also returns which rows are the cueing groups': their
        jamming delays are in the times already.
        """
        out = t_report.copy()
        timed = np.zeros(len(out), dtype=bool)
        for row, (v, a) in enumerate(zip(viol.tolist(), asset.tolist(), strict=True)):
            if self.assets[a].group not in self.rule_of:
                continue
            drawn = self.latency.get((v, a))
            if drawn is None:
                drawn = self.report_delay(v, a, float(t[row]))
            out[row] = t[row] + drawn
            timed[row] = True
        return out, timed

    def stats(self, pieces: list[Piece], horizon: float) -> dict[str, float]:
        """The counts, and the responders' hours on cues (cue pieces up to cuts and T)."""
        hours = sum(max(min(p.end, horizon) - p.t0, 0.0) for p in pieces if p.cue) / 3600.0
        c = self.counts
        return {
            "cues": float(c.cues),
            "sent": float(c.sent),
            "served": float(c.served),
            "too_late": float(c.too_late),
            "dropped": float(c.dropped),
            "queued": float(c.queued),
            "lost": float(c.lost),
            "responder_hours": hours,
        }


def _patrol_at(flight: Sortie, t: float) -> Piece | None:
    """The flight's patrol piece under way at ``t``, if it is on station."""
    for piece in reversed(flight.pieces):
        if piece.kind == "bounce" and piece.t0 <= t < piece.end:
            return piece
    return None


def _plan(
    r: Responder, point: np.ndarray, rule: CueSpec, now: float
) -> tuple[list[Piece], float, float, float] | None:
    """The response's pieces, landing time, arrival at the point and return to station.

    None when the airframe has not the fuel to go, loiter and get home. The return to
    station is ``inf`` when it goes home instead.
    """
    fleet, airframe = r.fleet, r.airframe
    speed = fleet.spec.speed
    endurance = fleet.spec.endurance
    base = fleet.base
    on_station = r.flight is not None
    go, t_arrive = fly(airframe, r.position, point, now, speed, cue=True, continues=on_station)
    t_loitered = t_arrive + rule.loiter
    stay = Piece(
        airframe,
        "static",
        t_arrive,
        t_loitered,
        point[None, :].copy(),
        0.0,
        0.0,
        True,
        cue=True,
        glimpse=rule.glimpse,
    )
    pieces = [go, stay]
    if r.flight is None:  # from the base, and back to it
        assert base is not None and endurance is not None
        back, t_land = fly(airframe, point, base, t_loitered, speed, cue=True)
        if t_land - now > endurance + EPS:
            return None
        return [*pieces, back], t_land, t_arrive, math.inf
    patrol = _patrol_at(r.flight, now)
    assert patrol is not None
    back, t_back = fly(airframe, point, r.position, t_loitered, speed, cue=True)
    if t_back < patrol.t1:  # back to where it left the patrol, and on with it
        length = patrol.path_length
        u = patrol.s0 + patrol.speed * (now - patrol.t0)
        s0 = math.fmod(u, 2.0 * length) if length > 0 else 0.0
        resume = Piece(airframe, "bounce", t_back, patrol.t1, patrol.path, patrol.speed, s0, True)
        pieces += [back, resume]
        if base is None:
            return pieces, r.flight.t_land, t_arrive, t_back
        leave, t_land = fly(airframe, resume.position(patrol.t1), base, patrol.t1, speed)
        return [*pieces, leave], t_land, t_arrive, t_back
    if base is None or endurance is None:
        return None  # no base to go home to: it must be back on station in time
    home, t_land = fly(airframe, point, base, t_loitered, speed, cue=True)
    if t_land > r.flight.t_launch + endurance + EPS:
        return None
    return [*pieces, home], t_land, t_arrive, math.inf


def make_dispatcher(
    rules: list[CueSpec],
    groups: list,
    assets: list[Asset],
    violations: Violations,
    ctx: BuildContext,
    listen: Callable[[Callable[[int, int, float], None], set[int]], None],
) -> CueDispatcher:
    """The run's dispatcher, listening to the cueing groups' detections as they happen."""
    fleets = {g.spec.name: g for g in groups if isinstance(g, DroneFleet)}
    dispatcher = CueDispatcher(rules, fleets, assets, violations, ctx)
    sources = {name for rule in rules for name in rule.from_}
    listen(dispatcher.detected, {a.index for a in assets if a.group in sources})
    return dispatcher
