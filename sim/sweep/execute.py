"""Running a sweep: progress, executors (inline, processes, Dask), recording and resume."""

from __future__ import annotations

import concurrent.futures as cf
import csv
import datetime as dt
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from tqdm import tqdm

from sim.core.errors import ExecutionError, ScenarioError, SimError
from sim.core.interrupts import deferred
from sim.schema import BASE_RESOLVED, MANIFEST, RUNS, SUMMARY, SWEEP_RESOLVED
from sim.store.files import csv_cell
from sim.store.outdir import LOCK, SWEEP, check_out, lock_folder, remove_stale_files
from sim.sweep.plan import SweepPlan, load_sweep
from sim.sweep.records import RunLog, _ignore_sigint, _row, run_one
from sim.sweep.stats import interval_kinds, summarise

# --- progress --------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """The state of a running sweep, passed to a ``progress`` callback after each run."""

    done: int
    total: int
    failed: int
    elapsed_s: float
    eta_s: float
    point: int
    replication: int
    status: str
    wall_s: float


class _Display:
    """The default display: a tqdm bar (runs done, failures, ETA), or a log line per run."""

    def __init__(self, quiet: bool, total: int, done: int):
        self.quiet = quiet or not sys.stderr.isatty()  # logs get a line per run, not a bar
        self.bar = None
        if not self.quiet:
            self.bar = tqdm(
                total=total,
                initial=done,
                unit="run",
                file=sys.stderr,
                dynamic_ncols=True,
                mininterval=1.0,
            )
            self.bar.set_postfix(failed=0)

    def __call__(self, info: Progress) -> None:
        if self.bar is not None:
            self.bar.update(info.done - self.bar.n)
            self.bar.set_postfix(failed=info.failed, refresh=False)
            return
        note = "ok" if info.status == "ok" else "FAILED"
        print(
            f"run {info.done}/{info.total}: point {info.point} replication "
            f"{info.replication} {note} in {info.wall_s:.2f} s",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        """End the bar (leaving its last state on screen)."""
        if self.bar is not None:
            self.bar.close()


# --- executors -------------------------------------------------------------------


def _executor_label(workers: int, scheduler: str | None) -> str:
    if scheduler is None:
        return "inline" if workers == 1 else "processes"
    return "dask-local" if scheduler == "local" else f"dask:{scheduler}"


@contextmanager
def _executor(workers: int, scheduler: str | None) -> Iterator[cf.Executor | None]:
    """Yield the executor (None: run inline)."""
    if scheduler is None:
        if workers == 1:
            yield None
            return
        pool = cf.ProcessPoolExecutor(
            max_workers=workers, initializer=_ignore_sigint, initargs=(os.getpid(),)
        )
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    _dask()
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        client = _remote_client(scheduler)
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _dask() -> None:
    """Refuse ``--scheduler`` when dask.distributed is not installed."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        raise SimError(
            "--scheduler needs dask.distributed: pip install 'ceasefire-sim[dask]'"
        ) from None


def _remote_client(scheduler: str) -> Any:
    """A client of the Dask scheduler at ``scheduler``; SimError if it cannot be reached."""
    from dask.distributed import Client

    try:
        return Client(scheduler, timeout="20s")
    except OSError as exc:
        raise SimError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None


def _check_scheduler(scheduler: str | None) -> None:
    """Refuse a scheduler that cannot be used, before the sweep folder is created."""
    if scheduler is None:
        return
    _dask()
    if scheduler != "local":
        _remote_client(scheduler).close()


# --- running ---------------------------------------------------------------------


@dataclass
class SweepOutcome:
    """What a sweep did: where its folder is, counts, and the summary rows."""

    out: Path
    runs: int
    ok: int
    failed: int
    resumed: int
    wall_seconds: float
    executor: str
    workers: int
    parameters: list[str]
    summary: list[dict[str, Any]] = field(repr=False)
    cheapest: list[int]

    @property
    def exit_status(self) -> int:
        """0 if every run succeeded, 1 if any failed."""
        return 1 if self.failed else 0


def _prepare_folder(out: Path, plan: SweepPlan, fresh: bool) -> None:
    """Check ``out`` (already locked by this process) against the sweep; empty it if fresh."""
    manifest_path = out / MANIFEST
    old: dict[str, Any] | None = None
    if manifest_path.is_file():
        try:
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            old = None
    is_sweep = isinstance(old, dict) and old.get("kind") == "sweep"
    if is_sweep and fresh:
        for path in out.iterdir():
            if path.name == LOCK:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    elif is_sweep and old is not None and old.get("fingerprint") != plan.fingerprint:
        raise SimError(
            f"{out} holds runs of a different sweep (its scenario, set, grid or sample, "
            f"or seed changed since); run with --fresh to start over, or choose another "
            f"out folder"
        )
    remove_stale_files(out)  # .runs.csv.tmp-PID and the like of a killed sweep


def _manifest(
    plan: SweepPlan,
    status: str,
    started: dt.datetime,
    wall: float,
    executor: str,
    workers: int,
    counts: dict[str, int],
    kinds: dict[str, str],
    cheapest: list[int],
) -> dict[str, Any]:
    from sim.store.write import package_versions

    spec = plan.spec
    target = spec.parsed_target
    return {
        "kind": "sweep",
        "name": spec.name,
        "status": status,
        "version": package_versions()["ceasefire-sim"],
        "sweep_file": str(plan.source.resolve()),
        "scenario_file": str(plan.scenario_file),
        "seed": spec.seed,
        "replications": spec.replications,
        "points": len(plan.points),
        "parameters": plan.parameters,
        "axes": plan.axes,
        "metrics": spec.summarised,
        "intervals": kinds,
        "target": None
        if target is None
        else {"metric": target.metric, "op": target.op, "value": target.value},
        "cheapest": cheapest,
        "fingerprint": plan.fingerprint,
        "executor": executor,
        "workers": workers,
        "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "finished_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "wall_seconds": round(wall, 3),
        **counts,
    }


def _write_resolved(out: Path, plan: SweepPlan) -> None:
    data = plan.spec.model_dump(mode="json", by_alias=True)
    data["scenario"] = str(plan.scenario_file)
    with (out / SWEEP_RESOLVED).open("w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, sort_keys=False, allow_unicode=True)
    with (out / BASE_RESOLVED).open("w", encoding="utf-8") as handle:
        yaml.safe_dump(plan.base, handle, sort_keys=False, allow_unicode=True)


def write_summary(path: Path, plan: SweepPlan, summary: list[dict[str, Any]]) -> None:
    """Write summary.csv atomically."""
    columns = list(summary[0]) if summary else ["point", *plan.parameters, "n", "failed"]
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([csv_cell(s.get(c)) for c in columns] for s in summary)
    os.replace(tmp, path)


def run_sweep(
    sweep_path: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    fresh: bool = False,
    quiet: bool = False,
    progress: Callable[[Progress], None] | None = None,
    out: str | Path | None = None,
    finish: Callable[[SweepOutcome], object] | None = None,
) -> SweepOutcome:
    """Run (or resume) the sweep in ``sweep_path`` into ``out``; return what it did.

    Parameters
    ----------
    sweep_path
        The sweep YAML file.
    workers
        Parallel runs: default one per core; 1 runs inline (no pool). With
        ``scheduler="local"``, the LocalCluster's workers; ignored for a remote scheduler.
    scheduler
        None: a local process pool; ``"local"``: a dask.distributed LocalCluster;
        ``"tcp://host:8786"``: an existing Dask scheduler (its workers need ceasefire-sim).
    fresh
        Start over, discarding the runs recorded in ``out``.
    quiet
        Log one line per run on stderr instead of the progress line.
    progress
        Called with a ``Progress`` after each run instead of the default display.
    out
        The sweep folder (default ``results/sweeps/<name>``).
    finish
        Called with the outcome once the summary and manifest are written, while the
        folder is still locked (the CLI draws the figures and the report there).
    """
    started = dt.datetime.now(dt.timezone.utc)
    plan = load_sweep(sweep_path)
    if workers is not None and workers < 1:
        raise ScenarioError([("--workers", f"expected an integer >= 1; got {workers}")])
    n_workers = workers or os.cpu_count() or 1
    folder = Path(out) if out is not None else Path("results") / "sweeps" / plan.spec.name
    check_out(folder, SWEEP)
    _check_scheduler(scheduler)  # everything is checked before the folder is created
    lock = lock_folder(folder)  # a second sweep into this folder is refused until we end
    try:
        outcome = _run_locked(plan, folder, fresh, n_workers, scheduler, quiet, progress, started)
        if finish is not None:
            finish(outcome)
        return outcome
    finally:
        os.close(lock)


def _run_locked(
    plan: SweepPlan,
    folder: Path,
    fresh: bool,
    n_workers: int,
    scheduler: str | None,
    quiet: bool,
    progress: Callable[[Progress], None] | None,
    started: dt.datetime,
) -> SweepOutcome:
    """``run_sweep`` once ``folder`` is checked and locked."""
    clock = time.perf_counter()
    _prepare_folder(folder, plan, fresh)
    _write_resolved(folder, plan)

    tasks = plan.tasks()
    expected = {t: plan.seed(*t) for t in tasks}
    log = RunLog(folder / RUNS, plan.parameters)
    resumed = log.load(lambda p, r: expected.get((p, r)))
    pending = [t for t in tasks if t not in log.rows]

    counts = {"runs": len(tasks), "runs_ok": 0, "runs_failed": 0, "runs_resumed": resumed}
    label = _executor_label(n_workers, scheduler)

    def save_manifest(status: str, kinds: dict[str, str], cheapest: list[int]) -> None:
        from sim.store.files import write_json

        counts["runs_ok"] = sum(r["status"] == "ok" for r in log.rows.values())
        counts["runs_failed"] = len(log.rows) - counts["runs_ok"]
        wall = time.perf_counter() - clock
        data = _manifest(plan, status, started, wall, label, n_workers, counts, kinds, cheapest)
        write_json(folder / MANIFEST, data)

    save_manifest("running", {}, [])
    display = progress or _Display(quiet, len(tasks), len(log.rows))
    session_start = time.perf_counter()
    session_done = 0
    failed = sum(r["status"] != "ok" for r in log.rows.values())

    def record(task: tuple[int, int], result: dict[str, Any]) -> None:
        nonlocal session_done, failed
        row = _row(plan, task[0], task[1], result)
        log.append(task, row)
        session_done += 1
        failed += row["status"] != "ok"
        elapsed = time.perf_counter() - session_start
        left = len(tasks) - len(log.rows)
        display(
            Progress(
                done=len(log.rows),
                total=len(tasks),
                failed=failed,
                elapsed_s=elapsed,
                eta_s=elapsed / session_done * left,
                point=task[0],
                replication=task[1],
                status=row["status"],
                wall_s=float(result["wall_s"]),
            )
        )

    base_dir = str(plan.scenario_file.parent)

    def keep_dir(task: tuple[int, int]) -> str | None:
        if not plan.spec.keep_runs:
            return None
        return str((folder / "runs" / f"p{task[0]:04d}-r{task[1]:03d}").resolve())

    complete = False
    try:
        if pending:
            with _executor(n_workers, scheduler) as executor:
                if executor is None:
                    for task in pending:
                        data = plan.points[task[0]].data
                        record(task, run_one(data, expected[task], base_dir, keep_dir(task)))
                else:
                    _run_pool(
                        executor, plan, pending, expected, base_dir, keep_dir, record, display
                    )
        if isinstance(display, _Display):
            display.close()
        log.finish()
        rows = [log.rows[t] for t in sorted(log.rows)]
        summary = summarise(plan, rows)
        write_summary(folder / SUMMARY, plan, summary)
        kinds = interval_kinds(plan.spec.summarised, set(log.header))
        cheapest = [int(s["point"]) for s in summary if s.get("cheapest")]
        # a signal while the status is written would leave it "running": hold it
        with deferred("recording the sweep's end"):
            save_manifest("complete", kinds, cheapest)
            complete = True
    except BaseException:  # an error or an interrupt, while running or summarising
        log.close()
        if not complete:
            with deferred("recording the sweep's status"):
                save_manifest("incomplete", {}, [])
        raise
    finally:
        if isinstance(display, _Display):
            display.close()
    return SweepOutcome(
        out=folder,
        runs=len(tasks),
        ok=counts["runs_ok"],
        failed=counts["runs_failed"],
        resumed=resumed,
        wall_seconds=time.perf_counter() - clock,
        executor=label,
        workers=n_workers,
        parameters=plan.parameters,
        summary=summary,
        cheapest=cheapest,
    )


def _run_pool(
    executor: cf.Executor,
    plan: SweepPlan,
    pending: list[tuple[int, int]],
    expected: dict[tuple[int, int], int],
    base_dir: str,
    keep_dir: Callable[[tuple[int, int]], str | None],
    record: Callable[[tuple[int, int], dict[str, Any]], None],
    display: Callable[[Progress], None],
) -> None:
    """Submit every pending run; record each as it finishes; cancel the rest on error."""
    futures = {
        executor.submit(run_one, plan.points[t[0]].data, expected[t], base_dir, keep_dir(t)): t
        for t in pending
    }
    waiting = set(futures)
    try:
        while waiting:
            done, waiting = cf.wait(waiting, timeout=1.0, return_when=cf.FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: futures[f]):
                try:
                    result = future.result()
                except Exception as exc:  # the executor broke (a worker died), not the run
                    raise ExecutionError(
                        f"the executor failed ({type(exc).__name__}: {exc}); the runs "
                        f"recorded so far are kept: run the sweep again to continue"
                    ) from exc
                record(futures[future], result)
    finally:
        for future in waiting:
            future.cancel()
