"""Running the whole asset graph once, outside Dagster's UI (``orderlens run``, tests)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import dagster as dg

from orchestration.definitions import build_definitions
from orderlens.settings import Settings


@dataclass(frozen=True)
class PipelineRun:
    """Outcome of one run of the asset graph."""

    run_id: str
    success: bool
    materialized: list[str]
    failed_steps: list[str]


def run_pipeline(settings: Settings) -> PipelineRun:
    """Materialize every asset into ``settings.data_dir``, recording the run in its Dagster home.

    The environment of this process is pointed at the settings first: dbt runs as a
    child process and reads ``ORDERLENS_DATA_DIR`` from it, as does the ``EnvVar`` of
    the orderlens resource, so all stages see one warehouse.
    """
    settings.ensure_dirs()
    os.environ.update(settings.subprocess_env())
    definitions = build_definitions()
    job = definitions.resolve_implicit_global_asset_job_def()
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    materialized = sorted(
        event.asset_key.to_user_string()
        for event in result.all_events
        if event.event_type_value == "ASSET_MATERIALIZATION" and event.asset_key is not None
    )
    failed = sorted(
        event.step_key or ""
        for event in result.all_events
        if event.event_type_value == "STEP_FAILURE"
    )
    return PipelineRun(result.run_id, result.success, materialized, failed)
