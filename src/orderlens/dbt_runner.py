"""Running the dbt project (staging -> intermediate -> marts) against the warehouse.

A thin adapter: it locates the repository's ``dbt_project`` and runs the venv's ``dbt``
with everything dbt needs from the :class:`~orderlens.settings.Settings` object as
command-line flags: the warehouse path as the dbt var ``warehouse_path`` (the profile
reads it), the analysis settings as further dbt vars (:func:`dbt_vars`), and dbt's
``target`` and log folders inside the data directory (``Settings.dbt_target_dir`` and
``Settings.dbt_log_dir``), so builds of different warehouses never overwrite each other's
manifest, compiled SQL or run results. Nothing travels through environment variables.

The CLI and the tests run dbt with :func:`run_dbt`; Dagster's dbt assets pass the same
vars with :func:`with_settings_vars` through dagster-dbt.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from orderlens.settings import Engine, LifecycleTreatment, Settings, make_private
from orderlens.spark_engine import prepare_spark_dirs, spark_conf

DBT_PROJECT_DIR: Path = Path(__file__).resolve().parents[2] / "dbt_project"
"""The repository's dbt project (it also holds ``profiles.yml``)."""


class DbtRunError(RuntimeError):
    """A dbt command exited with an error; the message carries dbt's own output."""


def dbt_executable() -> Path:
    """The ``dbt`` script installed next to the running Python interpreter."""
    return Path(sys.executable).with_name("dbt")


VARS_COMMANDS: frozenset[str] = frozenset(
    {
        "build", "run", "test", "compile", "parse", "docs", "list", "ls", "seed", "snapshot",
        "show", "debug", "run-operation", "retry", "clone",
    }
)  # fmt: skip
"""dbt subcommands that read the profile or render the project, and so receive the
settings' vars (the profile's warehouse path among them)."""

REBUILDING_COMMANDS: frozenset[str] = frozenset({"build", "run"})
"""dbt subcommands that (re)build incremental models."""

SELECTORS: frozenset[str] = frozenset({"--select", "-s", "--exclude", "--selector", "-m"})
"""Arguments that narrow a build: the treatment is recorded only after a whole build."""


SPARK_TARGET = "spark"
"""The profile's output for ``ORDERLENS_ENGINE=spark`` (the DuckDB one is the default)."""


def dbt_vars(settings: Settings) -> dict[str, object]:
    """The dbt vars derived from the settings: ``warehouse_path``, the DuckDB file the
    profile opens, and ``lifecycle``, the lifecycle treatment that
    ``int_process_events_selected`` (and so every process-flow mart) applies. On the
    ``spark`` engine also ``lake_location``, where the raw and reference tables are
    (``register_lake_sources``), and ``spark_conf``, the session's Spark configuration."""
    variables: dict[str, object] = {
        "warehouse_path": str(settings.warehouse_path),
        "lifecycle": settings.lifecycle.value,
    }
    if settings.engine is Engine.SPARK:
        variables["lake_location"] = settings.lake_location
        variables["spark_conf"] = spark_conf(settings)
    return variables


def lifecycle_state_path(settings: Settings) -> Path:
    """File recording the lifecycle treatment the warehouse's process-flow marts were built with."""
    return settings.dbt_dir / "lifecycle_treatment"


INCREMENTAL_MARTS_VERSION = 2
"""Raised when the incremental marts' rows change meaning for the same events, so that a
warehouse built before is rebuilt whole once. 2: the variant fingerprint is computed from
MD5, the same number on every engine (it was DuckDB's ``hash``)."""


def built_lifecycle(settings: Settings) -> LifecycleTreatment | None:
    """The treatment of the last successful build, ``None`` if unknown: never recorded, or
    recorded by a build of other incremental marts (:data:`INCREMENTAL_MARTS_VERSION`)."""
    try:
        treatment, version = lifecycle_state_path(settings).read_text().split()
        if int(version) != INCREMENTAL_MARTS_VERSION:
            return None
        return LifecycleTreatment(treatment)
    except (OSError, ValueError):
        return None


def record_built_lifecycle(settings: Settings) -> None:
    """Record the settings' treatment after a successful build (see :func:`with_settings_vars`)."""
    path = lifecycle_state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{settings.lifecycle.value} {INCREMENTAL_MARTS_VERSION}\n")
    make_private(path)


def with_settings_vars(settings: Settings, args: Sequence[str]) -> list[str]:
    """``args`` with the settings' dbt vars, and ``--full-refresh`` when the build would
    otherwise mix lifecycle treatments.

    The process-flow marts ``fct_case_transitions`` and ``fct_case_traces`` are
    incremental: they rebuild only the cases with new events. A build under another
    lifecycle treatment than the recorded one (or none recorded, as in warehouses built
    before the setting existed) must rebuild them whole, or old cases would keep the
    previous treatment. Call :func:`record_built_lifecycle` once a whole build succeeds.
    """
    command = list(args)
    if not command or command[0] not in VARS_COMMANDS:
        return command
    command += ["--vars", json.dumps(dbt_vars(settings))]
    rebuilds = command[0] in REBUILDING_COMMANDS and "--full-refresh" not in command
    if rebuilds and built_lifecycle(settings) is not settings.lifecycle:
        command.append("--full-refresh")
    return command


def dbt_settings_flags(settings: Settings) -> list[str]:
    """The flags that keep dbt's target and log folders in the settings' data directory,
    and choose the profile's output of the settings' engine."""
    target = ["--target", SPARK_TARGET] if settings.engine is Engine.SPARK else []
    return [
        *target,
        "--target-path",
        str(settings.dbt_target_dir),
        "--log-path",
        str(settings.dbt_log_dir),
    ]


def dbt_command(settings: Settings, args: Sequence[str]) -> list[str]:
    """The whole command line of one dbt command on the settings' warehouse.

    Args:
        settings: Whose warehouse, vars and data directory dbt uses.
        args: The dbt subcommand and its arguments (``["build"]``).
    """
    return [
        str(dbt_executable()),
        *with_settings_vars(settings, args),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        *dbt_settings_flags(settings),
    ]


def run_dbt(settings: Settings, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run one dbt command (for example ``["build"]``) on the settings' warehouse.

    Args:
        settings: Whose data directory holds the warehouse dbt writes.
        args: The dbt subcommand and its arguments; the settings' vars are added (see
            :func:`with_settings_vars`).

    Returns:
        The finished process, with dbt's output in ``stdout``; the artifacts
        (``run_results.json``, ``manifest.json``, docs) are in ``settings.dbt_target_dir``.

    Raises:
        DbtRunError: dbt exited with a non-zero status; the message ends with its output.
    """
    if settings.engine is Engine.SPARK:
        prepare_spark_dirs(settings)
    completed = subprocess.run(
        dbt_command(settings, args),
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
    if args and args[0] in REBUILDING_COMMANDS and not SELECTORS & set(args):
        record_built_lifecycle(settings)
    return completed
