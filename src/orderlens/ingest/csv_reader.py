"""CSV reader: DuckDB's sniffer for delimiter, quoting and header, every value as text.

Values are read as text so that validation, not the reader, decides what a bad value is
and names its column. Records DuckDB cannot split (too many columns, a field past the
line limit) are kept in the source view with the parser's reason, so they are counted and
quarantined. The file handed over is UTF-8 (the loader transcodes other encodings, see
:mod:`orderlens.ingest.encoding`); one that is not is rejected whole: loading the readable
part of a mis-encoded file would only hide the problem.

A record's position is its record number (1 = first record after the header). DuckDB
reports a rejected record by its line number, so records spanning several lines shift
those numbers; the reason text keeps DuckDB's line number.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orderlens.ingest.mapping import CsvOptions
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

MAX_LINE_BYTES = 64 * 1024 * 1024
"""Longest record the reader accepts; validation limits single values much lower."""

_TABLE = "_ingest_csv"
_REJECTS = "_ingest_csv_rejects"
_REJECT_SCANS = "_ingest_csv_reject_scans"


def csv_read_options(path: Path, options: CsvOptions) -> str:
    """The ``read_csv`` argument list for a UTF-8 file and its declared options."""
    arguments = [
        quote_literal(str(path)),
        "all_varchar = true",
        f"max_line_size = {MAX_LINE_BYTES}",
        "store_rejects = true",
        f"rejects_table = '{_REJECTS}'",
        f"rejects_scan = '{_REJECT_SCANS}'",
        "encoding = 'utf-8'",
    ]
    if path.name.lower().endswith((".tsv", ".tsv.gz")) and options.delimiter is None:
        arguments.append("delim = '\\t'")
    if options.delimiter is not None:
        arguments.append(f"delim = {quote_literal(options.delimiter)}")
    if options.quote is not None:
        arguments.append(f"quote = {quote_literal(options.quote)}")
    if options.escape is not None:
        arguments.append(f"escape = {quote_literal(options.escape)}")
    if options.header is not None:
        arguments.append(f"header = {str(options.header).lower()}")
    return ", ".join(arguments)


def register_csv(con: duckdb.DuckDBPyConnection, path: Path, options: CsvOptions) -> SourceColumns:
    """Read ``path`` into a temporary table and register it as the source view.

    Raises:
        UnreadableFileError: empty, truncated, not in the declared encoding, or not CSV.
    """
    if path.stat().st_size == 0:
        raise UnreadableFileError("the file is empty (no header, no records)")
    for table in (_TABLE, _REJECTS, _REJECT_SCANS):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    try:
        con.execute(
            f"CREATE TEMP TABLE {_TABLE} AS "
            f"SELECT * FROM read_csv({csv_read_options(path, options)})"
        )
    except duckdb.Error as error:
        raise UnreadableFileError(first_line(error)) from error
    encoding_errors = con.execute(
        f"SELECT line, column_name FROM {_REJECTS} WHERE error_type = 'INVALID ENCODING' "
        "ORDER BY line LIMIT 1"
    ).fetchall()
    if encoding_errors:
        line, column = encoding_errors[0]
        raise UnreadableFileError(
            f"not valid utf-8 (first at line {line}, column {column}); "
            "declare the file's encoding in the mapping, e.g. csv: {encoding: latin-1}"
        )
    _register_with_rejects(con)
    return describe_source(con)


def _register_with_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """Union the parsed records with the rejected ones, numbered as records of the file.

    Rejected record ``j`` (in file order) sits at record number ``r_j``; exactly
    ``r_j - j`` parsed records precede it. A parsed record of ordinal ``k`` therefore has
    record number ``k + #{j : r_j - j < k}``, found with an ASOF join. Without rejected
    records the record number is the ordinal and no join is paid for.
    """
    columns = [row[0] for row in con.execute(f"DESCRIBE {_TABLE}").fetchall()]
    header_lines = 1 if columns and columns[0] != "column0" else 0
    parsed = (
        f"SELECT rowid + 1 AS {ROW_COLUMN}, NULL::VARCHAR AS {ERROR_COLUMN}, "
        f"NULL::VARCHAR AS {TEXT_COLUMN}, * FROM {_TABLE}"
    )
    rejected_count = con.execute(f"SELECT count(DISTINCT line) FROM {_REJECTS}").fetchone()
    if not rejected_count or rejected_count[0] == 0:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {SOURCE_VIEW} AS {parsed}")
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ingest_csv_rejected AS "
        f"SELECT line - {header_lines} AS record, "
        "  row_number() OVER (ORDER BY line) AS ordinal, "
        "  'unreadable record at line ' || line || ': ' "
        "    || string_agg(DISTINCT error_message, '; ') AS reason, "
        f"  min(csv_line) AS text FROM {_REJECTS} GROUP BY line"
    )
    nulls = ", ".join(f"NULL::VARCHAR AS {quote_identifier(name)}" for name in columns)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {SOURCE_VIEW} AS "
        f"SELECT parsed.{ROW_COLUMN} + coalesce(gaps.ordinal, 0) AS {ROW_COLUMN}, "
        f"  parsed.* EXCLUDE ({ROW_COLUMN}) "
        f"FROM ({parsed}) AS parsed "
        "ASOF LEFT JOIN "
        "(SELECT record - ordinal AS gap, ordinal FROM _ingest_csv_rejected) AS gaps "
        f"  ON parsed.{ROW_COLUMN} > gaps.gap "
        "UNION ALL "
        f"SELECT record, reason, text, {nulls} FROM _ingest_csv_rejected"
    )
