"""Do the marts built by Spark equal the marts DuckDB built from the same inputs?

The ``spark`` engine must give the dashboard and the analyst the same numbers as the
embedded DuckDB engine. :func:`compare_marts` checks that table by table, without
moving either build anywhere: DuckDB reads its own warehouse file and the Parquet folders
Spark wrote (``<spark warehouse>/<schema>.db/<table>``), so both sides are measured by
the same engine and the same expressions.

Per table it compares the row count and the column names, and per column a checksum that
does not depend on row order:

- every column: the count of non-null values;
- whole numbers: the exact sum, and the sum of squares within the float tolerance;
- other numbers (doubles, decimals): sum and sum of squares within a relative 1e-9
  (engines add floating values in different orders);
- booleans: the count of true values;
- timestamps: the exact sum of microseconds since the epoch and a hash sum of them (so
  time zone-aware and naive UTC timestamps compare by instant);
- text, dates, lists and anything else: the sum of a hash of the value as text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

RELATIVE_TOLERANCE = 1e-9
"""How far two floating sums may differ, relative to the larger one."""

_WHOLE_NUMBER_TYPES = frozenset(
    {
        "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
        "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
    }
)  # fmt: skip
_FLOAT_TYPES = frozenset({"FLOAT", "DOUBLE", "REAL"})


@dataclass(frozen=True)
class TableDifference:
    """One way a table of one build differs from the same table of the other.

    Attributes:
        schema: The schema (``marts``).
        table: The table's name.
        column: The column the measure is of; ``None`` for the whole table.
        measure: What differs: ``table`` (missing on one side), ``columns`` (the column
            names), ``kind`` (a column's kind of value), ``row_count``, ``non_null_count``,
            ``sum``, ``sum_of_squares``, ``true_count`` or ``hash_sum``.
        duckdb_value: The DuckDB build's value of the measure.
        spark_value: The Spark build's value.
    """

    schema: str
    table: str
    column: str | None
    measure: str
    duckdb_value: object
    spark_value: object

    def __str__(self) -> str:
        where = f"{self.schema}.{self.table}" + (f".{self.column}" if self.column else "")
        return (
            f"{where}: {self.measure} {self.duckdb_value!r} (DuckDB)"
            f" != {self.spark_value!r} (Spark)"
        )


def compare_marts(
    duckdb_warehouse: Path,
    spark_warehouse_dir: str,
    schemas: Sequence[str] = ("marts",),
) -> list[TableDifference]:
    """Every difference between the tables of ``schemas`` in the two builds.

    Args:
        duckdb_warehouse: The DuckDB warehouse file of the DuckDB build (opened read-only).
        spark_warehouse_dir: Spark's ``spark.sql.warehouse.dir`` of the Spark build (a
            path or a ``file:`` URI): its tables are the Parquet folders
            ``<schema>.db/<table>``.
        schemas: The schemas to compare. Every base table of them on either side is
            compared (DuckDB's views and Spark's views have no data of their own).

    Returns:
        The differences, table by table; empty when every table equals its counterpart.
    """
    spark_root = _local_path(spark_warehouse_dir)
    connection = duckdb.connect()
    try:
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute(f"ATTACH {_literal(str(duckdb_warehouse))} AS duckdb_build (READ_ONLY)")
        differences: list[TableDifference] = []
        for schema in schemas:
            duckdb_tables = _duckdb_tables(connection, schema)
            spark_tables = _spark_tables(spark_root / f"{schema}.db")
            for table in sorted(duckdb_tables.keys() | spark_tables.keys()):
                if table not in spark_tables or table not in duckdb_tables:
                    differences.append(
                        TableDifference(
                            schema,
                            table,
                            None,
                            "table",
                            table in duckdb_tables,
                            table in spark_tables,
                        )
                    )
                    continue
                differences += _compare_table(
                    connection, schema, table, duckdb_tables[table], spark_tables[table]
                )
        return differences
    finally:
        connection.close()


def _compare_table(
    connection: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    duckdb_relation: str,
    spark_relation: str,
) -> list[TableDifference]:
    duckdb_columns = _column_types(connection, duckdb_relation)
    spark_columns = _column_types(connection, spark_relation)
    differences: list[TableDifference] = []
    if list(duckdb_columns) != list(spark_columns):
        differences.append(
            TableDifference(
                schema, table, None, "columns", list(duckdb_columns), list(spark_columns)
            )
        )
    shared = [name for name in duckdb_columns if name in spark_columns]
    kinds: dict[str, str] = {}
    for name in shared:
        duckdb_kind, spark_kind = _kind(duckdb_columns[name]), _kind(spark_columns[name])
        if duckdb_kind == spark_kind:
            kinds[name] = duckdb_kind
        elif {duckdb_kind, spark_kind} <= {"whole", "number"}:
            kinds[name] = "number"
        else:
            differences.append(
                TableDifference(schema, table, name, "kind", duckdb_kind, spark_kind)
            )
    duckdb_sums = _checksums(connection, duckdb_relation, kinds)
    spark_sums = _checksums(connection, spark_relation, kinds)
    for (column, measure), duckdb_value in duckdb_sums.items():
        spark_value = spark_sums[(column, measure)]
        if not _equal(duckdb_value, spark_value, exact=_is_exact(kinds.get(column), measure)):
            differences.append(
                TableDifference(schema, table, column, measure, duckdb_value, spark_value)
            )
    return differences


def _checksums(
    connection: duckdb.DuckDBPyConnection, relation: str, kinds: dict[str, str]
) -> dict[tuple[str | None, str], object]:
    """The order-independent measures of one table, in one scan."""
    measures: list[tuple[str | None, str, str]] = [(None, "row_count", "count(*)")]
    for name, kind in kinds.items():
        column = _identifier(name)
        measures.append((name, "non_null_count", f"count({column})"))
        if kind == "whole":
            measures.append((name, "sum", f"sum(cast({column} as hugeint))"))
            measures.append((name, "sum_of_squares", f"sum(cast({column} as double) ** 2)"))
        elif kind == "number":
            measures.append((name, "sum", f"sum(cast({column} as double))"))
            measures.append((name, "sum_of_squares", f"sum(cast({column} as double) ** 2)"))
        elif kind == "boolean":
            measures.append((name, "true_count", f"count(*) filter (where {column})"))
        elif kind == "timestamp":
            micros = f"epoch_us({column})"
            measures.append((name, "sum", f"sum(cast({micros} as hugeint))"))
            measures.append((name, "hash_sum", f"sum(cast(hash({micros}) as hugeint))"))
        else:
            measures.append(
                (name, "hash_sum", f"sum(cast(hash(cast({column} as varchar)) as hugeint))")
            )
    select_list = ", ".join(expression for _, _, expression in measures)
    values = connection.execute(f"SELECT {select_list} FROM {relation}").fetchall()[0]
    return {
        (column, measure): value
        for (column, measure, _), value in zip(measures, values, strict=True)
    }


def _equal(left: object, right: object, *, exact: bool) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if exact:
        return left == right
    return math.isclose(
        float(left), float(right), rel_tol=RELATIVE_TOLERANCE, abs_tol=RELATIVE_TOLERANCE
    )


def _is_exact(kind: str | None, measure: str) -> bool:
    """Counts, hashes and sums of whole numbers and timestamps must be equal exactly."""
    if measure == "sum_of_squares":
        return False
    return measure != "sum" or kind in {"whole", "timestamp"}


def _kind(column_type: str) -> str:
    base = column_type.upper()
    if base in _WHOLE_NUMBER_TYPES or (base.startswith("DECIMAL") and base.endswith(",0)")):
        return "whole"
    if base in _FLOAT_TYPES or base.startswith("DECIMAL"):
        return "number"
    if base == "BOOLEAN":
        return "boolean"
    if base.startswith("TIMESTAMP"):
        return "timestamp"
    return "other"


def _column_types(connection: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    rows = connection.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    return {name: column_type.replace(" ", "") for name, column_type, *_ in rows}


def _duckdb_tables(connection: duckdb.DuckDBPyConnection, schema: str) -> dict[str, str]:
    rows = connection.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_catalog = 'duckdb_build' AND table_schema = ? "
        "AND table_type = 'BASE TABLE'",
        [schema],
    ).fetchall()
    return {name: f"duckdb_build.{_identifier(schema)}.{_identifier(name)}" for (name,) in rows}


def _spark_tables(schema_dir: Path) -> dict[str, str]:
    """Spark's tables of one schema: the folders holding Parquet files (a table with no
    rows still has one file carrying its columns)."""
    if not schema_dir.is_dir():
        return {}
    return {
        folder.name: f"read_parquet({_literal(str(folder / '**' / '*.parquet'))})"
        for folder in sorted(schema_dir.iterdir())
        if folder.is_dir() and any(folder.rglob("*.parquet"))
    }


def _local_path(location: str) -> Path:
    if location.startswith("file://"):
        return Path(location.removeprefix("file://"))
    if location.startswith("file:"):
        return Path(location.removeprefix("file:"))
    return Path(location)


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
