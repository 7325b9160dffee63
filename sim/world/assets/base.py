"""What every asset shares: its identity and the pieces of its plan."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, Protocol

import numpy as np

from sim.core.distributions import Distribution
from sim.world import motion

AssetClass = Literal["drone", "ground", "satellite"]
PieceKind = Literal["static", "once", "bounce", "image", "swath"]


@dataclass(frozen=True)
class Asset:
    """One sensing asset (an airframe, a ground sensor, a satellite).

    ``range`` is the footprint's ground range in metres (``inf`` for a footprint
    that is the whole zone); ``glimpse`` the seconds between repeated looks while
    a point stays inside (None: one look per entry); ``false_alarm_rate`` the
    false alarms per second of sensing, or for an imaging asset per image;
    ``needs_daylight`` and ``cloud_factor`` how the sky limits it (sim.world.sky).
    """

    index: int
    id: str
    asset_class: AssetClass
    group: str
    modality: str
    pd: float
    range: float
    glimpse: float | None
    report_latency: Distribution
    false_alarm_rate: float = 0.0
    needs_daylight: bool = False  # sees only by daylight (an optical modality)
    cloud_factor: float = 1.0  # factor on pd under overcast (0: sees nothing)


@dataclass(frozen=True, eq=False)
class Strip:
    """What one pass of an orbiting satellite images, each point at its abeam instant.

    ``cell`` indexes the coverage grid (``sim.world.grid.grid_points`` at the scenario's
    ``line.cell``), ``violation`` the run's violations; ``*_time`` s from the start.
    ``grid_xy`` (cells, 2) m are the grid's cell centres (one array shared by every
    strip of a run), ``n_line`` its line cells (the zone cells follow).
    """

    cell: np.ndarray
    cell_time: np.ndarray
    violation: np.ndarray
    violation_time: np.ndarray
    grid_xy: np.ndarray = field(repr=False)
    n_line: int = 0


@dataclass(eq=False)
class Piece:
    """A stretch of one asset's plan whose footprint motion is known in closed form.

    Kinds:
    ``static``  the asset sits at ``path[0]`` from ``t0`` to ``t1``;
    ``once``    it flies the polyline ``path`` once at ``speed`` m/s from ``t0``;
    ``bounce``  it patrols ``path`` back and forth at ``speed``, at arc length ``s0``
                at ``t0`` heading to the far end, until ``t1``;
    ``image``   an instantaneous image of the whole zone at ``t0`` (= ``t1``);
    ``swath``   one pass of an orbiting satellite from ``t0`` to ``t1``: ``strip`` says
                which cells and violations it images, and when.

    ``continues`` is True when the asset's previous piece ended at ``t0`` with the
    footprint where this one starts (no new entry there). ``cut`` is when a plan
    change ended the piece early (``inf``: never). ``cue`` marks a piece flown to
    answer a cue, ``glimpse`` a glimpse of its own (a cued drone's loiter).
    """

    asset: int
    kind: PieceKind
    t0: float
    t1: float
    path: np.ndarray | None = None
    speed: float = 0.0
    s0: float = 0.0
    continues: bool = False
    cut: float = math.inf
    strip: Strip | None = None
    serial: int = field(default=-1)
    cue: bool = False  # flown to answer a cue (sim.world.assets.cueing)
    glimpse: float | None = None  # seconds between looks here, instead of the asset's

    @property
    def end(self) -> float:
        """When the piece really ended (its planned end, or the cut)."""
        return min(self.t1, self.cut)

    @cached_property
    def _steps(self) -> tuple[np.ndarray, np.ndarray]:
        """The path's segment lengths and the arc length at each vertex (m), kept."""
        assert self.path is not None
        steps = motion.path_steps(self.path)
        return steps, np.concatenate([[0.0], np.cumsum(steps)])

    @cached_property
    def bounds(self) -> np.ndarray:
        """The path's box, (2, 2) m: the lower corner, then the upper."""
        assert self.path is not None
        return np.array([self.path.min(axis=0), self.path.max(axis=0)])

    @cached_property
    def path_length(self) -> float:
        """Arc length of the path, metres (the path is never changed once published)."""
        if self.path is None:
            return 0.0
        return motion.path_length(self.path)

    def position(self, t: float) -> np.ndarray:
        """Return the asset's x, y (m) at time ``t`` inside the piece (``sim.world.motion``)."""
        if self.path is None:
            raise ValueError(f"an {self.kind} piece has no position")
        if self.kind == "static":
            return self.path[0].copy()
        length = self.path_length
        u = motion.travelled(t, self.t0, self.s0, self.speed)
        if self.kind == "bounce" and length > 0:
            s = motion.patrol_arc(u, length)
        else:
            s = motion.once_arc(u, length)
        return motion.point_at(self.path, s, *self._steps)


class PieceSink(Protocol):
    """Where assets publish plan pieces (the detection solver)."""

    def add(self, piece: Piece) -> Piece:
        """Take a new piece and solve its detections."""

    def cut(self, piece: Piece, t: float) -> None:
        """End a piece early at time ``t``: its detections after ``t`` are void."""
