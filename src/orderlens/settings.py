"""The one settings object of orderlens.

Every component (CLI, Dagster, dbt, the dashboard) finds the data directory, the
warehouse and the serving copy through :class:`Settings`, never through a path written
twice. Settings are read from the environment only when :meth:`Settings.from_env` is
called, never at import time, so tests can build their own with a ``tmp_path``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_VARIABLE = "ORDERLENS_DATA_DIR"
PORT_VARIABLE = "ORDERLENS_PORT"
HOST_VARIABLE = "ORDERLENS_HOST"
REFERENCE_FILE_VARIABLE = "ORDERLENS_REFERENCE_FILE"
DEFAULT_PORT = 8050
DEFAULT_HOST = "127.0.0.1"


@dataclass(frozen=True)
class Settings:
    """Where orderlens keeps its data and how it serves the dashboard.

    Attributes:
        data_dir: Absolute path of the data directory holding inbox, warehouse,
            serving copy, reports and the Dagster home.
        host: Interface the dashboard listens on (loopback by default).
        port: Port the dashboard listens on.
        reference_file: A user's reference data (taxonomy, SLAs, costs) replacing the
            shipped defaults; ``None`` for the defaults.
    """

    data_dir: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    reference_file: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables (``ORDERLENS_*``), with defaults.

        Args:
            environ: The environment to read; ``os.environ`` when omitted.
        """
        env = os.environ if environ is None else environ
        data_dir = Path(env.get(DATA_DIR_VARIABLE) or "data").expanduser().resolve()
        port_text = env.get(PORT_VARIABLE) or str(DEFAULT_PORT)
        try:
            port = int(port_text)
        except ValueError as error:
            raise ValueError(f"{PORT_VARIABLE} must be a port number, got {port_text!r}") from error
        reference_text = env.get(REFERENCE_FILE_VARIABLE)
        return cls(
            data_dir=data_dir,
            host=env.get(HOST_VARIABLE) or DEFAULT_HOST,
            port=port,
            reference_file=Path(reference_text).resolve() if reference_text else None,
        )

    @property
    def inbox_dir(self) -> Path:
        """Folder where new source files are dropped for ingestion."""
        return self.data_dir / "inbox"

    @property
    def warehouse_path(self) -> Path:
        """The single writable DuckDB warehouse."""
        return self.data_dir / "warehouse.duckdb"

    @property
    def serving_path(self) -> Path:
        """The published read-only copy that the dashboard reads."""
        return self.data_dir / "serving.duckdb"

    @property
    def reports_dir(self) -> Path:
        """Folder for process-mining reports."""
        return self.data_dir / "reports"

    @property
    def dagster_home(self) -> Path:
        """Persistent Dagster instance directory (run history, schedules, sensors)."""
        return self.data_dir / "dagster_home"

    def ensure_dirs(self) -> None:
        """Create the data directory layout; a clear error if it cannot be written."""
        for folder in (self.data_dir, self.inbox_dir, self.reports_dir, self.dagster_home):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise OSError(f"cannot create {folder}: {error.strerror}") from error
        dagster_yaml = self.dagster_home / "dagster.yaml"
        if not dagster_yaml.exists():
            dagster_yaml.write_text("telemetry:\n  enabled: false\n")

    def subprocess_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment for child processes (dbt, Dagster, the dashboard) naming the same data.

        dbt's profile reads ``ORDERLENS_DATA_DIR`` through ``env_var``, so passing this
        environment is how dbt, Dagster and the app agree on one warehouse.
        """
        env = dict(os.environ if base is None else base)
        env[DATA_DIR_VARIABLE] = str(self.data_dir)
        env[PORT_VARIABLE] = str(self.port)
        env[HOST_VARIABLE] = self.host
        env["DAGSTER_HOME"] = str(self.dagster_home)
        if self.reference_file is not None:
            env[REFERENCE_FILE_VARIABLE] = str(self.reference_file)
        return env
