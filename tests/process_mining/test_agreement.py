"""Agreement with pm4py, the reference implementation, on a real and a simulated log.

Variant counts, edge frequencies and per-edge mean and median waiting times computed in
SQL must equal pm4py's ``get_variants``, ``discover_dfg`` and
``discover_performance_dfg`` on the same events (pm4py sorts by timestamp stably, so
the frames are handed over in arrival order).
"""

import math

import pm4py
import pytest

from process_mining.event_log import EventLog
from process_mining.process_maps import discover_process_edges, get_endpoint_activities
from process_mining.variants import discover_variants

KEYS = {"activity_key": "activity", "case_id_key": "case_id", "timestamp_key": "event_at"}


def _assert_agrees_with_pm4py(loaded) -> None:
    log = EventLog()
    variants = discover_variants(loaded.con, log)
    expected_variants = pm4py.get_variants(loaded.events, **KEYS)
    mine = dict(zip(map(tuple, variants["activities"]), variants["case_count"], strict=True))
    assert mine == {variant: int(count) for variant, count in expected_variants.items()}
    total = sum(expected_variants.values())
    for variant, share in zip(
        map(tuple, variants["activities"]), variants["case_share"], strict=True
    ):
        assert share == pytest.approx(expected_variants[variant] / total, rel=1e-12)

    edges = discover_process_edges(loaded.con, log)
    dfg, starts, ends = pm4py.discover_dfg(loaded.events, **KEYS)
    pairs = zip(edges["source_activity"], edges["target_activity"], strict=True)
    assert dict(zip(pairs, edges["frequency"], strict=True)) == dict(dfg)

    performance, _, _ = pm4py.discover_performance_dfg(loaded.events, **KEYS)
    for edge in edges.itertuples():
        expected = performance[(edge.source_activity, edge.target_activity)]
        assert math.isclose(edge.mean_wait_seconds, expected["mean"], rel_tol=1e-9, abs_tol=1e-6)
        assert math.isclose(
            edge.median_wait_seconds, expected["median"], rel_tol=1e-9, abs_tol=1e-6
        )

    endpoints = get_endpoint_activities(loaded.con, log)
    assert {
        a: n for a, n in zip(endpoints["activity"], endpoints["start_count"], strict=True) if n
    } == dict(starts)
    assert {
        a: n for a, n in zip(endpoints["activity"], endpoints["end_count"], strict=True) if n
    } == dict(ends)


def test_agreement_receipt_log_equals_pm4py(receipt_log):
    _assert_agrees_with_pm4py(receipt_log)


@pytest.mark.slow
def test_agreement_simulated_holiday_peak_equals_pm4py(holiday_peak_log):
    _assert_agrees_with_pm4py(holiday_peak_log)
