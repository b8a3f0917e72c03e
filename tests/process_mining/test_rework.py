"""Rework per object and split shipments against hand-worked answers, pm4py and pandas on
the simulator's own files; ping-pong between teams, counted on handovers."""

from datetime import UTC, datetime

import duckdb
import pandas as pd
import pm4py
import pytest

from process_mining.event_log import EventLog
from process_mining.rework import (
    REWORK_OBJECT_COLUMNS,
    count_rework_cases,
    get_rework,
    get_split_shipments,
    get_team_ping_pong,
)

START = pd.Timestamp(datetime(2026, 3, 1, tzinfo=UTC))


def _teams_log(cases: dict[str, list[tuple[str | None, int]]]) -> duckdb.DuckDBPyConnection:
    """cases: id -> [(source system, minutes after the case's start)] in arrival order."""
    rows = [
        (case_id, f"step {index}", START + pd.Timedelta(minutes=minutes), team)
        for case_id, steps in cases.items()
        for index, (team, minutes) in enumerate(steps)
    ]
    frame = pd.DataFrame(rows, columns=["case_id", "activity", "event_at", "source_system"])
    frame["event_seq"] = range(len(frame))
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute("CREATE TABLE ev AS SELECT * FROM frame")
    return con


def test_team_ping_pong_counts_handovers_not_steps():
    con = _teams_log(
        {
            # OMS hands to WMS for two steps and gets it back 50 minutes after leaving it.
            "x": [("OMS", 0), ("OMS", 10), ("WMS", 20), ("WMS", 40), ("OMS", 60), ("TMS", 70)],
            # No return: OMS, WMS, TMS.
            "y": [("OMS", 0), ("OMS", 5), ("WMS", 9), ("TMS", 30)],
            # OMS -> MIDDLEWARE -> OMS twice (away 10 and 30 minutes), MIDDLEWARE -> OMS ->
            # MIDDLEWARE once (away 25); the event without a team does not break a stint.
            "z": [
                ("OMS", 0),
                ("MIDDLEWARE", 5),
                ("OMS", 10),
                (None, 12),
                ("OMS", 15),
                ("MIDDLEWARE", 30),
                ("OMS", 45),
            ],
        }
    )
    pong = get_team_ping_pong(con, EventLog(relation="ev")).set_index(["first_team", "second_team"])
    assert sorted(pong.index) == [("MIDDLEWARE", "OMS"), ("OMS", "MIDDLEWARE"), ("OMS", "WMS")]
    assert pong.loc[("OMS", "WMS"), "occurrences"] == 1
    assert pong.loc[("OMS", "WMS"), "mean_away_seconds"] == pytest.approx(50 * 60)
    assert pong.loc[("OMS", "MIDDLEWARE"), "occurrences"] == 2
    assert pong.loc[("OMS", "MIDDLEWARE"), "case_count"] == 1
    assert pong.loc[("OMS", "MIDDLEWARE"), "mean_away_seconds"] == pytest.approx(20 * 60)
    assert pong.loc[("MIDDLEWARE", "OMS"), "mean_away_seconds"] == pytest.approx(25 * 60)


def _objects_log(
    cases: dict[str, list[tuple[str, str | None, str | None]]],
) -> duckdb.DuckDBPyConnection:
    """cases: id -> [(activity, shipment, payment)] one minute apart, in arrival order."""
    rows = [
        (case_id, activity, START + pd.Timedelta(minutes=index), shipment, payment)
        for case_id, steps in cases.items()
        for index, (activity, shipment, payment) in enumerate(steps)
    ]
    frame = pd.DataFrame(
        rows, columns=["case_id", "activity", "event_at", "shipment_id", "payment_id"]
    )
    frame["event_seq"] = range(len(frame))
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute("CREATE TABLE ev AS SELECT * FROM frame")
    return con


def test_rework_counts_repeats_on_the_same_object_only():
    con = _objects_log(
        {
            # Two shipments, each picked and packed once: a split, no rework.
            "split": [
                ("Pick", "s1", None),
                ("Pick", "s2", None),
                ("Pack", "s1", None),
                ("Pack", "s2", None),
            ],
            # Shipment s1 packed twice: one extra execution.
            "repack": [("Pick", "s1", None), ("Pack", "s1", None), ("Pack", "s1", None)],
            # Split, and the second shipment packed three times: two extra executions.
            "split_and_repack": [
                ("Pack", "s1", None),
                ("Pack", "s2", None),
                ("Pack", "s2", None),
                ("Pack", "s2", None),
            ],
            # One payment authorised twice (rework), then a second payment (not rework).
            "payments": [("Authorize", None, "p1"), ("Authorize", None, "p1")],
            "two_payments": [("Authorize", None, "p1"), ("Authorize", None, "p2")],
            # A step naming no object repeats on the order itself.
            "no_object": [("Hold", None, None), ("Hold", None, None), ("Pick", "s1", None)],
        }
    )
    log = EventLog(relation="ev")
    rework = get_rework(con, log).set_index("activity")
    assert sorted(rework.index) == ["Authorize", "Hold", "Pack"]
    # Pack: done in split, repack and split_and_repack; repeated on one shipment in two.
    assert rework.loc["Pack", "case_count"] == 3
    assert rework.loc["Pack", "rework_cases"] == 2
    assert rework.loc["Pack", "extra_executions"] == 1 + 2
    assert rework.loc["Pack", "rework_share"] == pytest.approx(2 / 3)
    assert rework.loc["Authorize", "rework_cases"] == 1
    assert rework.loc["Authorize", "extra_executions"] == 1
    assert rework.loc["Hold", "extra_executions"] == 1
    assert count_rework_cases(con, log) == 4  # repack, split_and_repack, payments, no_object
    # Counted per case instead, every repetition would be rework, the split's too.
    per_case = get_rework(con, log, object_columns=()).set_index("activity")
    assert per_case.loc["Pack", "rework_cases"] == 3
    assert per_case.loc["Pick", "rework_cases"] == 1
    assert count_rework_cases(con, log, object_columns=()) == 6

    split = get_split_shipments(con, log)
    # Shipped: split, repack, split_and_repack, no_object; in two shipments: two of them.
    assert (split.shipped_cases, split.split_cases) == (4, 2)
    assert split.split_rate == pytest.approx(2 / 4)


def test_rework_without_object_columns_equals_pm4py_on_the_receipt_log(receipt_log):
    rework = get_rework(receipt_log.con, EventLog())
    expected = pm4py.get_rework_cases_per_activity(
        receipt_log.events, activity_key="activity", case_id_key="case_id", timestamp_key="event_at"
    )
    assert expected  # the log does repeat activities
    assert dict(zip(rework["activity"], rework["rework_cases"], strict=True)) == expected
    split = get_split_shipments(receipt_log.con, EventLog())
    assert not split.has_shipments
    assert split.split_rate is None


@pytest.mark.slow
def test_rework_on_the_simulated_log_leaves_split_shipments_out(holiday_peak_log):
    events = holiday_peak_log.events
    shipments = events.dropna(subset=["shipment_id"]).groupby("case_id")["shipment_id"].nunique()
    split_orders = set(shipments[shipments > 1].index)
    assert len(split_orders) > 100

    log = EventLog()
    rework = get_rework(holiday_peak_log.con, log).set_index("activity")
    assert len(rework) > 3  # retries on one payment or exception do repeat
    # The independent count: executions per (order, activity, objects) in pandas.
    executions = events.groupby(
        ["case_id", "activity", *REWORK_OBJECT_COLUMNS], dropna=False, observed=True
    ).size()
    extra = (executions - 1).groupby(level=["case_id", "activity"]).sum()
    expected = extra[extra > 0].groupby(level="activity").agg(["size", "sum"])
    assert dict(zip(rework.index, rework["rework_cases"], strict=True)) == dict(expected["size"])
    assert dict(zip(rework.index, rework["extra_executions"], strict=True)) == dict(expected["sum"])
    # Every split order picks and packs once per shipment, and none of that is rework.
    for step in ("Pick Completed", "Pack Completed"):
        assert step not in rework.index
        assert (
            events[events["activity"] == step].groupby("case_id").size()[sorted(split_orders)].min()
            >= 2
        )

    split = get_split_shipments(holiday_peak_log.con, log)
    assert split.split_cases == len(split_orders)
    assert split.shipped_cases == len(shipments)
