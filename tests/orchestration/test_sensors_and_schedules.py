"""The inbox sensor and the schedules, evaluated the way Dagster's daemon would."""

import shutil
from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from orchestration.defs.ingestion.sensors import inbox_sensor
from orchestration.defs.resources import SettingsResource
from orderlens.ingest import ingest_paths
from orderlens.settings import Settings


def _canonical_events(case_prefix: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": [f"{case_prefix}-1", f"{case_prefix}-2"],
            "case_id": [case_prefix, case_prefix],
            "activity": ["Order Created", "Payment Authorized"],
            "event_at": pd.to_datetime(["2026-03-01T10:00:00Z", "2026-03-01T10:05:00Z"]),
            "source_system": ["OMS", "PAYMENT"],
        }
    )


def _evaluate(settings: Settings) -> dg.SensorResult:
    context = dg.build_sensor_context(resources={"orderlens": SettingsResource(settings)})
    return inbox_sensor(context)


def test_inbox_sensor_requests_a_run_for_a_new_file_and_none_once_it_is_ingested(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    settings.ensure_dirs()
    assert _evaluate(settings).run_requests == []

    new_file = settings.inbox_dir / "oms_export.parquet"
    _canonical_events("o-1").to_parquet(new_file)
    first = _evaluate(settings)
    assert len(first.run_requests) == 1
    assert first.run_requests[0].tags["orderlens/new_files"] == "1"

    ingest_paths(settings, [new_file])
    assert _evaluate(settings).run_requests == []

    copy = settings.inbox_dir / "same_content_again.parquet"
    shutil.copy(new_file, copy)
    assert _evaluate(settings).run_requests == []


def test_inbox_sensor_run_key_changes_when_another_file_arrives(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    settings.ensure_dirs()
    _canonical_events("o-1").to_parquet(settings.inbox_dir / "a.parquet")
    key_one = _evaluate(settings).run_requests[0].run_key
    assert _evaluate(settings).run_requests[0].run_key == key_one
    _canonical_events("o-2").to_parquet(settings.inbox_dir / "b.parquet")
    key_two = _evaluate(settings).run_requests[0].run_key
    assert key_two != key_one


def test_schedules_evaluate_to_runs_of_their_jobs(definitions):
    hourly = definitions.resolve_schedule_def("hourly_pipeline")
    nightly = definitions.resolve_schedule_def("nightly_report")
    assert hourly.cron_schedule == "5 * * * *"
    assert hourly.job_name == "pipeline"
    assert nightly.job_name == "nightly_report"
    moment = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    for schedule in (hourly, nightly):
        context = dg.build_schedule_context(scheduled_execution_time=moment)
        requests = schedule.evaluate_tick(context).run_requests
        assert requests is not None
        assert len(requests) == 1


def test_pipeline_job_excludes_the_report_and_the_report_job_holds_only_it(definitions):
    pipeline = definitions.resolve_job_def("pipeline")
    report = definitions.resolve_job_def("nightly_report")
    pipeline_keys = {key.to_user_string() for key in pipeline.asset_layer.executable_asset_keys}
    report_keys = {key.to_user_string() for key in report.asset_layer.executable_asset_keys}
    assert "serving/serving_copy" in pipeline_keys
    assert "raw/workflow_events" in pipeline_keys
    assert report_keys == {"mining/report"}
    assert not pipeline_keys & report_keys
