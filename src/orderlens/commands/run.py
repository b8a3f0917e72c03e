"""``orderlens run``: the whole pipeline once, inbox to serving copy."""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import click

from orderlens.cli import command_settings
from orderlens.run_state import forget_last_run, record_successful_run, up_to_date


@click.command("run")
@click.option(
    "--reference-model",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A BPMN file of your process to measure conformance against (overrides "
    "ORDERLENS_REFERENCE_MODEL); without one the log decides: the retail reference model "
    "for a retail log, else a model discovered from its frequent variants.",
)
@click.option(
    "--verbose",
    is_flag=True,
    help="Print Dagster's and dbt's own event log instead of one line per stage.",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="Run every stage even when nothing changed since the last successful run.",
)
def command(reference_model: Path | None, verbose: bool, rebuild: bool) -> None:
    """Run the whole pipeline once: ingest new inbox files, build the dbt marts, mine the
    process, and publish the serving copy the dashboard reads.

    Every stage is a Dagster asset; the run is recorded in the Dagster home under the
    data directory, so it shows in `make ui`. With no new inbox file, setting or model
    change since the last successful run, it says "up to date" and does nothing.
    """
    settings = command_settings()
    if reference_model is not None:
        settings = replace(settings, reference_model=reference_model.resolve())
    if settings.reference_model is not None:
        from process_mining.conformance import read_bpmn_model

        try:
            read_bpmn_model(settings.reference_model)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
    started = time.perf_counter()
    last = None if rebuild else up_to_date(settings)
    if last is not None:
        click.echo(
            f"up to date: no new inbox files and no changed settings or models since the "
            f"run of {last.finished_at} (run {last.run_id}); serving copy: "
            f"{settings.serving_path} (use --rebuild to run anyway)"
        )
        return
    from orchestration.run import run_pipeline

    forget_last_run(settings)
    outcome = run_pipeline(settings, progress=sys.stdout, verbose=verbose)
    for asset, reason in sorted(outcome.skipped.items()):
        click.echo(f"skipped {asset}: {reason}")
    if not outcome.success:
        click.echo(f"pipeline failed in: {', '.join(outcome.failed_steps)}", err=True)
        if not verbose:
            click.echo(
                f"the run's console output is in {settings.last_run_log_path}; "
                "run again with --verbose for Dagster's full log",
                err=True,
            )
        sys.exit(1)
    record_successful_run(settings, outcome.run_id)
    click.echo(
        f"pipeline succeeded in {time.perf_counter() - started:.1f} s "
        f"(run {outcome.run_id}); serving copy: {settings.serving_path}"
    )
