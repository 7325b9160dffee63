"""What an asset needs from the run to build itself: clock, sink, line, streams."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.core.geo import Line
from sim.world.assets.base import Asset, AssetClass, PieceSink

if TYPE_CHECKING:
    from sim.spec.scenario import DroneFleetSpec, GroundGroupSpec
    from sim.world.jamming import Jamming


def wait_until(env: simpy.Environment, t: float) -> simpy.Timeout:
    """The event of time ``t`` (s), for a process to yield; at once if ``t`` is past.

    ``max(0, .)``: a process woken at t may find ``env.now`` a rounding error past it
    (now + (t - now) != t in floating point), and SimPy refuses a negative delay.
    """
    return env.timeout(max(0.0, t - env.now))


def stream(seed: int, name: str) -> np.random.Generator:
    """Return the run's random stream called ``name``.

    Streams are children of ``SeedSequence(seed)`` keyed by the name, not by the
    order of creation, so adding a fleet changes no other fleet's draws nor the
    violations.
    """
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))


@dataclass
class BuildContext:
    """The run-wide objects an asset group uses while it builds and runs.

    ``register`` takes an asset's fields (all but ``index``) and the generator that
    draws its looks, and returns the registered ``Asset``.
    """

    env: simpy.Environment
    sink: PieceSink
    line: Line
    horizon: float
    seed: int
    register: Callable[..., Asset]
    jamming: Jamming | None = None  # environment.jamming: drones' losses there

    def stream(self, name: str) -> np.random.Generator:
        """The named random stream of this run."""
        return stream(self.seed, name)

    def register_sensor(
        self,
        spec: DroneFleetSpec | GroundGroupSpec,
        asset_class: AssetClass,
        number: int,
        rng: np.random.Generator,
    ) -> Asset:
        """Register sensor ``number`` (1, 2, ...) of a drone fleet or ground group.

        ``spec`` is the group's spec (its name, modality, sensor, report latency and
        false-alarm rate); the asset is named ``<group>/<number>``.
        """
        return self.register(
            id=f"{spec.name}/{number}",
            asset_class=asset_class,
            group=spec.name,
            modality=spec.modality,
            pd=spec.sensor.pd,
            range=spec.sensor.range,
            glimpse=spec.sensor.glimpse,
            report_latency=spec.report_latency,
            false_alarm_rate=spec.false_alarm_rate,
            rng=rng,
        )
