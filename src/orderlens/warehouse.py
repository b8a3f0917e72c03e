"""Access to the DuckDB warehouse and publishing of the read-only serving copy.

DuckDB allows one writer per file, and a reader holding the file blocks ``dbt build``.
So the pipeline writes only ``warehouse.duckdb``, and :func:`publish_serving_copy` builds
a fresh file with the tables the dashboard needs and renames it over ``serving.duckdb``
(an atomic replace on one file system). Readers open the serving copy read-only; a reader
that opened the old copy keeps reading it until it reconnects.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from sqlmodel import SQLModel

from orderlens.contract import (
    RAW_MODELS,
    column_sql,
    create_stored_table_sql,
    qualified_name,
    raw_view_sql,
    stored_table_name,
)
from orderlens.reference import load_reference, write_reference
from orderlens.settings import Settings, make_private

PUBLISHED_SCHEMAS: tuple[str, ...] = ("marts", "mining", "reference", "triage")
"""Schemas copied into the serving copy: what the dashboard and analysts read."""

WAREHOUSE_SCHEMAS: tuple[str, ...] = ("raw", "quarantine", "reference", "mining")


_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")
_FIRST_RETRY_SECONDS = 0.05
_LONGEST_RETRY_SECONDS = 1.0


class CorruptWarehouseError(RuntimeError):
    """A DuckDB file exists but cannot be opened or read."""


class WarehouseBusyError(RuntimeError):
    """Another process held a DuckDB file's lock for the whole bounded wait.

    Attributes:
        path: The DuckDB file.
        waited_seconds: How long the wait lasted.
        holder: Who holds the lock as DuckDB names it (PID and command line when
            known), else ``None``.
    """

    def __init__(self, path: Path, waited_seconds: float, holder: str | None) -> None:
        self.path = path
        self.waited_seconds = waited_seconds
        self.holder = holder
        held_by = holder or "another process (DuckDB did not say which)"
        super().__init__(
            f"{path} is locked by {held_by}; gave up after waiting {waited_seconds:.0f} s "
            "(ORDERLENS_WAREHOUSE_LOCK_TIMEOUT): nothing was changed, run again when it is done"
        )


def lock_holder(message: str) -> str | None:
    """Who holds a DuckDB file, from DuckDB's lock error: ``PID 1234 (orderlens ingest
    ...)`` with the command line read from ``/proc`` when it is still readable, else the
    program DuckDB names; ``None`` when the message names nobody."""
    found = _LOCK_HOLDER.search(message)
    if found is None:
        return None
    pid = found["pid"]
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").strip()
    except OSError:
        command = b""
    shown = command.decode("utf-8", "replace") if command else found["program"]
    return f"PID {pid} ({shown})"


def _open(
    path: Path,
    *,
    read_only: bool,
    lock_timeout: float,
    on_wait: Callable[[str], None] | None,
) -> duckdb.DuckDBPyConnection:
    """Open ``path``, retrying with growing pauses while another process holds its lock,
    for at most ``lock_timeout`` seconds."""
    started = time.monotonic()
    pause = _FIRST_RETRY_SECONDS
    announced = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            message = str(error)
            if "lock" not in message.lower():
                raise CorruptWarehouseError(
                    f"{path} is not a readable DuckDB database: {error}"
                ) from error
            waited = time.monotonic() - started
            holder = lock_holder(message)
            if waited >= lock_timeout:
                raise WarehouseBusyError(path, waited, holder) from error
            if on_wait is not None and not announced:
                on_wait(
                    f"waiting up to {lock_timeout:.0f} s for {path}, locked by "
                    f"{holder or 'another process'}"
                )
                announced = True
            time.sleep(min(pause, lock_timeout - waited))
            pause = min(pause * 2, _LONGEST_RETRY_SECONDS)
        except duckdb.Error as error:
            raise CorruptWarehouseError(
                f"{path} is not a readable DuckDB database: {error}"
            ) from error


@contextmanager
def connect(
    path: Path,
    *,
    read_only: bool = False,
    lock_timeout: float = 0.0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a DuckDB file in UTC, closing it when the block ends.

    DuckDB lets one process write a file at a time. While another process holds it, the
    open is retried for ``lock_timeout`` seconds (0: not at all; writers pass
    ``Settings.warehouse_lock_timeout_seconds``, readers serving a request do not wait),
    and ``on_wait`` hears once who holds it. A file opened for writing gets mode 0600.

    Raises:
        WarehouseBusyError: another process held the lock for the whole wait.
        CorruptWarehouseError: the file exists but is not a readable DuckDB database.
    """
    con = _open(path, read_only=read_only, lock_timeout=lock_timeout, on_wait=on_wait)
    if not read_only:
        make_private(path)
    try:
        con.execute("SET TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def initialize_warehouse(
    settings: Settings, *, on_wait: Callable[[str], None] | None = None
) -> None:
    """Create the data layout, the schemas and the raw tables (idempotent).

    The raw tables come from the data contract; the reference tables are rewritten from
    the settings' reference file (or the shipped defaults) so edits take effect. While
    another process writes the warehouse, it waits (see :func:`connect`).
    """
    settings.ensure_dirs()
    reference = load_reference(settings.reference_file)
    with connect(
        settings.warehouse_path,
        lock_timeout=settings.warehouse_lock_timeout_seconds,
        on_wait=on_wait,
    ) as con:
        for schema in WAREHOUSE_SCHEMAS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        for model in RAW_MODELS:
            _create_raw_table(con, model)
        write_reference(con, reference)


def _create_raw_table(con: duckdb.DuckDBPyConnection, model: type[SQLModel]) -> None:
    """Create a raw model's stored table and its view; a raw table from before the split
    (a full table under the view's name) becomes the stored table, rows and columns kept."""
    if _catalog_values(con, "tables", "table_type", qualified_name(model)) == ["BASE TABLE"]:
        stored = stored_table_name(model).split(".")[1]
        con.execute(f"ALTER TABLE {qualified_name(model)} RENAME TO {stored}")
    con.execute(create_stored_table_sql(model))
    con.execute(raw_view_sql(model, stored_raw_columns(con, model)))


def _catalog_values(
    con: duckdb.DuckDBPyConnection, catalog_view: str, column: str, qualified: str
) -> list[str]:
    """``column`` of the rows of ``information_schema.<catalog_view>`` about the table
    ``qualified`` (``schema.table``) of this database."""
    schema, table = qualified.split(".")
    rows = con.execute(
        f"SELECT {column} FROM information_schema.{catalog_view} "
        "WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchall()
    return [row[0] for row in rows]


def stored_raw_columns(con: duckdb.DuckDBPyConnection, model: type[SQLModel]) -> set[str]:
    """Columns the raw model's stored table has now."""
    return set(_catalog_values(con, "columns", "column_name", stored_table_name(model)))


def store_raw_columns(
    con: duckdb.DuckDBPyConnection, model: type[SQLModel], names: Iterable[str]
) -> None:
    """Give the raw model's stored table the contract columns ``names`` it lacks (NULL in
    the rows already there) and rewrite its view to show them; runs inside the caller's
    transaction, so a load that is rolled back takes its new columns with it."""
    stored = stored_raw_columns(con, model)
    missing = [name for name in dict.fromkeys(names) if name not in stored]
    for name in missing:
        con.execute(f"ALTER TABLE {stored_table_name(model)} ADD COLUMN {column_sql(model, name)}")
    if missing:
        con.execute(raw_view_sql(model, stored | set(missing)))


@dataclass(frozen=True)
class PublishResult:
    """What a publish copied: tables per schema and their row counts."""

    path: Path
    published_at: datetime
    row_counts: dict[str, int]


def _published_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    placeholders = ", ".join("?" for _ in PUBLISHED_SCHEMAS)
    return con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        f"WHERE table_catalog = 'wh' AND table_schema IN ({placeholders}) "
        "ORDER BY table_schema, table_name",
        list(PUBLISHED_SCHEMAS),
    ).fetchall()


def _has_case_id(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Tables with a ``case_id`` are published sorted by it: DuckDB's min/max zone maps then
    let the dashboard's one-order lookups skip almost every row group."""
    rows = con.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_catalog = 'wh'"
        " AND table_schema = ? AND table_name = ? AND column_name = 'case_id'",
        [schema, table],
    ).fetchall()
    return bool(rows)


def _remove_abandoned_copies(settings: Settings) -> None:
    """Delete half-built copies left by publishers that were killed (their PID is gone)."""
    for leftover in settings.data_dir.glob(".serving-*.duckdb*"):
        pid_text = leftover.name.removeprefix(".serving-").split(".", 1)[0]
        if pid_text.isdigit() and not Path(f"/proc/{pid_text}").exists():
            leftover.unlink(missing_ok=True)


def _event_span(
    con: duckdb.DuckDBPyConnection, row_counts: dict[str, int]
) -> tuple[datetime | None, datetime | None]:
    """First and last event of the published log: what "data as of" means to a reader,
    which is not the publication time (a log exported last quarter is published today)."""
    if "marts.fct_case_traces" not in row_counts:
        return None, None
    first, last = con.execute(
        "SELECT min(first_event_at), max(last_event_at) FROM marts.fct_case_traces"
    ).fetchall()[0]
    return first, last


def publish_serving_copy(settings: Settings) -> PublishResult:
    """Copy the published schemas into a new file and atomically replace the serving copy.

    The new file is verified by reopening it read-only before the rename, so a crash at
    any point leaves either the previous serving copy or the new complete one, never a
    half-written file under the published name.
    """
    settings.ensure_dirs()
    _remove_abandoned_copies(settings)
    temporary = settings.serving_path.with_name(f".serving-{os.getpid()}.duckdb")
    temporary.unlink(missing_ok=True)
    published_at = datetime.now(UTC)
    row_counts: dict[str, int] = {}
    with connect(temporary) as con:
        con.execute(f"ATTACH '{settings.warehouse_path}' AS wh (READ_ONLY)")
        for schema, table in _published_tables(con):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            order = " ORDER BY case_id" if _has_case_id(con, schema, table) else ""
            con.execute(
                f'CREATE TABLE {schema}."{table}" AS SELECT * FROM wh.{schema}."{table}"{order}'
            )
            count = con.execute(f'SELECT count(*) FROM {schema}."{table}"').fetchone()
            row_counts[f"{schema}.{table}"] = int(count[0]) if count else 0
        first_event_at, last_event_at = _event_span(con, row_counts)
        con.execute("CREATE SCHEMA IF NOT EXISTS meta")
        con.execute(
            "CREATE TABLE meta.publication (published_at TIMESTAMPTZ, tables BIGINT,"
            " first_event_at TIMESTAMPTZ, last_event_at TIMESTAMPTZ)"
        )
        con.execute(
            "INSERT INTO meta.publication VALUES (?, ?, ?, ?)",
            [published_at, len(row_counts), first_event_at, last_event_at],
        )
        con.execute("DETACH wh")
        con.execute("CHECKPOINT")
    with connect(temporary, read_only=True) as check:
        check.execute("SELECT count(*) FROM meta.publication").fetchone()
    make_private(temporary)
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, settings.serving_path)
    return PublishResult(settings.serving_path, published_at, row_counts)
