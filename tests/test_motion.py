"""The one kinematics model (sim.world.motion) and its users."""

from __future__ import annotations

import numpy as np
import pytest

from sim.measure import coverage_kernel
from sim.world import detection, motion
from sim.world.assets.base import Piece

PATH = np.array([[0.0, 0.0], [3_000.0, 0.0], [3_000.0, 4_000.0]])  # L = 7 km


def test_travelled_and_time_at_are_inverse():
    u = motion.travelled(130.0, 100.0, 500.0, 20.0)
    assert u == 500.0 + 20.0 * 30.0
    assert motion.time_at(u, 100.0, 500.0, 20.0) == 130.0


@pytest.mark.parametrize(
    ("u", "s"),
    [(0.0, 0.0), (2_500.0, 2_500.0), (7_000.0, 7_000.0), (9_000.0, 5_000.0), (15_000.0, 1_000.0)],
)
def test_patrol_arc_is_a_triangle_wave(u, s):
    """Out to the far end (L = 7 km), back to the start, out again (period 14 km)."""
    assert motion.patrol_arc(u, 7_000.0) == pytest.approx(s)


def test_once_arc_stops_at_the_ends():
    assert motion.once_arc(-5.0, 7_000.0) == 0.0
    assert motion.once_arc(3_000.0, 7_000.0) == 3_000.0
    assert motion.once_arc(9_000.0, 7_000.0) == 7_000.0


def test_patrol_passes_are_where_the_patrol_is_in_the_interval():
    """Inside each pass the patrol's arc length lies in [s_lo, s_hi]; just outside, not."""
    length, s_lo, s_hi = 7_000.0, 2_000.0, 2_500.0
    period = motion.patrol_period(length)
    for k in (0, 3):
        for half in (0, 1):
            lo, hi = motion.patrol_pass(k, half, s_lo, s_hi, period)
            assert hi - lo == pytest.approx(s_hi - s_lo)
            for u in np.linspace(lo, hi, 7):
                assert s_lo - 1e-6 <= motion.patrol_arc(u, length) <= s_hi + 1e-6
            for u in (lo - 1.0, hi + 1.0):
                assert not s_lo <= motion.patrol_arc(u, length) <= s_hi


def test_point_at_walks_the_polyline():
    assert motion.path_length(PATH) == 7_000.0
    assert motion.point_at(PATH, 1_500.0).tolist() == [1_500.0, 0.0]
    assert motion.point_at(PATH, 5_000.0).tolist() == [3_000.0, 2_000.0]
    assert motion.point_at(PATH, 7_000.0).tolist() == [3_000.0, 4_000.0]


def test_a_patrol_piece_is_where_its_detection_windows_say():
    """A point seen by the patrol's windows is within range of Piece.position then."""
    piece = Piece(0, "bounce", 50.0, 5_000.0, PATH, 25.0, 1_000.0)
    radius, px, py = 300.0, np.array([3_100.0]), np.array([1_000.0])
    point, s_lo, s_hi = detection.path_intervals(PATH, px, py, radius)
    _, w_lo, w_hi = detection.bounce_windows(
        point,
        s_lo,
        s_hi,
        np.array([piece.t0]),
        np.array([piece.t1]),
        piece.path_length,
        piece.t0,
        piece.s0,
        piece.speed,
    )
    assert len(w_lo) >= 2  # passes out and back
    for lo, hi in zip(w_lo, w_hi, strict=True):
        for t in np.linspace(lo, hi, 5):
            assert np.hypot(*(piece.position(t) - (px[0], py[0]))) <= radius + 1e-6
        for t in (lo - 5.0, hi + 5.0):
            if piece.t0 <= t <= piece.t1:
                assert np.hypot(*(piece.position(t) - (px[0], py[0]))) > radius


def test_the_coverage_kernel_compiles_the_motion_functions():
    """The compiled loop uses the kinematics of sim.world.motion, not a copy of its own."""
    assert coverage_kernel._travelled.py_func is motion.travelled
    assert coverage_kernel._time_at.py_func is motion.time_at
    assert coverage_kernel._patrol_period.py_func is motion.patrol_period
    assert coverage_kernel._patrol_pass.py_func is motion.patrol_pass


def test_the_coverage_kernel_and_the_detection_windows_agree_to_the_bit():
    """A patrol's windows from the compiled loop equal the vectorised detection windows.

    (numba's cache does not see edits to sim/world/motion.py: a stale compiled kernel
    fails here; delete sim/measure/__pycache__/coverage_kernel.* to rebuild it.)
    """
    length, t0, s0, speed = 7_000.0, 50.0, 1_000.0, 25.0
    s_lo, s_hi, a, b = 2_000.0, 2_600.0, 130.0, 4_000.0
    _, w_lo, w_hi = detection.bounce_windows(
        np.array([0]),
        np.array([s_lo]),
        np.array([s_hi]),
        np.array([a]),
        np.array([b]),
        length,
        t0,
        s0,
        speed,
    )
    windows, k, half = [], 0, -1
    while True:
        k, half, start, end, found = coverage_kernel._next_window(
            coverage_kernel.TRAIN, a, b, t0, s0, speed, length, s_lo, s_hi, k, half
        )
        if not found:
            break
        windows.append((start, end))
    assert len(windows) >= 4
    assert windows == list(zip(w_lo.tolist(), w_hi.tolist(), strict=True))
