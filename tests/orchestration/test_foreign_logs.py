"""``orderlens run`` on logs nobody here tuned the product for.

Real public logs (a municipal permit process, the process-mining book's running example,
the OCEL 2.0 standard's example in its three encodings) and the simulator's log cut down
to case, activity and time: none has exceptions, middleware messages, channels or nodes.
Each goes through the CLI as a user runs it; the run must succeed, publish, say what it
skipped and why, and date the data by its last event.
"""

from __future__ import annotations

import re
from datetime import datetime

import dagster as dg
import pandas as pd
import pm4py
import pytest

from orderlens.coverage import read_coverage
from orderlens.warehouse import connect
from tests.conftest import FEW_EXCEPTIONS, FEW_EXCEPTIONS_LOG, FOREIGN_LOGS, REAL_LOGS

pytestmark = pytest.mark.slow

TRIAGE_MODEL = dg.AssetKey(["triage", "model_versions"])
TRIAGE_SCORES = dg.AssetKey(["triage", "exception_risk_scores"])
SERVING_COPY = dg.AssetKey(["serving", "serving_copy"])
XES_LOGS = ("receipt", "running_example")
STAGES = {"ingest", "dbt", "mining", "triage", "publish", "report"}


def _published_span(serving_path) -> tuple[datetime, datetime]:
    with connect(serving_path, read_only=True) as con:
        return con.execute("SELECT first_event_at, last_event_at FROM meta.publication").fetchone()


def _xes_span(name: str) -> tuple[datetime, datetime]:
    path = REAL_LOGS / FOREIGN_LOGS[name]
    log = pm4py.read_xes(str(path), return_legacy_log_object=False)
    times = pd.to_datetime(log["time:timestamp"], utc=True)
    return times.min().to_pydatetime(), times.max().to_pydatetime()


@pytest.mark.parametrize("name", list(FOREIGN_LOGS))
def test_run_on_foreign_log_exits_zero_and_publishes_every_case(published_foreign_log, name):
    run = published_foreign_log(name)
    assert run.exit_code == 0, run.output
    assert "pipeline succeeded" in run.output
    with connect(run.settings.serving_path, read_only=True) as con:
        (variant_cases,) = con.execute("SELECT sum(case_count) FROM mining.variants").fetchone()
        (traced_cases,) = con.execute(
            "SELECT count(DISTINCT case_id) FROM marts.fct_case_traces"
        ).fetchone()
        (scores,) = con.execute("SELECT count(*) FROM triage.exception_risk_scores").fetchone()
        coverage = read_coverage(con)
    assert traced_cases > 0
    assert variant_cases == traced_cases
    assert scores == 0
    assert coverage["process"].is_available
    assert not coverage["exceptions"].is_available
    assert not coverage["integration"].is_available
    assert "exception_id" in coverage["exceptions"].how_to_enable


@pytest.mark.parametrize("name", list(FOREIGN_LOGS))
def test_run_on_foreign_log_records_the_skipped_triage_in_dagster_without_retries(
    published_foreign_log, name
):
    run = published_foreign_log(name)
    assert "skipped triage/model_versions: Exception work queue" in run.output
    with dg.DagsterInstance.from_config(str(run.settings.dagster_home)) as instance:
        model = instance.get_latest_materialization_event(TRIAGE_MODEL)
        scores = instance.get_latest_materialization_event(TRIAGE_SCORES)
        published = instance.get_latest_materialization_event(SERVING_COPY)
        records = instance.get_run_records()
        retried = [
            event
            for record in records
            for event in instance.all_logs(record.dagster_run.run_id)
            if event.dagster_event
            and event.dagster_event.event_type_value in ("STEP_UP_FOR_RETRY", "STEP_RESTARTED")
        ]
    for event in (model, scores):
        metadata = event.asset_materialization.metadata
        assert metadata["skipped"].value is True
        assert "the log records none" in metadata["reason"].value
    assert published is not None
    assert all(record.dagster_run.is_success for record in records)
    assert retried == []


@pytest.mark.parametrize("name", XES_LOGS)
def test_run_on_xes_log_dates_the_data_by_its_first_and_last_event(published_foreign_log, name):
    run = published_foreign_log(name)
    assert _published_span(run.settings.serving_path) == _xes_span(name)


def test_run_on_minimal_simulated_log_dates_the_data_by_the_simulated_events(
    published_foreign_log,
):
    run = published_foreign_log("simulated_minimal")
    simulated = pd.read_csv(run.log_path)
    times = pd.to_datetime(simulated["event_at"], utc=True, format="ISO8601")
    first, last = _published_span(run.settings.serving_path)
    assert (first, last) == (times.min().to_pydatetime(), times.max().to_pydatetime())


@pytest.mark.parametrize("name", ["ocel20_json", "ocel20_xml", "ocel20_sqlite"])
def test_run_on_ocel_log_dates_the_data_within_the_logs_own_events(published_foreign_log, name):
    """Flattening keeps only events with a case object, so the published span lies within
    the span of all the log's events as pm4py reads them."""
    run = published_foreign_log(name)
    ocel = pm4py.read_ocel2(str(REAL_LOGS / FOREIGN_LOGS[name]))
    times = pd.to_datetime(ocel.events["ocel:timestamp"], utc=True)
    first, last = _published_span(run.settings.serving_path)
    assert times.min().to_pydatetime() <= first <= last <= times.max().to_pydatetime()


@pytest.mark.parametrize("name", list(FOREIGN_LOGS))
def test_run_on_foreign_log_writes_the_report(published_foreign_log, name):
    run = published_foreign_log(name)
    report = run.settings.reports_dir / "process_mining_report.html"
    text = report.read_text(encoding="utf-8")
    assert "Traceback" not in text
    with connect(run.settings.serving_path, read_only=True) as con:
        (cases,) = con.execute("SELECT count(*) FROM marts.fct_case_traces").fetchone()
    assert f"{cases:,}" in text


@pytest.mark.parametrize("name", XES_LOGS)
def test_run_on_xes_log_prints_one_line_per_stage_with_the_rows_loaded(published_foreign_log, name):
    run = published_foreign_log(name)
    log = pm4py.read_xes(str(REAL_LOGS / FOREIGN_LOGS[name]), return_legacy_log_object=False)
    lines = run.output.splitlines()
    stages = [line.split()[0] for line in lines if line[:8].strip() in STAGES]
    assert stages == ["ingest", "dbt", "mining", "triage", "publish", "report"]
    (ingest,) = [line for line in lines if line.startswith("ingest")]
    assert f"{len(log):,} rows loaded, 0 quarantined" in ingest
    assert not any("DEBUG" in line or "Calculating Metrics" in line for line in lines)


def test_run_on_log_with_too_few_exceptions_publishes_them_and_skips_the_model(
    published_foreign_log,
):
    run = published_foreign_log(FEW_EXCEPTIONS_LOG)
    assert run.exit_code == 0, run.output
    simulated = pd.read_csv(run.log_path)
    assert simulated["exception_id"].nunique() == FEW_EXCEPTIONS
    with connect(run.settings.serving_path, read_only=True) as con:
        (exceptions,) = con.execute("SELECT count(*) FROM marts.fct_exceptions").fetchone()
        coverage = read_coverage(con)
    assert exceptions == FEW_EXCEPTIONS
    assert coverage["triage"].is_available
    with dg.DagsterInstance.from_config(str(run.settings.dagster_home)) as instance:
        model = instance.get_latest_materialization_event(TRIAGE_MODEL)
        records = instance.get_run_records()
    metadata = model.asset_materialization.metadata
    assert metadata["skipped"].value is True
    found = re.match(
        r"too few exceptions to learn from: (\d+) labelled exceptions", metadata["reason"].value
    )
    assert found and int(found.group(1)) <= FEW_EXCEPTIONS
    assert all(record.dagster_run.is_success for record in records)


def test_run_again_with_nothing_new_says_up_to_date_and_leaves_the_publication(
    published_foreign_log,
):
    from dataclasses import replace

    from click.testing import CliRunner

    from orderlens.cli import main
    from orderlens.run_state import up_to_date
    from orderlens.settings import LifecycleTreatment

    run = published_foreign_log("running_example")
    assert run.exit_code == 0, run.output
    published = run.settings.serving_path.stat().st_mtime_ns

    again = CliRunner().invoke(main, ["run"], env=run.settings.subprocess_env())

    assert again.exit_code == 0, again.output
    assert again.output.startswith("up to date:")
    assert run.settings.serving_path.stat().st_mtime_ns == published
    assert up_to_date(replace(run.settings, lifecycle=LifecycleTreatment.ALL)) is None
    new_file = run.settings.inbox_dir / "late_batch.csv"
    new_file.write_text("case_id,activity,event_at\nlate-1,register request,2011-01-01T10:00:00Z\n")
    try:
        assert up_to_date(run.settings) is None
    finally:
        new_file.unlink()
    assert up_to_date(run.settings) is not None
