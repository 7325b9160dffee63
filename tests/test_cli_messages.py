"""What the command prints, read as a user would: words, plurals, hints, warnings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import test_bad_input
import yaml
from test_bad_input import assert_refused, patched

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
cli = test_bad_input.cli  # the fixture: a scenario under tmp_path/in, the CLI on it


def test_closed_output_ends_quietly_with_141(tmp_path):
    """Regression: `ceasefire-sim schema | head -c 10` ended in a BrokenPipeError
    traceback. It now exits 141 (as a program killed by SIGPIPE), nothing on stderr.

    The pipe is shrunk to one page, far below the schema's ~30 KB, so the program is
    still writing when the reader goes away (with the default 64 KB pipe it could
    finish first and exit 0)."""
    import fcntl

    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "schema"],
        cwd=ROOT,
        stdout=write_end,
        stderr=subprocess.PIPE,
    )
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        assert reader.read(10)
    # the reader went away with most of the schema unread
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert err == ""


def test_validate_on_a_sweep_file_says_to_use_sweep(cli, tmp_path):
    """A sweep file given to validate or run: one message saying what it is and which
    command runs it, not ten unknown keys."""
    sweep = {
        "name": "s",
        "scenario": "scenario.yaml",
        "replications": 2,
        "grid": [{"path": "drones[0].count", "values": [1, 2]}],
    }
    for command in ("validate", "run"):
        status, err = cli(yaml.safe_dump(sweep), command=command)
        assert_refused(tmp_path, status, err)
        assert "this is a sweep file" in err and "ceasefire-sim sweep" in err
        assert "unknown key" not in err


def test_one_modality_warns_that_nothing_can_be_verified(cli, tmp_path):
    """With one modality and the default rule (2 modalities), validate and run say that
    nothing can be verified, naming the key; the scenario still validates and runs."""
    data = patched()
    del data["drones"]
    del data["violations"]["types"]["artillery"]["signature"]["eo"]
    status, err = cli(data, command="validate")
    assert status == 0
    assert err.startswith("warning: reporting.verification.modalities: verification needs 2")
    assert "(seismic)" in err and "set it to 1" in err
    status, err = cli(data, "--no-plots")
    assert status == 0 and "warning: reporting.verification.modalities" in err
    data["reporting"] = {"verification": {"modalities": 1}}
    status, err = cli(data, command="validate")
    assert status == 0 and err == ""


def test_run_header_names_the_duration_in_words(cli, capsys, tmp_path):
    """Regression: a one-day run printed 'bad: 1 days, seed ...'."""
    status, _ = cli(patched(), "--no-plots")
    assert status == 0
    status = main(["run", str(cli.folder / "scenario.yaml"), "--no-plots", "--out", "o2"])
    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("bad: 24 h, seed ") and "days" not in out.splitlines()[0]


def test_segments_message_counts_in_words(cli, tmp_path):
    """Regression: 'patrol.segments lists 2 segments for 1 stations'."""
    status, err = cli(
        patched(
            {
                ("drones", 0, "patrol"): {
                    "stations": 1,
                    "segments": [["0km", "40km"], ["40km", "100km"]],
                }
            }
        ),
        command="validate",
    )
    assert_refused(tmp_path, status, err)
    assert "lists 2 segments for 1 station" in err and "1 stations" not in err


def test_plot_on_a_stray_folder_names_both_kinds(tmp_path, capsys):
    """plot redraws run and sweep folders: refusing another folder says both."""
    assert main(["plot", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "neither a results folder" in err and "ceasefire-sim sweep" in err


def test_ground_group_with_no_positions_is_refused(cli, tmp_path):
    """Regression: `positions: []` validated ("g: 0 sensors") and then crashed the run
    with an IndexError; a group needs at least one position."""
    status, err = cli(
        patched({("ground_sensors", 0): {"name": "g", "modality": "seismic", "positions": []}}),
        command="validate",
    )
    assert_refused(tmp_path, status, err)
    assert "ground_sensors[0].positions (line" in err and "expected at least 1 item; got 0" in err
