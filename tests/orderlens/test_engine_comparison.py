"""compare_marts on hand-made builds: a DuckDB warehouse file and a Spark-style warehouse
folder (``<schema>.db/<table>/part-*.parquet``) holding the same table, or the same table
with one cell changed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orderlens.engine_comparison import TableDifference, compare_marts

ORDERS = """
SELECT * FROM (VALUES
    ('o1', 3, 12.5, TIMESTAMPTZ '2024-01-01 10:00:00.250+00', DATE '2024-01-01', true, ['A', 'B']),
    ('o2', 5, 0.1, TIMESTAMPTZ '2024-01-02 11:30:00+00', DATE '2024-01-02', false, ['A']),
    ('o3', NULL, NULL, NULL, NULL, NULL, NULL)
) AS orders (case_id, event_count, amount, ordered_at, ordered_on, is_late, activities)
"""


def _duckdb_build(path: Path, select: str = ORDERS) -> Path:
    with duckdb.connect(str(path)) as connection:
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute("CREATE SCHEMA marts")
        connection.execute(f"CREATE TABLE marts.fct_orders AS {select}")
        connection.execute("CREATE VIEW marts.orders_view AS SELECT * FROM marts.fct_orders")
    return path


def _spark_build(warehouse_dir: Path, select: str) -> Path:
    """A table folder as Spark may write it: naive UTC timestamps, two part files."""
    folder = warehouse_dir / "marts.db" / "fct_orders"
    folder.mkdir(parents=True)
    with duckdb.connect() as connection:
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute(
            f"CREATE TABLE numbered AS SELECT *, row_number() OVER () AS n FROM ({select})"
        )
        projection = "* EXCLUDE (n) REPLACE (ordered_at::TIMESTAMP AS ordered_at)"
        for part, condition in enumerate(["n = 1", "n > 1"]):
            connection.execute(
                f"COPY (SELECT {projection} FROM numbered WHERE {condition}) "
                f"TO '{folder}/part-{part:05d}.parquet' (FORMAT parquet)"
            )
    (folder / "_SUCCESS").touch()
    return warehouse_dir


def test_compare_marts_finds_no_difference_between_equal_tables(tmp_path: Path) -> None:
    warehouse = _duckdb_build(tmp_path / "warehouse.duckdb")
    spark_dir = _spark_build(tmp_path / "spark", ORDERS)

    assert compare_marts(warehouse, str(spark_dir)) == []
    assert compare_marts(warehouse, spark_dir.as_uri()) == []


@pytest.mark.parametrize(
    ("changed_cell", "column", "measures"),
    [
        ("'x9' AS case_id", "case_id", {"hash_sum"}),
        ("4 AS event_count", "event_count", {"sum", "sum_of_squares"}),
        ("12.5000001 AS amount", "amount", {"sum", "sum_of_squares"}),
        (
            "TIMESTAMPTZ '2024-01-01 10:00:00.251+00' AS ordered_at",
            "ordered_at",
            {"sum", "hash_sum"},
        ),
        ("DATE '2024-01-03' AS ordered_on", "ordered_on", {"hash_sum"}),
        ("false AS is_late", "is_late", {"true_count"}),
        ("['B', 'A'] AS activities", "activities", {"hash_sum"}),
        ("NULL::VARCHAR AS case_id", "case_id", {"non_null_count", "hash_sum"}),
    ],
)
def test_compare_marts_names_the_one_changed_cell(
    tmp_path: Path, changed_cell: str, column: str, measures: set[str]
) -> None:
    name = changed_cell.rsplit(" AS ", 1)[1]
    changed = (
        f"SELECT * REPLACE (CASE WHEN case_id = 'o1' THEN {changed_cell.rsplit(' AS ', 1)[0]} "
        f"ELSE {name} END AS {name}) FROM ({ORDERS})"
    )
    warehouse = _duckdb_build(tmp_path / "warehouse.duckdb")
    spark_dir = _spark_build(tmp_path / "spark", changed)

    differences = compare_marts(warehouse, str(spark_dir))

    assert {(d.table, d.column) for d in differences} == {("fct_orders", column)}
    assert {d.measure for d in differences} == measures


def test_compare_marts_tolerates_float_sums_within_one_in_a_billion(tmp_path: Path) -> None:
    # 12.5 + 0.1 in another order, or off by 1e-12 relative: the same within tolerance.
    nearly = f"SELECT * REPLACE (amount * (1 + 1e-12) AS amount) FROM ({ORDERS})"
    warehouse = _duckdb_build(tmp_path / "warehouse.duckdb")
    spark_dir = _spark_build(tmp_path / "spark", nearly)

    assert compare_marts(warehouse, str(spark_dir)) == []


def test_compare_marts_reports_row_counts_missing_tables_and_columns(tmp_path: Path) -> None:
    fewer = f"SELECT * EXCLUDE (activities) FROM ({ORDERS}) WHERE case_id <> 'o2'"
    warehouse = _duckdb_build(tmp_path / "warehouse.duckdb")
    spark_dir = _spark_build(tmp_path / "spark", fewer)
    (spark_dir / "marts.db" / "agg_spark_only").mkdir()
    with duckdb.connect() as connection:
        connection.execute(
            f"COPY (SELECT 1 AS x) TO '{spark_dir}/marts.db/agg_spark_only/part-0.parquet'"
        )

    differences = compare_marts(warehouse, str(spark_dir))

    assert TableDifference("marts", "agg_spark_only", None, "table", False, True) in differences
    assert TableDifference("marts", "fct_orders", None, "row_count", 3, 2) in differences
    columns = [d for d in differences if d.measure == "columns"]
    assert len(columns) == 1 and "activities" not in columns[0].spark_value
    # The view of the DuckDB build has no Spark counterpart and is not compared.
    assert not any(d.table == "orders_view" for d in differences)
