"""Daylight benchmark: closed-form daylight windows for 10^4 points x 30 days.

Times ``sim.world.sun.daylight_windows`` (civil twilight, -6 deg) for points spread over
eastern Ukraine (lon 22-40 E, lat 44-52.5 N) from a January start, and a cut of one
sensing window per point by those windows (``cut_by_daylight``), and the windows of
30,000 violation-like points restricted to their active intervals (``t_lo``/``t_hi``:
lognormal durations, median 30 min, as in bench_core.py). Prints the median of
``--repeat`` runs in this process (the first, warm-up call is not counted).

Target: well under a second for the windows on the 2-core reference machine.

Usage::

    python benchmarks/bench_sun.py                 # 10,000 points, 30 days, 7 repeats
    python benchmarks/bench_sun.py --points 1000 --days 365
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's sim
from sim.world import sun  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--days", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    rng = np.random.default_rng(1)
    lon = rng.uniform(22.0, 40.0, args.points)
    lat = rng.uniform(44.0, 52.5, args.points)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    horizon = args.days * 86400.0
    win_lo = rng.uniform(0.0, horizon * 0.5, args.points)
    win_hi = win_lo + rng.uniform(0.0, horizon * 0.5, args.points)
    point = np.arange(args.points)

    sun.daylight_windows(lon, lat, start, horizon)  # warm-up
    nv = 30_000
    v_lon = rng.uniform(22.0, 40.0, nv)
    v_lat = rng.uniform(44.0, 52.5, nv)
    v_lo = rng.uniform(0.0, horizon, nv)
    v_hi = v_lo + rng.lognormal(np.log(1800.0), 1.0, nv)
    windows, cuts, spans = [], [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        g, lo, hi = sun.daylight_windows(lon, lat, start, horizon)
        t1 = time.perf_counter()
        sun.cut_by_daylight(point, win_lo, win_hi, g, lo, hi)
        t2 = time.perf_counter()
        sun.daylight_windows(v_lon, v_lat, start, horizon, t_lo=v_lo, t_hi=v_hi)
        t3 = time.perf_counter()
        windows.append(t1 - t0)
        cuts.append(t2 - t1)
        spans.append(t3 - t2)
    print(
        f"daylight_windows: {args.points} points x {args.days:g} days -> {len(lo)} windows; "
        f"median {statistics.median(windows):.3f} s (min {min(windows):.3f}, "
        f"max {max(windows):.3f}) over {args.repeat} runs"
    )
    print(f"cut_by_daylight: {args.points} windows; median {statistics.median(cuts):.3f} s")
    print(
        f"daylight_windows over active intervals: {nv} points; "
        f"median {statistics.median(spans):.3f} s"
    )


if __name__ == "__main__":
    main()
