"""Rework and loops: activities a case repeats, and ping-pong between activities or teams.

Repetition is the plainest sign of rework (a pick done twice, an approval asked again);
ping-pong (A, then B, then A again, directly) shows work handed back and forth.

A repetition is rework only when it repeats on the same object. An order shipped in two
shipments is picked, packed and dispatched twice, once per shipment: that is a split
shipment, not work done again, and it is reported as such (:func:`get_split_shipments`).
So executions are counted per (case, activity, object), the object being the event's
values in :data:`REWORK_OBJECT_COLUMNS` (order line, shipment, payment, return) taken
together; an event naming none of them belongs to its case alone. A log without those
columns (most real exports) is counted per case, exactly as pm4py's
``get_rework_cases_per_activity`` does. The exception id is deliberately not an object
here: an exception records a problem with the order, its line, shipment or payment, so
a second exception of the same kind on the same thing is that thing's problem recurring.

Between teams, ping-pong is measured on handovers (:func:`get_team_ping_pong`): the
contract has no team column, and ``resource`` names a person, a bot or a system, so the
department is taken from ``source_system`` (OMS, WMS, TMS, PAYMENT, ERP, MIDDLEWARE, ...),
present on every event and standing for the team that runs the system. The exception
taxonomy's ``owning_team`` was not used: it exists only for exception events, so it
cannot place the ordinary steps of a case, and mixing it with systems would invent
handovers between a team and its own system.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from process_mining.event_log import EVENT_ORDER, EventLog, events_query, quoted

REWORK_OBJECT_COLUMNS: tuple[str, ...] = ("order_line_id", "shipment_id", "payment_id", "return_id")
"""Contract columns naming the object a step is done to; a step repeated on another
object (the second shipment packed) is not rework. Columns the log lacks are ignored."""

SHIPMENT_COLUMN = "shipment_id"
"""The contract column naming an order's shipment (package)."""


def present_object_columns(
    con: duckdb.DuckDBPyConnection,
    log: EventLog,
    object_columns: Sequence[str] = REWORK_OBJECT_COLUMNS,
) -> tuple[str, ...]:
    """The ``object_columns`` that the log's relation has, in the order given."""
    query = f"SELECT * FROM {quoted(log.relation)} LIMIT 0"
    names = {column[0] for column in con.execute(query).description}
    return tuple(column for column in object_columns if column in names)


def _object_events(
    con: duckdb.DuckDBPyConnection, log: EventLog, object_columns: Sequence[str]
) -> tuple[str, list[object], str]:
    """The log's events with the object columns it has, the query's parameters, and the
    columns naming one activity's object within a case (case, activity, each object
    column): the grain rework is counted at."""
    objects = present_object_columns(con, log, object_columns)
    events, parameters = events_query(log, objects)
    object_key = ", ".join(["case_id", "activity", *(quoted(column) for column in objects)])
    return events, parameters, object_key


def object_executions_query(
    con: duckdb.DuckDBPyConnection,
    log: EventLog,
    object_columns: Sequence[str] = REWORK_OBJECT_COLUMNS,
) -> tuple[str, list[object]]:
    """SQL numbering each event's execution of its activity, per object and per case.

    The result has the columns of :func:`process_mining.event_log.events_query` and
    ``object_execution`` (1 for the first execution of the activity on the event's
    object, 2 for the second: rework) and ``case_execution`` (the same counted over the
    whole case). An event with ``object_execution = 1`` and ``case_execution > 1`` does
    the step to a further object of the case, such as a second shipment.

    Returns:
        The query and its parameters.
    """
    events, parameters, object_key = _object_events(con, log, object_columns)
    query = (
        f"SELECT *, row_number() OVER (PARTITION BY {object_key} ORDER BY {EVENT_ORDER})"
        f" AS object_execution, row_number() OVER (PARTITION BY case_id, activity"
        f" ORDER BY {EVENT_ORDER}) AS case_execution FROM ({events})"
    )
    return query, parameters


def get_rework(
    con: duckdb.DuckDBPyConnection,
    log: EventLog,
    *,
    object_columns: Sequence[str] = REWORK_OBJECT_COLUMNS,
) -> pd.DataFrame:
    """Activities that cases perform more than once on the same object.

    Args:
        con: Connection to the warehouse or the serving copy.
        log: The (filtered) event log.
        object_columns: Event columns naming the object a step is done to (see the
            module docstring); ``()`` counts every repetition in a case, as pm4py does.

    Returns:
        One row per activity some case repeats on one object: ``activity``,
        ``case_count`` (cases doing it at all), ``rework_cases`` (repeating it),
        ``rework_share`` (their share), ``extra_executions`` (executions beyond the
        first on each object, summed over cases); most extra executions first.
    """
    events, parameters, object_key = _object_events(con, log, object_columns)
    query = (
        f"WITH per_object AS (SELECT case_id, activity, count(*) AS executions"
        f" FROM ({events}) GROUP BY {object_key}),"
        f" per_case AS (SELECT case_id, activity, sum(executions - 1) AS extra"
        f" FROM per_object GROUP BY case_id, activity)"
        f" SELECT activity, count(*) AS case_count,"
        f" count(*) FILTER (WHERE extra > 0) AS rework_cases,"
        f" count(*) FILTER (WHERE extra > 0) / count(*) AS rework_share,"
        f" sum(extra)::BIGINT AS extra_executions"
        f" FROM per_case GROUP BY activity HAVING rework_cases > 0"
        f" ORDER BY extra_executions DESC, activity"
    )
    return con.execute(query, parameters).df()


def count_rework_cases(
    con: duckdb.DuckDBPyConnection,
    log: EventLog,
    *,
    object_columns: Sequence[str] = REWORK_OBJECT_COLUMNS,
) -> int:
    """Cases repeating at least one activity on the same object (see :func:`get_rework`)."""
    events, parameters, object_key = _object_events(con, log, object_columns)
    query = (
        f"SELECT count(DISTINCT case_id) FROM (SELECT case_id FROM ({events})"
        f" GROUP BY {object_key} HAVING count(*) > 1)"
    )
    return int(con.execute(query, parameters).fetchall()[0][0])


@dataclass(frozen=True)
class SplitShipments:
    """Orders sent in more than one shipment: the repetition that is not rework.

    Attributes:
        shipped_cases: Cases with at least one shipment (an event naming a shipment).
        split_cases: Cases with two or more distinct shipments.
        split_rate: ``split_cases / shipped_cases``; ``None`` when no case has a
            shipment or the log has no shipment column (``has_shipments`` says which).
        has_shipments: The log has a shipment column at all.
    """

    shipped_cases: int
    split_cases: int
    split_rate: float | None
    has_shipments: bool


def get_split_shipments(
    con: duckdb.DuckDBPyConnection, log: EventLog, *, shipment_column: str = SHIPMENT_COLUMN
) -> SplitShipments:
    """How many cases were shipped, and how many of them in several shipments.

    The same definition as ``marts.fct_orders`` (``has_shipment``, ``is_split``), here
    on a filtered log so the report's figure follows its filters.
    """
    if not present_object_columns(con, log, (shipment_column,)):
        return SplitShipments(0, 0, None, has_shipments=False)
    events, parameters = events_query(log, (shipment_column,))
    query = (
        f"SELECT count(*), count(*) FILTER (WHERE shipments > 1) FROM"
        f" (SELECT case_id, count(DISTINCT {quoted(shipment_column)}) AS shipments"
        f" FROM ({events}) WHERE {quoted(shipment_column)} IS NOT NULL GROUP BY case_id)"
    )
    shipped, split = con.execute(query, parameters).fetchall()[0]
    rate = split / shipped if shipped else None
    return SplitShipments(int(shipped), int(split), rate, has_shipments=True)


def get_ping_pong(
    con: duckdb.DuckDBPyConnection, log: EventLog, *, column: str = "activity"
) -> pd.DataFrame:
    """Direct back-and-forth in ``column``: three consecutive events valued A, B, A.

    Args:
        con: Connection to the warehouse or the serving copy.
        log: The (filtered) event log.
        column: ``activity`` for activity loops, or an event column such as
            ``resource`` for hand-backs between people or teams.

    Returns:
        ``first``, ``second``, ``occurrences`` and ``case_count``, most cases first.
    """
    extra = () if column == "activity" else (column,)
    events, parameters = events_query(log, extra)
    value = "activity" if column == "activity" else quoted(column)
    query = (
        f"WITH steps AS (SELECT case_id, {value}::VARCHAR AS value,"
        f" lead({value}::VARCHAR, 1) OVER case_order AS second,"
        f" lead({value}::VARCHAR, 2) OVER case_order AS third"
        f" FROM ({events}) WINDOW case_order AS (PARTITION BY case_id ORDER BY {EVENT_ORDER}))"
        f" SELECT value AS first, second, count(*) AS occurrences,"
        f" count(DISTINCT case_id) AS case_count FROM steps"
        f" WHERE third = value AND second <> value GROUP BY ALL"
        f" ORDER BY case_count DESC, occurrences DESC, first, second"
    )
    return con.execute(query, parameters).df()


TEAM_COLUMN = "source_system"
"""The event column standing for the team (department) that handles an event."""


def get_team_ping_pong(
    con: duckdb.DuckDBPyConnection, log: EventLog, *, team_column: str = TEAM_COLUMN
) -> pd.DataFrame:
    """Work handed from team A to team B and back to A, counted on handovers.

    Consecutive events of the same team form one stint (OMS, WMS, WMS, OMS is a
    ping-pong between OMS and WMS, whatever the number of steps in WMS); events without
    a team are left out.

    Args:
        con: Connection to the warehouse or the serving copy.
        log: The (filtered) event log.
        team_column: Event column naming the team; :data:`TEAM_COLUMN` by default.

    Returns:
        ``first_team`` (handing over and getting the work back), ``second_team``,
        ``occurrences``, ``case_count`` and ``mean_away_seconds`` (from the last event
        of A before the handover to the first event of A after it), most cases first.
    """
    events, parameters = events_query(log, (team_column,))
    query = (
        f"WITH teamed AS (SELECT case_id, {quoted(team_column)}::VARCHAR AS team,"
        f" event_at, event_seq, activity FROM ({events})"
        f" WHERE {quoted(team_column)} IS NOT NULL),"
        f" marked AS (SELECT *, (team IS DISTINCT FROM lag(team) OVER case_order)::INTEGER"
        f" AS is_handover FROM teamed WINDOW case_order AS (PARTITION BY case_id"
        f" ORDER BY {EVENT_ORDER})),"
        f" numbered AS (SELECT *, sum(is_handover) OVER (PARTITION BY case_id"
        f" ORDER BY {EVENT_ORDER} ROWS UNBOUNDED PRECEDING) AS stint FROM marked),"
        f" stints AS (SELECT case_id, stint, any_value(team) AS team,"
        f" min(event_at) AS started_at, max(event_at) AS ended_at"
        f" FROM numbered GROUP BY case_id, stint),"
        f" bounces AS (SELECT case_id, team AS first_team,"
        f" lead(team, 1) OVER stint_order AS second_team,"
        f" lead(team, 2) OVER stint_order AS returning_team,"
        f" (epoch_us(lead(started_at, 2) OVER stint_order) - epoch_us(ended_at)) / 1e6"
        f" AS away_seconds"
        f" FROM stints WINDOW stint_order AS (PARTITION BY case_id ORDER BY stint))"
        f" SELECT first_team, second_team, count(*) AS occurrences,"
        f" count(DISTINCT case_id) AS case_count, avg(away_seconds) AS mean_away_seconds"
        f" FROM bounces WHERE returning_team = first_team GROUP BY ALL"
        f" ORDER BY case_count DESC, occurrences DESC, first_team, second_team"
    )
    return con.execute(query, parameters).df()
