"""Personal data: pseudonymized at ingestion with HMAC-SHA256, never stored raw.

Pseudonyms are checked against Python's own ``hmac`` module, and the absence of raw
values is checked on the warehouse file's bytes and on every text column of every table.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import duckdb
import pytest

from orderlens.ingest import FileStatus, ingest_paths
from orderlens.ingest.pseudonymization import hmac_sql, looks_personal
from orderlens.settings import Settings
from tests.ingest.conftest import query

KEY = "test-key-not-a-secret"
OTHER_KEY = "another-test-key"
EMAIL = "jane.doe@example.org"
NAME = "Jane Q. Doe"
PHONE = "+49 170 5550123"
STREET = "Hauptstrasse 77"
CUSTOMER = "CUST-998877"
RAW_VALUES = (EMAIL, NAME, PHONE, STREET, CUSTOMER)

CSV_HEADER = "event_id,case_id,activity,event_at,source_system,customer_id,customer_email,Customer Name,phone,customer_region,attributes\n"  # noqa: E501


def _expected(key: str, value: str) -> str:
    return "p_" + hmac.new(key.encode(), value.encode("utf-8"), hashlib.sha256).hexdigest()


def _csv_with_personal_data(path: Path) -> Path:
    attributes = json.dumps({"street": STREET, "segment": "gold"}).replace('"', '""')
    path.write_text(
        CSV_HEADER
        + f'E1,C1,Order Created,2024-05-01T08:00:00Z,OMS,{CUSTOMER},{EMAIL},{NAME},{PHONE},north,"{attributes}"\n'  # noqa: E501
        + f"E2,C1,Order Shipped,2024-05-01T09:00:00Z,WMS,{CUSTOMER},{EMAIL},{NAME},,north,\n"
        # invalid (unknown source system): quarantined with its record
        + f"E3,C1,Order Shipped,2024-05-01T10:00:00Z,FAX,{CUSTOMER},{EMAIL},{NAME},{PHONE},north,\n"
        # unreadable (too many fields): quarantined with its text
        + f"E4,C1,x,2024-05-01T11:00:00Z,OMS,{CUSTOMER},{EMAIL},{NAME},{PHONE},north,,extra,{STREET}\n",  # noqa: E501
        encoding="utf-8",
    )
    return path


def _text_values(settings: Settings) -> list[str]:
    """Every value of every text or JSON column of every table of the warehouse."""
    values: list[str] = []
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        columns = con.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
            "WHERE data_type IN ('VARCHAR', 'JSON') AND NOT internal"
        ).fetchall()
        for schema, table, column in columns:
            rows = con.execute(
                f'SELECT CAST("{column}" AS VARCHAR) FROM {schema}."{table}" '
                f'WHERE "{column}" IS NOT NULL'
            ).fetchall()
            values.extend(row[0] for row in rows)
    return values


@pytest.mark.parametrize("key", [b"k", b"x" * 64, b"long-key-" * 20, "schlüssel".encode()])
@pytest.mark.parametrize("value", ["jane@example.org", "Zoë Ünal ☃", "a'b\"c", " "])
def test_hmac_sql_equals_hmac_sha256_of_the_utf8_text(key: bytes, value: str) -> None:
    row = duckdb.connect().execute(f"SELECT {hmac_sql('?', key)}", [value]).fetchone()
    assert row is not None
    assert row[0] == "p_" + hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def test_hmac_sql_keeps_null_and_empty_text_absent() -> None:
    row = duckdb.connect().execute(f"SELECT {hmac_sql('?', b'k')}, {hmac_sql('NULL', b'k')}", [""])
    assert row.fetchone() == (None, None)


@pytest.mark.parametrize(
    "name",
    [
        "customer_id",
        "CustomerName",
        "customer",
        "case:customer",
        "customers",
        "client_no",
        "customer_email",
        "E-Mail",
        "email",
        "phone",
        "mobile_number",
        "billing_address",
        "street",
        "zip",
        "postcode",
        "postal_code",
        "first_name",
        "lastName",
        "Surname",
        "recipient_name",
    ],
)
def test_looks_personal_finds_personal_data_names(name: str) -> None:
    assert looks_personal(name)


@pytest.mark.parametrize(
    "name",
    [
        "customer_region",
        "customer_segment",
        "resource",
        "node_id",
        "case_id",
        "activity",
        "carrier",
        "region",
        "first_contact_at",
        "fulfillment_method",
        "lines",
    ],
)
def test_looks_personal_leaves_ordinary_columns_alone(name: str) -> None:
    assert not looks_personal(name)


def _key_file_text(settings: Settings) -> str:
    return settings.pseudonymization_key_path.read_text(encoding="utf-8").strip()


def test_ingest_without_a_key_creates_a_private_key_file_and_pseudonymizes_with_it(
    settings: Settings, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text(
        "event_id,case_id,activity,event_at\nP1,C9,Created,2024-05-01T07:00:00Z\n",
        encoding="utf-8",
    )
    path = _csv_with_personal_data(tmp_path / "orders.csv")

    first, second = ingest_paths(settings, [plain, path]).results

    # a file without personal data needs no key; the first one holding some creates it
    assert first.notice == ""
    key_path = settings.pseudonymization_key_path
    assert (second.status, second.loaded, second.quarantined) == (FileStatus.LOADED, 2, 2)
    assert key_path.is_file()
    assert key_path.stat().st_mode & 0o777 == 0o600
    assert str(key_path) in second.notice and "keep it" in second.notice
    assert second.summary().startswith(
        f"NOTICE    created the pseudonymization key file {key_path}"
    )
    key = _key_file_text(settings)
    assert len(key) >= 40
    stored = settings.warehouse_path.read_bytes()
    for raw in RAW_VALUES:
        assert raw.encode() not in stored, raw
    sql = "SELECT attributes->>'customer_email' FROM raw.workflow_events WHERE event_id = 'E1'"
    assert query(settings, sql) == [(_expected(key, EMAIL),)]


def test_ingest_keeps_pseudonyms_stable_with_the_created_key_file(
    settings: Settings, tmp_path: Path
) -> None:
    ingest_paths(settings, [_csv_with_personal_data(tmp_path / "orders.csv")])
    key = _key_file_text(settings)
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        json.dumps(
            {
                "event_id": "W1",
                "case_id": "C2",
                "activity": "Picked",
                "event_at": "2024-05-02T08:00:00Z",
                "source_system": "WMS",
                "customer_email": EMAIL,
            }
        )
        + "\n",
        encoding="utf-8",
    )

    (later,) = ingest_paths(settings, [feed]).results

    assert (later.status, later.notice) == (FileStatus.LOADED, "")
    assert _key_file_text(settings) == key
    assert query(
        settings, "SELECT DISTINCT attributes->>'customer_email' FROM raw.workflow_events"
    ) == [(_expected(key, EMAIL),)]


def test_ingest_set_key_wins_over_the_key_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", pseudonymization_key=KEY)
    settings.data_dir.mkdir(parents=True)
    settings.pseudonymization_key_path.write_text("a-key-in-the-file\n", encoding="utf-8")

    (result,) = ingest_paths(settings, [_csv_with_personal_data(tmp_path / "orders.csv")]).results

    assert (result.status, result.notice) == (FileStatus.LOADED, "")
    assert _key_file_text(settings) == "a-key-in-the-file"
    sql = "SELECT attributes->>'customer_email' FROM raw.workflow_events WHERE event_id = 'E1'"
    assert query(settings, sql) == [(_expected(KEY, EMAIL),)]


def test_ingest_rejects_personal_data_when_the_key_file_is_empty(
    settings: Settings, tmp_path: Path
) -> None:
    settings.data_dir.mkdir(parents=True)
    settings.pseudonymization_key_path.write_text("\n", encoding="utf-8")

    (result,) = ingest_paths(settings, [_csv_with_personal_data(tmp_path / "orders.csv")]).results

    assert result.status is FileStatus.REJECTED
    assert str(settings.pseudonymization_key_path) in result.message
    assert "ORDERLENS_PSEUDONYMIZATION_KEY" in result.message
    assert query(settings, "SELECT count(*) FROM raw.workflow_events") == [(0,)]


def test_ingest_stores_no_raw_personal_value_anywhere_in_the_warehouse(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data", pseudonymization_key=KEY)
    path = _csv_with_personal_data(tmp_path / "orders.csv")

    (result,) = ingest_paths(settings, [path]).results

    assert (result.status, result.rows_read, result.loaded, result.quarantined) == (
        FileStatus.LOADED,
        4,
        2,
        2,
    )
    stored = settings.warehouse_path.read_bytes()
    texts = _text_values(settings)
    for raw in RAW_VALUES:
        assert raw.encode() not in stored, raw
        assert not [text for text in texts if raw in text], raw
    attributes = [
        json.loads(row[0])
        for row in query(settings, "SELECT attributes FROM raw.workflow_events ORDER BY event_seq")
    ]
    assert attributes[0]["customer_email"] == _expected(KEY, EMAIL)
    assert attributes[0]["Customer Name"] == _expected(KEY, NAME)
    assert attributes[0]["customer_id"] == _expected(KEY, CUSTOMER)
    assert attributes[0]["phone"] == _expected(KEY, PHONE)
    assert attributes[0]["street"] == _expected(KEY, STREET)
    assert attributes[0]["segment"] == "gold"
    assert attributes[0]["customer_region"] == "north"
    invalid = query(
        settings,
        "SELECT raw_record FROM quarantine.rejected_rows WHERE rejection = 'invalid'",
    )
    assert json.loads(invalid[0][0])["customer_email"] == _expected(KEY, EMAIL)


def test_ingest_pseudonym_is_stable_across_files_and_changes_with_the_key(
    tmp_path: Path,
) -> None:
    csv_path = _csv_with_personal_data(tmp_path / "orders.csv")
    jsonl_path = tmp_path / "feed.jsonl"
    jsonl_path.write_text(
        json.dumps(
            {
                "event_id": "W1",
                "case_id": "C2",
                "activity": "Picked",
                "event_at": "2024-05-02T08:00:00Z",
                "source_system": "WMS",
                "customerEmail": EMAIL,
            }
        )
        + "\n",
        encoding="utf-8",
    )
    same_key = Settings(data_dir=tmp_path / "one", pseudonymization_key=KEY)
    other_key = Settings(data_dir=tmp_path / "two", pseudonymization_key=OTHER_KEY)

    assert ingest_paths(same_key, [csv_path, jsonl_path]).ok
    assert ingest_paths(other_key, [jsonl_path]).ok

    sql = (
        "SELECT DISTINCT coalesce(attributes->>'customer_email', attributes->>'customerEmail') "
        "FROM raw.workflow_events"
    )
    assert query(same_key, sql) == [(_expected(KEY, EMAIL),)]
    assert query(other_key, sql) == [(_expected(OTHER_KEY, EMAIL),)]
    assert _expected(KEY, EMAIL) != _expected(OTHER_KEY, EMAIL)


def test_ingest_mapping_marks_columns_personal_or_safe(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", pseudonymization_key=KEY)
    path = tmp_path / "orders.csv"
    path.write_text(
        "event_id,case_id,activity,event_at,loyalty_card,customer_id\n"
        "E1,C1,Order Created,2024-05-01T08:00:00Z,LC-4711,SHOP-1\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "sources:\n  - match: '*.csv'\n    personal: [loyalty_card]\n    safe: [customer_id]\n",
        encoding="utf-8",
    )

    assert ingest_paths(settings, [path], mapping=mapping).ok

    (row,) = query(settings, "SELECT attributes FROM raw.workflow_events")
    assert json.loads(row[0]) == {
        "loyalty_card": _expected(KEY, "LC-4711"),
        "customer_id": "SHOP-1",
    }


def test_ingest_mapped_personal_column_becomes_a_pseudonymous_case(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", pseudonymization_key=KEY)
    path = tmp_path / "tickets.csv"
    path.write_text(
        "ticket,step,at,customer_email\n"
        f"T1,Ticket Opened,2024-05-01T08:00:00Z,{EMAIL}\n"
        f"T2,Ticket Opened,2024-05-01T09:00:00Z,{EMAIL}\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "sources:\n  - match: '*.csv'\n    columns: {event_id: ticket, activity: step, "
        "event_at: at, case_id: customer_email}\n",
        encoding="utf-8",
    )

    assert ingest_paths(settings, [path], mapping=mapping).ok

    assert query(settings, "SELECT DISTINCT case_id FROM raw.workflow_events") == [
        (_expected(KEY, EMAIL),)
    ]


def test_ingest_ocel_pseudonymizes_customer_objects_and_personal_attributes(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data", pseudonymization_key=KEY)
    log = {
        "objectTypes": [
            {"name": "Order", "attributes": []},
            {"name": "Customer", "attributes": []},
        ],
        "eventTypes": [{"name": "Place Order", "attributes": [{"name": "contact_email"}]}],
        "objects": [
            {"id": "o1", "type": "Order", "relationships": [{"objectId": CUSTOMER}]},
            {
                "id": CUSTOMER,
                "type": "Customer",
                "attributes": [{"name": "phone", "time": "2024-01-01T00:00:00Z", "value": PHONE}],
            },
        ],
        "events": [
            {
                "id": "e1",
                "type": "Place Order",
                "time": "2024-05-01T08:00:00Z",
                "attributes": [{"name": "contact_email", "value": EMAIL}],
                "relationships": [
                    {"objectId": "o1", "qualifier": "order"},
                    {"objectId": CUSTOMER, "qualifier": "buyer"},
                ],
            }
        ],
    }
    path = tmp_path / "log.jsonocel"
    path.write_text(json.dumps(log), encoding="utf-8")

    (result,) = ingest_paths(settings, [path]).results

    assert (result.status, result.loaded) == (FileStatus.LOADED, 1)
    texts = _text_values(settings)
    for raw in (CUSTOMER, PHONE, EMAIL):
        assert not [text for text in texts if raw in text], raw
    assert query(
        settings, "SELECT object_id FROM raw.ocel_objects WHERE object_type = 'Customer'"
    ) == [(_expected(KEY, CUSTOMER),)]
    assert query(settings, "SELECT target_object_id FROM raw.ocel_object_objects") == [
        (_expected(KEY, CUSTOMER),)
    ]
