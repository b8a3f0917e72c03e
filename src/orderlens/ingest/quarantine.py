"""The quarantine table: every record that was read but not loaded, with its reason.

One row per rejected source record: the load, the file, the record's position, the first
failing column, every reason (``column: reason; column: reason``) and the record itself
as JSON, so nothing read is ever lost and an analyst can fix and re-send it. A second
copy of an already known event is quarantined too, with ``rejection = 'duplicate'``.
"""

from __future__ import annotations

import duckdb

QUARANTINE_TABLE = "quarantine.rejected_rows"

QUARANTINE_DDL = f"""
CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} (
    load_id VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    source_row BIGINT,
    column_name VARCHAR,
    reason VARCHAR NOT NULL,
    raw_record JSON,
    rejection VARCHAR NOT NULL
)
"""
"""``rejection`` is ``invalid`` (failed validation), ``unreadable`` (the parser could not
split the record) or ``duplicate`` (an event already loaded or earlier in the file)."""


def create_quarantine_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create the quarantine schema and table if they do not exist."""
    con.execute("CREATE SCHEMA IF NOT EXISTS quarantine")
    con.execute(QUARANTINE_DDL)
