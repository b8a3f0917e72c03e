"""The conformance assets and their check, materialized for real on a permit-process log.

The receipt log (a municipal permit application) shares no activity with the retail
reference model: the model used and the fitness stored must follow from that.
"""

from dataclasses import replace

import dagster as dg
import pandas as pd
import pm4py
import pytest

from orchestration.defs.mining.assets import mining_conformance, mining_variants
from orchestration.defs.mining.checks import conformance_fitness_is_a_share
from orchestration.defs.resources import SettingsResource
from orderlens.settings import Settings
from orderlens.warehouse import connect, initialize_warehouse
from process_mining.conformance import REFERENCE_MODEL_FILE
from process_mining.event_log import STAGED_WORKFLOW_EVENTS, EventLog
from tests.process_mining.conftest import SHARED_DATA, load_frame

RECEIPT_CASES = 1434
"""Cases of receipt.xes.gz (its trace count, as in the log's published description)."""


def _receipt_warehouse(tmp_path) -> Settings:
    """A warehouse whose staged events, and the process events mining reads (a view of
    them here, whatever lifecycle selection dbt would make), are the receipt log."""
    raw = pm4py.read_xes(str(SHARED_DATA / "receipt.xes.gz"))
    events = pd.DataFrame(
        {
            "case_id": raw["case:concept:name"].astype(str),
            "activity": raw["concept:name"].astype(str),
            "event_at": raw["time:timestamp"],
            "event_seq": range(len(raw)),
        }
    )
    settings = Settings(data_dir=tmp_path / "data")
    initialize_warehouse(settings)
    with connect(settings.warehouse_path) as con:
        load_frame(con, events, STAGED_WORKFLOW_EVENTS)
        process_events = EventLog().relation
        if process_events != STAGED_WORKFLOW_EVENTS:
            schema = process_events.split(".")[0]
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.execute(f"CREATE VIEW {process_events} AS SELECT * FROM {STAGED_WORKFLOW_EVENTS}")
    return settings


def _materialize(settings: Settings) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [mining_variants, mining_conformance, conformance_fitness_is_a_share],
        resources={"orderlens": SettingsResource(settings)},
    )


def test_mining_conformance_stores_no_fitness_against_a_model_sharing_no_activity(tmp_path):
    settings = replace(_receipt_warehouse(tmp_path), reference_model=REFERENCE_MODEL_FILE)
    result = _materialize(settings)
    assert result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.passed
    reason = evaluation.metadata["no_fitness_because"].value
    assert reason.startswith("the model shares no activity with the log")
    conformance = result.asset_materializations_for_node("mining_conformance")
    metadata = {key: value.value for event in conformance for key, value in event.metadata.items()}
    assert metadata["model_source"] == "user"
    assert metadata["fitness"] == f"not measured: {reason}"
    with connect(settings.warehouse_path, read_only=True) as con:
        row = con.execute(
            "SELECT source, location, fitness, shared_activity_count, unmeasured_reason"
            " FROM mining.conformance_model"
        ).fetchall()
        (variants,) = con.execute("SELECT count(*) FROM mining.conformance_variants").fetchone()
        (deviations,) = con.execute("SELECT count(*) FROM mining.deviations").fetchone()
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = 'mining' AND table_name = 'conformance_variants'"
            ).fetchall()
        )
    assert row == [("user", str(REFERENCE_MODEL_FILE), None, 0, reason)]
    assert (variants, deviations) == (0, 0)
    assert types["activities"] == "VARCHAR[]"
    assert types["fitness"] == "DOUBLE"


def test_mining_conformance_discovers_a_model_for_a_log_that_is_not_retail(tmp_path):
    settings = _receipt_warehouse(tmp_path)
    result = _materialize(settings)
    assert result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.passed
    assert "no_fitness_because" not in evaluation.metadata
    with connect(settings.warehouse_path, read_only=True) as con:
        source, label, fitness, unmeasured = con.execute(
            "SELECT source, label, fitness, unmeasured_reason FROM mining.conformance_model"
        ).fetchone()
        (weighted,) = con.execute(
            "SELECT sum(fitness * case_count) / sum(case_count) FROM mining.conformance_variants"
        ).fetchone()
        (cases,) = con.execute("SELECT sum(case_count) FROM mining.conformance_variants").fetchone()
    assert source == "discovered"
    assert label.startswith("discovered from the ")
    assert unmeasured is None
    assert 0 < fitness < 1
    assert weighted == pytest.approx(fitness)
    assert cases == RECEIPT_CASES
