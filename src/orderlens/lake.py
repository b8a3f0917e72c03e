"""The ``spark`` engine's raw and reference tables: Parquet folders on the lake, written
by Spark from what ingestion loaded.

Ingestion itself is the same on both engines (``orderlens.ingest``): each file is read,
pseudonymized, validated and deduplicated in the local DuckDB warehouse, its bad rows
quarantined and its manifest row written, in one transaction. On the ``spark`` engine,
:func:`sync_lake` then hands every committed load to Spark, which writes it as the
folder ``<lake>/raw/<table>/<load_id>/``; dbt-spark reads those folders as the sources
(``register_lake_sources`` in ``dbt_project/macros``).

Why the record of what the lake holds can stay a small local table (``raw.lake_loads``):
a load's rows go to a folder of their own, which Spark writes with ``overwrite`` and
commits whole (files appear only when the job succeeds; readers skip the ``_temporary``
folder of a job that died). Writing the same load again therefore replaces the folder
with the same rows. A crash after Spark's commit and before the local record means the
next sync writes that folder once more, never a second copy; a crash before the commit
leaves nothing a reader sees. The lake thus holds each committed load exactly once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orderlens.contract import RAW_MODELS, REFERENCE_MODELS, qualified_name
from orderlens.settings import Settings
from orderlens.spark_engine import (
    LAKE_RAW,
    LAKE_REFERENCE,
    lake_path,
    spark_session,
    spark_warehouse_dir,
)
from orderlens.warehouse import connect

LAKE_LOADS_TABLE = "raw.lake_loads"
LAKE_LOADS_DDL = f"""
CREATE TABLE IF NOT EXISTS {LAKE_LOADS_TABLE} (
    table_name VARCHAR NOT NULL,
    load_id VARCHAR NOT NULL,
    row_count BIGINT NOT NULL,
    written_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (table_name, load_id)
)
"""
SCHEMA_FOLDER = "000-schema"
"""A raw table's folder with no rows and the contract's columns, so the table has its
columns before its first load (Spark skips folders whose name starts with ``_``)."""
REFERENCE_LOAD = "reference"


@dataclass(frozen=True)
class LakeWrite:
    """One folder Spark wrote: a load of a raw table, or a reference table."""

    table: str
    load_id: str
    rows: int


def pending_loads(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """``(table, load_id, rows)`` of every load in the warehouse's raw tables that the
    lake does not hold yet, plus every reference table whose content changed."""
    con.execute(LAKE_LOADS_DDL)
    pending: list[tuple[str, str, int]] = []
    for model in RAW_MODELS:
        table = qualified_name(model)
        pending += con.execute(
            f"SELECT ?, load_id, count(*) FROM {table} WHERE load_id NOT IN "
            f"(SELECT load_id FROM {LAKE_LOADS_TABLE} WHERE table_name = ?) "
            "GROUP BY load_id ORDER BY load_id",
            [table, table],
        ).fetchall()
        if not _recorded(con, table, SCHEMA_FOLDER):
            pending.append((table, SCHEMA_FOLDER, 0))
    for model in REFERENCE_MODELS:
        table = qualified_name(model)
        digest = _content_digest(con, table)
        if not _recorded(con, table, digest):
            ((rows,),) = con.execute(f"SELECT count(*) FROM {table}").fetchall()
            pending.append((table, digest, rows))
    return pending


def _recorded(con: duckdb.DuckDBPyConnection, table: str, load_id: str) -> bool:
    return bool(
        con.execute(
            f"SELECT count(*) FROM {LAKE_LOADS_TABLE} WHERE table_name = ? AND load_id = ?",
            [table, load_id],
        ).fetchall()[0][0]
    )


def _content_digest(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A reference table's content as a short digest: rewritten on the lake when it changes."""
    rows = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
    return f"{REFERENCE_LOAD}-{hashlib.sha256(repr(rows).encode()).hexdigest()[:16]}"


def sync_lake(settings: Settings) -> list[LakeWrite]:
    """Write every load and reference table the lake lacks, with Spark; return what was
    written (nothing, and no Spark session, when the lake is up to date).

    Each load goes from the warehouse to a Parquet spool file in the lake's hidden
    ``_spool`` folder (DuckDB, so the executors read it where they read the lake), from there
    to its lake folder (Spark, ``overwrite``), and is then recorded in ``raw.lake_loads``.
    The Spark session is stopped at the end so the cluster's executors are free for dbt.
    """
    with connect(
        settings.warehouse_path, lock_timeout=settings.warehouse_lock_timeout_seconds
    ) as con:
        pending = pending_loads(con)
    if not pending:
        return []
    spool = _spool_dir(settings)
    spark = spark_session(settings)
    written: list[LakeWrite] = []
    try:
        for table, load_id, rows in pending:
            spooled = _spool(settings, spool, table, load_id)
            schema, name = table.split(".")
            if schema == LAKE_RAW:
                target = lake_path(settings, LAKE_RAW, name, load_id)
            else:
                target = lake_path(settings, LAKE_REFERENCE, name)
            spark.read.parquet(spooled.as_uri()).write.mode("overwrite").parquet(target)
            spooled.unlink()
            with connect(
                settings.warehouse_path, lock_timeout=settings.warehouse_lock_timeout_seconds
            ) as con:
                if schema == LAKE_REFERENCE:
                    con.execute(f"DELETE FROM {LAKE_LOADS_TABLE} WHERE table_name = ?", [table])
                con.execute(
                    f"INSERT OR REPLACE INTO {LAKE_LOADS_TABLE} (table_name, load_id, row_count) "
                    "VALUES (?, ?, ?)",
                    [table, load_id, rows],
                )
            written.append(LakeWrite(table=table, load_id=load_id, rows=rows))
    finally:
        spark.stop()
    return written


def _spool_dir(settings: Settings) -> Path:
    """The lake's ``_spool`` folder (Spark's readers skip folders named ``_*``).

    Raises:
        ValueError: The lake is a URI (``s3a://``): DuckDB writes the spool, and it
            writes files, so the lake must be a path, a mounted bucket or share for a
            remote cluster (``docs/scale-out.md``).
    """
    if "://" in settings.lake_location:
        raise ValueError(
            f"ORDERLENS_LAKE={settings.lake_location}: ingestion hands loads to Spark through "
            "files it writes into the lake, so the lake must be a path this machine and the "
            "Spark executors share (a mounted bucket or share); see docs/scale-out.md"
        )
    spool = Path(settings.lake_location) / "_spool"
    spool.mkdir(parents=True, exist_ok=True, mode=0o700)
    return spool


def _spool(settings: Settings, spool: Path, table: str, load_id: str) -> Path:
    """The rows of one load (or a whole reference table) as a Parquet file for Spark."""
    path = spool / f"{table}-{load_id}.parquet"
    schema = table.split(".")[0]
    if schema == LAKE_RAW and load_id == SCHEMA_FOLDER:
        select = f"SELECT * FROM {table} LIMIT 0"
    elif schema == LAKE_RAW:
        quoted = load_id.replace("'", "''")
        select = f"SELECT * FROM {table} WHERE load_id = '{quoted}'"
    else:
        select = f"SELECT * FROM {table}"
    with connect(settings.warehouse_path, read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet)")
    return path


MIRRORED_SCHEMAS: tuple[str, ...] = ("staging", "intermediate", "marts", "reference")
"""dbt's schemas whose tables are copied from the lake to the local warehouse."""


def mirror_lake_tables(settings: Settings) -> list[str]:
    """Copy every table dbt built on the lake into the local warehouse; return their names.

    Process mining, triage and the serving copy read the local warehouse on both engines
    (the coded fast path is DuckDB's). Spark keeps each table as a Parquet folder under
    ``<lake>/warehouse/<schema>.db/<table>``; DuckDB reads it directly. Spark's decimal
    columns with a fraction (Spark types ``x / 100.0`` as a decimal where DuckDB gives a
    double) come back as ``DOUBLE``, so the local tables have the DuckDB build's types.
    """
    warehouse = Path(spark_warehouse_dir(settings))
    copied: list[str] = []
    with connect(
        settings.warehouse_path, lock_timeout=settings.warehouse_lock_timeout_seconds
    ) as con:
        for schema in MIRRORED_SCHEMAS:
            folder = warehouse / f"{schema}.db"
            if not folder.is_dir():
                continue
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            for table in sorted(path for path in folder.iterdir() if path.is_dir()):
                files = f"{table}/*.parquet"
                if not any(table.glob("*.parquet")):
                    continue
                con.execute(
                    f"CREATE OR REPLACE TABLE {schema}.{table.name} AS "
                    f"SELECT {_local_columns(con, files)} FROM read_parquet('{files}')"
                )
                copied.append(f"{schema}.{table.name}")
    return copied


def _local_columns(con: duckdb.DuckDBPyConnection, files: str) -> str:
    columns = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{files}')").fetchall()
    selected = []
    for name, kind, *_ in columns:
        quoted = '"' + name.replace('"', '""') + '"'
        if kind.startswith("DECIMAL") and not kind.endswith(",0)"):
            selected.append(f"CAST({quoted} AS DOUBLE) AS {quoted}")
        elif kind.startswith("DECIMAL"):
            selected.append(f"CAST({quoted} AS HUGEINT) AS {quoted}")
        else:
            selected.append(quoted)
    return ", ".join(selected)
