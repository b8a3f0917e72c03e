"""Column mappings: how a source's own columns become the contract's columns.

A mapping file is YAML holding a list of ``sources``; the first whose ``match`` glob fits
a file's name applies to it. Every key is optional, so a file already using the contract's
column names, an XES log or an OCEL log needs no mapping at all. See
``docs/ingestion.md`` for the format and ``docs/examples/mapping.yaml`` for an example.
"""

from __future__ import annotations

import codecs
import fnmatch
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from orderlens.contract import IntegrationEvent, WorkflowEvent, field_names
from orderlens.settings import FreeTextHandling


class Target(StrEnum):
    """The raw table a source feeds."""

    WORKFLOW = "workflow"
    INTEGRATION = "integration"


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class CsvOptions:
    """How to read a delimited text file; ``None`` lets the reader detect it.

    ``encoding`` (any Python codec name: ``utf-16``, ``cp1252``, ``latin-1``) also applies
    to JSON Lines files; when ``None`` it is detected (see :mod:`orderlens.ingest.encoding`).
    """

    delimiter: str | None = None
    quote: str | None = None
    escape: str | None = None
    encoding: str | None = None
    header: bool | None = None


@dataclass(frozen=True)
class SourceMapping:
    """How one kind of source file maps onto the contract.

    Attributes:
        match: Glob on the file name this mapping applies to.
        target: The raw table fed; inferred from the columns when ``None``.
        columns: Contract column -> the source's column name.
        constants: Contract column -> a value for every row (e.g. the source system).
        values: Contract column -> {source value: contract value} renamings.
        timestamp_format: strptime format of text timestamps; ISO 8601 when ``None``.
            ``epoch_s`` and ``epoch_ms`` read numbers of seconds or milliseconds.
        timezone: IANA zone given to timestamps that carry no offset.
        csv: Options of the CSV reader.
        case_object_type: OCEL object type whose objects are the cases.
        personal: Column or attribute names holding personal data beyond those found by
            name (see :mod:`orderlens.ingest.pseudonymization`).
        safe: Names that look personal but are not, kept as they are.
        plausible_from: First plausible day of an event, overriding the setting.
        plausible_until: Last plausible day of an event, overriding the setting.
        relative_timestamps: The times count from the Unix epoch (a simulation's
            relative times, all near 1970-01-01): the plausible window starts a day
            before 1970-01-01, so offsets written with such times stay inside it.
        free_text: Columns or ``attributes`` keys of free text beyond those found by
            their content (see :mod:`orderlens.ingest.personal_content`).
        free_text_handling: ``scrub`` or ``exclude`` free text, overriding the setting
            ``ORDERLENS_FREE_TEXT``; ``None`` follows the setting.
    """

    match: str = "*"
    target: Target | None = None
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    timestamp_format: str | None = None
    timezone: str = "UTC"
    csv: CsvOptions = field(default_factory=CsvOptions)
    case_object_type: str | None = None
    personal: frozenset[str] = frozenset()
    safe: frozenset[str] = frozenset()
    plausible_from: date | None = None
    plausible_until: date | None = None
    relative_timestamps: bool = False
    free_text: frozenset[str] = frozenset()
    free_text_handling: FreeTextHandling | None = None


@dataclass(frozen=True)
class MappingFile:
    """The sources of one mapping file, tried in order."""

    sources: tuple[SourceMapping, ...] = ()

    def for_file(self, path: Path) -> SourceMapping:
        """The first source whose ``match`` fits ``path``'s name, else the empty mapping."""
        for source in self.sources:
            if fnmatch.fnmatch(path.name, source.match):
                return source
        return SourceMapping()


_SOURCE_KEYS = {
    "match",
    "target",
    "columns",
    "constants",
    "values",
    "timestamp_format",
    "timezone",
    "csv",
    "case_object_type",
    "personal",
    "safe",
    "plausible_from",
    "plausible_until",
    "relative_timestamps",
    "free_text",
    "free_text_handling",
}
_CSV_KEYS = {"delimiter", "quote", "escape", "encoding", "header"}


def _contract_columns() -> set[str]:
    return set(field_names(WorkflowEvent)) | set(field_names(IntegrationEvent))


def _check_columns(where: str, names: dict[str, Any]) -> None:
    unknown = sorted(set(names) - _contract_columns())
    if unknown:
        raise MappingError(f"{where}: {', '.join(unknown)} not in the data contract")


def _day(raw: dict[str, Any], key: str, where: str) -> date | None:
    """A YAML date (``1970-01-01``, read by YAML as a date) or its text."""
    value = raw.get(key)
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise MappingError(f"{where}.{key}: must be a date written YYYY-MM-DD") from error


def _plausible_window(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """The mapping's timestamp window keys, checked."""
    relative = raw.get("relative_timestamps", False)
    if not isinstance(relative, bool):
        raise MappingError(f"{where}.relative_timestamps: must be true or false")
    earliest = _day(raw, "plausible_from", where)
    if relative and earliest is not None:
        raise MappingError(
            f"{where}: relative_timestamps and plausible_from both set the earliest day; keep one"
        )
    latest = _day(raw, "plausible_until", where)
    if earliest is not None and latest is not None and latest < earliest:
        raise MappingError(f"{where}: plausible_until is before plausible_from")
    return {"plausible_from": earliest, "plausible_until": latest, "relative_timestamps": relative}


def parse_source(raw: dict[str, Any], *, where: str) -> SourceMapping:
    """Build one :class:`SourceMapping` from its YAML dictionary.

    Raises:
        MappingError: an unknown key, an unknown contract column or an unknown zone.
    """
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: a source must be a mapping of keys")
    unknown = sorted(set(raw) - _SOURCE_KEYS)
    if unknown:
        raise MappingError(f"{where}: unknown key(s) {', '.join(unknown)}")
    columns = {str(k): str(v) for k, v in (raw.get("columns") or {}).items()}
    constants = dict(raw.get("constants") or {})
    values = {
        str(k): {str(a): str(b) for a, b in v.items()} for k, v in (raw.get("values") or {}).items()
    }
    for part, names in (("columns", columns), ("constants", constants), ("values", values)):
        _check_columns(f"{where}.{part}", names)
    csv_raw = raw.get("csv") or {}
    unknown_csv = sorted(set(csv_raw) - _CSV_KEYS)
    if unknown_csv:
        raise MappingError(f"{where}.csv: unknown key(s) {', '.join(unknown_csv)}")
    if csv_raw.get("encoding") is not None:
        try:
            codecs.lookup(str(csv_raw["encoding"]))
        except LookupError as error:
            raise MappingError(
                f"{where}.csv.encoding: unknown encoding {csv_raw['encoding']!r}"
            ) from error
    zone = str(raw.get("timezone") or "UTC")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise MappingError(f"{where}.timezone: unknown time zone {zone!r}") from error
    names: dict[str, frozenset[str]] = {}
    for part in ("personal", "safe", "free_text"):
        listed = raw.get(part) or []
        if not isinstance(listed, list) or not all(isinstance(name, str) for name in listed):
            raise MappingError(f"{where}.{part}: must be a list of column names")
        names[part] = frozenset(listed)
    overlap = sorted(names["personal"] & names["safe"])
    if overlap:
        raise MappingError(f"{where}: {', '.join(overlap)} listed as both personal and safe")
    handling_text = raw.get("free_text_handling")
    try:
        handling = FreeTextHandling(str(handling_text)) if handling_text else None
    except ValueError as error:
        raise MappingError(f"{where}.free_text_handling: must be scrub or exclude") from error
    target_text = raw.get("target")
    try:
        target = Target(target_text) if target_text else None
    except ValueError as error:
        raise MappingError(f"{where}.target: must be workflow or integration") from error
    return SourceMapping(
        match=str(raw.get("match") or "*"),
        target=target,
        columns=columns,
        constants=constants,
        values=values,
        timestamp_format=raw.get("timestamp_format"),
        timezone=zone,
        csv=CsvOptions(**csv_raw),
        case_object_type=raw.get("case_object_type"),
        personal=names["personal"],
        safe=names["safe"],
        free_text=names["free_text"],
        free_text_handling=handling,
        **_plausible_window(raw, where),
    )


def load_mapping(path: Path | None) -> MappingFile:
    """Read a mapping file; ``None`` gives the empty mapping (contract names, UTC).

    Raises:
        MappingError: the file is missing, is not YAML or holds an invalid source.
    """
    if path is None:
        return MappingFile()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise MappingError(f"{path}: cannot read mapping file ({error.strerror})") from error
    except yaml.YAMLError as error:
        raise MappingError(f"{path}: not valid YAML ({error})") from error
    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        raise MappingError(f"{path}: expected a top-level 'sources:' list")
    return MappingFile(
        tuple(
            parse_source(raw, where=f"{path}: sources[{index}]")
            for index, raw in enumerate(document["sources"])
        )
    )
