"""Point-in-time features against a hand-built warehouse: hand-computed values, and no
change at all when facts dated after the snapshot are added."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd
import pytest

from orderlens.triage.features import (
    FEATURE_COLUMNS,
    build_snapshots,
    snapshot_times,
    with_known_outcome,
)

T = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _at(hours: float) -> datetime:
    return T + timedelta(hours=hours)


def _exception(exception_id, case_id, node, detected, resolved, breached, response_minutes=20):
    return {
        "exception_id": exception_id,
        "case_id": case_id,
        "exception_type": "pick_failure",
        "exception_class": "warehouse",
        "owning_team": "Warehouse Operations",
        "reason_code": "damaged",
        "source_system": "WMS",
        "channel": "web",
        "region": "east",
        "node_id": node,
        "carrier": "FastCo",
        "supplier": None,
        "detected_at": detected,
        "first_response_at": detected + timedelta(minutes=response_minutes),
        "resolved_at": resolved,
        "as_of_at": _at(48),
        "resolution_sla_minutes": 240,
        "first_response_sla_minutes": 30,
        "is_auto_resolvable_type": False,
        "is_resolution_sla_breached": breached,
        "is_open": resolved is None,
    }


def _load(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}")
    con.register("rows_frame", pd.DataFrame(rows))
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM rows_frame")
    con.unregister("rows_frame")


def _warehouse(*, with_future: bool) -> duckdb.DuckDBPyConnection:
    """x1 at DC-1 detected 1 h before T, still open at T (resolved 5 h after T when the
    future is known); x2 at DC-1 detected 3 h before T, resolved 1 h before T; x3 at
    DC-1 detected 30 min before T, open, first response 30 min after T. With the future:
    x1's late events and resolution, a new exception x4 at DC-1, and middleware failures
    after T."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    x1_resolved = _at(5) if with_future else None
    exceptions = [
        _exception("x1", "o1", "DC-1", _at(-1), x1_resolved, with_future),
        _exception("x2", "o2", "DC-1", _at(-3), _at(-1), False),
        _exception("x3", "o1", "DC-1", _at(-0.5), None, False, response_minutes=60),
    ]
    intervals = [
        {"exception_id": "x1", "interval_index": 1, "opened_at": _at(-1), "closed_at": x1_resolved},
        {"exception_id": "x2", "interval_index": 1, "opened_at": _at(-3), "closed_at": _at(-1)},
        {"exception_id": "x3", "interval_index": 1, "opened_at": _at(-0.5), "closed_at": None},
    ]
    events = [
        {
            "exception_id": "x1",
            "event_at": _at(-1),
            "resource_type": "system",
            "exception_stage": "detected",
        },
        {
            "exception_id": "x1",
            "event_at": _at(-1 + 1 / 3),
            "resource_type": "human",
            "exception_stage": "assigned",
        },
        {
            "exception_id": "x1",
            "event_at": _at(-0.25),
            "resource_type": "human",
            "exception_stage": "escalated",
        },
        {
            "exception_id": "x2",
            "event_at": _at(-3),
            "resource_type": "system",
            "exception_stage": "detected",
        },
        {
            "exception_id": "x2",
            "event_at": _at(-1),
            "resource_type": "human",
            "exception_stage": "resolved_manual",
        },
        {
            "exception_id": "x3",
            "event_at": _at(-0.5),
            "resource_type": "system",
            "exception_stage": "detected",
        },
    ]
    integration = [
        {"case_id": "o1", "sent_at": _at(-2), "status": "5xx", "interface": "OMS->WMS:release"},
        {"case_id": "o2", "sent_at": _at(-2), "status": "ok", "interface": "OMS->WMS:release"},
        {"case_id": "o2", "sent_at": _at(-1), "status": "ok", "interface": "OMS->WMS:release"},
        {"case_id": "o2", "sent_at": _at(-8), "status": "timeout", "interface": "OMS->WMS:release"},
    ]
    if with_future:
        exceptions.append(_exception("x4", "o4", "DC-1", _at(2), None, False))
        intervals.append(
            {"exception_id": "x4", "interval_index": 1, "opened_at": _at(2), "closed_at": None}
        )
        events += [
            {
                "exception_id": "x1",
                "event_at": _at(1),
                "resource_type": "human",
                "exception_stage": "reopened",
            },
            {
                "exception_id": "x1",
                "event_at": _at(5),
                "resource_type": "human",
                "exception_stage": "resolved_manual",
            },
            {
                "exception_id": "x4",
                "event_at": _at(2),
                "resource_type": "system",
                "exception_stage": "detected",
            },
        ]
        integration += [
            {
                "case_id": "o1",
                "sent_at": _at(0.5),
                "status": "5xx",
                "interface": "OMS->WMS:release",
            },
            {
                "case_id": "o2",
                "sent_at": _at(1),
                "status": "timeout",
                "interface": "OMS->WMS:release",
            },
        ]
    _load(con, "marts.fct_exceptions", exceptions)
    _load(
        con,
        "marts.fct_orders",
        [
            {"case_id": "o1", "order_amount": 120.0, "promised_at": _at(30)},
            {"case_id": "o2", "order_amount": 40.0, "promised_at": _at(10)},
            {"case_id": "o4", "order_amount": 10.0, "promised_at": _at(60)},
        ],
    )
    _load(con, "intermediate.int_exception_open_intervals", intervals)
    _load(con, "staging.stg_raw__workflow_events", events)
    _load(con, "staging.stg_raw__integration_events", integration)
    return con


def test_build_snapshots_computes_hand_worked_features_at_t():
    snapshot = build_snapshots(_warehouse(with_future=False), [T]).set_index("exception_id")
    assert list(snapshot.index) == ["x1", "x3"]
    x1 = snapshot.loc["x1"]
    assert x1["minutes_open"] == pytest.approx(60.0)
    assert x1["sla_elapsed_fraction"] == pytest.approx(60 / 240)
    assert x1["minutes_to_due"] == pytest.approx(180.0)
    assert x1["events_so_far"] == 3
    assert x1["touches_so_far"] == 2
    assert x1["escalations_so_far"] == 1
    assert x1["minutes_since_last_event"] == pytest.approx(15.0)
    assert x1["has_first_response"] == 1
    assert x1["node_open_exceptions"] == 2
    assert x1["node_opened_24h"] == 3
    assert x1["order_other_exceptions"] == 1
    assert x1["hours_to_promise"] == pytest.approx(30.0)
    assert x1["order_integration_failures"] == 1
    assert x1["integration_failure_rate_6h"] == pytest.approx(1 / 3)
    x3 = snapshot.loc["x3"]
    assert x3["has_first_response"] == 0
    assert x3["is_first_response_overdue"] == 0
    assert x3["order_other_exceptions"] == 1


def test_build_snapshots_ignores_every_fact_dated_after_the_snapshot():
    before = build_snapshots(_warehouse(with_future=False), [T])
    after = build_snapshots(_warehouse(with_future=True), [T])
    columns = ["snapshot_at", "exception_id", *FEATURE_COLUMNS]
    pd.testing.assert_frame_equal(before[columns], after[columns])
    assert after.set_index("exception_id").loc["x1", "will_breach"]


def test_build_snapshots_leaves_out_past_due_exceptions_unless_asked():
    later = T + timedelta(hours=3.25)
    default = build_snapshots(_warehouse(with_future=False), [later])
    everything = build_snapshots(_warehouse(with_future=False), [later], include_past_due=True)
    assert list(default["exception_id"]) == ["x3"]
    assert sorted(everything["exception_id"]) == ["x1", "x3"]
    assert everything.set_index("exception_id").loc["x1", "is_past_due"]


def test_with_known_outcome_keeps_rows_settled_by_the_cutoff():
    snapshots = pd.DataFrame(
        {
            "snapshot_at": [_at(0), _at(0), _at(3)],
            "outcome_known_at": [_at(1), _at(5), _at(4)],
        }
    )
    kept = with_known_outcome(snapshots, _at(4))
    assert list(kept["outcome_known_at"]) == [_at(1), _at(4)]


def test_snapshot_times_steps_from_start_to_end_inclusive():
    assert snapshot_times(_at(0), _at(3), every=timedelta(hours=1.5)) == [_at(0), _at(1.5), _at(3)]
    with pytest.raises(ValueError, match="positive"):
        snapshot_times(_at(0), _at(3), every=timedelta(0))
