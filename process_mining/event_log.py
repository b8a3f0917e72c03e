"""Which events an analysis reads: a relation, its column names, and case filters.

An :class:`EventLog` names a DuckDB relation holding one row per event (by default
:data:`PROCESS_EVENTS`, the staged workflow events with lifecycle transitions treated as
the ``ORDERLENS_LIFECYCLE`` setting says, the same events the process-flow marts read)
and the columns that play the roles of case, activity,
timestamp and arrival order. Filters (time frame, attribute, variant, endpoints,
performance) are added by the ``filter_...`` functions, each returning a new log, and are
applied in SQL by every analysis, so a filtered analysis of ten million events never
leaves the database.

All filters act on whole cases: a case is kept or dropped with all its events, so the
variants, edges and throughput times of the kept cases are exactly those of the full log.

Example:
    >>> log = EventLog()
    >>> log = filter_attribute(log, column="channel", values=["web"])
    >>> log = filter_endpoints(log, start_activities=["Order Created"])
    >>> len(log.case_filters)
    2
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

STAGED_WORKFLOW_EVENTS = "staging.stg_raw__workflow_events"
"""The event log every stage of orderlens shares: contract columns plus ``event_seq``."""

PROCESS_EVENTS = "intermediate.int_process_events_selected"
"""The staged events as the process flow reads them (dbt model
``int_process_events_selected``): under the default lifecycle treatment only completions
(and events without lifecycle), so a step logged as start and complete counts once. Every
analysis reads it by default, so mining agrees with the process-flow marts."""

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def quoted(identifier: str) -> str:
    """``identifier`` (optionally ``schema.table``) quoted for SQL.

    Raises:
        ValueError: the name is not a plain (dotted) identifier, so it cannot smuggle SQL.
    """
    if not _IDENTIFIER.match(identifier):
        raise ValueError(f"not a plain column or table name: {identifier!r}")
    return ".".join(f'"{part}"' for part in identifier.split("."))


class TimeFrameMode(StrEnum):
    """How a case relates to a time frame to be kept (pm4py's modes, by case)."""

    CONTAINED = "contained"
    """The whole case, first to last event, lies inside the frame."""
    INTERSECTING = "intersecting"
    """The case has at least one moment inside the frame."""
    STARTED = "started"
    """The case's first event lies inside the frame (the usual cohort of a period)."""
    ACTIVE = "active"
    """At least one event of the case lies inside the frame (it did something then)."""


@dataclass(frozen=True)
class CaseFilter:
    """One condition on the case summary (columns ``case_id``, ``trace``, ``started_at``,
    ``ended_at``, ``throughput_seconds``) or on the case's events.

    Attributes:
        condition: A SQL boolean over ``case_summary`` with ``?`` placeholders.
        parameters: Values of the placeholders, in order.
        description: The filter in words, for reports.
    """

    condition: str
    parameters: tuple[object, ...]
    description: str


@dataclass(frozen=True)
class EventLog:
    """An event log in the warehouse and the case filters applied to it.

    Attributes:
        relation: Table or view with one row per event (default :data:`PROCESS_EVENTS`).
        case_column: Case (order) identifier.
        activity_column: Activity name.
        timestamp_column: Event time (UTC).
        order_column: Arrival order breaking timestamp ties (``None`` if the relation
            has none: ties then break by activity name, which pm4py would not do).
        case_filters: Conditions every kept case satisfies.
    """

    relation: str = PROCESS_EVENTS
    case_column: str = "case_id"
    activity_column: str = "activity"
    timestamp_column: str = "event_at"
    order_column: str | None = "event_seq"
    case_filters: tuple[CaseFilter, ...] = field(default_factory=tuple)

    def describe_filters(self) -> list[str]:
        """The filters in words, in the order they were added."""
        return [case_filter.description for case_filter in self.case_filters]


EVENT_ORDER = "event_at, event_seq, activity"
"""Order of events inside a case over :func:`events_query` output: time, then arrival."""

EVENT_ORDER_REVERSED = "event_at DESC, event_seq DESC, activity DESC"
""":data:`EVENT_ORDER` backwards (last event first)."""


def _event_order(log: EventLog) -> str:
    arrival = f"{quoted(log.order_column)}, " if log.order_column else ""
    return f"{quoted(log.timestamp_column)}, {arrival}{quoted(log.activity_column)}"


def events_query(log: EventLog, extra_columns: Sequence[str] = ()) -> tuple[str, list[object]]:
    """SQL selecting the kept events, with the roles renamed to the contract names.

    The result has ``case_id``, ``activity``, ``event_at``, ``event_seq`` (arrival
    order, null when the log has none) and ``extra_columns``; order events inside a case
    by :data:`EVENT_ORDER`.

    Returns:
        The query and its parameters.
    """
    extras = "".join(f", {quoted(column)}" for column in extra_columns)
    order_value = f"{quoted(log.order_column)}::BIGINT" if log.order_column else "NULL::BIGINT"
    base = (
        f"SELECT {quoted(log.case_column)}::VARCHAR AS case_id,"
        f" {quoted(log.activity_column)}::VARCHAR AS activity,"
        f" {quoted(log.timestamp_column)} AS event_at,"
        f" {order_value} AS event_seq{extras}"
        f" FROM {quoted(log.relation)}"
    )
    if not log.case_filters:
        return base, []
    kept, parameters = kept_cases_query(log)
    query = (
        f"WITH kept_cases AS ({kept}) "
        f"SELECT base.* FROM ({base}) AS base SEMI JOIN kept_cases USING (case_id)"
    )
    return query, parameters


def kept_cases_query(log: EventLog) -> tuple[str, list[object]]:
    """SQL with one row (``case_id``) per case that every filter of ``log`` keeps.

    Returns:
        The query and its parameters.
    """
    conditions = " AND ".join(f"({case_filter.condition})" for case_filter in log.case_filters)
    parameters: list[object] = [
        value for case_filter in log.case_filters for value in case_filter.parameters
    ]
    query = (
        f"WITH case_summary AS ({case_summary_query(log)}) "
        f"SELECT case_id FROM case_summary WHERE {conditions or 'true'}"
    )
    return query, parameters


def case_summary_query(log: EventLog) -> str:
    """SQL with one row per case of the unfiltered relation: trace, start, end, duration."""
    return (
        f"SELECT {quoted(log.case_column)}::VARCHAR AS case_id,"
        f" list({quoted(log.activity_column)}::VARCHAR ORDER BY {_event_order(log)}) AS trace,"
        f" min({quoted(log.timestamp_column)}) AS started_at,"
        f" max({quoted(log.timestamp_column)}) AS ended_at,"
        f" (epoch_us(max({quoted(log.timestamp_column)}))"
        f" - epoch_us(min({quoted(log.timestamp_column)}))) / 1e6 AS throughput_seconds"
        f" FROM {quoted(log.relation)} GROUP BY 1"
    )


def _with_filter(log: EventLog, case_filter: CaseFilter) -> EventLog:
    return replace(log, case_filters=(*log.case_filters, case_filter))


def filter_time_frame(
    log: EventLog,
    *,
    start: datetime,
    end: datetime,
    mode: TimeFrameMode = TimeFrameMode.STARTED,
) -> EventLog:
    """Keep the cases related to the frame ``[start, end)`` as ``mode`` says.

    Args:
        log: The log to filter.
        start: First moment of the frame (timezone-aware).
        end: First moment after the frame.
        mode: Contained, intersecting or started in the frame.
    """
    if end <= start:
        raise ValueError(f"time frame ends ({end}) before it starts ({start})")
    conditions = {
        TimeFrameMode.CONTAINED: "started_at >= ? AND ended_at < ?",
        TimeFrameMode.INTERSECTING: "ended_at >= ? AND started_at < ?",
        TimeFrameMode.STARTED: "started_at >= ? AND started_at < ?",
        TimeFrameMode.ACTIVE: (
            f"case_id IN (SELECT {quoted(log.case_column)}::VARCHAR FROM {quoted(log.relation)}"
            f" WHERE {quoted(log.timestamp_column)} >= ? AND {quoted(log.timestamp_column)} < ?)"
        ),
    }
    return _with_filter(
        log,
        CaseFilter(
            conditions[mode],
            (start, end),
            f"cases {mode.value} in {start.isoformat()} .. {end.isoformat()}",
        ),
    )


def filter_attribute(
    log: EventLog, *, column: str, values: Sequence[str], keep: bool = True
) -> EventLog:
    """Keep (or, with ``keep=False``, drop) the cases having an event whose ``column``
    takes one of ``values``.

    Example:
        >>> filter_attribute(EventLog(), column="carrier", values=["SwiftShip"]).describe_filters()
        ['cases with carrier in [SwiftShip]']
    """
    condition = (
        f"case_id {'IN' if keep else 'NOT IN'} (SELECT {quoted(log.case_column)}::VARCHAR"
        f" FROM {quoted(log.relation)} WHERE {quoted(column)}::VARCHAR IN"
        f" (SELECT unnest(?::VARCHAR[])))"
    )
    verb = "with" if keep else "without"
    return _with_filter(
        log,
        CaseFilter(
            condition,
            (list(values),),
            f"cases {verb} {column} in [{', '.join(values)}]",
        ),
    )


def filter_variants(
    log: EventLog, *, variants: Sequence[Sequence[str]], keep: bool = True
) -> EventLog:
    """Keep (or drop) the cases following one of ``variants`` (activity sequences)."""
    condition = f"{'' if keep else 'NOT '}list_contains(?::VARCHAR[][], trace)"
    return _with_filter(
        log,
        CaseFilter(
            condition,
            ([list(variant) for variant in variants],),
            f"cases {'in' if keep else 'not in'} {len(variants)} variant(s)",
        ),
    )


def filter_endpoints(
    log: EventLog,
    *,
    start_activities: Sequence[str] | None = None,
    end_activities: Sequence[str] | None = None,
) -> EventLog:
    """Keep the cases that start with one of ``start_activities`` and end with one of
    ``end_activities`` (``None``: any)."""
    if start_activities is None and end_activities is None:
        raise ValueError("give start_activities, end_activities or both")
    conditions: list[str] = []
    parameters: list[object] = []
    words: list[str] = []
    if start_activities is not None:
        conditions.append("trace[1] IN (SELECT unnest(?::VARCHAR[]))")
        parameters.append(list(start_activities))
        words.append(f"starting with [{', '.join(start_activities)}]")
    if end_activities is not None:
        conditions.append("trace[-1] IN (SELECT unnest(?::VARCHAR[]))")
        parameters.append(list(end_activities))
        words.append(f"ending with [{', '.join(end_activities)}]")
    return _with_filter(
        log, CaseFilter(" AND ".join(conditions), tuple(parameters), "cases " + " and ".join(words))
    )


def filter_throughput(
    log: EventLog, *, min_seconds: float = 0.0, max_seconds: float | None = None
) -> EventLog:
    """Keep the cases whose throughput time (first to last event) lies in the range."""
    if max_seconds is None:
        return _with_filter(
            log,
            CaseFilter(
                "throughput_seconds >= ?",
                (min_seconds,),
                f"cases taking at least {min_seconds:g} s",
            ),
        )
    return _with_filter(
        log,
        CaseFilter(
            "throughput_seconds BETWEEN ? AND ?",
            (min_seconds, max_seconds),
            f"cases taking {min_seconds:g} .. {max_seconds:g} s",
        ),
    )
