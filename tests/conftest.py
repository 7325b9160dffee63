"""Shared pytest configuration: the Hypothesis profiles of the generated tests.

- ``fast`` (default): a few examples per test, derandomized so CI is stable.
- ``long``: thousands of examples with random seeds, for the slow step
  (``HYPOTHESIS_PROFILE=long python3 -m pytest -m slow tests/test_generated.py``).

Select one with the ``HYPOTHESIS_PROFILE`` environment variable or pytest's
``--hypothesis-profile`` option.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile(
    "fast",
    max_examples=int(os.environ.get("SIM_GENERATED_FAST", "20")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_QUIET,
    print_blob=True,
)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("SIM_GENERATED_LONG", "2000")),
    deadline=None,
    suppress_health_check=_QUIET,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))
