"""The detection solver: plan pieces x violations -> candidate detections.

For each plan piece an asset publishes, the solver finds, in closed form, every
violation the piece's footprint can see and draws the looks' outcomes at once
(numpy across violations). A plan change at time t cuts the piece at t (its looks
after t never happen) and the asset publishes the new plan as new pieces.
Causality makes this exact: a change at t cannot alter what happened before t.

When a piece is solved: a piece whose detections someone reacts to during the run
(a cueing sensor's: ``listen``) is solved as it is published, over its whole plan,
and a candidate after its cut is dropped when it comes due. Every other piece is
solved after the run (``finish``), over the span it was really flown, in the order
pieces were published, so each asset's stream of draws is used in that order. A
drone cued away every twenty minutes has its patrol re-planned to the end of its
sortie each time; only the twenty minutes are solved.
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
from sim.world.intervals import unique_sorted
from sim.world.jamming import Jamming
from sim.world.sky import Sky
from sim.world.violations import Violations

EPS = 1e-6  # seconds
FINISH_BATCH = 4096  # pieces solved together after the run (bounds the arrays' size)


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
        self._found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        # per asset: chances to see a violation lost wholly to night (an image of it, or
        # a footprint's pass over it), and looks taken through overcast
        # exposure mode (the adversary's planning run): no draw, only each violation's
        # log chance of escaping every look, sum of log(1 - p)
        self.log_escape = np.zeros(len(violations)) if exposure else None
        self.looks_night: dict[int, int] = {}
        self.looks_overcast: dict[int, int] = {}
        # jammed looks: (piece serial, look time, min(p, 1) - min(p f, 1)) each
        self._jam_lost: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._listeners: list[Callable[[int, int, float], None]] = []
        self._env: simpy.Environment | None = None
        self._heard: set[int] = set()  # assets whose detections the listeners hear
        self._deferred: list[Piece] = []  # to solve after the run, over their flown span

    def register(self, asset: Asset, rng: np.random.Generator) -> None:
        """Add an asset; ``rng`` draws its looks' outcomes (shared by its fleet)."""
        if asset.index != len(self.assets):
            raise ValueError("assets must be registered in index order")
        self.assets.append(asset)
        self.rngs.append(rng)

    def listen(
        self,
        env: simpy.Environment,
        callback: Callable[[int, int, float], None],
        assets: set[int],
    ) -> None:
        """Call ``callback(violation, asset, t)`` at each detection by ``assets``, in the run.

        This is how an asset reacts during a run (a drone cued to investigate): the
        solver then solves those assets' pieces as they are published and schedules
        one SimPy event per candidate detection; a candidate whose piece was cut
        before its time is dropped when it comes due.
        """
        self._env = env
        self._listeners.append(callback)
        self._heard |= assets

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
        """Record ``piece``; solve it now if its detections are heard, else after the run."""
        piece.serial = len(self.pieces)
        self.pieces.append(piece)
        if piece.asset not in self._heard:
            self._deferred.append(piece)
            return piece
        viol, time, _ = self._solve([piece], [piece.t1])
        if len(viol):
            self._found.append((viol, time, np.full(len(viol), piece.serial)))
            self._announce(piece, viol, time)
        return piece

    def finish(self) -> None:
        """Solve the pieces left for after the run, over their spans up to their cuts.

        They are solved together (their looks drawn in one pass, each asset's stream
        in publication order: the same draws as one piece at a time).
        """
        for k in range(0, len(self._deferred), FINISH_BATCH):
            batch = self._deferred[k : k + FINISH_BATCH]
            viol, time, serial = self._solve(batch, [p.end for p in batch])
            if len(viol):
                self._found.append((viol, time, serial))
        self._deferred = []

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

    def _solve(
        self, pieces: list[Piece], ends: list[float]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each piece's first successful look at each violation, up to its end (s).

        Returns (violation, time, piece serial). The windows are found piece by piece;
        the looks in them are cut by daylight, placed, weighed and drawn for all the
        pieces at once (``_looks``).
        """
        found = [self._windows_of(piece, t_end) for piece, t_end in zip(pieces, ends, strict=True)]
        return self._looks(pieces, found)

    def _windows_of(
        self, piece: Piece, t_end: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        """The piece's sensing windows (violation, from, to) up to ``t_end`` (s).

        The last item says whether daylight must still cut them (a footprint's windows
        of an asset that needs it); an image's instants are already judged.
        """
        asset = self.assets[piece.asset]
        t_lo, t_hi = piece.t0, min(t_end, self.horizon)
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), False)
        if t_hi < t_lo:
            return empty
        if piece.kind == "image":
            idx = self._candidates(t_lo, t_hi)
            idx = idx[self.in_zone[idx]]
            idx, t = self._by_day(piece.asset, idx, np.full(len(idx), t_lo))
            return idx, t, t, False
        if piece.kind == "swath":  # each violation imaged at its own abeam instant
            assert piece.strip is not None
            idx, t = piece.strip.violation, piece.strip.violation_time
            seen = (self.v.t_start[idx] <= t) & (t <= self.t_end[idx]) & (t <= self.horizon)
            if t_end < piece.t1:  # cut during the pass
                seen &= t <= t_end
            idx, t = self._by_day(piece.asset, idx[seen], t[seen])
            return idx, t, t, False
        assert piece.path is not None
        lo = piece.bounds[0] - asset.range
        hi = piece.bounds[1] + asset.range
        idx = self._candidates(t_lo, t_hi, (lo[0], lo[1], hi[0], hi[1]))
        if len(idx) == 0:
            return empty
        pair_lo = np.maximum(self.v.t_start[idx], t_lo)
        pair_hi = np.minimum(self.t_end[idx], t_hi)
        group, w_lo, w_hi = self._windows(piece, asset.range, idx, pair_lo, pair_hi)
        return group, w_lo, w_hi, self.sky is not None and asset.needs_daylight

    def _looks(
        self, pieces: list[Piece], found: list[tuple[np.ndarray, np.ndarray, np.ndarray, bool]]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The looks in the pieces' windows, drawn: (violation, first success, serial).

        Arrays run over all the pieces' windows and looks, tagged with the piece's
        position ``j``; every operation is elementwise or keeps each piece's order, so
        the result equals solving the pieces one by one.
        """
        size = np.array([len(f[0]) for f in found], dtype=np.int64)
        j = np.repeat(np.arange(len(pieces)), size)
        group = np.concatenate([f[0] for f in found] + [np.zeros(0, dtype=np.int64)])
        w_lo = np.concatenate([f[1] for f in found] + [np.zeros(0)])
        w_hi = np.concatenate([f[2] for f in found] + [np.zeros(0)])
        asset_of = np.array([p.asset for p in pieces], dtype=np.int64)
        cut = np.repeat(np.array([f[3] for f in found], dtype=bool), size)
        if cut.any():  # looks only by daylight
            assert self.sky is not None
            k, lo, hi = self.sky.daylit_windows(group[cut], w_lo[cut], w_hi[cut])
            # a footprint's pass over a violation wholly by night is a look lost
            jc = j[cut]
            lost = np.bincount(jc, minlength=len(pieces)) - np.bincount(
                jc[unique_sorted(k)], minlength=len(pieces)
            )
            self._count(self.looks_night, asset_of, lost)
            keep = ~cut
            j = np.concatenate([j[keep], jc[k]])
            group = np.concatenate([group[keep], group[cut][k]])
            w_lo, w_hi = np.concatenate([w_lo[keep], lo]), np.concatenate([w_hi[keep], hi])
            order = np.argsort(j, kind="stable")  # back in piece order, each piece's kept
            j, group, w_lo, w_hi = j[order], group[order], w_lo[order], w_hi[order]
        t0 = np.array([p.t0 for p in pieces])
        skip = np.array([p.continues for p in pieces], dtype=bool)[j]
        skip &= (w_lo <= t0[j] + EPS) & (self.v.t_start[group] < t0[j] - EPS)
        glimpse = np.array([self._glimpse(p) for p in pieces])
        jt, g, t = detection.trial_times_of(j, group, w_lo, w_hi, glimpse[j], skip)
        a = asset_of[jt]
        pd = np.array([self.assets[i].pd for i in asset_of])
        modality = np.array([self.modality_index[self.assets[i].modality] for i in asset_of])
        p = pd[jt] * self.factor[self.v.type_index[g], modality[jt]]
        if self.sky is not None:  # an optical look under overcast
            cloud = np.array([self.assets[i].cloud_factor for i in asset_of])[jt]
            optical = np.flatnonzero(cloud != 1.0)
            if len(optical):
                clear = self.sky.clear(g[optical], t[optical])
                p[optical] = np.where(clear, p[optical], p[optical] * cloud[optical])
                self._count(
                    self.looks_overcast,
                    asset_of,
                    np.bincount(jt[optical][~clear], minlength=len(pieces)),
                )
        serial = np.array([piece.serial for piece in pieces], dtype=np.int64)
        if self.jamming is not None:  # same draws, p scaled
            drone = np.array([self.assets[i].asset_class == "drone" for i in asset_of])[jt]
            d = np.flatnonzero(drone)
            if len(d):
                f = self.jamming.pd_factor(self.v.x[g[d]], self.v.y[g[d]], t[d])
                if self.log_escape is None:
                    self._note_jammed(serial[jt[d]], t[d], p[d], f)
                p[d] = p[d] * f
        if self.log_escape is not None:
            with np.errstate(divide="ignore"):
                np.add.at(self.log_escape, g, np.log1p(-np.minimum(p, 1.0)))
            return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.int64)
        u = np.empty(len(g))
        for rng, rows in self._by_stream(a):
            u[rows] = rng.random(len(rows))
        first = detection.first_success_of(jt, g, t, u < p)
        return g[first], t[first], serial[jt[first]]

    def _note_jammed(self, serial: np.ndarray, t: np.ndarray, p: np.ndarray, f: np.ndarray) -> None:
        """Keep the chance of success each jammed look lost (same draws), by piece serial."""
        jammed = f != 1.0
        if np.any(jammed):
            lost = np.minimum(p[jammed], 1.0) - np.minimum(p[jammed] * f[jammed], 1.0)
            self._jam_lost.append((serial[jammed], t[jammed], lost))

    def detections_lost_jammed(self) -> dict[int, float]:
        """Per asset, the expected successful looks jamming cost, up to each piece's cut.

        The sum over its looks at violations inside an active area of
        min(p, 1) - min(p f, 1), p the look's chance without jamming and f the areas'
        factor (docs/model.md, section 20).
        """
        out: dict[int, float] = {}
        if not self._jam_lost:
            return out
        serial = np.concatenate([e[0] for e in self._jam_lost])
        t = np.concatenate([e[1] for e in self._jam_lost])
        lost = np.concatenate([e[2] for e in self._jam_lost])
        cut = np.array([self.pieces[k].cut for k in serial.tolist()])
        asset = np.array([self.pieces[k].asset for k in serial.tolist()], dtype=np.int64)
        kept = t <= cut
        for a in unique_sorted(asset[kept]).tolist():
            out[a] = float(lost[kept & (asset == a)].sum())
        return out

    def _glimpse(self, piece: Piece) -> float:
        """Seconds between looks on ``piece`` (0: one look per entry)."""
        glimpse = self.assets[piece.asset].glimpse if piece.glimpse is None else piece.glimpse
        return float(glimpse) if glimpse else 0.0

    def _by_stream(self, asset: np.ndarray) -> list[tuple[np.random.Generator, np.ndarray]]:
        """Looks (rows, in order) grouped by the stream that draws them (a fleet's)."""
        out: dict[int, tuple[np.random.Generator, list[np.ndarray]]] = {}
        for a in unique_sorted(asset).tolist():
            rng = self.rngs[a]
            out.setdefault(id(rng), (rng, []))[1].append(np.flatnonzero(asset == a))
        return [(rng, np.sort(np.concatenate(rows))) for rng, rows in out.values()]

    @staticmethod
    def _count(counter: dict[int, int], asset_of: np.ndarray, per_piece: np.ndarray) -> None:
        """Add each piece's count to its asset's."""
        for a, n in zip(asset_of.tolist(), per_piece.tolist(), strict=True):
            if n:
                counter[a] = counter.get(a, 0) + int(n)

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
        self.finish()
        if not self._found:
            empty = np.zeros(0, dtype=np.int64)
            return Candidates(empty, np.zeros(0), empty)
        viol = np.concatenate([f[0] for f in self._found])
        time = np.concatenate([f[1] for f in self._found])
        piece = np.concatenate([f[2] for f in self._found]).astype(np.int64)
        cut = np.array([p.cut for p in self.pieces])
        keep = (time <= cut[piece]) & (time <= self.horizon)
        viol, time, piece = viol[keep], time[keep], piece[keep]
        order = np.lexsort((piece, time, viol))
        return Candidates(viol[order], time[order], piece[order])
