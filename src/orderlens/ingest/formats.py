"""Which event-log formats ingestion recognises, and how a file's format is told.

The format comes from the file name (``orders.csv.gz``, ``log.xes.gz``, ``log.jsonocel``),
and, where one name covers several formats, from the first bytes of the file: a CSV whose
header has ``ocel:type:<type>`` columns is pm4py's OCEL 1.0 table; a ``.jsonocel`` or
``.json`` file with ``ocel:`` top-level keys (``ocel:global-log``, ``ocel:events``) is
OCEL 1.0 JSON, one with ``objectTypes``/``eventTypes`` OCEL 2.0 JSON; an ``.xmlocel`` or
``.xml`` file is OCEL 1.0 when its ``<log>`` holds ``<global scope="log">`` (or
``"object"``, scopes XES does not have) or attribute-less ``<event>``/``<object>``
elements in ``<events>``/``<objects>``, OCEL 2.0 when it holds ``<object-types>``,
``<event-types>`` or ``<events><event id=...>``. A ``.json`` or ``.xml`` file that is
neither (an XES log saved as ``.xml`` included) is not recognised. So users drop any of
these files in the inbox without a mapping. Hidden files and files named
``ground_truth*`` (the simulator's answer key, not an event log) are never ingested.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path

from lxml import etree


class SourceFormat(StrEnum):
    """A recognised event-log encoding."""

    CSV = "csv"
    PARQUET = "parquet"
    JSONL = "jsonl"
    XES = "xes"
    OCEL_JSON = "ocel_json"
    OCEL_XML = "ocel_xml"
    OCEL_SQLITE = "ocel_sqlite"
    OCEL1_CSV = "ocel1_csv"
    OCEL1_JSON = "ocel1_json"
    OCEL1_XML = "ocel1_xml"


OCEL2_FORMATS = frozenset({SourceFormat.OCEL_JSON, SourceFormat.OCEL_XML, SourceFormat.OCEL_SQLITE})
OCEL1_FORMATS = frozenset({SourceFormat.OCEL1_CSV, SourceFormat.OCEL1_JSON, SourceFormat.OCEL1_XML})


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
    ".json": SourceFormat.OCEL_JSON,
    ".xmlocel": SourceFormat.OCEL_XML,
    ".xml": SourceFormat.OCEL_XML,
    ".sqlite": SourceFormat.OCEL_SQLITE,
    ".sqliteocel": SourceFormat.OCEL_SQLITE,
}

IGNORED_PREFIXES: tuple[str, ...] = (".", "ground_truth")
"""File names starting with these are never event logs (hidden files, the answer key)."""


SNIFFED_BYTES = 1 << 16
"""How much of a file is read to tell formats sharing a suffix apart."""

_NAMED_ONLY_IF_OCEL = (".json", ".xml")
"""Suffixes recognised only when the content is an OCEL log (plain JSON and XML are not)."""

_OCEL1_JSON_KEYS = (b'"ocel:global-log"', b'"ocel:events"', b'"ocel:objects"')
_OCEL2_JSON_KEYS = (b'"objectTypes"', b'"eventTypes"')


def _by_name(path: Path) -> tuple[str, SourceFormat] | None:
    name = path.name.lower()
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix, _SUFFIXES[suffix]
    return None


def _head(path: Path) -> bytes:
    """The first bytes of the file (decompressed for ``.gz``); empty when unreadable."""
    try:
        if path.name.lower().endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                return handle.read(SNIFFED_BYTES)
        with path.open("rb") as handle:
            return handle.read(SNIFFED_BYTES)
    except (OSError, EOFError):
        return b""


def _is_ocel1_csv(head: bytes) -> bool:
    """Whether the header line names pm4py's ``ocel:type:<type>`` object columns."""
    first_line = head.split(b"\n", 1)[0].decode("utf-8", errors="replace").lstrip("\ufeff")
    header = next(csv.reader(io.StringIO(first_line)), [])
    return any(column.strip().startswith("ocel:type:") for column in header)


def _json_version(head: bytes) -> SourceFormat | None:
    if any(key in head for key in _OCEL1_JSON_KEYS):
        return SourceFormat.OCEL1_JSON
    if any(key in head for key in _OCEL2_JSON_KEYS):
        return SourceFormat.OCEL_JSON
    return None


def _xml_version(head: bytes) -> SourceFormat | None:
    """OCEL 1.0 or 2.0 judged by the elements directly under ``<log>`` and their children."""
    parser = etree.XMLPullParser(
        events=("start",), resolve_entities=False, no_network=True, remove_comments=True
    )
    depth_of: dict[etree._Element, int] = {}
    try:
        parser.feed(head)
        for _, element in parser.read_events():
            parent = element.getparent()
            depth = 0 if parent is None else depth_of[parent] + 1
            depth_of[element] = depth
            tag = str(element.tag).lower()
            if depth == 0 and tag != "log":
                return None
            if depth == 1 and tag == "global" and element.get("scope") in ("object", "log"):
                return SourceFormat.OCEL1_XML
            if depth == 1 and tag in ("object-types", "event-types"):
                return SourceFormat.OCEL_XML
            if depth == 2 and f"{tag}s" == str(parent.tag).lower() and tag in ("event", "object"):
                return SourceFormat.OCEL_XML if element.get("id") else SourceFormat.OCEL1_XML
    except etree.XMLSyntaxError:
        return None
    return None


def detect_format(path: Path) -> SourceFormat | None:
    """The format of ``path``, or ``None`` when not recognised (see the module documentation).

    The longest matching suffix wins, so ``x.csv.gz`` is CSV and ``x.xes.gz`` is XES. A
    ``.jsonocel``/``.xmlocel`` file whose content settles nothing stays OCEL 2.0, so its
    reader says what is wrong with it; a file that cannot be opened keeps its name's format.
    """
    named = _by_name(path)
    if named is None:
        return None
    suffix, by_name = named
    if by_name is SourceFormat.CSV and suffix in (".csv", ".csv.gz"):
        return SourceFormat.OCEL1_CSV if _is_ocel1_csv(_head(path)) else by_name
    if by_name in (SourceFormat.OCEL_JSON, SourceFormat.OCEL_XML):
        head = _head(path)
        sniffed = _json_version(head) if by_name is SourceFormat.OCEL_JSON else _xml_version(head)
        if sniffed is not None:
            return sniffed
        return None if suffix in _NAMED_ONLY_IF_OCEL else by_name
    return by_name


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
