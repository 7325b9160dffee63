"""When and where each violation type happens: diurnal profiles and per-type offsets.

A type's diurnal profile is 24 hourly weights in local mean solar time at the
violation's longitude, hour ``h = floor((UTC hours + lon / 15) mod 24)``
(``sim.core.solar_time``). The weights
are normalised to a daily mean of 1 (``f_h = 24 w_h / sum(w)``), so a profile moves
violations between the hours of the day without changing the long-run rate that
``violations.rate`` states. Violations of the type are then a Poisson process of
intensity ``rate_k f_h(t, lon)``, drawn exactly by thinning: candidates from the
process of rate ``rate_k max(f)``, each kept with probability ``f_h / max(f)`` at its
own start and place (docs/model.md, "Diurnal profiles"). No time step.
"""

from __future__ import annotations

import numpy as np

from sim.core.distributions import Distribution
from sim.core.solar_time import hour_factors
from sim.spec.scenario import ViolationsSpec, ViolationTypeSpec


def type_profile(spec: ViolationsSpec, name: str) -> np.ndarray | None:
    """Type ``name``'s normalised hourly factors, or None when it happens evenly in time."""
    weights = spec.types[name].diurnal or spec.diurnal
    return None if weights is None else hour_factors(weights)


def offset_distribution(
    spec: ViolationsSpec,
    kind: ViolationTypeSpec,
    bands: dict[str, float] | None,
    sides: tuple[float, float],
) -> Distribution:
    """The distribution of a type's offsets (m, + left).

    Its own ``offset``; else uniform across its ``band`` (``|offset| <= half-width``);
    else ``violations.offset``; else uniform across the monitored zone, whose
    ``sides`` are its (left, right) widths: on ``[-right, left]``.
    """
    if kind.offset is not None:
        return kind.offset
    if kind.band is not None:
        assert bands is not None  # the scenario's checks
        half = bands[kind.band]
        return Distribution("uniform", -half, half)
    if spec.offset is not None:
        return spec.offset
    left, right = sides
    return Distribution("uniform", -right, left)
