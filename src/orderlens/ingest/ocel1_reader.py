"""OCEL 1.0 reader: pm4py's CSV, JSON-OCEL and XML-OCEL, read into the OCEL 2.0 model.

Object-centric exports from pm4py and the tools built on it are still mostly OCEL 1.0.
Each encoding is read here into the same :class:`~orderlens.ingest.ocel_reader.OcelLog`
the OCEL 2.0 reader produces, so the log is stored in the same ``raw.ocel_*`` tables and
flattened to cases by the same code; only the encodings and the default case type differ.

* **CSV** (pm4py's extended table): ``ocel:eid``, ``ocel:activity``, ``ocel:timestamp``,
  one ``ocel:type:<type>`` column per object type holding a Python list literal of object
  ids (``['990001']``, ``['o1', 'o2']``) or nothing, and any other column as an event
  attribute. pm4py ignores a cell that is not a list literal; here it rejects the file,
  naming the row and column, because ignoring it would lose the event's objects silently.
  Objects are the ids the ``ocel:type:`` columns name; a CSV carries no object attributes.
* **JSON-OCEL**: ``ocel:events`` and ``ocel:objects`` maps keyed by id, ``ocel:vmap`` /
  ``ocel:ovmap`` attributes, ``ocel:omap`` related objects (qualifiers from
  ``ocel:typedOmap``), and pm4py's extensions ``ocel:o2o`` on objects and
  ``ocel:objectChanges``.
* **XML-OCEL**: ``<log>`` with ``<global>`` elements, ``<events>`` and ``<objects>`` whose
  children are typed key/value elements (``<string key="id" value="e1"/>``), ``omap``
  and ``vmap``/``ovmap`` lists, and pm4py's ``<o2o>`` section.

OCEL 1.0 object attributes have no time: they are stored as values at the Unix epoch,
the time the OCEL 2.0 standard gives initial values. Timestamps without an offset (pm4py's
CSV writes them) are read in the mapping's declared zone.

The default case type differs from OCEL 2.0's: OCEL 1.0 exports often name the order
type ``order`` alongside ``order item`` or ``orders``, so the most frequent type (related
to the most events) among those whose name contains ``order`` is taken, else the most
frequent type (see :func:`choose_ocel1_case_type`).
"""

from __future__ import annotations

import ast
import csv
import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from lxml import etree

from orderlens.ingest.formats import SourceFormat
from orderlens.ingest.ocel_reader import (
    CaseTypeChoice,
    OcelEvent,
    OcelLog,
    OcelObject,
    events_per_object_type,
    parse_ocel_time,
)
from orderlens.ingest.source import UnreadableFileError

EVENT_ID_COLUMN = "ocel:eid"
ACTIVITY_COLUMN = "ocel:activity"
TIMESTAMP_COLUMN = "ocel:timestamp"
OBJECT_TYPE_PREFIX = "ocel:type:"
"""pm4py's CSV names one column per object type ``ocel:type:<type>``."""

STATIC_ATTRIBUTE_TIME = datetime(1970, 1, 1, tzinfo=UTC)
"""When an OCEL 1.0 object attribute (which has no time) is said to take its value."""


def _open_text(path: Path, encoding: str) -> IO[str]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding=encoding, newline="")
    return path.open(encoding=encoding, newline="")


def parse_object_list(text: str) -> list[str]:
    """Object ids of one ``ocel:type:<type>`` cell: a list literal, or nothing when blank.

    Raises:
        ValueError: the cell is neither blank nor a list literal of ids.
    """
    stripped = text.strip()
    if not stripped:
        return []
    parsed = ast.literal_eval(stripped) if stripped.startswith("[") else None
    if not isinstance(parsed, list) or not all(
        isinstance(item, str | int) and not isinstance(item, bool) for item in parsed
    ):
        raise ValueError(f"{text!r} is not a list of object ids such as ['o1', 'o2']")
    return [str(item) for item in parsed]


def _csv_rows(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Data records numbered from 1 (header excluded), as column -> text."""
    with _open_text(path, encoding) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise UnreadableFileError("the OCEL 1.0 CSV file is empty")
        missing = [
            name
            for name in (EVENT_ID_COLUMN, ACTIVITY_COLUMN, TIMESTAMP_COLUMN)
            if name not in header
        ]
        if missing:
            raise UnreadableFileError(f"required OCEL 1.0 column(s) {', '.join(missing)} missing")
        for number, values in enumerate(reader, start=1):
            if not values:
                continue
            if len(values) != len(header):
                raise UnreadableFileError(
                    f"row {number}: {len(values)} fields where the header has {len(header)}"
                )
            yield number, dict(zip(header, values, strict=True))


def _required(row: dict[str, str], column: str, number: int) -> str:
    """A cell an OCEL event cannot do without (its id, activity or time)."""
    value = row[column].strip()
    if not value:
        raise UnreadableFileError(f"row {number}, column {column}: empty")
    return value


def _read_csv(path: Path, zone: ZoneInfo, encoding: str) -> OcelLog:
    events = []
    type_of: dict[str, str] = {}
    for number, row in _csv_rows(path, encoding):
        event_id = _required(row, EVENT_ID_COLUMN, number)
        activity = _required(row, ACTIVITY_COLUMN, number)
        time_text = _required(row, TIMESTAMP_COLUMN, number)
        try:
            time = parse_ocel_time(time_text, zone)
        except ValueError as error:
            raise UnreadableFileError(
                f"row {number}, column {TIMESTAMP_COLUMN}: cannot read {time_text!r} as a timestamp"
            ) from error
        related: list[tuple[str, str]] = []
        attributes: dict[str, object] = {}
        for column, text in row.items():
            if column.startswith(OBJECT_TYPE_PREFIX):
                object_type = column.removeprefix(OBJECT_TYPE_PREFIX)
                try:
                    object_ids = parse_object_list(text)
                except (ValueError, SyntaxError) as error:
                    raise UnreadableFileError(
                        f"row {number}, column {column}: {text!r} is not a list of object ids "
                        "such as ['o1', 'o2']"
                    ) from error
                for object_id in object_ids:
                    known = type_of.setdefault(object_id, object_type)
                    if known != object_type:
                        raise UnreadableFileError(
                            f"row {number}, column {column}: object {object_id!r} was "
                            f"already of type {known!r}"
                        )
                    related.append((object_id, ""))
            elif column not in (EVENT_ID_COLUMN, ACTIVITY_COLUMN, TIMESTAMP_COLUMN) and text:
                attributes[column] = text
        events.append(OcelEvent(event_id, activity, time, attributes, tuple(related)))
    objects = tuple(
        OcelObject(object_id, object_type) for object_id, object_type in type_of.items()
    )
    return OcelLog(tuple(events), objects, ())


def _read_json(path: Path, zone: ZoneInfo, encoding: str) -> OcelLog:
    with _open_text(path, encoding) as handle:
        document = json.load(handle)
    objects = []
    relations = []
    history: dict[str, list[tuple[str, datetime, object]]] = {}
    for change in document.get("ocel:objectChanges") or []:
        name = str(change["ocel:field"])
        history.setdefault(str(change["ocel:oid"]), []).append(
            (name, parse_ocel_time(change["ocel:timestamp"], zone), change.get(name))
        )
    for object_id, raw in document["ocel:objects"].items():
        initial = [
            (str(name), STATIC_ATTRIBUTE_TIME, value)
            for name, value in (raw.get("ocel:ovmap") or {}).items()
        ]
        attributes = tuple(initial + history.get(object_id, []))
        objects.append(OcelObject(str(object_id), str(raw["ocel:type"]), attributes))
        relations.extend(
            (str(object_id), str(target["ocel:oid"]), str(target.get("ocel:qualifier") or ""))
            for target in raw.get("ocel:o2o") or []
        )
    events = []
    for event_id, raw in document["ocel:events"].items():
        qualifiers = {
            str(typed["ocel:oid"]): str(typed.get("ocel:qualifier") or "")
            for typed in raw.get("ocel:typedOmap") or []
        }
        events.append(
            OcelEvent(
                str(event_id),
                str(raw["ocel:activity"]),
                parse_ocel_time(raw["ocel:timestamp"], zone),
                {str(name): value for name, value in (raw.get("ocel:vmap") or {}).items()},
                tuple(
                    (str(object_id), qualifiers.get(str(object_id), ""))
                    for object_id in dict.fromkeys(raw.get("ocel:omap") or [])
                ),
            )
        )
    return OcelLog(tuple(events), tuple(objects), tuple(relations))


def _typed_value(element: etree._Element) -> object:
    """An XML-OCEL value as JSON-OCEL would hold it: numbers as numbers, the rest as text."""
    text = element.get("value")
    tag = str(element.tag).lower()
    if text is not None and tag == "float":
        return float(text)
    if text is not None and tag == "int":
        return int(text)
    if text is not None and tag == "boolean":
        return text.strip().lower() == "true"
    return text


def _keyed(element: etree._Element) -> dict[str, etree._Element]:
    """The children of an event or object element by their ``key``."""
    return {str(child.get("key")): child for child in element if child.get("key") is not None}


def _read_xml(path: Path, zone: ZoneInfo, encoding: str) -> OcelLog:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True
    )
    with path.open("rb") as handle:
        root = etree.parse(handle, parser).getroot()
    objects = []
    for element in root.iterfind("objects/object"):
        fields = _keyed(element)
        object_id = str(fields["id"].get("value"))
        seen: set[str] = set()
        attributes = []
        for child in fields.get("ovmap", ()):
            name = str(child.get("key"))
            # pm4py writes an attribute's later values again with a timestamp attribute
            changed_at = child.get("timestamp")
            time = (
                parse_ocel_time(changed_at, zone)
                if name in seen and changed_at
                else STATIC_ATTRIBUTE_TIME
            )
            seen.add(name)
            attributes.append((name, time, _typed_value(child)))
        objects.append(OcelObject(object_id, str(fields["type"].get("value")), tuple(attributes)))
    events = []
    for element in root.iterfind("events/event"):
        fields = _keyed(element)
        related = {
            str(child.get("value")): child.get("qualifier") or ""
            for child in fields.get("omap", ())
        }
        events.append(
            OcelEvent(
                str(fields["id"].get("value")),
                str(fields["activity"].get("value")),
                parse_ocel_time(str(fields["timestamp"].get("value")), zone),
                {str(child.get("key")): _typed_value(child) for child in fields.get("vmap", ())},
                tuple(related.items()),
            )
        )
    relations = tuple(
        (str(link.get("source")), str(link.get("target")), link.get("qualifier") or "")
        for link in root.iterfind("o2o/*")
    )
    return OcelLog(tuple(events), tuple(objects), relations)


def read_ocel1(
    path: Path, source_format: SourceFormat, *, timezone: str = "UTC", encoding: str = "utf-8"
) -> OcelLog:
    """Read an OCEL 1.0 log in any of its three encodings (see the module documentation).

    Args:
        path: The file.
        source_format: ``OCEL1_CSV``, ``OCEL1_JSON`` or ``OCEL1_XML``.
        timezone: Zone of timestamps written without an offset.
        encoding: Text encoding of the CSV and JSON encodings (XML declares its own).

    Raises:
        UnreadableFileError: the file is not a readable log of that encoding; for CSV the
            message names the row and column.
    """
    zone = ZoneInfo(timezone)
    readers = {
        SourceFormat.OCEL1_CSV: _read_csv,
        SourceFormat.OCEL1_JSON: _read_json,
        SourceFormat.OCEL1_XML: _read_xml,
    }
    try:
        log = readers[source_format](path, zone, encoding)
    except UnreadableFileError:
        raise
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        csv.Error,
        etree.XMLSyntaxError,
    ) as error:
        encoding_name = source_format.value.split("_")[1]
        raise UnreadableFileError(
            f"not a readable OCEL 1.0 {encoding_name} log: {type(error).__name__}: {error}"
        ) from error
    if not log.events:
        raise UnreadableFileError("the OCEL log holds no events")
    return log


def choose_ocel1_case_type(log: OcelLog, preferred: str | None = None) -> CaseTypeChoice:
    """The object type whose objects are the cases of an OCEL 1.0 log.

    The mapping's ``case_object_type`` when given; else, of the types whose name contains
    ``order`` (any case), the one related to the most events; else the type related to
    the most events. Ties go to the first name in sort order.
    """
    if preferred is not None:
        return CaseTypeChoice(preferred, "set by the mapping's case_object_type")
    counts = events_per_object_type(log)
    if not counts:
        return CaseTypeChoice(None, "no event relates to a typed object")
    orders = [name for name in counts if "order" in name.lower()]
    if orders:
        chosen = min(orders, key=lambda name: (-counts[name], name))
        return CaseTypeChoice(chosen, "of the types named like 'order', the one in the most events")
    chosen = min(counts, key=lambda name: (-counts[name], name))
    return CaseTypeChoice(chosen, "no type is named like 'order': the type in the most events")
