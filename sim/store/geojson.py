"""GeoJSON documents of a run for GIS users: the line, the assets, the events, the coverage.

    line.geojson      the line (LineString) and the monitored zone (Polygon)
    assets.geojson    ground sensors (Point), drone patrol paths (LineString), bases (Point)
    events.geojson    a Point per violation with its events.csv columns and its outcome
    coverage.geojson  zone grid cells (Polygon squares) and line cells (LineString stretches)

For lon/lat scenarios the documents follow RFC 7946: positions are [lon, lat] in
WGS84 (EPSG:4326), rounded to 7 decimals (about 1 cm); exterior rings run
counterclockwise and holes clockwise; rings are closed; there is no "crs" member;
geometry that crosses the antimeridian is cut there (sim.store.geojson_geometry).

Local scenarios keep their coordinates in metres (rounded to 1 cm): such documents
are GeoJSON in shape but not RFC 7946. Every document says which it is in the
top-level foreign member ``"crs_kind"``: ``"lonlat"`` or ``"local"``. The member
``"name"`` names the layer (GDAL, hence QGIS, uses it as the layer name).

Properties are JSON-safe: NaN becomes null and numpy scalars become Python values.
A document's features are generated chunk by chunk and written as they come, so a run
with a million violations never holds a million feature dicts at once (which would
also make the garbage collector walk them again and again).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from sim.core.geo import Line
from sim.core.tables import Table
from sim.schema import (
    ASSETS_GEOJSON,
    COVERAGE_GEOJSON,
    EVENT_COLUMNS,
    EVENT_PLACE_COLUMNS,
    EVENTS_GEOJSON,
    GRID_LINE,
    GRID_ZONE,
    KIND_BASE,
    KIND_CUE,
    KIND_GROUND_SENSOR,
    KIND_JAMMING,
    KIND_LINE,
    KIND_PATROL,
    KIND_ZONE,
    LINE_GEOJSON,
)
from sim.store.geojson_geometry import (
    DENSIFY_M,
    LONLAT_DECIMALS,
    METRE_DECIMALS,
    densified,
    polygon_geometry,
    positions,
    rounded,
    signed_areas,
    split_at_antimeridian,
    stretches,
    zone_crosses_antimeridian,
)

LOCATION_COLUMNS = ("x", "y", "lon", "lat")
# Features built, serialised and dropped together. A chunk's containers (about ten per
# feature) stay under the collector's first threshold (700 net allocations), so they
# are freed before any collection sees them: the cyclic collector stays idle.
CHUNK = 32


@dataclass(frozen=True)
class Document:
    """A FeatureCollection whose features are generated on demand (each call anew)."""

    name: str
    crs_kind: str  # "lonlat" or "local"
    features: Callable[[], Iterator[dict[str, Any]]]

    def head(self) -> dict[str, Any]:
        """The collection's members before ``features``, in the order they are written."""
        return {"type": "FeatureCollection", "name": self.name, "crs_kind": self.crs_kind}

    def as_dict(self) -> dict[str, Any]:
        """The whole document as plain dicts (what ``json.load`` of its file gives)."""
        return {**self.head(), "features": list(self.features())}

    def write(self, path: Path) -> None:
        """Write the document as compact UTF-8 JSON, ``CHUNK`` features at a time."""
        head = _compact(self.head())
        with path.open("w", encoding="utf-8") as out:
            out.write(head[:-1] + ',"features":[')
            features, separator = self.features(), ""
            while chunk := list(islice(features, CHUNK)):
                out.write(separator + _compact(chunk)[1:-1])
                separator = ","
            out.write("]}\n")


def documents(result: Any, coverage: Any = None) -> dict[str, Document]:
    """The GeoJSON documents of a run, by file name.

    ``result`` is the run (its ``line``, ``assets``, ``stations``, ``events`` and
    ``scenario``); ``coverage``, optional, has ``.cells`` (a Table with the
    coverage.csv columns) and ``.cell_size`` (metres; the scenario's ``line.cell`` if
    absent). Without coverage there is no coverage.geojson.
    """
    line = result.line
    places = tuple(c for c in EVENT_PLACE_COLUMNS if c in result.events.columns)
    docs = {
        LINE_GEOJSON: line_document(line, _jamming(result)),
        ASSETS_GEOJSON: assets_document(result.assets, result.stations, line, cue_tracks(result)),
        EVENTS_GEOJSON: events_document(result.events, line, EVENT_COLUMNS + places),
    }
    if coverage is not None:
        cell = getattr(coverage, "cell_size", None) or result.scenario.line.cell
        docs[COVERAGE_GEOJSON] = coverage_document(coverage.cells, line, float(cell))
    return docs


def write(folder: str | Path, docs: dict[str, Document]) -> None:
    """Write each document of ``docs`` into ``folder`` under its file name."""
    for name, doc in docs.items():
        doc.write(Path(folder) / name)


# --- documents ---------------------------------------------------------------------------


def _jamming(result: Any) -> list[tuple[dict[str, Any], Any]]:
    """The scenario's jamming areas: (properties, shape in the line's metres) each."""
    from sim.spec.jamming import area_polygon

    environment = getattr(result.scenario, "environment", None)
    out = []
    for spec in environment.jamming if environment is not None else ():
        shape = area_polygon(spec, result.line)
        if isinstance(shape, MultiPolygon | Polygon):
            props = {
                "kind": KIND_JAMMING,
                "name": spec.name,
                "pd_factor": spec.pd_factor,
                "loss_rate_per_h": spec.loss_rate * 3600.0,
                "report_delay_mean_s": spec.report_delay.mean,
                "active": [list(w) for w in spec.active] if spec.active else None,
            }
            out.append((props, shape))
    return out


def line_document(line: Line, jamming: list[tuple[dict[str, Any], Any]] | None = None) -> Document:
    """The line (LineString), the monitored zone (Polygon) and the jamming areas.

    Kinds "line", "zone" and "jamming" (Polygon or MultiPolygon, one per area), if any.
    """

    def features() -> Iterator[dict[str, Any]]:
        path = densified(line, line.vertices)
        yield _feature(
            {"type": "LineString", "coordinates": positions(line, path).tolist()},
            {"kind": KIND_LINE, "length_m": line.length},
        )
        sides: dict[str, Any] = (
            {"buffer_m": line.left}
            if line.symmetric
            else {"buffer_left_m": line.left, "buffer_right_m": line.right}
        )
        yield _feature(polygon_geometry(line, line.zone), {"kind": KIND_ZONE, **sides})
        for props, shape in jamming or ():
            yield _feature(polygon_geometry(line, shape), props)

    return _collection("line", line, features)


def cue_tracks(result: Any) -> list[tuple[str, np.ndarray, dict[str, Any]]]:
    """The flown pieces of cued responses (``Piece.cue``) of a run: (kind, xy, properties).

    A transit (``once``) is the stretch flown, up to a loss and the end of the run; a
    loiter (``static``) its point. None without cueing.
    """
    pieces = getattr(result, "pieces", None) or []
    horizon = float(result.scenario.duration)
    flown = [p for p in pieces if p.cue and p.path is not None and min(p.end, horizon) >= p.t0]
    ends = _transit_ends(flown, horizon)
    out = []
    for p in flown:
        end = min(p.end, horizon)
        asset = result.asset_list[p.asset]
        props = {"piece": p.kind, "asset": asset.id, "group": asset.group}
        props.update({"t0_s": float(p.t0), "t1_s": float(end)})
        assert p.path is not None
        if p.kind == "static":
            xy = np.asarray(p.path[:1], dtype=float)
        else:
            here = ends.get(id(p))
            xy = np.array([p.path[0], p.position(end) if here is None else here], dtype=float)
        out.append((p.kind, xy, props))
    return out


def _transit_ends(pieces: list[Any], horizon: float) -> dict[int, np.ndarray]:
    """Where each straight leg flown once (two vertices) is at its end, by ``id``.

    ``Piece.position`` for all of them at once, the same arithmetic
    (``sim.world.motion``: the arc length clamped to the leg, then the point on it).
    """
    legs = [p for p in pieces if p.kind == "once" and len(p.path) == 2]
    if not legs:
        return {}
    a = np.array([p.path[0] for p in legs], dtype=float)
    b = np.array([p.path[1] for p in legs], dtype=float)
    step = np.hypot(*np.diff(np.stack([a, b], axis=1), axis=1)[:, 0].T)
    t = np.array([min(p.end, horizon) for p in legs])
    u = np.array([p.s0 for p in legs]) + np.array([p.speed for p in legs]) * (
        t - np.array([p.t0 for p in legs])
    )
    s = np.minimum(np.maximum(u, 0.0), step)
    frac = np.where(step == 0, 0.0, (s - 0.0) / np.where(step == 0, 1.0, step))
    here = a + frac[:, None] * (b - a)
    return {id(p): here[k] for k, p in enumerate(legs)}


def assets_document(
    assets: Table,
    stations: list,
    line: Line,
    cues: list[tuple[str, np.ndarray, dict[str, Any]]] | None = None,
) -> Document:
    """Ground sensors (Point), drone patrol paths (LineString) and bases (Point).

    With cueing, the responders' cue pieces (``cue_tracks``): transits as LineStrings,
    loiters as Points, ``kind`` "cue".
    """

    def features() -> Iterator[dict[str, Any]]:
        ground = np.flatnonzero(
            (assets["asset_class"] == "ground")
            & np.isfinite(assets["x"])
            & np.isfinite(assets["y"])
        )
        xy = np.column_stack([assets["x"][ground], assets["y"][ground]])
        names = ("id", "group", "modality", "range_m", "pd")
        columns = [_json_values(np.asarray(assets[c])[ground]) for c in names]
        for position, row in zip(
            positions(line, xy).tolist(), zip(*columns, strict=True), strict=True
        ):
            yield _feature(
                {"type": "Point", "coordinates": position},
                {"kind": KIND_GROUND_SENSOR, **dict(zip(names, row, strict=True))},
            )
        for s in stations:
            path = positions(line, densified(line, s.path)).tolist()
            yield _feature(
                {"type": "LineString", "coordinates": path},
                {
                    "kind": KIND_PATROL,
                    "group": s.group,
                    "station": int(s.number),
                    "from_m": float(s.from_m),
                    "to_m": float(s.to_m),
                    "range_m": float(s.range_m),
                    "modality": s.modality,
                },
            )
        bases = {s.group: s.base for s in stations if s.base is not None}
        for group, base in bases.items():
            position = positions(line, np.asarray(base, dtype=float)[None, :])[0].tolist()
            yield _feature(
                {"type": "Point", "coordinates": position}, {"kind": KIND_BASE, "group": group}
            )
        for (kind, _, props), at in zip(cues or (), _cue_positions(line, cues), strict=True):
            geometry = (
                {"type": "Point", "coordinates": at[0]}
                if kind == "static"
                else {"type": "LineString", "coordinates": at}
            )
            yield _feature(geometry, {"kind": KIND_CUE, **props})

    return _collection("assets", line, features)


def _cue_positions(
    line: Line, cues: list[tuple[str, np.ndarray, dict[str, Any]]] | None
) -> list[list[list[float]]]:
    """Each cue piece's GeoJSON positions: a loiter's point, a transit densified.

    As ``densified`` and ``positions`` piece by piece, with one segmentize and one
    projection for all (a month of cues has tens of thousands).
    """
    if not cues:
        return []
    paths = [np.asarray(xy, dtype=float) for _, xy, _ in cues]
    if line.is_geographic:
        bend = [
            k
            for k, (kind, _, _) in enumerate(cues)
            if kind != "static" and len(paths[k]) >= 2 and not np.all(paths[k] == paths[k][0])
        ]
        if bend:
            lines = np.array([shapely.LineString(paths[k]) for k in bend], dtype=object)
            xy, index = shapely.get_coordinates(
                shapely.segmentize(lines, DENSIFY_M), return_index=True
            )
            split = np.searchsorted(index, np.arange(1, len(bend)))
            for k, part in zip(bend, np.split(xy, split), strict=True):
                paths[k] = part
    sizes = [len(p) for p in paths]
    flat = positions(line, np.concatenate(paths)).tolist()
    out, start = [], 0
    for n in sizes:
        out.append(flat[start : start + n])
        start += n
    return out


def events_document(events: Table, line: Line, columns: tuple[str, ...] | None = None) -> Document:
    """A Point per violation: ``columns`` (default all) except x, y, lon, lat, plus outcome.

    ``outcome`` is "verified", "detected" (but not verified) or "missed".
    """
    names = [c for c in (columns or events.columns) if c not in LOCATION_COLUMNS]

    def features() -> Iterator[dict[str, Any]]:
        if line.is_geographic:
            at = rounded(np.column_stack([events["lon"], events["lat"]]), LONLAT_DECIMALS)
        else:
            at = rounded(np.column_stack([events["x"], events["y"]]), METRE_DECIMALS)
        outcome = np.where(
            events["verified"].astype(bool),
            "verified",
            np.where(events["detected"].astype(bool), "detected", "missed"),
        ).tolist()
        values = [_json_values(np.asarray(events[c])) for c in names] + [outcome]
        keys = [*names, "outcome"]
        for start in range(0, len(at), CHUNK):
            rows = zip(*(v[start : start + CHUNK] for v in values), strict=True)
            for position, row in zip(at[start : start + CHUNK].tolist(), rows, strict=True):
                yield _feature(_point(position), dict(zip(keys, row, strict=True)))

    return _collection("events", line, features)


def coverage_document(cells: Table, line: Line, cell_size: float) -> Document:
    """Zone cells as square Polygons of side ``cell_size`` (m), line cells as LineStrings.

    A zone cell's square is centred on its grid point (x, y) and projected corner by
    corner. A line cell is the stretch of line over its chainage bin
    [k cell, min((k + 1) cell, length)], k = floor(chainage_m / cell_size).
    Properties: the coverage.csv columns except x, y, lon, lat. Features keep the
    order of ``cells``.
    """

    def features() -> Iterator[dict[str, Any]]:
        names = [c for c in cells.columns if c not in LOCATION_COLUMNS]
        values = [_json_values(np.asarray(cells[c])) for c in names]
        grid = np.asarray(cells["grid"]).astype(str)
        zone = np.flatnonzero(grid == GRID_ZONE)
        rings = _zone_rings(line, cells, zone, cell_size)
        on_line = np.flatnonzero(grid == GRID_LINE)
        paths = _line_stretches(line, cells, on_line, cell_size)
        for start in range(0, len(cells), CHUNK):
            stop = min(start + CHUNK, len(cells))
            geometries: list[dict[str, Any] | None] = [None] * (stop - start)
            a, b = np.searchsorted(zone, [start, stop])
            for i, ring in zip(zone[a:b].tolist(), rings[a:b].tolist(), strict=True):
                geometries[i - start] = {"type": "Polygon", "coordinates": [ring]}
            a, b = np.searchsorted(on_line, [start, stop])
            for i, path in zip(on_line[a:b].tolist(), paths[a:b], strict=True):
                geometries[i - start] = {"type": "LineString", "coordinates": path}
            rows = zip(*(v[start:stop] for v in values), strict=True)
            for geometry, row in zip(geometries, rows, strict=True):
                yield _feature(geometry, dict(zip(names, row, strict=True)))

    return _collection("coverage", line, features)


def _zone_rings(line: Line, cells: Table, zone: np.ndarray, cell_size: float) -> np.ndarray:
    """Closed counterclockwise rings (zone cells, 5, 2) of the zone cells' squares."""
    if not len(zone):
        return np.empty((0, 5, 2))
    h = 0.5 * cell_size
    x = np.asarray(cells["x"], dtype=float)[zone, None]
    y = np.asarray(cells["y"], dtype=float)[zone, None]
    corners = np.stack(
        [x + np.array([-h, h, h, -h, -h]), y + np.array([-h, -h, h, h, -h])], axis=-1
    )
    rings = positions(line, corners)
    clockwise = signed_areas(rings) < 0
    rings[clockwise] = rings[clockwise, ::-1]
    return rings


def _line_stretches(
    line: Line, cells: Table, on_line: np.ndarray, cell_size: float
) -> list[list[list[float]]]:
    """The stretch of line (GeoJSON positions) over each line cell's chainage bin."""
    if not len(on_line):
        return []
    chainage = np.asarray(cells["chainage_m"], dtype=float)[on_line]
    lo = np.clip(np.floor(chainage / cell_size) * cell_size, 0.0, line.length)
    hi = np.minimum(lo + cell_size, line.length)
    return stretches(line, lo, hi)


# --- helpers -----------------------------------------------------------------------------


def _collection(
    name: str, line: Line, features: Callable[[], Iterator[dict[str, Any]]]
) -> Document:
    """A Document; lon/lat geometry that crosses the antimeridian is cut there."""
    crs_kind = "lonlat" if line.is_geographic else "local"
    if not (line.is_geographic and zone_crosses_antimeridian(line)):
        return Document(name, crs_kind, features)

    def cut() -> Iterator[dict[str, Any]]:
        for feature in features():
            if feature["geometry"] is not None:
                feature["geometry"] = split_at_antimeridian(feature["geometry"])
            yield feature

    return Document(name, crs_kind, cut)


def _compact(data: Any) -> str:
    """Compact UTF-8 JSON (no spaces); NaN is an error (properties are JSON-safe)."""
    return json.dumps(data, allow_nan=False, ensure_ascii=False, separators=(",", ":"))


def _feature(geometry: dict[str, Any] | None, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _point(position: list[float]) -> dict[str, Any] | None:
    """A Point, or None (a feature without location) for a non-finite position."""
    if all(math.isfinite(v) for v in position):
        return {"type": "Point", "coordinates": position}
    return None


def _json_values(values: np.ndarray) -> list[Any]:
    """A column as JSON-safe Python values: NaN and inf become None."""
    if values.dtype.kind == "f":
        finite = np.isfinite(values)
        if finite.all():
            return values.tolist()
        out = values.astype(object)  # Python floats
        out[~finite] = None
        return out.tolist()
    if values.dtype.kind == "O":
        return [
            None
            if isinstance(v, float) and not math.isfinite(v)
            else v.item()
            if isinstance(v, np.generic)
            else v
            for v in values.tolist()
        ]
    return values.tolist()
