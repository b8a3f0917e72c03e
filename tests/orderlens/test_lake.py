"""The Spark engine's lake: each committed load written once by Spark, and the Spark
build's tables copied back to the local warehouse with DuckDB's types.

Real Spark (``local[1]``) and real DuckDB files; the expected rows are the warehouse's
own raw rows, read independently of the code under test.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orderlens.ingest import ingest_paths
from orderlens.lake import LAKE_LOADS_TABLE, mirror_lake_tables, sync_lake
from orderlens.settings import Engine, Settings
from orderlens.spark_engine import lake_path, spark_session, spark_warehouse_dir
from orderlens.warehouse import connect

EVENTS_CSV = """event_id,case_id,activity,event_at,source_system
e1,o1,Order Created,2026-03-02T09:00:00Z,OMS
e2,o1,Payment Authorized,2026-03-02T09:05:00Z,PAYMENT
e3,o2,Order Created,2026-03-02T10:00:00Z,OMS
"""
MORE_EVENTS_CSV = """event_id,case_id,activity,event_at,source_system
e4,o2,Payment Authorized,2026-03-02T10:07:00Z,PAYMENT
"""


@pytest.fixture(scope="module")
def spark_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("spark-data")
    return Settings(data_dir=data_dir, engine=Engine.SPARK, spark_master="local[1]")


def _lake_rows(settings: Settings, table: str) -> list[tuple]:
    folder = lake_path(settings, "raw", table)
    with duckdb.connect() as con:
        return con.execute(
            "SELECT event_id, case_id, activity, load_id FROM read_parquet(?) ORDER BY event_id",
            [f"{folder}/*/*.parquet"],
        ).fetchall()


def _warehouse_rows(settings: Settings) -> list[tuple]:
    with connect(settings.warehouse_path, read_only=True) as con:
        return con.execute(
            "SELECT event_id, case_id, activity, load_id FROM raw.workflow_events ORDER BY event_id"
        ).fetchall()


def test_sync_lake_writes_each_load_once_and_only_what_is_new(
    spark_settings: Settings, tmp_path: Path
) -> None:
    first = tmp_path / "first.csv"
    first.write_text(EVENTS_CSV)
    ingest_paths(spark_settings, [first])  # syncs the lake itself on the spark engine

    assert _lake_rows(spark_settings, "workflow_events") == _warehouse_rows(spark_settings)
    assert len(_lake_rows(spark_settings, "workflow_events")) == 3
    assert sync_lake(spark_settings) == []  # up to date: no Spark session, nothing written

    second = tmp_path / "second.csv"
    second.write_text(MORE_EVENTS_CSV)
    ingest_paths(spark_settings, [second])
    assert _lake_rows(spark_settings, "workflow_events") == _warehouse_rows(spark_settings)
    assert len(_lake_rows(spark_settings, "workflow_events")) == 4

    # A crash between Spark's commit and the local record: the load is written again,
    # into its own folder, and the lake still holds its rows once.
    with connect(spark_settings.warehouse_path) as con:
        (forgotten,) = con.execute(
            f"SELECT load_id FROM {LAKE_LOADS_TABLE} "
            "WHERE table_name = 'raw.workflow_events' AND row_count = 1"
        ).fetchone()
        con.execute(f"DELETE FROM {LAKE_LOADS_TABLE} WHERE load_id = ?", [forgotten])
    rewritten = sync_lake(spark_settings)
    assert [(write.load_id, write.rows) for write in rewritten] == [(forgotten, 1)]
    assert _lake_rows(spark_settings, "workflow_events") == _warehouse_rows(spark_settings)


def test_sync_lake_writes_the_reference_tables_and_empty_raw_tables(
    spark_settings: Settings, tmp_path: Path
) -> None:
    events = tmp_path / "events.csv"
    events.write_text(EVENTS_CSV)
    ingest_paths(spark_settings, [events])
    with duckdb.connect() as con:
        taxonomy = con.execute(
            "SELECT count(*) FROM read_parquet(?)",
            [lake_path(spark_settings, "reference", "exception_taxonomy") + "/*.parquet"],
        ).fetchone()[0]
        integration_columns = [
            row[0]
            for row in con.execute(
                "DESCRIBE SELECT * FROM read_parquet(?)",
                [lake_path(spark_settings, "raw", "integration_events") + "/*/*.parquet"],
            ).fetchall()
        ]
    with connect(spark_settings.warehouse_path, read_only=True) as con:
        expected_taxonomy = con.execute("SELECT count(*) FROM reference.exception_taxonomy")
        expected_taxonomy = expected_taxonomy.fetchone()[0]
        expected_columns = [
            row[0] for row in con.execute("DESCRIBE raw.integration_events").fetchall()
        ]
    assert taxonomy == expected_taxonomy > 0
    assert integration_columns == expected_columns


def test_mirror_lake_tables_copies_spark_tables_with_duckdb_types(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, engine=Engine.SPARK, spark_master="local[1]")
    spark = spark_session(settings)
    try:
        spark.sql(
            "SELECT 'o1' AS case_id, 7 / 100.0 AS share, CAST(12 AS DECIMAL(38, 0)) AS print,"
            " TIMESTAMP '2026-03-02 09:00:00' AS event_at"
        ).write.parquet(f"{spark_warehouse_dir(settings)}/marts.db/fct_example")
    finally:
        spark.stop()

    assert mirror_lake_tables(settings) == ["marts.fct_example"]
    with connect(settings.warehouse_path, read_only=True) as con:
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() "
                "WHERE table_name = 'fct_example'"
            ).fetchall()
        )
        row = con.execute("SELECT case_id, share, print, event_at::VARCHAR FROM marts.fct_example")
        row = row.fetchone()
    assert types == {
        "case_id": "VARCHAR",
        "share": "DOUBLE",
        "print": "HUGEINT",
        "event_at": "TIMESTAMP WITH TIME ZONE",
    }
    assert row == ("o1", 0.07, 12, "2026-03-02 09:00:00+00")
