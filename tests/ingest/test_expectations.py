"""The Great Expectations contract suites: failing counts on a hand-made batch, and an
independent check that what the SQL validation loaded satisfies the contract suite."""

from __future__ import annotations

import pandas as pd
import pytest

from orderlens.contract import IntegrationEvent
from orderlens.ingest import ingest_paths
from orderlens.ingest.expectations import validate_frame, validate_loaded_batch
from orderlens.ingest.mapping import Target
from orderlens.settings import Settings
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
def test_validate_loaded_batch_passes_on_what_sql_validation_loaded(settings: Settings) -> None:
    (result,) = ingest_paths(settings, [FIXTURES / "broken" / "bad_timestamps.csv"]).results
    assert result.load_id is not None

    report = validate_loaded_batch(settings, result.load_id, Target.WORKFLOW)

    assert report.evaluated_rows == result.loaded == 1
    assert report.success, report.failures()
