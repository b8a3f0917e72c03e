"""The overview's headline numbers against the previous period, and the current alerts."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.auth import may_see_costs
from dashboard.filters import Filters, day_end, day_start, where_clause
from dashboard.queries.backlog import get_backlog_at
from dashboard.serving import number_or_none, query


def get_period_kpis(filters: Filters) -> dict[str, float | None]:
    """The overview's headline numbers for the filters' period.

    Exceptions count in the period they were detected (cost, first response) or resolved
    (resolution time, touchless rate), as in ``mart_kpi_daily``; orders in the period they
    were created. Backlog and past-SLA share are measured at the end of the period.
    """
    return _kpis_for_periods([filters])[0]


def get_kpi_comparison(filters: Filters) -> tuple[dict[str, float | None], dict[str, float | None]]:
    """:func:`get_period_kpis` for the period and the one before it, in one scan per table."""
    current, previous = _kpis_for_periods([filters, filters.previous_period()])
    if not may_see_costs():
        current, previous = (
            {key: value for key, value in kpis.items() if "cost" not in key}
            for kpis in (current, previous)
        )
    return current, previous


def _kpis_for_periods(periods: list[Filters]) -> list[dict[str, float | None]]:
    bounds = [(day_start(period.start), day_end(period.end)) for period in periods]
    dims = where_clause(periods[0], time_column=None)
    columns: list[str] = []
    parameters: list[object] = []
    for index, (start, end) in enumerate(bounds):
        detected = "detected_at >= ? AND detected_at < ?"
        resolved = "resolved_at >= ? AND resolved_at < ?"
        columns += [
            f"count(*) FILTER (WHERE {detected}) AS detected_{index}",
            f"median(first_response_minutes) FILTER (WHERE {detected}) AS first_response_{index}",
            f"median(resolution_minutes) FILTER (WHERE {resolved}) / 60.0 AS resolution_{index}",
            f"avg(CASE WHEN is_touchless THEN 1.0 ELSE 0.0 END) FILTER (WHERE {resolved})"
            f" AS touchless_{index}",
            f"coalesce(sum(total_cost) FILTER (WHERE {detected}), 0) AS cost_{index}",
        ]
        parameters += [start, end] * 5
    scan_start, scan_end = min(b[0] for b in bounds), max(b[1] for b in bounds)
    exceptions = query(
        f"""
        SELECT {", ".join(columns)}
        FROM marts.fct_exceptions
        WHERE ({dims.sql})
          AND ((detected_at >= ? AND detected_at < ?) OR (resolved_at >= ? AND resolved_at < ?))
        """,
        [*parameters, *dims.parameters, scan_start, scan_end, scan_start, scan_end],
    ).iloc[0]
    order_columns: list[str] = []
    order_parameters: list[object] = []
    for index, (start, end) in enumerate(bounds):
        inside = "ordered_at >= ? AND ordered_at < ?"
        order_columns += [
            f"count(*) FILTER (WHERE {inside}) AS orders_{index}",
            f"avg(CASE WHEN is_on_time THEN 1.0 WHEN NOT is_on_time THEN 0.0 END)"
            f" FILTER (WHERE {inside}) AS on_time_{index}",
        ]
        order_parameters += [start, end] * 2
    orders = query(
        f"""
        SELECT {", ".join(order_columns)}
        FROM marts.fct_orders
        WHERE ({dims.sql}) AND ordered_at >= ? AND ordered_at < ?
        """,
        [*order_parameters, *dims.parameters, scan_start, scan_end],
    ).iloc[0]
    results = []
    for index, period in enumerate(periods):
        backlog = get_backlog_at(period, period.end)
        open_backlog = float(backlog["open_count"].sum()) if not backlog.empty else 0.0
        past_sla = float(backlog["past_sla_count"].sum()) if not backlog.empty else 0.0
        orders_created = float(orders[f"orders_{index}"])
        detected = float(exceptions[f"detected_{index}"])
        results.append(
            {
                "open_backlog": open_backlog,
                "past_sla_share": past_sla / open_backlog if open_backlog else None,
                "exceptions_per_1000_orders": 1000.0 * detected / orders_created
                if orders_created
                else None,
                "median_first_response_minutes": number_or_none(
                    exceptions[f"first_response_{index}"]
                ),
                "median_resolution_hours": number_or_none(exceptions[f"resolution_{index}"]),
                "touchless_rate": number_or_none(exceptions[f"touchless_{index}"]),
                "on_time_delivery_rate": number_or_none(orders[f"on_time_{index}"]),
                "exception_cost": float(exceptions[f"cost_{index}"]),
            }
        )
    return results


def get_split_shipments(filters: Filters) -> tuple[int, int]:
    """Orders created in the period that went out in several shipments, and those shipped
    at all (``fct_orders.is_split``, ``has_shipment``): the split-shipment rate, which
    process mining keeps out of rework and conformance deviations.

    Returns:
        ``(split_orders, shipped_orders)``.
    """
    condition = where_clause(filters, time_column="ordered_at")
    row = query(
        f"""
        SELECT count(*) FILTER (WHERE is_split) AS split_orders,
               count(*) FILTER (WHERE has_shipment) AS shipped_orders
        FROM marts.fct_orders
        WHERE {condition.sql}
        """,
        condition.parameters,
    ).iloc[0]
    return int(row["split_orders"]), int(row["shipped_orders"])


ALERT_FILTER_DIMENSIONS: dict[str, str] = {
    "channel": "channel",
    "region": "region",
    "node_id": "node_id",
    "node": "node_id",
    "carrier": "carrier",
}
"""The alert dimensions the global filters can narrow, and the filter that does."""


def alert_matches_filters(dimension: str, value: str, filters: Filters) -> bool:
    """Whether an alert about ``dimension = value`` belongs to what the filters show.

    An alert on a filtered dimension is kept only for a kept value (a spike at one node
    is not news on a page filtered to another); alerts on dimensions the filters do not
    narrow (interface, supplier, the whole operation) are kept.
    """
    dimension_filter = ALERT_FILTER_DIMENSIONS.get(dimension)
    if dimension_filter is None:
        return True
    kept = filters.values(dimension_filter)
    return not kept or value in kept


def get_current_alerts(filters: Filters | None = None, limit: int = 5) -> pd.DataFrame:
    """The latest spike alerts with their likely cause (echoes of another alert left out).

    With ``filters``, only alerts last raised inside the period and about what the
    filters keep (:func:`alert_matches_filters`).
    """
    period_sql, parameters = "TRUE", []
    if filters is not None and filters.start is not None and filters.end is not None:
        period_sql = "last_alert_at >= ? AND last_alert_at < ?"
        parameters = [day_start(filters.start), day_end(filters.end)]
    alerts = query(
        f"""
        SELECT dimension, value, metric, exception_type, window_hours, last_alert_at,
               observed, expected, likely_cause, is_recurring
        FROM triage.alerts
        WHERE echo_of IS NULL AND {period_sql}
        ORDER BY last_alert_at DESC, alert_id
        """,
        parameters,
    )
    if filters is not None:
        keep = [
            alert_matches_filters(str(row.dimension), str(row.value), filters)
            for row in alerts.itertuples()
        ]
        alerts = alerts[keep]
    return alerts.head(limit).reset_index(drop=True)


def get_past_sla_driver(filters: Filters, day: date) -> tuple[str, str | None, int] | None:
    """The exception type and node holding most of the backlog past its SLA at the end of
    ``day`` (what drives a missed past-SLA target), with the count; ``None`` when none is
    late."""
    dims = where_clause(filters, time_column=None)
    frame = query(
        f"""
        SELECT exception_type, node_id, sum(past_sla_count) AS past_sla_count
        FROM marts.fct_exception_backlog_daily
        WHERE date_day = ? AND ({dims.sql})
        GROUP BY 1, 2
        HAVING sum(past_sla_count) > 0
        ORDER BY past_sla_count DESC, exception_type, node_id
        LIMIT 1
        """,
        [day, *dims.parameters],
    )
    if frame.empty:
        return None
    row = frame.iloc[0]
    node = None if pd.isna(row["node_id"]) else str(row["node_id"])
    return str(row["exception_type"]), node, int(row["past_sla_count"])


def get_process_kpis(filters: Filters) -> dict[str, float | None]:
    """The process at a glance for the cases started in the filters' period.

    What an overview can say of a log that holds only case, activity and time: how many
    cases and events, how many distinct paths, and how long cases take (median and 90th
    percentile, in hours), from ``marts.fct_case_traces``.
    """
    row = query(
        """
        SELECT count(*) AS cases,
               sum(event_count) AS events,
               count(DISTINCT variant_fingerprint) AS variants,
               median(throughput_seconds) / 3600.0 AS median_hours,
               quantile_cont(throughput_seconds, 0.9) / 3600.0 AS p90_hours
        FROM marts.fct_case_traces
        WHERE first_event_at >= ? AND first_event_at < ?
        """,
        [day_start(filters.start), day_end(filters.end)],
    ).iloc[0]
    return {key: number_or_none(row[key]) for key in row.index}
