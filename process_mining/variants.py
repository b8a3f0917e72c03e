"""Variants of an event log: the distinct activity sequences and how many cases follow each."""

from __future__ import annotations

import pandas as pd
import pm4py

VARIANT_SEPARATOR = " > "


def discover_variants_with_pm4py(
    events: pd.DataFrame,
    *,
    case_column: str = "case_id",
    activity_column: str = "activity",
    timestamp_column: str = "event_at",
) -> pd.DataFrame:
    """Count the cases of every variant with pm4py, the reference implementation.

    ``events`` must already be in arrival order: pm4py sorts by timestamp with a stable
    sort, so ties inside a case keep that order, as the data contract requires.

    Returns:
        One row per variant: ``variant`` (activities joined by " > "), ``activities``
        (the ordered list), ``case_count`` and ``case_share``, most frequent first.

    Example:
        >>> frame = pd.DataFrame({"case_id": ["a", "a", "b"], "activity": ["x", "y", "x"],
        ...     "event_at": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-01"], utc=True)})
        >>> discover_variants_with_pm4py(frame)["case_count"].tolist()
        [1, 1]
    """
    columns = ["variant", "activities", "case_count", "case_share"]
    if events.empty:
        return pd.DataFrame(columns=columns)
    log = pm4py.format_dataframe(
        events[[case_column, activity_column, timestamp_column]].copy(),
        case_id=case_column,
        activity_key=activity_column,
        timestamp_key=timestamp_column,
    )
    counts = pm4py.get_variants(log)
    total = sum(counts.values())
    rows = [
        {
            "variant": VARIANT_SEPARATOR.join(activities),
            "activities": list(activities),
            "case_count": int(count),
            "case_share": count / total,
        }
        for activities, count in counts.items()
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["case_count", "variant"], ascending=[False, True]).reset_index(
        drop=True
    )
