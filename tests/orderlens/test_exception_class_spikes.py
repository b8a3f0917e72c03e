"""Spike detection on hand-built daily counts."""

from datetime import date, timedelta

import pandas as pd

from orderlens.exception_class_spikes import detect_exception_spikes


def _days(start: date, counts: list[int], exception_class: str) -> list[dict]:
    return [
        {"exception_class": exception_class, "day": start + timedelta(days=offset), "opened": n}
        for offset, n in enumerate(counts)
    ]


def test_spike_flags_the_day_far_above_a_steady_baseline_only():
    start = date(2026, 3, 1)
    steady = [4] * 14 + [30] + [4]
    rows = _days(start, steady, "carrier")
    spikes = detect_exception_spikes(pd.DataFrame(rows))
    assert [(s.exception_class, s.day, s.count) for s in spikes] == [
        ("carrier", date(2026, 3, 15), 30)
    ]
    assert spikes[0].baseline_mean == 4.0
    assert spikes[0].threshold == 4.0 + 3.0 * 2.0


def test_spike_ignores_normal_noise_and_small_classes():
    start = date(2026, 3, 1)
    noisy = [10, 12, 9, 11, 10, 13, 8, 10, 11, 12, 9, 10, 11, 10, 17]
    tiny = [0] * 14 + [3]
    rows = _days(start, noisy, "payment") + _days(start, tiny, "fraud")
    assert detect_exception_spikes(pd.DataFrame(rows)) == []


def test_spike_counts_missing_days_as_zero_in_the_baseline():
    start = date(2026, 3, 1)
    rows = [
        {"exception_class": "returns", "day": start, "opened": 0},
        *_days(start + timedelta(days=14), [9], "returns"),
    ]
    spikes = detect_exception_spikes(pd.DataFrame(rows))
    assert [(s.day, s.count, s.baseline_mean) for s in spikes] == [(date(2026, 3, 15), 9, 0.0)]


def test_spike_needs_a_full_baseline_window():
    rows = _days(date(2026, 3, 1), [1, 1, 50], "inventory")
    assert detect_exception_spikes(pd.DataFrame(rows)) == []
