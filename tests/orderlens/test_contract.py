"""The data contract: raw table DDL and validation facts derive from the models."""

from __future__ import annotations

import duckdb

from orderlens.contract import (
    LINEAGE_COLUMNS,
    IntegrationEvent,
    WorkflowEvent,
    column_sql,
    create_stored_table_sql,
    enum_values,
    field_names,
    raw_view_sql,
    required_field_names,
    stored_table_name,
)


def _described(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, tuple[str, str]]:
    rows = con.execute(f"DESCRIBE {table}").fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}


def _raw_table(con: duckdb.DuckDBPyConnection, model, stored: list[str]) -> None:
    """A raw table as the warehouse builds it: the stored table, ``stored`` added, the view."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(create_stored_table_sql(model))
    for name in stored:
        con.execute(f"ALTER TABLE {stored_table_name(model)} ADD COLUMN {column_sql(model, name)}")
    con.execute(raw_view_sql(model, set(required_field_names(model)) | set(stored)))


def test_contract_workflow_table_has_every_field_with_its_type_and_nullability(tmp_path):
    con = duckdb.connect(str(tmp_path / "contract.duckdb"))  # a file: memory is not compressed
    _raw_table(con, WorkflowEvent, ["amount"])
    described = _described(con, "raw.workflow_events")
    expected_names = [
        "event_id", "case_id", "activity", "event_at", "source_system", "resource",
        "resource_type", "channel", "node_id", "region", "carrier", "supplier",
        "order_line_id", "shipment_id", "payment_id", "return_id", "exception_id",
        "exception_type", "exception_stage", "reason_code", "amount", "currency", "lifecycle",
        "attributes",
    ]  # fmt: skip
    assert list(described) == expected_names + list(LINEAGE_COLUMNS)
    assert described["event_at"][0] == "TIMESTAMP WITH TIME ZONE"
    assert described["amount"][0] == "DOUBLE"
    assert described["resource"][0] == "VARCHAR"
    assert described["event_seq"][0] == "BIGINT"
    stored = _described(con, stored_table_name(WorkflowEvent))
    assert list(stored) == [
        "event_id", "case_id", "activity", "event_at", "source_system", *LINEAGE_COLUMNS, "amount"
    ]  # fmt: skip
    assert stored["event_at"] == ("TIMESTAMP WITH TIME ZONE", "NO")
    assert stored["amount"] == ("DOUBLE", "YES")
    con.execute(
        f"INSERT INTO {stored_table_name(WorkflowEvent)} (event_id, case_id, activity, event_at, "
        "source_system, event_seq) SELECT 'e' || i, 'o1', 'Order Created', "
        "TIMESTAMPTZ '2026-01-01 10:00:00+00', 'OMS', i FROM range(200000) AS t(i)"
    )
    con.execute("CHECKPOINT")
    compressions = dict(
        con.execute(
            "SELECT column_name, string_agg(DISTINCT compression) FROM pragma_storage_info("
            f"'{stored_table_name(WorkflowEvent)}') WHERE segment_type = 'VARCHAR' GROUP BY 1"
        ).fetchall()
    )
    assert compressions["event_id"] == "ZSTD"
    assert compressions["case_id"] != "ZSTD"


def test_contract_integration_table_types_match_the_model():
    con = duckdb.connect()
    _raw_table(con, IntegrationEvent, ["correlation_id"])
    described = _described(con, "raw.integration_events")
    assert described["sent_at"][0] == "TIMESTAMP WITH TIME ZONE"
    assert described["latency_ms"][0] == "DOUBLE"
    assert described["attempt"][0] == "BIGINT"
    assert described["dead_lettered"][0] == "BOOLEAN"
    assert described["correlation_id"][0] == "VARCHAR"
    assert list(described) == field_names(IntegrationEvent) + list(LINEAGE_COLUMNS)
    stored = _described(con, stored_table_name(IntegrationEvent))
    assert stored["latency_ms"] == ("DOUBLE", "NO")
    assert stored["dead_lettered"] == ("BOOLEAN", "NO")
    assert stored["correlation_id"] == ("VARCHAR", "YES")


def test_contract_raw_view_shows_typed_nulls_for_columns_never_stored():
    con = duckdb.connect()
    _raw_table(con, WorkflowEvent, [])
    con.execute(
        f"INSERT INTO {stored_table_name(WorkflowEvent)} (event_id, case_id, activity, event_at, "
        "source_system, event_seq) VALUES ('e1', 'o1', 'Order Created', "
        "TIMESTAMPTZ '2026-01-01 10:00:00+00', 'OMS', 1)"
    )
    row = con.execute(
        "SELECT event_id, amount, carrier, typeof(amount) FROM raw.workflow_events"
    ).fetchone()
    assert row == ("e1", None, None, "DOUBLE")


def test_contract_required_fields_are_the_non_optional_ones():
    assert required_field_names(WorkflowEvent) == [
        "event_id", "case_id", "activity", "event_at", "source_system"
    ]  # fmt: skip


def test_contract_enum_values_list_the_allowed_codes():
    allowed = enum_values(IntegrationEvent)
    assert allowed["status"] == ["ok", "4xx", "5xx", "timeout"]
    workflow = enum_values(WorkflowEvent)
    assert "call_center" in workflow["channel"]
    assert workflow["exception_stage"][0] == "detected"
    assert "event_id" not in workflow
