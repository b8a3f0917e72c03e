"""Warehouse set-up and the atomic publishing of the serving copy."""

from __future__ import annotations

import pytest

from orderlens.contract import WorkflowEvent
from orderlens.settings import Settings
from orderlens.warehouse import (
    CorruptWarehouseError,
    connect,
    initialize_warehouse,
    publish_serving_copy,
    store_raw_columns,
    stored_raw_columns,
)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def test_initialize_warehouse_is_idempotent_and_keeps_loaded_rows(settings):
    initialize_warehouse(settings)
    with connect(settings.warehouse_path) as con:
        con.execute(
            "INSERT INTO raw.stored_workflow_events "
            "(event_id, case_id, activity, event_at, source_system)"
            " VALUES ('e1', 'o1', 'Order Created', TIMESTAMPTZ '2026-01-01 10:00:00+00', 'OMS')"
        )
    initialize_warehouse(settings)
    with connect(settings.warehouse_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.workflow_events").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM reference.exception_taxonomy").fetchone() == (14,)
    assert settings.inbox_dir.is_dir()
    assert (settings.dagster_home / "dagster.yaml").exists()


def test_initialize_warehouse_turns_a_full_raw_table_into_the_stored_table_and_view(settings):
    settings.ensure_dirs()
    with connect(settings.warehouse_path) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute(
            "CREATE TABLE raw.workflow_events AS SELECT 'e1' AS event_id, 'o1' AS case_id, "
            "'Order Created' AS activity, TIMESTAMPTZ '2026-01-01 10:00:00+00' AS event_at, "
            "'OMS' AS source_system, 'UPS' AS carrier, 1::BIGINT AS event_seq, "
            "'old.csv' AS source_file, 1::BIGINT AS source_row, 'L1' AS load_id"
        )
    initialize_warehouse(settings)
    with connect(settings.warehouse_path, read_only=True) as con:
        kinds = dict(
            con.execute(
                "SELECT table_name, table_type FROM information_schema.tables "
                "WHERE table_schema = 'raw' AND table_name LIKE '%workflow_events'"
            ).fetchall()
        )
        row = con.execute(
            "SELECT event_id, carrier, supplier, load_id FROM raw.workflow_events"
        ).fetchall()
    assert kinds == {"workflow_events": "VIEW", "stored_workflow_events": "BASE TABLE"}
    assert row == [("e1", "UPS", None, "L1")]


def test_initialize_warehouse_shows_the_lifecycle_column_in_a_view_that_predates_it(settings):
    initialize_warehouse(settings)
    with connect(settings.warehouse_path) as con:
        con.execute(
            "INSERT INTO raw.stored_workflow_events "
            "(event_id, case_id, activity, event_at, source_system)"
            " VALUES ('e1', 'o1', 'Order Created', TIMESTAMPTZ '2026-01-01 10:00:00+00', 'OMS')"
        )
        # the view as a warehouse built before the contract had the column wrote it
        con.execute(
            "CREATE OR REPLACE VIEW raw.workflow_events AS SELECT event_id, case_id, activity,"
            " event_at, source_system FROM raw.stored_workflow_events"
        )
    initialize_warehouse(settings)
    with connect(settings.warehouse_path, read_only=True) as con:
        rows = con.execute("SELECT event_id, lifecycle FROM raw.workflow_events").fetchall()
    assert rows == [("e1", None)]


def test_store_raw_columns_rolls_back_with_its_transaction(settings):
    initialize_warehouse(settings)
    with connect(settings.warehouse_path) as con:
        con.execute("BEGIN TRANSACTION")
        store_raw_columns(con, WorkflowEvent, ["carrier"])
        assert "carrier" in stored_raw_columns(con, WorkflowEvent)
        con.execute("ROLLBACK")
        assert "carrier" not in stored_raw_columns(con, WorkflowEvent)
        assert con.execute("SELECT carrier FROM raw.workflow_events").fetchall() == []


def test_publish_serving_copy_copies_published_schemas_only(settings):
    initialize_warehouse(settings)
    with connect(settings.warehouse_path) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.fct_example AS SELECT range AS id FROM range(7)")
        con.execute("CREATE TABLE raw.not_published AS SELECT 1 AS x")
    result = publish_serving_copy(settings)
    assert result.row_counts["marts.fct_example"] == 7
    with connect(settings.serving_path, read_only=True) as con:
        tables = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables"
            ).fetchall()
        }
        assert con.execute("SELECT sum(id) FROM marts.fct_example").fetchone() == (21,)
    assert "marts.fct_example" in tables
    assert "meta.publication" in tables
    assert not any(table.startswith("raw.") for table in tables)
    assert list(settings.data_dir.glob(".serving-*")) == []


def test_publish_replaces_the_copy_while_a_reader_holds_the_old_one(settings):
    initialize_warehouse(settings)
    with connect(settings.warehouse_path) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.fct_example AS SELECT 1 AS id")
    publish_serving_copy(settings)
    with connect(settings.serving_path, read_only=True) as old_reader:
        with connect(settings.warehouse_path) as con:
            con.execute("INSERT INTO marts.fct_example VALUES (2)")
        publish_serving_copy(settings)
        assert old_reader.execute("SELECT count(*) FROM marts.fct_example").fetchone() == (1,)
    with connect(settings.serving_path, read_only=True) as new_reader:
        assert new_reader.execute("SELECT count(*) FROM marts.fct_example").fetchone() == (2,)


def test_connect_reports_a_corrupt_file_instead_of_serving_it(tmp_path):
    damaged = tmp_path / "serving.duckdb"
    damaged.write_bytes(b"this is not a database" * 1000)
    with (
        pytest.raises(CorruptWarehouseError, match="not a readable DuckDB database"),
        connect(damaged, read_only=True),
    ):
        pass


def test_publish_stores_tables_with_a_case_id_sorted_by_it(settings):
    initialize_warehouse(settings)
    with connect(settings.warehouse_path) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(
            "CREATE TABLE marts.fct_orders AS SELECT * FROM (VALUES ('o-3', 3), ('o-1', 1),"
            " ('o-2', 2)) AS t (case_id, amount)"
        )
    publish_serving_copy(settings)
    with connect(settings.serving_path, read_only=True) as con:
        stored = con.execute("SELECT case_id FROM marts.fct_orders ORDER BY rowid").fetchall()
    assert stored == [("o-1",), ("o-2",), ("o-3",)]
