"""False alarms: drawn only over the time an asset really sensed."""

from __future__ import annotations

import numpy as np

import sim
from sim.spec.load import scenario_from_data


def _lossy_fleet(seed: int) -> dict:
    return {
        "name": "lossy",
        "seed": seed,
        "duration": "4d",
        "line": {"crs": "local", "points": [[0, 0], [60_000, 0]], "buffer": "5km", "cell": "2km"},
        "violations": {"rate": "5/day"},
        "drones": [
            {
                "name": "uav",
                "count": 2,
                "speed": "120km/h",
                "sensor": {"range": "4km", "pd": 0.8},
                "endurance": "10h",
                "turnaround": "1h",
                "loss_rate": "0.2/h",
                "false_alarm_rate": "1/h",
                "spares": 3,
                "base": {"at": "30km", "offset": "-40km"},
            }
        ],
    }


def test_lost_airframe_with_false_alarms_runs():
    """Regression: a fleet with loss_rate and false_alarm_rate raised
    "ValueError: high - low < 0" in false_alarms once an airframe was lost (its
    planned pieces were cut before they began). Each false alarm must now fall
    inside a piece's sensing time, never in a sortie that was cut away."""
    losses = 0
    for seed in range(1, 5):
        result = sim.run(scenario_from_data(_lossy_fleet(seed)))
        pieces = result.pieces
        cut_before_start = [p for p in pieces if p.end < p.t0]
        losses += len(cut_before_start)
        det = result.detections
        fa = np.asarray(det["false_alarm"], dtype=bool)
        assert fa.any(), "a fleet with 1 false alarm per hour raised none"
        times = np.asarray(det["t_detect_s"], dtype=float)[fa]
        live = [(p.t0, p.end) for p in pieces if p.end >= p.t0 and p.kind != "image"]
        for t in times:
            assert any(t0 <= t <= t1 for t0, t1 in live), f"false alarm at {t} s outside sensing"
    assert losses > 0, "no piece was cut before it began: the test does not reach the bug"
