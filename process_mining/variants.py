"""Variants of an event log: the distinct activity sequences and how many cases follow each.

Computed from one read of the log as integer-coded arrays (:mod:`process_mining.coded_log`),
so the counts equal pm4py's ``get_variants`` on the same log: pm4py sorts events by
timestamp with a stable sort, which is exactly the contract's order (time, then arrival
``event_seq``). :func:`case_traces_query` keeps the per-case traces in SQL for the
analyses that filter or join on them there.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from process_mining.coded_log import (
    VARIANT_COLUMNS,
    VARIANT_SEPARATOR,
    compute_variants,
    load_coded_log,
)
from process_mining.event_log import EVENT_ORDER, EventLog, events_query

__all__ = [
    "VARIANT_COLUMNS",
    "VARIANT_SEPARATOR",
    "case_traces_query",
    "discover_variants",
    "get_variant_coverage",
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
    return compute_variants(load_coded_log(con, log), top_k=top_k)


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
