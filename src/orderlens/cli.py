"""The ``orderlens`` command line: a thin shell over the library.

Each subcommand lives in its own module under ``orderlens.commands`` and is imported only
when it is invoked, so ``orderlens --help`` stays fast and importing the CLI reads
nothing from the environment.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from orderlens.settings import Settings

COMMANDS: dict[str, str] = {
    "ingest": "ingest",
    "report": "report",
    "run": "run",
    "serve": "serve",
    "ui": "ui",
    "users": "users",
    "simulate": "simulate",
    "triage": "triage",
}
"""Subcommand name -> module under ``orderlens.commands`` holding its click ``command``."""


class _LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when it is used, and turns
    environment failures (a full disk, a read-only folder, a damaged database) into one
    clear line instead of a stack trace."""

    def invoke(self, ctx: click.Context) -> object:
        import duckdb

        from orderlens.exit_status import ExitStatus
        from orderlens.warehouse import CorruptWarehouseError, WarehouseBusyError

        _protect_created_files()
        try:
            return super().invoke(ctx)
        except WarehouseBusyError as error:
            click.echo(f"error: {error}", err=True)
            raise SystemExit(ExitStatus.WAREHOUSE_BUSY) from error
        except CorruptWarehouseError as error:
            click.echo(f"error: {error}", err=True)
            raise SystemExit(ExitStatus.WAREHOUSE_UNREADABLE) from error
        except (OSError, duckdb.Error) as error:
            raise click.ClickException(_describe_environment_error(error)) from error

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None:
            return None
        return importlib.import_module(f"orderlens.commands.{module_name}").command


def command_settings() -> Settings:
    """The settings of this invocation, read from the environment once and shared by the
    group's checks and the command (the edge where the settings object is built).

    Raises:
        ValueError: When an ``ORDERLENS_*`` variable holds a value the settings refuse.
    """
    from orderlens.settings import Settings

    root = click.get_current_context().find_root()
    if root.obj is None:
        root.obj = Settings.from_env()
    return root.obj


def _protect_created_files() -> None:
    """Make every file and folder this process and its children (dbt, Dagster, the
    dashboard) create private to the owner, and warn once about a data directory or
    data file that others can already read. A warning, not a refusal: the folder may be
    shared on purpose; the fix is in the line."""
    from orderlens.settings import PRIVATE_UMASK

    os.umask(PRIVATE_UMASK)
    try:
        settings = command_settings()
    except ValueError:
        return
    for warning in settings.loose_permissions():
        click.echo(f"warning: {warning}", err=True)


def _describe_environment_error(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        return f"{error.strerror}{where}"
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="orderlens")
def main() -> None:
    """orderlens: process intelligence for retail order fulfillment.

    Reads the event logs of order, warehouse, ERP, transport, payment and middleware
    systems and turns them into exception, integration-health, process-mining and ROI
    analytics. The data directory is ORDERLENS_DATA_DIR (default ./data).
    """


if __name__ == "__main__":
    main()
