"""``orderlens run``: the whole pipeline once, inbox to serving copy."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import click

from orderlens.settings import Settings


@click.command("run")
@click.option(
    "--reference-model",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A BPMN file of your process to measure conformance against (overrides "
    "ORDERLENS_REFERENCE_MODEL); without one the log decides: the retail reference model "
    "for a retail log, else a model discovered from its frequent variants.",
)
def command(reference_model: Path | None) -> None:
    """Run the whole pipeline once: ingest new inbox files, build the dbt marts, mine the
    process, and publish the serving copy the dashboard reads.

    Every stage is a Dagster asset; the run is recorded in the Dagster home under the
    data directory, so it shows in `make ui`. Re-running with no new files changes nothing.
    """
    from orchestration.run import run_pipeline
    from process_mining.conformance import read_bpmn_model

    settings = Settings.from_env()
    if reference_model is not None:
        settings = replace(settings, reference_model=reference_model.resolve())
    if settings.reference_model is not None:
        try:
            read_bpmn_model(settings.reference_model)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
    outcome = run_pipeline(settings)
    for asset in outcome.materialized:
        click.echo(f"materialized {asset}")
    for asset, reason in sorted(outcome.skipped.items()):
        click.echo(f"skipped {asset}: {reason}")
    if not outcome.success:
        click.echo(f"pipeline failed in: {', '.join(outcome.failed_steps)}", err=True)
        sys.exit(1)
    click.echo(f"pipeline succeeded (run {outcome.run_id}); serving copy: {settings.serving_path}")
