"""Shared pytest configuration: the Hypothesis profiles of the generated tests, and each
test's signal handlers restored after it.

- ``fast`` (default): derandomized, so every CI run draws the same examples; 20
  per property in the default tests, more in the slow ones (tests/test_generated.py).
- ``long``: random seeds and a database, for hunting by hand, e.g.
  ``HYPOTHESIS_PROFILE=long SIM_GENERATED_LONG_VALID=2000 SIM_GENERATED_LONG_MUTATED=5000
  python3 -m pytest -m slow tests/test_generated.py``.

Select one with the ``HYPOTHESIS_PROFILE`` environment variable or pytest's
``--hypothesis-profile`` option.
"""

from __future__ import annotations

import os
import signal
import warnings

import pytest
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
    deadline=None,
    suppress_health_check=_QUIET,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


@pytest.fixture(autouse=True)
def _signal_handlers_restored(request: pytest.FixtureRequest):
    """Give every test the SIGINT and SIGTERM handlers and signal mask the session had.

    The signal tests (tests/test_results_folder.py) need Python's default SIGINT
    handler and SIGINT unblocked; a test that leaves either changed is named in a
    warning (the warnings summary) and they are put back, so it cannot fail a later test.
    """
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])  # the blocked set, unchanged
    yield
    now_mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    if now_mask != mask:
        warnings.warn(
            f"{request.node.nodeid} left the main thread's blocked signals {sorted(now_mask)}",
            stacklevel=1,
        )
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    for sig, handler in saved.items():
        now = signal.getsignal(sig)
        if now is not handler:
            warnings.warn(
                f"{request.node.nodeid} left the {signal.Signals(sig).name} handler {now!r}",
                stacklevel=1,
            )
            signal.signal(sig, handler)
