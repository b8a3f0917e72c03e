"""``orderlens serve``: the dashboard on 127.0.0.1 (port ``ORDERLENS_PORT``, default 8050)."""

from __future__ import annotations

import click

from orderlens.cli import command_settings


@click.command("serve")
def command() -> None:
    """Serve the executive dashboard until stopped (Ctrl-C).

    It reads only the published serving copy, read-only, so it can run while the
    pipeline rebuilds; new publications appear without a restart.
    """
    from dashboard.app import serve

    serve(command_settings())
