"""The one settings object of orderlens.

Every component (CLI, Dagster, dbt, the dashboard) finds the data directory, the
warehouse and the serving copy through :class:`Settings`, never through a path written
twice. Settings are read from the environment only when :meth:`Settings.from_env` is
called, never at import time, so tests can build their own with a ``tmp_path``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

DATA_DIR_VARIABLE = "ORDERLENS_DATA_DIR"
PORT_VARIABLE = "ORDERLENS_PORT"
HOST_VARIABLE = "ORDERLENS_HOST"
REFERENCE_FILE_VARIABLE = "ORDERLENS_REFERENCE_FILE"
SECRET_KEY_VARIABLE = "ORDERLENS_SECRET_KEY"
USERS_FILE_VARIABLE = "ORDERLENS_USERS_FILE"
SESSION_HOURS_VARIABLE = "ORDERLENS_SESSION_HOURS"
SESSION_IDLE_MINUTES_VARIABLE = "ORDERLENS_SESSION_IDLE_MINUTES"
PSEUDONYMIZATION_KEY_VARIABLE = "ORDERLENS_PSEUDONYMIZATION_KEY"
PLAUSIBLE_FROM_VARIABLE = "ORDERLENS_PLAUSIBLE_FROM"
PLAUSIBLE_UNTIL_VARIABLE = "ORDERLENS_PLAUSIBLE_UNTIL"
REFERENCE_MODEL_VARIABLE = "ORDERLENS_REFERENCE_MODEL"
LIFECYCLE_VARIABLE = "ORDERLENS_LIFECYCLE"
FREE_TEXT_VARIABLE = "ORDERLENS_FREE_TEXT"
WAREHOUSE_LOCK_TIMEOUT_VARIABLE = "ORDERLENS_WAREHOUSE_LOCK_TIMEOUT"
BEHIND_TLS_VARIABLE = "ORDERLENS_BEHIND_TLS"
TRUSTED_PROXY_VARIABLE = "ORDERLENS_TRUSTED_PROXY"
GROUND_TRUTH_FILE_VARIABLE = "ORDERLENS_GROUND_TRUTH_FILE"
CACHE_DIR_VARIABLE = "ORDERLENS_CACHE_DIR"
ENGINE_VARIABLE = "ORDERLENS_ENGINE"
SPARK_MASTER_VARIABLE = "ORDERLENS_SPARK_MASTER"
LAKE_VARIABLE = "ORDERLENS_LAKE"
DEFAULT_SPARK_MASTER = "local[2]"
DEFAULT_PORT = 8050
DEFAULT_HOST = "127.0.0.1"
DEFAULT_SESSION_HOURS = 8.0
DEFAULT_SESSION_IDLE_MINUTES = 30.0
DEFAULT_PLAUSIBLE_FROM = date(1990, 1, 1)
"""Events before this day are taken as placeholders (epoch zero, 0001-01-01), not facts."""
DEFAULT_WAREHOUSE_LOCK_TIMEOUT_SECONDS = 60.0
"""How long a writer waits for another process to release the warehouse."""
PRIVATE_DIRECTORY_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
PRIVATE_UMASK = 0o077
"""The process umask of orderlens entry points: what they create is for their owner only."""


class FreeTextHandling(StrEnum):
    """What ingestion does with free-text columns (notes, comments, descriptions).

    Free text may mention anyone in any words, so it cannot be pseudonymized as a whole
    value the way an email column can.
    """

    SCRUB = "scrub"
    """Keep the text with every email, card number, IBAN and phone number in it replaced
    by a placeholder (``[email withheld]``)."""
    EXCLUDE = "exclude"
    """Keep none of it: the column (or ``attributes`` key) does not reach the warehouse."""


class LifecycleTreatment(StrEnum):
    """How the process map, variants, rework and conformance read lifecycle transitions.

    A step logged as START and COMPLETE is one step done once: read as two events it
    counts as a repetition (rework) and doubles the map's boxes.
    """

    COMPLETIONS = "completions"
    """Only events whose lifecycle is ``complete`` or absent (Disco's and Celonis's
    default): one event per step; a log without lifecycle data is read whole."""
    ACTIVITY_TRANSITION = "activity_transition"
    """Every event, named ``activity+transition`` (``Pick+start``), as ProM's and pm4py's
    ``concept:name`` + ``lifecycle:transition`` classifier does; events without a
    transition keep their name."""
    ALL = "all"
    """Every event under its activity name, transitions ignored (pm4py's default)."""


class Engine(StrEnum):
    """The SQL engine that holds the raw tables and builds the dbt marts."""

    DUCKDB = "duckdb"
    """One embedded DuckDB file (``warehouse.duckdb``): the default, and the fastest on
    one machine."""
    SPARK = "spark"
    """A Spark cluster (``ORDERLENS_SPARK_MASTER``) over Parquet tables in a lake
    (``ORDERLENS_LAKE``), for logs one machine cannot hold (``docs/scale-out.md``)."""


def make_private(path: Path) -> None:
    """Give a file orderlens wrote mode 0600 (owner read and write only), whatever the
    process umask was when it was created."""
    if path.stat().st_mode & 0o777 != PRIVATE_FILE_MODE:
        path.chmod(PRIVATE_FILE_MODE)


def _day(env: Mapping[str, str], name: str) -> date | None:
    text = env.get(name)
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise ValueError(f"{name} must be a date written YYYY-MM-DD, got {text!r}") from error


def _positive_number(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name) or str(default)
    try:
        value = float(text)
    except ValueError as error:
        raise ValueError(f"{name} must be a number, got {text!r}") from error
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {text!r}")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    text = (env.get(name) or "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"{name} must be true or false, got {text!r}")


def _non_negative_number(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name) or str(default)
    try:
        value = float(text)
    except ValueError as error:
        raise ValueError(f"{name} must be a number of seconds, got {text!r}") from error
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {text!r}")
    return value


Choice = TypeVar("Choice", bound=StrEnum)


def _choice(
    env: Mapping[str, str], variable: str, choices: type[Choice], default: Choice
) -> Choice:
    """The member of ``choices`` that ``variable`` names (any case), ``default`` if unset."""
    text = (env.get(variable) or default.value).strip().lower()
    try:
        return choices(text)
    except ValueError as error:
        allowed = ", ".join(member.value for member in choices)
        raise ValueError(f"{variable} must be one of {allowed}, got {text!r}") from error


def _default_cache_dir(env: Mapping[str, str]) -> Path:
    if env.get(CACHE_DIR_VARIABLE):
        return Path(env[CACHE_DIR_VARIABLE]).expanduser().resolve()
    base = env.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    return Path(base).resolve() / "orderlens"


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
        secret_key: Key signing the dashboard's session cookies; ``None`` means the key
            file in the data directory (``secret_key_path``). There is no default key.
        users_file: The dashboard's users and roles; ``None`` for ``users.yaml`` in the
            data directory.
        session_hours: A dashboard login lasts at most this long.
        session_idle_minutes: A dashboard login ends after this long without a request.
        pseudonymization_key: Key of the HMAC-SHA256 that replaces personal data
            (customer ids, names, emails, phones, addresses) at ingestion. ``None`` means
            the key file in the data directory (``pseudonymization_key_path``), which the
            first ingest meeting personal data creates with a random key (mode 0600), so a
            public log with a ``customer`` column loads on day one; keep that file (or set
            this) to keep pseudonyms stable. A set key always wins over the file.
        plausible_from: First day (UTC) an event may fall on; earlier timestamps are
            quarantined as implausible. A mapping's ``plausible_from`` or
            ``relative_timestamps`` overrides it for its files.
        plausible_until: Last day (UTC) an event may fall on; ``None`` means one year
            after the ingestion. A mapping's ``plausible_until`` overrides it.
        reference_model: A BPMN file of the user's process that conformance is measured
            against; ``None`` lets the log decide (the retail reference model for a retail
            log, else a model discovered from its frequent variants).
        lifecycle: Which events, under which names, the process-flow marts and process
            mining read (``ORDERLENS_LIFECYCLE``; see :class:`LifecycleTreatment`).
        behind_tls: The dashboard is reached only over HTTPS (``ORDERLENS_BEHIND_TLS``,
            usually through a TLS-terminating proxy): cookies are marked ``Secure`` so a
            browser never sends them in clear, and responses carry HSTS so it never tries.
        trusted_proxy: Address of the reverse proxy in front of the dashboard
            (``ORDERLENS_TRUSTED_PROXY``): requests from it are taken to come from the
            client its ``X-Forwarded-For`` names, so login limits key on real clients
            rather than on the proxy; ``None`` ignores that header from anyone.
        free_text: Whether free-text columns are scrubbed of personal data or left out of
            the warehouse (``ORDERLENS_FREE_TEXT``); a mapping's ``free_text_handling``
            overrides it for its files.
        warehouse_lock_timeout_seconds: How long a writer waits while another process
            holds the warehouse (``ORDERLENS_WAREHOUSE_LOCK_TIMEOUT``, seconds; 0 gives
            up at once) before failing with exit status 3.
        ground_truth_file: A simulator ``ground_truth.json`` the pipeline's report scores
            its root causes against (``ORDERLENS_GROUND_TRUTH_FILE``); ``None`` scores
            nothing. Only a user who simulated the data has an answer key, so the report
            never looks for one by itself.
        cache_dir: Where work that depends only on the installed code is kept for every
            data directory (``ORDERLENS_CACHE_DIR``; default ``$XDG_CACHE_HOME/orderlens``
            or ``~/.cache/orderlens``): today the dbt manifest, so a new data directory
            does not parse the dbt project before its first run. Deleting it is safe.
        engine: Which engine holds the raw tables and builds the marts
            (``ORDERLENS_ENGINE``; see :class:`Engine`).
        spark_master: The Spark cluster the ``spark`` engine runs on
            (``ORDERLENS_SPARK_MASTER``): a ``spark://host:port`` URL, ``yarn``, a
            ``k8s://`` URL, or ``local[N]`` for N threads in one process.
        lake: Path or URI (``s3a://bucket/orderlens``) under which the ``spark`` engine
            keeps its raw, reference and mart tables as Parquet (``ORDERLENS_LAKE``;
            default ``lake`` in the data directory). Every Spark executor must reach it.
    """

    data_dir: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    reference_file: Path | None = None
    secret_key: str | None = field(default=None, repr=False)
    users_file: Path | None = None
    session_hours: float = DEFAULT_SESSION_HOURS
    session_idle_minutes: float = DEFAULT_SESSION_IDLE_MINUTES
    pseudonymization_key: str | None = field(default=None, repr=False)
    plausible_from: date = DEFAULT_PLAUSIBLE_FROM
    plausible_until: date | None = None
    reference_model: Path | None = None
    lifecycle: LifecycleTreatment = LifecycleTreatment.COMPLETIONS
    behind_tls: bool = False
    trusted_proxy: str | None = None
    free_text: FreeTextHandling = FreeTextHandling.SCRUB
    warehouse_lock_timeout_seconds: float = DEFAULT_WAREHOUSE_LOCK_TIMEOUT_SECONDS
    ground_truth_file: Path | None = None
    cache_dir: Path = field(default_factory=lambda: _default_cache_dir(os.environ))
    engine: Engine = Engine.DUCKDB
    spark_master: str = DEFAULT_SPARK_MASTER
    lake: str | None = None

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
        users_text = env.get(USERS_FILE_VARIABLE)
        model_text = env.get(REFERENCE_MODEL_VARIABLE)
        truth_text = env.get(GROUND_TRUTH_FILE_VARIABLE)
        return cls(
            data_dir=data_dir,
            host=env.get(HOST_VARIABLE) or DEFAULT_HOST,
            port=port,
            reference_file=Path(reference_text).resolve() if reference_text else None,
            secret_key=env.get(SECRET_KEY_VARIABLE) or None,
            users_file=Path(users_text).expanduser().resolve() if users_text else None,
            session_hours=_positive_number(env, SESSION_HOURS_VARIABLE, DEFAULT_SESSION_HOURS),
            session_idle_minutes=_positive_number(
                env, SESSION_IDLE_MINUTES_VARIABLE, DEFAULT_SESSION_IDLE_MINUTES
            ),
            pseudonymization_key=env.get(PSEUDONYMIZATION_KEY_VARIABLE) or None,
            plausible_from=_day(env, PLAUSIBLE_FROM_VARIABLE) or DEFAULT_PLAUSIBLE_FROM,
            plausible_until=_day(env, PLAUSIBLE_UNTIL_VARIABLE),
            reference_model=Path(model_text).expanduser().resolve() if model_text else None,
            lifecycle=_choice(
                env, LIFECYCLE_VARIABLE, LifecycleTreatment, LifecycleTreatment.COMPLETIONS
            ),
            behind_tls=_flag(env, BEHIND_TLS_VARIABLE),
            trusted_proxy=(env.get(TRUSTED_PROXY_VARIABLE) or "").strip() or None,
            free_text=_choice(env, FREE_TEXT_VARIABLE, FreeTextHandling, FreeTextHandling.SCRUB),
            warehouse_lock_timeout_seconds=_non_negative_number(
                env, WAREHOUSE_LOCK_TIMEOUT_VARIABLE, DEFAULT_WAREHOUSE_LOCK_TIMEOUT_SECONDS
            ),
            ground_truth_file=Path(truth_text).expanduser().resolve() if truth_text else None,
            cache_dir=_default_cache_dir(env),
            engine=_choice(env, ENGINE_VARIABLE, Engine, Engine.DUCKDB),
            spark_master=(env.get(SPARK_MASTER_VARIABLE) or "").strip() or DEFAULT_SPARK_MASTER,
            lake=(env.get(LAKE_VARIABLE) or "").strip() or None,
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
    def ingest_ledger_path(self) -> Path:
        """The ingest ledger (JSON lines): every file processed, so each loads exactly once."""
        return self.data_dir / "ingest_ledger.jsonl"

    @property
    def users_path(self) -> Path:
        """The dashboard's users, roles and salted password hashes (YAML)."""
        return self.users_file or self.data_dir / "users.yaml"

    @property
    def secret_key_path(self) -> Path:
        """File holding the session-signing key when ``ORDERLENS_SECRET_KEY`` is not set."""
        return self.data_dir / "secret_key"

    @property
    def sessions_path(self) -> Path:
        """The dashboard's open sessions (SQLite, mode 0600): deleting a row ends one."""
        return self.data_dir / "sessions.sqlite3"

    @property
    def pseudonymization_key_path(self) -> Path:
        """File holding the pseudonymization key when ``ORDERLENS_PSEUDONYMIZATION_KEY`` is
        not set; the first ingest meeting personal data creates it."""
        return self.data_dir / "pseudonymization_key"

    @property
    def dagster_home(self) -> Path:
        """Persistent Dagster instance directory (run history, schedules, sensors)."""
        return self.data_dir / "dagster_home"

    @property
    def dbt_dir(self) -> Path:
        """dbt's state for this warehouse: its artifacts and the lifecycle treatment built.

        Kept beside the warehouse, not in the source tree, so builds of two data
        directories never overwrite each other's manifest, compiled SQL or run results.
        """
        return self.data_dir / "dbt"

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's ``target`` folder (``--target-path``): manifest, partial parse, run results."""
        return self.dbt_dir / "target"

    @property
    def dbt_manifest_cache_dir(self) -> Path:
        """Parsed dbt manifests by the project's content and vars, shared by data
        directories (see ``orchestration.defs.transform.assets.dbt_project``)."""
        return self.cache_dir / "dbt-manifests"

    @property
    def dbt_log_dir(self) -> Path:
        """dbt's log folder (``--log-path``)."""
        return self.dbt_dir / "logs"

    @property
    def lake_location(self) -> str:
        """Root of the ``spark`` engine's tables: ``lake`` if set, else ``<data>/lake``.

        Below it: ``raw/<table>/<load_id>/`` (one folder per ingested file, written by
        Spark), ``reference/<table>/`` and ``warehouse/`` (dbt's schemas, Spark's
        ``spark.sql.warehouse.dir``).
        """
        return (self.lake or str(self.data_dir / "lake")).rstrip("/")

    @property
    def spark_dir(self) -> Path:
        """The ``spark`` engine's local state: the metastore (table catalog) and the
        event logs Spark's history server reads."""
        return self.data_dir / "spark"

    @property
    def logs_dir(self) -> Path:
        """Console output of quiet pipeline runs."""
        return self.data_dir / "logs"

    @property
    def last_run_log_path(self) -> Path:
        """What the libraries printed during the last quiet ``orderlens run``."""
        return self.logs_dir / "last_run.log"

    @property
    def models_dir(self) -> Path:
        """Saved triage risk models."""
        return self.data_dir / "models"

    def ensure_dirs(self) -> None:
        """Create the data directory layout; a clear error if it cannot be written.

        Folders it creates are private to their owner (mode 0700): the data directory
        holds personal data (pseudonymized, but also the key that made the pseudonyms).
        An existing folder keeps its mode; :meth:`loose_permissions` reports it.
        """
        for folder in (self.data_dir, self.inbox_dir, self.reports_dir, self.dagster_home):
            try:
                folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIRECTORY_MODE)
            except OSError as error:
                raise OSError(f"cannot create {folder}: {error.strerror}") from error
        dagster_yaml = self.dagster_home / "dagster.yaml"
        if not dagster_yaml.exists():
            dagster_yaml.write_text("telemetry:\n  enabled: false\n")
            make_private(dagster_yaml)

    def loose_permissions(self) -> list[str]:
        """Warnings for an existing data directory, or a file orderlens writes directly in
        it, that others may read (group or other permission bits set); empty when none.

        The files named are the warehouse, the serving copy, the ingest ledger, the key
        files and the users file.
        """
        warnings: list[str] = []
        if not self.data_dir.is_dir():
            return warnings
        mode = self.data_dir.stat().st_mode & 0o777
        if mode & ~PRIVATE_DIRECTORY_MODE:
            warnings.append(
                f"the data directory {self.data_dir} is open to other users (mode {mode:04o}): "
                f"run chmod 700 {self.data_dir}"
            )
        for path in (
            self.warehouse_path,
            self.serving_path,
            self.ingest_ledger_path,
            self.pseudonymization_key_path,
            self.secret_key_path,
            self.users_path,
            self.sessions_path,
        ):
            if path.is_file() and path.stat().st_mode & 0o777 & ~PRIVATE_FILE_MODE:
                file_mode = path.stat().st_mode & 0o777
                warnings.append(
                    f"{path} is open to other users (mode {file_mode:04o}): run chmod 600 {path}"
                )
        return warnings

    def subprocess_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment for child orderlens processes (``dagster dev``, a dashboard server)
        that build their own settings with :meth:`from_env`: the same settings, written
        back into the variables they came from.

        dbt needs none of it: it gets the warehouse path and its folders as command-line
        flags (see :mod:`orderlens.dbt_runner`).
        """
        env = dict(os.environ if base is None else base)
        env[DATA_DIR_VARIABLE] = str(self.data_dir)
        env[PORT_VARIABLE] = str(self.port)
        env[HOST_VARIABLE] = self.host
        env["DAGSTER_HOME"] = str(self.dagster_home)
        if self.reference_file is not None:
            env[REFERENCE_FILE_VARIABLE] = str(self.reference_file)
        if self.secret_key is not None:
            env[SECRET_KEY_VARIABLE] = self.secret_key
        if self.users_file is not None:
            env[USERS_FILE_VARIABLE] = str(self.users_file)
        env[SESSION_HOURS_VARIABLE] = str(self.session_hours)
        env[SESSION_IDLE_MINUTES_VARIABLE] = str(self.session_idle_minutes)
        if self.pseudonymization_key is not None:
            env[PSEUDONYMIZATION_KEY_VARIABLE] = self.pseudonymization_key
        env[PLAUSIBLE_FROM_VARIABLE] = self.plausible_from.isoformat()
        if self.plausible_until is not None:
            env[PLAUSIBLE_UNTIL_VARIABLE] = self.plausible_until.isoformat()
        if self.reference_model is not None:
            env[REFERENCE_MODEL_VARIABLE] = str(self.reference_model)
        env[LIFECYCLE_VARIABLE] = self.lifecycle.value
        env[BEHIND_TLS_VARIABLE] = "true" if self.behind_tls else "false"
        if self.trusted_proxy is not None:
            env[TRUSTED_PROXY_VARIABLE] = self.trusted_proxy
        env[FREE_TEXT_VARIABLE] = self.free_text.value
        env[WAREHOUSE_LOCK_TIMEOUT_VARIABLE] = str(self.warehouse_lock_timeout_seconds)
        if self.ground_truth_file is not None:
            env[GROUND_TRUTH_FILE_VARIABLE] = str(self.ground_truth_file)
        env[CACHE_DIR_VARIABLE] = str(self.cache_dir)
        env[ENGINE_VARIABLE] = self.engine.value
        env[SPARK_MASTER_VARIABLE] = self.spark_master
        if self.lake is not None:
            env[LAKE_VARIABLE] = self.lake
        return env
