"""Object-centric directly-follows view: one process map per object type.

Flattening a log on the order hides what happens to its parts: a split shipment is two
shipments each picked, packed and dispatched, a payment retried is one payment
authorized twice. Here every object (order, order line, shipment, payment, return,
exception) gets its own sequence of events, and directly-follows edges are counted per
object type, so those stories stay visible. The input is the workflow events (their
object columns) or an OCEL 2.0 file loaded with :func:`load_ocel`.

The long form every function here reads has one row per (event, object):
``object_type``, ``object_id``, ``activity``, ``event_at``, ``event_seq``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pm4py

from process_mining.event_log import EventLog, events_query, quoted

OBJECT_COLUMNS: dict[str, str] = {
    "order": "case_id",
    "order line": "order_line_id",
    "shipment": "shipment_id",
    "payment": "payment_id",
    "return": "return_id",
    "exception": "exception_id",
}
"""Object type -> workflow-event column naming the object an event concerns."""


def object_events_query(
    log: EventLog, object_columns: dict[str, str] | None = None
) -> tuple[str, list]:
    """SQL turning workflow events into the long (event, object) form.

    Object ids are prefixed with their order where the source numbers them per order
    (shipment "1" of two orders are different shipments).
    """
    columns = OBJECT_COLUMNS if object_columns is None else object_columns
    extras = tuple(column for column in columns.values() if column != "case_id")
    events, parameters = events_query(log, extras)
    parts = []
    for object_type, column in columns.items():
        object_id = (
            "case_id" if column == "case_id" else f"case_id || '/' || {quoted(column)}::VARCHAR"
        )
        condition = "" if column == "case_id" else f" WHERE {quoted(column)} IS NOT NULL"
        parts.append(
            f"SELECT '{object_type}' AS object_type, {object_id} AS object_id, activity,"
            f" event_at, event_seq FROM events{condition}"
        )
    return f"WITH events AS ({events}) " + " UNION ALL ".join(parts), parameters


def load_ocel(con: duckdb.DuckDBPyConnection, path: Path, *, table: str) -> int:
    """Load an OCEL 2.0 file (JSON, XML or SQLite) into ``table`` in the long form.

    ``event_seq`` is the event's position in the file's event table, so ties keep file
    order as everywhere else.

    Returns:
        The number of (event, object) rows loaded.
    """
    ocel = pm4py.read_ocel2(str(path))
    positions = pd.Series(range(len(ocel.events)), index=ocel.events[ocel.event_id_column])
    relations = ocel.relations
    frame = pd.DataFrame(
        {
            "object_type": relations[ocel.object_type_column].astype(str),
            "object_id": relations[ocel.object_id_column].astype(str),
            "activity": relations[ocel.event_activity].astype(str),
            "event_at": pd.to_datetime(relations[ocel.event_timestamp], utc=True),
            "event_seq": relations[ocel.event_id_column].map(positions).astype("int64"),
        }
    ).drop_duplicates()
    con.register("ocel_frame", frame)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {quoted(table)} AS SELECT * FROM ocel_frame")
    finally:
        con.unregister("ocel_frame")
    return len(frame)


def discover_object_edges(
    con: duckdb.DuckDBPyConnection, object_events: str, parameters: list | None = None
) -> pd.DataFrame:
    """Directly-follows edges per object type over a long (event, object) query or table.

    Args:
        con: Connection holding the data.
        object_events: A table name or a query in the long form (see module doc).
        parameters: Parameters of that query.

    Returns:
        ``object_type``, ``source_activity``, ``target_activity``, ``frequency``,
        ``object_count``, ``mean_wait_seconds``, ``median_wait_seconds``; by type, then
        most frequent first.
    """
    source = (
        object_events if " " in object_events.strip() else f"SELECT * FROM {quoted(object_events)}"
    )
    query = (
        f"WITH steps AS (SELECT object_type, object_id, activity AS source_activity,"
        f" lead(activity) OVER object_order AS target_activity,"
        f" (epoch_us(lead(event_at) OVER object_order) - epoch_us(event_at)) / 1e6"
        f" AS wait_seconds FROM ({source}) WINDOW object_order AS"
        f" (PARTITION BY object_type, object_id ORDER BY event_at, event_seq, activity))"
        f" SELECT object_type, source_activity, target_activity, count(*) AS frequency,"
        f" count(DISTINCT object_id) AS object_count, avg(wait_seconds) AS mean_wait_seconds,"
        f" median(wait_seconds) AS median_wait_seconds FROM steps"
        f" WHERE target_activity IS NOT NULL GROUP BY ALL"
        f" ORDER BY object_type, frequency DESC, source_activity, target_activity"
    )
    return con.execute(query, parameters or []).df()


def get_objects_per_case(con: duckdb.DuckDBPyConnection, log: EventLog) -> pd.DataFrame:
    """How many objects of each type orders have: where splits and retries show.

    Returns:
        ``object_type``, ``orders`` (having at least one), ``objects``,
        ``orders_with_several`` (two or more), ``max_per_order``.
    """
    long_query, parameters = object_events_query(log)
    query = (
        f"WITH objects AS ({long_query}),"
        f" per_order AS (SELECT object_type, split_part(object_id, '/', 1) AS case_id,"
        f" count(DISTINCT object_id) AS objects FROM objects GROUP BY ALL)"
        f" SELECT object_type, count(*) AS orders, sum(objects)::BIGINT AS objects,"
        f" count(*) FILTER (WHERE objects > 1) AS orders_with_several,"
        f" max(objects) AS max_per_order FROM per_order GROUP BY object_type"
        f" ORDER BY object_type"
    )
    return con.execute(query, parameters).df()
