"""Sweep benchmark: throughput with 1 and 2 workers, and the sweep machinery's overhead.

A sweep of the quickstart scenario (one week per run, coverage on, no plots) of
``--runs`` runs (default 30: 3 points x 10 replications) is run

- inline (``--workers 1``) and with a 2-process pool, each in a fresh folder:
  throughput in runs per second and the speed-up (target >= 1.7x on 2 cores);
- against a bare loop of ``sim.run`` over the same scenarios and seeds in one
  process: the overhead of the sweep machinery (validation, recording, summary)
  over the inline sweep (target <= 10 %).

Each measurement runs ``--repeat`` times (default 3) and the medians are printed.

    python benchmarks/bench_sweep.py
    python benchmarks/bench_sweep.py --repeat 5 --runs 60
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"


def sweep_file(folder: Path, replications: int) -> Path:
    """A 3-point sweep of the quickstart drone count."""
    data = {
        "name": "bench",
        "scenario": str(QUICKSTART),
        "seed": 7,
        "replications": replications,
        "grid": [{"path": "drones[0].count", "values": [2, 4, 6]}],
    }
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def time_sweep(path: Path, out: Path, workers: int) -> float:
    """Wall seconds of one fresh sweep."""
    from sim.sweep import run_sweep

    if out.exists():
        shutil.rmtree(out)
    started = time.perf_counter()
    outcome = run_sweep(path, workers=workers, out=out, quiet=True, progress=lambda info: None)
    wall = time.perf_counter() - started
    assert outcome.failed == 0
    return wall


def time_bare(path: Path) -> float:
    """Wall seconds of sim.run over the sweep's scenarios and seeds, in one loop."""
    import sim
    from sim.sweep import load_sweep

    plan = load_sweep(path)
    jobs = [(plan.points[p].data, plan.seed(p, r)) for p, r in plan.tasks()]
    from sim.spec.load import scenario_from_data

    started = time.perf_counter()
    for data, seed in jobs:
        result = sim.run(scenario_from_data(data, QUICKSTART.parent), seed=seed)
        result.metrics()
    return time.perf_counter() - started


def main() -> int:
    """Run the measurements and print medians and targets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--runs", type=int, default=30, help="runs per sweep (multiple of 3)")
    args = parser.parse_args()
    replications = max(1, args.runs // 3)
    n = 3 * replications
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        folder = Path(tmp)
        path = sweep_file(folder, replications)
        time_sweep(path, folder / "warm", 1)  # compile and cache the coverage kernel
        times: dict[str, list[float]] = {"bare": [], "1 worker": [], "2 workers": []}
        for k in range(args.repeat):
            times["bare"].append(time_bare(path))
            times["1 worker"].append(time_sweep(path, folder / "one", 1))
            times["2 workers"].append(time_sweep(path, folder / "two", 2))
            print(
                f"#{k + 1}: bare {times['bare'][-1]:.2f} s, 1 worker {times['1 worker'][-1]:.2f} s,"
                f" 2 workers {times['2 workers'][-1]:.2f} s ({n} runs)",
                flush=True,
            )
    med = {k: statistics.median(v) for k, v in times.items()}
    for label, wall in med.items():
        print(f"median {label:<9}: {wall:6.2f} s, {n / wall:6.2f} runs/s")
    speedup = med["1 worker"] / med["2 workers"]
    overhead = med["1 worker"] / med["bare"] - 1.0
    print(f"speed-up 2 workers / 1 worker: {speedup:.2f}x (target >= 1.7x)")
    print(f"overhead of the inline sweep over bare sim.run: {100 * overhead:+.1f} %", end="")
    print(" (target <= 10 %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
