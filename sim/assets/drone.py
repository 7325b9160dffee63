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

import numpy as np
import simpy

from sim.assets.base import Piece
from sim.assets.context import BuildContext
from sim.errors import ScenarioError
from sim.scenario import BaseAtSpec, DroneFleetSpec


def station_spans(spec: DroneFleetSpec, length: float, where: str) -> list[tuple[float, float]]:
    """Chainage [from, to] of each station, metres; checked against the line length."""
    stations = spec.patrol.stations or spec.count
    lo, hi = spec.patrol.span if spec.patrol.span else (0.0, length)
    problems = []
    for label, value in ((f"{where}.patrol.span", lo), (f"{where}.patrol.span", hi)):
        if not 0.0 <= value <= length * (1 + 1e-9):
            problems.append(
                (label, f"chainage {value:g} m is outside the line (0..{length:.0f} m)")
            )
    if not problems and hi <= lo:
        problems.append((f"{where}.patrol.span", f"expected from < to; got [{lo:g}, {hi:g}]"))
    if problems:
        raise ScenarioError(problems)
    if spec.patrol.segments == "equal":
        edges = np.linspace(lo, hi, stations + 1)
        return [(float(a), float(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    spans = []
    for k, (a, b) in enumerate(spec.patrol.segments):
        if not (0.0 <= a <= length * (1 + 1e-9) and 0.0 <= b <= length * (1 + 1e-9)) or a == b:
            raise ScenarioError(
                [
                    (
                        f"{where}.patrol.segments[{k}]",
                        f"expected two different chainages within 0..{length:.0f} m; "
                        f"got [{a:g}, {b:g}]",
                    )
                ]
            )
        spans.append((float(min(a, b)), float(max(a, b))))
    return spans


class DroneFleet:
    """One fleet's airframes, stations and SimPy processes."""

    def __init__(self, spec: DroneFleetSpec, index: int, ctx: BuildContext):
        self.spec = spec
        self.ctx = ctx
        where = f"drones[{index}]"
        line = ctx.line
        self.spans = station_spans(spec, line.length, where)
        self.base = self._base_position(spec, ctx, where)
        self.paths: list[np.ndarray] = []
        self.t_out: list[float] = []
        self.reserve: list[float] = []
        for k, (a, b) in enumerate(self.spans):
            try:
                path = line.path(a, b, spec.patrol.standoff)
            except ValueError as exc:
                raise ScenarioError(
                    [(f"{where}.patrol.standoff", f"station {k + 1}: {exc}")]
                ) from None
            if self.base is not None:
                if np.hypot(*(path[-1] - self.base)) < np.hypot(*(path[0] - self.base)):
                    path = path[::-1].copy()
                self.t_out.append(float(np.hypot(*(path[0] - self.base))) / spec.speed)
                self.reserve.append(float(np.max(np.hypot(*(path - self.base).T))) / spec.speed)
            else:
                self.t_out.append(0.0)
                self.reserve.append(0.0)
            self.paths.append(path)
        if self.base is not None:
            assert spec.endurance is not None
            need = max(o + r for o, r in zip(self.t_out, self.reserve, strict=True))
            if spec.endurance <= need:
                raise ScenarioError(
                    [
                        (
                            f"{where}.endurance",
                            f"{spec.endurance / 3600:.2f} h leaves no time on station: the "
                            f"transit out and the return reserve take {need / 3600:.2f} h",
                        )
                    ]
                )
        looks = ctx.stream(f"drones/{spec.name}/looks")
        self.rng = ctx.stream(f"drones/{spec.name}/losses")
        self.airframes = [
            ctx.register(
                id=f"{spec.name}/{k + 1}",
                asset_class="drone",
                group=spec.name,
                modality=spec.modality,
                pd=spec.sensor.pd,
                range=spec.sensor.range,
                glimpse=spec.sensor.glimpse,
                report_latency=spec.report_latency,
                false_alarm_rate=spec.false_alarm_rate,
                rng=looks,
            ).index
            for k in range(spec.count + spec.spares)
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
        for station in range(len(self.spans)):
            env.process(self._station(station))

    @staticmethod
    def _base_position(spec: DroneFleetSpec, ctx: BuildContext, where: str) -> np.ndarray | None:
        if spec.base is None:
            return None
        if isinstance(spec.base, BaseAtSpec):
            if spec.base.at > ctx.line.length * (1 + 1e-9):
                raise ScenarioError(
                    [(f"{where}.base.at", f"chainage {spec.base.at:g} m is beyond the line")]
                )
            x, y = ctx.line.point_at(spec.base.at, spec.base.offset)
            return np.array([float(x), float(y)])
        if ctx.line.is_geographic:
            x, y = ctx.line.from_lonlat(spec.base[0], spec.base[1])
            return np.array([float(x), float(y)])
        return np.array(spec.base, dtype=float)

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

    def _sortie(self, airframe: int, station: int, lost):
        """Fly one sortie; publish its plan pieces; lose the airframe or land it."""
        env = self.ctx.env
        sink = self.ctx.sink
        spec = self.spec
        path = self.paths[station]
        t = env.now
        self.sorties += 1
        pieces = []
        if self.base is not None:
            assert spec.endurance is not None
            t_arrive = t + self.t_out[station]
            t_leave = t + spec.endurance - self.reserve[station]
            out = Piece(airframe, "once", t, t_arrive, np.array([self.base, path[0]]), spec.speed)
            transit = t_arrive > t  # a base at the station's end needs no transit piece
            patrol = Piece(airframe, "bounce", t_arrive, t_leave, path, spec.speed, 0.0, transit)
            here = patrol.position(t_leave)
            t_land = t_leave + float(np.hypot(*(here - self.base))) / spec.speed
            back = Piece(
                airframe,
                "once",
                t_leave,
                t_land,
                np.array([here, self.base]),
                spec.speed,
                0.0,
                True,
            )
            pieces = [out, patrol, back] if transit else [patrol, back]
        else:
            t_land = t + spec.endurance if spec.endurance else math.inf
            pieces = [Piece(airframe, "bounce", t, t_land, path, spec.speed)]
        for piece in pieces:
            if piece.t0 <= self.ctx.horizon:
                self.pieces.append(sink.add(piece))
        t_loss = t + self.rng.exponential(1.0 / spec.loss_rate) if spec.loss_rate > 0 else math.inf
        if t_loss < t_land:
            yield env.timeout(t_loss - t)
            for piece in pieces:
                sink.cut(piece, t_loss)
            self.losses += 1
            lost.succeed()
            if self.spares_left > 0:
                self.spares_left -= 1
                env.process(self._replace())
            return
        if math.isinf(t_land):
            return
        yield env.timeout(t_land - t)
        yield env.timeout(spec.turnaround)
        self.pool.put(airframe)

    def _replace(self):
        """Bring a spare airframe into the pool after the replacement delay."""
        yield self.ctx.env.timeout(self.spec.replacement)
        airframe = self.airframes[self._next_spare]
        self._next_spare += 1
        self.pool.put(airframe)

    # --- figures -------------------------------------------------------------------------

    def stats(self, horizon: float) -> dict[str, float]:
        """Flight hours, on-station fraction, sorties and losses over [0, horizon]."""
        flown = sum(max(min(p.end, horizon) - p.t0, 0.0) for p in self.pieces)
        on_station = sum(
            max(min(p.end, horizon) - p.t0, 0.0) for p in self.pieces if p.kind == "bounce"
        )
        return {
            "flight_hours": flown / 3600.0,
            "on_station_fraction": on_station / (len(self.spans) * horizon),
            "sorties": float(self.sorties),
            "losses": float(self.losses),
        }
