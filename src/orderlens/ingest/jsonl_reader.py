"""JSON Lines reader: one JSON object per line, every value taken as text.

Lines are read verbatim and parsed by DuckDB's JSON functions, so a line that is not a
JSON object (a truncated write, a stray log line) stays one counted record with its
reason instead of failing the whole file. Columns are the union of the objects' keys, in
order of first appearance; nested values keep their JSON text.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orderlens.ingest.csv_reader import MAX_LINE_BYTES
from orderlens.ingest.source import (
    ERROR_COLUMN,
    ROW_COLUMN,
    SOURCE_VIEW,
    TEXT_COLUMN,
    SourceColumns,
    UnreadableFileError,
    describe_source,
    first_line,
    json_key_path,
    quote_identifier,
    quote_literal,
)

_LINES = "_ingest_jsonl_lines"
_REJECTS = "_ingest_jsonl_rejects"


def register_jsonl(
    con: duckdb.DuckDBPyConnection, path: Path, *, encoding: str = "utf-8"
) -> SourceColumns:
    """Read ``path`` line by line and register its objects as the source view.

    Raises:
        UnreadableFileError: empty, truncated, or not in the declared encoding.
    """
    if path.stat().st_size == 0:
        raise UnreadableFileError("the file is empty (no JSON lines)")
    for table in (_LINES, f"{_LINES}_text", _REJECTS, f"{_REJECTS}_scan"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    try:
        con.execute(
            f"CREATE TEMP TABLE {_LINES}_text AS SELECT line "
            f"FROM read_csv({quote_literal(str(path))}, columns = {{'line': 'VARCHAR'}}, "
            "  header = false, delim = '\\x1e', quote = '', escape = '', auto_detect = false, "
            f"  encoding = {quote_literal(encoding)}, max_line_size = {MAX_LINE_BYTES}, "
            f"  store_rejects = true, rejects_table = '{_REJECTS}', "
            f"  rejects_scan = '{_REJECTS}_scan')"
        )
        con.execute(
            f"CREATE TEMP TABLE {_LINES} AS SELECT rowid + 1 AS line_number, line, "
            "  CASE WHEN json_valid(line) THEN json_type(line) = 'OBJECT' ELSE false END "
            f"    AS is_object FROM {_LINES}_text"
        )
    except duckdb.Error as error:
        raise UnreadableFileError(first_line(error)) from error
    rejected = con.execute(f"SELECT min(line), min(error_type) FROM {_REJECTS}").fetchone()
    if rejected and rejected[0] is not None:
        raise UnreadableFileError(
            f"line {rejected[0]} cannot be read ({rejected[1]}); declare the file's encoding "
            "in the mapping, e.g. csv: {encoding: latin-1}"
        )
    keys = [
        row[0]
        for row in con.execute(
            "SELECT key FROM (SELECT line_number, unnest(json_keys(line)) AS key "
            f"FROM {_LINES} WHERE is_object) GROUP BY key ORDER BY min(line_number), key"
        ).fetchall()
    ]
    if not keys:
        raise UnreadableFileError("no line holds a JSON object")
    extracted = ", ".join(
        f"CASE WHEN is_object THEN "
        f"json_extract_string(line, {quote_literal(json_key_path(key))}) END "
        f"AS {quote_identifier(key)}"
        for key in keys
    )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {SOURCE_VIEW} AS "
        f"SELECT line_number AS {ROW_COLUMN}, "
        "  CASE WHEN NOT is_object THEN 'line ' || line_number || ' is not a JSON object' END "
        f"    AS {ERROR_COLUMN}, "
        f"  CASE WHEN NOT is_object THEN line END AS {TEXT_COLUMN}, {extracted} "
        f"FROM {_LINES} WHERE line IS NOT NULL AND trim(line) <> ''"
    )
    return describe_source(con)
