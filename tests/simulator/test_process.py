"""The simulated process: causally possible order of events inside every case."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orderlens.contract import ExceptionStage, Milestone, WorkflowEvent, field_names

from .conftest import SimulatedRun


def _first_time(workflow: pd.DataFrame, activity: str, by: str = "case_id") -> pd.Series:
    return workflow[workflow["activity"] == activity].groupby(by)["event_at"].min()


def test_process_columns_are_exactly_the_contract_fields(baseline_run: SimulatedRun) -> None:
    assert list(baseline_run.workflow.columns) == field_names(WorkflowEvent)


def test_process_rows_are_grouped_by_case_in_time_order(baseline_run: SimulatedRun) -> None:
    workflow = baseline_run.workflow
    case = workflow["case_id"].to_numpy()
    changes = np.flatnonzero(case[1:] != case[:-1]) + 1
    starts = np.r_[0, changes]
    assert len(np.unique(case[starts])) == len(starts), "a case appears in two groups"
    same_case = case[1:] == case[:-1]
    times = workflow["event_at"].to_numpy()
    assert (times[1:][same_case] >= times[:-1][same_case]).all()


def test_process_every_case_starts_with_order_created(baseline_run: SimulatedRun) -> None:
    workflow = baseline_run.workflow
    first = workflow.groupby("case_id", sort=False)["activity"].first()
    assert (first == Milestone.ORDER_CREATED.value).all()
    assert len(first) == baseline_run.config.orders


def test_process_event_ids_are_unique_per_source_system(baseline_run: SimulatedRun) -> None:
    workflow = baseline_run.workflow
    assert not workflow.duplicated(["source_system", "event_id"]).any()


def test_process_milestones_follow_their_causes(baseline_run: SimulatedRun) -> None:
    workflow = baseline_run.workflow
    pairs = [
        (Milestone.ORDER_CREATED, Milestone.PAYMENT_AUTHORIZED),
        (Milestone.PAYMENT_AUTHORIZED, Milestone.ORDER_RELEASED),
        (Milestone.ORDER_RELEASED, Milestone.SHIPMENT_DISPATCHED),
        (Milestone.PAYMENT_AUTHORIZED, Milestone.PAYMENT_CAPTURED),
        (Milestone.READY_FOR_PICKUP, Milestone.PICKED_UP),
        (Milestone.RETURN_RECEIVED, Milestone.REFUND_ISSUED),
        (Milestone.REFUND_ISSUED, Milestone.CREDIT_MEMO_POSTED),
    ]
    for before, after in pairs:
        earlier = _first_time(workflow, before.value)
        later = _first_time(workflow, after.value)
        joined = pd.concat([earlier.rename("a"), later.rename("b")], axis=1, join="inner")
        assert len(joined) > 0, f"no case has both {before} and {after}"
        assert (joined["a"] < joined["b"]).all(), f"{after} before {before}"


def test_process_shipments_are_delivered_after_dispatch(baseline_run: SimulatedRun) -> None:
    workflow = baseline_run.workflow
    dispatched = _first_time(workflow, Milestone.SHIPMENT_DISPATCHED.value, "shipment_id")
    delivered = _first_time(workflow, Milestone.DELIVERED.value, "shipment_id")
    joined = pd.concat([dispatched.rename("a"), delivered.rename("b")], axis=1, join="inner")
    assert len(joined) > 1000
    assert (joined["a"] < joined["b"]).all()


def test_process_exceptions_start_with_their_detection(baseline_run: SimulatedRun) -> None:
    events = baseline_run.workflow[baseline_run.workflow["exception_stage"].notna()]
    first = events.groupby("exception_id", sort=False)["exception_stage"].first()
    assert (first == ExceptionStage.DETECTED.value).all()
    detected = events[events["exception_stage"] == ExceptionStage.DETECTED.value]
    assert not detected["exception_id"].duplicated().any()


def test_process_no_event_after_the_horizon(baseline_run: SimulatedRun) -> None:
    horizon = pd.Timestamp(baseline_run.config.horizon_seconds, unit="s", tz="UTC")
    assert baseline_run.workflow["event_at"].max() <= horizon
    assert baseline_run.integration["sent_at"].max() <= horizon


def test_process_cancelled_orders_are_neither_shipped_nor_collected(
    baseline_run: SimulatedRun,
) -> None:
    workflow = baseline_run.workflow
    cancelled = _first_time(workflow, Milestone.ORDER_CANCELLED.value)
    assert len(cancelled) > 10
    for milestone in (Milestone.SHIPMENT_DISPATCHED, Milestone.PICKED_UP):
        done = _first_time(workflow, milestone.value)
        both = pd.concat([cancelled.rename("c"), done.rename("d")], axis=1, join="inner")
        assert (both["d"] < both["c"]).all(), f"{milestone} after cancellation"


def test_process_effects_carry_the_exception_that_caused_them(baseline_run: SimulatedRun) -> None:
    workflow = baseline_run.workflow
    effects = workflow[
        workflow["activity"].isin(
            [
                Milestone.ORDER_CANCELLED.value,
                Milestone.SHIPMENT_EXPEDITED.value,
                Milestone.ORDER_REROUTED.value,
            ]
        )
    ]
    assert effects["exception_id"].notna().all()
    assert effects["exception_stage"].isna().all()
    detected = workflow[workflow["exception_stage"] == ExceptionStage.DETECTED.value]
    detected_at = detected.set_index("exception_id")["event_at"]
    assert (
        effects["event_at"].to_numpy() > detected_at.loc[effects["exception_id"]].to_numpy()
    ).all()


def test_process_channels_and_fulfillment_cover_the_omnichannel_network(
    baseline_run: SimulatedRun,
) -> None:
    workflow = baseline_run.workflow
    assert set(workflow["channel"].dropna()) == {
        "web",
        "app",
        "marketplace",
        "store",
        "call_center",
    }
    nodes = set(workflow["node_id"].dropna())
    assert any(node.startswith("DC-") for node in nodes)
    assert any(node.startswith("ST-") for node in nodes)
    assert any(node.startswith("3PL-") for node in nodes)
    assert set(workflow["source_system"]) >= {
        "OMS",
        "WMS",
        "ERP",
        "TMS",
        "PAYMENT",
        "CRM",
        "COMMERCE",
        "MIDDLEWARE",
        "POS",
    }
    assert set(workflow["resource_type"].dropna()) == {"human", "bot", "system"}
    split = workflow[workflow["activity"] == Milestone.SHIPMENT_DISPATCHED.value]
    assert (split.groupby("case_id")["shipment_id"].nunique() > 1).any()
