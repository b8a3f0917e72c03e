"""The data contract: raw table DDL and validation facts derive from the models."""

from __future__ import annotations

import duckdb

from orderlens.contract import (
    LINEAGE_COLUMNS,
    IntegrationEvent,
    WorkflowEvent,
    create_table_sql,
    enum_values,
    field_names,
    required_field_names,
)


def _described(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, tuple[str, str]]:
    rows = con.execute(f"DESCRIBE {table}").fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}


def test_contract_workflow_table_has_every_field_with_its_type_and_nullability():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    con.execute(create_table_sql(WorkflowEvent, with_lineage=True))
    described = _described(con, "raw.workflow_events")
    expected_names = [
        "event_id", "case_id", "activity", "event_at", "source_system", "resource",
        "resource_type", "channel", "node_id", "region", "carrier", "supplier",
        "order_line_id", "shipment_id", "payment_id", "return_id", "exception_id",
        "exception_type", "exception_stage", "reason_code", "amount", "currency", "attributes",
    ]  # fmt: skip
    assert list(described) == expected_names + list(LINEAGE_COLUMNS)
    assert described["event_at"] == ("TIMESTAMP WITH TIME ZONE", "NO")
    assert described["amount"] == ("DOUBLE", "YES")
    assert described["resource"] == ("VARCHAR", "YES")
    assert described["event_seq"][0] == "BIGINT"


def test_contract_integration_table_types_match_the_model():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    con.execute(create_table_sql(IntegrationEvent))
    described = _described(con, "raw.integration_events")
    assert described["sent_at"][0] == "TIMESTAMP WITH TIME ZONE"
    assert described["latency_ms"] == ("DOUBLE", "NO")
    assert described["attempt"] == ("BIGINT", "NO")
    assert described["dead_lettered"] == ("BOOLEAN", "NO")
    assert described["correlation_id"] == ("VARCHAR", "YES")
    assert list(described) == field_names(IntegrationEvent)


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
