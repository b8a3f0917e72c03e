"""Frequency and performance process maps, computed from one read of the log.

A process map is the directly-follows graph of the log: one edge per pair of activities
that follow each other directly inside a case, with how often (frequency, cases) and how
long the case waited between them (mean, median, 95th percentile, total). The numbers
equal pm4py's ``discover_dfg`` and ``discover_performance_dfg`` on the same log. DuckDB
applies the filters and codes the events; one sort and vectorized numpy do the rest
(:mod:`process_mining.coded_log`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
    "END",
    "START",
    "SimplifiedMap",
    "discover_process_edges",
    "get_bottlenecks",
    "get_endpoint_activities",
    "rank_bottlenecks",
    "simplify_process_map",
]

START = "▶ start"
"""Name of the start marker in a simplified map (no activity of a real log is spelled so)."""
END = "■ end"
"""Name of the end marker in a simplified map."""


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


@dataclass(frozen=True)
class SimplifiedMap:
    """A process map cut down to its busiest activities and paths, as Disco's sliders do.

    Attributes:
        activities: ``activity`` and ``event_count`` of the activities kept, busiest first.
        edges: The edges kept (the input's columns), most frequent first; edges from
            :data:`START` and to :data:`END` carry the cases that start or end there.
        activity_total: Activities in the whole map, before the cut.
        edge_total: Edges in the whole map (start and end edges included).
    """

    activities: pd.DataFrame
    edges: pd.DataFrame
    activity_total: int
    edge_total: int


def _reachable_from_start(edges: pd.DataFrame, activities: set[str]) -> set[str]:
    """The ``activities`` that :data:`START` reaches through ``activities`` alone: an
    activity whose every way in comes from a hidden one would float in the map."""
    among = edges[
        edges["source_activity"].isin(activities | {START})
        & edges["target_activity"].isin(activities)
    ]
    successors = among.groupby("source_activity")["target_activity"].agg(set).to_dict()
    reached: set[str] = set()
    frontier = {START}
    while frontier:
        frontier = set().union(*(successors.get(node, set()) for node in frontier)) - reached
        reached |= frontier
    return reached


def simplify_process_map(
    edges: pd.DataFrame,
    endpoints: pd.DataFrame,
    *,
    activity_share: float,
    path_share: float,
) -> SimplifiedMap:
    """Keep the busiest activities and the most frequent paths between them.

    An activity's count is its events: the transitions that end at it plus the cases that
    start with it. The busiest ``activity_share`` of the activities are kept (at least
    one), less those that Start cannot reach through kept activities (they would float);
    of the edges between them, and the start and end edges, the most frequent
    ``path_share`` are kept, and every kept activity also keeps its most frequent way in
    and way out, so no activity floats unconnected because of the path slider.

    Args:
        edges: ``source_activity``, ``target_activity``, ``frequency`` and any other
            columns (waits, classes), one row per edge.
        endpoints: ``endpoint`` (``start`` or ``end``), ``activity`` and ``case_count``.
        activity_share: Share (0 to 1) of the activities to keep.
        path_share: Share (0 to 1) of the edges among the kept activities to keep.

    Returns:
        The :class:`SimplifiedMap`.

    Example:
        >>> edges = pd.DataFrame({"source_activity": ["a", "b", "a"],
        ...     "target_activity": ["b", "c", "c"], "frequency": [5, 4, 1]})
        >>> ends = pd.DataFrame({"endpoint": ["start", "end"], "activity": ["a", "c"],
        ...     "case_count": [6, 5]})
        >>> simplify_process_map(edges, ends, activity_share=1, path_share=0).edges[
        ...     "frequency"].tolist()
        [6, 5, 5, 4]
    """
    starts = endpoints[endpoints["endpoint"] == "start"]
    ends = endpoints[endpoints["endpoint"] == "end"]
    counts = (
        pd.concat(
            [
                edges.groupby("target_activity")["frequency"].sum(),
                starts.groupby("activity")["case_count"].sum(),
            ]
        )
        .groupby(level=0)
        .sum()
        .rename_axis("activity")
        .rename("event_count")
        .reset_index()
        .sort_values(["event_count", "activity"], ascending=[False, True], kind="stable")
    )
    kept_count = max(1, math.ceil(len(counts) * min(max(activity_share, 0.0), 1.0)))
    busiest = counts.head(kept_count)
    endpoint_edges = pd.concat(
        [
            pd.DataFrame(
                {
                    "source_activity": START,
                    "target_activity": starts["activity"],
                    "frequency": starts["case_count"],
                }
            ),
            pd.DataFrame(
                {
                    "source_activity": ends["activity"],
                    "target_activity": END,
                    "frequency": ends["case_count"],
                }
            ),
        ]
    )
    every_edge = pd.concat([edges, endpoint_edges], ignore_index=True)
    kept = _reachable_from_start(every_edge, set(busiest["activity"]))
    activities = busiest[busiest["activity"].isin(kept)].reset_index(drop=True)
    every_edge = (
        every_edge[
            every_edge["source_activity"].isin(kept | {START})
            & every_edge["target_activity"].isin(kept | {END})
        ]
        .sort_values(
            ["frequency", "source_activity", "target_activity"],
            ascending=[False, True, True],
            kind="stable",
        )
        .reset_index(drop=True)
    )
    path_count = math.ceil(len(every_edge) * min(max(path_share, 0.0), 1.0))
    chosen = set(range(path_count))
    for column in ("source_activity", "target_activity"):
        busiest = every_edge[every_edge["source_activity"] != every_edge["target_activity"]]
        chosen |= set(busiest.drop_duplicates(column).index)
    shown = every_edge.loc[sorted(chosen)].reset_index(drop=True)
    return SimplifiedMap(
        activities=activities,
        edges=shown,
        activity_total=len(counts),
        edge_total=len(edges) + len(starts) + len(ends),
    )
