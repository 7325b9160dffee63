"""Core benchmark: one large scenario, run, covered, written, plotted and reported.

The scenario is built in code (a dict passed to ``sim.spec.load.scenario_from_data``):
30 days on a ~1,200 km line in eastern Ukraine, a 15 km buffer, 60 drones in 3 fleets
(each with a base, endurance, turnaround, relief, losses and spares) keeping 20
stations, 600 ground sensors (480 UGS + 120 towers, with failures), 4 satellites and
about 30,000 violations (1,000/day, lognormal durations, median 30 min).

Each measurement runs in a fresh ``python`` subprocess, so runs share no process,
no caches and no memory. Inside it, the import of ``sim`` and the scenario's
validation are timed separately and are NOT part of the "run" wall time:

    run       = sim.engine.model.run(scenario, seed)                 (the simulation)
    coverage  = sim.measure.coverage.compute(result.pieces, ...)     (coverage figures)
    write     = sim.store.write.write_results(run, <tmp folder>)     (CSV, JSON, GeoJSON)
    plots     = sim.present.figures.run.draw_all(folder)
                + sim.present.report.run.write_report(folder)
    total     = run + write (the core target: <= 10 s); all = every step

The numba coverage kernel is compiled once per machine and cached; run the
benchmark twice after a change to sim/measure/coverage_kernel.py or sim/world/motion.py
so compilation is not timed.

Peak memory is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of that subprocess
(the peak resident set size of the whole process, imports included), read after
the imports, after the run and after the write.

Usage::

    python benchmarks/bench_core.py                 # 1x and 2x, 3 repeats each
    python benchmarks/bench_core.py --repeat 1 --scale 0.1    # a quick check
    python benchmarks/bench_core.py --json          # add one machine-readable line
    python benchmarks/bench_core.py --profile 25    # cProfile the 1x run, top 25 rows
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

SEED = 1
DAYS = 30
RATE_PER_DAY = 1000.0
TARGET_LENGTH_KM = 1200.0

# Hand-picked anchors roughly along the 2025 line of contact, Dnipro-Buh estuary ->
# Kherson -> Kakhovka reservoir -> Zaporizhzhia front -> Pokrovsk -> Siversk ->
# Kupiansk -> Vovchansk (lon, lat): 748 km as straight legs; the wiggle makes 1,200.
ANCHORS = [
    (32.00, 46.55),
    (32.60, 46.62),
    (33.10, 46.72),
    (33.60, 46.85),
    (34.20, 47.30),
    (34.90, 47.50),
    (35.50, 47.52),
    (36.20, 47.62),
    (36.90, 47.90),
    (37.20, 48.30),
    (37.80, 48.55),
    (38.10, 48.85),
    (37.90, 49.20),
    (37.65, 49.70),
    (37.65, 50.05),
    (37.30, 50.17),
    (37.00, 50.30),
]
WIGGLE_M = 6_000.0  # wavelength of the wiggle, metres
STEP_M = 1_500.0  # vertex spacing of the densified line, metres


# --- the scenario ---------------------------------------------------------------------


def _geod_length(points) -> float:
    from pyproj import Geod

    lon, lat = zip(*points, strict=True)
    return Geod(ellps="WGS84").line_length(lon, lat)


def _wiggly(amplitude: float) -> list[list[float]]:
    """Anchors densified every STEP_M with a deterministic sinusoidal wiggle (lon, lat)."""
    import numpy as np
    from pyproj import Transformer

    from sim.core.geo import WGS84, local_crs

    pts = np.asarray(ANCHORS, dtype=float)
    crs = local_crs(pts[:, 0], pts[:, 1])
    x, y = Transformer.from_crs(WGS84, crs, always_xy=True).transform(pts[:, 0], pts[:, 1])
    xy = np.column_stack([x, y])
    steps = np.hypot(*np.diff(xy, axis=0).T)
    chain = np.concatenate([[0.0], np.cumsum(steps)])
    s = np.linspace(0.0, chain[-1], int(chain[-1] // STEP_M) + 1)
    px, py = np.interp(s, chain, xy[:, 0]), np.interp(s, chain, xy[:, 1])
    # unit normal of the (smoothed) base line at each sample
    tx, ty = np.gradient(px), np.gradient(py)
    norm = np.hypot(tx, ty)
    nx, ny = -ty / norm, tx / norm
    # two incommensurate waves, tapered to zero at both ends
    taper = np.minimum(1.0, np.minimum(s, chain[-1] - s) / 10_000.0)
    wave = np.sin(2 * np.pi * s / WIGGLE_M) + 0.35 * np.sin(2 * np.pi * s / (WIGGLE_M * 2.7) + 1.0)
    off = amplitude * taper * wave
    lon, lat = Transformer.from_crs(crs, WGS84, always_xy=True).transform(
        px + off * nx, py + off * ny
    )
    return [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat, strict=True)]


def make_line(target_km: float = TARGET_LENGTH_KM) -> tuple[list[list[float]], float]:
    """Return (points, geodesic length in km) of a wiggly line of about ``target_km``."""
    lo, hi = 0.0, 3_000.0
    for _ in range(30):  # bisection on the wiggle's amplitude
        mid = 0.5 * (lo + hi)
        if _geod_length(_wiggly(mid)) / 1000.0 < target_km:
            lo = mid
        else:
            hi = mid
    points = _wiggly(0.5 * (lo + hi))
    return points, _geod_length(points) / 1000.0


SKY_SATELLITES = [
    {
        "name": "s2",  # a Sentinel-2-like optical pair
        "modality": "eo",
        "orbit": {"walker": {"total": 2, "planes": 1, "altitude": "786km", "inclination": 98.57}},
        "swath": "290km",
        "pd": 0.85,
        "report_latency": "4h",
    },
    {
        "name": "s1",  # a Sentinel-1-like SAR
        "modality": "sar",
        "orbit": {"sun_synchronous": {"altitude": "693km", "local_time": "06:00"}},
        "swath": "250km",
        "pd": 0.6,
        "report_latency": "3h",
    },
    {
        "name": "walker",  # a 24-satellite SAR Walker constellation, fixed strips
        "modality": "sar",
        "orbit": {
            "walker": {
                "total": 24,
                "planes": 6,
                "phasing": 1,
                "altitude": "560km",
                "inclination": 97.6,
            }
        },
        "swath": "30km",
        "pd": 0.6,
        "report_latency": "2h",
    },
]
SKY_ENVIRONMENT = {
    "daylight": {"min_sun_elevation": -6},
    "clouds": {
        "monthly": [0.2, 0.25, 0.3, 0.35, 0.45, 0.5, 0.55, 0.55, 0.45, 0.35, 0.2, 0.15],
        "spell": "2d",
        "cell": "100km",
    },
}


def add_response(data: dict, length: float) -> None:
    """Issue 10 on: dawn-and-dusk artillery, bands and sectors, jamming near the front,
    tip-and-cue from the ground sensors to the three fleets, a half-aware side."""
    v = data["violations"]
    v["types"]["artillery"]["diurnal"] = [1] * 4 + [2, 3, 3, 2] + [1] * 9 + [2, 3, 3, 2, 2] + [1, 1]
    v["adversary"] = {"awareness": 0.5}
    data["line"]["bands"] = {"zone": "15km", "artillery": "50km"}
    data["line"]["sectors"] = {f"s{k}": [k * length / 4, (k + 1) * length / 4] for k in range(4)}
    env = data.setdefault("environment", {"daylight": None})
    env["jamming"] = [
        {
            "name": "front",
            "band": {"from_line": "-10km", "to_line": "10km"},
            "pd_factor": 0.8,
            "loss_rate": "3e-4/h",
            "report_delay": {"exponential": "5min"},
        }
    ]
    data["cueing"] = [
        {
            "from": [g["name"] for g in data["ground_sensors"]],
            "responders": [f["name"] for f in data["drones"]],
            "max_distance": "150km",
            "loiter": "30min",
            "glimpse": "2min",
        }
    ]


def scenario_data(
    scale: float = 1.0, sky: bool = False, steer_km: float | None = None, response: bool = False
) -> dict:
    """The benchmark scenario as plain data; ``scale`` multiplies the violation rate."""
    points, length_km = make_line()
    length = length_km * 1000.0
    cut1, cut2 = 0.3 * length, 0.62 * length

    def fleet(name, count, stations, span, speed, rng_km, pd, endurance, turnaround, loss):
        return {
            "name": name,
            "count": count,
            "modality": "eo",
            "speed": speed,
            "sensor": {"range": f"{rng_km}km", "pd": pd},
            "patrol": {"stations": stations, "span": list(span)},
            "base": {"at": 0.5 * (span[0] + span[1]), "offset": -40_000.0},
            "endurance": endurance,
            "turnaround": turnaround,
            "loss_rate": loss,
            "spares": 2,
            "replacement": "20d",
            "report_latency": "10min",
        }

    data = {
        "name": "bench-core",
        "seed": SEED,
        "duration": f"{DAYS}d",
        "line": {"crs": "lonlat", "points": points, "buffer": "15km", "cell": "1km"},
        "violations": {
            "rate": f"{RATE_PER_DAY * scale}/day",
            "duration": {"lognormal": {"median": "30min", "sigma": 1.0}},
            "along": {
                "hotspots": [
                    {"at": 0.08 * length, "spread": "15km", "weight": 0.5},
                    {"at": 0.33 * length, "spread": "15km", "weight": 1.0},
                    {"at": 0.48 * length, "spread": "20km", "weight": 2.0},
                    {"at": 0.58 * length, "spread": "15km", "weight": 1.5},
                    {"at": 0.86 * length, "spread": "15km", "weight": 1.0},
                ],
                "background": 3.0,
            },
            "offset": {"uniform": ["-12km", "12km"]},
            "types": {
                "artillery": {
                    "weight": 5,
                    "signature": {"eo": 0.8, "acoustic": 1.0, "radar": 0.6, "sar": 0.3},
                },
                "armour_movement": {
                    "weight": 2,
                    "signature": {"eo": 1.0, "acoustic": 0.7, "radar": 1.0, "sar": 0.9},
                },
                "small_arms": {
                    "weight": 3,
                    "signature": {"eo": 0.4, "acoustic": 0.8, "radar": 0.2, "sar": 0.05},
                },
            },
        },
        "drones": [
            fleet("south", 16, 5, (0.0, cut1), "130km/h", 5, 0.7, "24h", "3h", "3e-4/h"),
            fleet("centre", 24, 8, (cut1, cut2), "300km/h", 8, 0.75, "24h", "4h", "1e-4/h"),
            fleet("north", 20, 7, (cut2, length), "150km/h", 6, 0.7, "30h", "3h", "2e-4/h"),
        ],
        "ground_sensors": [
            {
                "name": "ugs",
                "modality": "acoustic",
                "spacing": "2.5km",
                "sensor": {"range": "1.5km", "pd": 0.8},
                "mtbf": "60d",
                "mttr": "2d",
                "report_latency": "2min",
            },
            {
                "name": "towers",
                "modality": "radar",
                "spacing": "10km",
                "sensor": {"range": "6km", "pd": 0.85},
                "mtbf": "80d",
                "mttr": "1d",
                "report_latency": "5min",
            },
        ],
        "satellites": [
            {
                "name": "eo_a",
                "modality": "eo",
                "schedule": {"first": "4h", "every": "12h"},
                "pd": 0.45,
                "report_latency": "4h",
            },
            {
                "name": "eo_b",
                "modality": "eo",
                "schedule": {"first": "9h", "every": "24h"},
                "pd": 0.45,
                "report_latency": {"uniform": ["3h", "6h"]},
            },
            {
                "name": "sar_a",
                "modality": "sar",
                "schedule": {"first": "1h", "every": "6h"},
                "pd": 0.6,
                "report_latency": "3h",
            },
            {
                "name": "sar_b",
                "modality": "sar",
                "schedule": {"first": "2h", "every": "24h"},
                "pd": 0.6,
                "report_latency": "2h",
            },
        ],
        "reporting": {"verification": {"modalities": 2, "window": "12h"}},
    }
    if sky:  # satellites on orbits, daylight and clouds
        data["satellites"] = [dict(s) for s in SKY_SATELLITES]
        if steer_km is not None:
            data["satellites"][-1]["off_nadir_reach"] = f"{steer_km}km"
        data["environment"] = dict(SKY_ENVIRONMENT)
    if response:
        add_response(data, length)
    return data


# --- one measurement (runs in a fresh subprocess) ---------------------------------------


def _maxrss_mb() -> float:
    import resource

    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return kb / 1024.0


def child(
    scale: float,
    profile: int,
    sky: bool = False,
    steer_km: float | None = None,
    response: bool = False,
) -> dict:
    """Build, run and write once; return timings, peak memory and counts."""
    t0 = time.perf_counter()
    import tempfile
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import sim.engine.model
    import sim.measure.coverage
    import sim.pipeline
    import sim.present.figures.run
    import sim.present.report.run
    import sim.spec.load
    import sim.store.write

    t_import = time.perf_counter() - t0
    rss_import = _maxrss_mb()

    t0 = time.perf_counter()
    data = scenario_data(scale, sky, steer_km, response)
    scenario = sim.spec.load.scenario_from_data(data)
    t_build = time.perf_counter() - t0

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0 = time.perf_counter()
    result = sim.engine.model.run(scenario, seed=SEED)
    t_run = time.perf_counter() - t0
    rss_run = _maxrss_mb()
    t0 = time.perf_counter()
    coverage = sim.measure.coverage.compute(
        result.pieces, result.asset_list, result.line, scenario.line.cell, scenario.duration
    )
    t_coverage = time.perf_counter() - t0
    measured = sim.pipeline.Run(result, coverage, t_run + t_coverage)
    with tempfile.TemporaryDirectory(prefix="bench-core-") as tmp:
        t0 = time.perf_counter()
        folder = sim.store.write.write_results(measured, Path(tmp) / "out")
        t_write = time.perf_counter() - t0
        t0 = time.perf_counter()
        sim.present.figures.run.draw_all(folder)
        sim.present.report.run.write_report(folder)
        t_plots = time.perf_counter() - t0
    if profiler is not None:
        profiler.disable()
        _print_profile(profiler, profile, t_run + t_write)
    rss_peak = _maxrss_mb()
    return {
        "scale": scale,
        "import_s": t_import,
        "build_s": t_build,
        "run_s": t_run,
        "coverage_s": t_coverage,
        "write_s": t_write,
        "plots_s": t_plots,
        "total_s": t_run + t_write,
        "all_s": t_run + t_coverage + t_write + t_plots,
        "rss_import_mb": rss_import,
        "rss_after_run_mb": rss_run,
        "rss_peak_mb": rss_peak,
        "line_km": round(_geod_length(data["line"]["points"]) / 1000.0, 1),
        "line_vertices": len(data["line"]["points"]),
        "violations": len(result.events),
        "detections": len(result.detections),
        "detected": int(result.events["detected"].sum()),
        "pieces": len(result.pieces),
        "assets": len(result.assets),
    }


def _print_profile(profiler, rows: int, wall: float) -> None:
    import io
    import pstats

    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(key).print_stats(rows)
        print(f"\n=== cProfile of run + write, sorted by {key} (wall {wall:.2f} s) ===")
        print(out.getvalue())


def measure(
    scale: float,
    profile: int = 0,
    sky: bool = False,
    steer_km: float | None = None,
    response: bool = False,
) -> dict:
    """Run ``child`` in a fresh Python process and return its measurements."""
    here = os.path.dirname(os.path.abspath(__file__))
    code = (
        f"import json, sys; sys.path.insert(0, {here!r}); import bench_core as b; "
        f"r = b.child({scale!r}, {profile!r}, {sky!r}, {steer_km!r}, {response!r}); "
        "print('RESULT ' + json.dumps(r))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"benchmark subprocess failed (exit {proc.returncode})")
    lines = proc.stdout.splitlines()
    if profile:
        print("\n".join(line for line in lines if not line.startswith("RESULT ")))
    (line,) = [line for line in lines if line.startswith("RESULT ")]
    return json.loads(line[len("RESULT ") :])


# --- the command line -----------------------------------------------------------------------


def _row(label: str, r: dict) -> str:
    return (
        f"{label:<6} run {r['run_s']:5.2f} s  write {r['write_s']:5.2f} s  "
        f"total {r['total_s']:5.2f} s  coverage {r['coverage_s']:5.2f} s  "
        f"plots+report {r['plots_s']:5.2f} s  all {r['all_s']:5.2f} s  "
        f"peak {r['rss_peak_mb']:5.0f} MB "
        f"(after run {r['rss_after_run_mb']:.0f}, after import {r['rss_import_mb']:.0f})  "
        f"import {r['import_s']:.2f} s  build {r['build_s']:.2f} s  "
        f"violations {r['violations']}  detections {r['detections']}  pieces {r['pieces']}"
    )


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the measurements, print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (default 3)")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiplies the violation rate (default 1)"
    )
    parser.add_argument("--json", action="store_true", help="also print one JSON summary line")
    parser.add_argument("--no-2x", action="store_true", help="skip the doubled-rate case")
    parser.add_argument(
        "--sky",
        action="store_true",
        help="satellites on orbits (a Sentinel-2-like pair, a Sentinel-1-like SAR, a "
        "24-satellite SAR Walker) with daylight and monthly clouds",
    )
    parser.add_argument(
        "--response",
        action="store_true",
        help="issue 10 on: diurnal artillery, bands, sectors, jamming, tip-and-cue from the "
        "ground sensors, a half-aware adversary",
    )
    parser.add_argument(
        "--steer",
        metavar="KM",
        type=float,
        default=None,
        help="with --sky, the Walker's strips are steerable up to KM off the track",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="ROWS",
        help="instead of timing, cProfile one run+write at --scale and print ROWS rows",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or not (args.scale > 0 and math.isfinite(args.scale)):
        parser.error("--repeat must be >= 1 and --scale a positive number")
    if args.steer is not None and (not args.sky or not 15 <= args.steer <= 5000):
        parser.error("--steer needs --sky and a reach of 15 to 5000 km")

    if args.profile:
        measure(args.scale, args.profile, args.sky, args.steer, args.response)
        return 0

    cases = [("1x", args.scale)] + ([] if args.no_2x else [("2x", 2 * args.scale)])
    runs: dict[str, list[dict]] = {}
    first = True
    for label, scale in cases:
        runs[label] = []
        for k in range(args.repeat):
            r = measure(scale, sky=args.sky, steer_km=args.steer, response=args.response)
            if first:
                print(
                    f"scenario: {DAYS} d, line {r['line_km']} km ({r['line_vertices']} vertices), "
                    f"{r['assets']} assets, rate {RATE_PER_DAY * args.scale:g}/day at 1x, "
                    f"seed {SEED}"
                )
                print(
                    "times exclude the import of sim and the scenario's validation (shown apart); "
                    "peak = ru_maxrss of a fresh subprocess per run (imports included)"
                )
                first = False
            runs[label].append(r)
            print(_row(f"{label} #{k + 1}", r), flush=True)

    summary: dict = {
        "repeat": args.repeat,
        "scale": args.scale,
        "sky": args.sky,
        "steer_km": args.steer,
        "response": args.response,
    }
    print()
    for label, rs in runs.items():
        keys = ("run_s", "write_s", "total_s", "coverage_s", "plots_s", "all_s", "rss_peak_mb")
        med = {k: _median(rs, k) for k in keys}
        summary[label] = {
            **{f"median_{k}": round(v, 3) for k, v in med.items()},
            "violations": rs[0]["violations"],
            "detections": rs[0]["detections"],
            "pieces": rs[0]["pieces"],
            "runs_total_s": [round(r["total_s"], 3) for r in rs],
        }
        print(
            f"median {label}: run {med['run_s']:.2f} s, write {med['write_s']:.2f} s, "
            f"total {med['total_s']:.2f} s, coverage {med['coverage_s']:.2f} s, "
            f"plots+report {med['plots_s']:.2f} s, all {med['all_s']:.2f} s, "
            f"peak {med['rss_peak_mb']:.0f} MB; "
            f"{rs[0]['violations']} violations, {rs[0]['detections']} detections, "
            f"{rs[0]['pieces']} pieces"
        )
    one = summary["1x"]
    ok_time = one["median_total_s"] <= 10.0
    ok_mem = one["median_rss_peak_mb"] <= 1024.0
    ok_cov = one["median_coverage_s"] <= 5.0
    ok_plots = one["median_plots_s"] <= 10.0
    print(
        f"targets (1x): run + write <= 10 s: {'ok' if ok_time else 'MISSED'}; "
        f"peak <= 1 GB: {'ok' if ok_mem else 'MISSED'}; "
        f"coverage <= 5 s: {'ok' if ok_cov else 'MISSED'}; "
        f"plots + report <= 10 s: {'ok' if ok_plots else 'MISSED'}"
    )
    if "2x" in runs:
        two = summary["2x"]
        for key in ("run_s", "total_s"):
            summary[f"ratio_2x_{key}"] = round(two[f"median_{key}"] / one[f"median_{key}"], 3)
        ratio = summary["ratio_2x_total_s"]
        print(
            f"ratio 2x/1x: run {summary['ratio_2x_run_s']:.2f}, total {ratio:.2f} "
            f"(target <= 2.2: {'ok' if ratio <= 2.2 else 'MISSED'})"
        )
    if args.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
