"""Fixtures of the process-mining tests: real logs loaded into in-memory DuckDB.

pm4py is the independent computation: each fixture keeps the pandas frame it loaded,
in arrival order, so a test can hand the same events to pm4py.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1] / "data" / "real"


@dataclass(frozen=True)
class LoadedLog:
    """A log in DuckDB (staged-events layout) and the same events as a pandas frame."""

    con: duckdb.DuckDBPyConnection
    events: pd.DataFrame
    directory: Path | None = None


def stage_process_events(con: duckdb.DuckDBPyConnection) -> None:
    """Give the staged events the name analyses read by default (``PROCESS_EVENTS``).

    dbt's ``int_process_events_selected`` leaves out lifecycle transitions other than
    completions; these logs carry none, so under every treatment it holds every staged
    event, as this view does.
    """
    con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
    con.execute(
        "CREATE OR REPLACE VIEW intermediate.int_process_events_selected AS"
        " SELECT * FROM staging.stg_raw__workflow_events"
    )


def load_frame(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, table: str) -> None:
    """Create ``table`` from ``frame`` (schema created when the name has one)."""
    if "." in table:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}")
    con.register("frame_to_load", frame)
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM frame_to_load")
    con.unregister("frame_to_load")


@pytest.fixture(scope="session")
def receipt_log() -> Iterator[LoadedLog]:
    """The real ``receipt.xes.gz`` log, event_seq = position in the file."""
    import pm4py

    raw = pm4py.read_xes(str(SHARED_DATA / "receipt.xes.gz"))
    events = pd.DataFrame(
        {
            "case_id": raw["case:concept:name"].astype(str),
            "activity": raw["concept:name"].astype(str),
            "event_at": raw["time:timestamp"],
            "event_seq": range(len(raw)),
        }
    )
    con = duckdb.connect()
    load_frame(con, events, "staging.stg_raw__workflow_events")
    stage_process_events(con)
    yield LoadedLog(con, events)
    con.close()


@pytest.fixture(scope="session")
def holiday_peak_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedLog]:
    """A simulated holiday-peak retailer (6,000 orders), staged as ingestion and dbt's
    staging models would (integration ``correlation_id`` becomes ``case_id``, flags get
    ``is_``)."""
    from orderlens.simulator import SimulationConfig, simulate

    directory = tmp_path_factory.mktemp("holiday_peak")
    simulate(SimulationConfig(orders=6000, out_dir=directory, scenario="holiday-peak", seed=3))
    workflow = pd.read_parquet(directory / "workflow_events.parquet")
    workflow["event_seq"] = range(len(workflow))
    integration = pd.read_parquet(directory / "integration_events.parquet").rename(
        columns={
            "correlation_id": "case_id",
            "dead_lettered": "is_dead_lettered",
            "replayed": "is_replayed",
        }
    )
    con = duckdb.connect()
    load_frame(con, workflow, "staging.stg_raw__workflow_events")
    load_frame(con, integration, "staging.stg_raw__integration_events")
    stage_process_events(con)
    yield LoadedLog(con, workflow, directory)
    con.close()
