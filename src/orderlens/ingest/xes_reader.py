"""XES reader (``.xes``, ``.xes.gz``) through rustxes, a Rust parser, in file order.

rustxes returns one row per event with the trace attributes as ``case:`` columns and the
timestamps converted to UTC (a timestamp without offset is taken as UTC). The standard
extension keys become contract columns; every other event and case attribute is kept in
``attributes`` by validation. Rows keep the file's order, so ``source_row`` is the
event's position in the file and ties in time keep the order of the log.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import rustxes

from orderlens.ingest.source import (
    ERROR_COLUMN,
    ROW_COLUMN,
    SOURCE_VIEW,
    TEXT_COLUMN,
    SourceColumns,
    UnreadableFileError,
    describe_source,
    quote_identifier,
)

XES_COLUMNS: dict[str, str] = {
    "case:concept:name": "case_id",
    "concept:name": "activity",
    "time:timestamp": "event_at",
    "org:resource": "resource",
    "identity:id": "event_id",
}
"""XES standard-extension keys -> contract columns."""

_TABLE = "_ingest_xes"


def read_xes_events(path: Path) -> pa.Table:
    """One Arrow row per event of the log, in file order.

    Raises:
        UnreadableFileError: not a readable XES document (truncated, not XML, ...).
    """
    try:
        frame, _ = rustxes.import_xes(str(path))
    except BaseException as error:  # rustxes raises panics as BaseException subclasses
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        raise UnreadableFileError(
            f"not a readable XES log: {str(error).splitlines()[0] if str(error) else type(error).__name__}"
        ) from error
    if "concept:name" not in frame.columns:
        raise UnreadableFileError("no event carries concept:name (the activity)")
    return frame.to_arrow()


def register_xes(con: duckdb.DuckDBPyConnection, path: Path) -> SourceColumns:
    """Register the log's events as the source view with contract column names."""
    table = read_xes_events(path)
    table = table.append_column(ROW_COLUMN, pa.array(range(1, table.num_rows + 1), pa.int64()))
    con.register(_TABLE, table)
    selected = []
    for name in table.column_names:
        if name == ROW_COLUMN:
            continue
        target = XES_COLUMNS.get(name)
        if target == "event_at":
            selected.append(f"timezone('UTC', {quote_identifier(name)}) AS event_at")
        elif target is not None:
            selected.append(f"{quote_identifier(name)} AS {target}")
        else:
            selected.append(quote_identifier(name))
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {SOURCE_VIEW} AS SELECT "
        f"{ROW_COLUMN}, NULL::VARCHAR AS {ERROR_COLUMN}, "
        f"NULL::VARCHAR AS {TEXT_COLUMN}, {', '.join(selected)} FROM {_TABLE}"
    )
    return describe_source(con)
