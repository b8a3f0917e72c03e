"""The ingest manifest and the inbox ledger: which file was loaded, when, with what counts.

``raw.ingest_manifest`` holds one row per processed file (loaded, rejected or failed),
written in the same transaction as the file's rows, so it is the truth about what the
warehouse holds; analysts query it. It records the text encoding a file was read in and
the plausible-timestamp window it was validated with. A file is identified by the SHA-256
of its bytes, so the same content under another name or path is recognised as already
loaded.

The ledger (``Settings.ingest_ledger_path``) is a copy of the manifest's
checksums kept outside DuckDB, so :func:`pending_files` can tell new inbox files without
opening the warehouse: DuckDB admits one writing process, and a sensor polling the
warehouse would block the very ingest it triggers. The ledger is rewritten from the
manifest at every ingest run and appended after every commit; if a run dies between the
commit and the append, the file merely shows as pending once more and the next run
reports it as already loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from orderlens.settings import make_private

MANIFEST_TABLE = "raw.ingest_manifest"

MANIFEST_DDL = f"""
CREATE TABLE IF NOT EXISTS {MANIFEST_TABLE} (
    load_id VARCHAR NOT NULL,
    file_path VARCHAR NOT NULL,
    checksum VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    format VARCHAR,
    target_table VARCHAR,
    rows_read BIGINT NOT NULL,
    loaded BIGINT NOT NULL,
    quarantined BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,
    repeated_idempotency_keys BIGINT NOT NULL,
    status VARCHAR NOT NULL,
    message VARCHAR,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    encoding VARCHAR,
    earliest_plausible TIMESTAMPTZ,
    latest_plausible TIMESTAMPTZ
)
"""
ADDED_COLUMNS = {
    "encoding": "VARCHAR",
    "earliest_plausible": "TIMESTAMPTZ",
    "latest_plausible": "TIMESTAMPTZ",
}
"""Columns a manifest written by an older version lacks; added when it is opened."""


def create_manifest_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create the manifest table if it does not exist, or add the columns it lacks."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(MANIFEST_DDL)
    for name, kind in ADDED_COLUMNS.items():
        con.execute(f"ALTER TABLE {MANIFEST_TABLE} ADD COLUMN IF NOT EXISTS {name} {kind}")


def file_checksum(path: Path) -> str:
    """SHA-256 of the file's bytes, as hex."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def loaded_from(con: duckdb.DuckDBPyConnection, checksum: str) -> tuple[str, str] | None:
    """``(load_id, file_path)`` of the load that holds this content, if any."""
    row = con.execute(
        f"SELECT load_id, file_path FROM {MANIFEST_TABLE} WHERE checksum = ? AND status = 'loaded' "
        "ORDER BY finished_at LIMIT 1",
        [checksum],
    ).fetchone()
    return (str(row[0]), str(row[1])) if row else None


@dataclass(frozen=True)
class LedgerEntry:
    """One processed file as the ledger remembers it."""

    checksum: str
    path: str
    size: int
    mtime_ns: int | None = None


def read_ledger(path: Path) -> list[LedgerEntry]:
    """Entries of the ledger; a missing ledger is empty, unreadable lines are skipped."""
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(LedgerEntry(**json.loads(line)))
        except (ValueError, TypeError):
            continue
    return entries


def stat_entry(path: Path, checksum: str) -> LedgerEntry:
    """A ledger entry for ``path`` as it is on disk now."""
    stat = path.stat()
    return LedgerEntry(checksum, str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def append_ledger(path: Path, entry: LedgerEntry) -> None:
    """Add one entry and flush it to disk."""
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(asdict(entry)) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    make_private(path)


def rewrite_ledger(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Replace the ledger with the manifest's processed files (keeping known mtimes)."""
    known = {(entry.checksum, entry.path): entry.mtime_ns for entry in read_ledger(path)}
    rows = con.execute(
        f"SELECT DISTINCT checksum, file_path, size_bytes FROM {MANIFEST_TABLE} ORDER BY file_path"
    ).fetchall()
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        for checksum, file_path, size in rows:
            entry = LedgerEntry(checksum, file_path, int(size), known.get((checksum, file_path)))
            handle.write(json.dumps(asdict(entry)) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    make_private(temporary)
    os.replace(temporary, path)


def pending_files(candidates: list[Path], ledger: Path) -> list[Path]:
    """The candidates whose content the ledger does not know.

    A file whose path, size and modification time match a ledger entry is known without
    reading it; any other file is hashed once and compared by checksum.
    """
    entries = read_ledger(ledger)
    by_stat = {(entry.path, entry.size, entry.mtime_ns) for entry in entries if entry.mtime_ns}
    checksums = {entry.checksum for entry in entries}
    pending = []
    for candidate in candidates:
        try:
            stat = candidate.stat()
        except OSError:
            continue
        if (str(candidate.resolve()), stat.st_size, stat.st_mtime_ns) in by_stat:
            continue
        try:
            checksum = file_checksum(candidate)
        except OSError:
            continue
        if checksum not in checksums:
            pending.append(candidate)
    return pending
