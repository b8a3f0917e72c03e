"""Jobs and schedules: the hourly incremental pipeline and the nightly forum report."""

import dagster as dg

from orchestration.defs.ingestion.sensors import PIPELINE_JOB_NAME

REPORT_JOB_NAME = "nightly_report"
TRANSIENT_FAILURE_RETRY = dg.RetryPolicy(max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL)
"""A locked file or a briefly full disk clears up; retry after 2, 4 and 8 seconds."""


def build_jobs_and_schedules(
    report_keys: list[dg.AssetKey],
) -> tuple[list, list[dg.ScheduleDefinition]]:
    """The pipeline job (everything but the report) and the report job, with schedules.

    The hourly run is incremental by construction: ingestion loads only files whose
    content is new, the large dbt models are incremental, and publishing replaces the
    serving copy atomically. The report is rendered once a night for the morning forum.
    """
    report_selection = dg.AssetSelection.assets(*report_keys)
    pipeline_job = dg.define_asset_job(
        PIPELINE_JOB_NAME,
        selection=dg.AssetSelection.all() - report_selection,
        description="Ingest new inbox files, build the marts, mine, publish the serving copy.",
        op_retry_policy=TRANSIENT_FAILURE_RETRY,
    )
    report_job = dg.define_asset_job(
        REPORT_JOB_NAME,
        selection=report_selection,
        description="Render the process-mining report for the improvement forum.",
        op_retry_policy=TRANSIENT_FAILURE_RETRY,
    )
    schedules = [
        dg.ScheduleDefinition(
            name="hourly_pipeline",
            job=pipeline_job,
            cron_schedule="5 * * * *",
            execution_timezone="UTC",
            default_status=dg.DefaultScheduleStatus.RUNNING,
        ),
        dg.ScheduleDefinition(
            name="nightly_report",
            job=report_job,
            cron_schedule="0 5 * * *",
            execution_timezone="UTC",
            default_status=dg.DefaultScheduleStatus.RUNNING,
        ),
    ]
    return [pipeline_job, report_job], schedules
