"""Scheduled imaging satellites: one instantaneous image of the whole zone per pass.

A satellite is an imaging plan: pass times and, for each, the footprint imaged.
Here passes follow a regular ``schedule`` and each image covers the whole monitored
zone; a satellite on an ``orbit`` is ``sim.world.assets.orbiter``.
"""

from __future__ import annotations

import math

from sim.spec.scenario import SatelliteSpec
from sim.world.assets.base import Piece
from sim.world.assets.context import BuildContext, wait_until


class Satellite:
    """A satellite imaging the zone at ``first + k * every``."""

    def __init__(self, spec: SatelliteSpec, index: int, ctx: BuildContext):
        self.spec = spec
        self.ctx = ctx
        self.asset = ctx.register(
            id=spec.name,
            asset_class="satellite",
            group=spec.name,
            modality=spec.modality,
            pd=spec.pd,
            range=math.inf,
            glimpse=None,
            report_latency=spec.report_latency,
            false_alarm_rate=spec.false_alarms_per_image,
            rng=ctx.stream(f"satellites/{spec.name}/looks"),
        ).index
        self.images = 0
        ctx.env.process(self._passes())

    def pass_times(self) -> list[float]:
        """Image times in the simulated period [0, duration), seconds."""
        schedule = self.spec.schedule
        assert schedule is not None
        first, every = schedule.first, schedule.every
        count = math.ceil((self.ctx.horizon - first) / every) if first < self.ctx.horizon else 0
        return [first + k * every for k in range(count)]

    def _passes(self):
        env = self.ctx.env
        for t in self.pass_times():
            yield wait_until(env, t)
            self.ctx.sink.add(Piece(self.asset, "image", t, t))
            self.images += 1

    def stats(self, horizon: float) -> dict[str, float]:
        """Images taken over [0, horizon]."""
        return {"images": float(self.images)}
