"""Satellites on orbits: one asset per satellite, one plan piece per pass over the zone.

A ``satellites[]`` entry with an ``orbit`` becomes SGP4 records (``sim.world.orbits``);
the instants at which each pass images each target point are solved in closed form
on the interpolated ground track (``sim.world.passes``). The targets are the coverage
grid's cells and the violations inside the zone, solved together so that a steerable
sensor points once per pass for both: its choice counts the line's cells (it is tasked
to image the most of the line), never the violations, which it cannot know of.

Each pass becomes a ``swath`` piece from its first to its last imaged instant, whose
``Strip`` lists the cells and violations imaged and when; the SimPy process
publishes it at its first instant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sgp4.api import Satrec

from sim.core.geo import Line
from sim.core.tables import Table
from sim.schema import GRID_LINE
from sim.spec.orbit import element_sets
from sim.spec.scenario import SatelliteSpec
from sim.world import orbits
from sim.world.assets.base import Piece, Strip
from sim.world.assets.context import BuildContext, wait_until
from sim.world.grid import grid_points
from sim.world.groundtrack import ground_track
from sim.world.passes import image_instants
from sim.world.violations import Violations

TRACK_STEP = 60.0  # s between the saved ground-track points (for the map only)
TRACK_SPAN = 86_400.0  # s: the saved ground track covers the first day


@dataclass(frozen=True)
class Targets:
    """The points passes are solved at: the coverage grid's cells, then the violations.

    ``lon``/``lat`` deg of every target; ``violation`` the violation index of each
    target after the ``n_cells`` cells (only violations inside the zone: an image sees
    nothing outside it); ``choose`` the targets a steerable sensor's pointing counts;
    ``t_lo``/``t_hi`` s when each target can be seen (a violation's active interval,
    the whole run for a cell): passes outside it are not solved for it.
    """

    lon: np.ndarray
    lat: np.ndarray
    n_cells: int
    violation: np.ndarray
    choose: np.ndarray
    grid_xy: np.ndarray  # (n_cells, 2) m, the cells' centres
    n_line: int  # the grid's line cells (the zone cells follow)
    t_lo: np.ndarray
    t_hi: np.ndarray


def make_targets(
    line: Line, cell: float, violations: Violations, in_zone: np.ndarray, zone_cells: bool = True
) -> Targets:
    """Targets of a run: grid cells at spacing ``cell`` (m), then the violations in the zone.

    Without ``zone_cells`` only the line's cells are kept (a steerable sensor's choice
    counts those): for a run whose coverage is never measured (a planning run).
    """
    x, y = violations.x, violations.y
    grid = grid_points(line, cell)
    if not zone_cells:
        keep = grid["grid"] == GRID_LINE
        grid = {k: (v[keep] if k in ("x", "y", "grid") else v) for k, v in grid.items()}
    violation = np.flatnonzero(in_zone)
    px = np.concatenate([grid["x"], x[violation]])
    py = np.concatenate([grid["y"], y[violation]])
    lon, lat = line.to_lonlat(px, py)
    n_cells = len(grid["x"])
    n_line = int(np.count_nonzero(grid["grid"] == GRID_LINE))
    choose = np.zeros(len(px), dtype=bool)
    choose[:n_line] = True  # the line cells come first
    grid_xy = np.column_stack([grid["x"], grid["y"]])
    t_lo = np.concatenate([np.full(n_cells, -np.inf), violations.t_start[violation]])
    t_hi = np.concatenate([np.full(n_cells, np.inf), violations.t_end[violation]])
    return Targets(
        np.asarray(lon, float),
        np.asarray(lat, float),
        n_cells,
        violation,
        choose,
        grid_xy,
        n_line,
        t_lo,
        t_hi,
    )


def satellites_of(spec: SatelliteSpec, start: dt.datetime) -> list[tuple[str, Satrec]]:
    """The (asset id, SGP4 record) of each satellite an orbit entry makes.

    One satellite is named as its entry; a Walker constellation or a TLE file's sets
    are ``<name>-1``, ``<name>-2``, ... (a TLE set's own name is not used: it need not
    be unique, nor a valid asset name).
    """
    o = spec.orbit
    assert o is not None
    if o.sun_synchronous is not None:
        s = o.sun_synchronous
        elements = [orbits.sun_synchronous(s.altitude, s.local_time, s.phase, start, spec.name)]
    elif o.elements is not None:
        e = o.elements
        elements = [
            orbits.keplerian(
                altitude=e.altitude,
                semi_major_axis=e.semi_major_axis,
                eccentricity=e.eccentricity,
                inclination=e.inclination,
                raan=e.raan % 360.0,
                arg_perigee=e.arg_perigee % 360.0,
                mean_anomaly=e.mean_anomaly % 360.0,
                epoch=e.epoch or start,
                name=spec.name,
            )
        ]
    elif o.walker is not None:
        w = o.walker
        elements = orbits.walker(
            spec.name, w.total, w.planes, w.phasing, w.altitude, w.inclination, start
        )
    else:
        assert o.tle is not None
        sets = element_sets(o.tle)
        records = orbits.from_tle("\n".join(f"{a}\n{b}" for a, b in sets))
        return [(f"{spec.name}-{k + 1}", sat) for k, (_, sat) in enumerate(records)]
    records = orbits.satrecs(elements)
    return [(e.name, r) for e, r in zip(elements, records, strict=True)]


class OrbitingSatellites:
    """The satellites of one ``orbit`` entry, each an asset imaging its passes' strips."""

    def __init__(
        self,
        spec: SatelliteSpec,
        index: int,
        ctx: BuildContext,
        start: dt.datetime,
        targets: Targets,
    ):
        assert spec.swath is not None
        self.spec = spec
        self.ctx = ctx
        sats = satellites_of(spec, start)
        self.names = [name for name, _ in sats]
        self.records = [sat for _, sat in sats]
        self.assets = [
            ctx.register(
                id=name,
                asset_class="satellite",
                group=spec.name,
                modality=spec.modality,
                pd=spec.pd,
                range=0.5 * spec.swath,
                glimpse=None,
                report_latency=spec.report_latency,
                false_alarm_rate=spec.false_alarms_per_image,
                rng=ctx.stream(f"satellites/{spec.name}/looks"),
            ).index
            for name in self.names
        ]
        passes = image_instants(
            self.records,
            start,
            targets.lon,
            targets.lat,
            ctx.horizon,
            spec.swath,
            spec.off_nadir_reach,
            choose=targets.choose,
            t_lo=targets.t_lo,
            t_hi=targets.t_hi,
        )
        self.plan = _pass_pieces(passes, self.assets, targets)
        self.track = _first_day_track(self.records, self.names, spec.name, start, ctx.horizon)
        self.images = 0
        ctx.env.process(self._passes())

    def _passes(self):
        env = self.ctx.env
        for piece in self.plan:
            yield wait_until(env, piece.t0)
            self.ctx.sink.add(piece)
            self.images += 1

    def stats(self, horizon: float) -> dict[str, float]:
        """Images (passes imaging part of the zone) taken over [0, horizon]."""
        return {"images": float(self.images)}


def _pass_pieces(passes, assets: list[int], targets: Targets) -> list[Piece]:
    """One ``swath`` piece per pass that images any target, in time order."""
    order = np.lexsort((passes.point, passes.time, passes.pass_index))
    point, time, pass_index = passes.point[order], passes.time[order], passes.pass_index[order]
    satellite = passes.satellite[order]
    bounds = np.flatnonzero(np.diff(pass_index)) + 1
    pieces = []
    for rows in np.split(np.arange(len(point)), bounds):
        if len(rows) == 0:
            continue
        p, t = point[rows], time[rows]
        is_cell = p < targets.n_cells
        strip = Strip(
            cell=p[is_cell],
            cell_time=t[is_cell],
            violation=targets.violation[p[~is_cell] - targets.n_cells],
            violation_time=t[~is_cell],
            grid_xy=targets.grid_xy,
            n_line=targets.n_line,
        )
        asset = assets[int(satellite[rows[0]])]
        pieces.append(Piece(asset, "swath", float(t.min()), float(t.max()), strip=strip))
    pieces.sort(key=lambda piece: (piece.t0, piece.asset))
    return pieces


def _first_day_track(
    records: list[Satrec], names: list[str], group: str, start: dt.datetime, horizon: float
) -> Table:
    """Each satellite's ground track over the first day, every TRACK_STEP s (for the map)."""
    t = np.arange(0.0, min(TRACK_SPAN, horizon) + 0.5 * TRACK_STEP, TRACK_STEP)
    track = ground_track(records, start, t)
    lon = (np.asarray(track.lon) + 180.0) % 360.0 - 180.0
    n = len(t)
    return Table(
        {
            "asset": np.repeat(np.array(names, dtype=object), n),
            "group": np.full(len(names) * n, group, dtype=object),
            "t_s": np.tile(t, len(names)),
            "lon": lon.reshape(-1),
            "lat": np.asarray(track.lat).reshape(-1),
        }
    )
