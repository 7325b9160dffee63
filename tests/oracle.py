"""A brute-force, time-stepped detection oracle for small scenarios (tests only).

Deliberately naive and independent of the engine's closed-form window code: it
imports nothing from ``sim.world.detection`` or ``sim.engine.solver`` and does not call
``Piece.position``. From a run's plan pieces (``result.pieces``) it rebuilds each
asset's motion with its own interpolation, honouring ``piece.cut``, and steps
time at ``dt`` over each violation's active interval to find the times the
violation's point enters each asset's disc footprint (inside when the distance is
<= the range). Satellite images are not modelled here: the oracle covers the
disc-footprint assets (drones, ground sensors).

With pd = 1 every entry is a detection, so the engine's detection time of each
(violation, asset) must be the oracle's first entry, to within one step.
Disagreements are either genuine errors or borderline cases the grid explains: a
visit (or an absence) shorter than a step, which the grid steps over. The
oracle's exact geometry tells them apart: ``Oracle.is_entry`` checks that an
engine detection time is a moment a look is due (the point inside, and the
violation starting then or the point outside a millisecond before). ``compare``
sorts every disagreement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

TIME_TOL = 1e-6  # s: float noise on times
DIST_TOL = 1e-3  # m: float noise on distances
ENTRY_PROBE = 1e-3  # s: how far back ``is_entry`` looks for the point outside


@dataclass
class Leg:
    """One flown plan piece in the oracle's own terms: a time span and a motion."""

    asset: int
    kind: str
    t0: float
    t_end: float  # when the piece really ended: its planned end or the cut
    xs: np.ndarray  # vertices
    ys: np.ndarray
    cum: np.ndarray  # arc length at each vertex
    speed: float
    s0: float

    @property
    def length(self) -> float:
        """Arc length of the path, metres."""
        return float(self.cum[-1])

    def xy(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Position (m) at times ``t`` (assumed inside [t0, t_end])."""
        t = np.asarray(t, dtype=float)
        if self.kind == "static" or self.length == 0.0:
            return np.full(t.shape, self.xs[0]), np.full(t.shape, self.ys[0])
        u = self.s0 + self.speed * (t - self.t0)
        if self.kind == "bounce":
            # triangle wave of period 2L: out to the far end, back to the start
            s = self.length - np.abs(np.mod(u, 2.0 * self.length) - self.length)
        else:  # once
            s = np.clip(u, 0.0, self.length)
        return np.interp(s, self.cum, self.xs), np.interp(s, self.cum, self.ys)


def legs_of(result) -> dict[int, list[Leg]]:
    """Each asset's flown legs (pieces cut before they began are dropped), sorted by start."""
    legs: dict[int, list[Leg]] = {}
    for piece in result.pieces:
        if piece.kind == "image":
            continue
        t_end = min(piece.t1, piece.cut)
        if t_end < piece.t0:
            continue  # planned, but the asset was lost before it began
        path = np.asarray(piece.path, dtype=float)
        steps = np.hypot(np.diff(path[:, 0]), np.diff(path[:, 1]))
        keep = np.concatenate([[True], steps > 0])  # np.interp needs increasing arc lengths
        cum = np.concatenate([[0.0], np.cumsum(steps)])[keep]
        leg = Leg(
            piece.asset,
            piece.kind,
            float(piece.t0),
            float(t_end),
            path[keep, 0],
            path[keep, 1],
            cum,
            float(piece.speed),
            float(piece.s0),
        )
        legs.setdefault(piece.asset, []).append(leg)
    for asset_legs in legs.values():
        asset_legs.sort(key=lambda leg: leg.t0)
    return legs


@dataclass
class Pair:
    """What the oracle saw of one (violation, asset) pair."""

    entries: np.ndarray  # grid times at which the point entered the footprint
    entry_margin: float  # range - distance at the first entry (m; NaN without entries)


@dataclass
class Oracle:
    """Footprint entries of every (violation, asset) pair with at least a leg nearby."""

    dt: float
    horizon: float
    legs: dict[int, list[Leg]]
    ranges: np.ndarray
    pairs: dict[tuple[int, int], Pair] = field(default_factory=dict)

    def first_entry(self, violation: int, asset: int) -> float:
        """First entry time, or NaN if the point never entered while active."""
        pair = self.pairs.get((violation, asset))
        if pair is None or len(pair.entries) == 0:
            return math.nan
        return float(pair.entries[0])

    def margin_at(self, asset: int, x: float, y: float, t: float) -> float:
        """Range minus distance (m) of (x, y) from ``asset`` at ``t``; -inf if none flies."""
        best = -math.inf
        for leg in self.legs.get(asset, []):
            if leg.t0 <= t <= leg.t_end:
                lx, ly = leg.xy(np.array([t]))
                best = max(best, float(self.ranges[asset] - math.hypot(lx[0] - x, ly[0] - y)))
        return best

    def is_entry(self, asset: int, x: float, y: float, t: float, t_start: float) -> bool:
        """True if a look at ``t`` is due: (x, y) is inside the footprint at ``t`` and either
        the violation starts then or the point was outside (or the asset absent) just before."""
        if self.margin_at(asset, x, y, t) < -DIST_TOL:
            return False
        if t <= t_start + TIME_TOL:
            return True
        return self.margin_at(asset, x, y, t - ENTRY_PROBE) < 0.0


def _bbox(legs: list[Leg], radius: float) -> tuple[float, float, float, float]:
    xs = np.concatenate([leg.xs for leg in legs])
    ys = np.concatenate([leg.ys for leg in legs])
    return xs.min() - radius, xs.max() + radius, ys.min() - radius, ys.max() + radius


def build(result, dt: float = 1.0) -> Oracle:
    """Step every violation's active interval at ``dt`` against every asset's legs."""
    events = result.events
    horizon = result.scenario.duration
    ranges = np.asarray(result.assets["range_m"], dtype=float)
    legs = legs_of(result)
    oracle = Oracle(dt, horizon, legs, ranges)
    boxes = {a: _bbox(asset_legs, ranges[a]) for a, asset_legs in legs.items()}
    x_all, y_all = events["x"], events["y"]
    t_start, t_stop = (
        events["t_start_s"],
        np.minimum(events["t_start_s"] + events["duration_s"], horizon),
    )
    for i in range(len(events)):
        x, y, lo, hi = float(x_all[i]), float(y_all[i]), float(t_start[i]), float(t_stop[i])
        grid = np.append(np.arange(lo, hi, dt), hi)
        for asset, asset_legs in legs.items():
            x0, x1, y0, y1 = boxes[asset]
            if not (x0 <= x <= x1 and y0 <= y <= y1):
                continue
            active = [leg for leg in asset_legs if leg.t0 <= hi and leg.t_end >= lo]
            if not active:
                continue
            # leg boundaries inside the interval are grid times too: an asset that
            # appears (take-off, repair) or vanishes (loss, failure) is seen exactly then
            bounds = [t for leg in active for t in (leg.t0, leg.t_end) if lo < t < hi]
            times = np.unique(np.concatenate([grid, bounds])) if bounds else grid
            margin = np.full(len(times), -math.inf)  # range - distance, best leg
            for leg in active:
                on = (times >= leg.t0) & (times <= leg.t_end)
                if not on.any():
                    continue
                lx, ly = leg.xy(times[on])
                margin[on] = np.maximum(margin[on], ranges[asset] - np.hypot(lx - x, ly - y))
            inside = margin >= 0.0
            before = np.concatenate([[False], inside[:-1]])
            enter = inside & ~before
            first = float(margin[enter][0]) if enter.any() else math.nan
            oracle.pairs[(i, asset)] = Pair(times[enter], first)
    return oracle


@dataclass
class Comparison:
    """Engine vs oracle, pair by pair and violation by violation (pd = 1).

    ``agree``: pairs where both found the same first entry (the engine's time in
    the grid step ending at the oracle's; exactly the start for a point born
    inside) or both found none.
    ``borderline``: the engine saw a visit the grid stepped over -- it detected
    earlier than the oracle's step (or the oracle saw nothing) at a time the
    oracle's geometry confirms is an entry, so the visit lasted less than one
    step; or a float tie, the point on the footprint's edge (within 1 mm) at the
    oracle's entry.
    ``wrong``: every other disagreement.
    ``outside``: engine detections at a time that, by the oracle's geometry, is
    no entry (``Oracle.is_entry``), or when the violation was not active.
    ``event_wrong``: violations without a doubtful pair whose ``detected`` /
    ``t_detect_s`` disagree with the oracle's earliest entry over all assets.
    """

    pairs: int = 0
    agree: int = 0
    borderline: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    event_wrong: list[str] = field(default_factory=list)
    born_inside: int = 0  # pairs whose first entry is the violation's start
    later_entry: int = 0  # pairs whose first entry is after the violation's start


def compare(result, oracle: Oracle) -> Comparison:
    """Check the engine's detections of a pd = 1 run against the oracle."""
    out = Comparison()
    events, det = result.events, result.detections
    index_of = {asset_id: k for k, asset_id in enumerate(result.assets["id"])}
    engine = {
        (int(v), index_of[a]): float(t)
        for v, a, t in zip(det["violation"], det["asset"], det["t_detect_s"], strict=True)
    }
    t_start = events["t_start_s"]
    t_stop = np.minimum(t_start + events["duration_s"], oracle.horizon)
    doubtful = set()
    keys = sorted(set(engine) | {k for k, p in oracle.pairs.items() if len(p.entries)})
    for key in keys:
        i, asset = key
        out.pairs += 1
        e = engine.get(key, math.nan)
        o = oracle.first_entry(i, asset)
        x, y = float(events["x"][i]), float(events["y"][i])
        label = f"violation {events['id'][i]} asset {result.assets['id'][asset]}"
        seen = True
        if not math.isnan(e):
            active = t_start[i] - TIME_TOL <= e <= t_stop[i] + TIME_TOL
            seen = active and oracle.is_entry(asset, x, y, e, float(t_start[i]))
            if not seen:
                out.outside.append(f"{label}: engine time {e:.3f} s is not an entry")
        born = not math.isnan(o) and o <= t_start[i] + TIME_TOL
        if not math.isnan(o):
            out.born_inside += born
            out.later_entry += not born
        detail = f"{label}: engine {e:.3f} s, oracle {o:.3f} s"
        if math.isnan(e) and math.isnan(o):
            out.agree += 1
        elif not math.isnan(o) and (math.isnan(e) or e > o + TIME_TOL):
            doubtful.add(i)  # the engine missed or was late for an entry on the grid
            if abs(oracle.pairs[key].entry_margin) <= DIST_TOL:
                out.borderline.append(f"{detail}; point on the edge at the oracle's entry")
            else:
                out.wrong.append(f"{detail}; missed or late")
        elif born:
            if abs(e - o) <= TIME_TOL:
                out.agree += 1
            else:  # the engine cannot be earlier than the start: ``outside`` has it
                doubtful.add(i)
                out.wrong.append(f"{detail}; born inside but not detected at the start")
        elif math.isnan(o) or e < o - oracle.dt - TIME_TOL:
            doubtful.add(i)  # the engine found a visit the grid stepped over
            if seen:
                out.borderline.append(f"{detail}; a visit shorter than dt = {oracle.dt:g} s")
            else:
                out.wrong.append(f"{detail}; early, and not inside then")
        else:
            out.agree += 1
    # violation level: the first detection over all assets
    first = np.full(len(events), math.inf)
    for (i, _asset), pair in oracle.pairs.items():
        if len(pair.entries):
            first[i] = min(first[i], pair.entries[0])
    for i in range(len(events)):
        if i in doubtful:
            continue
        o, e = first[i], events["t_detect_s"][i]
        detected = bool(events["detected"][i])
        if detected != math.isfinite(o) or (
            detected and not (o - oracle.dt - TIME_TOL <= e <= o + TIME_TOL)
        ):
            out.event_wrong.append(f"violation {events['id'][i]}: engine {e:.3f}, oracle {o:.3f}")
    return out


def entry_counts(oracle: Oracle) -> dict[tuple[int, int], int]:
    """Number of footprint entries (looks) of each (violation, asset) pair."""
    return {key: len(pair.entries) for key, pair in oracle.pairs.items() if len(pair.entries)}
