"""Clouds: a clear / overcast Markov sky per region of the line (no time step).

The monitored line is cut into cloud regions of ``cell`` metres of chainage (one
region for the whole line by default). Over [0, horizon) seconds each region's sky is
an independent two-state continuous-time Markov chain, clear or overcast:

- **stationary form**: mean clear spell ``clear`` and mean overcast spell ``overcast``
  (s). The chain leaves clear at rate a = 1 / clear and overcast at rate
  b = 1 / overcast; spell lengths are exponential with those means and the long-run
  clear fraction is p = clear / (clear + overcast) = b / (a + b).
- **monthly form**: twelve clear-sky fractions f_1..f_12 (January first, each in
  (0, 1)) and one mean spell duration d (s). In calendar month m (UTC, of the
  scenario ``start`` + t) the chain has mean clear spell 2 d f_m and mean overcast
  spell 2 d (1 - f_m): spells alternate, so d is the mean of all spells, clear and
  overcast alike (about one change of sky per d in every month), and the month's
  stationary clear fraction is f_m.

The initial state at t = 0 is clear with the stationary probability (p, or f of the
start's month), so the stationary form is stationary from the first instant: by the
memoryless property the spell running at t = 0 has the same exponential law as any
other.

**Month boundaries** (monthly form): the rates are piecewise constant in time, so the
chain is a time-inhomogeneous Markov chain. At a boundary the *state carries over*
(no redraw, no forced change of sky): the spell in progress continues, and its
remaining length is exponential at the *new* month's rate. That is exact, not an
approximation, because an exponential spell has no memory: the generator cuts the
spell at the boundary, draws the rest from the new month's law, and merges the two
pieces into one spell. The probability of clear sky therefore relaxes from the end of
one month towards the next month's f with time constant
tau_m = 1 / (a_m + b_m) = 2 d f_m (1 - f_m) (at most d / 2); a month's expected clear
fraction differs from f_m by (p_start - f_m) tau_m / T_m (1 - exp(-T_m / tau_m)),
a fraction of a percent for d of a day or two and month-to-month steps of 0.1 to 0.2.

Spells are half-open, [t_start, t_end), except that each region's last spell also
holds the horizon itself. No sky is drawn outside [0, horizon]: queries there say
"not clear".

Draws, all from the one generator passed in (the run's ``environment/clouds``
stream): one uniform per region for the initial states, then, per month segment
(one segment for the stationary form), blocks of standard exponentials of shape
(regions, k) until every region's spells reach the segment's end. The same generator
state gives the same sky.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from sim.core.geo import Line
from sim.core.tables import Table
from sim.world.detection import merge_intervals

CLEAR = "clear"
OVERCAST = "overcast"
# the results table (the wiring step moves the name and the columns to sim.schema)
STREAM = "environment/clouds"  # the run's random stream for the sky (its own: no other draw moves)
CELL_TOL = 1e-9  # relative: a line this close to a whole number of cells has no sliver


# --- regions along the line ------------------------------------------------------------


def region_edges(length: float, cell: float | None = None) -> np.ndarray:
    """Chainage edges (m) of the cloud regions of a line ``length`` m long.

    Regions are [0, cell), [cell, 2 cell), ..., the last one ending at ``length``
    (shorter than ``cell`` unless the length is a whole number of cells, to a
    relative 1e-9). ``cell`` None (or not below the length) gives one region.
    Returns an array of n + 1 increasing edges, n >= 1.
    """
    length = float(length)
    if not np.isfinite(length) or length < 0:
        raise ValueError(f"line length must be a finite number >= 0 m, got {length!r}")
    if cell is None or length == 0:
        return np.array([0.0, length])
    cell = float(cell)
    if not np.isfinite(cell) or cell <= 0:
        raise ValueError(f"clouds.cell must be a positive length, got {cell!r} m")
    n = max(1, int(np.ceil(length / cell * (1.0 - CELL_TOL))))
    edges = np.arange(n + 1, dtype=float) * cell
    edges[-1] = length
    return edges


def region_index(chainage, edges: np.ndarray) -> np.ndarray:
    """Region (int) of each chainage (m): region k holds [edges[k], edges[k + 1]).

    The line's end belongs to the last region; chainages before 0 or past the end
    (points off the line's ends) belong to the first or the last region.
    """
    c = np.asarray(chainage, dtype=float)
    idx = np.searchsorted(edges, c, side="right") - 1
    return np.clip(idx, 0, len(edges) - 2).astype(np.int64)


# --- the sky's history -----------------------------------------------------------------


@dataclass(frozen=True)
class CloudHistory:
    """Every region's spells over [0, horizon]: a partition of time per region.

    Rows are sorted by (region, t_start); consecutive spells of a region alternate
    between clear and overcast and tile [0, horizon] without gaps.
    """

    edges: np.ndarray  # (n + 1,) region edges, chainage m
    horizon: float  # s
    region: np.ndarray  # per spell, int64
    t_start: np.ndarray  # s
    t_end: np.ndarray  # s
    clear: np.ndarray  # per spell, bool
    expected_clear: float  # the model's clear fraction over [0, horizon] (stationary months)

    @property
    def n_regions(self) -> int:
        """Number of regions."""
        return len(self.edges) - 1


def draw_clouds(
    rng: np.random.Generator,
    edges: np.ndarray,
    horizon: float,
    clear: float,
    overcast: float,
) -> CloudHistory:
    """Draw the stationary sky: mean ``clear`` and ``overcast`` spells (s), over ``horizon`` s."""
    for name, value in (("clear", clear), ("overcast", overcast)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"clouds.{name} must be a positive duration, got {value!r} s")
    horizon = _check_horizon(horizon)
    p = clear / (clear + overcast)
    segments = [(0.0, horizon, float(clear), float(overcast))]
    return _draw(rng, np.asarray(edges, dtype=float), horizon, p, segments, p)


def month_starts(start: dt.datetime, horizon: float) -> np.ndarray:
    """Times (s from ``start``) of the UTC month starts inside (0, horizon)."""
    if start.tzinfo is None:
        raise ValueError("the scenario start must be timezone-aware (UTC)")
    s = start.astimezone(dt.timezone.utc)
    year, month = s.year, s.month
    out: list[float] = []
    while True:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        t = (dt.datetime(year, month, 1, tzinfo=dt.timezone.utc) - s).total_seconds()
        if t >= horizon:
            return np.array(out, dtype=float)
        out.append(t)


def draw_monthly_clouds(
    rng: np.random.Generator,
    edges: np.ndarray,
    horizon: float,
    start: dt.datetime,
    clear_fractions,
    spell: float,
) -> CloudHistory:
    """Draw the piecewise-stationary sky from twelve monthly clear fractions.

    Parameters
    ----------
    rng
        The clouds' own random stream.
    edges
        Region edges, chainage m (``region_edges``).
    horizon
        Run length, s.
    start
        The scenario's UTC start (timezone-aware): month m holds the times t with
        ``start + t`` in that calendar month.
    clear_fractions
        Twelve clear-sky fractions, January first, each strictly between 0 and 1.
    spell
        Mean spell duration d, s: month m's mean clear spell is 2 d f_m and its mean
        overcast spell 2 d (1 - f_m).
    """
    f = np.asarray(clear_fractions, dtype=float)
    if f.shape != (12,):
        raise ValueError(f"clouds.monthly needs 12 clear-sky fractions, got {f.size}")
    if not np.all((f > 0) & (f < 1)):
        raise ValueError(
            "clouds.monthly: each clear-sky fraction must be strictly between 0 and 1 "
            f"(a month always or never clear has no spells), got {f.tolist()}"
        )
    if not (np.isfinite(spell) and spell > 0):
        raise ValueError(f"clouds.spell must be a positive duration, got {spell!r} s")
    horizon = _check_horizon(horizon)
    cuts = np.concatenate([[0.0], month_starts(start, horizon), [horizon]])
    s = start.astimezone(dt.timezone.utc)
    months = (s.month - 1 + np.arange(len(cuts) - 1)) % 12
    segments = [
        (float(t0), float(t1), 2 * spell * f[m], 2 * spell * (1 - f[m]))
        for t0, t1, m in zip(cuts[:-1], cuts[1:], months, strict=True)
    ]
    span = np.diff(cuts)
    expected = float(np.sum(f[months] * span) / horizon) if horizon > 0 else float(f[months[0]])
    p0 = float(f[months[0]])
    return _draw(rng, np.asarray(edges, dtype=float), horizon, p0, segments, expected)


def clouds_for(
    rng: np.random.Generator,
    length: float,
    horizon: float,
    start: dt.datetime,
    *,
    cell: float | None = None,
    clear: float | None = None,
    overcast: float | None = None,
    monthly: list[float] | None = None,
    spell: float | None = None,
) -> CloudHistory:
    """The sky of a run from the keys of ``environment.clouds`` (SI values: m, s).

    Either ``clear`` and ``overcast`` (mean spells) or ``monthly`` (twelve fractions)
    and ``spell`` (mean spell); ``cell`` the region size along the line (None: one).
    """
    edges = region_edges(length, cell)
    if monthly is not None:
        if clear is not None or overcast is not None:
            raise ValueError("clouds: give either clear/overcast or monthly/spell, not both")
        if spell is None:
            raise ValueError("clouds.monthly needs clouds.spell, the mean spell duration")
        return draw_monthly_clouds(rng, edges, horizon, start, monthly, spell)
    if clear is None or overcast is None:
        raise ValueError("clouds needs clear and overcast (mean spells) or monthly and spell")
    return draw_clouds(rng, edges, horizon, clear, overcast)


def _check_horizon(horizon: float) -> float:
    h = float(horizon)
    if not (np.isfinite(h) and h >= 0):
        raise ValueError(f"horizon must be a finite number >= 0 s, got {horizon!r}")
    return h


def _segment(
    rng: np.random.Generator,
    clear0: np.ndarray,
    t0: float,
    t1: float,
    mean_clear: float,
    mean_overcast: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Spells of a homogeneous chain over [t0, t1] (s) started in ``clear0`` per region.

    Returns region, start, end (s; the last spell cut at ``t1``) and clear (bool) per
    spell, sorted by (region, start); each spell starts exactly where the previous one
    ends. A zero-length segment gives one zero-length spell per region.
    """
    n = len(clear0)
    length = t1 - t0
    cycle = mean_clear + mean_overcast
    k = int(np.ceil(2.0 * length / cycle * 1.25)) + 16  # spells per block, usually enough
    lengths = np.zeros((n, 0))
    total = np.zeros(n)
    while lengths.shape[1] == 0 or np.any(total < length):
        j = lengths.shape[1] + np.arange(k)
        is_clear = clear0[:, None] ^ (j[None, :] % 2 == 1)
        block = rng.standard_exponential((n, k)) * np.where(is_clear, mean_clear, mean_overcast)
        lengths = np.concatenate([lengths, block], axis=1)
        total = total + block.sum(axis=1)
    ends = np.minimum(t0 + np.cumsum(lengths, axis=1), t1)
    starts = np.concatenate([np.full((n, 1), t0), ends[:, :-1]], axis=1)
    j = np.arange(lengths.shape[1])
    keep = (starts < t1) | (j[None, :] == 0)
    region, spell = np.nonzero(keep)
    clear = clear0[region] ^ (spell % 2 == 1)
    return region, starts[region, spell], ends[region, spell], clear


def _draw(
    rng: np.random.Generator,
    edges: np.ndarray,
    horizon: float,
    p0: float,
    segments: list[tuple[float, float, float, float]],
    expected: float,
) -> CloudHistory:
    """Chain the homogeneous segments (t0, t1, mean clear, mean overcast) per region."""
    n = len(edges) - 1
    state = rng.random(n) < p0
    parts = []
    for t0, t1, mc, mo in segments:
        r, a, b, c = _segment(rng, state, t0, t1, mc, mo)
        parts.append((r, a, b, c))
        last = np.r_[r[1:] != r[:-1], True]  # each region's last spell
        state = c[last]
    region = np.concatenate([p[0] for p in parts])
    start = np.concatenate([p[1] for p in parts])
    end = np.concatenate([p[2] for p in parts])
    clear = np.concatenate([p[3] for p in parts])
    order = np.lexsort((start, region))
    region, start, end, clear = region[order], start[order], end[order], clear[order]
    # a spell that runs on across a month boundary is one spell: merge same-state runs
    new = np.r_[True, (region[1:] != region[:-1]) | (clear[1:] != clear[:-1])]
    first = np.flatnonzero(new)
    last_row = np.r_[first[1:] - 1, len(region) - 1]
    return CloudHistory(
        edges=edges,
        horizon=horizon,
        region=region[first].astype(np.int64),
        t_start=start[first],
        t_end=end[last_row],
        clear=clear[first],
        expected_clear=float(expected),
    )


# --- queries ---------------------------------------------------------------------------


def _spell_at(history: CloudHistory, region: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Index of the spell of ``region`` holding time ``t`` (t in [0, horizon]).

    One lexsort of spells and queries by (region, time, spells first): each query
    takes the last spell at or before it, which is its own region's since every
    region's first spell starts at 0. Exact (no time offsets), O((m + q) log).
    """
    m, q = len(history.region), len(t)
    keys_r = np.concatenate([history.region, region])
    keys_t = np.concatenate([history.t_start, t])
    kind = np.concatenate([np.zeros(m, dtype=np.int8), np.ones(q, dtype=np.int8)])
    order = np.lexsort((kind, keys_t, keys_r))
    marker = np.where(order < m, order, -1)
    last = np.maximum.accumulate(marker)
    out = np.empty(q, dtype=np.int64)
    is_query = order >= m
    out[order[is_query] - m] = last[is_query]
    return out


def _pairs(history: CloudHistory, region, t) -> tuple[np.ndarray, np.ndarray]:
    r, tt = np.broadcast_arrays(np.asarray(region, dtype=np.int64), np.asarray(t, dtype=float))
    if r.size and (r.min() < 0 or r.max() >= history.n_regions):
        raise ValueError(f"cloud region out of range 0..{history.n_regions - 1}")
    return r.ravel(), tt.ravel()


def is_clear(history: CloudHistory, region, t) -> np.ndarray:
    """Whether the sky of ``region`` is clear at time ``t`` (s); arrays broadcast.

    False outside [0, horizon], where no sky is drawn.
    """
    r, tt = _pairs(history, region, t)
    shape = np.broadcast_shapes(np.shape(region), np.shape(t))
    inside = (tt >= 0) & (tt <= history.horizon)
    out = np.zeros(len(tt), dtype=bool)
    if inside.any():
        out[inside] = history.clear[_spell_at(history, r[inside], tt[inside])]
    return out.reshape(shape)


def sky_parts(
    history: CloudHistory, region, lo, hi
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Closed windows [lo, hi] (s), window k over ``region[k]``, cut where the sky changes.

    Returns, per part, the index of its window, its bounds (s) and whether the sky is
    clear over it (the state at the part's start; the part's end may be the instant
    the sky changes), sorted by (window, lo). The parts of a window tile its share of
    [0, horizon]; the rest is dropped. A zero-length window [t, t] gives one part.
    """
    r, a = _pairs(history, region, lo)
    _, b = _pairs(history, region, hi)
    a, b = np.maximum(a, 0.0), np.minimum(b, history.horizon)
    ok = np.flatnonzero(a <= b)
    if len(ok) == 0:
        empty = np.zeros(0)
        return np.zeros(0, dtype=np.int64), empty, empty.copy(), np.zeros(0, dtype=bool)
    j_lo = _spell_at(history, r[ok], a[ok])
    j_hi = _spell_at(history, r[ok], b[ok])
    count = j_hi - j_lo + 1
    window = np.repeat(ok, count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    spell = np.repeat(j_lo, count) + offset
    p_lo = np.maximum(a[window], history.t_start[spell])
    p_hi = np.minimum(b[window], history.t_end[spell])
    return window, p_lo, p_hi, history.clear[spell]


def clear_parts(history: CloudHistory, region, lo, hi) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The clear parts of closed windows [lo, hi] (s), window k over ``region[k]``.

    For cutting optical sensing windows: returns, per clear piece, the index of its
    window and its bounds, sorted by (window, lo) and merged. A window's part outside
    [0, horizon] is dropped; a zero-length window [t, t] gives [t, t] when clear at t.
    """
    window, p_lo, p_hi, clear = sky_parts(history, region, lo, hi)
    # clear spells never touch one another; merging only joins what touches within
    # detection.TOUCH (an overcast gap shorter than a microsecond)
    return merge_intervals(window[clear], p_lo[clear], p_hi[clear])


def clear_intervals(history: CloudHistory) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per region, the sorted, disjoint clear intervals: (starts, ends), s."""
    out = []
    for k in range(history.n_regions):
        m = (history.region == k) & history.clear
        out.append((history.t_start[m], history.t_end[m]))
    return out


def clear_fraction(history: CloudHistory) -> np.ndarray:
    """Realised clear-sky fraction of each region over [0, horizon].

    With a zero horizon: 1 or 0, the sky at t = 0.
    """
    n = history.n_regions
    if history.horizon == 0:
        return history.clear[np.searchsorted(history.region, np.arange(n))].astype(float)
    span = np.where(history.clear, history.t_end - history.t_start, 0.0)
    return np.bincount(history.region, weights=span, minlength=n) / history.horizon


def line_clear_fraction(history: CloudHistory) -> float:
    """Realised clear-sky fraction of the whole line: regions weighted by their length.

    The time- and chainage-average of clear sky over [0, horizon] and the line (a
    zero-length line weighs its one region fully).
    """
    width = np.diff(history.edges)
    if width.sum() == 0:
        width = np.ones_like(width)
    return float(np.sum(clear_fraction(history) * width) / width.sum())


def clear_at_points(history: CloudHistory, line: Line, x, y, t) -> np.ndarray:
    """Whether the sky over points (x, y in m, the line's CRS) is clear at times t (s).

    Each point's region is that of its chainage (``Line.locate``); arrays broadcast.
    This is the test for an optical image of a point taken at instant t.
    """
    xx, yy, tt = np.broadcast_arrays(
        np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(t, dtype=float)
    )
    chain, _ = line.locate(xx.ravel(), yy.ravel())
    region = region_index(np.atleast_1d(chain), history.edges)
    return is_clear(history, region, tt.ravel()).reshape(tt.shape)


def expected_clear_fraction(history: CloudHistory) -> np.ndarray:
    """The model's clear-sky fraction of each region (the same for all).

    Stationary form: clear / (clear + overcast). Monthly form: the months' fractions
    weighted by their time inside [0, horizon] (ignoring the relaxation after each
    month boundary, see the module docstring).
    """
    return np.full(history.n_regions, history.expected_clear)


def cloud_table(history: CloudHistory) -> Table:
    """One row per (region, spell): ``sim.schema.CLOUD_COLUMNS``; chainages m, times s."""
    r = history.region
    return Table(
        {
            "region": r,
            "from_m": history.edges[r],
            "to_m": history.edges[r + 1],
            "t_start_s": history.t_start,
            "t_end_s": history.t_end,
            "state": np.where(history.clear, CLEAR, OVERCAST),
        }
    )
