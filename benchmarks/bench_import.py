"""How long a fresh interpreter takes to import the package's entry points.

    python benchmarks/bench_import.py            # 7 fresh interpreters per entry, medians
    python benchmarks/bench_import.py --repeat 15

Each figure is the cumulative import time (``python -X importtime``) of the named
module in a new interpreter, so nothing is cached between runs except the operating
system's file cache. Target: ``import sim`` under 0.3 s (the lazy facade loads no
library), the CLI's start (``sim.cli``) well under a second.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

ENTRIES = (
    "sim",  # the facade: load_scenario, run
    "sim.cli",  # the command line before a command runs
    "sim.spec.scenario",  # validate
    "sim.store.read",  # reading a results folder
    "sim.present.figures.run",  # figures (matplotlib, no engine)
    "sim.engine.model",  # the engine (SimPy)
)


def import_seconds(module: str) -> float:
    """Cumulative import time of ``module`` in a fresh interpreter (s)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stderr.splitlines():
        fields = [f.strip() for f in line.removeprefix("import time:").split("|")]
        if len(fields) == 3 and fields[2] == module:
            return int(fields[1]) / 1e6
    raise RuntimeError(f"no import time reported for {module}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="fresh interpreters per entry")
    args = parser.parse_args()
    print(f"{'module':28s} {'median s':>9s} {'min s':>7s}  ({args.repeat} runs)")
    for module in ENTRIES:
        times = [import_seconds(module) for _ in range(args.repeat)]
        print(f"{module:28s} {statistics.median(times):9.3f} {min(times):7.3f}")


if __name__ == "__main__":
    main()
