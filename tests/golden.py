"""Golden results: what the shipped and test scenarios give, recorded once and checked exactly.

Two records live in tests/data/golden/:

- ``folders.json``: the SHA-256 of every file of a results folder (figures aside, and
  the manifest without its timing and platform fields), per case. A refactoring must
  leave every byte of the data unchanged.
- ``summaries.csv``: the headline metrics per case, as text that round-trips exactly
  (``repr`` of the float), so a reader sees *what* changed when a digest does.

A change of the model changes them on purpose. Then record them again, and say why in
the commit::

    python3 tests/golden.py            # rewrite both records from the current code
    python3 tests/golden.py --check    # compare without writing (what the tests do)
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden"
FOLDERS = GOLDEN / "folders.json"
SUMMARIES = GOLDEN / "summaries.csv"

# manifest.json fields that change from one run or machine to the next
VOLATILE_MANIFEST = ("started_at", "finished_at", "wall_seconds", "platform", "python")
VOLATILE_MANIFEST += ("packages", "command")

HEADLINE = (
    "violations.count",
    "detection.probability",
    "latency.median_s",
    "latency.p90_s",
    "report_latency.median_s",
    "detection.within_1h",
    "verified.probability",
    "false_alarms.per_day",
    "coverage.time_fraction",
    "coverage.revisit.mean_s",
    "coverage.revisit.max_s",
)


@dataclass(frozen=True)
class Case:
    """One run recorded in the golden files: a scenario, a seed and ``--set`` overrides."""

    name: str
    scenario: str  # relative to the repository root
    seed: int
    overrides: tuple[str, ...] = ()

    def argv(self, out: Path) -> list[str]:
        """The command line that makes this case's results folder in ``out``."""
        argv = ["run", str(ROOT / self.scenario), "--seed", str(self.seed), "--out", str(out)]
        for override in self.overrides:
            argv += ["--set", override]
        return argv + ["--no-plots", "--quiet"]


CASES = (
    Case("quickstart-1", "scenarios/quickstart.yaml", 1),
    Case("quickstart-2", "scenarios/quickstart.yaml", 2),
    Case("quickstart-3", "scenarios/quickstart.yaml", 3),
    Case(
        "quickstart-alarms-losses",
        "scenarios/quickstart.yaml",
        4,
        ("duration=2d", "drones[0].false_alarm_rate=3/day", "drones[0].loss_rate=0.05/h"),
    ),
    # The shipped line with its sky switched off (environment=null): the idealised sky
    # must keep giving the recorded bytes. The sky itself: tests/test_shipped_sky.py.
    Case("ukraine-line-1", "scenarios/ukraine-line.yaml", 1, ("environment=null",)),
    Case(
        "ukraine-line-7-short",
        "scenarios/ukraine-line.yaml",
        7,
        ("duration=2d", "environment=null"),
    ),
    Case("from-files-1", "tests/data/from_files.yaml", 1),
    Case("from-files-9-drones", "tests/data/from_files.yaml", 9, ("duration=3d",)),
)


def run_case(case: Case, out: Path) -> None:
    """Run ``case`` into ``out`` through the command line (in this process)."""
    from sim.cli import main

    sink = io.StringIO()
    with redirect_stdout(sink), redirect_stderr(sink):
        code = main(case.argv(out))
    if code != 0:
        raise RuntimeError(f"{case.name}: exit {code}\n{sink.getvalue()}")


def folder_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of each data file of a results folder (relative path -> hex digest)."""
    digests = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if not path.is_file() or name.startswith("plots/") or name == "report.html":
            continue
        data = path.read_bytes()
        if name == "manifest.json":
            manifest = json.loads(data)
            for key in VOLATILE_MANIFEST:
                manifest.pop(key, None)
            data = json.dumps(manifest, sort_keys=True).encode()
        digests[name] = hashlib.sha256(data).hexdigest()
    return digests


def headline(folder: Path) -> dict[str, str]:
    """The headline metrics of a results folder, as exact text ('' when absent)."""
    metrics = json.loads((folder / "metrics.json").read_text())
    return {key: repr(metrics[key]) if key in metrics else "" for key in HEADLINE}


def recorded_folders() -> dict[str, dict[str, str]]:
    """The recorded digests, per case name."""
    return json.loads(FOLDERS.read_text())


def recorded_summaries() -> dict[str, dict[str, str]]:
    """The recorded headline metrics, per case name."""
    with SUMMARIES.open(newline="") as f:
        return {row.pop("case"): row for row in csv.DictReader(f)}


def observe(cases: tuple[Case, ...]) -> Iterator[tuple[Case, dict[str, str], dict[str, str]]]:
    """Run each case in a temporary folder: (case, digests, headline metrics)."""
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            out = Path(tmp) / case.name
            run_case(case, out)
            yield case, folder_digest(out), headline(out)


def _record() -> None:
    folders, rows = {}, []
    for case, digests, summary in observe(CASES):
        folders[case.name] = digests
        rows.append({"case": case.name, **summary})
        print(f"{case.name}: {len(digests)} files", file=sys.stderr)
    GOLDEN.mkdir(parents=True, exist_ok=True)
    FOLDERS.write_text(json.dumps(folders, indent=1, sort_keys=True) + "\n")
    with SUMMARIES.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["case", *HEADLINE], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _check() -> int:
    folders, summaries = recorded_folders(), recorded_summaries()
    changed = 0
    for case, digests, summary in observe(CASES):
        if digests != folders[case.name] or summary != summaries[case.name]:
            changed += 1
            print(f"{case.name}: changed", file=sys.stderr)
    return 1 if changed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # this checkout's sim, whichever one is installed
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    sys.exit(_check() if parser.parse_args().check else _record())
