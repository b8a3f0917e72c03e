"""Running the dbt project (staging -> intermediate -> marts) against the warehouse.

A thin adapter: it locates the repository's ``dbt_project`` and runs the venv's ``dbt``
with the project and profiles directories and the settings' environment, so dbt's
profile finds the same warehouse (``ORDERLENS_DATA_DIR``) as everything else. Dagster
uses :data:`DBT_PROJECT_DIR` with dagster-dbt; the CLI and the tests use :func:`run_dbt`,
which keeps dbt's artifacts (``target``, logs) beside the warehouse it builds, so builds of
different warehouses running at the same time never overwrite each other's manifest,
compiled SQL or run results.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from orderlens.settings import Settings

DBT_PROJECT_DIR: Path = Path(__file__).resolve().parents[2] / "dbt_project"
"""The repository's dbt project (it also holds ``profiles.yml``)."""


class DbtRunError(RuntimeError):
    """A dbt command exited with an error; the message carries dbt's own output."""


def dbt_executable() -> Path:
    """The ``dbt`` script installed next to the running Python interpreter."""
    return Path(sys.executable).with_name("dbt")


def dbt_artifacts_dir(settings: Settings) -> Path:
    """Where :func:`run_dbt` keeps dbt's ``target`` and ``logs`` for the settings' warehouse."""
    return settings.data_dir / "dbt"


def run_dbt(settings: Settings, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run one dbt command (for example ``["build"]``) on the settings' warehouse.

    Args:
        settings: Whose data directory holds the warehouse dbt writes.
        args: The dbt subcommand and its arguments.

    Returns:
        The finished process, with dbt's output in ``stdout``; the artifacts
        (``run_results.json``, ``manifest.json``, docs) are under
        ``dbt_artifacts_dir(settings) / "target"``.

    Raises:
        DbtRunError: dbt exited with a non-zero status; the message ends with its output.
    """
    command = [
        str(dbt_executable()),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(dbt_artifacts_dir(settings) / "target"),
        "--log-path",
        str(dbt_artifacts_dir(settings) / "logs"),
    ]
    completed = subprocess.run(
        command,
        env=settings.subprocess_env(),
        cwd=DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        output = (completed.stdout + completed.stderr).strip()
        raise DbtRunError(
            f"dbt {' '.join(args)} failed with exit code {completed.returncode} "
            f"(warehouse {settings.warehouse_path}):\n{output[-8000:]}"
        )
    return completed
