"""Orbits: propagate a month of a 24-satellite Walker constellation, and solve the image
instants of ~10^4 points in the 30 km zone of a 681 km line for it.

    python benchmarks/bench_orbits.py            # 5 repeats, medians
    python benchmarks/bench_orbits.py --repeat 3 --points 2000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.core.geo import Line  # noqa: E402
from sim.world.groundtrack import ground_track, propagate, teme_to_ecef  # noqa: E402
from sim.world.orbits import satrecs, walker  # noqa: E402
from sim.world.passes import image_instants  # noqa: E402

START = datetime(2026, 1, 15, tzinfo=timezone.utc)
DAYS = 30
# A rough line of contact, Kharkiv oblast to the Dnipro delta: 681 km once projected
ANCHORS = [
    [37.6, 50.3],
    [37.9, 49.6],
    [38.1, 49.0],
    [37.9, 48.6],
    [37.8, 48.2],
    [37.3, 47.9],
    [36.6, 47.7],
    [35.9, 47.5],
    [35.2, 47.4],
    [34.0, 47.0],
    [33.3, 46.7],
    [32.6, 46.5],
]


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--points", type=int, default=10_000)
    args = ap.parse_args()
    sats = satrecs(walker("w", 24, 6, 1, 600e3, 53.0, START))

    for step in (60.0, 120.0):
        t = np.arange(0.0, DAYS * 86400.0, step)

        def teme(t=t):
            return propagate(sats, START, t)

        def ecef(t=t):
            r, v = propagate(sats, START, t)
            return teme_to_ecef(r, v, START, t)

        def track(t=t):
            return ground_track(sats, START, t)

        n = len(sats) * len(t)
        print(f"30 days x 24 satellites every {step:g} s ({n:,} states):")
        print(f"  propagate (TEME)           {timed(teme, args.repeat)[0]:.3f} s median")
        print(f"  + Earth-fixed (GMST)       {timed(ecef, args.repeat)[0]:.3f} s median")
        print(f"  + geodetic lon/lat (pyproj) {timed(track, args.repeat)[0]:.3f} s median")

    line = Line.from_points(ANCHORS, crs="lonlat", buffer=15e3)
    rng = np.random.default_rng(1)
    c = rng.uniform(0.0, line.length, args.points)
    off = rng.uniform(-15e3, 15e3, args.points)
    lon, lat = line.to_lonlat(*line.point_at(c, off))
    print(f"line {line.length / 1e3:.0f} km, {args.points:,} points in its 30 km zone")
    # the choice of a steerable strip counting every point, or one in 20 (as a run's
    # line cells among its zone cells and violations: the others are solved near the strip)
    some = np.zeros(args.points, dtype=bool)
    some[::20] = True
    for reach, choose in ((None, None), (500e3, None), (500e3, some)):

        def solve(reach=reach, choose=choose):
            return image_instants(
                sats, START, lon, lat, DAYS * 86400.0, 120e3, reach=reach, choose=choose
            )

        med, ps = timed(solve, args.repeat)
        label = "swath 120 km" + (f", reach {reach / 1e3:.0f} km" if reach else "")
        label += ", choice on 1 point in 20" if choose is not None else ""
        print(f"  image instants ({label}): {med:.3f} s median, {len(ps):,} images")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
