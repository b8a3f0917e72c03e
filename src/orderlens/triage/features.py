"""Point-in-time features of open exceptions: what the queue looked like at a moment.

A risk model trained on finished exceptions learns nothing useful if its features peek at
how they finished. So every feature here is computed "as of" a snapshot time ``t`` from
facts dated at or before ``t`` only: events of the exception up to ``t``, the open
intervals that contain ``t``, exceptions detected in the day or week before ``t``,
middleware attempts sent in the six hours before ``t``. The label (was the resolution SLA
eventually breached) and the time it became known travel alongside for training and
backtesting, never as a feature.

Reads ``marts.fct_exceptions`` and ``marts.fct_orders`` (attributes fixed at detection
and order creation, SLA minutes, final outcome), ``intermediate.int_exception_open_intervals``
(when each exception was open), ``staging.stg_raw__workflow_events`` (lifecycle events)
and ``staging.stg_raw__integration_events`` (middleware attempts).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import duckdb
import pandas as pd

CATEGORICAL_FEATURES: tuple[str, ...] = (
    "exception_type",
    "exception_class",
    "owning_team",
    "reason_code",
    "source_system",
    "channel",
    "region",
    "node_id",
    "carrier",
    "supplier",
)
"""Attributes fixed when the exception was detected."""

NUMERIC_FEATURES: tuple[str, ...] = (
    "minutes_open",
    "sla_elapsed_fraction",
    "minutes_to_due",
    "resolution_sla_minutes",
    "first_response_sla_minutes",
    "is_auto_resolvable_type",
    "has_first_response",
    "is_first_response_overdue",
    "events_so_far",
    "touches_so_far",
    "escalations_so_far",
    "reopens_so_far",
    "auto_retries_so_far",
    "minutes_since_last_event",
    "order_amount",
    "hours_to_promise",
    "order_other_exceptions",
    "node_open_exceptions",
    "team_open_exceptions",
    "node_opened_24h",
    "node_opened_ratio",
    "carrier_opened_24h",
    "carrier_opened_ratio",
    "supplier_opened_24h",
    "supplier_opened_ratio",
    "type_opened_24h",
    "type_opened_ratio",
    "integration_failure_rate_6h",
    "order_integration_failures",
    "hour_of_day",
    "day_of_week",
)
"""Process state, order, load, integration health and calendar at the snapshot time."""

FEATURE_COLUMNS: tuple[str, ...] = CATEGORICAL_FEATURES + NUMERIC_FEATURES
"""Every model input, in the order the model sees them."""

_SNAPSHOT_SQL = """
WITH snapshots AS (
    SELECT DISTINCT CAST(snapshot_at AS TIMESTAMPTZ) AS snapshot_at FROM triage_snapshot_times
),
exceptions AS (
    SELECT
        e.exception_id, e.case_id, e.exception_type, e.exception_class, e.owning_team,
        e.reason_code, e.source_system, e.channel, e.region, e.node_id, e.carrier,
        e.supplier, e.detected_at, e.first_response_at, e.resolved_at,
        e.resolution_sla_minutes, e.first_response_sla_minutes,
        e.is_auto_resolvable_type, e.is_resolution_sla_breached,
        e.detected_at + to_minutes(CAST(e.resolution_sla_minutes AS BIGINT)) AS due_at,
        o.order_amount, o.promised_at
    FROM marts.fct_exceptions AS e
    LEFT JOIN marts.fct_orders AS o ON e.case_id = o.case_id
    WHERE e.resolution_sla_minutes IS NOT NULL AND e.detected_at IS NOT NULL
),
open_at AS (
    SELECT DISTINCT s.snapshot_at, i.exception_id
    FROM snapshots AS s
    JOIN intermediate.int_exception_open_intervals AS i
        ON i.opened_at <= s.snapshot_at
        AND (i.closed_at IS NULL OR i.closed_at > s.snapshot_at)
),
open_exceptions AS (
    SELECT o.snapshot_at, e.*
    FROM open_at AS o JOIN exceptions AS e ON o.exception_id = e.exception_id
    WHERE e.detected_at <= o.snapshot_at
),
candidates AS (
    SELECT * FROM open_exceptions WHERE $include_breached OR snapshot_at < due_at
),
so_far AS (
    SELECT
        c.snapshot_at, c.exception_id,
        count(*) AS events_so_far,
        count(*) FILTER (WHERE ev.resource_type = 'human') AS touches_so_far,
        count(*) FILTER (WHERE ev.exception_stage = 'escalated') AS escalations_so_far,
        count(*) FILTER (WHERE ev.exception_stage = 'reopened') AS reopens_so_far,
        count(*) FILTER (WHERE ev.exception_stage = 'auto_retry') AS auto_retries_so_far,
        max(ev.event_at) AS last_event_at
    FROM candidates AS c
    JOIN staging.stg_raw__workflow_events AS ev
        ON ev.exception_id = c.exception_id AND ev.event_at <= c.snapshot_at
    GROUP BY c.snapshot_at, c.exception_id
),
node_load AS (
    SELECT snapshot_at, node_id, count(*) AS node_open_exceptions
    FROM open_exceptions GROUP BY snapshot_at, node_id
),
team_load AS (
    SELECT snapshot_at, owning_team, count(*) AS team_open_exceptions
    FROM open_exceptions GROUP BY snapshot_at, owning_team
),
opened_week AS (
    SELECT
        s.snapshot_at, e.case_id, e.node_id, e.carrier, e.supplier, e.exception_type,
        e.detected_at > s.snapshot_at - INTERVAL 1 DAY AS in_last_day
    FROM snapshots AS s
    JOIN exceptions AS e
        ON e.detected_at > s.snapshot_at - INTERVAL 7 DAY AND e.detected_at <= s.snapshot_at
),
node_recent AS (
    SELECT snapshot_at, node_id, count(*) FILTER (WHERE in_last_day) AS opened_24h,
        count(*) AS opened_7d
    FROM opened_week GROUP BY snapshot_at, node_id
),
carrier_recent AS (
    SELECT snapshot_at, carrier, count(*) FILTER (WHERE in_last_day) AS opened_24h,
        count(*) AS opened_7d
    FROM opened_week GROUP BY snapshot_at, carrier
),
supplier_recent AS (
    SELECT snapshot_at, supplier, count(*) FILTER (WHERE in_last_day) AS opened_24h,
        count(*) AS opened_7d
    FROM opened_week GROUP BY snapshot_at, supplier
),
type_recent AS (
    SELECT snapshot_at, exception_type, count(*) FILTER (WHERE in_last_day) AS opened_24h,
        count(*) AS opened_7d
    FROM opened_week GROUP BY snapshot_at, exception_type
),
order_exceptions AS (
    SELECT c.snapshot_at, c.exception_id, count(*) - 1 AS order_other_exceptions
    FROM candidates AS c
    JOIN exceptions AS e ON e.case_id = c.case_id AND e.detected_at <= c.snapshot_at
    GROUP BY c.snapshot_at, c.exception_id
),
integration AS (
    SELECT
        s.snapshot_at,
        count(*) FILTER (WHERE i.status <> 'ok') / count(*) AS integration_failure_rate_6h
    FROM snapshots AS s
    JOIN staging.stg_raw__integration_events AS i
        ON i.sent_at > s.snapshot_at - INTERVAL 6 HOUR AND i.sent_at <= s.snapshot_at
    GROUP BY s.snapshot_at
),
order_integration AS (
    SELECT c.snapshot_at, c.exception_id,
        count(*) FILTER (WHERE i.status <> 'ok') AS order_integration_failures
    FROM candidates AS c
    JOIN staging.stg_raw__integration_events AS i
        ON i.case_id = c.case_id AND i.sent_at <= c.snapshot_at
    GROUP BY c.snapshot_at, c.exception_id
)
SELECT
    c.snapshot_at, c.exception_id, c.case_id, c.detected_at, c.due_at,
    c.is_resolution_sla_breached AS will_breach,
    least(coalesce(c.resolved_at, c.due_at), c.due_at) AS outcome_known_at,
    c.snapshot_at >= c.due_at AS is_past_due,
    c.exception_type, c.exception_class, c.owning_team, c.reason_code, c.source_system,
    c.channel, c.region, c.node_id, c.carrier, c.supplier,
    epoch(c.snapshot_at - c.detected_at) / 60.0 AS minutes_open,
    epoch(c.snapshot_at - c.detected_at) / 60.0 / c.resolution_sla_minutes
        AS sla_elapsed_fraction,
    epoch(c.due_at - c.snapshot_at) / 60.0 AS minutes_to_due,
    CAST(c.resolution_sla_minutes AS DOUBLE) AS resolution_sla_minutes,
    CAST(c.first_response_sla_minutes AS DOUBLE) AS first_response_sla_minutes,
    CAST(coalesce(c.is_auto_resolvable_type, false) AS INTEGER) AS is_auto_resolvable_type,
    CAST(coalesce(c.first_response_at <= c.snapshot_at, false) AS INTEGER)
        AS has_first_response,
    CAST(
        coalesce(c.first_response_at <= c.snapshot_at, false) = false
        AND epoch(c.snapshot_at - c.detected_at) / 60.0 > c.first_response_sla_minutes
        AS INTEGER
    ) AS is_first_response_overdue,
    coalesce(f.events_so_far, 0) AS events_so_far,
    coalesce(f.touches_so_far, 0) AS touches_so_far,
    coalesce(f.escalations_so_far, 0) AS escalations_so_far,
    coalesce(f.reopens_so_far, 0) AS reopens_so_far,
    coalesce(f.auto_retries_so_far, 0) AS auto_retries_so_far,
    epoch(c.snapshot_at - coalesce(f.last_event_at, c.detected_at)) / 60.0
        AS minutes_since_last_event,
    c.order_amount,
    epoch(c.promised_at - c.snapshot_at) / 3600.0 AS hours_to_promise,
    coalesce(oe.order_other_exceptions, 0) AS order_other_exceptions,
    coalesce(nl.node_open_exceptions, 0) AS node_open_exceptions,
    coalesce(tl.team_open_exceptions, 0) AS team_open_exceptions,
    coalesce(nr.opened_24h, 0) AS node_opened_24h,
    coalesce(nr.opened_24h, 0) / (coalesce(nr.opened_7d, 0) / 7.0 + 1.0) AS node_opened_ratio,
    coalesce(cr.opened_24h, 0) AS carrier_opened_24h,
    coalesce(cr.opened_24h, 0) / (coalesce(cr.opened_7d, 0) / 7.0 + 1.0)
        AS carrier_opened_ratio,
    coalesce(sr.opened_24h, 0) AS supplier_opened_24h,
    coalesce(sr.opened_24h, 0) / (coalesce(sr.opened_7d, 0) / 7.0 + 1.0)
        AS supplier_opened_ratio,
    coalesce(yr.opened_24h, 0) AS type_opened_24h,
    coalesce(yr.opened_24h, 0) / (coalesce(yr.opened_7d, 0) / 7.0 + 1.0) AS type_opened_ratio,
    coalesce(ig.integration_failure_rate_6h, 0.0) AS integration_failure_rate_6h,
    coalesce(oi.order_integration_failures, 0) AS order_integration_failures,
    hour(c.snapshot_at) AS hour_of_day,
    isodow(c.snapshot_at) AS day_of_week
FROM candidates AS c
LEFT JOIN so_far AS f ON f.snapshot_at = c.snapshot_at AND f.exception_id = c.exception_id
LEFT JOIN order_exceptions AS oe
    ON oe.snapshot_at = c.snapshot_at AND oe.exception_id = c.exception_id
LEFT JOIN node_load AS nl
    ON nl.snapshot_at = c.snapshot_at AND nl.node_id = c.node_id
LEFT JOIN team_load AS tl
    ON tl.snapshot_at = c.snapshot_at AND tl.owning_team = c.owning_team
LEFT JOIN node_recent AS nr
    ON nr.snapshot_at = c.snapshot_at AND nr.node_id = c.node_id
LEFT JOIN carrier_recent AS cr
    ON cr.snapshot_at = c.snapshot_at AND cr.carrier = c.carrier
LEFT JOIN supplier_recent AS sr
    ON sr.snapshot_at = c.snapshot_at AND sr.supplier = c.supplier
LEFT JOIN type_recent AS yr
    ON yr.snapshot_at = c.snapshot_at AND yr.exception_type = c.exception_type
LEFT JOIN integration AS ig ON ig.snapshot_at = c.snapshot_at
LEFT JOIN order_integration AS oi
    ON oi.snapshot_at = c.snapshot_at AND oi.exception_id = c.exception_id
ORDER BY c.snapshot_at, c.exception_id
"""


def snapshot_times(start: datetime, end: datetime, *, every: timedelta) -> list[datetime]:
    """Regular scoring moments from ``start`` up to ``end`` (both included when aligned).

    Args:
        start: First moment (timezone-aware).
        end: Last moment allowed.
        every: Spacing; the queue is imagined to be re-scored this often.
    """
    if every <= timedelta(0):
        raise ValueError(f"every must be positive, got {every}")
    times: list[datetime] = []
    moment = start
    while moment <= end:
        times.append(moment)
        moment += every
    return times


def history_window(con: duckdb.DuckDBPyConnection) -> tuple[datetime, datetime]:
    """First detection and the warehouse's "now" (``as_of_at``) in ``marts.fct_exceptions``.

    Raises:
        ValueError: the warehouse holds no exception.
    """
    rows = con.execute(
        "SELECT min(detected_at), max(as_of_at) FROM marts.fct_exceptions"
    ).fetchall()
    row = rows[0]
    if row[0] is None:
        raise ValueError("marts.fct_exceptions holds no exception to learn from or score")
    return row[0], row[1]


def build_snapshots(
    con: duckdb.DuckDBPyConnection,
    times: Sequence[datetime],
    *,
    include_past_due: bool = False,
) -> pd.DataFrame:
    """The open exceptions at each moment in ``times``, with their features as of then.

    Args:
        con: A warehouse connection with the marts, intermediate and staging tables.
        times: Snapshot moments (timezone-aware).
        include_past_due: Keep exceptions already past their resolution due time (their
            breach is certain). Training and backtests leave them out: there is nothing
            left to predict.

    Returns:
        One row per (``snapshot_at``, ``exception_id``) with :data:`FEATURE_COLUMNS`,
        ``will_breach`` (final outcome), ``outcome_known_at`` (when that outcome was
        settled: resolution or due time), ``is_past_due``, ``detected_at``, ``due_at`` and
        ``case_id``. Categorical features are strings, missing ones ``None``.
    """
    frame = pd.DataFrame({"snapshot_at": pd.to_datetime(list(times), utc=True)})
    con.register("triage_snapshot_times", frame)
    try:
        result = con.execute(
            _SNAPSHOT_SQL.replace("$include_breached", "true" if include_past_due else "false")
        ).df()
    finally:
        con.unregister("triage_snapshot_times")
    for column in CATEGORICAL_FEATURES:
        result[column] = result[column].astype("object").where(result[column].notna(), None)
    for column in NUMERIC_FEATURES:
        result[column] = result[column].astype("float64")
    result["will_breach"] = result["will_breach"].astype("bool")
    return result


def with_known_outcome(snapshots: pd.DataFrame, cutoff: datetime) -> pd.DataFrame:
    """Rows taken before ``cutoff`` whose outcome was settled by ``cutoff``.

    A model trained at ``cutoff`` can only learn from these: an exception still open and
    not yet due at the cutoff has no label yet.
    """
    keep = (snapshots["snapshot_at"] < cutoff) & (snapshots["outcome_known_at"] <= cutoff)
    return snapshots.loc[keep].reset_index(drop=True)
