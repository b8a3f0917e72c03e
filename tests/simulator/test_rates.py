"""Configured exception rates are reproduced within a binomial tolerance.

Eligible units are counted from the written log (orders, marketplace orders, authorized
orders, dispatched shipments, received returns), not taken from the simulator, and the
observed share of units with an exception must lie within four standard errors of the
rate in ``defaults.yaml``.
"""

from __future__ import annotations

import math

import pandas as pd

from orderlens.simulator.config import load_parameters

from .conftest import SimulatedRun


def _within_tolerance(hits: int, units: int, rate: float) -> tuple[bool, str]:
    observed = hits / units
    tolerance = 4.0 * math.sqrt(rate * (1.0 - rate) / units)
    return abs(observed - rate) <= tolerance, f"observed {observed:.4f} vs {rate} (n={units})"


def _settled_cases(run: SimulatedRun, activity: str, days_before_horizon: float) -> pd.Index:
    """Cases whose ``activity`` happened early enough for their exceptions to be detected."""
    workflow = run.workflow
    horizon = pd.Timestamp(run.config.horizon_seconds, unit="s", tz="UTC")
    cutoff = horizon - pd.Timedelta(days=days_before_horizon)
    rows = workflow[(workflow["activity"] == activity) & (workflow["event_at"] < cutoff)]
    return pd.Index(rows["case_id"].unique())


def _cases_with(run: SimulatedRun, exception_type: str) -> set[str]:
    workflow = run.workflow
    detected = workflow[
        (workflow["exception_type"] == exception_type) & (workflow["exception_stage"] == "detected")
    ]
    return set(detected["case_id"])


def test_rates_per_order_types_match_the_configuration(baseline_run: SimulatedRun) -> None:
    parameters = load_parameters()
    created = _settled_cases(baseline_run, "Order Created", 2)
    authorized = _settled_cases(baseline_run, "Payment Authorized", 2)
    for exception_type, units in (("payment_hold", created), ("fraud_review", authorized)):
        hits = len(_cases_with(baseline_run, exception_type) & set(units))
        ok, detail = _within_tolerance(hits, len(units), parameters.exceptions[exception_type].rate)
        assert ok, f"{exception_type}: {detail}"


def test_rates_marketplace_payloads_match_the_configuration(baseline_run: SimulatedRun) -> None:
    parameters = load_parameters()
    workflow = baseline_run.workflow
    created = _settled_cases(baseline_run, "Order Created", 2)
    marketplace = set(
        workflow.loc[
            (workflow["activity"] == "Order Created") & (workflow["channel"] == "marketplace"),
            "case_id",
        ]
    ) & set(created)
    hits = len(_cases_with(baseline_run, "marketplace_payload_incomplete") & marketplace)
    rate = parameters.exceptions["marketplace_payload_incomplete"].rate
    ok, detail = _within_tolerance(hits, len(marketplace), rate)
    assert ok, detail


def test_rates_per_shipment_carrier_delays_match_the_configuration(
    baseline_run: SimulatedRun,
) -> None:
    parameters = load_parameters()
    workflow = baseline_run.workflow
    horizon = pd.Timestamp(baseline_run.config.horizon_seconds, unit="s", tz="UTC")
    dispatched = workflow[
        (workflow["activity"] == "Shipment Dispatched")
        & (workflow["event_at"] < horizon - pd.Timedelta(days=8))
    ]
    shipments = set(dispatched["shipment_id"])
    delayed = workflow[
        (workflow["exception_type"] == "carrier_delay")
        & (workflow["exception_stage"] == "detected")
    ]
    hits = len(set(delayed["shipment_id"]) & shipments)
    ok, detail = _within_tolerance(
        hits, len(shipments), parameters.exceptions["carrier_delay"].rate
    )
    assert ok, detail


def test_rates_returns_conflicts_match_the_configuration(baseline_run: SimulatedRun) -> None:
    parameters = load_parameters()
    received = set(_settled_cases(baseline_run, "Return Received", 1))
    hits = len(_cases_with(baseline_run, "returns_conflict") & received)
    rate = parameters.exceptions["returns_conflict"].rate
    ok, detail = _within_tolerance(hits, len(received), rate)
    assert ok, detail
    assert len(received) > 300


def test_rates_every_exception_type_occurs(baseline_run: SimulatedRun) -> None:
    parameters = load_parameters()
    seen = set(baseline_run.truth["exception_type"])
    assert seen == set(parameters.exceptions)
