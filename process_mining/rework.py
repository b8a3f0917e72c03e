"""Rework and loops: activities a case repeats, and ping-pong between activities or teams.

Repetition is the plainest sign of rework (a pick done twice, an approval asked again);
ping-pong (A, then B, then A again, directly) shows work handed back and forth.

Between teams, ping-pong is measured on handovers (:func:`get_team_ping_pong`): the
contract has no team column, and ``resource`` names a person, a bot or a system, so the
department is taken from ``source_system`` (OMS, WMS, TMS, PAYMENT, ERP, MIDDLEWARE, ...),
present on every event and standing for the team that runs the system. The exception
taxonomy's ``owning_team`` was not used: it exists only for exception events, so it
cannot place the ordinary steps of a case, and mixing it with systems would invent
handovers between a team and its own system.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from process_mining.event_log import EVENT_ORDER, EventLog, events_query, quoted


def get_rework(con: duckdb.DuckDBPyConnection, log: EventLog) -> pd.DataFrame:
    """Activities that cases perform more than once.

    Returns:
        One row per activity done twice or more in some case: ``activity``,
        ``case_count`` (cases doing it at all), ``rework_cases`` (doing it twice or
        more), ``rework_share`` (their share), ``extra_executions`` (executions beyond
        the first, summed over cases); most extra executions first.
    """
    events, parameters = events_query(log)
    query = (
        f"WITH per_case AS (SELECT case_id, activity, count(*) AS executions"
        f" FROM ({events}) GROUP BY ALL)"
        f" SELECT activity, count(*) AS case_count,"
        f" count(*) FILTER (WHERE executions > 1) AS rework_cases,"
        f" count(*) FILTER (WHERE executions > 1) / count(*) AS rework_share,"
        f" sum(executions - 1)::BIGINT AS extra_executions"
        f" FROM per_case GROUP BY activity HAVING rework_cases > 0"
        f" ORDER BY extra_executions DESC, activity"
    )
    return con.execute(query, parameters).df()


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
