"""Integration health: per-interface rates and latency, and the orders failing messages hurt."""

from __future__ import annotations

import pandas as pd

from dashboard.filters import Filters, day_end, day_start, where_clause
from dashboard.serving import query, query_derived


def get_interface_health(filters: Filters) -> pd.DataFrame:
    """Per interface over the period: calls and failure, retry, duplicate, dead-letter rates.

    Returns:
        Columns ``interface``, ``call_count``, ``failure_rate``, ``retry_rate``,
        ``duplicate_rate``, ``dead_letter_rate``, ``mean_latency_ms``, ``worst_p95_latency_ms``
        (the 95th-percentile latency of the slowest hour; a timed-out attempt counts at the
        time-out) and ``timeout_count`` (attempts that timed out).
    """
    return query(
        """
        SELECT interface,
               sum(call_count) AS call_count,
               sum(failure_count) / sum(call_count) AS failure_rate,
               sum(retry_count) / sum(call_count) AS retry_rate,
               sum(duplicate_count) / sum(call_count) AS duplicate_rate,
               sum(dead_letter_count) / sum(call_count) AS dead_letter_rate,
               sum(mean_latency_ms * call_count) / sum(call_count) AS mean_latency_ms,
               max(p95_latency_ms) AS worst_p95_latency_ms,
               sum(timeout_count) AS timeout_count
        FROM marts.agg_integration_health_hourly
        WHERE hour_at >= ? AND hour_at < ?
        GROUP BY interface
        ORDER BY failure_rate DESC, interface
        """,
        [day_start(filters.start), day_end(filters.end)],
    )


INTERFACE_METRICS: dict[str, str] = {
    "failure_rate": "sum(failure_count) / sum(call_count)",
    "retry_rate": "sum(retry_count) / sum(call_count)",
    "duplicate_rate": "sum(duplicate_count) / sum(call_count)",
    "dead_letter_rate": "sum(dead_letter_count) / sum(call_count)",
    "mean_latency_ms": "sum(mean_latency_ms * call_count) / sum(call_count)",
}
"""Daily roll-ups of the hourly interface mart (rates re-weighted by calls)."""


def get_interface_series(filters: Filters, metric: str) -> pd.DataFrame:
    """One metric per interface and day of the period.

    Returns:
        Columns ``day``, ``interface`` and ``value``.
    """
    if metric not in INTERFACE_METRICS:
        raise ValueError(f"interface metric must be one of {tuple(INTERFACE_METRICS)}")
    return query(
        f"""
        SELECT hour_at::DATE AS day, interface, {INTERFACE_METRICS[metric]} AS value
        FROM marts.agg_integration_health_hourly
        WHERE hour_at >= ? AND hour_at < ?
        GROUP BY 1, 2
        ORDER BY 1, 2
        """,
        [day_start(filters.start), day_end(filters.end)],
    )


def get_interface_impact(filters: Filters) -> pd.DataFrame:
    """Orders hurt by each interface in the period and the exceptions those orders had.

    An order is hurt by an interface when one of its messages on it, first sent in the
    period, had a failed attempt or was dead-lettered.

    Returns:
        Columns ``interface``, ``orders_hurt``, ``exceptions_on_hurt_orders``,
        ``dead_lettered_messages``, most orders first.
    """
    dims = where_clause(filters, time_column=None, alias="o")
    order_scope = (
        f"AND m.case_id IN (SELECT o.case_id FROM marts.fct_orders AS o WHERE {dims.sql})"
        if dims.parameters
        else ""
    )
    period = [day_start(filters.start), day_end(filters.end)]
    derived_dims = where_clause(filters, time_column=None)
    return query_derived(
        f"""
        WITH hurt AS (
            SELECT interface, case_id,
                   count(*) FILTER (WHERE is_dead_lettered) AS dead_lettered_messages,
                   any_value(exception_count) AS exception_count
            FROM memory.main.hurt_messages
            WHERE first_sent_at >= ? AND first_sent_at < ? AND ({derived_dims.sql})
            GROUP BY 1, 2
        )
        SELECT interface,
               count(*) AS orders_hurt,
               sum(exception_count) AS exceptions_on_hurt_orders,
               sum(dead_lettered_messages) AS dead_lettered_messages
        FROM hurt
        GROUP BY interface
        ORDER BY orders_hurt DESC, interface
        """,
        [*period, *derived_dims.parameters],
        fallback_sql=f"""
        WITH hurt AS (
            SELECT m.interface, m.case_id,
                   count(*) FILTER (WHERE m.is_dead_lettered) AS dead_lettered_messages
            FROM marts.fct_integration_messages AS m
            WHERE m.first_sent_at >= ? AND m.first_sent_at < ?
              AND (m.failed_attempt_count > 0 OR m.is_dead_lettered)
              {order_scope}
            GROUP BY 1, 2
        ),
        exceptions_per_order AS (
            SELECT case_id, count(*) AS exception_count
            FROM marts.fct_exceptions
            WHERE case_id IN (SELECT case_id FROM hurt)
            GROUP BY 1
        )
        SELECT hurt.interface,
               count(*) AS orders_hurt,
               coalesce(sum(exceptions_per_order.exception_count), 0) AS exceptions_on_hurt_orders,
               sum(hurt.dead_lettered_messages) AS dead_lettered_messages
        FROM hurt LEFT JOIN exceptions_per_order USING (case_id)
        GROUP BY hurt.interface
        ORDER BY orders_hurt DESC, hurt.interface
        """,
        fallback_parameters=[*period, *dims.parameters],
    )
