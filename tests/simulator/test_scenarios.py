"""Each scenario's injected cause raises its own dimension's exceptions or delays, and
nothing else's by as much.

Scenario and baseline runs share seed and size. Where a cause acts (its dimension,
values and window) is read from the run's ``ground_truth.json``, as a root-cause scorer
would read it.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from orderlens.simulator import SCENARIO_NAMES, SimulationConfig
from orderlens.simulator.config import load_parameters
from orderlens.simulator.network import build_network
from orderlens.simulator.scenarios import build_scenario

from .conftest import SimulatedRun


def _cause(run: SimulatedRun, name: str) -> dict:
    summary = json.loads(run.result.ground_truth_path.read_text())
    causes = {cause["name"]: cause for cause in summary["injected_causes"]}
    return causes[name]


def _window(cause: dict) -> tuple[pd.Timestamp, pd.Timestamp]:
    return pd.Timestamp(cause["start"]), pd.Timestamp(cause["end"])


def _detections(run: SimulatedRun) -> pd.DataFrame:
    workflow = run.workflow
    return workflow[workflow["exception_stage"] == "detected"]


def _in(frame: pd.DataFrame, window: tuple[pd.Timestamp, pd.Timestamp]) -> pd.Series:
    return (frame["event_at"] >= window[0]) & (frame["event_at"] < window[1])


def _count(run: SimulatedRun, cause: dict, exception_type: str | None, *, other=False) -> int:
    detected = _detections(run)
    scoped = detected[
        _in(detected, _window(cause)) & detected[cause["dimension"]].isin(cause["values"])
    ]
    if exception_type is None:
        return len(scoped)
    if other:
        return int((scoped["exception_type"] != exception_type).sum())
    return int((scoped["exception_type"] == exception_type).sum())


def test_scenarios_are_all_named_presets() -> None:
    assert SCENARIO_NAMES == (
        "baseline",
        "holiday-peak",
        "store-inventory-drift",
        "marketplace-payloads",
        "returns-backlog",
    )


def test_scenarios_unknown_name_is_rejected(tmp_path) -> None:
    config = SimulationConfig(orders=10, out_dir=tmp_path, scenario="black-friday")
    with pytest.raises(ValueError, match="unknown scenario 'black-friday'"):
        build_scenario(config, build_network(load_parameters()))


def test_scenarios_store_drift_raises_mismatches_at_its_stores_only(
    baseline_run: SimulatedRun, scenario_runs: dict[str, SimulatedRun]
) -> None:
    run = scenario_runs["store-inventory-drift"]
    cause = _cause(run, "stale_store_counts")
    assert cause["dimension"] == "node_id"
    target = _count(run, cause, "inventory_mismatch")
    before = _count(baseline_run, cause, "inventory_mismatch")
    assert target >= 3 * max(before, 1)
    others = _count(run, cause, "inventory_mismatch", other=True)
    others_before = _count(baseline_run, cause, "inventory_mismatch", other=True)
    assert others <= 1.5 * others_before + 5
    workflow = run.workflow
    rerouted = workflow[
        (workflow["activity"] == "Order Rerouted") & workflow["exception_id"].notna()
    ]
    mismatch_ids = set(
        _detections(run).query("exception_type == 'inventory_mismatch'")["exception_id"]
    )
    assert rerouted["exception_id"].isin(mismatch_ids).sum() >= 0.6 * target


def test_scenarios_marketplace_payloads_hold_marketplace_orders_only(
    baseline_run: SimulatedRun, scenario_runs: dict[str, SimulatedRun]
) -> None:
    run = scenario_runs["marketplace-payloads"]
    cause = _cause(run, "incomplete_marketplace_payloads")
    target = _count(run, cause, "marketplace_payload_incomplete")
    before = _count(baseline_run, cause, "marketplace_payload_incomplete")
    assert target >= 3 * max(before, 1)
    others = _count(run, cause, "marketplace_payload_incomplete", other=True)
    others_before = _count(baseline_run, cause, "marketplace_payload_incomplete", other=True)
    assert others <= 1.3 * others_before + 5
    held = _detections(run).query("exception_type == 'marketplace_payload_incomplete'")
    messages = run.integration
    rejected = messages[
        (messages["interface"] == "MIDDLEWARE->OMS:marketplace_import")
        & (messages["status"] == "4xx")
    ]
    first_rejection = rejected.groupby("correlation_id")["sent_at"].min()
    assert held["case_id"].isin(first_rejection.index).all()
    assert (first_rejection.loc[held["case_id"]].to_numpy() < held["event_at"].to_numpy()).all()


def _refund_days(run: SimulatedRun, window: tuple[pd.Timestamp, pd.Timestamp]) -> pd.Series:
    workflow = run.workflow
    received = workflow[workflow["activity"] == "Return Received"].set_index("case_id")["event_at"]
    refunds = workflow[
        (workflow["activity"] == "Refund Issued") & workflow["exception_id"].isna()
    ].set_index("case_id")["event_at"]
    joined = pd.concat([received.rename("r"), refunds.rename("f")], axis=1, join="inner")
    joined = joined[(joined["r"] >= window[0]) & (joined["r"] < window[1])]
    return (joined["f"] - joined["r"]).dt.total_seconds() / 86400


def test_scenarios_returns_backlog_stretches_refunds_to_about_a_week(
    baseline_run: SimulatedRun, scenario_runs: dict[str, SimulatedRun]
) -> None:
    run = scenario_runs["returns-backlog"]
    cause = _cause(run, "refund_approval_by_email")
    window = _window(cause)
    assert 5.0 <= _refund_days(run, window).median() <= 9.0
    assert _refund_days(baseline_run, window).median() <= 2.0
    assert _dispute_rate(run, window) >= 2.0 * _dispute_rate(baseline_run, window)
    others = (run.truth["exception_type"] != "refund_dispute").sum()
    others_before = (baseline_run.truth["exception_type"] != "refund_dispute").sum()
    assert abs(others / others_before - 1.0) < 0.1


def _dispute_rate(run: SimulatedRun, window: tuple[pd.Timestamp, pd.Timestamp]) -> float:
    """Share of refunds (issued early enough to be disputed in the log) that are disputed."""
    workflow = run.workflow
    last = pd.Timestamp(run.config.horizon_seconds, unit="s", tz="UTC") - pd.Timedelta(days=8)
    refunds = workflow[
        (workflow["activity"] == "Refund Issued")
        & workflow["exception_id"].isna()
        & (workflow["event_at"] >= window[0])
        & (workflow["event_at"] < last)
    ]
    disputed = _detections(run).query("exception_type == 'refund_dispute'")["case_id"]
    return refunds["case_id"].isin(set(disputed)).mean()


def test_scenarios_holiday_peak_promotion_raises_web_volume_in_its_window(
    baseline_run: SimulatedRun, scenario_runs: dict[str, SimulatedRun]
) -> None:
    run = scenario_runs["holiday-peak"]
    cause = _cause(run, "promotion_volume")

    def web_share(target: SimulatedRun) -> tuple[float, float]:
        created = target.workflow[target.workflow["activity"] == "Order Created"]
        inside = created[_in(created, _window(cause))]
        outside = created[~_in(created, _window(cause))]
        return (inside["channel"] == "web").mean(), (outside["channel"] == "web").mean()

    inside, outside = web_share(run)
    assert inside >= 1.4 * outside
    base_inside, base_outside = web_share(baseline_run)
    assert abs(base_inside - base_outside) < 0.05


def test_scenarios_holiday_peak_late_supplier_raises_its_backorders(
    baseline_run: SimulatedRun, scenario_runs: dict[str, SimulatedRun]
) -> None:
    run = scenario_runs["holiday-peak"]
    cause = _cause(run, "late_supplier_shipment")
    assert cause["dimension"] == "supplier"
    target = _count(run, cause, "split_order_backorder")
    assert target >= 4 * max(_count(baseline_run, cause, "split_order_backorder"), 1)
    others = dict(cause, values=["SUP-001", "SUP-002", "SUP-003"])
    assert (
        _count(run, others, "split_order_backorder")
        <= 2 * _count(baseline_run, others, "split_order_backorder") + 5
    )


def test_scenarios_holiday_peak_carrier_outage_times_out_and_delays_that_carrier(
    baseline_run: SimulatedRun, scenario_runs: dict[str, SimulatedRun]
) -> None:
    run = scenario_runs["holiday-peak"]
    cause = _cause(run, "carrier_api_timeouts")
    window = _window(cause)

    def timeouts(target: SimulatedRun, carriers: list[str]) -> int:
        shipped = target.workflow[target.workflow["carrier"].isin(carriers)]["case_id"].unique()
        messages = target.integration
        hits = messages[
            (messages["interface"] == cause["interface"])
            & (messages["status"] == "timeout")
            & (messages["sent_at"] >= window[0])
            & (messages["sent_at"] < window[1])
            & messages["correlation_id"].isin(shipped)
        ]
        return len(hits)

    assert timeouts(run, cause["values"]) >= 5 * max(timeouts(baseline_run, cause["values"]), 1)
    others = ["ParcelPro", "NorthLine Freight"]
    assert timeouts(run, others) <= 2 * timeouts(baseline_run, others) + 5
    assert _delayed_shipments(run, cause) >= 3 * max(_delayed_shipments(baseline_run, cause), 1)


def _delayed_shipments(run: SimulatedRun, cause: dict) -> int:
    """Carrier delays of the cause's carriers' shipments scanned inside its window."""
    workflow = run.workflow
    scans = workflow[
        (workflow["activity"] == "In Transit")
        & _in(workflow, _window(cause))
        & workflow["carrier"].isin(cause["values"])
    ]
    delayed = _detections(run).query("exception_type == 'carrier_delay'")
    return int(delayed["shipment_id"].isin(set(scans["shipment_id"])).sum())


def test_scenarios_holiday_peak_store_inventory_raises_mismatches_there(
    baseline_run: SimulatedRun, scenario_runs: dict[str, SimulatedRun]
) -> None:
    run = scenario_runs["holiday-peak"]
    cause = _cause(run, "inaccurate_store_inventory")
    target = _count(run, cause, "inventory_mismatch")
    assert target >= 3 * max(_count(baseline_run, cause, "inventory_mismatch"), 1)
