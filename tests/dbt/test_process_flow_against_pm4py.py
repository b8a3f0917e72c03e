"""The process-flow marts equal pm4py on a real event log, and incremental equals full.

The BPI "receipt" log (no exception fields, source system unknown) is loaded into
raw.workflow_events with event_seq = row position in the file, built with dbt, and
compared with pm4py's own directly-follows graph, performance graph and variants. The
exception marts must then be empty, not broken. The same log loaded in two halves (cases
split across them) and built incrementally must give the same transitions and variants.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pm4py
import pytest
from fixture_warehouse import BuiltWarehouse

from orderlens.dbt_runner import run_dbt
from orderlens.settings import Settings
from orderlens.warehouse import connect, initialize_warehouse

RECEIPT_LOG = Path(__file__).resolve().parents[1] / "data" / "real" / "receipt.xes.gz"


@dataclass(frozen=True)
class ReceiptBuilds:
    """The receipt log as pm4py reads it, built once in full and once incrementally."""

    log: pd.DataFrame
    full: BuiltWarehouse
    incremental: BuiltWarehouse


def _raw_rows(log: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": [f"e{position}" for position in range(len(log))],
            "case_id": log["case:concept:name"].astype(str).to_numpy(),
            "activity": log["concept:name"].astype(str).to_numpy(),
            "event_at": log["time:timestamp"].to_numpy(),
            "source_system": "UNKNOWN",
            "event_seq": range(1, len(log) + 1),
            "source_file": RECEIPT_LOG.name,
            "source_row": range(1, len(log) + 1),
            "load_id": "receipt",
        }
    )


def _load(settings: Settings, rows: pd.DataFrame) -> None:
    with connect(settings.warehouse_path) as con:
        con.register("receipt_rows", rows)
        con.execute("INSERT INTO raw.stored_workflow_events BY NAME SELECT * FROM receipt_rows")
        con.unregister("receipt_rows")


@pytest.fixture(scope="module")
def receipt_builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReceiptBuilds]:
    """Build the receipt log fully, and in two loads with an incremental second build."""
    log = pm4py.read_xes(str(RECEIPT_LOG))
    rows = _raw_rows(log)
    full = Settings(data_dir=tmp_path_factory.mktemp("receipt_full"))
    initialize_warehouse(full)
    _load(full, rows)
    run_dbt(full, ["build"])
    incremental = Settings(data_dir=tmp_path_factory.mktemp("receipt_incremental"))
    initialize_warehouse(incremental)
    half = len(rows) // 2
    _load(incremental, rows.iloc[:half])
    run_dbt(incremental, ["build"])
    _load(incremental, rows.iloc[half:])
    run_dbt(incremental, ["build"])
    yield ReceiptBuilds(log, BuiltWarehouse(full), BuiltWarehouse(incremental))


@pytest.mark.slow
def test_agg_process_edges_frequencies_equal_pm4py_discover_dfg(
    receipt_builds: ReceiptBuilds,
) -> None:
    dfg, _, _ = pm4py.discover_dfg(receipt_builds.log)
    edges = receipt_builds.full.query(
        "select source_activity, target_activity, frequency from marts.agg_process_edges"
    )
    assert {(source, target): count for source, target, count in edges} == dict(dfg)


@pytest.mark.slow
def test_agg_process_edges_waiting_times_equal_pm4py_performance_dfg(
    receipt_builds: ReceiptBuilds,
) -> None:
    performance, _, _ = pm4py.discover_performance_dfg(receipt_builds.log)
    edges = receipt_builds.full.query(
        "select source_activity, target_activity, mean_wait_seconds, median_wait_seconds "
        "from marts.agg_process_edges"
    )
    assert len(edges) == len(performance)
    for source, target, mean_wait, median_wait in edges:
        expected = performance[(source, target)]
        assert mean_wait == pytest.approx(float(expected["mean"]), rel=1e-9, abs=1e-6)
        assert median_wait == pytest.approx(float(expected["median"]), rel=1e-9, abs=1e-6)


@pytest.mark.slow
def test_agg_variants_equal_pm4py_get_variants(receipt_builds: ReceiptBuilds) -> None:
    variants = pm4py.get_variants(receipt_builds.log)
    rows = receipt_builds.full.query(
        "select activities, case_count, case_share from marts.agg_variants"
    )
    assert {tuple(activities): count for activities, count, _ in rows} == {
        tuple(variant): int(count) for variant, count in variants.items()
    }
    case_total = receipt_builds.log["case:concept:name"].nunique()
    assert sum(share for _, _, share in rows) == pytest.approx(1.0)
    assert max(count for _, count, _ in rows) / case_total == pytest.approx(
        max(share for _, _, share in rows)
    )


@pytest.mark.slow
def test_exception_marts_on_a_log_without_exceptions_are_empty(
    receipt_builds: ReceiptBuilds,
) -> None:
    counts = receipt_builds.full.query(
        "select (select count(*) from marts.fct_exceptions),"
        " (select count(*) from marts.fct_exception_backlog_daily),"
        " (select count(*) from marts.fct_orders)"
    )
    assert counts == [(0, 0, receipt_builds.log["case:concept:name"].nunique())]


@pytest.mark.slow
def test_incremental_build_equals_full_build(receipt_builds: ReceiptBuilds) -> None:
    transitions = (
        "select case_id, transition_index, source_event_id, target_event_id, wait_seconds "
        "from marts.fct_case_transitions order by case_id, transition_index"
    )
    variants = (
        "select variant_key, case_count, mean_throughput_seconds from marts.agg_variants order by 1"
    )
    assert receipt_builds.incremental.query(transitions) == receipt_builds.full.query(transitions)
    traces = (
        "select case_id, variant_fingerprint, event_count, throughput_seconds"
        " from marts.fct_case_traces order by case_id"
    )
    assert receipt_builds.incremental.query(traces) == receipt_builds.full.query(traces)
    incremental_variants = receipt_builds.incremental.query(variants)
    full_variants = receipt_builds.full.query(variants)
    assert [row[:2] for row in incremental_variants] == [row[:2] for row in full_variants]
    assert [row[2] for row in incremental_variants] == pytest.approx(
        [row[2] for row in full_variants], rel=1e-12
    )


@pytest.mark.slow
@pytest.mark.parametrize("build", ["full", "incremental"])
def test_fct_event_log_is_stored_in_case_order_and_its_fast_path_equals_pm4py(
    receipt_builds: ReceiptBuilds, build: str
) -> None:
    from process_mining.coded_log import compute_edges, compute_variants, load_coded_log
    from process_mining.event_log import EventLog

    built: BuiltWarehouse = getattr(receipt_builds, build)
    stored = built.query(
        "select case_number, case_id, epoch_us(event_at), event_seq from marts.fct_event_log"
    )
    numbers = {case_id: number for number, case_id in enumerate(sorted({r[1] for r in stored}))}
    assert [row[0] for row in stored] == [numbers[row[1]] for row in stored]
    assert stored == sorted(stored)
    with connect(built.settings.warehouse_path, read_only=True) as con:
        coded = load_coded_log(con, EventLog())
    dfg, _, _ = pm4py.discover_dfg(receipt_builds.log)
    performance, _, _ = pm4py.discover_performance_dfg(receipt_builds.log)
    edges = compute_edges(coded)
    assert {
        (row.source_activity, row.target_activity): row.frequency for row in edges.itertuples()
    } == dict(dfg)
    for row in edges.itertuples():
        expected = performance[(row.source_activity, row.target_activity)]
        assert row.mean_wait_seconds == pytest.approx(float(expected["mean"]), rel=1e-9)
        assert row.median_wait_seconds == pytest.approx(float(expected["median"]), rel=1e-9)
    variants = compute_variants(coded)
    assert {
        tuple(activities): count
        for activities, count in zip(variants["activities"], variants["case_count"], strict=True)
    } == {
        tuple(variant): int(count)
        for variant, count in pm4py.get_variants(receipt_builds.log).items()
    }
