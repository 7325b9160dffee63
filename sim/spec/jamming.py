"""The jamming areas' shapes in the line's metres, and their checks (``environment.jamming``).

An ``area`` is a polygon given in the line's coordinates ([lon, lat] on a lon/lat line,
projected like the line; [x, y] m on a local one). A ``band`` is the set of points whose
signed distance from the line (+ left) lies between ``from_line`` and ``to_line``, as
shapely's single-sided buffers of the line (or of its stretch ``span``) build it: flat
ends square to the line's end segments, the outer side of a bend rounded.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from sim.core.geo import Line, side_band
from sim.spec.environment import JammingSpec
from sim.spec.geometry import lonlat_problem

Problem = tuple[tuple[str | int, ...], str]


def band_polygon(
    line: Line, lo: float, hi: float, span: tuple[float, float] | None
) -> BaseGeometry:
    """Points at signed offsets in [lo, hi] (m, + left) of the line's stretch ``span``.

    ``sim.core.geo.side_band``'s shape (grown by a millimetre: the two sides' buffers
    leave slivers along the line otherwise).
    """
    lo, hi = sorted((float(lo), float(hi)))
    geom: BaseGeometry = line.geometry
    if span is not None:
        a, b = (min(max(float(c), 0.0), line.length) for c in span)
        geom = substring(line.geometry, a, b)
    return side_band(geom, lo, hi)


def area_polygon(spec: JammingSpec, line: Line) -> BaseGeometry:
    """The area of ``spec`` in the line's metres (a validated spec)."""
    if spec.band is not None:
        band = spec.band
        return band_polygon(line, band.from_line, band.to_line, band.span)
    assert spec.area is not None
    pts = np.asarray(spec.area, dtype=float)
    if line.is_geographic:
        x, y = line.from_lonlat(pts[:, 0], pts[:, 1])
        pts = np.column_stack([x, y])
    return Polygon(pts)


def jamming_problems(areas: list[JammingSpec], line: Line) -> list[Problem]:
    """Each area's coordinates and shape: a simple polygon of some area, a band on the line."""
    problems: list[Problem] = []
    for k, spec in enumerate(areas):
        where: tuple[str | int, ...] = ("environment", "jamming", k)
        if spec.area is not None and line.is_geographic:
            bad = [(i, lonlat_problem(p)) for i, p in enumerate(spec.area)]
            bad = [(i, why) for i, why in bad if why]
            if bad:
                problems += [((*where, "area", i), why) for i, why in bad if why]
                continue
        if spec.band is not None and spec.band.span is not None:
            a, b = spec.band.span
            if a >= line.length or b <= 0:
                problems.append(
                    (
                        (*where, "band", "span"),
                        f"the span [{a:.0f}, {b:.0f}] m misses the line (0 to {line.length:.0f} m)",
                    )
                )
                continue
        try:
            shape = area_polygon(spec, line)
        except (ValueError, shapely.errors.GEOSException) as exc:
            problems.append(((*where, "area" if spec.area else "band"), f"no area: {exc}"))
            continue
        if spec.area is not None and not shape.is_valid:
            why = shapely.is_valid_reason(shape)
            problems.append(((*where, "area"), f"not a simple polygon ({why})"))
        elif shape.is_empty or shape.area <= 0.0:
            problems.append(((*where, "area" if spec.area else "band"), "the area is empty"))
    return problems
