"""The shipped Ukraine scenarios state their sky: winter (ukraine-line.yaml) and summer
(ukraine-line-summer.yaml), the same mechanism in both.

- both validate through the command line, whose ``sky`` line names daylight and clouds;
- the clear-sky fractions of the months each one simulates are lower in winter than in
  summer (the table's source: the comments of ukraine-line.yaml);
- the summer file is a full copy (scenario files have no include mechanism): parsed, the
  two differ only in ``name``, ``description`` and ``start``, so they cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import _parser
from sim.spec.load import load_scenario
from sim.spec.safe_yaml import read_yaml

ROOT = Path(__file__).resolve().parent.parent
WINTER = ROOT / "scenarios" / "ukraine-line.yaml"
SUMMER = ROOT / "scenarios" / "ukraine-line-summer.yaml"
ALLOWED_TO_DIFFER = {"name", "description", "start"}


def _months(start: dt.datetime, duration_s: float) -> list[int]:
    """Calendar months (1-12, UTC) that [start, start + duration) touches, in order."""
    end = start + dt.timedelta(seconds=duration_s)
    months, day = [], start
    while day < end:
        if day.month not in months:
            months.append(day.month)
        day += dt.timedelta(days=1)
    if end.month not in months and end > end.replace(day=1, hour=0, minute=0, second=0):
        months.append(end.month)
    return months


@pytest.mark.parametrize("path", [WINTER, SUMMER], ids=["winter", "summer"])
def test_validates_and_names_daylight_and_clouds(path: Path):
    """`python3 -m sim.cli validate` accepts the file and its sky line names both effects."""
    proc = subprocess.run(
        [sys.executable, "-m", "sim.cli", "validate", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert ": valid" in proc.stdout.splitlines()[0]
    sky = [line.strip() for line in proc.stdout.splitlines() if line.strip().startswith("sky ")]
    assert len(sky) == 1, proc.stdout
    assert "daylight (sun above -6 deg)" in sky[0]
    assert "clouds (monthly clear fractions" in sky[0]
    assert "overcast blocks eo, eoir: satellites see nothing, drones x0.5" in sky[0]


def test_winter_months_are_cloudier_than_summer_months():
    """Every month the winter run touches is less clear than every month of the summer run,
    and the runs are where their names say (Dec-Feb; Jun-Aug)."""
    winter, summer = load_scenario(WINTER), load_scenario(SUMMER)
    fractions = {}
    for name, scenario in (("winter", winter), ("summer", summer)):
        assert scenario.environment is not None and scenario.environment.clouds is not None
        monthly = scenario.environment.clouds.monthly
        assert monthly is not None and len(monthly) == 12
        months = _months(scenario.start, scenario.duration)
        fractions[name] = {m: monthly[m - 1] for m in months}
    assert set(fractions["winter"]) <= {12, 1, 2}, fractions
    assert set(fractions["summer"]) <= {6, 7, 8}, fractions
    assert max(fractions["winter"].values()) < min(fractions["summer"].values()), fractions


def test_months_helper():
    """The helper itself: 30 days from 7 January touch January and February only."""
    start = dt.datetime(2026, 1, 7, tzinfo=dt.timezone.utc)
    assert _months(start, 30 * 86400.0) == [1, 2]
    assert _months(dt.datetime(2026, 7, 7, tzinfo=dt.timezone.utc), 30 * 86400.0) == [7, 8]
    assert _months(dt.datetime(2026, 7, 1, tzinfo=dt.timezone.utc), 31 * 86400.0) == [7]


def test_summer_file_differs_from_winter_only_in_name_description_and_start():
    """Parsed (comments aside), the two files hold the same scenario except the keys that
    make it the summer variant; and those keys do differ."""
    winter, _ = read_yaml(WINTER)
    summer, _ = read_yaml(SUMMER)
    assert isinstance(winter, dict) and isinstance(summer, dict)
    assert winter.keys() == summer.keys()
    differing = {key for key in winter if winter[key] != summer[key]}
    assert differing == ALLOWED_TO_DIFFER, sorted(differing ^ ALLOWED_TO_DIFFER)
    rest_w = {k: v for k, v in winter.items() if k not in ALLOWED_TO_DIFFER}
    rest_s = {k: v for k, v in summer.items() if k not in ALLOWED_TO_DIFFER}
    assert rest_w == rest_s


def _doc_commands() -> list[list[str]]:
    """The command lines of the ```sh block of docs/sky-compare.md, as argv words."""
    text = (ROOT / "docs" / "sky-compare.md").read_text(encoding="utf-8")
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line) for line in block.replace("\\\n", " ").splitlines() if line]


def test_documented_commands_parse_and_name_the_shipped_scenarios():
    """The re-run recipe of docs/sky-compare.md is valid as written: each line is a
    `python3 -m sim.cli` command the CLI parses, its scenarios load with its overrides,
    and the compare names one column per folder, each folder made by a run above it."""
    commands = _doc_commands()
    assert [c[:3] for c in commands] == [["python3", "-m", "sim.cli"]] * len(commands)
    made = []
    for words in commands:
        args = _parser().parse_args(words[3:])
        if args.command == "run":
            scenario = load_scenario(ROOT / args.scenario, args.overrides or [])
            assert scenario.seed == 2026  # the seed the doc's table states
            made.append(args.out)
        else:
            assert args.command == "compare"
            assert sorted(args.folders) == sorted(made) and len(args.names) == len(made)
    assert {Path(m).name for m in made} == {"winter", "summer", "idealised"}
