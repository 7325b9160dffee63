"""Random quantities in a scenario: a fixed value or a named distribution.

YAML forms (values carry units, parsed by the field's unit parser)::

    30min                                  # fixed
    {exponential: 30min}                   # mean
    {uniform: [10min, 2h]}                 # low, high
    {lognormal: {median: 30min, sigma: 0.8}}
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.core.errors import close_match

KINDS = ("exponential", "uniform", "lognormal")


@dataclass(frozen=True)
class Distribution:
    """A distribution of a non-random or random SI quantity.

    ``kind`` is ``fixed``, ``exponential`` (``a`` = mean), ``uniform``
    (``a`` = low, ``b`` = high) or ``lognormal`` (``a`` = median, ``b`` = sigma of
    the underlying normal).
    """

    kind: str
    a: float
    b: float = 0.0

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` values (SI units) from ``rng``."""
        if self.kind == "fixed":
            return np.full(n, self.a)
        if self.kind == "exponential":
            return rng.exponential(self.a, n)
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b, n)
        return self.a * np.exp(self.b * rng.standard_normal(n))

    @property
    def mean(self) -> float:
        """Expected value, SI units."""
        if self.kind in ("fixed", "exponential"):
            return self.a
        if self.kind == "uniform":
            return 0.5 * (self.a + self.b)
        return self.a * math.exp(0.5 * self.b**2)

    @property
    def low(self) -> float:
        """Smallest value the distribution can take."""
        return self.a if self.kind in ("fixed", "uniform") else 0.0

    @property
    def high(self) -> float:
        """Largest value the distribution can take (``inf`` if unbounded)."""
        if self.kind == "fixed":
            return self.a
        if self.kind == "uniform":
            return self.b
        return math.inf

    def to_data(self) -> float | dict:
        """Return the YAML form in SI numbers (it parses back to an equal object)."""
        if self.kind == "fixed":
            return self.a
        if self.kind == "exponential":
            return {"exponential": self.a}
        if self.kind == "uniform":
            return {"uniform": [self.a, self.b]}
        return {"lognormal": {"median": self.a, "sigma": self.b}}


def distribution_parser(
    parse: Callable[[object], float], what: str, minimum: float | None = 0.0
) -> Callable[[object], Distribution]:
    """Build a parser of YAML distribution forms whose values use ``parse``.

    ``minimum`` is the smallest value allowed for any parameter that is a value of
    the quantity (None: any sign).
    """

    def check(x: float, raw: object) -> float:
        if minimum is not None and x < minimum:
            raise ValueError(f"expected a {what} of at least {minimum:g}; got {raw!r}")
        return x

    def parser(value: object) -> Distribution:
        if isinstance(value, Distribution):
            return value
        if not isinstance(value, dict):
            return Distribution("fixed", check(parse(value), value))
        if len(value) != 1:
            raise ValueError(
                f"expected a {what}, or one of {{exponential: MEAN}}, {{uniform: [LOW, HIGH]}}, "
                f"{{lognormal: {{median: M, sigma: S}}}}; got {value!r}"
            )
        ((kind, params),) = value.items()
        if kind == "exponential":
            mean = check(parse(params), params)
            if mean <= 0:
                raise ValueError(f"exponential mean must be positive; got {params!r}")
            return Distribution("exponential", mean)
        if kind == "uniform":
            if not isinstance(params, (list, tuple)) or len(params) != 2:
                raise ValueError(f"uniform expects [LOW, HIGH]; got {params!r}")
            low, high = (check(parse(p), p) for p in params)
            if high < low:
                raise ValueError(f"uniform expects LOW <= HIGH; got {params!r}")
            return Distribution("uniform", low, high)
        if kind == "lognormal":
            if not isinstance(params, dict) or set(params) != {"median", "sigma"}:
                raise ValueError(f"lognormal expects {{median: M, sigma: S}}; got {params!r}")
            median = parse(params["median"])
            sigma = params["sigma"]
            if isinstance(sigma, bool) or not isinstance(sigma, (int, float)):
                raise ValueError(f"lognormal sigma must be a number >= 0; got {sigma!r}")
            sigma = float(sigma)
            if not (median > 0 and 0 <= sigma < math.inf):
                raise ValueError(f"lognormal expects median > 0 and sigma >= 0; got {params!r}")
            return Distribution("lognormal", median, sigma)
        raise ValueError(
            f"unknown distribution '{kind}'{close_match(str(kind), KINDS)}; "
            f"expected one of {', '.join(KINDS)}"
        )

    return parser
