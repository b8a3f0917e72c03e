"""The Great Expectations contract suites: failing counts on a hand-made batch, and an
independent check that what the SQL validation loaded satisfies the contract suite."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from orderlens.contract import IntegrationEvent, WorkflowEvent, field_names
from orderlens.ingest import ingest_paths
from orderlens.ingest.expectations import validate_frame, validate_loaded_batch
from orderlens.ingest.mapping import Target
from orderlens.settings import Settings
from orderlens.warehouse import connect
from tests.ingest.conftest import FIXTURES


@pytest.mark.slow
def test_validate_frame_counts_each_contract_violation() -> None:
    frame = pd.DataFrame(
        {
            "message_id": ["M1", "M2", "M3", "M4"],
            "idempotency_key": ["K1", "K1", None, "K2"],
            "correlation_id": ["C1"] * 4,
            "interface": ["OMS->WMS:release"] * 4,
            "source_system": ["OMS", "OMS", "FAX", "FAX"],
            "target_system": ["WMS"] * 4,
            "operation": ["release"] * 4,
            "sent_at": pd.to_datetime(
                ["2024-01-01", "2024-01-02", "1980-01-01", "2024-01-03"], utc=True
            ),
            "latency_ms": [10.0, -2.0, 3.0, 4.0],
            "status": ["ok", "4xx", "bad", "timeout"],
            "attempt": [1, 0, 2, 1],
            "dead_lettered": [False] * 4,
            "replayed": [False] * 4,
            "error_message": [None] * 4,
        }
    )

    report = validate_frame(frame, IntegrationEvent)

    failing = {(o.expectation, o.column): o.unexpected_count for o in report.failures()}
    assert not report.success
    assert failing == {
        ("expect_column_values_to_not_be_null", "idempotency_key"): 1,
        ("expect_column_values_to_be_in_set", "source_system"): 2,
        ("expect_column_values_to_be_between", "sent_at"): 1,
        ("expect_column_values_to_be_between", "latency_ms"): 1,
        ("expect_column_values_to_be_in_set", "status"): 1,
        ("expect_column_values_to_be_between", "attempt"): 1,
    }


@pytest.mark.slow
def test_validate_loaded_batch_passes_on_what_sql_validation_loaded(
    settings: Settings, tmp_path: Path
) -> None:
    # the five bad rows of the broken-file corpus beside six good ones: the file loads
    bad = (FIXTURES / "broken" / "bad_timestamps.csv").read_text(encoding="utf-8").splitlines()
    good = [f"G{n},C2,Picked,2024-03-0{n + 1}T08:00:00Z,WMS" for n in range(5)]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(bad + good) + "\n", encoding="utf-8")
    (result,) = ingest_paths(settings, [path]).results
    assert result.load_id is not None

    report = validate_loaded_batch(settings, result.load_id, Target.WORKFLOW)

    assert report.evaluated_rows == result.loaded == 6
    assert report.success, report.failures()


@pytest.mark.slow
def test_validate_loaded_batch_uses_the_window_the_load_was_validated_with(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "claims.csv"
    path.write_text(
        "event_id,case_id,activity,event_at\n"
        "E1,claim-1,Register,1970-01-01T00:00:00Z\n"
        "E2,claim-1,Pay,1970-01-02T06:00:00Z\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("sources:\n  - relative_timestamps: true\n", encoding="utf-8")
    (result,) = ingest_paths(settings, [path], mapping=mapping).results
    assert (result.loaded, result.load_id is not None) == (2, True)

    report = validate_loaded_batch(settings, str(result.load_id), Target.WORKFLOW)

    assert report.success, report.failures()
    # the same rows against the default window: both events are implausible there
    with connect(settings.warehouse_path, read_only=True) as con:
        frame = con.execute(
            f"SELECT {', '.join(field_names(WorkflowEvent))} FROM raw.workflow_events"
        ).df()
    default = validate_frame(frame, WorkflowEvent)
    assert {(o.expectation, o.column): o.unexpected_count for o in default.failures()} == {
        ("expect_column_values_to_be_between", "event_at"): 2
    }
