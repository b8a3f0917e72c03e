"""Lifecycle treatments equal pm4py on a log with START and COMPLETE transitions.

The log is generated: seeded intervals (a start and a completion per step, with rework,
steps that begin when the previous one completes and steps that take no time, so ties
are many) are turned into START and COMPLETE events by pm4py's own
``interval_lifecycle.to_lifecycle``, a SCHEDULE is added before some starts, and pm4py
writes the XES file. orderlens ingests that file (XES reader, validation) into one
warehouse and builds it with dbt once per treatment, in turn, so switching the setting
on a built warehouse is exercised too. pm4py is the independent computation on the
file as pm4py reads it, filtered as each treatment says:

* completions: ``filter_event_attribute_values`` keeping ``lifecycle:transition`` complete;
* activity_transition: ``concept:name`` + ``'+'`` + ``lifecycle:transition``;
* all: the log as read.

Service time is compared with pm4py's ``to_interval`` pairing (``@@duration``), and
waiting time with the intervals it returns (start minus the case's latest earlier
completion, as pm4py's ``assign_lead_cycle_time`` defines it without business hours).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pm4py
import pytest
from pm4py.objects.log.util import interval_lifecycle

from orderlens.dbt_runner import built_lifecycle, run_dbt
from orderlens.ingest.loader import ingest_paths
from orderlens.settings import LifecycleTreatment, Settings
from orderlens.warehouse import connect
from process_mining.event_log import EventLog
from process_mining.process_maps import discover_process_edges
from process_mining.rework import get_rework
from process_mining.variants import discover_variants

STEPS = ("Register", "Check", "Decide", "Notify", "Archive")
CASES = 120


def write_lifecycle_log(path: Path, *, seed: int = 5) -> Path:
    """Write the generated START/COMPLETE log (see the module docstring) as XES."""
    rng = np.random.default_rng(seed)
    rows = []
    origin = datetime(2025, 3, 1, tzinfo=UTC)
    for case in range(CASES):
        moment = origin + timedelta(hours=int(rng.integers(0, 500)))
        steps = ["Register", *(["Check"] * int(rng.integers(1, 4))), "Decide"]
        steps += ["Notify", "Archive"] if rng.random() < 0.7 else ["Archive"]
        for step in steps:
            wait = 0 if rng.random() < 0.3 else int(rng.integers(1, 180))
            work = 0 if rng.random() < 0.2 else int(rng.integers(1, 90))
            started = moment + timedelta(minutes=wait)
            moment = started + timedelta(minutes=work)
            rows.append(
                {
                    "case:concept:name": f"case-{case:03d}",
                    "concept:name": step,
                    "start_timestamp": pd.Timestamp(started),
                    "time:timestamp": pd.Timestamp(moment),
                }
            )
    intervals = pm4py.convert_to_event_log(pd.DataFrame(rows))
    lifecycle = pm4py.convert_to_dataframe(interval_lifecycle.to_lifecycle(intervals))
    lifecycle = lifecycle.drop(columns=[c for c in lifecycle.columns if c.startswith("@@")])
    starts = lifecycle[lifecycle["lifecycle:transition"] == "start"]
    scheduled = starts[rng.random(len(starts)) < 0.25].copy()
    scheduled["lifecycle:transition"] = "schedule"
    scheduled["time:timestamp"] -= pd.Timedelta(minutes=5)
    lifecycle["order"] = 1
    scheduled["order"] = 0
    log = pd.concat([lifecycle, scheduled]).sort_values(
        ["case:concept:name", "time:timestamp", "order"], kind="stable"
    )
    log = log.drop(columns=["order", "start_timestamp"], errors="ignore").reset_index(drop=True)
    # pm4py's XES writer reads nanosecond timestamps only (microseconds come out as 1970)
    log["time:timestamp"] = log["time:timestamp"].astype("datetime64[ns, UTC]")
    pm4py.write_xes(log, str(path))
    return path


def pm4py_view(log: pd.DataFrame, treatment: LifecycleTreatment) -> pd.DataFrame:
    """The events pm4py mines under ``treatment`` (the filter named in the docstring)."""
    if treatment is LifecycleTreatment.COMPLETIONS:
        return pm4py.filter_event_attribute_values(
            log, "lifecycle:transition", ["complete"], level="event"
        )
    if treatment is LifecycleTreatment.ACTIVITY_TRANSITION:
        named = log.copy()
        named["concept:name"] = named["concept:name"] + "+" + named["lifecycle:transition"]
        return named
    return log.copy()


@dataclass(frozen=True)
class TreatmentResult:
    """What the warehouse and mining gave under one treatment."""

    recorded: LifecycleTreatment | None
    mart_edges: dict[tuple[str, str], int]
    mart_variants: dict[tuple[str, ...], int]
    mined_edges: dict[tuple[str, str], int]
    mined_variants: dict[tuple[str, ...], int]
    rework: dict[str, int]
    activity_times: pd.DataFrame


@dataclass(frozen=True)
class LifecycleBuilds:
    """The log as pm4py reads it and the results of each treatment."""

    log: pd.DataFrame
    results: dict[LifecycleTreatment, TreatmentResult]


def _collect(settings: Settings) -> TreatmentResult:
    with connect(settings.warehouse_path, read_only=True) as con:
        mart_edges = con.execute(
            "SELECT source_activity, target_activity, frequency FROM marts.agg_process_edges"
        ).fetchall()
        mart_variants = con.execute(
            "SELECT activities, case_count FROM marts.agg_variants"
        ).fetchall()
        edges = discover_process_edges(con, EventLog())
        variants = discover_variants(con, EventLog())
        rework = get_rework(con, EventLog())
        times = con.execute("SELECT * FROM marts.agg_activity_times").df()
    return TreatmentResult(
        recorded=built_lifecycle(settings),
        mart_edges={(s, t): int(n) for s, t, n in mart_edges},
        mart_variants={tuple(a): int(n) for a, n in mart_variants},
        mined_edges={
            (s, t): int(n)
            for s, t, n in zip(
                edges["source_activity"], edges["target_activity"], edges["frequency"], strict=True
            )
        },
        mined_variants={
            tuple(a): int(n)
            for a, n in zip(variants["activities"], variants["case_count"], strict=True)
        },
        rework=dict(zip(rework["activity"], rework["rework_cases"].astype(int), strict=True)),
        activity_times=times.set_index("activity"),
    )


@pytest.fixture(scope="module")
def lifecycle_builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LifecycleBuilds]:
    """Ingest the generated log once, then build it under each treatment in turn."""
    folder = tmp_path_factory.mktemp("lifecycle")
    path = write_lifecycle_log(folder / "lifecycle.xes")
    base = Settings(data_dir=folder / "data")
    report = ingest_paths(base, [path])
    assert report.results[0].loaded == len(pm4py.read_xes(str(path))), report.results[0]
    results = {}
    for treatment in (
        LifecycleTreatment.COMPLETIONS,
        LifecycleTreatment.ACTIVITY_TRANSITION,
        LifecycleTreatment.ALL,
    ):
        settings = Settings(data_dir=base.data_dir, lifecycle=treatment)
        run_dbt(settings, ["build"])
        results[treatment] = _collect(settings)
    yield LifecycleBuilds(pm4py.read_xes(str(path)), results)


def test_generated_log_has_starts_completions_schedules_and_ties(lifecycle_builds):
    log = lifecycle_builds.log
    counts = log["lifecycle:transition"].value_counts()
    assert set(counts.index) == {"start", "complete", "schedule"}
    assert counts["start"] == counts["complete"]
    ties = log.duplicated(["case:concept:name", "time:timestamp"], keep=False)
    assert ties.sum() > 50


@pytest.mark.slow
@pytest.mark.parametrize("treatment", list(LifecycleTreatment))
def test_process_edges_equal_pm4py_dfg_under_each_lifecycle_treatment(lifecycle_builds, treatment):
    dfg, _, _ = pm4py.discover_dfg(pm4py_view(lifecycle_builds.log, treatment))
    result = lifecycle_builds.results[treatment]
    assert result.mart_edges == dict(dfg)
    assert result.mined_edges == dict(dfg)


@pytest.mark.slow
@pytest.mark.parametrize("treatment", list(LifecycleTreatment))
def test_variants_equal_pm4py_get_variants_under_each_lifecycle_treatment(
    lifecycle_builds, treatment
):
    variants = pm4py.get_variants(pm4py_view(lifecycle_builds.log, treatment))
    expected = {tuple(variant): int(count) for variant, count in variants.items()}
    result = lifecycle_builds.results[treatment]
    assert result.mart_variants == expected
    assert result.mined_variants == expected


@pytest.mark.slow
@pytest.mark.parametrize("treatment", list(LifecycleTreatment))
def test_rework_counts_cases_repeating_an_activity_as_pm4py_reads_it(lifecycle_builds, treatment):
    view = pm4py_view(lifecycle_builds.log, treatment)
    executions = view.groupby(["case:concept:name", "concept:name"]).size()
    repeated = executions[executions > 1].reset_index()["concept:name"].value_counts()
    assert lifecycle_builds.results[treatment].rework == repeated.to_dict()


@pytest.mark.slow
def test_completions_count_each_step_once_where_all_counts_start_and_completion_as_rework(
    lifecycle_builds,
):
    completions = lifecycle_builds.results[LifecycleTreatment.COMPLETIONS].rework
    every_event = lifecycle_builds.results[LifecycleTreatment.ALL].rework
    assert set(completions) == {"Check"}
    assert set(every_event) == set(STEPS)


@pytest.mark.slow
def test_switching_treatment_records_it_and_rebuilds_every_case(lifecycle_builds):
    for treatment, result in lifecycle_builds.results.items():
        assert result.recorded is treatment
        cases = sum(result.mart_variants.values())
        assert cases == CASES


def _pm4py_activity_times(log: pd.DataFrame) -> pd.DataFrame:
    """Service and waiting time per activity from pm4py's own start/complete pairing."""
    # pm4py's discovery functions add a start_timestamp column to the frame they are given,
    # and to_interval leaves a log that has one as it is: pair from the transitions alone.
    events = log.drop(columns=["start_timestamp"], errors="ignore")
    intervals = interval_lifecycle.to_interval(pm4py.convert_to_event_log(events))
    records = []
    for trace in intervals:
        latest_completion = None
        for event in trace:
            started, completed = event["start_timestamp"], event["time:timestamp"]
            waiting = None
            if latest_completion is not None:
                waiting = max(0.0, (started - latest_completion).total_seconds())
            records.append(
                {
                    "activity": event["concept:name"],
                    "service": event["@@duration"],
                    "waiting": waiting,
                }
            )
            latest_completion = (
                completed if latest_completion is None else max(latest_completion, completed)
            )
    frame = pd.DataFrame(records)
    return frame.groupby("activity").agg(
        instances=("service", "size"),
        mean_service=("service", "mean"),
        median_service=("service", "median"),
        waited=("waiting", "count"),
        mean_waiting=("waiting", "mean"),
        median_waiting=("waiting", "median"),
    )


@pytest.mark.slow
def test_agg_activity_times_equal_pm4py_interval_pairing(lifecycle_builds):
    expected = _pm4py_activity_times(lifecycle_builds.log)
    for treatment, result in lifecycle_builds.results.items():
        times = result.activity_times.loc[expected.index]
        assert times["instance_count"].tolist() == expected["instances"].tolist(), treatment
        assert times["timed_instance_count"].tolist() == expected["instances"].tolist()
        assert times["waited_instance_count"].tolist() == expected["waited"].tolist()
        for ours, theirs in (
            ("mean_service_seconds", "mean_service"),
            ("median_service_seconds", "median_service"),
            ("mean_waiting_seconds", "mean_waiting"),
            ("median_waiting_seconds", "median_waiting"),
        ):
            np.testing.assert_allclose(times[ours], expected[theirs], rtol=1e-9, atol=1e-6)
