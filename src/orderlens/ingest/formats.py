"""Which event-log formats ingestion recognises, and how a file's format is told.

The format comes from the file name (``orders.csv.gz``, ``log.xes.gz``, ``log.jsonocel``),
so scanning a folder never has to open files. Hidden files and files named
``ground_truth*`` (the simulator's answer key, not an event log) are never ingested.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path


class SourceFormat(StrEnum):
    """A recognised event-log encoding."""

    CSV = "csv"
    PARQUET = "parquet"
    JSONL = "jsonl"
    XES = "xes"
    OCEL_JSON = "ocel_json"
    OCEL_XML = "ocel_xml"
    OCEL_SQLITE = "ocel_sqlite"


_SUFFIXES: dict[str, SourceFormat] = {
    ".csv": SourceFormat.CSV,
    ".csv.gz": SourceFormat.CSV,
    ".tsv": SourceFormat.CSV,
    ".tsv.gz": SourceFormat.CSV,
    ".txt": SourceFormat.CSV,
    ".parquet": SourceFormat.PARQUET,
    ".jsonl": SourceFormat.JSONL,
    ".jsonl.gz": SourceFormat.JSONL,
    ".ndjson": SourceFormat.JSONL,
    ".ndjson.gz": SourceFormat.JSONL,
    ".xes": SourceFormat.XES,
    ".xes.gz": SourceFormat.XES,
    ".jsonocel": SourceFormat.OCEL_JSON,
    ".xmlocel": SourceFormat.OCEL_XML,
    ".sqlite": SourceFormat.OCEL_SQLITE,
    ".sqliteocel": SourceFormat.OCEL_SQLITE,
}

IGNORED_PREFIXES: tuple[str, ...] = (".", "ground_truth")
"""File names starting with these are never event logs (hidden files, the answer key)."""


def detect_format(path: Path) -> SourceFormat | None:
    """The format of ``path`` judged by its name, or ``None`` when not recognised.

    The longest matching suffix wins, so ``x.csv.gz`` is CSV and ``x.xes.gz`` is XES.
    """
    name = path.name.lower()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return _SUFFIXES[suffix]
    return None


def is_ingestible(path: Path) -> bool:
    """Whether a file found while scanning a folder should be ingested."""
    if path.name.startswith(IGNORED_PREFIXES):
        return False
    return detect_format(path) is not None


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Files to ingest: given files as they are, folders scanned recursively, in name order.

    A file named explicitly is kept even when its format is unknown, so that the user
    is told it was rejected instead of it being skipped silently.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(_scan(path))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _scan(folder: Path) -> Iterable[Path]:
    for candidate in sorted(folder.rglob("*")):
        relative = candidate.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts[:-1]):
            continue
        if candidate.is_file() and is_ingestible(candidate):
            yield candidate
