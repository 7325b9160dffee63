"""The shipped and test scenarios give exactly the recorded results (tests/golden.py).

A refactoring keeps every byte of a results folder's data; a model change records the
golden files again on purpose (``python3 tests/golden.py``) and says why.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from golden import (
    CASES,
    Case,
    folder_digest,
    headline,
    recorded_folders,
    recorded_summaries,
    run_case,
)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_results_folder_is_byte_identical_to_the_record(case: Case, tmp_path: Path):
    """Same scenario and seed: the same headline metrics and the same bytes in every data
    file (figures aside, the manifest without timing and platform fields)."""
    out = tmp_path / "out"
    run_case(case, out)
    assert headline(out) == recorded_summaries()[case.name]
    assert folder_digest(out) == recorded_folders()[case.name]


def test_every_recorded_case_is_checked():
    """The records hold exactly the cases the test runs (none dropped, none stale)."""
    names = {case.name for case in CASES}
    assert set(recorded_folders()) == names
    assert set(recorded_summaries()) == names
