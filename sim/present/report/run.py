"""The HTML report: one self-contained ``report.html`` per results folder.

The report reads the results folder only (``sim.store.read.ResultsFolder``): the
headline numbers from metrics.json, the scenario from scenario.resolved.yaml,
the seed, version and run date from manifest.json, and every ``plots/*.png``,
which it embeds as a base64 ``data:`` URI. It references nothing outside
itself -- no scripts, fonts, style sheets or images from the network -- so it
can be mailed, archived and opened offline, and it prints cleanly.

``write_compare_report`` does the same for a ``compare`` folder (metrics.csv,
plots/*.png and compare.json listing the compared runs).
"""

from __future__ import annotations

import base64
import csv
import html
import json
import math
import numbers
import struct
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sim.core.errors import SimError
from sim.measure.metrics import deadline_key, deadline_label, deadline_suffixes, metric_unit
from sim.present.describe import fmt_duration, plural, where_run
from sim.store.outdir import replace_file
from sim.store.read import ResultsFolder

REPORT = "report.html"
ASSET_CLASSES = ("drone", "ground", "satellite")

ASSUMPTIONS = (
    "Violations are stationary points, active from their start for their duration "
    "(clipped to the end of the run).",
    "Sensors are definite-range (cookie-cutter): a look inside the ground range succeeds "
    "with probability pd × signature(type, modality); outside it, never.",
    "One look each time a violation enters a footprint (or starts inside it); an optional "
    "glimpse interval adds looks while it stays inside.",
    "No terrain masking, line of sight, weather, daylight or jamming.",
    "Satellites image the whole monitored zone instantaneously on a fixed schedule; "
    "no orbits, swaths or clouds.",
    "Drones fly at constant speed, turn instantly at the ends of their station and "
    "transit in straight lines; relief is on a fixed schedule, with no cueing.",
    "Drone losses are a constant hazard per flight hour; ground-sensor failures and "
    "repairs are independent exponential times.",
    "Reports always arrive, after each asset's reporting latency; one report per asset "
    "per violation.",
    "A violation is verified when reports from the required number of distinct "
    "modalities arrive within the verification window.",
    "Detections after the end of the run are not counted (a report of an earlier detection "
    "may arrive after it and counts); probabilities and the shares within deadlines are over "
    "all violations, with 95 % Wilson score intervals for this run's sampling noise only.",
)

# Figure titles for people (a figure not listed is titled by its file name).
FIGURE_TITLES = {
    "map": "Map",
    "spacetime": "Space-time diagram",
    "coverage_map": "Coverage map",
    "revisit_map": "Revisit map",
    "coverage_time": "Coverage over time",
    "detection_along_line": "Detection along the line",
    "latency_cdf": "Detection latency by first detector",
    "report_latency_cdf": "Detected, reported and verified by time since start",
}
COMPARE_TITLES = {
    "latency_cdf": "Detection and report latency, one colour per run",
    "detection_along_line": "Detection along the line",
    "coverage_maps": "Coverage maps",
    "coverage_difference": "Coverage difference",
}

COMPARE_AIDS = {
    "latency_cdf": "One colour per run: the curve further left detects (solid) or reports "
    "(dashed) faster; a curve that levels off lower leaves more violations undetected.",
    "detection_along_line": "Where the bands of two runs do not overlap along the line, the "
    "plans really differ there; overlapping bands may be sampling noise.",
    "coverage_maps": "Panels share one colour scale: compare the same place across runs; "
    "darker cells are watched less of the time.",
    "coverage_difference": "Run 2 minus run 1: one colour gains coverage, the other loses "
    "it; near-white cells changed little.",
}

CSS = """
:root { --ink: #1b1f24; --muted: #57606a; --rule: #d0d7de; --band: #f6f8fa;
        --accent: #0b5cad; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px;
       padding: 1.5rem 2rem 3rem; line-height: 1.45; font-size: 15px; }
h1 { font-size: 1.7rem; margin: 0 0 .2rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; padding-bottom: .2rem;
     border-bottom: 2px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
p.lead { color: var(--muted); margin: 0 0 1rem; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: .3rem .7rem; border-bottom: 1px solid var(--rule);
         vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; }
table.kv th { width: 15rem; background: none; font-weight: 500; color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr));
         gap: .7rem; margin: .6rem 0 1rem; }
.card { border: 1px solid var(--rule); border-radius: 6px; padding: .6rem .8rem; }
.card .label { color: var(--muted); font-size: .85rem; }
.card .value { font-size: 1.35rem; font-weight: 600; }
.card .detail { color: var(--muted); font-size: .85rem; }
figure { margin: 1rem 0 1.8rem; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); margin-top: .3rem; }
figcaption b { color: var(--ink); }
ul.assumptions li { margin: .2rem 0; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
       font-size: .9em; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .85rem;
         border-top: 1px solid var(--rule); padding-top: .6rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { break-after: avoid; }
  figure, table, .card { break-inside: avoid; }
  figure img { max-height: 23cm; }
}
"""


# ---------------------------------------------------------------- formatting


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_percent(value: Any) -> str:
    """Format a proportion as '67.8 %'; '–' when undefined."""
    return "–" if _missing(value) else f"{100 * float(value):.1f} %"


def fmt_distance(metres: Any) -> str:
    """Format metres as '1.5 km' or '250 m'; '–' when undefined."""
    if _missing(metres):
        return "–"
    metres = float(metres)
    return f"{metres / 1000:g} km" if abs(metres) >= 1000 else f"{metres:g} m"


def fmt_number(value: Any) -> str:
    """Format a plain number with four significant digits; '–' when undefined."""
    if _missing(value):
        return "–"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return f"{int(value):,}".replace(",", " ")
    return f"{value:.4g}"


def fmt_bounds(metrics: dict[str, Any], key: str) -> str:
    """'61.2–73.8 %': the 95 % Wilson bounds of ``key`` in ``metrics``; '' when absent."""
    low: Any = metrics.get(f"{key}.low95")
    high: Any = metrics.get(f"{key}.high95")
    if _missing(low) or _missing(high):
        return ""
    return f"{100 * low:.1f}–{100 * high:.1f} %"


def fmt_interval(metrics: dict[str, Any], key: str) -> str:
    """'67.8 % (95 %: 61.2–73.8 %)' for ``key`` and its Wilson bounds in ``metrics``."""
    value = metrics.get(key)
    if _missing(value):
        return "–"
    bounds = fmt_bounds(metrics, key)
    return f"{fmt_percent(value)} (95 %: {bounds})" if bounds else fmt_percent(value)


def fmt_metric(key: str, value: Any) -> str:
    """Format any metrics.json value by the unit of its key (``metrics.metric_unit``)."""
    if _missing(value):
        return "–"
    if isinstance(value, str):
        return value
    unit = metric_unit(key)
    if unit == "s":
        return fmt_duration(value)
    if unit == "m":
        return fmt_distance(value)
    if unit == "fraction":
        return fmt_percent(value)
    return fmt_number(value)


def fmt_dist(value: Any, unit: Callable[[Any], str]) -> str:
    """A distribution in its resolved YAML form, with ``unit`` formatting its numbers."""
    if value is None:
        return "–"
    if not isinstance(value, dict):
        return unit(value)
    ((kind, args),) = value.items()
    if kind == "exponential":
        return f"exponential, mean {unit(args)}"
    if kind == "uniform":
        return f"uniform {unit(args[0])} to {unit(args[1])}"
    if kind == "lognormal":
        return f"lognormal, median {unit(args['median'])}, σ {args['sigma']:g}"
    return json.dumps(value)


def _rate_per_day(rate: Any) -> str:
    return "–" if _missing(rate) else f"{float(rate) * 86400:g} per day"


def _coord(value: Any, crs: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, dict):
        return (
            f"chainage {fmt_distance(value.get('at'))}, offset {fmt_distance(value.get('offset'))}"
        )
    x, y = value
    if crs == "lonlat":
        return f"{x:g}° E, {y:g}° N"
    return f"({fmt_distance(x)}, {fmt_distance(y)})"


# ---------------------------------------------------------------- HTML pieces


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _attr_value(value: Any) -> str:
    """The JSON text of a metrics.json value (it parses back to an equal value)."""
    return json.dumps(value, allow_nan=True)


def _kv_table(rows: Iterable[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f'<table class="kv"><tbody>{body}</tbody></table>'


def _table(header: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()

    def cls(i: int) -> str:
        return ' class="num"' if i in numeric else ""

    head = "".join(f"<th{cls(i)}>{_e(h)}</th>" for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{_e(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _metric_cell(
    metrics: dict[str, Any], key: str, text: str, tag: str = "td", cls: str = ""
) -> str:
    """A cell carrying the raw metrics.json value it shows (``data-key``, ``data-value``)."""
    attr = f' class="{cls}"' if cls else ""
    return (
        f'<{tag}{attr} data-key="{_e(key)}" data-value="{_e(_attr_value(metrics.get(key)))}">'
        f"{_e(text)}</{tag}>"
    )


def _card(metrics: dict[str, Any], label: str, key: str, text: str, detail: str = "") -> str:
    value = _metric_cell(metrics, key, text, tag="div", cls="value")
    extra = f'<div class="detail">{_e(detail)}</div>' if detail else ""
    return f'<div class="card"><div class="label">{_e(label)}</div>{value}{extra}</div>'


def _png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk (None if ``data`` is not a PNG)."""
    if len(data) >= 24 and data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return None


def _reading_aids() -> dict[str, str]:
    """Plot name -> one-line reading aid, from ``sim.present.figures.run.PLOTS`` when it exists."""
    try:
        from sim.present.figures.run import PLOTS  # imported lazily: matplotlib is slow to import
    except ImportError:
        return {}
    aids: dict[str, str] = {}
    for name, entry in dict(PLOTS).items():
        aid: Any = getattr(entry, "aid", None)  # a PlotSpec(draw, aid, needs)
        if aid is None and isinstance(entry, (tuple, list)) and len(entry) >= 2:
            aid = entry[1]  # a (function, aid) pair
        if aid is None and isinstance(entry, str):
            aid = entry
        if isinstance(aid, str):
            aids[str(name)] = aid
    return aids


def _figures(plots_dir: Path, aids: dict[str, str], titles: dict[str, str] | None = None) -> str:
    """Every ``plots_dir/*.png`` as a figure with an embedded image and its reading aid.

    Figures are in the order of ``aids`` (plot name -> one-line reading aid), then
    by file name; a figure without an aid is captioned with its file name.
    """
    # a figure being drawn is a hidden temporary (.NAME.tmp-PID.png): not yet a figure
    files = sorted(p for p in plots_dir.glob("*.png") if not p.name.startswith("."))
    if not files:
        return "<p>No plots in this folder (<code>ceasefire-sim plot</code> draws them).</p>"
    order = {name: i for i, name in enumerate(aids)}
    files.sort(key=lambda p: (order.get(p.stem, len(order)), p.name))
    out = []
    for path in files:
        data = path.read_bytes()
        size = _png_size(data)
        dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
        title = (titles or {}).get(path.stem) or path.stem.replace("_", " ").replace("-", " ")
        title = title[:1].upper() + title[1:]
        aid = aids.get(path.stem, path.name)
        uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        out.append(
            f'<figure id="plot-{_e(path.stem)}"><img src="{uri}" alt="{_e(title)}"{dims}>'
            f"<figcaption><b>{_e(title)}.</b> {_e(aid)}</figcaption></figure>"
        )
    return "\n".join(out)


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


# ---------------------------------------------------------------- run report


def _deadlines(m: dict[str, Any]) -> str:
    """The deadline table: per d, the shares of all violations detected / reported by d."""
    suffixes = deadline_suffixes(m)
    if not suffixes:
        return ""
    body = "".join(
        f"<tr><th>{_e(deadline_label(d))}</th>"
        + _metric_cell(m, f"detection.within_{d}", fmt_interval(m, f"detection.within_{d}"))
        + _metric_cell(m, f"report.within_{d}", fmt_interval(m, f"report.within_{d}"))
        + "</tr>"
        for d in suffixes
    )
    return (
        '<h3 id="deadlines">Within deadlines</h3>'
        "<p>Share of <em>all</em> violations detected, and first reported, within each "
        "deadline of their start (<code>reporting.deadlines</code>); violations never "
        "detected or reported count as misses.</p>"
        "<table><thead><tr><th>deadline</th><th>detected within it (95 % interval)</th>"
        "<th>first reported within it (95 % interval)</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _headline(m: dict[str, Any]) -> str:
    cards = [
        _card(
            m,
            "Violations",
            "violations.count",
            fmt_number(m.get("violations.count")),
            f"over {fmt_number(m.get('duration_days'))} "
            + ("day" if m.get("duration_days") == 1 else "days"),
        ),
        _card(
            m,
            "Detected",
            "detection.probability",
            fmt_percent(m.get("detection.probability")),
            "95 % interval " + fmt_bounds(m, "detection.probability"),
        ),
        _card(
            m,
            "Verified",
            "verified.probability",
            fmt_percent(m.get("verified.probability")),
            "95 % interval " + fmt_bounds(m, "verified.probability"),
        ),
        _card(
            m,
            "Detection latency, median",
            "latency.median_s",
            fmt_duration(m.get("latency.median_s")),
            f"p90 {fmt_duration(m.get('latency.p90_s'))}",
        ),
        _card(
            m,
            "Report latency, median",
            "report_latency.median_s",
            fmt_duration(m.get("report_latency.median_s")),
            f"p90 {fmt_duration(m.get('report_latency.p90_s'))}",
        ),
        _card(
            m,
            "False alarms",
            "false_alarms.per_day",
            f"{fmt_number(m.get('false_alarms.per_day'))} / day",
        ),
    ]
    if "coverage.time_fraction" in m:
        cards.append(
            _card(
                m,
                "Line covered",
                "coverage.time_fraction",
                fmt_percent(m.get("coverage.time_fraction")),
                "fraction of time",
            )
        )
    if "coverage.revisit.max_s" in m:
        cards.append(
            _card(
                m,
                "Longest revisit gap",
                "coverage.revisit.max_s",
                fmt_duration(m.get("coverage.revisit.max_s")),
                f"mean {fmt_duration(m.get('coverage.revisit.mean_s'))}",
            )
        )
    out = [f'<div class="cards">{"".join(cards)}</div>']
    out.append(_deadlines(m))

    rows = []
    for prefix, label in (
        ("latency", "Detection latency"),
        ("report_latency", "Report latency (start to first report)"),
        ("verification_latency", "Verification latency"),
    ):
        cells = "".join(
            _metric_cell(
                m, f"{prefix}.{stat}_s", fmt_duration(m.get(f"{prefix}.{stat}_s")), cls="num"
            )
            for stat in ("mean", "median", "p90", "p95", "max")
        )
        rows.append(f"<tr><th>{_e(label)}</th>{cells}</tr>")
    out.append(
        "<h3>Latency</h3><table><thead><tr><th></th>"
        + "".join(f'<th class="num">{s}</th>' for s in ("mean", "median", "p90", "p95", "max"))
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )

    classes = [
        c
        for c in ASSET_CLASSES
        if f"detection.by_class.{c}" in m or f"detection.first_by_class.{c}" in m
    ]
    if classes:
        body = "".join(
            f"<tr><th>{_e(c)}</th>"
            + _metric_cell(m, f"detection.by_class.{c}", fmt_interval(m, f"detection.by_class.{c}"))
            + _metric_cell(
                m,
                f"detection.first_by_class.{c}",
                fmt_percent(m.get(f"detection.first_by_class.{c}")),
            )
            + _metric_cell(
                m,
                f"false_alarms.per_day.{c}",
                fmt_number(m.get(f"false_alarms.per_day.{c}")),
            )
            + "</tr>"
            for c in classes
        )
        out.append(
            "<h3>By asset class</h3><table><thead><tr><th>class</th>"
            "<th>violations it detected (95 % interval)</th>"
            "<th>share of first detections</th><th>false alarms per day</th>"
            f"</tr></thead><tbody>{body}</tbody></table>"
        )

    prefix = "detection.probability_by_type."
    types = [k[len(prefix) :] for k in m if k.startswith(prefix) and not k.endswith("95")]
    if types:
        body = "".join(
            f"<tr><th>{_e(t)}</th>{_metric_cell(m, prefix + t, fmt_interval(m, prefix + t))}</tr>"
            for t in types
        )
        out.append(
            "<h3>By violation type</h3><table><thead><tr><th>type</th>"
            f"<th>detected (95 % interval)</th></tr></thead><tbody>{body}</tbody></table>"
        )

    coverage = [k for k in m if k.startswith("coverage.")]
    if coverage:
        body = "".join(
            f"<tr><th><code>{_e(k)}</code></th>{_metric_cell(m, k, fmt_metric(k, m[k]))}</tr>"
            for k in coverage
        )
        out.append(
            "<h3>Coverage</h3><table><thead><tr><th>figure of merit</th><th>value</th>"
            f"</tr></thead><tbody>{body}</tbody></table>"
        )

    assets = [k for k in m if k.startswith("assets.")]
    if assets:
        body = "".join(
            "<tr><td>{}</td><td>{}</td>{}</tr>".format(
                _e(k.split(".")[1]),
                _e(".".join(k.split(".")[2:]).replace("_", " ")),
                _metric_cell(m, k, fmt_metric(k, m[k])),
            )
            for k in assets
        )
        out.append(
            "<h3>Assets</h3><table><thead><tr><th>group</th><th>figure</th><th>value</th>"
            f"</tr></thead><tbody>{body}</tbody></table>"
        )
    return "\n".join(out)


def _scenario(s: dict[str, Any], m: dict[str, Any], manifest: dict[str, Any]) -> str:
    line = s.get("line", {})
    crs = line.get("crs", "lonlat")
    out = []
    general = [
        ("Name", s.get("name", "")),
        ("Description", s.get("description") or "–"),
        ("Start", s.get("start", "–")),
        ("Duration", fmt_duration(s.get("duration"))),
    ]
    length = manifest.get("line_length_m")
    points = line.get("points") or []
    where = "longitude/latitude, projected to local metres" if crs == "lonlat" else "local metres"
    general += [
        ("Line length", "–" if length is None else f"{float(length) / 1000:.1f} km"),
        (
            "Line",
            f"{len(points)} vertices, {where}" if points else f"from {line.get('file')}, {where}",
        ),
        ("Monitored zone", f"± {fmt_distance(line.get('buffer'))} either side of the line"),
        ("Grid cell", fmt_distance(line.get("cell"))),
    ]
    out.append(_kv_table(general))

    v = s.get("violations", {})
    rows = []
    if v.get("file"):
        rows.append(("Replayed from", v["file"]))
    else:
        rows.append(("Rate", _rate_per_day(v.get("rate"))))
        rows.append(("Duration", fmt_dist(v.get("duration"), fmt_duration)))
        along = v.get("along", "uniform")
        if isinstance(along, dict):
            spots = "; ".join(
                f"{fmt_distance(h['at'])} ± {fmt_distance(h['spread'])} (weight {h['weight']:g})"
                for h in along.get("hotspots", [])
            )
            along = f"hotspots at {spots}; background weight {along.get('background', 0):g}"
        rows.append(("Along the line", str(along)))
        offset = v.get("offset")
        rows.append(
            (
                "Offset from the line",
                fmt_dist(offset, fmt_distance) if offset is not None else "uniform across the zone",
            )
        )
    for name, spec in (v.get("types") or {}).items():
        sig = ", ".join(f"{k} {val:g}" for k, val in (spec.get("signature") or {}).items())
        rows.append((f"Type {name}", f"weight {spec.get('weight', 1):g}; signature {sig or '–'}"))
    out.append("<h3>Violations</h3>" + _kv_table(rows))

    drones = s.get("drones") or []
    if drones:
        header = [
            "fleet",
            "airframes",
            "stations",
            "speed",
            "sensor",
            "base",
            "endurance",
            "turnaround",
            "losses",
            "spares",
            "report latency",
        ]
        body = []
        for d in drones:
            sensor = d.get("sensor", {})
            patrol = d.get("patrol") or {}
            stations = patrol.get("stations") or d.get("count")
            if patrol.get("standoff"):
                stations = f"{stations}, standoff {fmt_distance(patrol['standoff'])}"
            glimpse = sensor.get("glimpse")
            sensor_text = (
                f"{d.get('modality')}, range {fmt_distance(sensor.get('range'))}, "
                f"pd {sensor.get('pd', 1):g}"
                + (f", glimpse {fmt_duration(glimpse)}" if glimpse else "")
            )
            loss = d.get("loss_rate") or 0
            body.append(
                [
                    d.get("name", ""),
                    str(d.get("count")),
                    str(stations),
                    f"{float(d.get('speed', 0)) * 3.6:g} km/h",
                    sensor_text,
                    _coord(d.get("base"), crs) if d.get("base") is not None else "on station",
                    fmt_duration(d.get("endurance")) if d.get("endurance") else "unlimited",
                    fmt_duration(d.get("turnaround")),
                    f"{loss * 3600 * 1000:g} per 1000 flight h" if loss else "none",
                    f"{d.get('spares', 0)}, replaced after {fmt_duration(d.get('replacement'))}",
                    fmt_dist(d.get("report_latency"), fmt_duration),
                ]
            )
        out.append("<h3>Drone fleets</h3>" + _table(header, body, {1}))

    ground = s.get("ground_sensors") or []
    if ground:
        header = ["group", "sensors", "placement", "sensor", "reliability", "report latency"]
        body = []
        for g in ground:
            sensor = g.get("sensor", {})
            count = m.get(f"assets.{g.get('name')}.sensors")
            if g.get("positions"):
                placement = f"{len(g['positions'])} given positions"
            else:
                placement = f"every {fmt_distance(g.get('spacing'))}"
                if g.get("offset"):
                    placement += f", offset {fmt_distance(g['offset'])}"
                if g.get("span"):
                    a, b = g["span"]
                    placement += f", chainage {fmt_distance(a)} to {fmt_distance(b)}"
            mtbf = g.get("mtbf")
            body.append(
                [
                    g.get("name", ""),
                    fmt_number(count) if count is not None else "–",
                    placement,
                    f"{g.get('modality')}, range {fmt_distance(sensor.get('range'))}, "
                    f"pd {sensor.get('pd', 1):g}",
                    f"MTBF {fmt_duration(mtbf)}, MTTR {fmt_duration(g.get('mttr'))}"
                    if mtbf
                    else "never fail",
                    fmt_dist(g.get("report_latency"), fmt_duration),
                ]
            )
        out.append("<h3>Ground sensors</h3>" + _table(header, body, {1}))

    sats = s.get("satellites") or []
    if sats:
        header = ["satellite", "modality", "images", "footprint", "pd", "report latency"]
        body = []
        for sat in sats:
            sched = sat.get("schedule", {})
            body.append(
                [
                    sat.get("name", ""),
                    str(sat.get("modality")),
                    f"every {fmt_duration(sched.get('every'))} from "
                    f"{fmt_duration(sched.get('first'))}",
                    "the whole zone"
                    if sat.get("footprint") == "zone"
                    else str(sat.get("footprint")),
                    f"{sat.get('pd', 1):g}",
                    fmt_dist(sat.get("report_latency"), fmt_duration),
                ]
            )
        out.append("<h3>Satellites</h3>" + _table(header, body))

    reporting = s.get("reporting") or {}
    rule = reporting.get("verification") or {}
    rows = []
    if rule:
        k = rule.get("modalities")
        rows.append(
            (
                "Verification",
                f"reports from {k} distinct modalit{'y' if k == 1 else 'ies'} within "
                f"{fmt_duration(rule.get('window'))}",
            )
        )
    deadlines = reporting.get("deadlines")
    if deadlines:
        labels = [deadline_label(deadline_key(d)) for d in sorted(deadlines)]
        rows.append(("Deadlines", ", ".join(labels) + " (see Within deadlines above)"))
    if rows:
        out.append("<h3>Reporting</h3>" + _kv_table(rows))
    return "\n".join(out)


def _provenance(manifest: dict[str, Any]) -> str:
    command = manifest.get("command") or []
    rows = [
        ("Seed", manifest.get("seed", "–")),
        ("Version", f"ceasefire-sim {manifest.get('version', '–')}"),
        ("Run started", manifest.get("started_at", "–")),
        ("Run finished", manifest.get("finished_at", "–")),
        ("Wall time", fmt_duration(manifest.get("wall_seconds"))),
        ("Command", "ceasefire-sim " + " ".join(map(str, command)) if command else "–"),
        ("Python", manifest.get("python", "–")),
        ("Platform", manifest.get("platform", "–")),
    ]
    packages = manifest.get("packages") or {}
    if packages:
        rows.append(("Packages", ", ".join(f"{k} {v}" for k, v in packages.items())))
    return _kv_table(rows)


def render_report(folder: str | Path) -> str:
    """The report of the results folder ``folder`` as an HTML string."""
    results = ResultsFolder(folder)
    m, manifest, scenario = results.metrics, results.manifest, results.scenario
    name = results.name
    lead = (
        f"Seed {manifest.get('seed', '–')} · ceasefire-sim {manifest.get('version', '–')} · "
        f"run {manifest.get('started_at', '–')}"
    )
    body = [
        f"<header><h1>ceasefire-sim report: {_e(name)}</h1>",
        f'<p class="lead">{_e(lead)}</p>',
    ]
    if scenario.get("description"):
        body.append(f"<p>{_e(scenario['description'])}</p>")
    body.append("</header>")
    body.append('<section id="headline"><h2>Headline numbers</h2>' + _headline(m) + "</section>")
    body.append(
        '<section id="scenario"><h2>Scenario</h2>' + _scenario(scenario, m, manifest) + "</section>"
    )
    body.append(
        '<section id="plots"><h2>Plots</h2>'
        + _figures(results.path / "plots", _reading_aids(), FIGURE_TITLES)
        + "</section>"
    )
    items = "".join(f"<li>{_e(a)}</li>" for a in ASSUMPTIONS)
    body.append(
        '<section id="assumptions"><h2>Modelling assumptions</h2>'
        f'<ul class="assumptions">{items}</ul>'
        "<p>The equations are in <code>docs/model.md</code> of the ceasefire-sim sources.</p>"
        "</section>"
    )
    body.append(
        '<section id="provenance"><h2>Provenance</h2>' + _provenance(manifest) + "</section>"
    )
    body.append(
        "<footer>Written by ceasefire-sim from the results folder "
        f"<code>{_e(results.path.name)}</code>. Self-contained: no network resources.</footer>"
    )
    return _page(f"ceasefire-sim report: {name}", "\n".join(body))


def write_report(folder: str | Path) -> Path:
    """Write ``<folder>/report.html`` from the results folder ``folder``; return its path.

    Raises ``SimError`` if ``folder`` is not a results folder.
    """
    text = render_report(folder)
    path = Path(folder) / REPORT
    replace_file(path, text)  # atomic: the old report stays whole until the new one is
    return path


# ---------------------------------------------------------------- compare report


def _compare_runs(compare_dir: Path, runs: list[str] | None) -> list[dict[str, str]]:
    if runs is not None:
        return [{"name": Path(r).name, "path": str(r)} for r in runs]
    listing = compare_dir / "compare.json"
    if not listing.is_file():
        return []
    data = json.loads(listing.read_text(encoding="utf-8"))
    return [
        {"name": str(r.get("name", "")), "path": str(r.get("path", ""))}
        if isinstance(r, dict)
        else {"name": Path(str(r)).name, "path": str(r)}
        for r in data
    ]


def fmt_by_unit(value: float, unit: str, signed: bool = False) -> str:
    """Format a metrics.csv number by its unit column (``s``, ``fraction``, ...)."""
    sign = "+" if signed and value > 0 else ""
    if unit == "s":
        return sign + fmt_duration(value)
    if unit == "fraction":
        return sign + (f"{100 * value:.1f} pp" if signed else fmt_percent(value))
    text = sign + fmt_number(value)
    if unit.startswith("1/"):
        return f"{text} per {unit[2:]}"
    return f"{text} {unit}" if unit and unit not in ("count", "days") else text


def _bounds_text(low_row: list[str], high_row: list[str], i: int) -> str:
    """' (95 %: 59.0–71.4 %)' from column ``i`` of a proportion's bound rows; '' if absent."""
    try:
        low, high = float(low_row[i]), float(high_row[i])
    except (IndexError, ValueError):
        return ""
    return f" (95 %: {100 * low:.1f}–{100 * high:.1f} %)"


def _compare_metrics(path: Path, n_runs: int) -> str:
    """metrics.csv (metric, [unit,] one column per run[, difference]) as a readable table."""
    if not path.is_file():
        return "<p>No metrics.csv in this folder.</p>"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return "<p>metrics.csv is empty.</p>"
    header, data = rows[0], rows[1:]
    has_unit = len(header) > 1 and header[1] == "unit"
    first = 2 if has_unit else 1
    shown = [0, *range(first, len(header))]
    by_key = {row[0]: row for row in data if row}
    body = []
    for row in data:
        key = row[0] if row else ""
        if any(key.endswith(b) and key[: -len(b)] in by_key for b in (".low95", ".high95")):
            continue  # shown with its estimate
        bounds = (by_key.get(f"{key}.low95"), by_key.get(f"{key}.high95"))
        unit = row[1] if has_unit and len(row) > 1 else ""
        cells = [f"<th><code>{_e(key)}</code></th>"]
        for i in shown[1:]:
            raw = row[i] if i < len(row) else ""
            try:
                value = float(raw)
            except ValueError:
                cells.append(f"<td>{_e(raw or '–')}</td>")
                continue
            signed = n_runs > 0 and i >= first + n_runs
            text = fmt_by_unit(value, unit, signed) if has_unit else fmt_metric(key, value)
            if not signed and bounds[0] is not None and bounds[1] is not None:
                text += _bounds_text(bounds[0], bounds[1], i)
            cells.append(
                f'<td class="num" title="{_e(raw)}" data-value="{_e(raw)}">{_e(text)}</td>'
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    num = ' class="num"'
    head = "".join(f"<th{num if i else ''}>{_e(header[i])}</th>" for i in shown)
    rows_html = "".join(body)
    return (
        f'<table id="metrics"><thead><tr>{head}</tr></thead><tbody>{rows_html}</tbody></table>'
        "<p>Proportions: value (95 % Wilson interval); differences in percentage points "
        "(pp).</p>"
    )


def render_compare_report(compare_dir: str | Path, runs: list[str] | None = None) -> str:
    """The report of a ``compare`` folder as an HTML string."""
    compare_dir = Path(compare_dir)
    listing = _compare_runs(compare_dir, runs)
    rows = []
    for run in listing:
        seed = version = started = "–"
        try:
            manifest = ResultsFolder(run["path"]).manifest
            seed = str(manifest.get("seed", "–"))
            version = str(manifest.get("version", "–"))
            started = str(manifest.get("started_at", "–"))
        except (SimError, OSError, ValueError):  # moved or unreadable: the listing stands
            pass
        rows.append([run["name"], run["path"], seed, version, started])
    names = ", ".join(r["name"] for r in listing) or compare_dir.name
    body = [
        f"<header><h1>ceasefire-sim comparison: {_e(names)}</h1>",
        f'<p class="lead">{_e(plural(len(listing), "run"))} compared side by side.</p></header>',
        '<section id="runs"><h2>Runs</h2>'
        + _table(["run", "results folder", "seed", "version", "run started"], rows)
        + "</section>",
        '<section id="metrics-table"><h2>Metrics</h2>'
        + _compare_metrics(compare_dir / "metrics.csv", len(listing))
        + "</section>",
        '<section id="plots"><h2>Plots</h2>'
        + _figures(compare_dir / "plots", COMPARE_AIDS, COMPARE_TITLES)
        + "</section>",
        "<footer>Written by ceasefire-sim compare. Self-contained: no network resources.</footer>",
    ]
    return _page(f"ceasefire-sim comparison: {names}", "\n".join(body))


def write_compare_report(compare_dir: str | Path, runs: list[str] | None = None) -> Path:
    """Write ``<compare_dir>/report.html`` from its metrics.csv, plots and compare.json.

    ``runs`` overrides the list of compared results folders read from compare.json.
    """
    path = Path(compare_dir) / REPORT
    replace_file(path, render_compare_report(compare_dir, runs))
    return path


# ---------------------------------------------------------------- sweep report

SWEEP_AIDS = {
    "cost": "Each point's target metric against its cost, with 95 % intervals; the legend "
    "tells the points that meet the target by their conservative bound from those that do "
    "not, and the star is the cheapest of them.",
}


def _executor_text(m: dict[str, Any]) -> str:
    """'2 worker processes', 'inline (1 process)', ... from a sweep manifest."""
    workers, executor = m.get("workers"), m.get("executor")
    if not isinstance(workers, int) or not isinstance(executor, str):
        return "–"
    return where_run(workers, executor).removeprefix("on ")


def _parameter_text(value: Any, scale: float) -> str:
    """A parameter value in its display unit; a name or mode as it is."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return f"{value / scale:g}"
    return str(value)


def render_sweep_report(folder: str | Path) -> str:
    """The report of a finished sweep folder as an HTML string."""
    from sim.sweep import read_sweep

    sweep = read_sweep(folder)
    m, s = sweep.manifest, sweep.summary
    params, metrics = sweep.parameters, [k for k in sweep.metrics if f"{k}.estimate" in s.columns]
    target = sweep.target
    cheapest = set(m.get("cheapest") or [])
    facts = [
        ("Base scenario", str(m.get("scenario_file", "–"))),
        ("Points", fmt_number(m.get("points"))),
        ("Replications per point", fmt_number(m.get("replications"))),
        ("Runs ok / failed", f"{m.get('runs_ok', '–')} / {m.get('runs_failed', '–')}"),
        ("Executor", _executor_text(m)),
        ("Wall time", fmt_duration(m.get("wall_seconds"))),
        ("Sweep seed", str(m.get("seed", "–"))),
        ("Target", str(target) if target else "none"),
    ]
    from sim.present.figures.sweep import parameter_unit

    units = {p: parameter_unit(p) for p in params}
    header = ["point", *(f"{p} [{units[p][1]}]" if units[p][1] else p for p in params), "n"]
    header += [f"{k} [95 %]" for k in metrics]
    judged = "meets_target" in s.columns  # only with a target
    if "cost" in s.columns:
        header += ["cost", "meets target"] if judged else ["cost"]
    rows = []
    for i in range(len(s)):
        point = int(s["point"][i])
        row = [f"{point}{' ★' if point in cheapest else ''}"]
        row += [_parameter_text(s[p][i], units[p][0]) for p in params] + [fmt_number(s["n"][i])]
        for k in metrics:
            est, low, high = s[f"{k}.estimate"][i], s[f"{k}.low95"][i], s[f"{k}.high95"][i]
            row.append(f"{fmt_metric(k, est)} [{fmt_metric(k, low)}, {fmt_metric(k, high)}]")
        if "cost" in s.columns:
            row.append(fmt_number(s["cost"][i]))
            if judged:
                row.append("yes" if s["meets_target"][i] else "no")
        rows.append(row)
    verdict = ""
    if target is not None:
        if cheapest:
            names = ", ".join(str(p) for p in sorted(cheapest))
            verdict = (
                f"<p><b>Cheapest point{'s' if len(cheapest) > 1 else ''} meeting "
                f"{_e(target)}</b> (by the conservative 95 % "
                f"bound): {_e(names)} (★ in the table).</p>"
            )
        else:
            verdict = f"<p><b>No point meets {_e(target)}</b> by its conservative bound.</p>"
    aids = {
        k.replace(".", "_"): f"{k} against the swept parameters, with 95 % intervals."
        for k in metrics
    }
    aids.update(SWEEP_AIDS)
    body = [
        f"<header><h1>ceasefire-sim sweep: {_e(m.get('name', sweep.path.name))}</h1>",
        f'<p class="lead">{_e(plural(len(s), "point"))} x '
        f"{_e(plural(int(m.get('replications') or 0), 'replication'))}; "
        "intervals: Wilson for proportions (pooled replications), Student t for means.</p>"
        "</header>",
        '<section id="sweep"><h2>Sweep</h2>' + _kv_table(facts) + verdict + "</section>",
        '<section id="summary"><h2>Summary per point</h2>' + _table(header, rows) + "</section>",
        '<section id="plots"><h2>Plots</h2>' + _figures(sweep.path / "plots", aids) + "</section>",
        f"<footer>Written by ceasefire-sim {_e(m.get('version', ''))}. Self-contained: "
        "no network resources.</footer>",
    ]
    return _page(f"ceasefire-sim sweep: {m.get('name', '')}", "\n".join(body))


def write_sweep_report(folder: str | Path) -> Path:
    """Write ``<folder>/report.html`` for a finished sweep folder."""
    path = Path(folder) / REPORT
    replace_file(path, render_sweep_report(folder))
    return path


def write_sweep_compare_report(folder: str | Path, comparison: Any) -> Path:
    """Write ``<folder>/report.html`` for a comparison of sweeps (``SweepComparison``)."""
    rows = []
    for name, sweep in zip(comparison.names, comparison.sweeps, strict=True):
        m = sweep.manifest
        target = sweep.target
        rows.append(
            [
                name,
                str(sweep.path),
                fmt_number(m.get("points")),
                fmt_number(m.get("runs_ok")),
                str(target) if target else "none",
                ", ".join(str(p) for p in m.get("cheapest") or []) or "none",
            ]
        )
    names = ", ".join(comparison.names)
    aids = {
        p.stem: "The metric of each sweep against its first axis, with 95 % bands."
        for p in comparison.plots
    }
    body = [
        f"<header><h1>ceasefire-sim sweep comparison: {_e(names)}</h1></header>",
        '<section id="sweeps"><h2>Sweeps</h2>'
        + _table(["sweep", "folder", "points", "runs ok", "target", "cheapest points"], rows)
        + "</section>",
        '<section id="plots"><h2>Plots</h2>'
        + _figures(Path(folder) / "plots", aids)
        + "</section>",
        "<footer>Written by ceasefire-sim compare. Self-contained: no network resources.</footer>",
    ]
    path = Path(folder) / REPORT
    replace_file(path, _page(f"ceasefire-sim sweep comparison: {names}", "\n".join(body)))
    return path
