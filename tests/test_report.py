"""report.html: self-contained, faithful to metrics.json, and shown whole by a real browser.

The browser tests drive headless Chromium through the DevTools protocol over
``--remote-debugging-pipe`` (no Python dependency beyond the standard library):
Chromium reads JSON commands, each ending in a NUL byte, from file descriptor 3
and writes answers and events to file descriptor 4. The harness opens a tab,
enables the ``Runtime``, ``Log`` and ``Page`` domains *before* navigating, loads
the report from ``file://``, waits for the load event, then asks the page for
``[complete, naturalWidth, naturalHeight]`` of every ``<img>``. Console errors
are every ``Runtime.consoleAPICalled`` of type error/assert, every
``Runtime.exceptionThrown`` and every ``Log.entryAdded`` of level error (which
is where failed resource loads such as a missing image appear). A negative
control page proves that the harness sees a broken image, a missing file and a
``console.error``. The browser tests skip when no Chromium binary is found
(CI installs Debian's ``chromium``).
"""

from __future__ import annotations

import base64
import contextlib
import csv
import json
import os
import re
import select
import shutil
import struct
import subprocess
import time
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

import sim
from sim.core.errors import SimError
from sim.measure.metrics import metric_unit
from sim.present.report.compare import write_compare_report
from sim.present.report.run import write_report
from sim.store.read import ResultsFolder
from sim.store.write import write_results

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


# --------------------------------------------------------------------- fixtures


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """A valid RGB PNG of the given size (grey pixels), built with zlib only."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def draw_plots(folder: Path) -> list[Path]:
    """Draw the run's plots with sim.present.figures.run when it exists, else one small PNG
    by hand."""
    try:
        from sim.present.figures.run import draw_all
    except ImportError:
        (folder / "plots").mkdir(exist_ok=True)
        path = folder / "plots" / "placeholder.png"
        path.write_bytes(tiny_png())
        return [path]
    return draw_all(folder)


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """The quickstart scenario (seed 1) written as a results folder, with plots and report."""
    folder = tmp_path_factory.mktemp("report") / "quickstart"
    result = sim.run(sim.load_scenario(QUICKSTART), seed=1)
    write_results(result, folder)
    draw_plots(folder)
    write_report(folder)
    return folder


@pytest.fixture(scope="module")
def compare_folder(tmp_path_factory, run_folder) -> Path:
    """A compare folder by the agreed file contract: compare.json, metrics.csv/md, plots/."""
    base = tmp_path_factory.mktemp("compare")
    other = base / "quickstart-seed2"
    write_results(sim.run(sim.load_scenario(QUICKSTART), seed=2), other)
    runs = [("quickstart", run_folder), ("quickstart-seed2", other)]
    out = base / "cmp"
    (out / "plots").mkdir(parents=True)
    metrics = [ResultsFolder(path).metrics for _, path in runs]
    keys = [k for k in metrics[0] if all(k in m for m in metrics)]
    with (out / "metrics.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        names = [name for name, _ in runs]
        writer.writerow(["metric", "unit", *names, f"{names[1]} - {names[0]}"])
        for key in keys:
            values = [m[key] for m in metrics]
            diff = None if None in values else values[1] - values[0]
            unit = metric_unit(key)
            writer.writerow([key, unit, *("" if v is None else v for v in [*values, diff])])
    (out / "metrics.md").write_text("| metric |\n|---|\n", encoding="utf-8")
    (out / "plots" / "latency_cdf.png").write_bytes(tiny_png(40, 30))
    (out / "plots" / "coverage_maps.png").write_bytes(tiny_png(50, 20))
    listing = [{"name": name, "path": str(path)} for name, path in runs]
    (out / "compare.json").write_text(json.dumps(listing), encoding="utf-8")
    write_compare_report(out)
    return out


class Page(HTMLParser):
    """Collects the tags, <img> sources, data-key cells and figure captions of a page."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.images: list[str] = []
        self.cells: dict[str, tuple[str, str]] = {}
        self.captions: dict[str, str] = {}
        self.text: list[str] = []
        self._cell: tuple[str, str, str] | None = None
        self._figure: str | None = None
        self._caption: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if "data-key" in attrs:
            self._cell = (attrs["data-key"], attrs["data-value"], "")
        if tag == "figure":
            self._figure = attrs.get("id", "")
        if tag == "figcaption":
            self._caption = []

    def handle_endtag(self, tag):
        if self._cell and tag in ("td", "div", "th"):
            key, value, text = self._cell
            self.cells[key] = (value, text)
            self._cell = None
        if tag == "figcaption" and self._caption is not None:
            self.captions[self._figure or ""] = "".join(self._caption)
            self._caption = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell:
            key, value, text = self._cell
            self._cell = (key, value, text + data)
        if self._caption is not None:
            self._caption.append(data)


def read_page(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------- fast tests (no browser)


def test_every_plot_is_embedded_as_a_data_uri(run_folder):
    """Each plots/*.png appears exactly once, as a base64 data: URI of its exact bytes."""
    page = read_page(run_folder / "report.html")
    pngs = sorted((run_folder / "plots").glob("*.png"))
    assert pngs
    prefix = "data:image/png;base64,"
    assert all(src.startswith(prefix) for src in page.images)
    embedded = sorted(base64.b64decode(src[len(prefix) :]) for src in page.images)
    assert embedded == sorted(p.read_bytes() for p in pngs)


def test_report_references_nothing_outside_itself(run_folder):
    """No http(s) URL, no script, link, iframe or object, and CSS url() only to data:."""
    text = (run_folder / "report.html").read_text(encoding="utf-8")
    page = Page(text)
    assert re.findall(r"https?://", text, flags=re.IGNORECASE) == []
    assert set(page.tags) & {"script", "link", "iframe", "object", "embed", "base"} == set()
    assert [
        u for u in re.findall(r"url\(\s*['\"]?([^'\")]*)", text) if not u.startswith("data:")
    ] == []


def test_headline_numbers_equal_metrics_json(run_folder):
    """Every number tagged with a metrics key carries that key's exact metrics.json value."""
    metrics = ResultsFolder(run_folder).metrics
    cells = read_page(run_folder / "report.html").cells
    wanted = [
        "violations.count",
        "detection.probability",
        "verified.probability",
        "latency.median_s",
        "latency.p90_s",
        "report_latency.median_s",
        "report_latency.p90_s",
        "false_alarms.per_day",
        "detection.by_class.drone",
        "detection.by_class.ground",
        "detection.by_class.satellite",
        "detection.first_by_class.drone",
        *(k for k in metrics if k.startswith("coverage.")),
        *(f"{kind}.within_{d}" for kind in ("detection", "report") for d in ("15min", "1h", "6h")),
    ]
    assert sorted(set(wanted) - set(cells)) == []
    assert {k: json.loads(v) for k, (v, _) in cells.items()} == {k: metrics[k] for k in cells}


def test_headline_text_shows_percentages_with_wilson_intervals(run_folder):
    """Detected reads 'p %' with its metrics.json 95 % bounds, to one decimal of a percent."""
    m = ResultsFolder(run_folder).metrics
    page = read_page(run_folder / "report.html")
    p, low, high = (m[f"detection.probability{s}"] for s in ("", ".low95", ".high95"))
    assert page.cells["detection.probability"][1] == f"{100 * p:.1f} %"
    assert f"95 % interval {100 * low:.1f}–{100 * high:.1f} %" in "".join(page.text)
    drone = page.cells["detection.by_class.drone"][1]
    d, dlow, dhigh = (m[f"detection.by_class.drone{s}"] for s in ("", ".low95", ".high95"))
    assert drone == f"{100 * d:.1f} % (95 %: {100 * dlow:.1f}–{100 * dhigh:.1f} %)"


def test_scenario_summary_is_in_human_units(run_folder):
    """The quickstart's key parameters appear in km, km/h, per day, h and min."""
    text = " ".join(" ".join(read_page(run_folder / "report.html").text).split())
    length_km = json.loads((run_folder / "manifest.json").read_text())["line_length_m"] / 1000
    for expected in (
        f"Line length {length_km:.1f} km",
        "Monitored zone ± 10 km either side of the line",
        "Rate 30 per day",
        "lognormal, median 30 min, σ 1",
        "male 4 2 130 km/h eo, range 5 km, pd 0.7 35.8° E, 47.85° N 24 h 3 h",
        "ugs 33 every 4 km acoustic, range 1.5 km, pd 0.8 MTBF 60 d, MTTR 2 d 2 min",
        "sar sar every 24 h from 5 h the whole zone 0.6 3 h",
        "Verification reports from 2 distinct modalities within 12 h",
        "Deadlines 15 min, 30 min, 1 h, 6 h (see Within deadlines above)",
    ):
        assert expected in text


def test_provenance_shows_seed_version_and_run_date(run_folder):
    """Seed, version and start time come from manifest.json."""
    manifest = json.loads((run_folder / "manifest.json").read_text())
    text = " ".join(" ".join(read_page(run_folder / "report.html").text).split())
    assert f"Seed {manifest['seed']}" in text
    assert f"Version ceasefire-sim {manifest['version']}" in text
    assert f"Run started {manifest['started_at']}" in text


def test_each_figure_has_its_reading_aid(run_folder):
    """The caption of plots/<name>.png is the registry's aid for <name> (else the file name)."""
    from sim.present.figures.run import PLOTS

    aids = {name: spec.aid for name, spec in PLOTS.items()}
    captions = read_page(run_folder / "report.html").captions
    pngs = sorted((run_folder / "plots").glob("*.png"))
    assert sorted(captions) == sorted(f"plot-{p.stem}" for p in pngs)
    for p in pngs:
        assert captions[f"plot-{p.stem}"].endswith(" " + aids.get(p.stem, p.name))


def test_text_from_the_folder_is_escaped(run_folder, tmp_path):
    """Markup in the scenario description is shown as text, not parsed as tags."""
    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    resolved = folder / "scenario.resolved.yaml"
    data = yaml.safe_load(resolved.read_text(encoding="utf-8"))
    data["description"] = "<marquee>moving</marquee> & <script>alert(1)</script>"
    resolved.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    text = write_report(folder).read_text(encoding="utf-8")
    page = Page(text)
    assert (
        "&lt;marquee&gt;moving&lt;/marquee&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in text
    )
    assert set(page.tags) & {"marquee", "script"} == set()


def test_report_of_a_folder_that_is_not_results_is_refused(tmp_path):
    """write_report on a folder without manifest.json and metrics.json raises SimError."""
    with pytest.raises(SimError, match="is neither a results folder"):
        write_report(tmp_path)
    assert not (tmp_path / "report.html").exists()


def test_compare_report_shows_every_metric_row_run_and_plot(compare_folder):
    """The compare report has one row per metrics.csv row (a proportion's .low95 and .high95
    rows shown inside its own row, as in compare's text table), lists both runs, embeds both
    plots."""
    page = read_page(compare_folder / "report.html")
    with (compare_folder / "metrics.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    text = " ".join(page.text)
    keys = {row[0] for row in rows}
    bounds = {k for k in keys if k.removesuffix(".low95").removesuffix(".high95") != k}
    assert bounds and all(k.rsplit(".", 1)[0] in keys for k in bounds)
    assert all(f" {k} " in f" {text} " for k in keys - bounds)
    assert not [k for k in bounds if f" {k} " in f" {text} "]
    by_key = {row[0]: row for row in rows}
    for key in ("detection.probability", "detection.within_30min"):
        low, high = float(by_key[f"{key}.low95"][2]), float(by_key[f"{key}.high95"][2])
        value = float(by_key[key][2])
        shown = f"{100 * value:.1f} % (95 %: {100 * low:.1f}–{100 * high:.1f} %)"
        assert shown in text, key
    assert "quickstart-seed2" in text
    embedded = sorted(base64.b64decode(src.split(",", 1)[1]) for src in page.images)
    assert embedded == sorted(p.read_bytes() for p in (compare_folder / "plots").glob("*.png"))
    assert re.findall(r"https?://", (compare_folder / "report.html").read_text()) == []


# --------------------------------------------------------------------- browser harness


def find_chromium() -> str | None:
    """A Chromium or Chrome binary on PATH (or $CHROMIUM), or None."""
    if os.environ.get("CHROMIUM"):
        return shutil.which(os.environ["CHROMIUM"])
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (fds 3 and 4)."""

    def __init__(self, binary: str, profile: Path, timeout: float = 60.0):
        to_child, self._out = os.pipe()
        self._in, from_child = os.pipe()

        def child_fds() -> None:  # runs in the child: its fd 3 reads, its fd 4 writes
            read, write = os.dup(to_child), os.dup(from_child)
            os.dup2(read, 3)
            os.dup2(write, 4)

        args = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,  # only fds 3 and 4 are inheritable (PEP 446)
            preexec_fn=child_fds,
        )
        os.close(to_child)
        os.close(from_child)
        self.timeout = timeout
        self._buffer = b""
        self._id = 0
        self.events: list[dict] = []

    def _message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            if select.select([self._in], [], [], left)[0]:
                chunk = os.read(self._in, 1 << 16)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self._id += 1
        command: dict = {"id": self._id, "method": method, "params": params or {}}
        if session:
            command["sessionId"] = session
        os.write(self._out, json.dumps(command).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._message(deadline)
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def wait_for(self, method: str, session: str) -> dict:
        """Return the first event ``method`` of ``session`` (already received or next)."""
        deadline = time.monotonic() + self.timeout
        for i, event in enumerate(self.events):
            if event.get("method") == method and event.get("sessionId") == session:
                return self.events.pop(i)
        while True:
            message = self._message(deadline)
            if message.get("method") == method and message.get("sessionId") == session:
                return message
            self.events.append(message)

    def load(self, path: Path) -> tuple[list[list], list[str]]:
        """Open ``path``; return [complete, naturalWidth, naturalHeight] per <img>, and errors."""
        url = path.resolve().as_uri()
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Runtime", "Log", "Page"):
            self.call(f"{domain}.enable", session=session)
        self.call("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired", session)
        expression = (
            "[location.href, document.readyState, "
            "Array.from(document.images, i => [i.complete, i.naturalWidth, i.naturalHeight])]"
        )
        answer = self.call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session
        )
        href, state, images = answer["result"]["value"]
        assert (href, state) == (url, "complete")
        errors = []
        for event in self.events:
            if event.get("sessionId") != session:
                continue
            params = event.get("params", {})
            if event["method"] == "Runtime.consoleAPICalled" and params["type"] in (
                "error",
                "assert",
            ):
                args = params.get("args", [])
                errors.append(" ".join(str(a.get("value", a.get("description"))) for a in args))
            elif event["method"] == "Runtime.exceptionThrown":
                errors.append(params["exceptionDetails"].get("text", "exception"))
            elif event["method"] == "Log.entryAdded" and params["entry"]["level"] == "error":
                errors.append(params["entry"]["text"])
        self.events = [e for e in self.events if e.get("sessionId") != session]
        self.call("Target.closeTarget", {"targetId": target})
        return images, errors

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._out)
        os.close(self._in)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium for the module; skips when none is installed.

    CI sets CEASEFIRE_REQUIRE_BROWSER=1: there a missing browser fails the tests.
    """
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CEASEFIRE_REQUIRE_BROWSER") == "1":
            pytest.fail("CEASEFIRE_REQUIRE_BROWSER=1 but no chromium binary was found")
        pytest.skip(
            "no chromium binary on PATH (apt-get install -y chromium); the browser tests run in CI"
        )
    b = Browser(binary, tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


def test_browser_harness_sees_broken_images_and_console_errors(browser, tmp_path):
    """Negative control: a broken data: image, a missing file and console.error are all seen."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="data:image/png;base64,AAAA">'
        '<img src="missing.png"><script>console.error("boom")</script></body></html>',
        encoding="utf-8",
    )
    images, errors = browser.load(page)
    assert images == [[True, 0, 0], [True, 0, 0]]
    assert sorted(errors) == sorted(["boom", "Failed to load resource: net::ERR_FILE_NOT_FOUND"])


def test_report_shows_every_image_in_chromium_without_console_errors(browser, run_folder):
    """Headless Chromium loads every report image at its PNG size and logs no error."""
    images, errors = browser.load(run_folder / "report.html")
    pngs = sorted((run_folder / "plots").glob("*.png"))
    sizes = sorted([True, *struct.unpack(">II", p.read_bytes()[16:24])] for p in pngs)
    assert sorted(images) == sizes
    assert errors == []


def test_compare_report_shows_every_image_in_chromium_without_console_errors(
    browser, compare_folder
):
    """The compare report's images all load in headless Chromium, with no console error."""
    images, errors = browser.load(compare_folder / "report.html")
    assert sorted(images) == [[True, 40, 30], [True, 50, 20]]
    assert errors == []


def test_reading_aids_describe_markers_by_meaning():
    """Regression: the map's aid said "red crosses" for markers drawn in another colour.
    Aids now say what a mark means (missed, detected, patrol) and leave colours to the
    figure's legend, so a change of palette cannot make them false."""
    from sim.present.captions import COMPARE_FIGURES, RUN_FIGURES, SWEEP_AIDS
    from sim.present.figures.run import PLOTS

    colours = ("red", "orange", "blue", "green", "grey", "gray", "yellow", "purple", "vermil")
    aids = {name: spec.aid for name, spec in PLOTS.items()} | SWEEP_AIDS
    aids |= {f"run {n}": c.aid for n, c in RUN_FIGURES.items()}
    aids |= {f"compare {n}": c.aid for n, c in COMPARE_FIGURES.items()}
    for name, aid in aids.items():
        words = set(re.findall(r"[a-z]+", aid.lower()))
        assert not [c for c in colours if any(w.startswith(c) for w in words)], name


def test_deadline_table_reads_shortest_first_with_intervals(run_folder):
    """The 'Within deadlines' table has one row per default deadline, shortest first, each
    share with its metrics.json Wilson bounds."""
    m = ResultsFolder(run_folder).metrics
    page = read_page(run_folder / "report.html")
    text = " ".join(" ".join(page.text).split())
    rows = []
    for d, label in (("15min", "15 min"), ("30min", "30 min"), ("1h", "1 h"), ("6h", "6 h")):
        cells = []
        for kind in ("detection", "report"):
            key = f"{kind}.within_{d}"
            p, low, high = m[key], m[f"{key}.low95"], m[f"{key}.high95"]
            cells.append(f"{100 * p:.1f} % (95 %: {100 * low:.1f}–{100 * high:.1f} %)")
            assert page.cells[key][1] == cells[-1]
        rows.append(f"{label} {cells[0]} {cells[1]}")
    assert " ".join(rows) in text


def test_figures_are_titled_for_people(run_folder):
    """Regression: figures were titled by file name ('Latency cdf', 'Spacetime'). Every
    figure of the registry has a title in FIGURE_TITLES, and the caption starts with it."""
    from sim.present.captions import RUN_FIGURES
    from sim.present.figures.run import PLOTS

    FIGURE_TITLES = {name: caption.title for name, caption in RUN_FIGURES.items()}

    assert set(PLOTS) <= set(FIGURE_TITLES)
    captions = read_page(run_folder / "report.html").captions
    pngs = sorted((run_folder / "plots").glob("*.png"))
    assert pngs
    for p in pngs:
        assert captions[f"plot-{p.stem}"].startswith(FIGURE_TITLES[p.stem] + ". "), p.stem


def test_one_day_run_says_over_1_day(tmp_path):
    """Regression: the Violations card of a one-day run said 'over 1 days'."""
    folder = tmp_path / "one-day"
    write_results(sim.run(sim.load_scenario(QUICKSTART, ["duration=1d"]), seed=1), folder)
    write_report(folder)
    text = " ".join(" ".join(read_page(folder / "report.html").text).split())
    assert "over 1 day " in text + " " and "over 1 days" not in text


def test_sweep_report_words_for_one_point_and_the_executor(tmp_path):
    """Regression: the sweep report said '1 points x 1 replications' and 'inline (1 workers)'."""
    from sim.present.report.sweep import render_sweep_report
    from sim.sweep import run_sweep

    path = tmp_path / "s.yaml"
    path.write_text(
        f"name: s\nscenario: {QUICKSTART}\nreplications: 1\nset: {{duration: 1d}}\n"
        "grid:\n  - path: drones[0].count\n    values: [4]\n",
        encoding="utf-8",
    )
    run_sweep(path, workers=1, out=tmp_path / "out", progress=lambda info: None)
    text = " ".join(" ".join(Page(render_sweep_report(tmp_path / "out")).text).split())
    assert "1 point x 1 replication;" in text
    assert "Executor inline (1 process)" in text
    assert "workers)" not in text


def test_assumptions_point_to_the_model_page_where_they_are_stated(run_folder):
    """The report does not restate the model's assumptions (they would drift from the
    docs): it names docs/model.md and its limits section, which exists there."""
    from sim.present.report.run import ASSUMPTIONS_DOC, LIMITS_SECTION

    model = (ROOT / ASSUMPTIONS_DOC).read_text(encoding="utf-8")
    assert f"\n## {LIMITS_SECTION}\n" in model
    page = read_page(run_folder / "report.html")
    text = " ".join(" ".join(page.text).split())
    assert ASSUMPTIONS_DOC in text and LIMITS_SECTION in text
