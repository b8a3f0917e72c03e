"""A hand-made warehouse for the dbt tests, loaded from CSV and built by a real ``dbt build``.

The rows are small enough to compute every expected figure by hand (the tests say how),
and cover the lifecycles the marts must read: a reopened exception, an open one past its
SLA, a touchless auto-resolution, an exception that cancels its order, retries and a
duplicate delivery of an integration message, and same-timestamp ties inside a case.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlmodel import SQLModel

from orderlens.contract import IntegrationEvent, WorkflowEvent, field_names, stored_table_name
from orderlens.dbt_runner import run_dbt
from orderlens.settings import Settings
from orderlens.warehouse import connect, initialize_warehouse, store_raw_columns

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
"""CSV files of raw rows; a row's position in its file is its arrival order (event_seq).

workflow_events.csv: o1 (web) has a pick failure resolved, reopened and resolved again,
then is delivered on time; o2 (store) has a fraud review escalated, never resolved, that
cancels the order (a person's cancellation carrying x2 without a stage: an effect); o3
(app) has a touchless payment hold whose first two events share a timestamp.
integration_events.csv: k1 is a 5xx, an ok and a duplicate ok; k2 one ok; k3 a
dead-lettered time-out replayed to ok.
"""


@dataclass(frozen=True)
class BuiltWarehouse:
    """A warehouse after ``dbt build``, and how to query it."""

    settings: Settings

    def query(self, sql: str, parameters: list[object] | None = None) -> list[tuple]:
        """Run ``sql`` on the built warehouse (read-only) and return all rows."""
        with connect(self.settings.warehouse_path, read_only=True) as con:
            return con.execute(sql, parameters or []).fetchall()


def load_csv(
    con: duckdb.DuckDBPyConnection,
    model: type[SQLModel],
    csv_path: Path,
    *,
    first_seq: int = 1,
    load_id: str = "fixture",
) -> None:
    """Append a CSV of contract columns to a raw table, numbering rows in file order."""
    store_raw_columns(con, model, field_names(model))
    con.execute(
        f"""
        INSERT INTO {stored_table_name(model)} BY NAME
        SELECT
            *,
            ? - 1 + row_number() OVER () AS event_seq,
            ? AS source_file,
            row_number() OVER () AS source_row,
            ? AS load_id
        FROM read_csv(?, header = true, all_varchar = true)
        """,
        [first_seq, csv_path.name, load_id, str(csv_path)],
    )


def build_warehouse(data_dir: Path) -> Settings:
    """Initialize a warehouse in ``data_dir``, load the fixture CSVs and run dbt build."""
    settings = Settings(data_dir=data_dir)
    initialize_warehouse(settings)
    with connect(settings.warehouse_path) as con:
        load_csv(con, WorkflowEvent, FIXTURES_DIR / "workflow_events.csv")
        load_csv(con, IntegrationEvent, FIXTURES_DIR / "integration_events.csv")
    run_dbt(settings, ["build"])
    return settings
