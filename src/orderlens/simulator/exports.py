"""Process-mining exports of the workflow events: XES and OCEL 2.0 JSON.

XES (IEEE 1849) is one trace per order with the event's contract columns as attributes
(``concept:name`` the activity, ``time:timestamp`` the time, ``org:resource`` the
resource). OCEL 2.0 keeps what a flat log loses: every event relates to the objects it
touches (the order, an order line, a shipment, a payment, a return, an exception), and
objects relate to their order. Both are written chunk by chunk; a chunk holds whole
orders, so traces and objects are never split between chunks.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orderlens.simulator.tables import WORKFLOW_SCHEMA, plain

_XES_HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
<global scope="trace"><string key="concept:name" value="__INVALID__"/></global>
<global scope="event"><string key="concept:name" value="__INVALID__"/></global>
<classifier name="Activity" keys="concept:name"/>
"""

_XES_KEYS = {"activity": "concept:name", "resource": "org:resource"}
"""Contract columns written under a standard XES key instead of their own name."""

_OBJECT_COLUMNS = {
    "order_line_id": ("OrderLine", "line"),
    "shipment_id": ("Shipment", "shipment"),
    "payment_id": ("Payment", "payment"),
    "return_id": ("Return", "return"),
    "exception_id": ("Exception", "exception"),
}
"""Event column holding an object id -> (object type, qualifier of the relation)."""

_EVENT_ATTRIBUTES = (
    "source_system",
    "resource",
    "resource_type",
    "channel",
    "node_id",
    "region",
    "carrier",
    "supplier",
    "exception_type",
    "exception_stage",
    "reason_code",
    "amount",
    "currency",
)


def _escape(values: pa.Array) -> pa.Array:
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        values = pc.replace_substring(values, raw, escaped)
    return values


def _iso(values: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(
        pc.strftime(values, format="%Y-%m-%dT%H:%M:%S"), "+00:00", ""
    )


class XesSink:
    """Streams workflow events into one XES file, a trace per order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = path.open("w", encoding="utf-8")
        self._handle.write(_XES_HEADER)

    def write(self, table: pa.Table) -> None:
        """Append the traces of one chunk (rows sorted by case, whole cases)."""
        if table.num_rows == 0:
            return
        table = plain(table)
        parts: list[pa.Array | str] = []
        for field in WORKFLOW_SCHEMA:
            if field.name == "case_id":
                continue
            column = table[field.name].combine_chunks()
            key = _XES_KEYS.get(field.name, field.name)
            if field.name == "event_at":
                element = pc.binary_join_element_wise(
                    '<date key="time:timestamp" value="', _iso(column), '"/>', ""
                )
            elif field.name == "amount":
                element = pc.binary_join_element_wise(
                    f'<float key="{key}" value="', column.cast(pa.string()), '"/>', ""
                )
            else:
                element = pc.binary_join_element_wise(
                    f'<string key="{key}" value="', _escape(column), '"/>', ""
                )
            parts.append(pc.fill_null(element, ""))
        cases = table["case_id"].combine_chunks()
        case_values = np.asarray(cases.to_numpy(zero_copy_only=False))
        starts = np.r_[True, case_values[1:] != case_values[:-1]]
        ends = np.r_[case_values[1:] != case_values[:-1], True]
        opening = pc.binary_join_element_wise(
            '<trace><string key="concept:name" value="', _escape(cases), '"/>\n', ""
        )
        prefix = pc.if_else(pa.array(starts), opening, "")
        suffix = pc.if_else(pa.array(ends), "\n</trace>", "")
        rows = pc.binary_join_element_wise(prefix, "<event>", *parts, "</event>", suffix, "")
        self._handle.write("\n".join(rows.to_pylist()))
        self._handle.write("\n")

    def close(self) -> Path:
        """Close the log element and the file."""
        self._handle.write("</log>\n")
        self._handle.close()
        return self.path


class OcelSink:
    """Streams workflow events and their objects into one OCEL 2.0 JSON document."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._spool = Path(tempfile.mkdtemp(prefix="ocel-", dir=path.parent))
        self._events = (self._spool / "events.json").open("w", encoding="utf-8")
        self._objects = (self._spool / "objects.json").open("w", encoding="utf-8")
        self._event_types: dict[str, set[str]] = {}
        self._first_event = True
        self._first_object = True

    def _emit(self, handle, text: str, first: bool) -> None:
        handle.write(text if first else ",\n" + text)

    def write(self, table: pa.Table) -> None:
        """Append the events and objects of one chunk."""
        table = plain(table)
        times = _iso(table["event_at"].combine_chunks()).to_pylist()
        rows = table.to_pylist()
        objects: dict[str, dict[str, object]] = {}
        for row, time in zip(rows, times, strict=True):
            case = row["case_id"]
            if case not in objects:
                objects[case] = {"id": case, "type": "Order", "attributes": [], "relationships": []}
            relations = [{"objectId": case, "qualifier": "order"}]
            for column, (object_type, qualifier) in _OBJECT_COLUMNS.items():
                object_id = row[column]
                if object_id is None:
                    continue
                relations.append({"objectId": object_id, "qualifier": qualifier})
                if object_id not in objects:
                    attributes = []
                    if object_type == "Exception":
                        attributes = [
                            {"name": "exception_type", "value": row["exception_type"], "time": time}
                        ]
                    objects[object_id] = {
                        "id": object_id,
                        "type": object_type,
                        "attributes": attributes,
                        "relationships": [{"objectId": case, "qualifier": "belongs to order"}],
                    }
            if row["activity"] == "Order Created":
                details = json.loads(row["attributes"] or "{}")
                objects[case]["attributes"] = [
                    {"name": "channel", "value": row["channel"], "time": time},
                    {
                        "name": "fulfillment_method",
                        "value": details.get("fulfillment_method", ""),
                        "time": time,
                    },
                ]
                for number in range(1, int(details.get("lines", 0)) + 1):
                    line_id = f"{case}-L{number}"
                    relations.append({"objectId": line_id, "qualifier": "line"})
                    objects.setdefault(
                        line_id,
                        {
                            "id": line_id,
                            "type": "OrderLine",
                            "attributes": [],
                            "relationships": [{"objectId": case, "qualifier": "belongs to order"}],
                        },
                    )
            attributes = []
            for name in _EVENT_ATTRIBUTES:
                value = row[name]
                if value is not None:
                    attributes.append({"name": name, "value": str(value)})
            self._event_types.setdefault(row["activity"], set()).update(
                item["name"] for item in attributes
            )
            event = {
                "id": row["event_id"],
                "type": row["activity"],
                "time": time,
                "attributes": attributes,
                "relationships": _unique(relations),
            }
            self._emit(self._events, json.dumps(event, separators=(",", ":")), self._first_event)
            self._first_event = False
        for entry in objects.values():
            self._emit(self._objects, json.dumps(entry, separators=(",", ":")), self._first_object)
            self._first_object = False

    def close(self) -> Path:
        """Stitch types, objects and events into the final document."""
        self._events.close()
        self._objects.close()
        object_types = [
            {
                "name": "Order",
                "attributes": [
                    {"name": "channel", "type": "string"},
                    {"name": "fulfillment_method", "type": "string"},
                ],
            },
            {"name": "OrderLine", "attributes": []},
            {"name": "Shipment", "attributes": []},
            {"name": "Payment", "attributes": []},
            {"name": "Return", "attributes": []},
            {"name": "Exception", "attributes": [{"name": "exception_type", "type": "string"}]},
        ]
        event_types = [
            {
                "name": name,
                "attributes": [
                    {"name": attribute, "type": "float" if attribute == "amount" else "string"}
                    for attribute in sorted(attributes)
                ],
            }
            for name, attributes in sorted(self._event_types.items())
        ]
        with self.path.open("w", encoding="utf-8") as out:
            out.write('{"objectTypes":' + json.dumps(object_types) + ",\n")
            out.write('"eventTypes":' + json.dumps(event_types) + ",\n")
            out.write('"objects":[\n')
            with (self._spool / "objects.json").open(encoding="utf-8") as part:
                shutil.copyfileobj(part, out)
            out.write('\n],\n"events":[\n')
            with (self._spool / "events.json").open(encoding="utf-8") as part:
                shutil.copyfileobj(part, out)
            out.write("\n]}\n")
        shutil.rmtree(self._spool)
        return self.path


def _unique(relations: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: set[str] = set()
    kept = []
    for relation in relations:
        if relation["objectId"] not in seen:
            seen.add(relation["objectId"])
            kept.append(relation)
    return kept
