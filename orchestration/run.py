"""Running the whole asset graph once, outside Dagster's UI (``orderlens run``, tests)."""

from __future__ import annotations

import contextlib
import importlib
import threading
from dataclasses import dataclass, field
from typing import IO

import dagster as dg

from orchestration.definitions import build_definitions
from orchestration.defs.ingestion.sensors import PIPELINE_JOB_NAME
from orchestration.defs.schedules import REPORT_JOB_NAME
from orchestration.progress import LOGGER_NAME, StageProgress, progress_logger
from orderlens.settings import Settings

IMPORTED_ALONGSIDE = ("great_expectations",)
"""Libraries the run's later steps need, imported on a side thread from the start (the
ingestion checks' Great Expectations, ~2 s): the main thread spends the dbt step waiting
on dbt's output, so the import is done by the time the checks run."""


@dataclass(frozen=True)
class PipelineRun:
    """Outcome of one run of the asset graph."""

    run_id: str
    success: bool
    materialized: list[str]
    failed_steps: list[str]
    skipped: dict[str, str] = field(default_factory=dict)
    """Asset -> why its analysis did not run (its inputs are absent from the log)."""


def run_pipeline(
    settings: Settings, *, progress: IO[str] | None = None, verbose: bool = False
) -> PipelineRun:
    """Materialize every asset into ``settings.data_dir``, recording the runs in its Dagster home.

    Runs the same two jobs the schedules run, the pipeline and then the report, so a
    manual run and a scheduled one behave alike (retries included).

    The settings object is handed to the definitions as it is: every asset and dbt
    invocation uses it, and this process's environment is left alone.

    Args:
        settings: The data directory and its settings.
        progress: Where to print one line per stage (ingest, dbt, mining, triage, publish,
            report) and each distinct warning once; ``None`` prints nothing.
        verbose: Print Dagster's own event log (and dbt's) instead of the stage lines.
    """
    settings.ensure_dirs()
    threading.Thread(target=_import_modules, args=(IMPORTED_ALONGSIDE,), daemon=True).start()
    definitions = build_definitions(settings)
    materialized: list[str] = []
    skipped: dict[str, str] = {}
    failed: list[str] = []
    run_ids: list[str] = []
    stages = StageProgress(progress, dbt_models=_dbt_model_count(definitions))
    with contextlib.ExitStack() as quiet:
        if not verbose:
            log = _run_log(settings, quiet)
            quiet.enter_context(contextlib.redirect_stdout(log))
            quiet.enter_context(contextlib.redirect_stderr(log))
        instance = quiet.enter_context(dg.DagsterInstance.from_config(str(settings.dagster_home)))
        for job_name in (PIPELINE_JOB_NAME, REPORT_JOB_NAME):
            job = definitions.resolve_job_def(job_name)
            run_config: dict = {}
            if not verbose:
                job = job.with_logger_defs({LOGGER_NAME: progress_logger(stages)})
                run_config = {"loggers": {LOGGER_NAME: {}}}
            result = job.execute_in_process(
                run_config=run_config, instance=instance, raise_on_error=False
            )
            stages.print_stages()
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
    stages.report_warnings()
    return PipelineRun(
        ", ".join(run_ids), not failed, sorted(materialized), sorted(failed), skipped
    )


def _import_modules(names: tuple[str, ...]) -> None:
    for name in names:
        importlib.import_module(name)


def _dbt_model_count(definitions: dg.Definitions) -> int:
    """Assets of the dbt step (the progress bar's total)."""
    return sum(
        len(assets.keys)
        for assets in definitions.assets or []
        if isinstance(assets, dg.AssetsDefinition) and assets.op.name == "dbt_models"
    )


def _run_log(settings: Settings, stack: contextlib.ExitStack) -> IO[str]:
    """The file that takes the libraries' console output while the stage lines are shown.

    dagster-dbt echoes every dbt event to standard output, and the expectation and
    alignment libraries draw their own progress bars on standard error; in quiet mode
    all of it goes to ``<data dir>/logs/last_run.log`` for whoever needs it.
    """
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    return stack.enter_context(settings.last_run_log_path.open("w", encoding="utf-8"))
