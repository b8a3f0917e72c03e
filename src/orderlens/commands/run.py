"""``orderlens run``: the whole pipeline once, inbox to serving copy."""

from __future__ import annotations

import sys

import click

from orderlens.settings import Settings


@click.command("run")
def command() -> None:
    """Run the whole pipeline once: ingest new inbox files, build the dbt marts, mine the
    process, and publish the serving copy the dashboard reads.

    Every stage is a Dagster asset; the run is recorded in the Dagster home under the
    data directory, so it shows in `make ui`. Re-running with no new files changes nothing.
    """
    from orchestration.run import run_pipeline

    settings = Settings.from_env()
    outcome = run_pipeline(settings)
    for asset in outcome.materialized:
        click.echo(f"materialized {asset}")
    if not outcome.success:
        click.echo(f"pipeline failed in: {', '.join(outcome.failed_steps)}", err=True)
        sys.exit(1)
    click.echo(f"pipeline succeeded (run {outcome.run_id}); serving copy: {settings.serving_path}")
