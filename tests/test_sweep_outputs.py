"""Sweep figures, the sweep report and comparing sweeps, from finished sweep folders."""

from pathlib import Path

import matplotlib
import numpy as np
import pytest
import yaml

from sim.core.errors import SimError
from sim.present.compare import compare
from sim.present.figures.sweep import axes_of, draw_all
from sim.present.report.sweep import write_sweep_report
from sim.sweep import read_sweep, run_sweep

matplotlib.use("Agg")

QUICKSTART = Path(__file__).resolve().parents[1] / "scenarios" / "quickstart.yaml"


def sweep_file(tmp_path: Path, name: str, grid: list, target: str | None = None) -> Path:
    data = {
        "name": name,
        "scenario": str(QUICKSTART),
        "seed": 3,
        "replications": 2,
        "set": {"duration": "12h"},
        "grid": grid,
        "metrics": ["detection.probability", "latency.median_s"],
    }
    if target:
        data["target"] = target
        data["cost"] = [{"path": "drones[0].count", "per_unit": 5}]
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweeps")
    one = [{"path": "drones[0].count", "values": [2, 4]}]
    two = [
        {"paths": ["drones[0].count", "drones[0].patrol.stations"], "values": [[2, 1], [4, 2]]},
        {"path": "ground_sensors[0].spacing", "values": ["3km", "6km"]},
    ]
    out = {}
    for name, grid in (("one", one), ("two", two)):
        path = sweep_file(tmp, name, grid, "detection.probability >= 0.2")
        out[name] = run_sweep(path, workers=1, out=tmp / name, quiet=True).out
    return out


def test_paired_parameters_form_one_axis(sweeps):
    """Paths varied together are one axis; an independent path is another."""
    axes = axes_of(read_sweep(sweeps["two"]))
    assert [a.paths for a in axes] == [
        ["drones[0].count", "drones[0].patrol.stations"],
        ["ground_sensors[0].spacing"],
    ]


@pytest.mark.parametrize("name", ["one", "two"])
def test_every_metric_and_the_cost_get_a_figure(sweeps, name):
    """One PNG per summarised metric, plus the cost figure when a target and costs are given."""
    written = draw_all(sweeps[name])
    assert sorted(p.name for p in written) == [
        "cost.png",
        "detection_probability.png",
        "latency_median_s.png",
    ]
    for path in written:
        image = matplotlib.image.imread(path)
        assert image.shape[0] > 300 and np.std(image) > 0


def test_sweep_report_lists_every_point_and_embeds_the_figures(sweeps):
    """report.html: one summary row per point, the cheapest starred, every figure inline."""
    folder = sweeps["two"]
    draw_all(folder)
    html = write_sweep_report(folder).read_text()
    sweep = read_sweep(folder)
    assert html.count("<tr>") >= len(sweep.summary) + 1
    assert html.count("data:image/png;base64,") == len(list((folder / "plots").glob("*.png")))
    assert "http://" not in html and "https://" not in html
    for point in sweep.manifest["cheapest"]:
        assert f"<td>{point} ★</td>" in html


def test_compare_overlays_sweeps(sweeps, tmp_path):
    """Two sweep folders compare into overlaid curves of their shared metrics and a report."""
    result = compare([sweeps["one"], sweeps["two"]], out=tmp_path / "cmp")
    files = sorted(p.name for p in (tmp_path / "cmp" / "plots").iterdir())
    assert files == ["detection_probability.png", "latency_median_s.png"]
    assert (tmp_path / "cmp" / "report.html").is_file()
    assert "one" in result.table_text() and "two" in result.table_text()


def test_compare_refuses_a_mix_of_runs_and_sweeps(sweeps, tmp_path):
    """A results folder next to a sweep folder is refused with a clear message."""
    import sim
    from sim.store.write import write_results

    run_folder = write_results(sim.run(sim.load_scenario(QUICKSTART)), tmp_path / "run")
    with pytest.raises(SimError, match="not a mix"):
        compare([sweeps["one"], run_folder], out=tmp_path / "cmp")


def test_a_sampled_design_has_one_axis_per_parameter(tmp_path):
    """Sampled parameters are separate axes, drawn as main effects (not one paired curve)."""
    data = {
        "name": "sampled",
        "scenario": str(QUICKSTART),
        "seed": 5,
        "replications": 1,
        "set": {"duration": "12h"},
        "sample": {
            "method": "lhs",
            "n": 4,
            "ranges": {"drones[0].speed": [30, 60], "ground_sensors[0].spacing": [2000, 8000]},
        },
        "metrics": ["detection.probability"],
    }
    path = tmp_path / "sampled.yaml"
    path.write_text(yaml.safe_dump(data))
    folder = run_sweep(path, workers=1, out=tmp_path / "out", quiet=True).out
    assert [a.paths for a in axes_of(read_sweep(folder))] == [
        ["drones[0].speed"],
        ["ground_sensors[0].spacing"],
    ]
    (figure,) = draw_all(folder)
    assert figure.name == "detection_probability.png"
    assert matplotlib.image.imread(figure).shape[1] > 800  # two main-effects panels side by side


def test_plot_command_redraws_a_sweep_folder(sweeps, capsys):
    """`ceasefire-sim plot` on a sweep folder draws its figures and report again."""
    from sim.cli import main

    folder = sweeps["one"]
    (folder / "plots").mkdir(exist_ok=True)
    (folder / "plots" / "stale.png").write_bytes(b"")
    assert main(["plot", str(folder)]) == 0
    printed = capsys.readouterr().out.split()
    assert str(folder / "report.html") in printed
    assert not (folder / "plots" / "stale.png").exists()
    assert (folder / "plots" / "detection_probability.png").is_file()
