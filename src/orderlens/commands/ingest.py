"""``orderlens ingest PATH... [--mapping FILE] [--json]``: load event logs into the warehouse.

Prints one line per file as it finishes (read, loaded, quarantined, duplicates, or why the
file was rejected) and exits 0 when every file was processed, 1 when any file was rejected,
2 when the mapping file itself is unusable. Bad input never produces a stack trace.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from orderlens.ingest import FileResult, MappingError, ingest_paths
from orderlens.settings import Settings


@click.command(name="ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Column-mapping YAML (see docs/ingestion.md).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of lines.")
def command(paths: tuple[Path, ...], mapping: Path | None, as_json: bool) -> None:
    """Ingest event-log files and folders (CSV, Parquet, JSON Lines, XES, OCEL 2.0)."""
    settings = Settings.from_env()

    def show(result: FileResult) -> None:
        if not as_json:
            click.echo(result.summary())

    try:
        report = ingest_paths(settings, list(paths), mapping=mapping, on_result=show)
    except MappingError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(2) from error
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    elif not report.results:
        click.echo("no event-log files found", err=True)
    raise SystemExit(0 if report.ok else 1)
