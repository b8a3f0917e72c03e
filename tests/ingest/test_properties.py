"""Property-based tests: whatever a reader or a mapping is given, nothing is lost.

For every reader (CSV, Parquet, JSON Lines, XES, OCEL JSON and XML) and for the column
mapping, Hypothesis writes generated logs (valid, invalid and junk records mixed) and
ingests them. Each file must end either loaded (``loaded + quarantined == rows_read``,
with the warehouse holding exactly those rows, every quarantined one with a reason, and
``rows_read`` equal to the number of records written) or rejected with a message and
nothing stored; never an unhandled exception or a hang (a per-example deadline and a
test timeout bound each run). Example counts are kept small so the folder stays fast.
"""

from __future__ import annotations

import csv
import io
import json
import re
import string
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from orderlens.contract import WorkflowEvent, field_names
from orderlens.ingest import FileResult, FileStatus, ingest_paths
from orderlens.settings import Settings
from orderlens.warehouse import connect

PROPERTY_SETTINGS = settings(
    max_examples=12,
    deadline=timedelta(seconds=60),
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
COLUMNS = ("event_id", "case_id", "activity", "event_at", "source_system", "channel", "amount")

junk_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\x00\r\n\x1e\u2028\u2029"
    ),
    max_size=12,
)
instants = st.datetimes(min_value=datetime(1980, 1, 1), max_value=datetime(2030, 1, 1))
timestamps = st.one_of(
    instants.map(lambda moment: moment.replace(tzinfo=UTC).isoformat()),
    instants.map(lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S")),
    junk_text,
    st.just("2024-02-30T10:00:00Z"),
    st.just("0001-01-01T00:00:00Z"),
)
records = st.fixed_dictionaries(
    {
        "event_id": st.one_of(st.none(), st.sampled_from(["E1", "E2", "E3"]), junk_text),
        "case_id": st.one_of(st.none(), st.sampled_from(["C1", "C2"]), junk_text),
        "activity": st.one_of(st.none(), st.sampled_from(["Order Created", "Picked"]), junk_text),
        "event_at": st.one_of(st.none(), timestamps),
        "source_system": st.one_of(st.none(), st.sampled_from(["OMS", "wms", "FAX", ""])),
        "channel": st.one_of(st.none(), st.sampled_from(["web", "APP", "fax"]), junk_text),
        "amount": st.one_of(st.none(), st.floats(allow_nan=False).map(str), junk_text),
    }
)


def _ingest(
    folder: Path, path: Path, *, mapping: Path | None = None
) -> tuple[FileResult, Settings]:
    data = Settings(data_dir=folder / "data")
    (result,) = ingest_paths(data, [path], mapping=mapping).results
    return result, data


def _check_outcome(result: FileResult, data: Settings, *, written: int | None) -> None:
    """The file is loaded with counts that add up in the warehouse, or rejected clearly, or
    failed whole (more records invalid than valid) with nothing of it stored."""
    assert result.status in (FileStatus.LOADED, FileStatus.REJECTED, FileStatus.FAILED)
    with connect(data.warehouse_path, read_only=True) as con:
        raw = con.execute(
            "SELECT (SELECT count(*) FROM raw.workflow_events WHERE load_id = ?) "
            "+ (SELECT count(*) FROM raw.integration_events WHERE load_id = ?)",
            [result.load_id, result.load_id],
        ).fetchone()
        quarantined = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE coalesce(reason, '') = '') "
            "FROM quarantine.rejected_rows WHERE load_id = ?",
            [result.load_id],
        ).fetchone()
        manifest = con.execute(
            "SELECT rows_read, loaded, quarantined, status FROM raw.ingest_manifest "
            "WHERE load_id = ?",
            [result.load_id],
        ).fetchall()
    assert raw is not None and quarantined is not None
    if result.status in (FileStatus.REJECTED, FileStatus.FAILED):
        assert result.message.strip()
        assert (raw[0], quarantined[0]) == (0, 0)
        assert [row[3] for row in manifest] == [str(result.status)]
        if result.status is FileStatus.FAILED:
            counts = re.match(r"(\d+) of (\d+) records fail validation, (\d+) pass", result.message)
            assert counts is not None, result.message
            invalid, read, passed = (int(part) for part in counts.groups())
            assert invalid > passed and invalid + passed <= read
            if written is not None:
                assert read == written
        return
    assert result.loaded + result.quarantined == result.rows_read
    assert (raw[0], quarantined[0], quarantined[1]) == (result.loaded, result.quarantined, 0)
    assert manifest == [(result.rows_read, result.loaded, result.quarantined, "loaded")]
    if written is not None:
        assert result.rows_read == written


def _csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(name) is None else row[name] for name in columns])
    return buffer.getvalue()


_CSV_MAPPING = "sources:\n  - match: '*'\n    csv: {delimiter: ',', quote: '\"', header: true}\n"


@pytest.mark.timeout(300)
@PROPERTY_SETTINGS
@given(rows=st.lists(records, max_size=20))
def test_csv_reader_accounts_for_every_record(rows: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "orders.csv"
        path.write_text(_csv_text(rows, list(COLUMNS)), encoding="utf-8")
        mapping = folder / "mapping.yaml"
        mapping.write_text(_CSV_MAPPING, encoding="utf-8")
        result, data = _ingest(folder, path, mapping=mapping)
        _check_outcome(result, data, written=len(rows))


@pytest.mark.timeout(300)
@PROPERTY_SETTINGS
@given(content=st.binary(max_size=400))
def test_csv_reader_survives_arbitrary_bytes(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "noise.csv"
        path.write_bytes(b"event_id,case_id,activity,event_at\n" + content)
        result, data = _ingest(folder, path)
        _check_outcome(result, data, written=None)


@pytest.mark.timeout(300)
@PROPERTY_SETTINGS
@given(rows=st.lists(records, max_size=20))
def test_parquet_reader_accounts_for_every_record(rows: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "orders.parquet"
        table = pa.table(
            {column: pa.array([row[column] for row in rows], pa.string()) for column in COLUMNS}
        )
        pq.write_table(table, path)
        result, data = _ingest(folder, path)
        _check_outcome(result, data, written=len(rows))


jsonl_lines = st.lists(
    st.one_of(
        records.map(lambda record: json.dumps({k: v for k, v in record.items() if v is not None})),
        junk_text.filter(lambda text: text.strip() != ""),
        st.just(""),
        st.just("[1, 2]"),
    ),
    max_size=20,
)


@pytest.mark.timeout(300)
@PROPERTY_SETTINGS
@given(lines=jsonl_lines)
def test_jsonl_reader_accounts_for_every_non_blank_line(lines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "feed.jsonl"
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        result, data = _ingest(folder, path)
        _check_outcome(result, data, written=sum(1 for line in lines if line != ""))


xml_text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xD7FF), min_size=0, max_size=10
)
xes_events = st.fixed_dictionaries(
    {
        "activity": st.one_of(st.none(), xml_text),
        "at": st.one_of(
            st.none(),
            instants.map(lambda moment: moment.replace(tzinfo=UTC).isoformat()),
            xml_text,
        ),
        "resource": st.one_of(st.none(), xml_text),
        "extra": st.one_of(st.none(), xml_text),
    }
)


def _xes_document(traces: list[list[dict[str, str | None]]]) -> bytes:
    log = etree.Element("log", {"xes.version": "1.0"})
    for index, events in enumerate(traces):
        trace = etree.SubElement(log, "trace")
        etree.SubElement(trace, "string", key="concept:name", value=f"case-{index}")
        for event in events:
            element = etree.SubElement(trace, "event")
            for key, field, tag in (
                ("concept:name", "activity", "string"),
                ("time:timestamp", "at", "date"),
                ("org:resource", "resource", "string"),
                ("note", "extra", "string"),
            ):
                if event[field] is not None:
                    etree.SubElement(element, tag, key=key, value=str(event[field]))
    return etree.tostring(log, xml_declaration=True, encoding="UTF-8")


@pytest.mark.timeout(300)
@PROPERTY_SETTINGS
@given(traces=st.lists(st.lists(xes_events, max_size=6), min_size=1, max_size=5))
def test_xes_reader_accounts_for_every_event(traces: list[list[dict[str, str | None]]]) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "log.xes"
        path.write_bytes(_xes_document(traces))
        result, data = _ingest(folder, path)
        _check_outcome(result, data, written=sum(len(events) for events in traces))


ocel_logs = st.integers(min_value=1, max_value=4).flatmap(
    lambda orders: st.lists(
        st.fixed_dictionaries(
            {
                "type": st.one_of(st.sampled_from(["Place Order", "Ship"]), xml_text),
                "time": st.one_of(
                    instants.map(lambda moment: moment.replace(tzinfo=UTC).isoformat()),
                    st.just("2024-13-45T00:00:00Z"),
                ),
                "orders": st.sets(st.integers(min_value=0, max_value=orders - 1), max_size=3),
                "note": st.one_of(st.none(), xml_text),
            }
        ),
        min_size=1,
        max_size=10,
    ).map(lambda events: (orders, events))
)


def _flattened_rows(events: list[dict[str, Any]]) -> int:
    """Workflow rows the OCEL flattening documents: one per order object, else one."""
    return sum(max(1, len(event["orders"])) for event in events)


def _ocel_json(orders: int, events: list[dict[str, Any]]) -> str:
    return json.dumps(
        {
            "objectTypes": [{"name": "Order", "attributes": []}],
            "eventTypes": [],
            "objects": [{"id": f"o{index}", "type": "Order"} for index in range(orders)],
            "events": [
                {
                    "id": f"e{index}",
                    "type": event["type"],
                    "time": event["time"],
                    "attributes": []
                    if event["note"] is None
                    else [{"name": "note", "value": event["note"]}],
                    "relationships": [
                        {"objectId": f"o{order}", "qualifier": "order"}
                        for order in sorted(event["orders"])
                    ],
                }
                for index, event in enumerate(events)
            ],
        }
    )


def _ocel_xml(orders: int, events: list[dict[str, Any]]) -> bytes:
    log = etree.Element("log")
    objects = etree.SubElement(log, "objects")
    for index in range(orders):
        etree.SubElement(objects, "object", id=f"o{index}", type="Order")
    elements = etree.SubElement(log, "events")
    for index, event in enumerate(events):
        element = etree.SubElement(
            elements, "event", id=f"e{index}", type=event["type"], time=event["time"]
        )
        if event["note"] is not None:
            attributes = etree.SubElement(element, "attributes")
            etree.SubElement(attributes, "attribute", name="note").text = event["note"]
        related = etree.SubElement(element, "objects")
        for order in sorted(event["orders"]):
            etree.SubElement(related, "relationship", {"object-id": f"o{order}"}, qualifier="o")
    return etree.tostring(log, xml_declaration=True, encoding="UTF-8")


@pytest.mark.timeout(300)
@PROPERTY_SETTINGS
@given(log=ocel_logs)
def test_ocel_json_reader_accounts_for_every_flattened_event(
    log: tuple[int, list[dict[str, Any]]],
) -> None:
    orders, events = log
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "log.jsonocel"
        path.write_text(_ocel_json(orders, events), encoding="utf-8")
        result, data = _ingest(folder, path)
        _check_outcome(result, data, written=_flattened_rows(events))


@pytest.mark.timeout(300)
@PROPERTY_SETTINGS
@given(log=ocel_logs)
def test_ocel_xml_reader_accounts_for_every_flattened_event(
    log: tuple[int, list[dict[str, Any]]],
) -> None:
    orders, events = log
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "log.xmlocel"
        path.write_bytes(_ocel_xml(orders, events))
        result, data = _ingest(folder, path)
        _check_outcome(result, data, written=_flattened_rows(events))


source_names = st.text(alphabet=string.ascii_letters + " _-", min_size=1, max_size=10).filter(
    lambda text: text.strip() == text and text.lower() not in field_names(WorkflowEvent)
)


@pytest.mark.timeout(300)
@PROPERTY_SETTINGS
@given(
    names=st.lists(source_names, min_size=4, max_size=4, unique_by=str.lower),
    zone=st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]),
    rows=st.lists(records, max_size=12),
)
def test_column_mapping_renames_and_keeps_extras_for_any_names(
    names: list[str], zone: str, rows: list[dict[str, Any]]
) -> None:
    case_column, activity_column, time_column, extra_column = names
    renamed = [
        {
            case_column: row["case_id"],
            activity_column: row["activity"],
            time_column: row["event_at"],
            extra_column: row["channel"],
        }
        for row in rows
    ]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "export.csv"
        path.write_text(_csv_text(renamed, names), encoding="utf-8")
        mapping = folder / "mapping.yaml"
        mapping.write_text(
            yaml.safe_dump(
                {
                    "sources": [
                        {
                            "match": "*.csv",
                            "columns": {
                                "case_id": case_column,
                                "activity": activity_column,
                                "event_at": time_column,
                            },
                            "constants": {"source_system": "OMS"},
                            "timezone": zone,
                            "csv": {"delimiter": ",", "quote": '"', "header": True},
                        }
                    ]
                }
            ),
            encoding="utf-8",
        )
        result, data = _ingest(folder, path, mapping=mapping)
        _check_outcome(result, data, written=len(rows))
        if result.status is FileStatus.LOADED and result.loaded:
            with connect(data.warehouse_path, read_only=True) as con:
                attributes = con.execute("SELECT attributes FROM raw.workflow_events").fetchall()
            for (text,) in attributes:
                assert set(json.loads(text)) == {extra_column}
