"""Running the whole asset graph once, outside Dagster's UI (``orderlens run``, tests)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import dagster as dg

from orchestration.definitions import build_definitions
from orchestration.defs.ingestion.sensors import PIPELINE_JOB_NAME
from orchestration.defs.schedules import REPORT_JOB_NAME
from orderlens.settings import Settings


@dataclass(frozen=True)
class PipelineRun:
    """Outcome of one run of the asset graph."""

    run_id: str
    success: bool
    materialized: list[str]
    failed_steps: list[str]
    skipped: dict[str, str] = field(default_factory=dict)
    """Asset -> why its analysis did not run (its inputs are absent from the log)."""


def run_pipeline(settings: Settings) -> PipelineRun:
    """Materialize every asset into ``settings.data_dir``, recording the runs in its Dagster home.

    Runs the same two jobs the schedules run, the pipeline and then the report, so a
    manual run and a scheduled one behave alike (retries included).

    The environment of this process is pointed at the settings first: dbt runs as a
    child process and reads ``ORDERLENS_DATA_DIR`` from it, as does the ``EnvVar`` of
    the orderlens resource, so all stages see one warehouse.
    """
    settings.ensure_dirs()
    os.environ.update(settings.subprocess_env())
    definitions = build_definitions()
    materialized: list[str] = []
    skipped: dict[str, str] = {}
    failed: list[str] = []
    run_ids: list[str] = []
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        for job_name in (PIPELINE_JOB_NAME, REPORT_JOB_NAME):
            job = definitions.resolve_job_def(job_name)
            result = job.execute_in_process(instance=instance, raise_on_error=False)
            run_ids.append(result.run_id)
            for event in result.all_events:
                if event.event_type_value != "ASSET_MATERIALIZATION" or not event.asset_key:
                    continue
                asset = event.asset_key.to_user_string()
                materialized.append(asset)
                metadata = event.event_specific_data.materialization.metadata
                if "skipped" in metadata and metadata["skipped"].value:
                    skipped[asset] = str(metadata["reason"].value)
            failed += [
                event.step_key or ""
                for event in result.all_events
                if event.event_type_value == "STEP_FAILURE"
            ]
            if not result.success:
                break
    return PipelineRun(
        ", ".join(run_ids), not failed, sorted(materialized), sorted(failed), skipped
    )
