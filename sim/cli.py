"""The ``ceasefire-sim`` command: parse arguments, call the package, report.

Exit status: see ``EPILOG`` (0 success, 1 a failure, 2 bad input, 3 data written but
some figures failed, 130 Ctrl-C, 143 SIGTERM).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
from pathlib import Path

from sim.core import interrupts
from sim.core.errors import ExecutionError, ScenarioError, SimError
from sim.present.drawing import EXIT_FIGURES_FAILED, FigureFailure
from sim.schema import ERRORS_LOG, METRICS, PLOTS, SUMMARY
from sim.store.outdir import RUN, check_out

EXIT_BAD_INPUT = 2
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as the shell reports a program killed by it
EPILOG = """\
exit status:
  0    success
  1    a run or the executor failed (sweep: some runs failed; the others are recorded)
  2    bad input: a scenario, sweep or option error, or a destination that must not be
       replaced (nothing written)
  3    the data (tables, metrics) is written but some figures or the report failed:
       each is named on stderr, details in plots/errors.log; `ceasefire-sim plot DIR`
       draws them again
  130  interrupted by Ctrl-C (SIGINT); 143 terminated (SIGTERM); no half-written folder
  141  the output was closed early (e.g. piped into head); the work itself finished
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ceasefire-sim",
        description="Simulate the monitoring of a ceasefire line by drones, "
        "ground sensors and satellites.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario into a results folder")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    run.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    run.add_argument("--out", type=Path, help="results folder (default: results/<name>)")
    _add_overrides(run)
    run.add_argument("--no-plots", action="store_true", help="skip the plots and report.html")
    run.add_argument("--quiet", action="store_true", help="print only the results folder")

    validate = sub.add_parser(
        "validate", help="check a scenario and summarise it (exit 2 naming every problem)"
    )
    validate.add_argument("scenario", type=Path, help="scenario YAML file")
    _add_overrides(validate)

    plot = sub.add_parser(
        "plot", help="draw the plots and report.html of a results or sweep folder again"
    )
    plot.add_argument(
        "folder", type=Path, metavar="DIR", help="a results folder (run) or a sweep folder"
    )

    compare = sub.add_parser("compare", help="compare two or more results folders")
    compare.add_argument(
        "folders",
        nargs="+",
        type=Path,
        metavar="DIR",
        help="results folders, or sweep folders (all of one kind)",
    )
    compare.add_argument(
        "--out", type=Path, help="compare folder (default: results/compare/<a>-vs-<b>)"
    )
    compare.add_argument(
        "--name", dest="names", action="append", help="a column name per folder (repeatable)"
    )

    sweep = sub.add_parser("sweep", help="run a parameter sweep with replications")
    sweep.add_argument("sweep", type=Path, metavar="FILE", help="sweep YAML file")
    sweep.add_argument(
        "--workers", type=int, help="parallel runs (default: one per core; 1 runs inline)"
    )
    sweep.add_argument(
        "--scheduler",
        metavar="ADDRESS|local",
        help="run on a Dask cluster: 'local' starts one, tcp://host:8786 joins one",
    )
    sweep.add_argument("--fresh", action="store_true", help="start over, dropping recorded runs")
    sweep.add_argument("--out", type=Path, help="sweep folder (default: results/sweeps/<name>)")
    sweep.add_argument("--no-plots", action="store_true", help="skip the plots and report.html")
    sweep.add_argument("--quiet", action="store_true", help="a log line per run, no progress bar")

    sub.add_parser("schema", help="print the scenario JSON Schema (for editors)")
    return parser


def _add_overrides(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario value, e.g. --set drones[0].count=6 (repeatable)",
    )


def _failed(folder: Path, failures: list[FigureFailure]) -> int:
    """Name each failed figure on stderr; the exit status (0 or EXIT_FIGURES_FAILED)."""
    if not failures:
        return 0
    for failure in failures:
        print(f"error: {failure.line()}", file=sys.stderr)
    print(
        f"the data in {folder} is complete; details in {folder / PLOTS / ERRORS_LOG}; "
        f"`ceasefire-sim plot {folder}` draws the figures again",
        file=sys.stderr,
    )
    return EXIT_FIGURES_FAILED


@contextlib.contextmanager
def _named(path: Path):
    """Name the scenario file in errors found while building the model."""
    try:
        yield
    except ScenarioError as exc:
        if exc.source is None:
            raise ScenarioError(exc.problems, str(path)) from None
        raise


def _cmd_run(args: argparse.Namespace) -> int:
    from sim.pipeline import run
    from sim.present.describe import describe_run
    from sim.present.format import duration
    from sim.spec.load import load_scenario

    started = dt.datetime.now(dt.timezone.utc)
    if args.seed is not None and args.seed < 0:
        raise ScenarioError([("--seed", f"expected an integer >= 0; got {args.seed}")])
    scenario = load_scenario(args.scenario, args.overrides)
    out = args.out or Path("results") / scenario.name
    check_out(out, RUN)  # before any simulation work
    _warn(scenario)
    with _named(args.scenario):
        result = run(scenario, seed=args.seed, out=out, started_at=started, command=sys.argv[1:])
    failures: list[FigureFailure] = []
    if not args.no_plots:
        from sim.present.draw import draw_run  # matplotlib: loaded only to draw

        failures = draw_run(out)[1]
    if args.quiet:
        print(out)
    else:
        print(
            f"{scenario.name}: {duration(scenario.duration)}, seed {result.seed}, "
            f"{result.wall_seconds:.2f} s"
        )
        print(describe_run(result.metrics(), str(out)))
    return _failed(out, failures)


def _cmd_validate(args: argparse.Namespace) -> int:
    from sim.engine.model import build
    from sim.present.describe import describe_scenario
    from sim.spec.load import load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    with _named(args.scenario):
        model = build(scenario)
    print(describe_scenario(scenario, len(model.violations)))
    _warn(scenario)
    return 0


def _warn(scenario) -> None:
    """Print what a valid scenario cannot answer (it runs all the same) on stderr."""
    from sim.spec.checks import scenario_warnings

    for warning in scenario_warnings(scenario):
        print(f"warning: {warning}", file=sys.stderr)


def _cmd_plot(args: argparse.Namespace) -> int:
    from sim.present.draw import draw_run, draw_sweep
    from sim.store.read import ResultsFolder
    from sim.sweep.folder import is_sweep_folder, read_sweep

    looks_like_sweep = (args.folder / SUMMARY).is_file() and not (args.folder / METRICS).is_file()
    if is_sweep_folder(args.folder) or looks_like_sweep:
        read_sweep(args.folder)  # refuses a damaged sweep folder, naming the file
        paths, failures = draw_sweep(args.folder)
    else:
        folder = ResultsFolder(args.folder)  # refuses a folder that is not a results folder
        folder.check()  # and one with a damaged file, naming it
        paths, failures = draw_run(folder.path)
    for path in paths:
        print(path)
    return _failed(args.folder, failures)


def _cmd_compare(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    from sim.present.compare import compare

    comparison = compare(args.folders, out=args.out, names=args.names, errors=[])
    print(comparison.table_text())
    print(f"written to {comparison.out}")
    return _failed(comparison.out, comparison.failures)


def _plain(value: object) -> str:
    """A parameter value as typed in a sweep file: 1000 rather than 1000.0."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from sim.core.errors import plural
    from sim.present.format import where_run
    from sim.sweep import SweepOutcome, run_sweep

    if args.workers is not None and args.workers < 1:
        raise ScenarioError([("--workers", f"expected an integer >= 1; got {args.workers}")])
    failures: list[FigureFailure] = []

    def draw(outcome: SweepOutcome) -> None:  # while the sweep folder is still locked
        if not args.no_plots and outcome.ok:
            from sim.present.draw import draw_sweep  # matplotlib: loaded only to draw

            failures.extend(draw_sweep(outcome.out)[1])

    try:
        outcome = run_sweep(
            args.sweep,
            workers=args.workers,
            scheduler=args.scheduler,
            fresh=args.fresh,
            quiet=args.quiet,
            out=args.out,
            finish=draw,
        )
    except KeyboardInterrupt as exc:
        what = "terminated" if isinstance(exc, interrupts.Terminated) else "interrupted"
        print(
            f"{what}; the finished runs are recorded: run the same command to continue",
            file=sys.stderr,
        )
        return interrupts.exit_status(exc)
    resumed = f", {outcome.resumed} resumed" if outcome.resumed else ""
    print(
        f"{plural(outcome.runs, 'run')}: {outcome.ok} ok, {outcome.failed} failed{resumed}; "
        f"{outcome.wall_seconds:.1f} s {where_run(outcome.workers, outcome.executor)}"
    )
    for row in outcome.summary:
        if row.get("cheapest"):
            values = ", ".join(f"{p}={_plain(row[p])}" for p in outcome.parameters)
            point, cost = row["point"], row["cost"]
            print(f"cheapest meeting the target: point {point} ({values}), cost {cost:g}")
    print(f"results     {outcome.out}")
    return outcome.exit_status or _failed(outcome.out, failures)


def _cmd_schema(args: argparse.Namespace) -> int:
    from sim.spec.scenario import Scenario

    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ceasefire-sim`` console script.

    Called without ``argv`` (as the program itself), it ignores SIGINT and SIGTERM once
    the command has ended: Python's shutdown restores their default action, which would
    kill the process with no message while numba and matplotlib unload, and the work
    is already done (or cleaned up) by then.
    """
    try:
        return _main(argv)
    finally:
        if argv is None:
            interrupts.ignore_from_now()


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    command = {
        "run": _cmd_run,
        "validate": _cmd_validate,
        "plot": _cmd_plot,
        "compare": _cmd_compare,
        "sweep": _cmd_sweep,
        "schema": _cmd_schema,
    }[args.command]
    try:
        with interrupts.terminate_as_interrupt():
            return command(args)
    except ScenarioError as exc:
        print(f"error: {exc}" if "\n" not in str(exc) else f"error:\n{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ExecutionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as exc:
        what = "terminated" if isinstance(exc, interrupts.Terminated) else "interrupted"
        print(f"{what}; no half-written folder left", file=sys.stderr)
        return interrupts.exit_status(exc)
    except BrokenPipeError:
        # the reader of stdout went away (`validate X | head -1`): finish quietly, as
        # a program killed by SIGPIPE would, with no traceback when Python flushes
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
