"""Frequency and performance process maps, computed in SQL on the warehouse.

A process map is the directly-follows graph of the log: one edge per pair of activities
that follow each other directly inside a case, with how often (frequency, cases) and how
long the case waited between them (mean, median, 95th percentile, total). The numbers
equal pm4py's ``discover_dfg`` and ``discover_performance_dfg`` on the same log; only
the work is done by DuckDB, so it scales with the engine rather than Python memory.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from process_mining.event_log import EVENT_ORDER, EVENT_ORDER_REVERSED, EventLog, events_query

EDGE_COLUMNS = [
    "source_activity",
    "target_activity",
    "frequency",
    "case_count",
    "mean_wait_seconds",
    "median_wait_seconds",
    "p95_wait_seconds",
    "total_wait_seconds",
]


def transitions_query(log: EventLog, extra_columns: tuple[str, ...] = ()) -> tuple[str, list]:
    """SQL with one row per directly-follows pair occurrence of the kept cases.

    Columns: ``case_id``, ``source_activity``, ``target_activity``, ``source_at``,
    ``target_at``, ``wait_seconds``, ``position`` (1 for a case's first pair) and the
    ``extra_columns`` of the source event.
    """
    events, parameters = events_query(log, extra_columns)
    extras = "".join(f", {column}" for column in extra_columns)
    query = (
        f"SELECT * FROM (SELECT case_id, activity AS source_activity,"
        f" lead(activity) OVER case_order AS target_activity,"
        f" event_at AS source_at, lead(event_at) OVER case_order AS target_at,"
        f" (epoch_us(lead(event_at) OVER case_order) - epoch_us(event_at)) / 1e6"
        f" AS wait_seconds, row_number() OVER case_order AS position{extras}"
        f" FROM ({events}) WINDOW case_order AS (PARTITION BY case_id ORDER BY {EVENT_ORDER}))"
        f" WHERE target_activity IS NOT NULL"
    )
    return query, parameters


def discover_process_edges(con: duckdb.DuckDBPyConnection, log: EventLog) -> pd.DataFrame:
    """The frequency and performance process map of ``log``.

    Returns:
        One row per edge (columns :data:`EDGE_COLUMNS`), most frequent first. Waiting
        times are in seconds; ``total_wait_seconds`` is what the edge adds over all cases.

    Example:
        >>> con = duckdb.connect()
        >>> _ = con.execute("CREATE TABLE e AS SELECT * FROM (VALUES ('c1','a',TIMESTAMPTZ "
        ...     "'2026-01-01 00:00:00+00',1),('c1','b',TIMESTAMPTZ '2026-01-01 00:01:00+00',2))"
        ...     " t(case_id, activity, event_at, event_seq)")
        >>> discover_process_edges(con, EventLog(relation="e"))["mean_wait_seconds"].tolist()
        [60.0]
    """
    transitions, parameters = transitions_query(log)
    query = (
        f"SELECT source_activity, target_activity, count(*) AS frequency,"
        f" count(DISTINCT case_id) AS case_count, avg(wait_seconds) AS mean_wait_seconds,"
        f" median(wait_seconds) AS median_wait_seconds,"
        f" quantile_cont(wait_seconds, 0.95) AS p95_wait_seconds,"
        f" sum(wait_seconds) AS total_wait_seconds"
        f" FROM ({transitions}) GROUP BY ALL"
        f" ORDER BY frequency DESC, source_activity, target_activity"
    )
    return con.execute(query, parameters).df()[EDGE_COLUMNS]


def get_endpoint_activities(con: duckdb.DuckDBPyConnection, log: EventLog) -> pd.DataFrame:
    """How many cases start and end with each activity (pm4py's start/end activities).

    Returns:
        Columns ``activity``, ``start_count``, ``end_count``, ``event_count``.
    """
    events, parameters = events_query(log)
    query = (
        f"WITH ranked AS (SELECT activity,"
        f" row_number() OVER (PARTITION BY case_id ORDER BY {EVENT_ORDER}) AS from_start,"
        f" row_number() OVER (PARTITION BY case_id ORDER BY {EVENT_ORDER_REVERSED})"
        f" AS from_end FROM ({events}))"
        f" SELECT activity, count(*) FILTER (WHERE from_start = 1) AS start_count,"
        f" count(*) FILTER (WHERE from_end = 1) AS end_count, count(*) AS event_count"
        f" FROM ranked GROUP BY activity ORDER BY event_count DESC, activity"
    )
    return con.execute(query, parameters).df()


def get_bottlenecks(
    con: duckdb.DuckDBPyConnection, log: EventLog, *, top: int = 10
) -> pd.DataFrame:
    """The edges that add the most waiting time over all cases, largest first.

    Ranking by total waiting time (frequency times mean wait) puts first the handovers
    where shortening the wait saves the most order-hours, not merely the slowest rare ones.

    Returns:
        The :data:`EDGE_COLUMNS` of the ``top`` edges plus ``share_of_waiting`` (of the
        total waiting time of all edges).
    """
    edges = discover_process_edges(con, log)
    total = edges["total_wait_seconds"].sum()
    ranked = edges.sort_values(
        ["total_wait_seconds", "source_activity", "target_activity"],
        ascending=[False, True, True],
    ).head(top)
    ranked = ranked.assign(share_of_waiting=ranked["total_wait_seconds"] / total if total else 0.0)
    return ranked.reset_index(drop=True)
