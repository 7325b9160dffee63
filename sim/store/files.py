"""The file formats of the results: CSV tables and JSON, written and read the one way.

CSV cells are shortest round-trip floats (``repr``), '' for NaN, ``true``/``false``
for booleans; JSON is indented with NaN and infinities as null. Every writer of a
results or sweep folder and every reader goes through here, so a value read back is
the value written.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.errors import SimError, plural
from sim.core.tables import Table


def csv_cell(value: Any) -> str:
    """One CSV cell: shortest round-trip floats, '' for NaN/None, true/false."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return "" if math.isnan(number) else repr(number)
    return str(value)


def csv_column(values: np.ndarray) -> list[str]:
    """A column's CSV cells, as ``csv_cell`` writes them (one pass per dtype: fast)."""
    if values.dtype == bool:
        return ["true" if v else "false" for v in values.tolist()]
    if values.dtype.kind == "f":
        return ["" if math.isnan(v) else repr(v) for v in values.tolist()]
    return [str(v) for v in values.tolist()]


def write_csv(path: Path, table: Table, columns: tuple[str, ...]) -> None:
    """Write ``columns`` of ``table`` to ``path``."""
    cells = [csv_column(np.asarray(table[c])) for c in columns]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(zip(*cells, strict=True))


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` as stable, indented JSON (NaN and inf become null)."""
    text = json.dumps(_json_safe(data), indent=2, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def read_json(path: str | Path) -> Any:
    """Read a JSON file of a results folder; ``SimError`` naming it if it is unreadable."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SimError(f"{path} is missing") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SimError(f"{path} is not valid JSON (damaged or truncated?): {exc}") from None
    except OSError as exc:
        raise SimError(f"cannot read {path}: {exc.strerror}") from None


def read_table(path: str | Path) -> Table:
    """Read a results CSV into a Table (numbers as floats, true/false as bools).

    Raises ``SimError`` naming the file if it is missing, empty, or has a row whose
    number of cells differs from the header's (a truncated or damaged file).
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            rows = list(reader)
    except FileNotFoundError:
        raise SimError(f"{path} is missing") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise SimError(f"{path} is not a readable CSV file (damaged?): {exc}") from None
    if not header:
        raise SimError(f"{path} is empty (damaged or truncated?); run again to rewrite it")
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise SimError(
                f"{path}, line {number}: {plural(len(row), 'cell')} for "
                f"{plural(len(header), 'column')} (damaged or truncated?); run again to rewrite it"
            )
    columns: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        raw = [row[j] for row in rows]
        columns[name] = _parse_column(raw)
    return Table(columns)


def _parse_column(raw: list[str]) -> np.ndarray:
    """Numbers as floats (empty: NaN), true/false as bools, anything else as strings."""
    text = np.array(raw, dtype=str)
    present = text[text != ""]
    if len(present) and np.all((present == "true") | (present == "false")):
        return text == "true"
    try:
        return np.where(text == "", "nan", text).astype(float)
    except ValueError:
        return np.array(raw, dtype=object)
