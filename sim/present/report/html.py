"""The HTML pieces every report is built of: page, tables, cards and embedded figures.

A report references nothing outside itself -- no scripts, fonts, style sheets or
images from the network -- so it can be mailed, archived and opened offline, and it
prints cleanly: figures are embedded as base64 ``data:`` URIs.
"""

from __future__ import annotations

import base64
import html
import json
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sim.present.captions import Caption
from sim.schema import REPORT
from sim.store.outdir import replace_file

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


def esc(value: Any) -> str:
    """``value`` as HTML text (quotes escaped too: safe in attributes)."""
    return html.escape(str(value), quote=True)


def _attr_value(value: Any) -> str:
    """The JSON text of a metrics.json value (it parses back to an equal value)."""
    return json.dumps(value, allow_nan=True)


def kv_table(rows: Iterable[tuple[str, str]]) -> str:
    """A two-column table of (label, value) rows."""
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f'<table class="kv"><tbody>{body}</tbody></table>'


def table(header: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    """A table with a header row; the columns in ``numeric`` are right-aligned."""
    numeric = numeric or set()

    def cls(i: int) -> str:
        return ' class="num"' if i in numeric else ""

    head = "".join(f"<th{cls(i)}>{esc(h)}</th>" for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{esc(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def metric_cell(
    metrics: dict[str, Any], key: str, text: str, tag: str = "td", cls: str = ""
) -> str:
    """A cell carrying the raw metrics.json value it shows (``data-key``, ``data-value``)."""
    attr = f' class="{cls}"' if cls else ""
    return (
        f'<{tag}{attr} data-key="{esc(key)}" data-value="{esc(_attr_value(metrics.get(key)))}">'
        f"{esc(text)}</{tag}>"
    )


def card(metrics: dict[str, Any], label: str, key: str, text: str, detail: str = "") -> str:
    """A headline card: a label, the value of ``key`` (as ``text``) and a detail line."""
    value = metric_cell(metrics, key, text, tag="div", cls="value")
    extra = f'<div class="detail">{esc(detail)}</div>' if detail else ""
    return f'<div class="card"><div class="label">{esc(label)}</div>{value}{extra}</div>'


def _png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk (None if ``data`` is not a PNG)."""
    if len(data) >= 24 and data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return None


def figures(plots_dir: Path, captions: dict[str, Caption]) -> str:
    """Every ``plots_dir/*.png`` as a figure with an embedded image, its title and aid.

    Figures are in the order of ``captions`` (plot name -> Caption), then by file
    name; a figure without a caption is titled and captioned by its file name.
    """
    # a figure being drawn is a hidden temporary (.NAME.tmp-PID.png): not yet a figure
    files = sorted(p for p in plots_dir.glob("*.png") if not p.name.startswith("."))
    if not files:
        return "<p>No plots in this folder (<code>ceasefire-sim plot</code> draws them).</p>"
    order = {name: i for i, name in enumerate(captions)}
    files.sort(key=lambda p: (order.get(p.stem, len(order)), p.name))
    out = []
    for path in files:
        data = path.read_bytes()
        size = _png_size(data)
        dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
        caption = captions.get(path.stem)
        title = caption.title if caption else path.stem.replace("_", " ").replace("-", " ")
        title = title[:1].upper() + title[1:]
        aid = caption.aid if caption else path.name
        uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        out.append(
            f'<figure id="plot-{esc(path.stem)}"><img src="{uri}" alt="{esc(title)}"{dims}>'
            f"<figcaption><b>{esc(title)}.</b> {esc(aid)}</figcaption></figure>"
        )
    return "\n".join(out)


def page(title: str, body: str) -> str:
    """The whole HTML document: ``body`` with the inline style sheet."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def write_page(folder: str | Path, text: str) -> Path:
    """Write ``<folder>/report.html`` atomically (the old report stays whole until then)."""
    path = Path(folder) / REPORT
    replace_file(path, text)
    return path
