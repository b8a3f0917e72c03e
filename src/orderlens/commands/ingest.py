"""``orderlens ingest PATH... [--mapping FILE] [--json] [--expectations]``: load event logs.

Prints one line per file as it finishes (read, loaded, quarantined, duplicates and the
text encoding; why the file was rejected; or, for a file that failed because more records
were invalid than valid, the most frequent reason, how many records it hit and the fix),
and a NOTICE line once when a pseudonymization key file was created; ``--expectations``
adds the Great Expectations verdict of each loaded batch. While another process writes
the warehouse it waits (``ORDERLENS_WAREHOUSE_LOCK_TIMEOUT``, 60 s by default), saying
once who holds it. Exits (:class:`~orderlens.exit_status.ExitStatus`) 0 when every file
was processed, 1 when any file was rejected or failed, 2 when the mapping file is
unusable, 3 when the warehouse stayed locked for the whole wait, 4 when it is not a
readable DuckDB database. Bad input never produces a stack trace.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from orderlens.cli import command_settings
from orderlens.exit_status import ExitStatus
from orderlens.ingest import FileResult, FileStatus, MappingError, ingest_paths
from orderlens.ingest.mapping import Target
from orderlens.settings import Settings
from orderlens.warehouse import CorruptWarehouseError, WarehouseBusyError


def _report_expectations(
    settings: Settings, results: tuple[FileResult, ...], *, quiet: bool
) -> None:
    """Validate each loaded batch with the contract suite and print one line per batch."""
    from orderlens.ingest.expectations import validate_loaded_batch

    for result in results:
        if result.status is not FileStatus.LOADED or not result.loaded or result.load_id is None:
            continue
        target = (
            Target.INTEGRATION
            if result.target_table == "raw.integration_events"
            else Target.WORKFLOW
        )
        report = validate_loaded_batch(settings, result.load_id, target)
        failures = ", ".join(
            f"{o.expectation}({o.column}): {o.unexpected_count}" for o in report.failures()
        )
        if not quiet:
            verdict = "passed" if report.success else f"FAILED {failures}"
            click.echo(
                f"EXPECT    {result.path}: {report.suite} {verdict} on {report.evaluated_rows} rows"
            )


@click.command(name="ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Column-mapping YAML (see docs/ingestion.md).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of lines.")
@click.option(
    "--expectations",
    is_flag=True,
    help="Also run the contract's Great Expectations suite on each loaded batch (slower).",
)
def command(
    paths: tuple[Path, ...], mapping: Path | None, as_json: bool, expectations: bool
) -> None:
    """Ingest event-log files and folders (CSV, Parquet, JSON Lines, XES, OCEL 2.0)."""
    settings = command_settings()

    def show(result: FileResult) -> None:
        """Print a file's line as soon as it is done (progress on long runs)."""
        if not as_json:
            click.echo(result.summary())

    def waiting(message: str) -> None:
        click.echo(f"waiting: {message}", err=True)

    try:
        report = ingest_paths(
            settings, list(paths), mapping=mapping, on_result=show, on_wait=waiting
        )
    except MappingError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(ExitStatus.MAPPING_UNUSABLE) from error
    except WarehouseBusyError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(ExitStatus.WAREHOUSE_BUSY) from error
    except CorruptWarehouseError as error:
        click.echo(f"error: cannot open the warehouse: {error}", err=True)
        raise SystemExit(ExitStatus.WAREHOUSE_UNREADABLE) from error
    if expectations:
        _report_expectations(settings, report.results, quiet=as_json)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    elif not report.results:
        click.echo("no event-log files found", err=True)
    raise SystemExit(ExitStatus.OK if report.ok else ExitStatus.FAILED)
