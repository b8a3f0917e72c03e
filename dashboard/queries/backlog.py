"""Backlog and aging: what was open at the end of any day, how old, and how it moved."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.filters import Filters, where_clause
from dashboard.serving import query

AGING_BUCKETS: tuple[str, ...] = ("0-4h", "4-24h", "1-3d", "3-7d", "7d+")
"""The labels of the ``aging_bucket`` macro's buckets, in age order (the chart's legend)."""

BACKLOG_GROUPINGS: tuple[str, ...] = ("exception_type", "owning_team", "node_id")


def get_backlog_at(filters: Filters, day: date, by: str = "exception_type") -> pd.DataFrame:
    """Exceptions open at the end of ``day`` per ``by`` value, with aging buckets.

    Added up from ``fct_exception_backlog_daily``, which replays every open interval
    (reopenings included) and buckets the age with the ``aging_bucket`` macro; it is split
    by every filter dimension, so each filter only narrows its rows.

    Returns:
        Columns ``group_value``, ``open_count``, ``past_sla_count`` and one count column per
        aging bucket (``aged_0_4h`` ... ``aged_7d_plus``), largest backlog first.
    """
    if by not in BACKLOG_GROUPINGS:
        raise ValueError(f"backlog grouping must be one of {BACKLOG_GROUPINGS}, got {by!r}")
    dims = where_clause(filters, time_column=None)
    return query(
        f"""
        SELECT {by} AS group_value,
               sum(open_count) AS open_count,
               sum(past_sla_count) AS past_sla_count,
               sum(aged_0_4h_count) AS aged_0_4h,
               sum(aged_4_24h_count) AS aged_4_24h,
               sum(aged_1_3d_count) AS aged_1_3d,
               sum(aged_3_7d_count) AS aged_3_7d,
               sum(aged_7d_plus_count) AS aged_7d_plus
        FROM marts.fct_exception_backlog_daily
        WHERE date_day = ? AND ({dims.sql})
        GROUP BY 1
        HAVING sum(open_count) > 0
        ORDER BY open_count DESC, group_value
        """,
        [day, *dims.parameters],
    )


def get_backlog_series(filters: Filters) -> pd.DataFrame:
    """Per day of the period: backlog and past-SLA at day end, exceptions opened and closed.

    Returns:
        Columns ``date_day``, ``open_count``, ``past_sla_count``, ``opened_count``
        (reopenings included), ``closed_count``, one row per day of the period (zeros on
        quiet days).
    """
    dims = where_clause(filters, time_column=None, alias="b")
    return query(
        f"""
        SELECT d.date_day,
               coalesce(sum(b.open_count), 0) AS open_count,
               coalesce(sum(b.past_sla_count), 0) AS past_sla_count,
               coalesce(sum(b.opened_count + b.reopened_count), 0) AS opened_count,
               coalesce(sum(b.closed_count), 0) AS closed_count
        FROM marts.dim_dates AS d
        LEFT JOIN marts.fct_exception_backlog_daily AS b
            ON b.date_day = d.date_day AND ({dims.sql})
        WHERE d.date_day BETWEEN ? AND ?
        GROUP BY d.date_day
        ORDER BY d.date_day
        """,
        [*dims.parameters, filters.start, filters.end],
    )


def get_oldest_open_exceptions(filters: Filters, day: date, limit: int = 200) -> pd.DataFrame:
    """The longest-open exceptions at the end of ``day`` (oldest first), for the work table.

    Read from ``fct_exception_open_days``, the rows the daily backlog adds up: the same
    exceptions are open (reopenings included), with the same age and past-SLA flag.

    Returns:
        Columns ``exception_id``, ``case_id``, ``exception_type``, ``owning_team``,
        ``node_id``, ``channel``, ``carrier``, ``reason_code``, ``detected_at``,
        ``age_hours`` and ``is_past_sla``.
    """
    dims = where_clause(filters, time_column=None)
    return query(
        f"""
        SELECT exception_id, case_id, exception_type, owning_team, node_id, channel, carrier,
               reason_code, detected_at, round(age_minutes / 60.0, 1) AS age_hours,
               is_past_sla
        FROM marts.fct_exception_open_days
        WHERE date_day = ? AND ({dims.sql})
        ORDER BY detected_at, exception_id
        LIMIT ?
        """,
        [day, *dims.parameters, limit],
    )
