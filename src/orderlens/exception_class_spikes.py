"""Spike alerts: an exception class opening far more exceptions than usual on one day.

Daily counts of rare events are roughly Poisson, whose variance equals its mean, so a day
is a spike when its count exceeds the trailing mean by ``sigmas`` standard deviations
(``sqrt(mean)``) and by a minimum count that keeps tiny classes from crying wolf.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pandas as pd


@dataclass(frozen=True)
class Spike:
    """One class on one day, opened far above its trailing baseline."""

    exception_class: str
    day: date
    count: int
    baseline_mean: float
    threshold: float


def detect_exception_spikes(
    daily_counts: pd.DataFrame,
    *,
    baseline_days: int = 14,
    sigmas: float = 3.0,
    min_count: int = 5,
    class_column: str = "exception_class",
    day_column: str = "day",
    count_column: str = "opened",
) -> list[Spike]:
    """Find the days on which a class opened far more exceptions than in the days before.

    Args:
        daily_counts: One row per class and day with the number opened; days with no row
            count as zero.
        baseline_days: Length of the trailing window the day is compared with.
        sigmas: How many Poisson standard deviations above the mean make a spike.
        min_count: The smallest count that can be a spike.

    Returns:
        The spikes, oldest first; only days with a full trailing window are judged.
    """
    if daily_counts.empty:
        return []
    frame = daily_counts[[class_column, day_column, count_column]].copy()
    frame[day_column] = pd.to_datetime(frame[day_column]).dt.normalize()
    all_days = pd.date_range(frame[day_column].min(), frame[day_column].max(), freq="D")
    spikes: list[Spike] = []
    for exception_class, rows in frame.groupby(class_column):
        series = rows.groupby(day_column)[count_column].sum().reindex(all_days, fill_value=0)
        baseline = series.shift(1).rolling(baseline_days, min_periods=baseline_days).mean()
        for day, count in series.items():
            mean = baseline[day]
            if pd.isna(mean):
                continue
            threshold = mean + sigmas * math.sqrt(max(mean, 1.0))
            if count >= min_count and count > threshold:
                spikes.append(
                    Spike(str(exception_class), day.date(), int(count), float(mean), threshold)
                )
    return sorted(spikes, key=lambda spike: (spike.day, spike.exception_class))
