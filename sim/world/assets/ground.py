"""Ground sensor groups: fixed discs along the line, with failures and repairs."""

from __future__ import annotations

import math

import numpy as np

from sim.core.errors import ScenarioError
from sim.spec.geometry import sensor_chainages
from sim.spec.scenario import GroundGroupSpec, format_path
from sim.world.assets.base import Piece
from sim.world.assets.context import BuildContext


def sensor_positions(spec: GroundGroupSpec, ctx: BuildContext, where: str) -> np.ndarray:
    """Return the (n, 2) sensor positions in metres."""
    line = ctx.line
    if spec.positions is not None:
        pts = np.asarray(spec.positions, dtype=float)
        if line.is_geographic:
            x, y = line.from_lonlat(pts[:, 0], pts[:, 1])
            return np.column_stack([x, y])
        return pts
    chainage, problems = sensor_chainages(spec, line.length)
    if problems:  # validation refuses these; reached only without it
        raise ScenarioError([(format_path((where, *loc)), m) for loc, m in problems])
    x, y = line.point_at(chainage, spec.offset)
    return np.column_stack([x, y])


class GroundGroup:
    """A group of unattended ground sensors; each is up until it fails, then repaired."""

    def __init__(self, spec: GroundGroupSpec, index: int, ctx: BuildContext):
        self.spec = spec
        self.ctx = ctx
        self.positions = sensor_positions(spec, ctx, f"ground_sensors[{index}]")
        looks = ctx.stream(f"ground/{spec.name}/looks")
        self.rng = ctx.stream(f"ground/{spec.name}/failures")
        self.sensors = [
            ctx.register_sensor(spec, "ground", k + 1, looks).index
            for k in range(len(self.positions))
        ]
        self.failures = 0
        self.pieces: list[Piece] = []
        for k, asset in enumerate(self.sensors):
            ctx.env.process(self._life(asset, k))

    def _up(self, asset: int, k: int) -> Piece:
        piece = Piece(asset, "static", self.ctx.env.now, math.inf, self.positions[k : k + 1])
        self.pieces.append(self.ctx.sink.add(piece))
        return piece

    def _life(self, asset: int, k: int):
        """Up for an exponential time (mean mtbf), down for one (mean mttr), repeat.

        Without an mtbf the sensor is up for the whole run.
        """
        env = self.ctx.env
        if self.spec.mtbf is None:
            self._up(asset, k)
            return
        while True:
            piece = self._up(asset, k)
            yield env.timeout(self.rng.exponential(self.spec.mtbf))
            self.ctx.sink.cut(piece, env.now)
            self.failures += 1
            yield env.timeout(self.rng.exponential(self.spec.mttr))

    def stats(self, horizon: float) -> dict[str, float]:
        """Sensor count, availability (up-time fraction) and failures over [0, horizon]."""
        up = sum(max(min(p.end, horizon) - p.t0, 0.0) for p in self.pieces)
        return {
            "sensors": float(len(self.sensors)),
            "availability": up / (len(self.sensors) * horizon),
            "failures": float(self.failures),
        }
