"""Parquet reader: DuckDB scans the file in place, with its row numbers, no copy."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orderlens.ingest.source import (
    ERROR_COLUMN,
    ROW_COLUMN,
    SOURCE_VIEW,
    TEXT_COLUMN,
    SourceColumns,
    describe_source,
    quote_literal,
)


def register_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> SourceColumns:
    """Register ``path`` as the source view; a Parquet file is read whole or rejected.

    Raises:
        UnreadableFileError: not a readable Parquet file.
    """
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {SOURCE_VIEW} AS "
        f"SELECT file_row_number + 1 AS {ROW_COLUMN}, NULL::VARCHAR AS {ERROR_COLUMN}, "
        f"NULL::VARCHAR AS {TEXT_COLUMN}, * EXCLUDE (file_row_number) "
        f"FROM read_parquet({quote_literal(str(path))}, file_row_number = true)"
    )
    return describe_source(con)
