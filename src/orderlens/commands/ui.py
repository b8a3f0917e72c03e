"""``orderlens ui``: Dagster's web UI on 127.0.0.1 with the persistent Dagster home."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import click

from orderlens.cli import command_settings

DEFAULT_UI_PORT = 3000


@click.command("ui")
@click.option("--port", default=DEFAULT_UI_PORT, show_default=True, help="Port of the web UI.")
def command(port: int) -> None:
    """Start Dagster's web UI (assets, lineage, checks, runs, schedules, sensors).

    Run history lives in the Dagster home under the data directory, so it survives
    restarts. The UI and its daemon (which runs the schedules and the inbox sensor) are
    stopped together with Ctrl-C.
    """
    settings = command_settings()
    settings.ensure_dirs()
    dagster = Path(sys.executable).with_name("dagster")
    command_line = [
        str(dagster), "dev", "-m", "orchestration.definitions",
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    click.echo(f"Dagster UI: http://127.0.0.1:{port}/ (DAGSTER_HOME={settings.dagster_home})")
    process = subprocess.Popen(command_line, env=settings.subprocess_env(), start_new_session=True)
    # dagster dev ignores SIGTERM when it does not lead its own process group, so it gets
    # one (start_new_session), and on the way out the whole group gets the Ctrl-C it
    # shuts down cleanly on, then SIGKILL if it is still there.
    try:
        process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
