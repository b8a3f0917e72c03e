"""Variants of an event log: the distinct activity sequences and how many cases follow each.

Computed in SQL (one ordered list of activities per case, then grouped), so the counts
equal pm4py's ``get_variants`` on the same log: pm4py sorts events by timestamp with a
stable sort, which is exactly the contract's order (time, then arrival ``event_seq``).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from process_mining.event_log import EVENT_ORDER, EventLog, events_query

VARIANT_SEPARATOR = " > "
"""Separator of activities in a variant's one-line label."""

VARIANT_COLUMNS = [
    "variant",
    "activities",
    "case_count",
    "case_share",
    "cumulative_share",
    "mean_throughput_seconds",
    "median_throughput_seconds",
]


def case_traces_query(log: EventLog) -> tuple[str, list]:
    """SQL with one row per kept case: ``case_id``, ``trace`` (activities in order),
    ``started_at``, ``ended_at`` and ``throughput_seconds``."""
    events, parameters = events_query(log)
    query = (
        f"SELECT case_id, list(activity ORDER BY {EVENT_ORDER}) AS trace,"
        f" min(event_at) AS started_at, max(event_at) AS ended_at,"
        f" (epoch_us(max(event_at)) - epoch_us(min(event_at))) / 1e6 AS throughput_seconds"
        f" FROM ({events}) GROUP BY case_id"
    )
    return query, parameters


def discover_variants(
    con: duckdb.DuckDBPyConnection, log: EventLog, *, top_k: int | None = None
) -> pd.DataFrame:
    """The variants of ``log``, most frequent first (ties by label).

    Args:
        con: Connection to the warehouse or the serving copy.
        log: The (filtered) event log.
        top_k: Keep only the ``top_k`` most frequent variants; shares stay relative to
            all cases.

    Returns:
        One row per variant, columns :data:`VARIANT_COLUMNS`: ``activities`` is the
        ordered list, ``variant`` its label joined by " > ", ``cumulative_share`` the
        share of cases covered by this and all more frequent variants.
    """
    traces, parameters = case_traces_query(log)
    limit = "" if top_k is None else f" LIMIT {int(top_k)}"
    query = (
        f"WITH grouped AS (SELECT trace AS activities, count(*) AS case_count,"
        f" avg(throughput_seconds) AS mean_throughput_seconds,"
        f" median(throughput_seconds) AS median_throughput_seconds"
        f" FROM ({traces}) GROUP BY trace),"
        f" labelled AS (SELECT array_to_string(activities, '{VARIANT_SEPARATOR}') AS variant, *"
        f" FROM grouped)"
        f" SELECT variant, activities, case_count,"
        f" case_count / sum(case_count) OVER () AS case_share,"
        f" sum(case_count) OVER (ORDER BY case_count DESC, variant"
        f" ROWS UNBOUNDED PRECEDING) / sum(case_count) OVER () AS cumulative_share,"
        f" mean_throughput_seconds, median_throughput_seconds"
        f" FROM labelled ORDER BY case_count DESC, variant{limit}"
    )
    frame = con.execute(query, parameters).df()
    frame["activities"] = frame["activities"].map(list)
    return frame[VARIANT_COLUMNS]


def get_variant_coverage(variants: pd.DataFrame, *, coverage: float) -> pd.DataFrame:
    """The most frequent variants that together cover at least ``coverage`` of the cases.

    Args:
        variants: Output of :func:`discover_variants` (all variants).
        coverage: Share of cases to cover, in ``(0, 1]``.
    """
    if not 0 < coverage <= 1:
        raise ValueError(f"coverage must be in (0, 1], got {coverage}")
    before = variants["cumulative_share"] - variants["case_share"]
    return variants[before < coverage - 1e-12].reset_index(drop=True)
