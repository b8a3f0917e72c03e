"""Frequency and performance process maps, computed from one read of the log.

A process map is the directly-follows graph of the log: one edge per pair of activities
that follow each other directly inside a case, with how often (frequency, cases) and how
long the case waited between them (mean, median, 95th percentile, total). The numbers
equal pm4py's ``discover_dfg`` and ``discover_performance_dfg`` on the same log. DuckDB
applies the filters and codes the events; one sort and vectorized numpy do the rest
(:mod:`process_mining.coded_log`).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from process_mining.coded_log import (
    EDGE_COLUMNS,
    compute_edges,
    compute_endpoints,
    load_coded_log,
)
from process_mining.event_log import EventLog

__all__ = [
    "EDGE_COLUMNS",
    "discover_process_edges",
    "get_bottlenecks",
    "get_endpoint_activities",
    "rank_bottlenecks",
]


def discover_process_edges(con: duckdb.DuckDBPyConnection, log: EventLog) -> pd.DataFrame:
    """The frequency and performance process map of ``log``.

    The log is read once as integer-coded arrays and the map computed with numpy
    (:mod:`process_mining.coded_log`); filters still run in SQL.

    Returns:
        One row per edge (columns :data:`EDGE_COLUMNS`), most frequent first. Waiting
        times are in seconds; ``total_wait_seconds`` is what the edge adds over all cases;
        ``p95_wait_seconds`` is interpolated linearly between the two closest ranks.

    Example:
        >>> con = duckdb.connect()
        >>> _ = con.execute("CREATE TABLE e AS SELECT * FROM (VALUES ('c1','a',TIMESTAMPTZ "
        ...     "'2026-01-01 00:00:00+00',1),('c1','b',TIMESTAMPTZ '2026-01-01 00:01:00+00',2))"
        ...     " t(case_id, activity, event_at, event_seq)")
        >>> discover_process_edges(con, EventLog(relation="e"))["mean_wait_seconds"].tolist()
        [60.0]
    """
    return compute_edges(load_coded_log(con, log))


def get_endpoint_activities(con: duckdb.DuckDBPyConnection, log: EventLog) -> pd.DataFrame:
    """How many cases start and end with each activity (pm4py's start/end activities).

    Returns:
        Columns ``activity``, ``start_count``, ``end_count``, ``event_count``.
    """
    return compute_endpoints(load_coded_log(con, log))


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
    return rank_bottlenecks(discover_process_edges(con, log), top=top)


def rank_bottlenecks(edges: pd.DataFrame, *, top: int = 10) -> pd.DataFrame:
    """:func:`get_bottlenecks` on an already computed process map (``edges``)."""
    total = edges["total_wait_seconds"].sum()
    ranked = edges.sort_values(
        ["total_wait_seconds", "source_activity", "target_activity"],
        ascending=[False, True, True],
    ).head(top)
    ranked = ranked.assign(share_of_waiting=ranked["total_wait_seconds"] / total if total else 0.0)
    return ranked.reset_index(drop=True)
