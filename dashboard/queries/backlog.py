"""Backlog and aging: what was open at the end of any day, how old, and how it moved."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.filters import Filters, day_end, day_start, where_clause
from dashboard.serving import query

AGING_BUCKETS: tuple[str, ...] = ("0-4h", "4-24h", "1-3d", "3-7d", "7d+")


BACKLOG_GROUPINGS: tuple[str, ...] = ("exception_type", "owning_team", "node_id")


def backlog_is_exact(filters: Filters) -> bool:
    """Whether backlog figures come from the exact daily backlog mart.

    ``fct_exception_backlog_daily`` replays every open interval (reopenings included) but is
    split only by type, team and node. With a channel, region or carrier filter the backlog
    is rebuilt from ``fct_exceptions`` as open from detection to final resolution, which
    counts a closed-then-reopened exception as open during its closed gap.
    """
    return not filters.has_order_attribute_filter


def _aging_bucket_sql(age_hours: str) -> str:
    return (
        f"CASE WHEN {age_hours} < 4 THEN '0-4h' WHEN {age_hours} < 24 THEN '4-24h' "
        f"WHEN {age_hours} < 72 THEN '1-3d' WHEN {age_hours} < 168 THEN '3-7d' ELSE '7d+' END"
    )


def get_backlog_at(filters: Filters, day: date, by: str = "exception_type") -> pd.DataFrame:
    """Exceptions open at the end of ``day`` per ``by`` value, with aging buckets.

    Returns:
        Columns ``group_value``, ``open_count``, ``past_sla_count`` and one count column per
        aging bucket (``aged_0_4h`` ... ``aged_7d_plus``), largest backlog first.
    """
    if by not in BACKLOG_GROUPINGS:
        raise ValueError(f"backlog grouping must be one of {BACKLOG_GROUPINGS}, got {by!r}")
    if backlog_is_exact(filters):
        nodes = where_clause(filters, time_column=None, dimensions=("node_id",))
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
            WHERE date_day = ? AND ({nodes.sql})
            GROUP BY 1
            HAVING sum(open_count) > 0
            ORDER BY open_count DESC, group_value
            """,
            [day, *nodes.parameters],
        )
    dims = where_clause(filters, time_column=None)
    cutoff = day_end(day)
    return query(
        f"""
        WITH open_exceptions AS (
            SELECT coalesce({by}, 'unassigned') AS group_value,
                   (epoch(?::TIMESTAMPTZ) - epoch(detected_at)) / 3600.0 AS age_hours,
                   resolution_sla_minutes
            FROM marts.fct_exceptions
            WHERE ({dims.sql}) AND detected_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)
        ),
        bucketed AS (
            SELECT group_value,
                   {_aging_bucket_sql("age_hours")} AS aging_bucket,
                   age_hours * 60 > resolution_sla_minutes AS is_past_sla
            FROM open_exceptions
        )
        SELECT group_value,
               count(*) AS open_count,
               count(*) FILTER (WHERE is_past_sla) AS past_sla_count,
               count(*) FILTER (WHERE aging_bucket = '0-4h') AS aged_0_4h,
               count(*) FILTER (WHERE aging_bucket = '4-24h') AS aged_4_24h,
               count(*) FILTER (WHERE aging_bucket = '1-3d') AS aged_1_3d,
               count(*) FILTER (WHERE aging_bucket = '3-7d') AS aged_3_7d,
               count(*) FILTER (WHERE aging_bucket = '7d+') AS aged_7d_plus
        FROM bucketed
        GROUP BY 1
        ORDER BY open_count DESC, group_value
        """,
        [cutoff, *dims.parameters, cutoff, cutoff],
    )


def get_backlog_series(filters: Filters) -> pd.DataFrame:
    """Per day of the period: backlog and past-SLA at day end, exceptions opened and closed.

    Returns:
        Columns ``date_day``, ``open_count``, ``past_sla_count``, ``opened_count``,
        ``closed_count``, one row per day of the period (zeros on quiet days).
    """
    if backlog_is_exact(filters):
        nodes = where_clause(filters, time_column=None, dimensions=("node_id",), alias="b")
        return query(
            f"""
            SELECT d.date_day,
                   coalesce(sum(b.open_count), 0) AS open_count,
                   coalesce(sum(b.past_sla_count), 0) AS past_sla_count,
                   coalesce(sum(b.opened_count + b.reopened_count), 0) AS opened_count,
                   coalesce(sum(b.closed_count), 0) AS closed_count
            FROM marts.dim_dates AS d
            LEFT JOIN marts.fct_exception_backlog_daily AS b
                ON b.date_day = d.date_day AND ({nodes.sql})
            WHERE d.date_day BETWEEN ? AND ?
            GROUP BY d.date_day
            ORDER BY d.date_day
            """,
            [*nodes.parameters, filters.start, filters.end],
        )
    dims = where_clause(filters, time_column=None, alias="e")
    # An exception is open at the end of day d when detected_at < d + 1 day <= resolved_at:
    # the days from its detection day to the day before its resolution moment's day end.
    return query(
        f"""
        WITH filtered AS (
            SELECT detected_at, resolved_at, resolution_sla_minutes
            FROM marts.fct_exceptions AS e
            WHERE ({dims.sql}) AND detected_at < ?
              AND (resolved_at IS NULL OR resolved_at >= ?)
        ),
        open_days AS (
            SELECT unnest(generate_series(
                       greatest(detected_at::DATE, ?::DATE),
                       least(
                           coalesce((resolved_at - INTERVAL 1 DAY)::DATE, ?::DATE),
                           ?::DATE
                       ),
                       INTERVAL 1 DAY
                   ))::DATE AS date_day,
                   detected_at, resolution_sla_minutes
            FROM filtered
        ),
        backlog AS (
            SELECT date_day,
                   count(*) AS open_count,
                   count(*) FILTER (
                       WHERE (epoch((date_day + INTERVAL 1 DAY)::TIMESTAMPTZ) - epoch(detected_at))
                             / 60.0 > resolution_sla_minutes
                   ) AS past_sla_count
            FROM open_days GROUP BY 1
        ),
        flows AS (
            SELECT detected_at::DATE AS date_day, count(*) AS opened_count, 0 AS closed_count
            FROM marts.fct_exceptions AS e
            WHERE ({dims.sql}) AND detected_at >= ? AND detected_at < ?
            GROUP BY 1
            UNION ALL
            SELECT resolved_at::DATE, 0, count(*)
            FROM marts.fct_exceptions AS e
            WHERE ({dims.sql}) AND resolved_at >= ? AND resolved_at < ?
            GROUP BY 1
        ),
        flow_totals AS (
            SELECT date_day, sum(opened_count) AS opened_count, sum(closed_count) AS closed_count
            FROM flows GROUP BY 1
        )
        SELECT d.date_day,
               coalesce(backlog.open_count, 0) AS open_count,
               coalesce(backlog.past_sla_count, 0) AS past_sla_count,
               coalesce(flow_totals.opened_count, 0) AS opened_count,
               coalesce(flow_totals.closed_count, 0) AS closed_count
        FROM marts.dim_dates AS d
        LEFT JOIN backlog USING (date_day)
        LEFT JOIN flow_totals USING (date_day)
        WHERE d.date_day BETWEEN ? AND ?
        ORDER BY d.date_day
        """,
        [
            *dims.parameters,
            day_end(filters.end),
            day_end(filters.start),
            filters.start,
            filters.end,
            filters.end,
            *dims.parameters,
            day_start(filters.start),
            day_end(filters.end),
            *dims.parameters,
            day_start(filters.start),
            day_end(filters.end),
            filters.start,
            filters.end,
        ],
    )


def get_oldest_open_exceptions(filters: Filters, day: date, limit: int = 200) -> pd.DataFrame:
    """The longest-open exceptions at the end of ``day`` (oldest first), for the work table."""
    dims = where_clause(filters, time_column=None)
    cutoff = day_end(day)
    return query(
        f"""
        SELECT exception_id, case_id, exception_type, owning_team, node_id, channel, carrier,
               reason_code, detected_at,
               round((epoch(?::TIMESTAMPTZ) - epoch(detected_at)) / 3600.0, 1) AS age_hours,
               (epoch(?::TIMESTAMPTZ) - epoch(detected_at)) / 60.0 > resolution_sla_minutes
                   AS is_past_sla
        FROM marts.fct_exceptions
        WHERE ({dims.sql}) AND detected_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)
        ORDER BY detected_at, exception_id
        LIMIT ?
        """,
        [cutoff, cutoff, *dims.parameters, cutoff, cutoff, limit],
    )
