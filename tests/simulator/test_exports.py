"""Every output format is written and reads back with the same events.

XES and OCEL 2.0 go through pm4py's own readers; the OCEL document is also validated
against the OCEL 2.0 JSON schema.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pandas as pd
import pm4py
import pytest

from orderlens.contract import IntegrationEvent, WorkflowEvent, field_names
from orderlens.simulator import OutputFormat, SimulationConfig, simulate

OCEL_SCHEMA = Path(__file__).resolve().parents[1] / "data" / "real" / "ocel20-schema.json"
ORDERS = 400
SEED = 21


@pytest.fixture(scope="module")
def reference_log(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The Parquet output of the run every other format is compared with."""
    out = tmp_path_factory.mktemp("parquet")
    simulate(SimulationConfig(orders=ORDERS, out_dir=out, seed=SEED))
    return pd.read_parquet(out / "workflow_events.parquet")


def _run(tmp_path: Path, output_format: OutputFormat) -> Path:
    simulate(
        SimulationConfig(orders=ORDERS, out_dir=tmp_path, seed=SEED, output_format=output_format)
    )
    return tmp_path


def test_exports_csv_has_the_same_rows_and_contract_columns(
    tmp_path: Path, reference_log: pd.DataFrame
) -> None:
    out = _run(tmp_path, OutputFormat.CSV)
    workflow = pd.read_csv(out / "workflow_events.csv")
    integration = pd.read_csv(out / "integration_events.csv")
    assert list(workflow.columns) == field_names(WorkflowEvent)
    assert list(integration.columns) == field_names(IntegrationEvent)
    assert workflow["event_id"].tolist() == reference_log["event_id"].tolist()
    parsed = pd.to_datetime(workflow["event_at"], format="ISO8601", utc=True)
    assert (parsed == reference_log["event_at"]).all()


def test_exports_jsonl_has_the_same_rows_and_nulls(
    tmp_path: Path, reference_log: pd.DataFrame
) -> None:
    out = _run(tmp_path, OutputFormat.JSONL)
    lines = (out / "workflow_events.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == len(reference_log)
    assert list(records[0]) == field_names(WorkflowEvent)
    assert records[0]["exception_id"] is None
    assert [record["activity"] for record in records] == reference_log["activity"].tolist()
    assert (out / "integration_events.jsonl").exists()


def test_exports_xes_round_trips_through_pm4py(tmp_path: Path, reference_log: pd.DataFrame) -> None:
    out = _run(tmp_path, OutputFormat.XES)
    log = pm4py.read_xes(str(out / "workflow_events.xes"))
    assert len(log) == len(reference_log)
    assert log["case:concept:name"].nunique() == reference_log["case_id"].nunique() == ORDERS
    assert sorted(log["concept:name"]) == sorted(reference_log["activity"])
    assert (out / "integration_events.parquet").exists()
    first = log[log["event_id"] == reference_log["event_id"].iloc[0]].iloc[0]
    assert first["time:timestamp"] == reference_log["event_at"].iloc[0]
    assert first["org:resource"] == reference_log["resource"].iloc[0]


def test_exports_ocel_is_valid_and_round_trips_through_pm4py(
    tmp_path: Path, reference_log: pd.DataFrame
) -> None:
    out = _run(tmp_path, OutputFormat.OCEL)
    path = out / "orders.jsonocel"
    document = json.loads(path.read_text())
    jsonschema.validate(document, json.loads(OCEL_SCHEMA.read_text()))
    ocel = pm4py.read_ocel2_json(str(path))
    assert len(ocel.events) == len(reference_log)
    types = ocel.objects["ocel:type"].value_counts()
    assert types["Order"] == ORDERS
    assert types["Shipment"] == reference_log["shipment_id"].nunique()
    assert types["Exception"] == reference_log["exception_id"].nunique()
    assert types["Payment"] == reference_log["payment_id"].nunique()
    assert types["Return"] == reference_log["return_id"].nunique()
    assert types["OrderLine"] >= ORDERS
    shipments = ocel.relations[ocel.relations["ocel:type"] == "Shipment"]
    expected = reference_log[reference_log["shipment_id"].notna()]
    assert len(shipments) == len(expected)
    assert (out / "integration_events.parquet").exists()
