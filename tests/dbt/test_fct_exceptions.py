"""fct_exceptions on the hand-made warehouse: lifecycle, SLA, touches and cost per exception.

Expected figures are worked out by hand from tests/dbt/fixtures/workflow_events.csv and
the shipped reference data (pick_failure SLA 30/240 min, fraud_review 60/720 min; labor
38 USD/h, 12 min per touch, escalation 15, cancellation 25).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fixture_warehouse import BuiltWarehouse


def _exception(built_warehouse: BuiltWarehouse, exception_id: str) -> dict[str, object]:
    with_names = built_warehouse.query(
        "select * from marts.fct_exceptions where exception_id = ?", [exception_id]
    )
    columns = [
        row[0]
        for row in built_warehouse.query(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'fct_exceptions' "
            "order by ordinal_position"
        )
    ]
    assert len(with_names) == 1
    return dict(zip(columns, with_names[0], strict=True))


def test_fct_exceptions_one_row_per_exception_id(built_warehouse: BuiltWarehouse) -> None:
    rows = built_warehouse.query("select exception_id from marts.fct_exceptions order by 1")
    assert [row[0] for row in rows] == ["x1", "x2", "x3"]


def test_fct_exceptions_reopened_exception_resolves_at_last_resolution(
    built_warehouse: BuiltWarehouse,
) -> None:
    x1 = _exception(built_warehouse, "x1")
    assert x1["detected_at"] == datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
    assert x1["first_response_at"] == datetime(2024, 3, 4, 10, 20, tzinfo=UTC)
    assert x1["resolved_at"] == datetime(2024, 3, 4, 14, 0, tzinfo=UTC)
    assert x1["resolution"] == "auto"
    assert x1["is_reopened"] is True
    assert x1["touch_count"] == 2
    assert x1["first_response_minutes"] == pytest.approx(20.0)
    assert x1["resolution_minutes"] == pytest.approx(240.0)
    # 240 minutes against a 240 minute SLA: met at the boundary.
    assert x1["is_resolution_sla_met"] is True
    assert x1["labor_cost"] == pytest.approx(2 * 12 / 60 * 38)


def test_fct_exceptions_open_exception_ages_against_last_event_and_breaches(
    built_warehouse: BuiltWarehouse,
) -> None:
    x2 = _exception(built_warehouse, "x2")
    assert x2["status"] == "open"
    assert x2["resolved_at"] is None
    # Detected 2024-03-04 09:30; the last event in the warehouse is 2024-03-09 12:00.
    assert x2["age_minutes"] == pytest.approx(5 * 1440 + 150)
    assert x2["aging_bucket"] == "3-7d"
    assert x2["is_resolution_sla_breached"] is True
    # First response after 120 minutes against 60.
    assert x2["is_first_response_sla_breached"] is True
    assert x2["escalation_count"] == 1
    assert x2["has_cancellation"] is True
    # The cancellation (w14) is done by a person but is an effect, not a touch: only the
    # escalation (w13) is a touch.
    assert x2["touch_count"] == 1
    assert x2["event_count"] == 2
    assert x2["total_cost"] == pytest.approx(1 * 12 / 60 * 38 + 15 + 25)


def test_fct_exceptions_tie_at_detection_counts_as_immediate_touchless_response(
    built_warehouse: BuiltWarehouse,
) -> None:
    x3 = _exception(built_warehouse, "x3")
    assert x3["first_response_minutes"] == pytest.approx(0.0)
    assert x3["is_touchless"] is True
    assert x3["is_auto_resolved"] is True
    assert x3["resolution_minutes"] == pytest.approx(20.0)
    assert x3["total_cost"] == pytest.approx(0.0)
