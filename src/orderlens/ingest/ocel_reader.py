"""OCEL 2.0 reader: the JSON, XML and SQLite encodings, kept whole and flattened to cases.

Every encoding is read into one :class:`OcelLog` (events, objects with their attribute
histories, event-object and object-object relations). The relations are stored as they are
in ``raw.ocel_events``, ``raw.ocel_objects``, ``raw.ocel_event_objects`` and
``raw.ocel_object_objects``; the events are flattened to workflow events with one object
type as the case:

* the mapping's ``case_object_type``, else the object type named ``order``/``orders``,
  else one whose name ends in ``order`` (``Purchase Order``), else the type related to the
  most events (ties by name);
* an event related to one or more objects of that type becomes one workflow event per
  object (``event_id`` is the OCEL id, or ``<id>@<object>`` when it has several);
* an event related to none borrows the case objects one object-object relation away from
  its objects (an invoice's order); an event with no case object even then is kept with
  no case, so validation quarantines it with its reason instead of dropping it.

Naive timestamps (the XML and SQLite encodings often carry them) are read in the mapping's
declared zone.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
from lxml import etree

from orderlens.ingest.formats import SourceFormat
from orderlens.ingest.pseudonymization import PseudonymizationPolicy
from orderlens.ingest.source import (
    ERROR_COLUMN,
    ROW_COLUMN,
    SOURCE_VIEW,
    TEXT_COLUMN,
    SourceColumns,
    UnreadableFileError,
    describe_source,
)


@dataclass(frozen=True)
class OcelEvent:
    """One OCEL event with its attributes and related objects (id, qualifier)."""

    event_id: str
    event_type: str
    time: datetime
    attributes: dict[str, object] = field(default_factory=dict)
    objects: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class OcelObject:
    """One OCEL object with its attribute history (name, time, value)."""

    object_id: str
    object_type: str
    attributes: tuple[tuple[str, datetime, object], ...] = ()


@dataclass(frozen=True)
class OcelLog:
    """An OCEL 2.0 log: events, objects and object-object relations (source, target, qualifier)."""

    events: tuple[OcelEvent, ...]
    objects: tuple[OcelObject, ...]
    object_relations: tuple[tuple[str, str, str], ...]


def parse_ocel_time(text: str, zone: ZoneInfo) -> datetime:
    value = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _read_json(path: Path, zone: ZoneInfo) -> OcelLog:
    document = json.loads(path.read_text(encoding="utf-8"))
    events = tuple(
        OcelEvent(
            str(raw["id"]),
            str(raw["type"]),
            parse_ocel_time(raw["time"], zone),
            {str(a["name"]): a.get("value") for a in raw.get("attributes") or []},
            tuple(
                (str(r["objectId"]), str(r.get("qualifier") or ""))
                for r in raw.get("relationships") or []
            ),
        )
        for raw in document.get("events") or []
    )
    objects = []
    relations = []
    for raw in document.get("objects") or []:
        attributes = tuple(
            (str(a["name"]), parse_ocel_time(a["time"], zone), a.get("value"))
            for a in raw.get("attributes") or []
        )
        objects.append(OcelObject(str(raw["id"]), str(raw["type"]), attributes))
        relations.extend(
            (str(raw["id"]), str(r["objectId"]), str(r.get("qualifier") or ""))
            for r in raw.get("relationships") or []
        )
    return OcelLog(events, tuple(objects), tuple(relations))


def _read_xml(path: Path, zone: ZoneInfo) -> OcelLog:
    root = etree.parse(
        str(path), etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    ).getroot()
    objects = []
    relations = []
    for element in root.iterfind("objects/object"):
        object_id = element.get("id")
        attributes = tuple(
            (a.get("name"), parse_ocel_time(a.get("time"), zone), a.text)
            for a in element.iterfind("attributes/attribute")
        )
        objects.append(OcelObject(object_id, element.get("type"), attributes))
        relations.extend(
            (object_id, r.get("object-id"), r.get("qualifier") or "")
            for r in element.iterfind("objects/relationship")
        )
    events = tuple(
        OcelEvent(
            element.get("id"),
            element.get("type"),
            parse_ocel_time(element.get("time"), zone),
            {a.get("name"): a.text for a in element.iterfind("attributes/attribute")},
            tuple(
                (r.get("object-id"), r.get("qualifier") or "")
                for r in element.iterfind("objects/relationship")
            ),
        )
        for element in root.iterfind("events/event")
    )
    return OcelLog(events, tuple(objects), tuple(relations))


def _read_sqlite(path: Path, zone: ZoneInfo) -> OcelLog:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        db.row_factory = sqlite3.Row
        event_tables = dict(
            db.execute("SELECT ocel_type, ocel_type_map FROM event_map_type").fetchall()
        )
        object_tables = dict(
            db.execute("SELECT ocel_type, ocel_type_map FROM object_map_type").fetchall()
        )
        links: dict[str, list[tuple[str, str]]] = {}
        for event_id, object_id, qualifier in db.execute(
            "SELECT ocel_event_id, ocel_object_id, ocel_qualifier FROM event_object"
        ).fetchall():
            links.setdefault(event_id, []).append((object_id, qualifier or ""))
        details: dict[str, sqlite3.Row] = {}
        for table in event_tables.values():
            for row in db.execute(f'SELECT * FROM "event_{table}"').fetchall():
                details[row["ocel_id"]] = row
        events = []
        for event_id, event_type in db.execute("SELECT ocel_id, ocel_type FROM event").fetchall():
            row = dict(details[event_id])
            attributes = {
                key: value for key, value in row.items() if key not in ("ocel_id", "ocel_time")
            }
            events.append(
                OcelEvent(
                    event_id,
                    event_type,
                    parse_ocel_time(row["ocel_time"], zone),
                    attributes,
                    tuple(links.get(event_id, [])),
                )
            )
        objects = []
        for object_type, table in object_tables.items():
            history: dict[str, list[tuple[str, datetime, object]]] = {}
            for fetched in db.execute(f'SELECT * FROM "object_{table}"').fetchall():
                row = dict(fetched)
                keys = [k for k in row if k not in ("ocel_id", "ocel_time", "ocel_changed_field")]
                changed = row.get("ocel_changed_field")
                names = [changed] if changed else [k for k in keys if row[k] is not None]
                history.setdefault(row["ocel_id"], []).extend(
                    (name, parse_ocel_time(row["ocel_time"], zone), row[name]) for name in names
                )
            order = [
                r[0]
                for r in db.execute(
                    "SELECT ocel_id FROM object WHERE ocel_type = ?", [object_type]
                ).fetchall()
            ]
            objects.extend(
                OcelObject(object_id, object_type, tuple(history.get(object_id, [])))
                for object_id in order
            )
        relations = tuple(
            (source, target, qualifier or "")
            for source, target, qualifier in db.execute(
                "SELECT ocel_source_id, ocel_target_id, ocel_qualifier FROM object_object"
            ).fetchall()
        )
    return OcelLog(tuple(events), tuple(objects), relations)


def read_ocel(path: Path, source_format: SourceFormat, *, timezone: str = "UTC") -> OcelLog:
    """Read an OCEL 2.0 log in any of its three encodings.

    Raises:
        UnreadableFileError: the file is not a readable log of that encoding.
    """
    zone = ZoneInfo(timezone)
    readers = {
        SourceFormat.OCEL_JSON: _read_json,
        SourceFormat.OCEL_XML: _read_xml,
        SourceFormat.OCEL_SQLITE: _read_sqlite,
    }
    try:
        log = readers[source_format](path, zone)
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        sqlite3.Error,
        etree.XMLSyntaxError,
    ) as error:
        raise UnreadableFileError(
            f"not a readable OCEL 2.0 {source_format.value.split('_')[1]} log: {error}"
        ) from error
    if not log.events:
        raise UnreadableFileError("the OCEL log holds no events")
    return log


def pseudonymize_log(log: OcelLog, policy: PseudonymizationPolicy) -> OcelLog:
    """The log with personal data replaced by pseudonyms, before anything is stored.

    Values of personal event and object attributes become pseudonyms, and so do the ids
    of objects whose type names a person (``customers``, ``Client``) wherever they
    appear (objects, event-object and object-object relations), so relations still join.

    Raises:
        PersonalDataError: the log holds personal data and no key is set.
    """
    attribute_names = {name for event in log.events for name in event.attributes} | {
        name for obj in log.objects for name, _, _ in obj.attributes
    }
    personal = set(policy.personal_names(sorted(attribute_names)))
    person_types = set(policy.personal_names(sorted({obj.object_type for obj in log.objects})))
    if not personal and not person_types:
        return log
    policy.require_key(sorted(personal) + [f"objects of type {name}" for name in person_types])
    renamed = {
        obj.object_id: str(policy.pseudonym(obj.object_id))
        for obj in log.objects
        if obj.object_type in person_types
    }

    def object_id(identifier: str) -> str:
        return renamed.get(identifier, identifier)

    def value(name: str, raw: object) -> object:
        return policy.pseudonym(raw) if name in personal else raw

    events = tuple(
        OcelEvent(
            event.event_id,
            event.event_type,
            event.time,
            {name: value(name, raw) for name, raw in event.attributes.items()},
            tuple((object_id(target), qualifier) for target, qualifier in event.objects),
        )
        for event in log.events
    )
    objects = tuple(
        OcelObject(
            object_id(obj.object_id),
            obj.object_type,
            tuple((name, time, value(name, raw)) for name, time, raw in obj.attributes),
        )
        for obj in log.objects
    )
    relations = tuple(
        (object_id(source), object_id(target), qualifier)
        for source, target, qualifier in log.object_relations
    )
    return OcelLog(events, objects, relations)


@dataclass(frozen=True)
class CaseTypeChoice:
    """The object type whose objects become the cases, and why it was chosen.

    Attributes:
        object_type: The chosen type; ``None`` when the log relates events to no typed
            object at all, so every event is quarantined for its missing case.
        reason: Which rule chose it, said to the user in the ingest output.
    """

    object_type: str | None
    reason: str

    def describe(self) -> str:
        """One sentence for the ingest report and the manifest."""
        if self.object_type is None:
            return f"no case object type ({self.reason}): events are quarantined"
        return f"cases are objects of type {self.object_type!r} ({self.reason})"


@dataclass(frozen=True)
class OcelSource:
    """An OCEL log read for loading, with the case type its events are flattened on and
    how many flattened events have no case object (validation quarantines them)."""

    log: OcelLog
    case_type: CaseTypeChoice
    caseless_events: int = 0


def events_per_object_type(log: OcelLog) -> Counter[str]:
    """How many events relate to at least one object of each type."""
    type_of = {obj.object_id: obj.object_type for obj in log.objects}
    return Counter(
        object_type
        for event in log.events
        for object_type in {type_of[o] for o, _ in event.objects if o in type_of}
    )


def choose_case_type(log: OcelLog, preferred: str | None = None) -> CaseTypeChoice:
    """The OCEL 2.0 case object type (see the module documentation)."""
    if preferred is not None:
        return CaseTypeChoice(preferred, "set by the mapping's case_object_type")
    types = {obj.object_type for obj in log.objects}
    for candidate in sorted(types):
        if candidate.lower() in ("order", "orders"):
            return CaseTypeChoice(candidate, "the type named order")
    for candidate in sorted(types):
        if candidate.lower().endswith("order"):
            return CaseTypeChoice(candidate, "a type whose name ends in order")
    counts = events_per_object_type(log)
    if not counts:
        return CaseTypeChoice(None, "no event relates to a typed object")
    return CaseTypeChoice(
        min(counts, key=lambda name: (-counts[name], name)), "the type related to the most events"
    )


def flatten(log: OcelLog, case_type: str | None) -> list[dict[str, object]]:
    """Workflow-event rows of the log with ``case_type`` objects as cases, in file order."""
    type_of = {obj.object_id: obj.object_type for obj in log.objects}
    neighbours: dict[str, set[str]] = {}
    for source, target, _ in log.object_relations:
        neighbours.setdefault(source, set()).add(target)
        neighbours.setdefault(target, set()).add(source)
    rows = []
    for event in log.events:
        related = [object_id for object_id, _ in event.objects]
        cases = sorted({o for o in related if type_of.get(o) == case_type})
        if not cases:
            cases = sorted(
                {n for o in related for n in neighbours.get(o, ()) if type_of.get(n) == case_type}
            )
        attributes = json.dumps(
            {
                **{key: value for key, value in event.attributes.items()},
                "ocel:objects": [
                    {"id": object_id, "type": type_of.get(object_id), "qualifier": qualifier}
                    for object_id, qualifier in event.objects
                ],
            },
            default=str,
            sort_keys=True,
        )
        resource = event.attributes.get("resource") or event.attributes.get("org:resource")
        for case in cases or [None]:
            rows.append(
                {
                    "event_id": event.event_id if len(cases) <= 1 else f"{event.event_id}@{case}",
                    "case_id": case,
                    "activity": event.event_type,
                    "event_at": event.time,
                    "resource": None if resource is None else str(resource),
                    "attributes": attributes,
                }
            )
    return rows


OCEL_TABLE = "_ingest_ocel"


def register_ocel(
    con: duckdb.DuckDBPyConnection, log: OcelLog, *, case_type: str | None
) -> SourceColumns:
    """Register the events flattened on ``case_type`` objects as the source view."""
    import pyarrow as pa  # only OCEL and XES loads pay for importing Arrow

    rows = flatten(log, case_type)
    table = pa.Table.from_pylist(
        [{ROW_COLUMN: index, **row} for index, row in enumerate(rows, start=1)],
        schema=pa.schema(
            [
                (ROW_COLUMN, pa.int64()),
                ("event_id", pa.string()),
                ("case_id", pa.string()),
                ("activity", pa.string()),
                ("event_at", pa.timestamp("us", tz="UTC")),
                ("resource", pa.string()),
                ("attributes", pa.string()),
            ]
        ),
    )
    con.register(OCEL_TABLE, table)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {SOURCE_VIEW} AS "
        f"SELECT {ROW_COLUMN}, NULL::VARCHAR AS {ERROR_COLUMN}, "
        f"NULL::VARCHAR AS {TEXT_COLUMN}, * EXCLUDE ({ROW_COLUMN}) FROM {OCEL_TABLE}"
    )
    return describe_source(con)


OCEL_DDL: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS raw.ocel_events (event_id VARCHAR, event_type VARCHAR, "
    "event_at TIMESTAMPTZ, attributes JSON, source_file VARCHAR, load_id VARCHAR)",
    "CREATE TABLE IF NOT EXISTS raw.ocel_objects (object_id VARCHAR, object_type VARCHAR, "
    "attributes JSON, source_file VARCHAR, load_id VARCHAR)",
    "CREATE TABLE IF NOT EXISTS raw.ocel_event_objects (event_id VARCHAR, object_id VARCHAR, "
    "qualifier VARCHAR, source_file VARCHAR, load_id VARCHAR)",
    "CREATE TABLE IF NOT EXISTS raw.ocel_object_objects (source_object_id VARCHAR, "
    "target_object_id VARCHAR, qualifier VARCHAR, source_file VARCHAR, load_id VARCHAR)",
)
"""The OCEL log as it is: ``attributes`` of an object is its history [{name, time, value}]."""


def create_ocel_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the OCEL relation tables if they do not exist."""
    for statement in OCEL_DDL:
        con.execute(statement)


def insert_ocel_relations(
    con: duckdb.DuckDBPyConnection, log: OcelLog, *, load_id: str, source_file: str
) -> None:
    """Store events, objects and relations not yet in the warehouse (same ids, same facts)."""
    import pyarrow as pa  # only OCEL and XES loads pay for importing Arrow

    lineage = {"source_file": source_file, "load_id": load_id}
    batches = {
        "raw.ocel_events": (
            ["event_id"],
            [
                {
                    "event_id": e.event_id,
                    "event_type": e.event_type,
                    "event_at": e.time,
                    "attributes": json.dumps(e.attributes, default=str, sort_keys=True),
                    **lineage,
                }
                for e in log.events
            ],
        ),
        "raw.ocel_objects": (
            ["object_id"],
            [
                {
                    "object_id": o.object_id,
                    "object_type": o.object_type,
                    "attributes": json.dumps(
                        [
                            {"name": n, "time": t.isoformat(), "value": v}
                            for n, t, v in o.attributes
                        ],
                        default=str,
                    ),
                    **lineage,
                }
                for o in log.objects
            ],
        ),
        "raw.ocel_event_objects": (
            ["event_id", "object_id", "qualifier"],
            [
                {"event_id": e.event_id, "object_id": o, "qualifier": q, **lineage}
                for e in log.events
                for o, q in e.objects
            ],
        ),
        "raw.ocel_object_objects": (
            ["source_object_id", "target_object_id", "qualifier"],
            [
                {"source_object_id": s, "target_object_id": t, "qualifier": q, **lineage}
                for s, t, q in log.object_relations
            ],
        ),
    }
    for table, (keys, rows) in batches.items():
        if not rows:
            continue
        frame = pa.Table.from_pylist(rows)
        con.register("_ingest_ocel_batch", frame)
        columns = ", ".join(frame.column_names)
        con.execute(
            f"INSERT INTO {table} ({columns}) SELECT DISTINCT ON ({', '.join(keys)}) {columns} "
            f"FROM _ingest_ocel_batch AS b WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE "
            + " AND ".join(f"t.{key} = b.{key}" for key in keys)
            + ")"
        )
        con.unregister("_ingest_ocel_batch")
