"""Drone fleets: stations kept manned by sorties from a base, with relief and losses.

Each station is a stretch of the line (a patrol path, optionally at a standoff).
A sortie flies base -> the path's nearer end (``once``), patrols back and forth
(``bounce``) until it must leave to land within its endurance, then flies back
(``once``). The return reserve is the transit from the path's farthest vertex, so
the leave time is known at take-off. The station launches a relief so that it
arrives as the drone on station leaves, when an airframe is free; a lost drone is
relieved at once. Lost airframes are replaced from spares after a delay.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from sim.core.errors import ScenarioError
from sim.spec.geometry import fleet_geometry
from sim.spec.scenario import DroneFleetSpec, format_path
from sim.world.assets.base import Asset, Piece
from sim.world.assets.context import BuildContext, wait_until


def fly(
    airframe: int,
    a: np.ndarray,
    b: np.ndarray,
    t: float,
    speed: float,
    *,
    cue: bool = False,
    continues: bool = True,
) -> tuple[Piece, float]:
    """Fly straight from ``a`` to ``b`` from ``t`` at ``speed``: the ``once`` piece and its arrival.

    ``continues``: the piece carries on from the one before it (no entry look at its start;
    a take-off is the exception); ``cue``: it is part of a cue's response.
    """
    t_end = t + float(np.hypot(*(b - a))) / speed
    piece = Piece(airframe, "once", t, t_end, np.array([a, b]), speed, 0.0, continues, cue=cue)
    return piece, t_end


@dataclass(frozen=True)
class Station:
    """A drone patrol station: a stretch of the line one airframe of a fleet keeps watched.

    Its fleet (``group``), number (1, 2, ...), patrol path (m), chainage span (m) and the
    fleet's base (None: the drones start on station). ``sensor`` is an airframe of the
    fleet: every airframe carries the fleet's sensor, so its modality and footprint
    range are the station's.
    """

    group: str
    number: int
    path: np.ndarray
    from_m: float
    to_m: float
    base: np.ndarray | None
    sensor: Asset

    @property
    def modality(self) -> str:
        """The fleet's sensing modality."""
        return self.sensor.modality

    @property
    def range_m(self) -> float:
        """The footprint's ground range, metres."""
        return self.sensor.range


@dataclass(eq=False)
class Sortie:
    """One airframe's flight, as cueing sees it: its pieces so far and when it lands.

    ``lost`` succeeds if the airframe is lost; ``replanned`` when its plan changes;
    ``cued`` is True while it answers a cue (or for a sortie flown for one).
    """

    airframe: int
    station: int
    t_launch: float
    pieces: list[Piece]
    t_land: float
    lost: simpy.Event
    cued: bool = False
    replanned: simpy.Event | None = None


class DroneFleet:
    """One fleet's airframes, stations and SimPy processes."""

    def __init__(self, spec: DroneFleetSpec, index: int, ctx: BuildContext):
        self.spec = spec
        self.ctx = ctx
        geo, problems = fleet_geometry(spec, ctx.line)
        if problems:  # validation refuses these; reached only without it
            where = f"drones[{index}]"
            raise ScenarioError([(format_path((where, *loc)), m) for loc, m in problems])
        self.spans = geo.spans
        self.base = geo.base
        self.paths = geo.paths
        self.t_out = geo.t_out
        self.reserve = geo.reserve
        looks = ctx.stream(f"drones/{spec.name}/looks")
        self.rng = ctx.stream(f"drones/{spec.name}/losses")
        if ctx.jamming is not None:  # jamming's own loss clocks (sim.world.jamming)
            self.jam_rng = ctx.stream(f"jamming/{spec.name}/losses")
        airframes = [
            ctx.register_sensor(spec, "drone", k + 1, looks)
            for k in range(spec.count + spec.spares)
        ]
        self.airframes = [a.index for a in airframes]
        self.stations = [
            Station(spec.name, k + 1, path, span[0], span[1], self.base, airframes[0])
            for k, (path, span) in enumerate(zip(self.paths, self.spans, strict=True))
        ]
        self.sorties = 0
        self.losses = 0
        self.spares_left = spec.spares
        self.pieces: list[Piece] = []
        env = ctx.env
        self.pool = simpy.Store(env)
        for airframe in self.airframes[: spec.count]:
            self.pool.put(airframe)
        self._next_spare = spec.count
        # cueing (sim.world.assets.cueing): called with each sortie as it takes off, and
        # with None when an airframe is back in the pool; the sorties in flight by airframe
        self.watchers: list[Callable[[Sortie | None], None]] = []
        self.flying: dict[int, Sortie] = {}
        for station in range(len(self.spans)):
            env.process(self._station(station))

    # --- processes ---------------------------------------------------------------------

    def _station(self, station: int):
        """Keep one station manned: launch, then relieve on schedule or on a loss."""
        env = self.ctx.env
        spec = self.spec
        while True:
            airframe = yield self.pool.get()
            lost = env.event()
            env.process(self._sortie(airframe, station, lost))
            if spec.endurance is None:
                yield lost
                continue
            # the relief launches to arrive as this drone must leave
            on_station = spec.endurance - self.reserve[station] - self.t_out[station]
            yield env.any_of([env.timeout(on_station), lost])

    def _sortie(self, airframe: int, station: int, lost, planned: Sortie | None = None):
        """Fly one sortie; publish its plan pieces; lose the airframe or land it.

        ``planned``: a sortie planned elsewhere (a cue from the base,
        ``sim.world.assets.cueing``), with its pieces and landing time.
        """
        env = self.ctx.env
        sink = self.ctx.sink
        spec = self.spec
        path = self.paths[station]
        t = env.now
        self.sorties += 1
        pieces = []
        if planned is not None:
            pieces, t_land = planned.pieces, planned.t_land
        elif self.base is not None:
            assert spec.endurance is not None
            t_arrive = t + self.t_out[station]
            t_leave = t + spec.endurance - self.reserve[station]
            out = Piece(airframe, "once", t, t_arrive, np.array([self.base, path[0]]), spec.speed)
            transit = t_arrive > t  # a base at the station's end needs no transit piece
            patrol = Piece(airframe, "bounce", t_arrive, t_leave, path, spec.speed, 0.0, transit)
            back, t_land = fly(airframe, patrol.position(t_leave), self.base, t_leave, spec.speed)
            pieces = [out, patrol, back] if transit else [patrol, back]
        else:
            t_land = t + spec.endurance if spec.endurance else math.inf
            pieces = [Piece(airframe, "bounce", t, t_land, path, spec.speed)]
        for piece in pieces:
            if piece.t0 <= self.ctx.horizon:
                self.pieces.append(sink.add(piece))
        t_loss = t + self.rng.exponential(1.0 / spec.loss_rate) if spec.loss_rate > 0 else math.inf
        own_loss = t_loss
        jamming = self.ctx.jamming
        lossy = jamming is not None and jamming.lossy
        if lossy:  # competing risks (sim.world.jamming)
            assert jamming is not None
            horizon = min(t_land, self.ctx.horizon)
            t_loss = min(own_loss, jamming.loss_time(pieces, horizon, self.jam_rng))
        flight = planned or Sortie(airframe, station, t, pieces, t_land, env.event())
        if self.watchers:  # cueing: the airframe's plan may change in flight
            self.flying[airframe] = flight
            flight.replanned = env.event()
            for watch in self.watchers:
                watch(flight)
            while True:
                end = min(t_loss, flight.t_land)
                wake = [flight.replanned] + ([] if math.isinf(end) else [wait_until(env, end)])
                yield env.any_of(wake)
                if not flight.replanned.triggered:
                    break
                flight.replanned = env.event()
                if lossy:  # the new plan's jammed time, from now (memoryless)
                    assert jamming is not None
                    horizon = min(flight.t_land, self.ctx.horizon)
                    jam = jamming.loss_time(flight.pieces, horizon, self.jam_rng, env.now)
                    t_loss = min(own_loss, jam)
            t_land = flight.t_land
        # wait_until: after the re-plan loop's wake-up at t_loss or t_land, env.now may
        # exceed it by a rounding error
        if t_loss < t_land:
            yield wait_until(env, t_loss)
            for piece in flight.pieces:
                sink.cut(piece, t_loss)
            self.losses += 1
            self.flying.pop(airframe, None)
            if self.watchers:
                flight.lost.succeed()
            lost.succeed()
            if self.spares_left > 0:
                self.spares_left -= 1
                env.process(self._replace())
            return
        if math.isinf(t_land):
            return
        yield wait_until(env, t_land)
        self.flying.pop(airframe, None)
        yield env.timeout(spec.turnaround)
        self._free(airframe)

    def replan(self, airframe: int, pieces: list[Piece], t_land: float) -> None:
        """Cut the flying ``airframe``'s plan now and fly ``pieces`` instead (a cue).

        The new pieces are published; the sortie lands at ``t_land`` (inf: never) and
        its loss, already drawn, cuts them too.
        """
        flight = self.flying[airframe]
        now = self.ctx.env.now
        for piece in flight.pieces:
            self.ctx.sink.cut(piece, now)
        for piece in pieces:
            if piece.t0 <= self.ctx.horizon:
                self.pieces.append(self.ctx.sink.add(piece))
        flight.pieces = flight.pieces + pieces
        flight.t_land = t_land
        assert flight.replanned is not None
        flight.replanned.succeed()

    def launch(self, airframe: int, pieces: list[Piece]) -> Sortie:
        """Take ``airframe`` from the pool and fly the planned ``pieces`` from the base now.

        The sortie lands at the last piece's end; it is flown by a process that starts
        at once (in this instant).
        """
        env = self.ctx.env
        self.pool.items.remove(airframe)
        flight = Sortie(airframe, 0, env.now, pieces, pieces[-1].t1, env.event(), cued=True)
        env.process(self._sortie(airframe, 0, env.event(), flight))
        return flight

    def _free(self, airframe: int) -> None:
        """Put ``airframe`` back in the pool (landed and turned around, or a spare)."""
        self.pool.put(airframe)
        for watch in self.watchers:
            watch(None)

    def _replace(self):
        """Bring a spare airframe into the pool after the replacement delay."""
        yield self.ctx.env.timeout(self.spec.replacement)
        airframe = self.airframes[self._next_spare]
        self._next_spare += 1
        self._free(airframe)

    # --- figures -------------------------------------------------------------------------

    def stats(self, horizon: float) -> dict[str, float]:
        """Flight hours, on-station fraction, sorties and losses over [0, horizon]."""
        flown = sum(max(min(p.end, horizon) - p.t0, 0.0) for p in self.pieces)
        on_station = sum(
            max(min(p.end, horizon) - p.t0, 0.0) for p in self.pieces if p.kind == "bounce"
        )
        out = {
            "flight_hours": flown / 3600.0,
            "on_station_fraction": on_station / (len(self.spans) * horizon),
            "sorties": float(self.sorties),
            "losses": float(self.losses),
        }
        if self.ctx.jamming is not None:
            out["hours_jammed"] = self.ctx.jamming.jammed_seconds(self.pieces, horizon) / 3600.0
        return out
