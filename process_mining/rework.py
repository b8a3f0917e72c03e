"""Rework and loops: activities a case repeats, and ping-pong between activities or teams.

Repetition is the plainest sign of rework (a pick done twice, an approval asked again);
ping-pong (A, then B, then A again, directly) shows work handed back and forth, for
example between two teams when the ``resource`` column is analysed.
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
