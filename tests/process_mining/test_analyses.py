"""Rework, throughput, bottlenecks, variants coverage, conformance, root causes and
period comparison on hand-built logs whose answers are worked out by hand below."""

from datetime import UTC, datetime

import duckdb
import numpy as np
import pandas as pd
import pytest

from process_mining.comparison import Period, compare_periods
from process_mining.conformance import check_conformance, get_reference_model
from process_mining.discovery import discover_model, discover_model_from_edges
from process_mining.event_log import EventLog
from process_mining.process_maps import discover_process_edges, get_bottlenecks
from process_mining.rework import get_ping_pong, get_rework
from process_mining.root_cause_evaluation import SCORE_COLUMNS, score_root_causes
from process_mining.root_causes import cases_with_activity, get_root_causes, slow_cases
from process_mining.throughput import get_throughput_distribution, get_throughput_trend
from process_mining.variants import discover_variants, get_variant_coverage

HAPPY = [
    "Order Created",
    "Payment Authorized",
    "Inventory Reserved",
    "Order Released to Node",
    "Pick Completed",
    "Pack Completed",
    "Shipment Dispatched",
    "Payment Captured",
    "Invoice Posted to ERP",
    "In Transit",
    "Delivered",
]


def _log(cases: dict[str, tuple[list[str], int, str, int]]) -> duckdb.DuckDBPyConnection:
    """cases: id -> (activities, seconds between events, carrier, start day)."""
    rows = []
    for case_id, (activities, step, carrier, day) in cases.items():
        start = pd.Timestamp(datetime(2026, 3, day, tzinfo=UTC))
        for index, activity in enumerate(activities):
            rows.append(
                (case_id, activity, start + pd.Timedelta(seconds=index * step), len(rows), carrier)
            )
    con = duckdb.connect()
    frame = pd.DataFrame(rows, columns=["case_id", "activity", "event_at", "event_seq", "carrier"])
    con.register("frame", frame)
    con.execute("CREATE TABLE ev AS SELECT *, NULL::VARCHAR AS exception_type FROM frame")
    return con


def test_rework_and_ping_pong_count_repeats_by_hand():
    con = _log(
        {
            "a": (["A", "B", "A", "C"], 60, "x", 1),
            "b": (["A", "B", "C"], 60, "x", 1),
            "c": (["A", "B", "A", "B", "A"], 60, "x", 1),
        }
    )
    rework = get_rework(con, EventLog(relation="ev")).set_index("activity")
    # A: cases a (2 times) and c (3 times) repeat it: 1 + 2 extra executions.
    assert rework.loc["A", "rework_cases"] == 2
    assert rework.loc["A", "extra_executions"] == 3
    assert rework.loc["A", "rework_share"] == pytest.approx(2 / 3)
    assert rework.loc["B", "extra_executions"] == 1
    pong = get_ping_pong(con, EventLog(relation="ev")).set_index(["first", "second"])
    # A B A occurs in a once and in c twice; B A B once in c.
    assert pong.loc[("A", "B"), "occurrences"] == 3
    assert pong.loc[("A", "B"), "case_count"] == 2
    assert pong.loc[("B", "A"), "occurrences"] == 1


def test_throughput_distribution_and_trend_equal_numpy():
    con = _log({f"c{k}": (["A", "B"], 100 * (k + 1), "x", 1 + k % 2) for k in range(9)})
    distribution = get_throughput_distribution(con, EventLog(relation="ev"), bins=3)
    durations = np.array([100 * (k + 1) for k in range(9)], dtype=float)
    assert distribution.case_count == 9
    assert distribution.mean_seconds == pytest.approx(durations.mean())
    for quantile, seconds in distribution.quantiles.items():
        assert seconds == pytest.approx(np.quantile(durations, quantile))
    assert distribution.histogram["case_count"].tolist() == [3, 3, 3]
    trend = get_throughput_trend(con, EventLog(relation="ev"))
    assert trend["case_count"].tolist() == [5, 4]
    assert trend["median_throughput_seconds"].tolist() == [500.0, 500.0]


def test_bottlenecks_rank_by_total_wait_and_coverage_cuts_at_the_share():
    con = _log(
        {
            "a": (["A", "B", "C"], 10, "x", 1),
            "b": (["A", "B", "C"], 10, "x", 1),
            "c": (["A", "C"], 1000, "x", 1),
        }
    )
    log = EventLog(relation="ev")
    edges = discover_process_edges(con, log).set_index(["source_activity", "target_activity"])
    assert edges.loc[("A", "B"), "frequency"] == 2
    assert edges.loc[("A", "B"), "p95_wait_seconds"] == pytest.approx(10.0)
    bottlenecks = get_bottlenecks(con, log, top=2)
    # A->C waits 1000 s once; A->B and B->C 10 s twice each (20 s total).
    assert (bottlenecks["source_activity"][0], bottlenecks["target_activity"][0]) == ("A", "C")
    assert bottlenecks["share_of_waiting"][0] == pytest.approx(1000 / 1040)
    variants = discover_variants(con, log)
    assert variants["case_count"].tolist() == [2, 1]
    assert len(get_variant_coverage(variants, coverage=0.5)) == 1
    assert len(get_variant_coverage(variants, coverage=0.9)) == 2


def test_conformance_finds_the_skipped_and_the_inserted_step():
    without_reservation = [step for step in HAPPY if step != "Inventory Reserved"]
    with_exception = [*HAPPY[:9], "Carrier Delay Detected", *HAPPY[9:]]
    con = _log(
        {
            "fit1": (HAPPY, 60, "x", 1),
            "fit2": (HAPPY, 60, "x", 1),
            "skip": (without_reservation, 120, "x", 1),
            "extra": (with_exception, 600, "x", 1),
        }
    )
    result = check_conformance(con, EventLog(relation="ev"))
    deviations = result.deviations.set_index("deviation")
    assert deviations.loc["skipped: Inventory Reserved", "case_count"] == 1
    assert deviations.loc["extra step: Carrier Delay Detected", "case_count"] == 1
    # Conforming cases take 10 * 60 s; the one with the extra step 11 * 600 s.
    assert deviations.loc["extra step: Carrier Delay Detected", "extra_seconds"] == pytest.approx(
        6600 - 600
    )
    assert result.conforming_case_share == pytest.approx(2 / 4)
    assert result.checked_case_share == 1.0
    assert 0 < result.fitness < 1
    assert set(get_reference_model().activities) >= set(HAPPY)


def test_discovered_models_replay_the_log_they_came_from():
    import pm4py

    con = _log({"a": (["A", "B", "C"], 60, "x", 1), "b": (["A", "C", "B"], 60, "x", 1)})
    frame = con.execute("SELECT case_id, activity, event_at FROM ev ORDER BY event_seq").df()
    for model in (
        discover_model(con, EventLog(relation="ev"), coverage=1.0),
        discover_model_from_edges(con, EventLog(relation="ev")),
    ):
        fitness = pm4py.fitness_token_based_replay(
            frame,
            model.net,
            model.initial_marking,
            model.final_marking,
            activity_key="activity",
            case_id_key="case_id",
            timestamp_key="event_at",
        )
        assert fitness["log_fitness"] == pytest.approx(1.0)


def test_root_causes_lift_support_and_delay_by_hand():
    cases = {f"s{k}": (["A", "B"], 1000, "Slow", 1) for k in range(4)}
    cases |= {f"f{k}": (["A", "B"], 10, "Fast", 1) for k in range(16)}
    cases["s_fast_carrier"] = (["A", "B"], 1000, "Fast", 1)
    con = _log(cases)
    table = get_root_causes(
        con,
        EventLog(relation="ev"),
        outcome=slow_cases(quantile=0.75),
        dimensions=("carrier",),
        integration_relation=None,
        min_cases=1,
    ).set_index("value")
    # 21 cases; the 75th percentile is 10 s, so the 5 cases taking 1000 s are slow.
    assert table.loc["Slow", "confidence"] == 1.0
    assert table.loc["Slow", "lift"] == pytest.approx(1.0 / (5 / 21))
    assert table.loc["Slow", "support"] == pytest.approx(4 / 21)
    assert table.loc["Fast", "lift"] == pytest.approx((1 / 17) / (5 / 21))
    assert table.loc["Slow", "delay_seconds"] == pytest.approx(1000 - (1000 + 16 * 10) / 17)
    assert table.index[0] == "Slow"
    activity = get_root_causes(
        con,
        EventLog(relation="ev"),
        outcome=cases_with_activity("B"),
        dimensions=("carrier",),
        integration_relation=None,
        min_cases=1,
    )
    assert activity["lift"].tolist() == [1.0, 1.0]


def test_compare_periods_flags_the_slower_period():
    cases = {f"early{k}": (["A", "B"], 100, "x", 1) for k in range(5)}
    cases |= {f"late{k}": (["A", "B"], 400, "x", 10) for k in range(5)}
    con = _log(cases)
    comparison = compare_periods(
        con,
        EventLog(relation="ev"),
        before=Period("before", datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC)),
        after=Period("after", datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 3, 15, tzinfo=UTC)),
    )
    kpis = comparison.kpis.set_index("kpi")
    assert kpis.loc["cases", "change"] == 0
    assert not kpis.loc["cases", "is_notable"]
    assert kpis.loc["median throughput (h)", "change"] == pytest.approx(3.0)
    assert kpis.loc["median throughput (h)", "is_notable"]
    edge = comparison.edges.iloc[0]
    assert (edge["median_wait_before"], edge["median_wait_after"]) == (100.0, 400.0)
    assert edge["is_notable"]


def test_score_root_causes_of_a_simulation_without_injected_causes_is_an_empty_table():
    con = _log({"a": (["A", "B"], 60, "x", 1)})
    scores = score_root_causes(con, EventLog(relation="ev"), [], integration_relation=None)
    assert scores.empty
    assert list(scores.columns) == SCORE_COLUMNS
    assert "rank" in scores.columns
