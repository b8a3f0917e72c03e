"""Ingestion: event logs as users have them, into ``raw.*`` exactly once, or quarantined.

Readers (CSV, Parquet, JSON Lines, XES, OCEL 2.0) hand each file to one DuckDB view; a
column mapping renames it onto the data contract; validation derived from the contract
types and checks every record in SQL; the loader appends valid records to the raw tables
and the rest to ``quarantine.rejected_rows`` in one transaction per file, recorded in
``raw.ingest_manifest``. See ``docs/ingestion.md``.
"""

from __future__ import annotations

from pathlib import Path

from orderlens.ingest.formats import expand_paths
from orderlens.ingest.loader import ingest_paths
from orderlens.ingest.manifest import pending_files
from orderlens.ingest.mapping import MappingError
from orderlens.ingest.results import FileResult, FileStatus, IngestReport
from orderlens.settings import Settings


def pending_inbox_files(settings: Settings) -> list[Path]:
    """Recognised files under the inbox whose content has not been processed yet.

    Reads only the file system and the ingest ledger, never the warehouse, so it is cheap
    and takes no DuckDB lock (safe to call from a sensor while an ingest runs). A file that
    was rejected is not pending again until its content changes.
    """
    if not settings.inbox_dir.is_dir():
        return []
    candidates = expand_paths([settings.inbox_dir])
    if not settings.warehouse_path.exists():
        return candidates
    return pending_files(candidates, settings.ingest_ledger_path)


__all__ = [
    "FileResult",
    "FileStatus",
    "IngestReport",
    "MappingError",
    "ingest_paths",
    "pending_inbox_files",
]
