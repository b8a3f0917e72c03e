"""Root causes: which attribute values go with slow, deviating or exception-hit cases.

For an outcome (a set of affected cases) and every value of the dimensions that
workflow events carry (channel, node, carrier, supplier, region) plus the middleware
interfaces whose messages failed for the order, the table says how many cases carry the
value (support), how many of them are affected (confidence), how much more often than
the average case (lift), and how much longer such cases take (delay). Ranked by lift
among values with enough support, it reads as simple rules: "IF carrier = SwiftShip THEN
carrier delay exception (confidence 12 %, lift 4.1)". The scoring against the
simulator's ground truth lives in :mod:`process_mining.root_cause_evaluation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from process_mining.event_log import (
    EVENT_ORDER,
    EventLog,
    events_query,
    quoted,
)

DEFAULT_DIMENSIONS = ("channel", "node_id", "carrier", "supplier", "region")
"""Workflow-event columns analysed as possible causes."""

STAGED_INTEGRATION_EVENTS = "staging.stg_raw__integration_events"
"""Middleware attempts; failed ones add the ``interface`` dimension to their order."""

INTAKE_DIMENSIONS = ("channel", "region")
"""Dimensions known when an order is placed: the only ones a surge of orders can come from."""

CASE_EXCEPTIONS_LIST = (
    "coalesce(list({'type': exception_type::VARCHAR, 'at': event_at})"
    " FILTER (WHERE exception_type IS NOT NULL), [])"
)
"""SQL aggregate of a case's exceptions as a list of ``{type, at}`` (empty when none)."""

ROOT_CAUSE_COLUMNS = [
    "dimension",
    "value",
    "case_count",
    "affected_cases",
    "support",
    "confidence",
    "lift",
    "mean_throughput_seconds",
    "delay_seconds",
    "rule",
]


@dataclass(frozen=True)
class CaseOutcome:
    """Which cases count as affected: a SQL condition over one row per case.

    The row has ``case_id``, ``trace`` (activities in order), ``throughput_seconds``,
    ``started_at`` and ``exceptions`` (a list of ``{type, at}``: every event of the case
    that carries an exception type, with its time).

    Attributes:
        condition: SQL boolean with ``?`` placeholders.
        parameters: Their values.
        description: The outcome in words ("slow (slowest 10 %)").
    """

    condition: str
    parameters: tuple[object, ...]
    description: str


def slow_cases(*, quantile: float = 0.9) -> CaseOutcome:
    """Cases slower than the ``quantile`` of throughput time of the analysed log."""
    return CaseOutcome(
        "throughput_seconds > (SELECT quantile_cont(throughput_seconds, ?) FROM cases)",
        (quantile,),
        f"slow (slowest {round((1 - quantile) * 100)} %)",
    )


def cases_with_exception(exception_type: str, *, since: datetime | None = None) -> CaseOutcome:
    """Cases that met an exception of ``exception_type`` (raised at or after ``since``).

    ``since`` matters for short causes: an eight-hour outage shows in the exceptions its
    orders met from then on, not in those they had met before.
    """
    if since is None:
        return CaseOutcome(
            "len(list_filter(exceptions, lambda e: e.type = ?)) > 0",
            (exception_type,),
            f"{exception_type} exception",
        )
    return CaseOutcome(
        "len(list_filter(exceptions, lambda e: e.type = ? AND e.at >= ?)) > 0",
        (exception_type, since),
        f"{exception_type} exception since {since:%Y-%m-%d %H:%M}",
    )


def cases_with_activity(activity: str) -> CaseOutcome:
    """Cases that performed ``activity`` (a deviation, a rework step, a cancellation)."""
    return CaseOutcome("list_contains(trace, ?)", (activity,), f"'{activity}' performed")


def cases_started_between(start: datetime, end: datetime) -> CaseOutcome:
    """Cases created inside ``[start, end)``: which values a surge of volume comes from."""
    return CaseOutcome(
        "started_at >= ? AND started_at < ?",
        (start, end),
        f"created {start:%Y-%m-%d %H:%M} .. {end:%Y-%m-%d %H:%M}",
    )


def _attributes_query(
    events: str, dimensions: tuple[str, ...], integration_relation: str | None
) -> str:
    parts = [
        f"SELECT DISTINCT case_id, '{column}' AS dimension, {quoted(column)}::VARCHAR AS value"
        f" FROM events WHERE {quoted(column)} IS NOT NULL"
        for column in dimensions
    ]
    if integration_relation:
        parts.append(
            f"SELECT DISTINCT case_id::VARCHAR AS case_id, 'interface' AS dimension,"
            f" interface AS value FROM {quoted(integration_relation)}"
            f" WHERE (status <> 'ok' OR is_dead_lettered)"
            f" AND case_id::VARCHAR IN (SELECT case_id FROM cases)"
        )
    return " UNION ALL ".join(parts)


def get_root_causes(
    con: duckdb.DuckDBPyConnection,
    log: EventLog,
    *,
    outcome: CaseOutcome,
    dimensions: tuple[str, ...] = DEFAULT_DIMENSIONS,
    integration_relation: str | None = STAGED_INTEGRATION_EVENTS,
    min_cases: int = 20,
) -> pd.DataFrame:
    """Attribute values associated with ``outcome``, strongest association first.

    Args:
        con: Connection to the warehouse.
        log: The (filtered) event log; needs the ``dimensions`` and ``exception_type``.
        outcome: Which cases count as affected.
        dimensions: Event columns analysed.
        integration_relation: Staged middleware attempts (``case_id``, the order they
            carry, ``interface``, ``status``, ``is_dead_lettered``), as dbt's staging
            model names them; ``None`` to leave interfaces out.
        min_cases: Values carried by fewer cases are left out (too little support).

    Returns:
        Columns :data:`ROOT_CAUSE_COLUMNS`, ranked by lift, then affected cases.
        ``delay_seconds`` is the mean throughput of cases with the value minus that of
        cases without it.
    """
    events, parameters = events_query(log, (*dimensions, "exception_type"))
    attributes = _attributes_query(events, dimensions, integration_relation)
    query = (
        f"WITH events AS ({events}),"
        f" cases AS (SELECT case_id, list(activity ORDER BY {EVENT_ORDER}) AS trace,"
        f" min(event_at) AS started_at,"
        f" (epoch_us(max(event_at)) - epoch_us(min(event_at))) / 1e6 AS throughput_seconds,"
        f" {CASE_EXCEPTIONS_LIST} AS exceptions FROM events GROUP BY case_id),"
        f" flagged AS (SELECT case_id, throughput_seconds, ({outcome.condition}) AS affected"
        f" FROM cases),"
        f" totals AS (SELECT count(*) AS cases, count(*) FILTER (WHERE affected) AS affected,"
        f" sum(throughput_seconds) AS throughput FROM flagged),"
        f" attributes AS ({attributes}),"
        f" per_value AS (SELECT dimension, value, count(*) AS case_count,"
        f" count(*) FILTER (WHERE affected) AS affected_cases,"
        f" avg(throughput_seconds) AS mean_throughput_seconds,"
        f" sum(throughput_seconds) AS throughput"
        f" FROM attributes JOIN flagged USING (case_id) GROUP BY dimension, value)"
        f" SELECT dimension, value, case_count, affected_cases,"
        f" case_count / totals.cases AS support,"
        f" affected_cases / case_count AS confidence,"
        f" CASE WHEN totals.affected = 0 THEN 0 ELSE (affected_cases / case_count)"
        f" / (totals.affected / totals.cases) END AS lift,"
        f" mean_throughput_seconds,"
        f" mean_throughput_seconds - CASE WHEN totals.cases = case_count THEN 0 ELSE"
        f" (totals.throughput - per_value.throughput) / (totals.cases - case_count) END"
        f" AS delay_seconds"
        f" FROM per_value, totals WHERE case_count >= ?"
        f" ORDER BY lift DESC, affected_cases DESC, dimension, value"
    )
    frame = con.execute(query, [*parameters, *outcome.parameters, min_cases]).df()
    frame["rule"] = [
        f"IF {dimension} = {value} THEN {outcome.description}"
        f" (confidence {confidence:.0%}, lift {lift:.1f})"
        for dimension, value, confidence, lift in zip(
            frame["dimension"], frame["value"], frame["confidence"], frame["lift"], strict=True
        )
    ]
    return frame[ROOT_CAUSE_COLUMNS]
