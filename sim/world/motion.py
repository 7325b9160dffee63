"""The one kinematics model: where an asset on a plan piece is, and when.

An asset moves along a polyline ``path`` (metres) of arc length L at ``speed`` v
(m/s). From arc length s0 at time t0 it has travelled the *unwrapped distance*

    u(t) = s0 + v (t - t0)            (metres; inverse: t(u) = t0 + (u - s0) / v)

and is at arc length s(t) along the path:

- a leg flown once: s = clamp(u, 0, L);
- a patrol (back and forth, turning instantly at both ends, period 2L / v): the
  triangle wave s = tri(u), with tri(u) = u mod 2L if that is <= L, else 2L - (u mod 2L).

A patrol is at arc length s in [s_lo, s_hi] for u in [2kL + s_lo, 2kL + s_hi]
(outbound) and [2kL + 2L - s_hi, 2kL + 2L - s_lo] (return), for every integer k.

These formulas are written once, here, for the plan pieces' positions
(``sim.world.assets.base.Piece``), the detection windows (``sim.world.detection``)
and the coverage kernel (``sim.measure.coverage_kernel``, which compiles the scalar
functions with numba). They use plain arithmetic, so they take floats or numpy
arrays alike, and every user rounds alike (results are compared byte for byte).

numba's on-disk cache of the coverage kernel does not see edits to this file: after
changing it, delete ``sim/measure/__pycache__/coverage_kernel.*`` (tests/test_motion.py
fails while the compiled kernel is stale).
"""

from __future__ import annotations

import math
from typing import TypeVar

import numpy as np

# A float, or a numpy array of floats
F = TypeVar("F", float, np.ndarray)


def travelled(t: F, t0: float, s0: float, speed: float) -> F:
    """The unwrapped distance u (m) at time ``t`` (s) from arc length ``s0`` at ``t0``."""
    return s0 + speed * (t - t0)


def time_at(u: F, t0: float, s0: float, speed: float) -> F:
    """The time (s) at which the unwrapped distance is ``u`` (m): the inverse of ``travelled``."""
    return t0 + (u - s0) / speed


def patrol_period(length: float) -> float:
    """Unwrapped distance of one patrol cycle (out and back) on a path of ``length`` m."""
    return 2.0 * length


def patrol_pass(k: F, half: int, s_lo: F, s_hi: F, period: float) -> tuple[F, F]:
    """The unwrapped-distance interval of cycle ``k`` in which a patrol is in [s_lo, s_hi].

    ``k`` is a whole number (or an array of them), ``half`` 0 for the outbound pass and
    1 for the return pass, ``period`` = ``patrol_period(L)``. Returns (lo, hi), metres.
    """
    base = k * period
    if half == 0:
        return base + s_lo, base + s_hi
    return base + period - s_hi, base + period - s_lo


def patrol_arc(u: float, length: float) -> float:
    """Arc length (m) of a patrol on a path of ``length`` > 0 after unwrapped distance ``u``."""
    u = math.fmod(u, 2 * length)
    return u if u <= length else 2 * length - u


def once_arc(u: float, length: float) -> float:
    """Arc length (m) of a leg flown once on a path of ``length`` after unwrapped distance ``u``."""
    return min(max(u, 0.0), length)


def path_steps(path: np.ndarray) -> np.ndarray:
    """Lengths (m) of the segments of a (k, 2) polyline."""
    return np.hypot(*np.diff(path, axis=0).T)


def path_length(path: np.ndarray) -> float:
    """Arc length (m) of a (k, 2) polyline."""
    return float(np.sum(path_steps(path)))


def point_at(
    path: np.ndarray, s: float, steps: np.ndarray | None = None, cum: np.ndarray | None = None
) -> np.ndarray:
    """The x, y (m) at arc length ``s`` along a polyline of at least two vertices.

    ``steps`` and ``cum``: the path's ``path_steps`` and the arc length at each vertex
    (0 first, then their running sum), when the caller keeps them.
    """
    if steps is None or cum is None:
        steps = path_steps(path)
        cum = np.concatenate([[0.0], np.cumsum(steps)])
    i = int(np.clip(np.searchsorted(cum, s, side="right") - 1, 0, len(steps) - 1))
    frac = 0.0 if steps[i] == 0 else (s - cum[i]) / steps[i]
    return path[i] + frac * (path[i + 1] - path[i])
