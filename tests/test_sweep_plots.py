"""Sweep figures: one colour convention for better and worse on every heatmap."""

from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from sim.core.tables import Table  # noqa: E402
from sim.present.figures import sweep as sweep_plots  # noqa: E402
from sim.present.format import metric_scale  # noqa: E402


@dataclass
class FakeSweep:
    """The parts of a SweepFolder that plot_heatmap reads."""

    summary: Table
    target: object = None
    manifest: dict = field(default_factory=lambda: {"name": "fake"})


def _two_axis_sweep(metric: str, values: np.ndarray) -> FakeSweep:
    """A 2 x 2 grid (drone count x sensor spacing) with one metric's estimates."""
    count = np.array([2, 4, 2, 4])
    spacing = np.array([3000.0, 3000.0, 6000.0, 6000.0])
    return FakeSweep(
        Table(
            {
                "drones[0].count": count,
                "ground_sensors[0].spacing": spacing,
                f"{metric}.estimate": values,
                f"{metric}.low95": values * 0.9,
                f"{metric}.high95": values * 1.1,
            }
        )
    )


def _cell_colours(metric: str, values: np.ndarray) -> dict[float, np.ndarray]:
    """RGBA of each heatmap cell, keyed by its estimate."""
    sweep = _two_axis_sweep(metric, values)
    axes = [sweep_plots.Axis(["drones[0].count"]), sweep_plots.Axis(["ground_sensors[0].spacing"])]
    ax = Figure().add_subplot()
    sweep_plots.plot_heatmap(sweep, metric, axes, ax)  # type: ignore[arg-type]
    image = ax.get_images()[0]
    scale, _ = metric_scale(metric)
    return {float(v): np.asarray(image.to_rgba(v / scale)) for v in values}


def test_metric_directions():
    """Probabilities better higher; latencies, gaps, false alarms, losses better lower."""
    higher = ["detection.probability", "coverage.time_fraction", "verified.probability"]
    lower = [
        "latency.median_s",
        "report_latency.p90_s",
        "coverage.revisit.max_s",
        "false_alarms.per_day",
        "assets.uav.losses",
    ]
    assert all(sweep_plots.better_direction(m) == "higher" for m in higher)
    assert all(sweep_plots.better_direction(m) == "lower" for m in lower)
    assert sweep_plots.better_direction("violations.count") is None


def test_yellow_means_better_on_every_heatmap():
    """Regression: heatmaps used yellow for "better" on one metric (detection
    probability, high) and "worse" on the next (latency, high). Now the better cell
    is the same (yellow) colour whichever way the metric improves."""
    good_p, bad_p = 0.9, 0.3
    good_t, bad_t = 300.0, 3000.0  # seconds: lower latency is better
    p = _cell_colours("detection.probability", np.array([bad_p, 0.5, 0.7, good_p]))
    t = _cell_colours("latency.median_s", np.array([bad_t, 1000.0, 2000.0, good_t]))
    assert np.allclose(p[good_p], t[good_t])
    assert np.allclose(p[bad_p], t[bad_t])
    yellow = p[good_p][:3]
    assert yellow[0] > 0.8 and yellow[1] > 0.8 and yellow[2] < 0.3


@pytest.mark.parametrize("metric", ["detection.probability", "latency.median_s"])
def test_heatmap_colour_bar_says_which_way_is_better(metric):
    """The colour bar's label names the metric and says yellow is better."""
    sweep = _two_axis_sweep(metric, np.array([0.2, 0.4, 0.6, 0.8]) * 1000)
    axes = [sweep_plots.Axis(["drones[0].count"]), sweep_plots.Axis(["ground_sensors[0].spacing"])]
    fig = Figure()
    ax = fig.add_subplot()
    sweep_plots.plot_heatmap(sweep, metric, axes, ax)  # type: ignore[arg-type]
    (bar_axes,) = [a for a in fig.axes if a is not ax]
    label = bar_axes.get_ylabel()
    assert metric in label and "yellow = better" in label


def test_heatmap_text_stays_readable_on_its_cell():
    """Annotations are black on light (yellow) cells and white on dark ones."""
    sweep = _two_axis_sweep("latency.median_s", np.array([300.0, 1000.0, 2000.0, 3000.0]))
    axes = [sweep_plots.Axis(["drones[0].count"]), sweep_plots.Axis(["ground_sensors[0].spacing"])]
    ax = Figure().add_subplot()
    sweep_plots.plot_heatmap(sweep, "latency.median_s", axes, ax)  # type: ignore[arg-type]
    colours = {t.get_text().split("\n")[0]: t.get_color() for t in ax.texts}
    assert colours["5"] == "black"  # 300 s = 5 min: the best, yellow
    assert colours["50"] == "white"  # 3000 s = 50 min: the worst, dark purple


def test_sweep_over_names_draws_and_reports(tmp_path):
    """Regression: a grid over a text value (drones[0].name: [male, hawk]) ran, but
    every sweep figure failed ("could not convert string to float: 'male'") and so did
    the report. The figures draw, with the names on the axis, and the report lists them."""
    import shutil
    from pathlib import Path

    import yaml

    from sim.cli import main
    from sim.sweep import read_sweep

    root = Path(__file__).resolve().parents[1]
    shutil.copy(root / "scenarios" / "quickstart.yaml", tmp_path / "quickstart.yaml")
    (tmp_path / "names.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "names",
                "scenario": "quickstart.yaml",
                "replications": 2,
                "set": {"duration": "12h"},
                "grid": [{"path": "drones[0].name", "values": ["male", "hawk"]}],
                "metrics": ["detection.probability"],
            }
        )
    )
    out = tmp_path / "out"
    assert main(["sweep", str(tmp_path / "names.yaml"), "--out", str(out), "--workers", "1"]) == 0
    assert (out / "plots" / "detection_probability.png").is_file()
    sweep = read_sweep(out)
    axis = sweep_plots.axes_of(sweep)[0]
    ax = sweep_plots.plot_curve(sweep, "detection.probability", axis)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["hawk", "male"]
    runs = ax.lines[1]  # the single runs, on the same positions as the points
    assert sorted(set(np.asarray(runs.get_xdata(), dtype=float))) == [0.0, 1.0]
    report = (out / "report.html").read_text()
    assert "<td>hawk</td>" in report and "<td>male</td>" in report
    shutil.copytree(out, tmp_path / "again")
    cmp = tmp_path / "cmp"
    assert main(["compare", str(out), str(tmp_path / "again"), "--out", str(cmp)]) == 0
    assert (cmp / "plots" / "detection_probability.png").is_file()


def test_sweep_without_axes_draws_its_replications(tmp_path):
    """Regression: a sweep of replications alone (no grid, no sample) failed every
    figure with "cannot write empty image" (a main-effects figure of zero panels).
    Each figure now shows the runs, the estimate and its band."""
    import yaml

    from sim.cli import main
    from sim.sweep import read_sweep

    (tmp_path / "s.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "simple",
                "duration": "2h",
                "line": {"crs": "local", "points": [[0, 0], [5000, 0]], "cell": "500m"},
                "violations": {"rate": "20/h"},
                "ground_sensors": [
                    {"name": "g", "spacing": "1km", "sensor": {"range": "600m", "pd": 0.5}}
                ],
            }
        )
    )
    (tmp_path / "sw.yaml").write_text(
        yaml.safe_dump({"name": "reps", "scenario": "s.yaml", "replications": 3})
    )
    out = tmp_path / "out"
    assert main(["sweep", str(tmp_path / "sw.yaml"), "--out", str(out), "--workers", "1"]) == 0
    assert (out / "plots" / "detection_probability.png").is_file()
    sweep = read_sweep(out)
    ax = sweep_plots.plot_replications(sweep, "detection.probability")
    runs = ax.lines[0]
    expected = np.asarray(sweep.runs["detection.probability"], dtype=float) * 100
    assert np.allclose(np.asarray(runs.get_ydata(), dtype=float), expected)
