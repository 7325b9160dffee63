"""The sky a run's optical sensors look through: daylight and clouds at each violation.

Built once per run from ``environment`` (None: the idealised sky, and the engine
takes none of these paths). The detection solver asks it three things, all in closed
form: the daylit parts of a sensing window at a violation (``daylit_windows``),
whether an instant at a violation is daylit (``daylit``), and whether its cloud
region is clear then (``clear``). Which assets care is the asset's own
``needs_daylight`` and ``cloud_factor`` (``optical_flags``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from sim.core.geo import Line
from sim.spec.environment import EnvironmentSpec, blocked_by_clouds, needs_daylight
from sim.world import clouds, sun
from sim.world.intervals import in_intervals
from sim.world.violations import Violations

CLOUDS_STREAM = clouds.STREAM


@dataclass(frozen=True)
class Sky:
    """Daylight windows and cloud regions of a run's violations.

    ``day`` is ``(violation, lo, hi)``: each violation's daylit intervals inside its
    active interval (s), merged and sorted (None: daylight off). ``history`` is the
    run's cloud history and ``region`` each violation's cloud region (None: no clouds).
    """

    day: tuple[np.ndarray, np.ndarray, np.ndarray] | None
    history: clouds.CloudHistory | None
    region: np.ndarray | None

    def daylit_windows(
        self, violation: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The daylit parts of windows [lo, hi] at ``violation``: (input index, lo, hi).

        The windows are returned unchanged when daylight is off.
        """
        if self.day is None:
            return np.arange(len(violation)), lo, hi
        return sun.cut_by_daylight(violation, lo, hi, *self.day)

    def daylit(self, violation: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Whether each instant ``t`` (s) is daylit at its violation (all True when off)."""
        if self.day is None:
            return np.ones(len(violation), dtype=bool)
        return in_intervals(*self.day, violation, t)

    def clear(self, violation: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Whether each violation's cloud region is clear at ``t`` (all True: no clouds)."""
        if self.history is None or self.region is None:
            return np.ones(len(violation), dtype=bool)
        return clouds.is_clear(self.history, self.region[violation], t)


def make_sky(
    spec: EnvironmentSpec,
    line: Line,
    violations: Violations,
    start: dt.datetime,
    horizon: float,
    rng: np.random.Generator,
) -> Sky:
    """The sky of a run, from ``environment``.

    Daylight windows over each violation's active interval, and a cloud history drawn
    from ``rng`` (the run's own ``environment/clouds`` stream).
    """
    day = None
    if spec.daylight is not None:
        lon, lat = line.to_lonlat(violations.x, violations.y)
        day = sun.daylight_windows(
            lon,
            lat,
            start,
            horizon,
            spec.daylight.min_sun_elevation,
            t_lo=violations.t_start,
            t_hi=violations.t_end,
        )
    history = region = None
    if spec.clouds is not None:
        c = spec.clouds
        history = clouds.clouds_for(
            rng,
            line.length,
            horizon,
            start,
            cell=c.cell,
            clear=c.clear,
            overcast=c.overcast,
            monthly=c.monthly,
            spell=c.spell,
        )
        region = clouds.region_index(violations.chainage, history.edges)
    return Sky(day, history, region)


def optical_flags(
    spec: EnvironmentSpec | None, asset_class: str, modality: str
) -> tuple[bool, float]:
    """An asset's ``(needs_daylight, cloud_factor)`` under ``environment``.

    Optical modalities (eo, optical, camera unless ``needs_daylight`` says otherwise)
    see only by daylight. Under overcast a satellite whose modality clouds block
    (optical and thermal unless ``clouds.blocks`` says otherwise) sees nothing
    (factor 0), such a drone keeps ``clouds.drone_factor`` of its pd (1: below the
    cloud base) and a ground sensor is unaffected. Other modalities ignore both.
    """
    if spec is None:
        return False, 1.0
    needs = needs_daylight(modality, spec.needs_daylight) and spec.daylight is not None
    factor = 1.0
    c = spec.clouds
    if c is not None and blocked_by_clouds(modality, c.blocks, spec.needs_daylight):
        if asset_class == "satellite":
            factor = 0.0
        elif asset_class == "drone":
            factor = c.drone_factor
    return needs, factor


def clear_fraction(sky: Sky | None) -> float | None:
    """The run's realised clear-sky fraction over the line; None without clouds.

    Time-averaged in each cloud region, then weighted by the regions' lengths.
    """
    if sky is None or sky.history is None:
        return None
    return clouds.line_clear_fraction(sky.history)


def light_labels(
    sky: Sky | None,
    geographic: bool,
    start: dt.datetime,
    threshold: float,
    lon: np.ndarray,
    lat: np.ndarray,
    t: np.ndarray,
    violation: np.ndarray,
) -> np.ndarray:
    """Label each instant ``t`` (s) at lon/lat (deg) "day" or "night".

    A line that is not ``geographic`` (local metres: no place on Earth) gives "".
    Day: the sun at or above ``threshold`` (deg) there. At a violation (``violation``
    >= 0) under a daylight sky the answer is the solver's own daylight windows, so a
    flag always agrees with the cut of the looks.
    """
    if not geographic:
        return np.full(len(t), "", dtype=object)
    day = np.asarray(sun.is_daylight(lon, lat, t, start, threshold), dtype=bool)
    if sky is not None and sky.day is not None:
        own = violation >= 0
        day[own] = in_intervals(*sky.day, violation[own], t[own])
    return np.where(day, "day", "night").astype(object)


def light_threshold(spec: EnvironmentSpec | None) -> float:
    """The sun elevation (deg) from which an instant counts as day.

    The scenario's daylight threshold, else civil twilight.
    """
    if spec is not None and spec.daylight is not None:
        return spec.daylight.min_sun_elevation
    return sun.CIVIL_TWILIGHT_DEG
