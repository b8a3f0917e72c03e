"""Ground truth against an independent reading of the written event log.

The marts compute exception lifecycles from the events; these tests compute them with
the shared semantics directly from the written workflow events (a separate, simple
implementation) and require the simulator's ground truth to agree exactly.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from orderlens.simulator import SimulationConfig, read_injected_causes, simulate
from orderlens.simulator.config import load_parameters
from orderlens.simulator.network import build_network
from orderlens.simulator.scenarios import build_scenario

from .conftest import SimulatedRun


def _lifecycles_from_events(workflow: pd.DataFrame) -> pd.DataFrame:
    """Exception lifecycles computed from events with the shared semantics.

    Events of an exception are ordered by (time, arrival order); the first response is
    the event right after the first detection; the exception is resolved by its last
    resolving event if no reopening comes after it.
    """
    events = workflow[workflow["exception_stage"].notna()].copy()
    events["seq"] = np.arange(len(events))
    events = events.sort_values(["exception_id", "event_at", "seq"], kind="stable")
    events["pos"] = events.groupby("exception_id").cumcount()
    stage = events["exception_stage"]
    by_id = events.groupby("exception_id")
    detected_pos = events[stage == "detected"].groupby("exception_id")["pos"].min()
    events["detected_pos"] = events["exception_id"].map(detected_pos)
    after = events[events["pos"] == events["detected_pos"] + 1].set_index("exception_id")
    resolving = events[stage.isin(["resolved_auto", "resolved_manual"])]
    last_resolution = resolving.groupby("exception_id").tail(1).set_index("exception_id")
    last_reopen = events[stage == "reopened"].groupby("exception_id")["pos"].max()
    frame = pd.DataFrame(index=detected_pos.index)
    frame["detected_at"] = events[stage == "detected"].groupby("exception_id")["event_at"].min()
    frame["first_response_at"] = after["event_at"]
    reopened_later = last_reopen.reindex(last_resolution.index).fillna(-1) > last_resolution["pos"]
    closed = last_resolution[~reopened_later]
    frame["resolved_at"] = closed["event_at"]
    frame["is_auto_resolved"] = (closed["exception_stage"] == "resolved_auto").reindex(
        frame.index, fill_value=False
    )
    frame["touches"] = by_id["resource_type"].apply(lambda types: (types == "human").sum())
    frame["escalations"] = (stage == "escalated").groupby(events["exception_id"]).sum()
    frame["is_reopened"] = (stage == "reopened").groupby(events["exception_id"]).any()
    return frame.sort_index()


def test_ground_truth_matches_lifecycles_read_from_the_events(baseline_run: SimulatedRun) -> None:
    expected = _lifecycles_from_events(baseline_run.workflow)
    truth = baseline_run.truth.set_index("exception_id").sort_index()
    assert list(truth.index) == list(expected.index)
    for column in expected.columns:
        left, right = truth[column], expected[column]
        if column.endswith("_at"):
            same = (left == right) | (left.isna() & right.isna())
        else:
            same = left.astype(int) == right.astype(int)
        assert same.all(), f"{column} differs for {list(truth.index[~same][:5])}"


def test_ground_truth_has_open_resolved_auto_and_manual_exceptions(
    baseline_run: SimulatedRun,
) -> None:
    truth = baseline_run.truth
    assert truth["resolved_at"].isna().sum() > 0
    assert truth["is_auto_resolved"].sum() > 0
    assert (truth["resolved_at"].notna() & ~truth["is_auto_resolved"]).sum() > 0
    assert truth["is_reopened"].sum() > 0
    assert (truth["escalations"] > 0).sum() > 0


def test_ground_truth_effects_match_attributed_milestones(baseline_run: SimulatedRun) -> None:
    workflow = baseline_run.workflow
    attributed = workflow[workflow["exception_id"].notna() & workflow["exception_stage"].isna()]
    truth = baseline_run.truth.set_index("exception_id")
    expedited = set(attributed.loc[attributed["activity"] == "Shipment Expedited", "exception_id"])
    cancelled = set(attributed.loc[attributed["activity"] == "Order Cancelled", "exception_id"])
    refunds = (
        attributed[attributed["activity"] == "Refund Issued"]
        .groupby("exception_id")["amount"]
        .sum()
    )
    assert set(truth.index[truth["caused_expedite"]]) == expedited
    assert set(truth.index[truth["caused_cancellation"]]) == cancelled
    assert len(refunds) > 0
    assert np.allclose(truth.loc[refunds.index, "refund_amount"], refunds.round(2))


def test_ground_truth_summary_counts_agree_with_the_files(baseline_run: SimulatedRun) -> None:
    summary = json.loads(baseline_run.result.ground_truth_path.read_text())
    assert summary["scenario"] == "baseline"
    assert summary["totals"]["workflow_events"] == len(baseline_run.workflow)
    assert summary["totals"]["integration_events"] == len(baseline_run.integration)
    per_type = baseline_run.truth["exception_type"].value_counts()
    for exception_type, entry in summary["exception_types"].items():
        assert entry["count"] == per_type.get(exception_type, 0)
    assert len(summary["exception_types"]) == 14
    resolved = baseline_run.truth[
        (baseline_run.truth["exception_type"] == "payment_hold")
        & baseline_run.truth["resolved_at"].notna()
    ]
    minutes = (resolved["resolved_at"] - resolved["detected_at"]).dt.total_seconds() / 60
    assert summary["exception_types"]["payment_hold"]["mean_resolution_minutes"] == round(
        minutes.mean(), 3
    )


def test_read_injected_causes_gives_back_every_cause_the_scenario_injected(tmp_path) -> None:
    config = SimulationConfig(orders=300, out_dir=tmp_path, scenario="holiday-peak", seed=2)
    result = simulate(config)
    injected = build_scenario(config, build_network(load_parameters(None))).causes
    read = read_injected_causes(result.ground_truth_path)
    assert [cause.name for cause in read] == [cause.name for cause in injected]
    for back, cause in zip(read, injected, strict=True):
        assert back.start == pytest.approx(cause.start, abs=1e-6)
        assert back.end == pytest.approx(cause.end, abs=1e-6)
        assert back.start_at.tzinfo is not None
        assert replace(back, start=cause.start, end=cause.end) == replace(cause, reroute_share=None)


def test_read_injected_causes_names_the_file_that_is_no_ground_truth(tmp_path) -> None:
    path = tmp_path / "notes.json"
    path.write_text("not json at all")
    with pytest.raises(ValueError, match=r"notes\.json is not a simulator ground truth"):
        read_injected_causes(path)
    path.write_text(json.dumps({"injected_causes": [{"name": "half a cause"}]}))
    with pytest.raises(ValueError, match=r"notes\.json: injected cause 1 cannot be read"):
        read_injected_causes(path)
