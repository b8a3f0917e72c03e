"""The middleware log: attempts, backoff, dead letters, replays, duplicates, and the
integration failures behind business exceptions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orderlens.contract import IntegrationEvent, MessageStatus, field_names
from orderlens.simulator.config import load_parameters

from .conftest import SimulatedRun


def test_integration_columns_are_exactly_the_contract_fields(baseline_run: SimulatedRun) -> None:
    messages = baseline_run.integration
    assert list(messages.columns) == field_names(IntegrationEvent)
    assert set(messages["status"]) == {status.value for status in MessageStatus}
    assert not messages["message_id"].duplicated().any()
    route = (
        messages["source_system"] + "->" + messages["target_system"] + ":" + messages["operation"]
    )
    assert (route == messages["interface"]).all()


def test_integration_attempts_are_numbered_and_spaced_by_backoff(
    baseline_run: SimulatedRun,
) -> None:
    messages = baseline_run.integration.sort_values(["idempotency_key", "attempt"])
    same = messages["idempotency_key"].to_numpy()[1:] == messages["idempotency_key"].to_numpy()[:-1]
    attempts = messages["attempt"].to_numpy()
    assert (attempts[1:][same] == attempts[:-1][same] + 1).all()
    assert (messages.groupby("idempotency_key")["attempt"].min() == 1).all()
    answered = messages["sent_at"] + pd.to_timedelta(messages["latency_ms"], unit="ms")
    backoff = load_parameters().integration.backoff_seconds * 0.8
    gap = (messages["sent_at"].to_numpy()[1:] - answered.to_numpy()[:-1]) / np.timedelta64(1, "s")
    retried = same & (messages["status"].to_numpy()[:-1] != "ok")
    assert retried.sum() > 100
    assert (gap[retried] >= backoff - 1e-6).all()


def test_integration_dead_letters_are_replayed_later(baseline_run: SimulatedRun) -> None:
    messages = baseline_run.integration
    dead = messages[messages["dead_lettered"]]
    assert len(dead) > 20
    assert (dead["status"] != "ok").all()
    replays = messages[messages["replayed"] & (messages["status"] == "ok")]
    first_replay = replays.groupby("idempotency_key")["sent_at"].min()
    settled = dead[dead["idempotency_key"].isin(first_replay.index)]
    assert len(settled) >= 0.8 * len(dead)
    assert (
        first_replay.loc[settled["idempotency_key"]].to_numpy() > settled["sent_at"].to_numpy()
    ).all()


def test_integration_duplicates_are_extra_ok_attempts(baseline_run: SimulatedRun) -> None:
    messages = baseline_run.integration
    ok = messages[messages["status"] == "ok"]
    duplicated = ok.groupby("idempotency_key").size()
    duplicated = duplicated[duplicated > 1]
    keys = messages["idempotency_key"].nunique()
    rate = load_parameters().integration.duplicate_rate
    assert rate * 0.5 * keys <= len(duplicated) <= rate * 3 * keys


def test_integration_failures_precede_the_exceptions_they_cause(baseline_run: SimulatedRun) -> None:
    workflow, messages = baseline_run.workflow, baseline_run.integration
    detected = workflow[workflow["exception_stage"] == "detected"]
    links = {
        "erp_posting_failure": (messages["interface"].str.startswith("OMS->ERP"))
        & messages["dead_lettered"],
        "payment_hold": (messages["interface"] == "OMS->PAYMENT:authorize")
        & (messages["status"] == "4xx"),
        "reservation_delay": messages["interface"].str.endswith(":reserve")
        & (messages["status"] == "timeout"),
    }
    for exception_type, failing in links.items():
        cases = detected[detected["exception_type"] == exception_type]
        first_failure = messages[failing].groupby("correlation_id")["sent_at"].min()
        assert len(cases) > 10, exception_type
        assert cases["case_id"].isin(first_failure.index).all(), exception_type
        earlier = first_failure.loc[cases["case_id"]].to_numpy() < cases["event_at"].to_numpy()
        assert earlier.all(), exception_type


def test_integration_duplicate_confirmations_are_detected_after_the_duplicate(
    baseline_run: SimulatedRun,
) -> None:
    workflow, messages = baseline_run.workflow, baseline_run.integration
    detected = workflow[
        (workflow["exception_stage"] == "detected")
        & (workflow["exception_type"] == "duplicate_shipment_confirmation")
    ]
    confirms = messages[(messages["operation"] == "ship_confirm") & (messages["status"] == "ok")]
    twice = confirms.groupby("idempotency_key").filter(lambda group: len(group) > 1)
    last_ok = twice.groupby("correlation_id")["sent_at"].max()
    assert len(detected) > 5
    assert detected["case_id"].isin(last_ok.index).all()


def test_integration_declined_payments_of_cancelled_orders_are_never_authorized(
    baseline_run: SimulatedRun,
) -> None:
    workflow, messages = baseline_run.workflow, baseline_run.integration
    holds = set(
        workflow.loc[
            (workflow["exception_type"] == "payment_hold")
            & (workflow["exception_stage"] == "rejected"),
            "exception_id",
        ]
    )
    cancelled = workflow[
        (workflow["activity"] == "Order Cancelled") & workflow["exception_id"].isin(holds)
    ]["case_id"]
    assert len(cancelled) > 5
    authorized = messages[
        (messages["interface"] == "OMS->PAYMENT:authorize") & (messages["status"] == "ok")
    ]["correlation_id"]
    assert not cancelled.isin(set(authorized)).any()
    assert not cancelled.isin(
        set(workflow.loc[workflow["activity"] == "Payment Authorized", "case_id"])
    ).any()
