"""Quick date ranges count back from the data's last day, never from today's date."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.queries.filter_bar import QUICK_RANGES, DataPeriod, quick_range

PERIOD = DataPeriod(first_day=date(2025, 11, 20), last_day=date(2026, 3, 31), as_of_at=None)


@pytest.mark.parametrize(
    ("key", "expected_start"),
    [
        ("7d", date(2026, 3, 25)),
        ("30d", date(2026, 3, 2)),
        ("90d", date(2026, 1, 1)),
        ("qtd", date(2026, 1, 1)),
        ("all", date(2025, 11, 20)),
    ],
)
def test_quick_range_ends_on_the_data_last_day(key, expected_start):
    assert quick_range(key, PERIOD) == (expected_start, date(2026, 3, 31))


def test_quick_range_never_starts_before_the_data():
    short = DataPeriod(first_day=date(2026, 3, 20), last_day=date(2026, 3, 31), as_of_at=None)
    assert quick_range("90d", short) == (date(2026, 3, 20), date(2026, 3, 31))
    assert quick_range("qtd", short) == (date(2026, 3, 20), date(2026, 3, 31))


def test_quick_range_quarter_to_date_in_the_fourth_quarter():
    autumn = DataPeriod(first_day=date(2025, 1, 1), last_day=date(2025, 11, 5), as_of_at=None)
    assert quick_range("qtd", autumn) == (date(2025, 10, 1), date(2025, 11, 5))


def test_quick_range_rejects_an_unknown_key_and_labels_every_known_one():
    with pytest.raises(ValueError, match="unknown quick range 'yesterday'"):
        quick_range("yesterday", PERIOD)
    assert set(QUICK_RANGES) == {"7d", "30d", "90d", "qtd", "all"}
