"""The coded fast path against independent computations: pandas on the same events,
sorted with Python's own stable sort, and hand-built sequences for hash collisions."""

from datetime import UTC, datetime

import duckdb
import numpy as np
import pandas as pd
import pytest

from process_mining.coded_log import (
    EDGE_COLUMNS,
    VARIANT_COLUMNS,
    compute_edges,
    compute_variants,
    discover_process_summary,
    group_sequences,
    load_coded_log,
)
from process_mining.event_log import EventLog, filter_attribute
from tests.process_mining.conftest import stage_process_events

START = datetime(2026, 3, 1, tzinfo=UTC)


def _random_log(seed: int, cases: int = 300) -> pd.DataFrame:
    """Events with ties in time (broken by arrival), repeats, and rows stored shuffled."""
    rng = np.random.default_rng(seed)
    rows = []
    for case in range(cases):
        at = pd.Timestamp(START) + pd.Timedelta(minutes=int(rng.integers(0, 5000)))
        for _ in range(int(rng.integers(1, 9))):
            at += pd.Timedelta(seconds=int(rng.choice([0, 0, 30, 3600, int(rng.integers(1, 9e5))])))
            channel = "web" if case % 3 else "store"
            rows.append((f"C{case:04d}", f"Step {rng.integers(0, 6)}", at, channel))
    frame = pd.DataFrame(rows, columns=["case_id", "activity", "event_at", "channel"])
    frame["event_seq"] = rng.permutation(len(frame))
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _connect(frame: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute("CREATE TABLE ev AS SELECT * FROM frame")
    con.unregister("frame")
    return con


def _expected_transitions(frame: pd.DataFrame) -> pd.DataFrame:
    """Directly-follows pairs by pandas: sort by (case, time, arrival), pair with next."""
    ordered = frame.sort_values(["case_id", "event_at", "event_seq"], kind="stable")
    following = ordered.groupby("case_id").shift(-1)
    pairs = pd.DataFrame(
        {
            "case_id": ordered["case_id"],
            "source_activity": ordered["activity"],
            "target_activity": following["activity"],
            "wait": (following["event_at"] - ordered["event_at"]).dt.total_seconds(),
        }
    )
    return pairs.dropna(subset=["target_activity"])


def test_compute_edges_equals_pandas_on_a_shuffled_log():
    frame = _random_log(seed=11)
    edges = compute_edges(load_coded_log(_connect(frame), EventLog(relation="ev")))
    expected = (
        _expected_transitions(frame)
        .groupby(["source_activity", "target_activity"])
        .agg(
            frequency=("wait", "size"),
            case_count=("case_id", "nunique"),
            mean_wait_seconds=("wait", "mean"),
            median_wait_seconds=("wait", "median"),
            p95_wait_seconds=("wait", lambda waits: np.percentile(waits, 95)),
            total_wait_seconds=("wait", "sum"),
        )
    )
    mine = edges.set_index(["source_activity", "target_activity"]).sort_index()
    assert list(edges.columns) == EDGE_COLUMNS
    assert mine.index.tolist() == expected.index.tolist()
    assert mine["frequency"].tolist() == expected["frequency"].tolist()
    assert mine["case_count"].tolist() == expected["case_count"].tolist()
    for column in ("mean_wait_seconds", "median_wait_seconds", "p95_wait_seconds"):
        assert mine[column].to_numpy() == pytest.approx(expected[column].to_numpy(), rel=1e-12)
    assert edges["frequency"].is_monotonic_decreasing


def test_compute_variants_equals_python_tuples_on_a_shuffled_log():
    frame = _random_log(seed=5)
    variants = compute_variants(load_coded_log(_connect(frame), EventLog(relation="ev")))
    ordered = frame.sort_values(["case_id", "event_at", "event_seq"], kind="stable")
    traces = ordered.groupby("case_id")["activity"].agg(tuple)
    durations = ordered.groupby("case_id")["event_at"].agg(
        lambda times: (times.max() - times.min()).total_seconds()
    )
    expected = pd.DataFrame({"trace": traces, "seconds": durations}).groupby("trace")["seconds"]
    mine = variants.set_index(variants["activities"].map(tuple))
    assert list(variants.columns) == VARIANT_COLUMNS
    assert mine["case_count"].to_dict() == expected.size().to_dict()
    for trace, seconds in expected:
        assert mine.loc[[trace], "median_throughput_seconds"].item() == pytest.approx(
            seconds.median()
        )
        assert mine.loc[[trace], "mean_throughput_seconds"].item() == pytest.approx(seconds.mean())
    assert variants["cumulative_share"].iloc[-1] == pytest.approx(1.0)


def test_load_coded_log_breaks_ties_by_activity_without_arrival_order():
    at = pd.Timestamp(START)
    frame = pd.DataFrame(
        {
            "case_id": ["a", "a", "a", "b", "b"],
            "activity": ["Z", "M", "A", "Q", "B"],
            "event_at": [at, at, at + pd.Timedelta(seconds=5), at, at],
        }
    )
    coded = load_coded_log(_connect(frame), EventLog(relation="ev", order_column=None))
    variants = compute_variants(coded)
    # Same instant: the contract falls back to activity names (M before Z, B before Q).
    assert sorted(map(tuple, variants["activities"])) == [("B", "Q"), ("M", "Z", "A")]


def test_group_sequences_separates_sequences_whose_hashes_collide():
    codes = np.array([0, 1, 2, 0, 2, 1, 0, 1, 2, 3], dtype=np.int32)
    starts = np.array([0, 3, 6, 9])
    lengths = np.array([3, 3, 3, 1])
    # Multiplier 0 hashes only the first code and the length: cases 0, 1, 2 collide.
    groups, first_case = group_sequences(codes, starts, lengths, multiplier=0)
    assert groups[0] == groups[2]
    assert len({groups[0], groups[1], groups[3]}) == 3
    assert sorted(first_case.tolist()) == [0, 1, 3]
    hashed_groups, _ = group_sequences(codes, starts, lengths)
    assert (hashed_groups[0] == hashed_groups[2]) and hashed_groups[0] != hashed_groups[1]


def test_discover_process_summary_applies_sql_filters_and_handles_empty_logs():
    frame = _random_log(seed=8, cases=60)
    con = _connect(frame)
    web = filter_attribute(EventLog(relation="ev"), column="channel", values=["web"])
    summary = discover_process_summary(con, web)
    web_cases = frame.loc[frame["channel"] == "web", "case_id"].nunique()
    assert summary.variants["case_count"].sum() == web_cases
    expected_edges = _expected_transitions(frame[frame["channel"] == "web"])
    assert summary.edges["frequency"].sum() == len(expected_edges)
    assert summary.endpoints["start_count"].sum() == web_cases
    nobody = filter_attribute(EventLog(relation="ev"), column="channel", values=["phone"])
    empty = discover_process_summary(con, nobody)
    assert empty.edges.empty and list(empty.edges.columns) == EDGE_COLUMNS
    assert empty.variants.empty and list(empty.variants.columns) == VARIANT_COLUMNS


def _staged_with_coded_copy(frame: pd.DataFrame, *, seed: int) -> duckdb.DuckDBPyConnection:
    """``frame`` as the staged events, and a coded copy (as fct_event_log and
    dim_activities hold it) written with its rows shuffled, and with activity names
    spelled in upper case, so a result shows which of the two was read."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging")
    con.execute("CREATE SCHEMA marts")
    con.register("frame", frame)
    con.execute("CREATE TABLE staging.stg_raw__workflow_events AS SELECT * FROM frame")
    con.unregister("frame")
    stage_process_events(con)
    activities = sorted(frame["activity"].unique())
    cases = sorted(frame["case_id"].unique())
    coded = pd.DataFrame(
        {
            "case_number": frame["case_id"].map({case: n for n, case in enumerate(cases)}),
            "case_id": frame["case_id"],
            "activity_code": frame["activity"].map({name: n for n, name in enumerate(activities)}),
            "event_at": frame["event_at"],
            "event_seq": frame["event_seq"],
        }
    ).sample(frac=1.0, random_state=seed)
    names = pd.DataFrame({"activity_code": range(len(activities)), "activity": activities})
    names["activity"] = names["activity"].str.upper()
    for table, rows in (("fct_event_log", coded), ("dim_activities", names)):
        con.register("rows", rows)
        con.execute(f"CREATE TABLE marts.{table} AS SELECT * FROM rows")
        con.unregister("rows")
    return con


def test_load_coded_log_reads_a_current_coded_copy_and_checks_its_order():
    frame = _random_log(seed=21, cases=120)
    con = _staged_with_coded_copy(frame, seed=3)
    from_copy = compute_edges(load_coded_log(con, EventLog()))
    coded_in_sql = compute_edges(load_coded_log(_connect(frame), EventLog(relation="ev")))
    assert from_copy["source_activity"].str.isupper().all()
    upper = coded_in_sql.assign(
        source_activity=coded_in_sql["source_activity"].str.upper(),
        target_activity=coded_in_sql["target_activity"].str.upper(),
    )
    pd.testing.assert_frame_equal(from_copy, upper)
    web = filter_attribute(EventLog(), column="channel", values=["web"])
    variants = compute_variants(load_coded_log(con, web))
    assert variants["case_count"].sum() == frame.loc[frame["channel"] == "web", "case_id"].nunique()
    assert all(name.isupper() for sequence in variants["activities"] for name in sequence)


def test_load_coded_log_ignores_a_coded_copy_behind_the_staged_events():
    frame = _random_log(seed=22, cases=80)
    con = _staged_with_coded_copy(frame, seed=4)
    con.execute(
        "INSERT INTO staging.stg_raw__workflow_events VALUES"
        " ('C9999', 'Late step', TIMESTAMPTZ '2026-03-09 00:00:00+00', 'web', 100000)"
    )
    variants = compute_variants(load_coded_log(con, EventLog()))
    assert ["Late step"] in variants["activities"].tolist()
    assert not any(name.isupper() for sequence in variants["activities"] for name in sequence)
