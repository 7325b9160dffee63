"""Present: figures, reports and comparisons, drawn from saved folders only.

    format          numbers for people: the one formatter of the CLI, reports, compare, sweeps
    captions        each figure's title and reading aid (plain text, no matplotlib)
    describe        the summaries `validate` and `run` print
    drawing         one figure at a time: atomic save, failures, plots/errors.log
    draw            a run's or a sweep's figures and report, as the CLI draws them
    compare         compare results folders: metrics.csv, metrics.md, figures, report
    sweep_compare   compare sweep folders
    figures/        style (shared colours, axes helpers); a run's figures by subject: map,
                    zones, timelines, latency, along_line, and their registry run.PLOTS;
                    compare; sweep
    report/         html (page pieces); run (+ scenario); compare; sweep

Nothing here imports the engine, SimPy or numba: everything is read from the files of
a results, compare or sweep folder.
"""
