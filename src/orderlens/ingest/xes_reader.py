"""XES reader (``.xes``, ``.xes.gz``) through rustxes, a Rust parser, in file order.

rustxes returns one row per event with the trace attributes as ``case:`` columns and the
timestamps converted to UTC (a timestamp without offset is taken as UTC). The standard
extension keys become contract columns (``lifecycle:transition`` the ``lifecycle``
column, lower-cased by validation); every other event and case attribute is kept,
under its own key, in the ``attributes`` JSON object (keys that differ only in case, such
as ``Activity`` next to ``concept:name``, stay apart). Rows keep the file's order, so
``source_row`` is the event's position in the file and ties in time keep the log's order.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orderlens.ingest.source import (
    ERROR_COLUMN,
    ROW_COLUMN,
    SOURCE_VIEW,
    TEXT_COLUMN,
    SourceColumns,
    UnreadableFileError,
    describe_source,
    first_line,
    quote_identifier,
    quote_literal,
)

if TYPE_CHECKING:
    import pyarrow as pa

XES_COLUMNS: dict[str, str] = {
    "case:concept:name": "case_id",
    "concept:name": "activity",
    "time:timestamp": "event_at",
    "org:resource": "resource",
    "identity:id": "event_id",
    "lifecycle:transition": "lifecycle",
}
"""XES standard-extension keys -> contract columns."""

XES_TABLE = "_ingest_xes"


def check_complete(path: Path) -> None:
    """Refuse a truncated log: the document must end with ``</log>``.

    rustxes returns the events it managed to read from a cut-off file, which would load
    part of a log silently; a complete document is checked for instead. A gzip file is
    decompressed once, in chunks, to see its end (and a truncated gzip stream fails here).

    Raises:
        UnreadableFileError: the file is truncated or its gzip stream is incomplete.
    """
    tail = b""
    try:
        if path.name.lower().endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                while chunk := handle.read(1 << 22):
                    tail = (tail + chunk)[-64:]
        else:
            with path.open("rb") as handle:
                handle.seek(max(0, path.stat().st_size - 64))
                tail = handle.read()
    except (OSError, EOFError, zlib.error) as error:
        raise UnreadableFileError(f"the gzip stream is incomplete or corrupt ({error})") from error
    if not tail.rstrip().endswith(b"</log>"):
        raise UnreadableFileError("the XES document is truncated (it does not end with </log>)")


def read_xes_events(path: Path) -> pa.Table:
    """One Arrow row per event of the log, in file order.

    Raises:
        UnreadableFileError: not a readable XES document (truncated, not XML, ...).
    """
    check_complete(path)
    # rustxes loads polars, which costs a second or more: only XES ingestion pays for it.
    import rustxes

    try:
        frame, _ = rustxes.import_xes(str(path))
    except BaseException as error:  # rustxes raises panics as BaseException subclasses
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        raise UnreadableFileError(f"not a readable XES log: {first_line(error)}") from error
    if "concept:name" not in frame.columns:
        raise UnreadableFileError("no event carries concept:name (the activity)")
    return frame.to_arrow()


def register_xes(con: duckdb.DuckDBPyConnection, path: Path) -> SourceColumns:
    """Register the log's events as the source view with contract column names."""
    import pyarrow as pa  # only XES and OCEL loads pay for importing Arrow

    table = read_xes_events(path)
    table = table.append_column(ROW_COLUMN, pa.array(range(1, table.num_rows + 1), pa.int64()))
    con.register(XES_TABLE, table)
    selected = []
    kept = []
    for name in table.column_names:
        target = XES_COLUMNS.get(name)
        if name == ROW_COLUMN:
            continue
        if target == "event_at":
            selected.append(f"timezone('UTC', {quote_identifier(name)}) AS event_at")
        elif target is not None:
            selected.append(f"{quote_identifier(name)} AS {target}")
        else:
            kept.append(f"{quote_literal(name)}, CAST({quote_identifier(name)} AS VARCHAR)")
    if kept:
        selected.append(f"CAST(json_object({', '.join(kept)}) AS VARCHAR) AS attributes")
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {SOURCE_VIEW} AS SELECT "
        f"{ROW_COLUMN}, NULL::VARCHAR AS {ERROR_COLUMN}, "
        f"NULL::VARCHAR AS {TEXT_COLUMN}, {', '.join(selected)} FROM {XES_TABLE}"
    )
    return describe_source(con)
