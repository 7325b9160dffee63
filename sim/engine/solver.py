"""The detection solver: plan pieces x violations -> candidate detections.

When an asset publishes a plan piece, the solver finds, in closed form, every
violation the piece's footprint can see and draws the looks' outcomes at once
(numpy across violations). A candidate detection is final only if the piece is
not cut before it: a plan change at time t voids the piece's candidates after t,
and the asset publishes the new plan as new pieces. Causality makes this exact:
a change at t cannot alter what happened before t.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import simpy

from sim.world import detection
from sim.world.assets.base import Asset, Piece
from sim.world.assets.context import wait_until
from sim.world.jamming import Jamming
from sim.world.sky import Sky
from sim.world.violations import Violations

EPS = 1e-6  # seconds


@dataclass
class Candidates:
    """Detections found so far: one row per (piece, violation) first success."""

    violation: np.ndarray
    time: np.ndarray
    piece: np.ndarray


class DetectionSolver:
    """Solves pieces against all violations and keeps the candidate detections.

    Parameters
    ----------
    violations
        The run's violations (sorted by start time).
    in_zone
        Per violation, True inside the monitored zone (what a zone image sees).
    factor
        (n_types, n_modalities) signature factors on pd.
    modalities
        Modality names, in the column order of ``factor``.
    horizon
        End of the simulated period, s: nothing is detected after it.
    sky
        Daylight and clouds at each violation (``sim.world.sky``); None: the idealised
        sky (every look by day and night through a clear sky).
    jamming
        The jamming areas (``sim.world.jamming``): a drone's look at a violation inside
        an active one has its pd times the area's factor; None: no jamming.
    """

    def __init__(
        self,
        violations: Violations,
        in_zone: np.ndarray,
        factor: np.ndarray,
        modalities: list[str],
        horizon: float,
        sky: Sky | None = None,
        jamming: Jamming | None = None,
        exposure: bool = False,
    ):
        self.v = violations
        self.t_end = violations.t_end
        self.in_zone = in_zone
        self.factor = factor
        self.modality_index = {m: i for i, m in enumerate(modalities)}
        self.horizon = horizon
        self.sky = sky
        self.jamming = jamming
        self.max_duration = float(violations.duration.max()) if len(violations) else 0.0
        self.by_x = np.argsort(violations.x, kind="stable")
        self.x_sorted = violations.x[self.by_x]
        self.assets: list[Asset] = []
        self.rngs: list[np.random.Generator] = []
        self.pieces: list[Piece] = []
        self._found: list[tuple[np.ndarray, np.ndarray, int]] = []
        # per asset: chances to see a violation lost wholly to night (an image of it, or
        # a footprint's pass over it), and looks taken through overcast
        # exposure mode (the adversary's planning run): no draw, only each violation's
        # log chance of escaping every look, sum of log(1 - p)
        self.log_escape = np.zeros(len(violations)) if exposure else None
        self.looks_night: dict[int, int] = {}
        self.looks_overcast: dict[int, int] = {}
        # per piece with jammed looks: (serial, look times, min(p, 1) - min(p f, 1) each)
        self._jam_lost: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._listeners: list[Callable[[int, int, float], None]] = []
        self._env: simpy.Environment | None = None

    def register(self, asset: Asset, rng: np.random.Generator) -> None:
        """Add an asset; ``rng`` draws its looks' outcomes (shared by its fleet)."""
        if asset.index != len(self.assets):
            raise ValueError("assets must be registered in index order")
        self.assets.append(asset)
        self.rngs.append(rng)

    def listen(self, env: simpy.Environment, callback: Callable[[int, int, float], None]) -> None:
        """Call ``callback(violation, asset, t)`` at each detection, as it happens in the run.

        This is how an asset reacts during a run (a drone cued to investigate): the
        solver then schedules one SimPy event per candidate detection, and a
        candidate whose piece was cut before its time is dropped when it comes due.
        Without listeners no event is scheduled and detections are only collected.
        """
        self._env = env
        self._listeners.append(callback)

    def _announce(self, piece: Piece, viol: np.ndarray, time: np.ndarray) -> None:
        env = self._env
        assert env is not None
        for v, t in zip(viol.tolist(), time.tolist(), strict=True):
            if t > self.horizon:
                continue
            event = wait_until(env, t)
            event.callbacks.append(partial(self._due, piece, v, t))

    def _due(self, piece: Piece, violation: int, t: float, _event: simpy.Event) -> None:
        if t <= piece.cut:
            for callback in self._listeners:
                callback(violation, piece.asset, t)

    # --- the PieceSink protocol ---------------------------------------------------

    def add(self, piece: Piece) -> Piece:
        """Record ``piece`` and solve its candidate detections."""
        piece.serial = len(self.pieces)
        self.pieces.append(piece)
        viol, time = self._solve(piece)
        if len(viol):
            self._found.append((viol, time, piece.serial))
            if self._listeners:
                self._announce(piece, viol, time)
        return piece

    def cut(self, piece: Piece, t: float) -> None:
        """End ``piece`` at ``t``; candidates after ``t`` no longer count."""
        piece.cut = min(piece.cut, t)

    # --- solving -------------------------------------------------------------------

    def _time_range(self, t_lo: float, t_hi: float) -> tuple[int, int]:
        """Index range (by start time) holding every violation active in [t_lo, t_hi]."""
        ts = self.v.t_start
        j0 = int(np.searchsorted(ts, t_lo - self.max_duration, side="left"))
        return j0, int(np.searchsorted(ts, t_hi, side="right"))

    def _candidates(
        self, t_lo: float, t_hi: float, box: tuple[float, float, float, float] | None = None
    ) -> np.ndarray:
        """Indices of violations active in [t_lo, t_hi], inside ``box`` (xmin, ymin, xmax, ymax).

        Starts from the narrower of the time index and the x index, so that both a
        short piece (few violations in time) and a long one at a fixed place (a
        ground sensor: few violations in space) scan little.
        """
        j0, j1 = self._time_range(t_lo, t_hi)
        if box is None:
            idx = np.arange(j0, j1)
        else:
            k0, k1 = np.searchsorted(self.x_sorted, (box[0], box[2]), side="left")
            if k1 - k0 < j1 - j0:
                idx = np.sort(self.by_x[k0:k1])
                idx = idx[(idx >= j0) & (idx < j1)]
            else:
                idx = np.arange(j0, j1)
                x = self.v.x[idx]
                idx = idx[(x >= box[0]) & (x <= box[2])]
            y = self.v.y[idx]
            idx = idx[(y >= box[1]) & (y <= box[3])]
        return idx[self.t_end[idx] >= t_lo]

    def _solve(self, piece: Piece) -> tuple[np.ndarray, np.ndarray]:
        asset = self.assets[piece.asset]
        t_lo, t_hi = piece.t0, min(piece.t1, self.horizon)
        if t_hi < t_lo:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        if piece.kind == "image":
            idx = self._candidates(t_lo, t_hi)
            idx = idx[self.in_zone[idx]]
            idx, t = self._by_day(piece.asset, idx, np.full(len(idx), t_lo))
            group, w_lo, w_hi = idx, t, t
        elif piece.kind == "swath":  # each violation imaged at its own abeam instant
            assert piece.strip is not None
            idx, t = piece.strip.violation, piece.strip.violation_time
            seen = (self.v.t_start[idx] <= t) & (t <= self.t_end[idx]) & (t <= self.horizon)
            idx, t = self._by_day(piece.asset, idx[seen], t[seen])
            group, w_lo, w_hi = idx, t, t
        else:
            assert piece.path is not None
            lo = piece.path.min(axis=0) - asset.range
            hi = piece.path.max(axis=0) + asset.range
            idx = self._candidates(t_lo, t_hi, (lo[0], lo[1], hi[0], hi[1]))
            if len(idx) == 0:
                return idx, np.zeros(0)
            pair_lo = np.maximum(self.v.t_start[idx], t_lo)
            pair_hi = np.minimum(self.t_end[idx], t_hi)
            group, w_lo, w_hi = self._windows(piece, asset.range, idx, pair_lo, pair_hi)
            if self.sky is not None and asset.needs_daylight:  # looks only by daylight
                k, w_lo, w_hi = self.sky.daylit_windows(group, w_lo, w_hi)
                # a footprint's pass over a violation wholly by night is a look lost
                lost = len(group) - len(np.unique(k))
                self.looks_night[piece.asset] = self.looks_night.get(piece.asset, 0) + lost
                group = group[k]
        if len(group) == 0:
            return group, w_lo
        skip = None
        if piece.continues:
            skip = (w_lo <= piece.t0 + EPS) & (self.v.t_start[group] < piece.t0 - EPS)
        glimpse = asset.glimpse if piece.glimpse is None else piece.glimpse
        g, t = detection.trial_times(group, w_lo, w_hi, glimpse, skip)
        p = asset.pd * self.factor[self.v.type_index[g], self.modality_index[asset.modality]]
        if self.sky is not None and asset.cloud_factor != 1.0:  # an optical look under overcast
            clear = self.sky.clear(g, t)
            p = np.where(clear, p, p * asset.cloud_factor)
            lost = int(np.count_nonzero(~clear))
            self.looks_overcast[piece.asset] = self.looks_overcast.get(piece.asset, 0) + lost
        if self.jamming is not None and asset.asset_class == "drone":  # same draws, p scaled
            f = self.jamming.pd_factor(self.v.x[g], self.v.y[g], t)
            if self.log_escape is None:
                self._note_jammed(piece, t, p, f)
            p = p * f
        if self.log_escape is not None:
            with np.errstate(divide="ignore"):
                np.add.at(self.log_escape, g, np.log1p(-np.minimum(p, 1.0)))
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        success = self.rngs[piece.asset].random(len(g)) < p
        return detection.first_success(g, t, success)

    def _note_jammed(self, piece: Piece, t: np.ndarray, p: np.ndarray, f: np.ndarray) -> None:
        """Keep the chance of success each jammed look of ``piece`` lost (same draws)."""
        jammed = f != 1.0
        if np.any(jammed):
            lost = np.minimum(p[jammed], 1.0) - np.minimum(p[jammed] * f[jammed], 1.0)
            self._jam_lost.append((piece.serial, t[jammed], lost))

    def detections_lost_jammed(self) -> dict[int, float]:
        """Per asset, the expected successful looks jamming cost, up to each piece's cut.

        The sum over its looks at violations inside an active area of
        min(p, 1) - min(p f, 1), p the look's chance without jamming and f the areas'
        factor (docs/model.md, section 20).
        """
        out: dict[int, float] = {}
        for serial, t, lost in self._jam_lost:
            piece = self.pieces[serial]
            out[piece.asset] = out.get(piece.asset, 0.0) + float(lost[t <= piece.cut].sum())
        return out

    def _by_day(self, asset: int, idx: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The looks of an image at violations ``idx``, instants ``t`` (s), taken by daylight.

        All of them without daylight or for a sensor that needs none; the others are
        counted as lost to night.
        """
        if self.sky is None or not self.assets[asset].needs_daylight:
            return idx, t
        day = self.sky.daylit(idx, t)
        lost = len(idx) - int(np.count_nonzero(day))
        self.looks_night[asset] = self.looks_night.get(asset, 0) + lost
        return idx[day], t[day]

    def _windows(
        self,
        piece: Piece,
        radius: float,
        idx: np.ndarray,
        pair_lo: np.ndarray,
        pair_hi: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Time windows (violation, start, end) when the piece's footprint covers each point."""
        x, y = self.v.x[idx], self.v.y[idx]
        assert piece.path is not None
        if piece.kind == "static":
            q = piece.path[0]
            inside = (x - q[0]) ** 2 + (y - q[1]) ** 2 <= radius * radius
            return idx[inside], pair_lo[inside], pair_hi[inside]
        point, s_lo, s_hi = detection.path_intervals(piece.path, x, y, radius)
        if piece.kind == "once":
            w_lo, w_hi = detection.once_windows(s_lo, s_hi, piece.t0, piece.s0, piece.speed)
            w_lo = np.maximum(w_lo, pair_lo[point])
            w_hi = np.minimum(w_hi, pair_hi[point])
            keep = w_lo <= w_hi
            return idx[point[keep]], w_lo[keep], w_hi[keep]
        group, w_lo, w_hi = detection.bounce_windows(
            point,
            s_lo,
            s_hi,
            pair_lo[point],
            pair_hi[point],
            piece.path_length,
            piece.t0,
            piece.s0,
            piece.speed,
        )
        return idx[group], w_lo, w_hi

    # --- results -------------------------------------------------------------------

    def candidates(self) -> Candidates:
        """All candidate detections that survived the cuts, sorted by (violation, time)."""
        if not self._found:
            empty = np.zeros(0, dtype=np.int64)
            return Candidates(empty, np.zeros(0), empty)
        viol = np.concatenate([f[0] for f in self._found])
        time = np.concatenate([f[1] for f in self._found])
        piece = np.concatenate([np.full(len(f[0]), f[2], dtype=np.int64) for f in self._found])
        cut = np.array([p.cut for p in self.pieces])
        keep = (time <= cut[piece]) & (time <= self.horizon)
        viol, time, piece = viol[keep], time[keep], piece[keep]
        order = np.lexsort((piece, time, viol))
        return Candidates(viol[order], time[order], piece[order])
