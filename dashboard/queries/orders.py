"""One order's summary, workflow events, integration messages and exceptions."""

from __future__ import annotations

import pandas as pd

from dashboard.serving import query, without_costs

ORDER_SUMMARY_COLUMNS: tuple[str, ...] = (
    "case_id",
    "order_status",
    "channel",
    "region",
    "node_id",
    "nodes",
    "carrier",
    "first_event_at",
    "last_event_at",
    "event_count",
    "ordered_at",
    "promised_at",
    "fulfilled_at",
    "is_on_time",
    "is_cancelled",
    "exception_count",
    "exception_cost",
)
"""The ``fct_orders`` columns of an order's summary: turning a row into a DataFrame costs
about half a millisecond per column, so the 46-column row is not read whole."""


def get_order(case_id: str) -> pd.DataFrame:
    """One order's summary row from ``fct_orders`` (empty when unknown)."""
    columns = ", ".join(ORDER_SUMMARY_COLUMNS)
    return without_costs(
        query(f"SELECT {columns} FROM marts.fct_orders WHERE case_id = ?", [case_id])
    )


def get_order_events(case_id: str) -> pd.DataFrame:
    """One order's workflow events in case order, rebuilt from its directly-follows pairs.

    Returns:
        Columns ``event_id``, ``activity``, ``event_at``, ``event_seq``.
    """
    return query(
        """
        SELECT source_event_id AS event_id, source_activity AS activity,
               source_at AS event_at, source_event_seq AS event_seq
        FROM marts.fct_case_transitions
        WHERE case_id = ? AND transition_index = 1
        UNION ALL
        SELECT target_event_id, target_activity, target_at, target_event_seq
        FROM marts.fct_case_transitions
        WHERE case_id = ?
        ORDER BY event_at, event_seq
        """,
        [case_id, case_id],
    )


def get_order_messages(case_id: str) -> pd.DataFrame:
    """One order's integration messages, first sent first."""
    return query(
        """
        SELECT idempotency_key, interface, source_system, target_system, operation,
               first_sent_at, last_sent_at, attempt_count, failed_attempt_count,
               final_status, is_dead_lettered, is_replayed, has_duplicate_delivery,
               delivery_latency_ms
        FROM marts.fct_integration_messages
        WHERE case_id = ?
        ORDER BY first_sent_at, idempotency_key
        """,
        [case_id],
    )


def get_order_exceptions(case_id: str) -> pd.DataFrame:
    """One order's exceptions, first detected first (without cost for roles that may not
    see it)."""
    exceptions = query(
        """
        SELECT exception_id, exception_type, owning_team, reason_code, source_system, status,
               detected_at, first_response_at, resolved_at, touch_count, escalation_count,
               reopen_count, is_resolution_sla_breached, total_cost
        FROM marts.fct_exceptions
        WHERE case_id = ?
        ORDER BY detected_at, exception_id
        """,
        [case_id],
    )
    return without_costs(exceptions)
