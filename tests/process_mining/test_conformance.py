"""Conformance on order-level traces: split shipments are no deviation, a step repeated on
the same shipment is, and deviating orders that finish sooner add no negative time."""

from datetime import UTC, datetime

import duckdb
import pandas as pd
import pytest

from process_mining.conformance import check_conformance
from process_mining.event_log import EventLog

START = pd.Timestamp(datetime(2026, 3, 2, tzinfo=UTC))
SHIPMENT_STEPS = ("Pick Completed", "Pack Completed", "Shipment Dispatched", "In Transit")
"""The designed process's steps done once per shipment (before Delivered)."""


def _happy(shipments: list[str]) -> list[tuple[str, str | None]]:
    """The designed delivery path of one order, its shipment steps done for each shipment
    in turn (interleaved, as warehouses work): (activity, shipment)."""
    steps: list[tuple[str, str | None]] = [
        ("Order Created", None),
        ("Payment Authorized", None),
        ("Inventory Reserved", None),
        ("Order Released to Node", None),
    ]
    for activity in ("Pick Completed", "Pack Completed", "Shipment Dispatched"):
        steps += [(activity, shipment) for shipment in shipments]
    steps += [("Payment Captured", None), ("Invoice Posted to ERP", None)]
    for activity in ("In Transit", "Delivered"):
        steps += [(activity, shipment) for shipment in shipments]
    return steps


def _log(cases: dict[str, tuple[list[tuple[str, str | None]], int]]) -> duckdb.DuckDBPyConnection:
    """cases: id -> ([(activity, shipment)], minutes between events)."""
    rows = [
        (case_id, activity, START + pd.Timedelta(minutes=index * step), shipment)
        for case_id, (steps, step) in cases.items()
        for index, (activity, shipment) in enumerate(steps)
    ]
    frame = pd.DataFrame(rows, columns=["case_id", "activity", "event_at", "shipment_id"])
    frame["event_seq"] = range(len(frame))
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute("CREATE TABLE ev AS SELECT * FROM frame")
    return con


def test_conformance_counts_no_split_shipment_but_a_repack_on_one_shipment():
    repacked = _happy(["s1"])
    repacked.insert(6, ("Pack Completed", "s1"))
    without_reservation = [step for step in _happy(["s1"]) if step[0] != "Inventory Reserved"]
    con = _log(
        {
            "single": (_happy(["s1"]), 10),
            "split": (_happy(["s1", "s2"]), 10),
            "split_three": (_happy(["s1", "s2", "s3"]), 10),
            "repacked": (repacked, 20),
            "skipped_quicker": (without_reservation, 1),
        }
    )
    result = check_conformance(con, EventLog(relation="ev"))
    deviations = result.deviations.set_index("deviation")
    assert list(deviations.index) == ["extra step: Pack Completed", "skipped: Inventory Reserved"]
    assert deviations.loc["extra step: Pack Completed", "case_count"] == 1
    # single, split and split_three conform: 3 of 5.
    assert result.conforming_case_share == pytest.approx(3 / 5)
    # Conforming orders have 11, 16 and 21 events 10 minutes apart: 100, 150, 200 minutes.
    baseline = (100 + 150 + 200) / 3 * 60
    repacked_seconds = (len(repacked) - 1) * 20 * 60  # 11 steps of 20 minutes
    assert deviations.loc["extra step: Pack Completed", "extra_seconds"] == pytest.approx(
        repacked_seconds - baseline
    )
    # The order skipping a step took 9 minutes: quicker, so no extra time, never negative.
    skipped = deviations.loc["skipped: Inventory Reserved"]
    assert skipped["mean_throughput_seconds"] == pytest.approx(9 * 60)
    assert skipped["extra_seconds"] == 0.0


def test_conformance_of_a_log_without_objects_keeps_every_repetition():
    con = duckdb.connect()
    rows = [
        ("a", activity, START + pd.Timedelta(minutes=index), index)
        for index, (activity, _) in enumerate(_happy(["s1", "s2"]))
    ]
    frame = pd.DataFrame(rows, columns=["case_id", "activity", "event_at", "event_seq"])
    con.register("frame", frame)
    con.execute("CREATE TABLE ev AS SELECT * FROM frame")
    result = check_conformance(con, EventLog(relation="ev"))
    # Nothing tells the two shipments apart: each repeated step is an extra step.
    inserted = set(result.deviations.loc[result.deviations["kind"] == "inserted", "activity"])
    assert inserted >= set(SHIPMENT_STEPS)


@pytest.mark.slow
def test_conformance_of_the_simulated_log_counts_no_split_shipment(holiday_peak_log):
    events = holiday_peak_log.events
    shipments = events.dropna(subset=["shipment_id"]).groupby("case_id")["shipment_id"].nunique()
    split_orders = set(shipments[shipments > 1].index)
    assert len(split_orders) > 100
    # No designed step is repeated on one shipment in this log: none of them is rework.
    shipped = events[events["activity"].isin([*SHIPMENT_STEPS, "Delivered"])]
    per_shipment = shipped.groupby(["case_id", "activity", "shipment_id"], observed=True)
    assert per_shipment.size().max() == 1
    # Orders collected in store whose back-ordered remainder was shipped: their delivery
    # steps are ones the designed process (pickup or delivery) does not expect.
    activities = events.groupby("case_id")["activity"].agg(set)
    mixed = sum({"Ready for Pickup", "Shipment Dispatched"} <= steps for steps in activities)

    result = check_conformance(holiday_peak_log.con, EventLog())
    inserted = result.deviations[result.deviations["kind"] == "inserted"].set_index("activity")
    assert "Pick Completed" not in inserted.index
    assert "Pack Completed" not in inserted.index
    for step in ("Shipment Dispatched", "In Transit", "Delivered"):
        count = int(inserted.loc[step, "case_count"]) if step in inserted.index else 0
        assert count <= mixed
    assert (result.deviations["extra_seconds"].dropna() >= 0).all()
