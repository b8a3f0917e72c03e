"""What an ingest run tells its caller: one result per file, JSON-serialisable."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any


class FileStatus(StrEnum):
    """Outcome of one file."""

    LOADED = "loaded"
    ALREADY_LOADED = "already_loaded"
    REJECTED = "rejected"
    FAILED = "failed"
    """Read, but more records failed validation than passed: nothing of it is kept."""


@dataclass(frozen=True)
class FileResult:
    """The outcome of one file.

    ``loaded + quarantined == rows_read`` always holds (all three are 0 for a rejected or
    failed file, which stores nothing); ``duplicates`` counts the
    quarantined records that were second copies of known events, and
    ``repeated_idempotency_keys`` the loaded integration messages whose idempotency key
    was already seen (middleware re-deliveries and retries, kept as facts). For an OCEL
    log, ``case_object_type`` is the object type flattened to cases and ``message`` says
    why it was chosen. ``encoding`` is the text encoding a CSV or JSON Lines file was read
    in (declared or detected); ``notice`` is what the user must learn once, such as the
    key file created while loading this file; ``content_findings`` names the columns
    pseudonymized because of what their values look like and the free text scrubbed or
    excluded.
    """

    path: str
    status: FileStatus
    rows_read: int = 0
    loaded: int = 0
    quarantined: int = 0
    duplicates: int = 0
    message: str = ""
    format: str | None = None
    target_table: str | None = None
    repeated_idempotency_keys: int = 0
    load_id: str | None = None
    checksum: str | None = None
    seconds: float = 0.0
    encoding: str | None = None
    notice: str = ""
    case_object_type: str | None = None
    content_findings: str = ""

    @property
    def table(self) -> str | None:
        """The raw table the file fed (``schema.table``), ``None`` when nothing was read."""
        return self.target_table

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary."""
        data = asdict(self)
        data["status"] = str(self.status)
        return data

    def summary(self) -> str:
        """One human line: file, status and counts, or why it was rejected or failed; a
        notice comes first, on a line of its own."""
        if self.notice:
            return f"NOTICE    {self.notice}\n{replace(self, notice='').summary()}"
        if self.status is FileStatus.REJECTED:
            return f"REJECTED  {self.path}: {self.message}"
        if self.status is FileStatus.FAILED:
            return f"FAILED    {self.path}: {self.message}"
        if self.status is FileStatus.ALREADY_LOADED:
            return f"SKIPPED   {self.path}: {self.message}"
        text = (
            f"LOADED    {self.path}: read {self.rows_read}, loaded {self.loaded}, "
            f"quarantined {self.quarantined} (duplicates {self.duplicates}) "
            f"into {self.target_table}"
        )
        if self.encoding is not None:
            text += f" (encoding {self.encoding})"
        if self.repeated_idempotency_keys:
            text += f"; {self.repeated_idempotency_keys} messages repeat an idempotency key"
        if self.message:
            text += f"; {self.message}"
        if self.content_findings:
            text += f"; {self.content_findings}"
        return text


@dataclass(frozen=True)
class IngestReport:
    """Results of an ingest run, one per file, in processing order."""

    results: tuple[FileResult, ...]

    @property
    def files(self) -> tuple[FileResult, ...]:
        """The per-file results (the same as :attr:`results`)."""
        return self.results

    @property
    def ok(self) -> bool:
        """True when no file was rejected or failed."""
        return all(
            result.status not in (FileStatus.REJECTED, FileStatus.FAILED) for result in self.results
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary with totals (used by ``orderlens ingest --json``)."""
        return {
            "ok": self.ok,
            "files": [result.to_dict() for result in self.results],
            "totals": {
                key: sum(getattr(result, key) for result in self.results)
                for key in ("rows_read", "loaded", "quarantined", "duplicates")
            },
        }
