"""Loading: counts that add up, exactly-once, identities, time zones and mappings.

Expected values are written out by hand from the fixture rows, never read back from the
code under test.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from orderlens.ingest import FileStatus, ingest_paths
from orderlens.settings import Settings
from tests.ingest.conftest import query


def _workflow_frame(ids: list[str], *, channel: list[str] | None = None) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame(
        {
            "event_id": ids,
            "case_id": ["C1"] * n,
            "activity": ["Order Created"] * n,
            "event_at": pd.date_range("2024-05-01 08:00", periods=n, freq="h", tz="UTC"),
            "source_system": ["OMS"] * n,
            "channel": channel or ["web"] * n,
        }
    )


def test_ingest_paths_counts_loaded_plus_quarantined_equal_rows_read(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "orders.parquet"
    _workflow_frame(
        ["E1", "E2", "E3", "E2", "E5", "E6"],
        channel=["web", "web", "fax", "web", "app", "store"],
    ).to_parquet(path)

    report = ingest_paths(settings, [path])

    (result,) = report.results
    assert report.ok
    assert (
        result.status,
        result.rows_read,
        result.loaded,
        result.quarantined,
        result.duplicates,
    ) == (
        FileStatus.LOADED,
        6,
        4,
        2,
        1,
    )
    assert query(settings, "SELECT event_id FROM raw.workflow_events ORDER BY event_seq") == [
        ("E1",),
        ("E2",),
        ("E5",),
        ("E6",),
    ]
    quarantined = query(
        settings,
        "SELECT source_row, column_name, rejection, reason FROM quarantine.rejected_rows "
        "ORDER BY source_row",
    )
    assert [row[:3] for row in quarantined] == [
        (3, "channel", "invalid"),
        (4, "event_id", "duplicate"),
    ]
    assert "'fax'" in quarantined[0][3]
    assert "row 2" in quarantined[1][3]
    manifest = query(
        settings,
        "SELECT rows_read, loaded, quarantined, duplicates, status FROM raw.ingest_manifest",
    )
    assert manifest == [(6, 4, 2, 1, "loaded")]


def test_ingest_paths_same_file_again_changes_nothing(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "orders.parquet"
    _workflow_frame(["E1", "E2", "E3"]).to_parquet(path)
    copy = tmp_path / "renamed" / "same_orders.parquet"
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    ingest_paths(settings, [path])

    again = ingest_paths(settings, [path, copy])

    assert [result.status for result in again.results] == [FileStatus.ALREADY_LOADED] * 2
    assert again.ok
    assert query(settings, "SELECT count(*) FROM raw.workflow_events") == [(3,)]
    assert query(settings, "SELECT count(*) FROM quarantine.rejected_rows") == [(0,)]
    assert query(settings, "SELECT count(*) FROM raw.ingest_manifest") == [(1,)]


def test_ingest_paths_event_seq_keeps_arrival_order_across_loads(
    settings: Settings, tmp_path: Path
) -> None:
    first = tmp_path / "a.parquet"
    second = tmp_path / "b.parquet"
    _workflow_frame(["A1", "A2", "A3"]).to_parquet(first)
    _workflow_frame(["B1", "B2"]).to_parquet(second)

    ingest_paths(settings, [first])
    ingest_paths(settings, [second])

    rows = query(
        settings, "SELECT event_id, source_row FROM raw.workflow_events ORDER BY event_seq"
    )
    assert rows == [("A1", 1), ("A2", 2), ("A3", 3), ("B1", 1), ("B2", 2)]
    seqs = [
        row[0]
        for row in query(settings, "SELECT event_seq FROM raw.workflow_events ORDER BY event_seq")
    ]
    assert len(set(seqs)) == 5


def test_ingest_paths_stores_only_the_columns_files_supply(
    settings: Settings, tmp_path: Path
) -> None:
    first = tmp_path / "a.parquet"
    _workflow_frame(["A1", "A2"]).to_parquet(first)
    second = tmp_path / "b.parquet"
    _workflow_frame(["B1"]).assign(supplier=["SUP-1"]).to_parquet(second)
    stored_columns = (
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'raw' AND table_name = 'stored_workflow_events'"
    )

    ingest_paths(settings, [first])
    after_first = {row[0] for row in query(settings, stored_columns)}
    ingest_paths(settings, [second])
    after_second = {row[0] for row in query(settings, stored_columns)}

    assert "channel" in after_first
    assert "supplier" not in after_first
    assert "carrier" not in after_first
    assert "supplier" in after_second
    assert "carrier" not in after_second
    rows = query(
        settings,
        "SELECT event_id, channel, supplier, carrier FROM raw.workflow_events ORDER BY event_seq",
    )
    assert rows == [
        ("A1", "web", None, None),
        ("A2", "web", None, None),
        ("B1", "web", "SUP-1", None),
    ]


def _documented_hash(system: str, case: str, activity: str, at: str, resource: str, n: int) -> str:
    text = "|".join([system, case, activity, at, resource, str(n)])
    return "h" + hashlib.md5(text.encode()).hexdigest()


def test_ingest_paths_gives_id_less_events_the_documented_content_hash(
    settings: Settings, tmp_path: Path
) -> None:
    first = tmp_path / "scans.csv"
    first.write_text(
        "case_id,activity,event_at,source_system,resource\n"
        "C1,Item Scanned,2024-05-01T08:00:00Z,WMS,picker7\n"
        "C1,Item Scanned,2024-05-01T08:00:00Z,WMS,picker7\n"
    )
    later = tmp_path / "scans_again.csv"
    later.write_text(
        "case_id,activity,event_at,source_system,resource\n"
        "C1,Item Scanned,2024-05-01T08:00:00Z,WMS,picker7\n"
        "C2,Item Scanned,2024-05-01T09:00:00Z,WMS,\n"
    )

    report = ingest_paths(settings, [first, later])

    at = "2024-05-01T08:00:00.000000Z"
    expected_first = [
        _documented_hash("WMS", "C1", "Item Scanned", at, "picker7", 1),
        _documented_hash("WMS", "C1", "Item Scanned", at, "picker7", 2),
    ]
    expected_new = _documented_hash(
        "WMS", "C2", "Item Scanned", "2024-05-01T09:00:00.000000Z", "", 1
    )
    ids = [
        row[0]
        for row in query(settings, "SELECT event_id FROM raw.workflow_events ORDER BY event_seq")
    ]
    assert ids == [*expected_first, expected_new]
    assert [(r.loaded, r.duplicates) for r in report.results] == [(2, 0), (1, 1)]


def test_ingest_paths_numbers_repeats_of_a_new_id_less_file_loaded_after_another(
    settings: Settings, tmp_path: Path
) -> None:
    first = tmp_path / "monday.csv"
    first.write_text(
        "case_id,activity,event_at,source_system,resource\n"
        "C1,Item Scanned,2024-05-01T08:00:00Z,WMS,picker7\n"
    )
    later = tmp_path / "tuesday.csv"
    later.write_text(
        "case_id,activity,event_at,source_system,resource\n"
        "C2,Item Scanned,2024-05-02T08:00:00Z,WMS,picker7\n"
        "C2,Item Scanned,not a time,WMS,picker7\n"
        "C2,Item Scanned,2024-05-02T08:00:00Z,WMS,picker7\n"
        "C3,Item Packed,2024-05-02T09:00:00Z,WMS,\n"
    )

    report = ingest_paths(settings, [first, later])

    second_day = "2024-05-02T08:00:00.000000Z"
    expected = [
        _documented_hash("WMS", "C1", "Item Scanned", "2024-05-01T08:00:00.000000Z", "picker7", 1),
        _documented_hash("WMS", "C2", "Item Scanned", second_day, "picker7", 1),
        _documented_hash("WMS", "C2", "Item Scanned", second_day, "picker7", 2),
        _documented_hash("WMS", "C3", "Item Packed", "2024-05-02T09:00:00.000000Z", "", 1),
    ]
    ids = [
        row[0]
        for row in query(settings, "SELECT event_id FROM raw.workflow_events ORDER BY event_seq")
    ]
    assert ids == expected
    assert [(r.loaded, r.quarantined, r.duplicates) for r in report.results] == [
        (1, 0, 0),
        (3, 1, 0),
    ]


def test_ingest_paths_keeps_repeated_idempotency_keys_but_drops_redelivered_messages(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "middleware.csv"
    path.write_text(
        "message_id,idempotency_key,correlation_id,interface,sent_at,latency_ms,status,attempt\n"
        "M1,K1,C1,OMS->WMS:release,2024-05-01T08:00:00Z,120,5xx,1\n"
        "M2,K1,C1,OMS->WMS:release,2024-05-01T08:01:00Z,80,ok,2\n"
        "M3,K2,C2,OMS->WMS:release,2024-05-01T08:02:00Z,95,ok,1\n"
        "M1,K1,C1,OMS->WMS:release,2024-05-01T08:00:00Z,120,5xx,1\n"
        "M4,K2,C2,OMS->WMS:release,2024-05-01T08:03:00Z,-5,ok,0\n"
    )

    (result,) = ingest_paths(settings, [path]).results

    assert result.target_table == "raw.integration_events"
    assert (result.rows_read, result.loaded, result.quarantined, result.duplicates) == (5, 3, 2, 1)
    assert result.repeated_idempotency_keys == 1
    rows = query(
        settings,
        "SELECT message_id, source_system, target_system, operation, dead_lettered "
        "FROM raw.integration_events ORDER BY event_seq",
    )
    assert rows == [
        ("M1", "OMS", "WMS", "release", False),
        ("M2", "OMS", "WMS", "release", False),
        ("M3", "OMS", "WMS", "release", False),
    ]
    (reason,) = query(settings, "SELECT reason FROM quarantine.rejected_rows WHERE source_row = 5")[
        0
    ]
    assert "latency_ms: negative latency" in reason
    assert "attempt: attempt 0 is below 1" in reason


def test_ingest_paths_mapping_renames_parses_and_localises(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "oms_export.csv"
    path.write_text(
        "Auftrag;Schritt;Zeit;Kanal\n"
        "4711;Auftrag angelegt;15/01/2024 12:00;WEB\n"
        "4711;Versandt;15/07/2024 12:00;Web\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "sources:\n"
        "  - match: 'oms_*.csv'\n"
        "    columns: {case_id: Auftrag, activity: Schritt, event_at: Zeit, channel: Kanal}\n"
        "    constants: {source_system: OMS}\n"
        "    values: {activity: {Auftrag angelegt: Order Created, Versandt: Shipment Dispatched}}\n"
        "    timestamp_format: '%d/%m/%Y %H:%M'\n"
        "    timezone: Europe/Berlin\n"
        "    csv: {delimiter: ';'}\n"
    )

    (result,) = ingest_paths(settings, [path], mapping=mapping).results

    assert (result.loaded, result.quarantined) == (2, 0)
    rows = query(
        settings,
        "SELECT case_id, activity, event_at, source_system, channel FROM raw.workflow_events "
        "ORDER BY event_seq",
    )
    assert rows == [
        ("4711", "Order Created", datetime(2024, 1, 15, 11, 0, tzinfo=UTC), "OMS", "web"),
        ("4711", "Shipment Dispatched", datetime(2024, 7, 15, 10, 0, tzinfo=UTC), "OMS", "web"),
    ]


def test_ingest_paths_keeps_unmapped_columns_in_attributes(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "wms.jsonl"
    path.write_text(
        '{"case_id": "C1", "activity": "Picked", "event_at": "2024-05-01T08:00:00Z", '
        '"source_system": "WMS", "bin": "A-12", "qty": 3}\n'
    )

    ingest_paths(settings, [path])

    (attributes,) = query(
        settings,
        "SELECT attributes::JSON->>'bin', attributes::JSON->>'qty' FROM raw.workflow_events",
    )
    assert attributes == ("A-12", "3")


def test_ingest_paths_rejects_a_file_lacking_required_columns_whole(
    settings: Settings, tmp_path: Path
) -> None:
    good = tmp_path / "a_good.csv"
    good.write_text("case_id,activity,event_at\nC1,Order Created,2024-05-01T08:00:00Z\n")
    bad = tmp_path / "b_bad.csv"
    bad.write_text("case_id,when\nC1,2024-05-01T08:00:00Z\nC2,2024-05-01T09:00:00Z\n")

    report = ingest_paths(settings, [good, bad])

    assert not report.ok
    rejected = report.results[1]
    assert rejected.status is FileStatus.REJECTED
    assert "activity, event_at" in rejected.message
    assert query(
        settings, "SELECT count(*) FROM raw.workflow_events WHERE source_file = ?", [str(bad)]
    ) == [(0,)]
    assert query(settings, "SELECT status FROM raw.ingest_manifest ORDER BY started_at") == [
        ("loaded",),
        ("rejected",),
    ]


def test_ingest_paths_reads_epoch_milliseconds_from_json_lines(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "wms_feed.jsonl"
    path.write_text(
        '{"order_ref": "C9", "event_type": "Picked", "ts": 1714550400000, "site": "DC1"}\n'
        '{"order_ref": "C9", "event_type": "Packed", "ts": "1714550460500", "site": "DC1"}\n'
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "sources:\n"
        "  - match: 'wms_*.jsonl'\n"
        "    columns: {case_id: order_ref, activity: event_type, event_at: ts, node_id: site}\n"
        "    constants: {source_system: WMS}\n"
        "    timestamp_format: epoch_ms\n"
    )

    ingest_paths(settings, [path], mapping=mapping)

    rows = query(
        settings, "SELECT activity, event_at, node_id FROM raw.workflow_events ORDER BY event_seq"
    )
    assert rows == [
        ("Picked", datetime(2024, 5, 1, 8, 0, tzinfo=UTC), "DC1"),
        ("Packed", datetime(2024, 5, 1, 8, 1, 0, 500000, tzinfo=UTC), "DC1"),
    ]
