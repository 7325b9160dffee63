"""Jamming: areas where drones see worse, are lost more often and report late.

Everything here is closed form, with no time step:

- **pd.** A drone's look at time t at a violation whose (fixed) point lies in an area
  active at t has its pd multiplied by the area's ``pd_factor`` (several areas: the
  product). The point-in-polygon test is exact (the boundary counts as inside).
- **Where a drone flies jammed.** A plan piece's path is cut by each area's polygon
  leg by leg (shapely intersects each straight leg with the polygon: the parts are
  arc-length intervals on the leg), then turned into time intervals with the piece's
  kinematics (``sim.world.motion``: once, or the patrol's triangle wave, period by
  period) and intersected with the area's active windows.
- **Losses.** An area adds a constant hazard ``loss_rate`` while the drone is inside it
  and it is active. Its time to loss is the first t at which the jammed time flown in
  it reaches E / loss_rate, E ~ Exp(1): the cumulative hazard inverted exactly on the
  intervals above. The areas' clocks and the fleet's own (``loss_rate``) are
  independent competing risks: the airframe is lost at the earliest of them, which
  is exactly a loss at the summed, piecewise-constant hazard.
- **Reports.** A drone's detection (or false alarm) at a point inside an area active at
  the detection time is reported ``report_delay`` later, drawn from the area's own
  stream.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from sim.core.distributions import Distribution
from sim.core.geo import Line
from sim.spec.environment import JammingSpec
from sim.spec.jamming import area_polygon
from sim.world import motion
from sim.world.assets.base import Piece

EMPTY = np.zeros((0, 2))


def merge(iv: np.ndarray) -> np.ndarray:
    """Sorted, disjoint union of (k, 2) closed intervals (touching ones joined)."""
    iv = iv[iv[:, 1] >= iv[:, 0]]
    if len(iv) == 0:
        return EMPTY
    iv = iv[np.argsort(iv[:, 0], kind="stable")]
    hi = np.maximum.accumulate(iv[:, 1])
    start = np.concatenate([[True], iv[1:, 0] > hi[:-1]])
    first = np.flatnonzero(start)
    last = np.concatenate([first[1:] - 1, [len(iv) - 1]])
    return np.column_stack([iv[first, 0], hi[last]])


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The intersection of two sorted, disjoint interval lists, (k, 2)."""
    if len(a) == 0 or len(b) == 0:
        return EMPTY
    lo = np.maximum(a[:, None, 0], b[None, :, 0])
    hi = np.minimum(a[:, None, 1], b[None, :, 1])
    keep = hi > lo
    return merge(np.column_stack([lo[keep], hi[keep]]))


@dataclass(frozen=True, eq=False)
class Edges:
    """The boundary segments of a polygon, with a spatial index of them.

    Overlaying a leg with a polygon of thousands of vertices (a band along a 1,000 km
    line) costs GEOS the whole polygon each time; crossing the leg with the few
    boundary segments near it, and testing the pieces between crossings, costs only
    those.
    """

    start: np.ndarray  # (E, 2) m
    end: np.ndarray  # (E, 2) m
    index: shapely.STRtree

    @classmethod
    def of(cls, shape: BaseGeometry) -> Edges:
        """The segments of every ring of ``shape`` (exteriors and holes)."""
        rings = shapely.get_rings(shapely.get_parts(shape))
        xy = [shapely.get_coordinates(r) for r in rings]
        seg = np.concatenate([np.stack([c[:-1], c[1:]], axis=1) for c in xy if len(c) > 1])
        return cls(seg[:, 0], seg[:, 1], shapely.STRtree(shapely.linestrings(seg)))


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The z of the cross product of (n, 2) vectors."""
    return a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]


def _crossing_parts(
    p: np.ndarray, q: np.ndarray, shape: BaseGeometry, edges: Edges
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The parts inside ``shape`` of legs p -> q, as (leg, from, to) fractions of the leg.

    The leg is cut where it meets a boundary segment (for a segment along it, at the
    segment's ends); each piece between cuts lies wholly inside or outside, which its
    midpoint tells (the boundary counts as inside).
    """
    d = q - p
    leg, edge = edges.index.query(shapely.linestrings(np.stack([p, q], axis=1)))
    a = edges.start[edge]
    e = edges.end[edge] - a
    dl = d[leg]
    w = a - p[leg]
    den = _cross(dl, e)
    par = den == 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        t = _cross(w, e) / den
        u = _cross(w, dl) / den
    hit = ~par & (t >= 0.0) & (t <= 1.0) & (u >= 0.0) & (u <= 1.0)
    norm = np.einsum("ij,ij->i", dl, dl)
    t_a = np.einsum("ij,ij->i", w, dl) / norm  # a segment along the leg: its two ends
    t_b = np.einsum("ij,ij->i", w + e, dl) / norm
    n = len(p)
    legs = np.concatenate([np.arange(n), np.arange(n), leg[hit], leg[par], leg[par]])
    ts = np.concatenate([np.zeros(n), np.ones(n), t[hit], t_a[par], t_b[par]])
    keep = (ts >= 0.0) & (ts <= 1.0)
    legs, ts = legs[keep], ts[keep]
    order = np.lexsort((ts, legs))
    legs, ts = legs[order], ts[order]
    nxt = np.flatnonzero((legs[1:] == legs[:-1]) & (ts[1:] > ts[:-1]))
    k, lo, hi = legs[nxt], ts[nxt], ts[nxt + 1]
    mid = p[k] + d[k] * (0.5 * (lo + hi))[:, None]
    inside = shapely.intersects_xy(shape, mid[:, 0], mid[:, 1])
    return k[inside], lo[inside], hi[inside]


def _leg_parts(
    p: np.ndarray, q: np.ndarray, shape: BaseGeometry, edges: Edges
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The parts inside ``shape`` of straight legs p -> q, as (leg, from, to) fractions.

    A leg wholly inside (a prepared predicate) is one part (0, 1), first; a leg across
    the boundary is crossed with the boundary segments near it (``_crossing_parts``).
    """
    lines = shapely.linestrings(np.stack([p, q], axis=1))
    inside = shapely.contains(shape, lines)
    touching = np.flatnonzero(~inside & shapely.intersects(shape, lines))
    k, lo, hi = _crossing_parts(p[touching], q[touching], shape, edges)
    whole = np.flatnonzero(inside)
    return (
        np.concatenate([whole, touching[k]]),
        np.concatenate([np.zeros(len(whole)), lo]),
        np.concatenate([np.ones(len(whole)), hi]),
    )


def path_arc_intervals(
    path: np.ndarray, shape: BaseGeometry, edges: Edges | None = None
) -> np.ndarray:
    """Arc-length intervals (m) of the polyline ``path`` that lie inside ``shape``.

    A leg wholly inside (or outside) the shape is found by a prepared predicate. A
    leg across its boundary is intersected with it: by GEOS, or, given the shape's
    ``edges``, by crossing it with the boundary segments near it (the same parts, to
    rounding). A part of an intersection is a segment of the leg, whose ends' arc
    lengths are their projections on the leg. Isolated touching points (measure
    zero) are dropped.
    """
    steps = motion.path_steps(path)
    cum = np.concatenate([[0.0], np.cumsum(steps)])
    legs = np.flatnonzero(steps > 0.0)
    if len(legs) == 0:
        return EMPTY
    if edges is not None:
        k, lo, hi = _leg_parts(path[legs], path[legs + 1], shape, edges)
        i = legs[k]
        out = np.column_stack([cum[i] + lo * steps[i], cum[i] + hi * steps[i]])
        return merge(out[out[:, 1] > out[:, 0]])
    lines = shapely.linestrings(np.stack([path[legs], path[legs + 1]], axis=1))
    inside = shapely.contains(shape, lines)
    touching = ~inside & shapely.intersects(shape, lines)
    parts = np.empty(len(legs), dtype=object)
    parts[inside] = lines[inside]
    parts[touching] = shapely.intersection(lines[touching], shape)
    found: list[tuple[float, float]] = []
    for i, part in zip(legs.tolist(), parts.tolist(), strict=True):
        if part is None:
            continue
        step = steps[i]
        a = path[i]
        u = (path[i + 1] - a) / step
        for geom in getattr(part, "geoms", [part]):
            if geom.is_empty or geom.geom_type not in ("LineString", "LinearRing"):
                continue
            xy = np.asarray(geom.coords, dtype=float)
            s = np.clip((xy - a) @ u, 0.0, step)
            if s.max() > s.min():
                found.append((cum[i] + s.min(), cum[i] + s.max()))
    return merge(np.array(found).reshape(-1, 2))


class Passes:
    """When a drone on one plan piece is inside one shape, as a cumulative clock.

    ``measure(a, b)`` is the time (s) inside the shape in [a, b]; ``reach(a, amount)``
    the first t >= a with ``measure(a, t) == amount`` (inf if never). A patrol is
    periodic: its passes in one cycle (period 2L / v) are found once, and the clock
    counts whole cycles in closed form, so the cost does not grow with the span.
    Times outside the piece's planned span are not clipped here (callers clip).
    """

    def __init__(self, piece: Piece, shape: BaseGeometry, arcs: np.ndarray | None = None):
        assert piece.path is not None
        self.period = math.inf  # non-periodic: ``iv`` are absolute times
        self.origin = 0.0
        self.always = False
        self.iv = EMPTY
        length = piece.path_length
        if length == 0.0 or piece.kind == "static" or piece.speed <= 0.0:  # a hover
            self.always = bool(shapely.intersects_xy(shape, piece.path[0][0], piece.path[0][1]))
            return
        if arcs is None:
            arcs = path_arc_intervals(piece.path, shape)
        if len(arcs) == 0:
            return
        v = piece.speed
        if piece.kind == "once":
            lo = motion.time_at(arcs[:, 0], piece.t0, piece.s0, v)
            hi = motion.time_at(arcs[:, 1], piece.t0, piece.s0, v)
            self.iv = merge(np.column_stack([lo, hi]))
        else:  # bounce: one cycle's outbound and return passes, in time from the cycle start
            period_u = motion.patrol_period(length)
            k: np.ndarray = np.zeros(len(arcs))
            s_lo: np.ndarray = arcs[:, 0]
            s_hi: np.ndarray = arcs[:, 1]
            out_lo, out_hi = motion.patrol_pass(k, 0, s_lo, s_hi, period_u)
            ret_lo, ret_hi = motion.patrol_pass(k, 1, s_lo, s_hi, period_u)
            lo, hi = np.concatenate([out_lo, ret_lo]), np.concatenate([out_hi, ret_hi])
            u = np.column_stack([lo, hi])
            self.iv = merge(u / v)
            self.period = period_u / v
            self.origin = motion.time_at(0.0, piece.t0, piece.s0, v)  # when u = 0
        self.cum = np.concatenate([[0.0], np.cumsum(self.iv[:, 1] - self.iv[:, 0])])

    def _inside_before(self, x: float) -> float:
        """Time inside among ``iv`` before ``x`` (one cycle's, or absolute)."""
        j = int(np.searchsorted(self.iv[:, 0], x, side="right"))
        if j == 0:
            return 0.0
        return float(self.cum[j - 1] + min(x, self.iv[j - 1, 1]) - self.iv[j - 1, 0])

    def _clock(self, t: float) -> float:
        """Time inside from a fixed origin to ``t`` (a monotone function of t)."""
        if math.isinf(self.period):
            return self._inside_before(t)
        cycles = math.floor((t - self.origin) / self.period)
        rest = (t - self.origin) - cycles * self.period
        return cycles * float(self.cum[-1]) + self._inside_before(rest)

    def measure(self, a: float, b: float) -> float:
        """Seconds inside the shape in [a, b]."""
        if b <= a:
            return 0.0
        if self.always:
            return b - a
        if len(self.iv) == 0:
            return 0.0
        return max(self._clock(b) - self._clock(a), 0.0)

    def _inverse(self, y: float) -> float:
        """The first x at which ``_inside_before`` reaches ``y`` (0 < y <= total)."""
        j = int(np.searchsorted(self.cum, y, side="left"))  # cum[j - 1] < y <= cum[j]
        j = min(max(j, 1), len(self.iv))
        return float(self.iv[j - 1, 0] + (y - self.cum[j - 1]))

    def reach(self, a: float, amount: float) -> float:
        """The first t >= a with ``measure(a, t) == amount``; inf if never."""
        if amount <= 0.0:
            return a
        if self.always:
            return a + amount
        if len(self.iv) == 0:
            return math.inf
        y = self._clock(a) + amount
        total = float(self.cum[-1])
        if math.isinf(self.period):
            return self._inverse(y) if y <= total else math.inf
        if total <= 0.0:
            return math.inf
        cycles = math.ceil(y / total) - 1
        return self.origin + cycles * self.period + self._inverse(y - cycles * total)


def piece_time_intervals(
    piece: Piece, shape: BaseGeometry, t_lo: float, t_hi: float, arcs: np.ndarray | None = None
) -> np.ndarray:
    """Time intervals in [t_lo, t_hi] when the drone on ``piece`` is inside ``shape``.

    Enumerates a patrol's cycles (for short spans, figures and tests; the engine uses
    ``Passes``). ``arcs``: the path's arc-length intervals inside the shape, if known.
    """
    if t_hi <= t_lo or piece.path is None:
        return EMPTY
    passes = Passes(piece, shape, arcs)
    if passes.always:
        return np.array([[t_lo, t_hi]])
    if len(passes.iv) == 0:
        return EMPTY
    if math.isinf(passes.period):
        lo, hi = passes.iv[:, 0], passes.iv[:, 1]
    else:
        first = math.floor((t_lo - passes.origin) / passes.period) - 1
        last = math.floor((t_hi - passes.origin) / passes.period) + 1
        starts = passes.origin + passes.period * np.arange(first, last + 1, dtype=float)
        lo = (starts[:, None] + passes.iv[None, :, 0]).ravel()
        hi = (starts[:, None] + passes.iv[None, :, 1]).ravel()
    iv = np.column_stack([np.maximum(lo, t_lo), np.minimum(hi, t_hi)])
    return merge(iv[iv[:, 1] > iv[:, 0]])


@dataclass(eq=False)
class JamArea:
    """One jamming area in the line's metres; ``windows`` (k, 2) s when it is on."""

    name: str
    shape: BaseGeometry
    pd_factor: float
    loss_rate: float
    report_delay: Distribution
    windows: np.ndarray

    def active(self, t: np.ndarray) -> np.ndarray:
        """Whether the area is on at each time ``t`` (closed windows)."""
        t = np.asarray(t, dtype=float)
        if len(self.windows) == 1 and math.isinf(self.windows[0, 1]):
            return t >= self.windows[0, 0]
        j = np.searchsorted(self.windows[:, 0], t, side="right") - 1
        ok = j >= 0
        jj = np.clip(j, 0, None)
        return ok & (t <= self.windows[jj, 1])

    def hits(self, x: np.ndarray, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Whether points (x, y) lie in the area while it is on at ``t``."""
        return shapely.intersects_xy(self.shape, x, y) & self.active(t)


class Jamming:
    """The scenario's jamming areas and the closed forms drones need of them."""

    def __init__(self, specs: Sequence[JammingSpec], line: Line, horizon: float):
        self.horizon = horizon
        self.areas: list[JamArea] = []
        for spec in specs:
            shape = area_polygon(spec, line)
            shapely.prepare(shape)
            if spec.active:
                windows = merge(np.array(spec.active, dtype=float).reshape(-1, 2))
            else:
                windows = np.array([[0.0, math.inf]])
            self.areas.append(
                JamArea(
                    spec.name,
                    shape,
                    spec.pd_factor,
                    spec.loss_rate,
                    spec.report_delay,
                    windows,
                )
            )
        self._arcs: dict[tuple[tuple[int, ...], bytes], np.ndarray] = {}
        self._shapes: dict[tuple[int, ...], BaseGeometry] = {}
        self._edges: dict[tuple[int, ...], Edges] = {}
        self._passes: dict[tuple, Passes] = {}

    @property
    def lossy(self) -> list[JamArea]:
        """The areas that add a loss hazard."""
        return [a for a in self.areas if a.loss_rate > 0.0]

    def pd_factor(self, x: np.ndarray, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Factor on a drone's pd for looks at points (x, y) at times ``t`` (1 outside)."""
        f = np.ones(len(t))
        for area in self.areas:
            if area.pd_factor != 1.0:
                f = np.where(area.hits(x, y, t), f * area.pd_factor, f)
        return f

    def _shape(self, members: tuple[int, ...]) -> BaseGeometry:
        """The union of the areas ``members`` (one area: its own shape)."""
        found = self._shapes.get(members)
        if found is None:
            found = shapely.union_all([self.areas[k].shape for k in members])
            shapely.prepare(found)
            self._shapes[members] = found
            self._edges[members] = Edges.of(found)
        return found

    def passes(self, members: tuple[int, ...], piece: Piece) -> Passes:
        """The clock of ``piece`` inside the union of areas ``members`` (cached per path)."""
        assert piece.path is not None
        key = (members, piece.path.tobytes(), piece.kind, piece.t0, piece.s0, piece.speed)
        found = self._passes.get(key)
        if found is None:
            shape = self._shape(members)
            arcs_key = (members, piece.path.tobytes())
            arcs = self._arcs.get(arcs_key)
            if arcs is None and piece.path_length > 0:
                arcs = path_arc_intervals(piece.path, shape, self._edges[members])
                self._arcs[arcs_key] = arcs
            found = Passes(piece, shape, arcs)
            self._passes[key] = found
        return found

    def _segments(self, t_lo: float, t_hi: float) -> list[tuple[float, float, tuple[int, ...]]]:
        """[t_lo, t_hi] cut where any area switches: (from, to, the areas on) each."""
        cuts = {t_lo, t_hi}
        for area in self.areas:
            cuts.update(float(c) for c in area.windows.ravel() if t_lo < c < t_hi)
        edges = sorted(cuts)
        out = []
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            mid = np.array([0.5 * (a + b)])
            on = tuple(k for k, area in enumerate(self.areas) if area.active(mid)[0])
            if on:
                out.append((a, b, on))
        return out

    def intervals(self, k: int, piece: Piece, t_lo: float, t_hi: float) -> np.ndarray:
        """When the drone on ``piece`` is inside area ``k`` while it is on, in [t_lo, t_hi].

        Enumerates a patrol's cycles: for figures and tests over short spans.
        """
        arcs = None
        if piece.path is not None and piece.path_length > 0:
            arcs = path_arc_intervals(piece.path, self.areas[k].shape)
        iv = piece_time_intervals(piece, self.areas[k].shape, t_lo, t_hi, arcs)
        return intersect(iv, self.areas[k].windows)

    def loss_time(
        self,
        pieces: Sequence[Piece],
        t_to: float,
        rng: np.random.Generator,
        t_from: float = -math.inf,
    ) -> float:
        """When jamming downs the drone flying ``pieces`` in [``t_from``, ``t_to``].

        The pieces count over their spans up to a cut (``Piece.end``). One Exp(1) draw
        per lossy area (always, so the stream's use does not depend on the path); inf
        when no area's hazard accumulates enough before ``t_to``. A flight whose plan
        changes at t (a cue) draws again from t: the hazard is memoryless, so the
        remaining jammed time to a loss is Exp(1) / rate again.
        """
        best = math.inf
        for k, area in enumerate(self.areas):
            if area.loss_rate <= 0.0:
                continue
            need = rng.standard_exponential() / area.loss_rate  # jammed seconds to the loss
            found = math.inf
            spans = [
                (piece, max(piece.t0, t_from), min(piece.end, t_to))
                for piece in pieces
                if piece.path is not None
            ]
            # seconds flown from each piece on: a bound on the jammed time still to come
            left = np.cumsum([max(b - a, 0.0) for _, a, b in spans][::-1])[::-1]
            for (piece, lo, hi), flown in zip(spans, left.tolist(), strict=True):
                if flown < need:  # even jammed throughout, the rest cannot reach the loss
                    break
                if hi <= lo:  # over before ``t_from``, or not begun
                    continue
                clock = self.passes((k,), piece)
                for lo_w, hi_w in area.windows:
                    a, b = max(lo_w, piece.t0, t_from), min(hi_w, hi)
                    if b <= a:
                        continue
                    m = clock.measure(a, b)
                    if m >= need:
                        found = min(clock.reach(a, need), b)
                        break
                    need -= m
                if math.isfinite(found):
                    break
            best = min(best, found)
        return best

    def jammed_seconds(self, pieces: Sequence[Piece], horizon: float) -> float:
        """Seconds flown (up to each piece's real end and ``horizon``) inside any active area.

        With every area always on, the straight legs flown once (transits, a cued
        drone's flights: most pieces of a run with tip-and-cue) are measured together
        (``_legs_seconds``); the others piece by piece, on their clocks.
        """
        always = all(len(a.windows) == 1 and a.windows[0, 0] <= 0.0 for a in self.areas)
        always = always and all(math.isinf(a.windows[0, 1]) for a in self.areas)
        total = 0.0
        legs: list[Piece] = []
        for piece in pieces:
            t_hi = min(piece.end, horizon)
            if t_hi <= piece.t0 or piece.path is None:
                continue
            if always and piece.kind == "once" and len(piece.path) == 2 and piece.speed > 0:
                if piece.path_length > 0:
                    legs.append(piece)
                    continue
            for a, b, on in self._segments(piece.t0, t_hi):
                total += self.passes(on, piece).measure(a, b)
        if legs:
            total += self._legs_seconds(legs, horizon)
        return total

    def _legs_seconds(self, legs: list[Piece], horizon: float) -> float:
        """Seconds inside the union of the (always on) areas of straight legs flown once.

        A leg's parts inside are found by ``_leg_parts``, for all legs at once; a part
        [s_lo, s_hi] m is flown in [t(s_lo), t(s_hi)], clipped to the leg's flown span.
        """
        members = tuple(range(len(self.areas)))
        shape = self._shape(members)
        p = np.array([leg.path[0] for leg in legs])  # type: ignore[index]
        q = np.array([leg.path[1] for leg in legs])  # type: ignore[index]
        t0 = np.array([leg.t0 for leg in legs])
        s0 = np.array([leg.s0 for leg in legs])
        v = np.array([leg.speed for leg in legs])
        t_hi = np.array([min(leg.end, horizon) for leg in legs])
        length = np.hypot(*(q - p).T)
        which, lo, hi = _leg_parts(p, q, shape, self._edges[members])
        lo, hi = lo * length[which], hi * length[which]
        a = np.maximum(motion.time_at(lo, t0[which], s0[which], v[which]), t0[which])
        b = np.minimum(motion.time_at(hi, t0[which], s0[which], v[which]), t_hi[which])
        return float(np.sum(np.maximum(b - a, 0.0)))

    def report_delays(
        self, x: np.ndarray, y: np.ndarray, t: np.ndarray, streams: Sequence[np.random.Generator]
    ) -> np.ndarray:
        """Extra report delay (s) of drone detections at (x, y), time ``t``.

        ``streams``: one generator per area; an area draws one delay per detection
        inside it (none when it has no delay).
        """
        extra = np.zeros(len(t))
        for area, rng in zip(self.areas, streams, strict=True):
            if area.report_delay.kind == "fixed" and area.report_delay.a == 0.0:
                continue
            hit = area.hits(x, y, t)
            n = int(np.count_nonzero(hit))
            if n:
                extra[hit] += area.report_delay.sample(rng, n)
        return extra
