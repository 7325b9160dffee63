"""The results folder: nothing lost, nothing harmed (issue 7, section 2).

--out refusals before any work, data published before figures, failed figures named
with exit status 3, `plot` redrawing without deleting first, damaged files named,
stale temporaries cleaned, the sweep folder lock and the derived "interrupted" status,
and signals deferred across compiled code.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.core import interrupts
from sim.core.errors import SimError
from sim.store import outdir
from sim.store.write import write_results

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
ONE_DAY = ["--set", "duration=1d"]


def cli(*args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """A one-day quickstart run drawn by the CLI (figures and report)."""
    out = tmp_path_factory.mktemp("runs") / "quick"
    code, _, err = cli("run", str(QUICKSTART), *ONE_DAY, "--out", str(out), "--quiet")
    assert code == 0, err
    return out


@pytest.fixture
def copy(run_folder, tmp_path) -> Path:
    """A private copy of the run folder."""
    dest = tmp_path / "copy"
    shutil.copytree(run_folder, dest)
    return dest


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if the engine is ever asked to run."""

    def refuse(*args, **kwargs):
        raise AssertionError("the simulation ran before the destination was checked")

    monkeypatch.setattr("sim.engine.model.run", refuse)


# --- --out ------------------------------------------------------------------------------


def _destinations(tmp_path: Path, run_folder: Path) -> dict[str, tuple[Path, str]]:
    file = tmp_path / "file.txt"
    file.write_text("mine")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("mine")
    link = tmp_path / "link"
    link.symlink_to(run_folder, target_is_directory=True)
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "manifest.json").write_text('{"kind": "sweep"}')
    (sweep / "summary.csv").write_text("point\n")
    return {
        "a file": (file, "it is a file"),
        "a foreign folder": (foreign, "not a results folder of a run"),
        "a symlink": (link, "symbolic link"),
        "a sweep folder": (sweep, "it is a sweep folder"),
        "the results root": (Path("results"), "a root that holds many results folders"),
        "results/sweeps": (Path("results") / "sweeps", "a root"),
        "the current folder": (Path("."), "the current folder"),
        "a parent of the current folder": (Path(".."), "holds the current folder"),
        "the file-system root": (Path("/"), "root of the file system"),
        "the home folder": (Path.home(), "home folder"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "a file",
        "a foreign folder",
        "a symlink",
        "a sweep folder",
        "the results root",
        "results/sweeps",
        "the current folder",
        "a parent of the current folder",
        "the file-system root",
        "the home folder",
    ],
)
def test_run_out_refuses_before_any_work(case, tmp_path, run_folder, no_simulation, monkeypatch):
    """`run --out X` refuses X (exit 2, a message naming it and why) before simulating,
    and leaves X and its neighbours byte-identical."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results" / "base").mkdir(parents=True)
    (tmp_path / "results" / "base" / "manifest.json").write_text("{}")
    (tmp_path / "results" / "base" / "metrics.json").write_text("{}")
    before = snapshot(tmp_path)
    out, reason = _destinations(tmp_path, run_folder)[case]
    before = snapshot(tmp_path)
    code, _, err = cli("run", str(QUICKSTART), "--out", str(out), "--quiet")
    assert (code, reason in err, str(out) in err, "Traceback" in err) == (2, True, True, False)
    assert snapshot(tmp_path) == before


def test_default_out_never_equals_the_results_root(tmp_path, monkeypatch):
    """A scenario whose name would make the default out results/ itself is refused, and
    results/base survives (issue 7: `name: '.'` replaced results/)."""
    monkeypatch.chdir(tmp_path)
    base = tmp_path / "results" / "base"
    base.mkdir(parents=True)
    (base / "manifest.json").write_text("{}")
    (base / "metrics.json").write_text("{}")
    with pytest.raises(SimError, match="a root"):
        outdir.check_out(Path("results") / ".", outdir.RUN)
    with pytest.raises(SimError, match="a root"):
        outdir.check_out(Path("results") / "sweeps" / "..", outdir.SWEEP)
    assert base.is_dir()


def test_out_accepts_an_empty_folder_and_a_folder_of_its_kind(run_folder, tmp_path):
    """An empty folder, a missing path and a run folder are fine for a run."""
    (tmp_path / "empty").mkdir()
    for out in (tmp_path / "empty", tmp_path / "new" / "deep", run_folder):
        outdir.check_out(out, outdir.RUN)
    with pytest.raises(SimError, match="not a sweep folder"):
        outdir.check_out(run_folder, outdir.SWEEP)
    with pytest.raises(SimError, match="not a compare folder"):
        outdir.check_out(run_folder, outdir.COMPARE)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_out_refuses_an_unwritable_place(tmp_path, no_simulation):
    """A destination under a read-only folder is refused before any work."""
    locked = tmp_path / "ro"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code, _, err = cli("run", str(QUICKSTART), "--out", str(locked / "x"), "--quiet")
    finally:
        locked.chmod(0o700)
    assert (code, "not writable" in err) == (2, True)


def test_out_refuses_a_place_the_user_cannot_write(tmp_path, monkeypatch):
    """An unwritable parent is refused (checked with os.access, which root always passes,
    so the answer is simulated here)."""
    monkeypatch.setattr(outdir.os, "access", lambda path, mode: False)
    with pytest.raises(SimError, match="is not writable"):
        outdir.check_out(tmp_path / "new", outdir.RUN)


def test_compare_and_sweep_out_refuse_a_foreign_folder(run_folder, tmp_path):
    """compare --out and sweep --out refuse a non-empty folder that is not of their kind."""
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    code, _, err = cli("compare", str(run_folder), str(run_folder), "--out", str(foreign))
    assert (code, "not a compare folder" in err) == (2, True)
    sweep = tmp_path / "s.yaml"
    sweep.write_text(
        f"name: s\nscenario: {QUICKSTART}\nreplications: 1\nset: {{duration: 1d}}\n"
        "grid:\n  - path: drones[0].count\n    values: [2]\n"
    )
    code, _, err = cli("sweep", str(sweep), "--out", str(run_folder), "--workers", "1")
    assert (code, "it is a results folder of a run" in err) == (2, True)
    assert (foreign / "keep.txt").read_text() == "mine"


# --- publishing: data first, figures after -------------------------------------------


def _break(monkeypatch, module: str, name: str) -> None:
    """Make one figure of ``module.PLOTS`` raise."""
    import dataclasses

    plots = __import__(module, fromlist=["PLOTS"])

    def boom(folder):
        raise ValueError("'yerr' must not contain negative values")

    spec = plots.PLOTS[name]
    monkeypatch.setitem(plots.PLOTS, name, dataclasses.replace(spec, draw=boom))


def test_a_failing_figure_costs_neither_data_nor_other_figures(tmp_path, monkeypatch):
    """run: a figure that raises is named on stderr (one line, no traceback), the data and
    the other figures and the report are written, errors.log and the manifest record it,
    and the exit status is 3 (issue 7: half the runs lost their whole folder)."""
    _break(monkeypatch, "sim.present.figures.run", "detection_along_line")
    out = tmp_path / "run"
    code, _, err = cli("run", str(QUICKSTART), *ONE_DAY, "--out", str(out), "--quiet")
    pngs = sorted(p.name for p in (out / "plots").glob("*.png"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert code == 3
    assert "figure detection_along_line failed: ValueError" in err and "Traceback" not in err
    assert (out / "events.csv").is_file() and (out / "report.html").is_file()
    assert "detection_along_line.png" not in pngs and "map.png" in pngs and len(pngs) >= 5
    assert "Traceback" in (out / "plots" / "errors.log").read_text()
    assert manifest["figures_failed"] == ["detection_along_line"]


def test_plot_redraws_without_deleting_first(copy, monkeypatch):
    """plot DIR with one figure failing keeps that figure's old PNG, redraws the others,
    removes a PNG no longer drawn, and exits 3; a later clean plot clears errors.log."""
    old = (copy / "plots" / "map.png").read_bytes()
    (copy / "plots" / "retired_figure.png").write_bytes(b"old")
    with monkeypatch.context() as patch:
        _break(patch, "sim.present.figures.run", "map")
        code, _, err = cli("plot", str(copy))
    assert (code, "figure map failed" in err) == (3, True)
    assert (copy / "plots" / "map.png").read_bytes() == old
    assert not (copy / "plots" / "retired_figure.png").exists()
    assert (copy / "plots" / "errors.log").is_file()
    code, _, _ = cli("plot", str(copy))
    manifest = json.loads((copy / "manifest.json").read_text())
    assert (code, (copy / "plots" / "errors.log").exists(), manifest["figures_failed"]) == (
        0,
        False,
        [],
    )
    assert not list((copy / "plots").glob(".*"))  # no temporary left


def test_a_failing_report_is_named_and_exits_3(copy, monkeypatch):
    """A report that raises is named like a figure; the figures are still drawn."""

    def boom(folder):
        raise RuntimeError("no report today")

    monkeypatch.setattr("sim.present.draw.write_report", boom)
    code, _, err = cli("plot", str(copy))
    assert (code, "figure report.html failed: RuntimeError: no report today" in err) == (3, True)


def test_compare_publishes_data_before_figures(run_folder, tmp_path, monkeypatch):
    """compare: a failing figure leaves metrics.csv, compare.json, the other figures and
    the report, and exits 3."""
    monkeypatch.setattr(
        "sim.present.figures.compare.plot_latency_cdfs",
        lambda *a: (_ for _ in ()).throw(ValueError("bad cdf")),
    )
    other = tmp_path / "other"
    shutil.copytree(run_folder, other)
    out = tmp_path / "cmp"
    code, _, err = cli("compare", str(run_folder), str(other), "--out", str(out))
    assert (code, "figure latency_cdf failed: ValueError: bad cdf" in err) == (3, True)
    assert (out / "metrics.csv").is_file() and (out / "compare.json").is_file()
    assert (out / "plots" / "detection_along_line.png").is_file()
    assert (out / "report.html").is_file() and (out / "plots" / "errors.log").is_file()


def test_draw_all_raises_after_drawing_the_others_without_an_errors_list(copy, monkeypatch):
    """Library callers of draw_all still see a failure (FiguresFailed), after the other
    figures were drawn."""
    from sim.present.drawing import FiguresFailed
    from sim.present.figures.run import draw_all

    _break(monkeypatch, "sim.present.figures.run", "map")
    for png in (copy / "plots").glob("*.png"):
        png.unlink()
    with pytest.raises(FiguresFailed, match="map"):
        draw_all(copy)
    assert (copy / "plots" / "latency_cdf.png").is_file()


# --- damaged folders -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("events.csv", lambda t: t[: len(t) // 2]),
        ("events.csv", lambda t: ""),
        ("metrics.json", lambda t: t[: len(t) // 2]),
        ("manifest.json", lambda t: "{not json"),
        ("coverage.csv", lambda t: t[: len(t) // 3]),
    ],
)
@pytest.mark.parametrize("command", ["plot", "compare"])
def test_damaged_file_is_named_exit_2(copy, run_folder, tmp_path, name, damage, command):
    """plot and compare on a folder with a truncated or damaged file: exit 2 naming the
    file, no traceback (issue 7: IndexError / JSONDecodeError)."""
    path = copy / name
    text = path.read_text(encoding="utf-8")
    cut = damage(text)
    if name.endswith(".csv") and cut:
        cut = cut.rsplit("\n", 1)[0] + "\n" + cut.rsplit("\n", 1)[1][:3]  # a cut row
    path.write_text(cut, encoding="utf-8")
    if command == "plot":
        code, _, err = cli("plot", str(copy))
    else:
        code, _, err = cli("compare", str(run_folder), str(copy), "--out", str(tmp_path / "c"))
    assert (code, name in err, "Traceback" in err) == (2, True, False), err


def test_damaged_sweep_manifest_is_named(tmp_path):
    """plot on a sweep folder whose manifest is damaged names the manifest."""
    folder = tmp_path / "sw"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"kind": "sw')
    (folder / "summary.csv").write_text("point\n0\n")
    code, _, err = cli("plot", str(folder))
    assert (code, "manifest.json" in err, "not valid JSON" in err) == (2, True, True)


# --- temporaries ------------------------------------------------------------------------


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporaries_of_dead_processes_are_cleaned(run_folder, tmp_path):
    """A `.NAME.tmp-PID/` of a dead process beside the destination is removed by the next
    write; a live, locked temporary and unrelated dot folders are left alone."""
    import fcntl

    parent = tmp_path / "results"
    parent.mkdir()
    stale = parent / f".old-run.tmp-{_dead_pid()}"
    stale.mkdir()
    (stale / "events.csv").write_text("half")
    live = parent / f".other.tmp-{os.getpid()}"
    live.mkdir()
    fd = os.open(live, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    (parent / ".git").mkdir()
    try:
        write_results(sim.run(sim.load_scenario(QUICKSTART, ["duration=1d"])), parent / "new")
    finally:
        os.close(fd)
    assert (stale.exists(), live.exists(), (parent / ".git").exists()) == (False, True, True)
    assert (parent / "new" / "events.csv").is_file()


def test_a_moved_aside_folder_of_a_dead_writer_is_restored(tmp_path):
    """`.NAME.old-PID/` left between the two renames of a non-atomic publish is renamed
    back to NAME when NAME is missing."""
    old = tmp_path / f".keep.old-{_dead_pid()}"
    old.mkdir()
    (old / "metrics.json").write_text("{}")
    outdir.clean_stale(tmp_path)
    assert (tmp_path / "keep" / "metrics.json").is_file() and not old.exists()


def test_publish_replaces_a_folder_atomically(tmp_path):
    """publish swaps a new folder in for an old one and leaves nothing else behind."""
    out, tmp = tmp_path / "out", tmp_path / ".out.tmp-1"
    out.mkdir()
    (out / "a").write_text("old")
    tmp.mkdir()
    (tmp / "a").write_text("new")
    outdir.publish(tmp, out)
    assert ((out / "a").read_text(), sorted(p.name for p in tmp_path.iterdir())) == (
        "new",
        ["out"],
    )


# --- sweeps: lock and status ---------------------------------------------------------------

TINY_SWEEP = """\
name: tiny
scenario: {scenario}
seed: 3
replications: 2
set: {{duration: 12h}}
grid:
  - path: drones[0].count
    values: [2, 4]
"""


def test_two_sweeps_into_one_folder_are_locked(tmp_path):
    """A second sweep into a folder another live sweep holds exits 2 naming the folder and
    the holder's PID, and writes nothing."""
    sweep = tmp_path / "s.yaml"
    sweep.write_text(TINY_SWEEP.format(scenario=QUICKSTART))
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from sim.store.outdir import lock_folder; "
            f"lock_folder(Path({str(out)!r})); print('locked', flush=True); time.sleep(60)",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        code, _, err = cli("sweep", str(sweep), "--out", str(out), "--workers", "1", "--quiet")
    finally:
        holder.kill()
        holder.wait()
    assert (code, str(out) in err, f"process {holder.pid}" in err) == (2, True, True)
    assert sorted(p.name for p in out.iterdir()) == [".lock"]


def test_a_killed_sweep_reads_as_interrupted(tmp_path):
    """A manifest left at "running" by a dead sweep reads as "interrupted"; while a live
    process holds the lock it reads "running"."""
    from sim.sweep import read_sweep

    sweep = tmp_path / "s.yaml"
    sweep.write_text(TINY_SWEEP.format(scenario=QUICKSTART))
    out = tmp_path / "out"
    code, _, err = cli("sweep", str(sweep), "--out", str(out), "--workers", "1", "--no-plots")
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["status"] = "running"
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert read_sweep(out).manifest["status"] == "interrupted"
    fd = outdir.lock_folder(out)
    try:
        status = subprocess.run(
            [
                sys.executable,
                "-c",
                "from sim.sweep import read_sweep; "
                f"print(read_sweep({str(out)!r}).manifest['status'])",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    finally:
        os.close(fd)
    assert status == "running"


# --- signals -----------------------------------------------------------------------------


def _why_no_interrupt() -> str:
    """What the process looked like when a SIGINT it sent itself raised nothing."""
    return (
        f"no KeyboardInterrupt: SIGINT handler {signal.getsignal(signal.SIGINT)!r}, "
        f"blocked {sorted(signal.pthread_sigmask(signal.SIG_BLOCK, []))}, "
        f"pending {sorted(signal.sigpending())}, threads {threading.enumerate()}"
    )


@pytest.fixture
def default_sigint():
    """Python's own SIGINT handler, whatever the test session started with.

    A process started in the background by a non-interactive shell inherits SIGINT
    ignored, and Python then keeps it ignored: these tests are about a Ctrl-C that
    reaches a command, so they put the handler an interactive command has.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_deferred_holds_a_signal_until_the_block_ends(capsys, default_sigint):
    """A SIGINT inside deferred() does not interrupt the block; KeyboardInterrupt is raised
    when it ends (the fix for the segfault of Ctrl-C inside the numba coverage kernel)."""
    reached = []
    raised = False
    try:
        with interrupts.deferred("computing coverage"):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
            reached.append("end of block")
    except KeyboardInterrupt:
        raised = True
    assert raised, _why_no_interrupt()
    assert reached == ["end of block"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert "computing coverage: stopping when it returns" in capsys.readouterr().err


def test_deferred_respects_an_ignored_signal():
    """A signal ignored before the block stays ignored (sweep workers ignore SIGINT)."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interrupts.deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize(
    ("exc", "status", "word"),
    [(KeyboardInterrupt(), 130, "interrupted"), (interrupts.Terminated(), 143, "terminated")],
)
def test_interrupt_exit_status_and_no_temporary(tmp_path, monkeypatch, exc, status, word):
    """Ctrl-C exits 130 and SIGTERM 143 with a one-line message; an interrupt while the
    data is written leaves neither the destination nor a temporary folder."""

    def interrupted(*args, **kwargs):
        raise exc

    monkeypatch.setattr("sim.store.write.write_geojson", interrupted)
    code, _, err = cli("run", str(QUICKSTART), *ONE_DAY, "--out", str(tmp_path / "r"))
    assert (code, err.strip().startswith(word), "Traceback" in err) == (status, True, False)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_interrupt_inside_eval_still_exits_130(tmp_path):
    """A Ctrl-C raised inside ``eval()`` of a string (namedtuple does it while matplotlib
    imports) is caught and ``python -m`` exits 130, not killed by SIGINT at shutdown."""
    (tmp_path / "interrupted_cli.py").write_text(
        "import sys\n"
        "from sim import cli\n"
        "def stop():\n"
        "    raise KeyboardInterrupt\n"
        "cli._cmd_validate = lambda args: eval('stop()', {'stop': stop})\n"
        f"sys.argv = ['ceasefire-sim', 'validate', {str(QUICKSTART)!r}]\n"
        "sys.exit(cli.main())\n"
    )
    path = os.pathsep.join([str(tmp_path), str(ROOT)])
    done = subprocess.run(
        [sys.executable, "-m", "interrupted_cli"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip() == "interrupted; no half-written folder left"


def test_interrupt_swallowed_by_a_callback_is_delivered_again(capsys, default_sigint):
    """Regression: a Ctrl-C whose handler ran inside a weakref callback (the import
    machinery's) was printed as "Exception ignored ... KeyboardInterrupt" and lost; the
    sweep went on and exited 0. Inside a command it is now sent again and raised."""
    import weakref

    class Owner:
        pass

    def callback(ref: object) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(100_000):  # the handler runs here, where Python ignores errors
            pass

    raised = False
    try:
        with interrupts.terminate_as_interrupt():
            owner = Owner()
            ref = weakref.ref(owner, callback)
            del owner
            time.sleep(2.0)  # the resent signal ends this early
    except KeyboardInterrupt:
        raised = True
    assert raised, _why_no_interrupt()
    assert ref() is None
    assert "Exception ignored" not in capsys.readouterr().err


def _class_whose_set_name_is_interrupted() -> None:
    """Define a class while Ctrl-C lands in ``__set_name__`` (as in matplotlib's import):
    Python raises "RuntimeError: Error calling __set_name__" from the interrupt."""

    class Descriptor:
        def __set_name__(self, owner: type, name: str) -> None:
            raise KeyboardInterrupt

    type("Axes", (), {"set_yticks": Descriptor()})


def test_interrupt_turned_into_an_error_still_exits_130(monkeypatch, capsys):
    """Regression: Ctrl-C while matplotlib was imported became a RuntimeError and the
    command died with a traceback (exit 1); it now exits 130 as an interrupt."""
    with pytest.raises(RuntimeError, match="__set_name__"):
        _class_whose_set_name_is_interrupted()  # what Python does without the CLI
    monkeypatch.setattr(
        "sim.cli._cmd_validate", lambda args: _class_whose_set_name_is_interrupted()
    )
    assert main(["validate", str(QUICKSTART)]) == 130
    err = capsys.readouterr().err
    assert err.strip() == "interrupted; no half-written folder left"


def test_a_figure_interrupted_in_an_import_is_an_interrupt_not_a_failure():
    """A figure whose drawing was interrupted (the interrupt wrapped in an error) stops
    the drawing as Ctrl-C; it is not recorded as a failed figure."""
    from sim.present.drawing import attempt

    failures: list = []
    with pytest.raises(KeyboardInterrupt):
        attempt("map", _class_whose_set_name_is_interrupted, failures)
    assert failures == []


def test_sigterm_handler_is_restored_after_a_command():
    """The CLI's SIGTERM handler lives only while a command runs."""
    before = signal.getsignal(signal.SIGTERM)
    cli("validate", str(QUICKSTART))
    assert signal.getsignal(signal.SIGTERM) == before


def test_stale_sweep_temporaries_are_removed_on_resume(tmp_path):
    """`.runs.csv.tmp-PID` left by a killed sweep is removed when the sweep is run again."""
    sweep = tmp_path / "s.yaml"
    sweep.write_text(TINY_SWEEP.format(scenario=QUICKSTART))
    out = tmp_path / "out"
    assert cli("sweep", str(sweep), "--out", str(out), "--workers", "1", "--no-plots")[0] == 0
    stale = out / f".runs.csv.tmp-{_dead_pid()}"
    stale.write_text("point,replication\n0,")
    assert cli("sweep", str(sweep), "--out", str(out), "--workers", "1", "--no-plots")[0] == 0
    assert not stale.exists()


def test_the_program_ignores_signals_once_its_command_ended(monkeypatch):
    """main() called as the program (no argv) ignores SIGINT and SIGTERM after the command:
    Python's shutdown would otherwise restore their default action and a late Ctrl-C would
    kill the process silently with -2 instead of its real exit status."""
    monkeypatch.setattr(sys, "argv", ["ceasefire-sim", "validate", str(QUICKSTART)])
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            assert main() == 0
        now = [signal.getsignal(s) for s in saved]
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    assert now == [signal.SIG_IGN, signal.SIG_IGN]


def test_sweep_figures_are_drawn_while_the_folder_is_locked(tmp_path, monkeypatch):
    """The CLI draws a sweep's figures and report before releasing the folder's lock, so
    a second sweep (with --fresh) cannot empty the folder under them."""
    import sim.present.draw

    sweep = tmp_path / "s.yaml"
    sweep.write_text(TINY_SWEEP.format(scenario=QUICKSTART))
    out = tmp_path / "out"
    seen = []
    monkeypatch.setattr(
        sim.present.draw,
        "draw_sweep",
        lambda folder: (seen.append(outdir.is_locked(folder)), ([], []))[1],
    )
    assert cli("sweep", str(sweep), "--out", str(out), "--workers", "1")[0] == 0
    assert (seen, outdir.is_locked(out)) == ([True], False)
