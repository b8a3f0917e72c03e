"""Service and waiting time per activity, where the log records when steps start.

A directly-follows wait (the process map's edges) runs from one event to the next, so on
a log with START and COMPLETE transitions it mixes the time a step waited for someone
with the time someone worked on it. The dbt view ``int_activity_instances_paired``
pairs every completion with its start (first in, first out per case and activity, as
pm4py's ``interval_lifecycle.to_interval``) and times both: service from start to
completion, waiting from the case's previous completion to the start. This module
aggregates those instances for the cases an :class:`~process_mining.event_log.EventLog`
keeps, so a filtered report shows the same split; the ``agg_activity_times`` mart holds
the unfiltered figures.

Instances are read under their plain activity names whatever the lifecycle treatment:
pairing needs both transitions, which ``completions`` leaves out of the process events.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from process_mining.event_log import EventLog, kept_cases_query, quoted

ACTIVITY_INSTANCES = "intermediate.int_activity_instances_paired"
"""The dbt view of paired activity instances (one row per completion)."""

ACTIVITY_TIME_COLUMNS = [
    "activity",
    "instance_count",
    "timed_instance_count",
    "mean_service_seconds",
    "median_service_seconds",
    "total_service_seconds",
    "waited_instance_count",
    "mean_waiting_seconds",
    "median_waiting_seconds",
    "total_waiting_seconds",
]
"""Columns of :func:`get_activity_times`, one row per activity."""


def has_activity_instances(
    con: duckdb.DuckDBPyConnection, relation: str = ACTIVITY_INSTANCES
) -> bool:
    """Whether the connection holds the paired instances (a warehouse built by dbt)."""
    schema, name = relation.split(".")
    found = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE schema_name = ? AND view_name = ?",
        [schema, name],
    ).fetchone()
    tables = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [schema, name],
    ).fetchone()
    return bool((found and found[0]) or (tables and tables[0]))


def get_activity_times(
    con: duckdb.DuckDBPyConnection, log: EventLog, *, relation: str = ACTIVITY_INSTANCES
) -> pd.DataFrame:
    """Service and waiting time of each activity over the cases ``log`` keeps.

    Args:
        con: Connection to the warehouse.
        log: The (filtered) event log; only its case filters are used.
        relation: Paired activity instances (columns ``case_id``, ``activity``,
            ``service_seconds``, ``waiting_seconds``).

    Returns:
        :data:`ACTIVITY_TIME_COLUMNS`, most total service time first (then by name);
        the time statistics are null for an activity never seen starting.

    Example:
        >>> import duckdb
        >>> con = duckdb.connect()
        >>> _ = con.execute("CREATE TABLE i AS SELECT * FROM (VALUES ('c1', 'a', 60.0, NULL),"
        ...     " ('c1', 'b', 30.0, 15.0)) t(case_id, activity, service_seconds, waiting_seconds)")
        >>> get_activity_times(con, EventLog(relation="e"), relation="i")["activity"].tolist()
        ['a', 'b']
    """
    instances = f"SELECT * FROM {quoted(relation)}"
    parameters: list[object] = []
    if log.case_filters:
        kept, parameters = kept_cases_query(log)
        instances = f"WITH kept_cases AS ({kept}) {instances} SEMI JOIN kept_cases USING (case_id)"
    query = (
        f"SELECT activity, count(*) AS instance_count,"
        f" count(service_seconds) AS timed_instance_count,"
        f" avg(service_seconds) AS mean_service_seconds,"
        f" quantile_cont(service_seconds, 0.5) AS median_service_seconds,"
        f" sum(service_seconds) AS total_service_seconds,"
        f" count(waiting_seconds) AS waited_instance_count,"
        f" avg(waiting_seconds) AS mean_waiting_seconds,"
        f" quantile_cont(waiting_seconds, 0.5) AS median_waiting_seconds,"
        f" sum(waiting_seconds) AS total_waiting_seconds"
        f" FROM ({instances}) GROUP BY activity"
        f" ORDER BY total_service_seconds DESC NULLS LAST, activity"
    )
    return con.execute(query, parameters).df()[ACTIVITY_TIME_COLUMNS]
