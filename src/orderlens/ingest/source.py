"""What every reader hands to validation: one DuckDB view of a file's records.

Each reader registers the view :data:`SOURCE_VIEW` in the load's connection with
:data:`ROW_COLUMN` (the record's 1-based position in the file), :data:`ERROR_COLUMN`
(why the record could not be read, else NULL), :data:`TEXT_COLUMN` (the unreadable
record's text) and then the file's own columns. Records that could not be parsed stay in
the view, so ``rows read`` counts them and they reach quarantine with their reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

SOURCE_VIEW = "_ingest_source"
ROW_COLUMN = "__row"
ERROR_COLUMN = "__read_error"
TEXT_COLUMN = "__raw_text"
INTERNAL_COLUMNS: tuple[str, ...] = (ROW_COLUMN, ERROR_COLUMN, TEXT_COLUMN)


class UnreadableFileError(ValueError):
    """A file that cannot be read at all; nothing of it is loaded.

    The message names what is wrong; the caller adds the file name.
    """


@dataclass(frozen=True)
class SourceColumns:
    """The file's own columns (internal ones excluded) and their DuckDB types."""

    types: dict[str, str]

    @property
    def names(self) -> list[str]:
        """Column names in file order."""
        return list(self.types)


def describe_source(con: duckdb.DuckDBPyConnection, view: str = SOURCE_VIEW) -> SourceColumns:
    """Columns of the registered source view (or a view over it), without the internal ones.

    Raises:
        UnreadableFileError: the view cannot be evaluated (the file is unreadable).
    """
    try:
        rows = con.execute(f"DESCRIBE {view}").fetchall()
    except duckdb.Error as error:
        raise UnreadableFileError(first_line(error)) from error
    return SourceColumns(
        {name: str(kind) for name, kind, *_ in rows if name not in INTERNAL_COLUMNS}
    )


def quote_identifier(name: str) -> str:
    """A DuckDB identifier for any column name (quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A DuckDB string literal for any text (single quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def json_key_path(key: str) -> str:
    """A JSON path selecting the top-level ``key`` whatever characters it holds."""
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def first_line(error: BaseException) -> str:
    """The first line of a library error, without DuckDB's error class prefix."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    for prefix in ("IO Error: ", "Invalid Input Error: ", "Conversion Error: ", "Binder Error: "):
        text = text.removeprefix(prefix)
    return text
