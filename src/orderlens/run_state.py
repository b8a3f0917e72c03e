"""Whether ``orderlens run`` has anything to do, decided before any library starts.

A run's outputs (marts, mining, triage, the serving copy, the report) are a function of
three inputs: the files ingested so far, the settings, and the project's code and dbt
models. After a successful run, a digest of those inputs is written to the data
directory. The next run first looks for inbox files the ingest ledger does not know; when
there are none and the digest is unchanged, the run has nothing to do and says so,
without starting Dagster or dbt. Any new file, changed setting, reference-data edit or
model change makes the digest differ, and the whole asset graph runs as before.

The digest is not a cache of results: it is the lineage of the last published outputs,
the same facts Dagster's inbox sensor uses (the ledger) plus what shapes a build.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from orderlens.ingest import pending_inbox_files
from orderlens.ingest.manifest import read_ledger
from orderlens.settings import Settings, make_private

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BUILD_INPUT_FOLDERS = ("dbt_project", "src/orderlens", "process_mining", "orchestration")
"""Code and models whose edit changes what a run builds (their files' size and mtime)."""
BUILD_INPUT_SUFFIXES = (".py", ".sql", ".yml", ".yaml", ".csv", ".bpmn", ".json")


@dataclass(frozen=True)
class LastRun:
    """The last successful run, as recorded in the data directory."""

    inputs_digest: str
    finished_at: str
    run_id: str


def state_path(settings: Settings) -> Path:
    """Where the last successful run is recorded."""
    return settings.dagster_home / "last_successful_run.json"


def inputs_digest(settings: Settings) -> str:
    """Digest of everything a run's outputs depend on: ledger, settings, code and models."""
    digest = hashlib.sha256()
    for entry in sorted(read_ledger(settings.ingest_ledger_path), key=lambda e: e.checksum):
        digest.update(f"file {entry.checksum}\n".encode())
    for item in fields(settings):
        digest.update(f"setting {item.name}={getattr(settings, item.name)!r}\n".encode())
    for extra in (settings.reference_file, settings.reference_model):
        if extra is not None:
            digest.update(f"input {_stat_line(extra)}\n".encode())
    digest.update(f"version {_version()}\n".encode())
    for folder in BUILD_INPUT_FOLDERS:
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            if path.suffix in BUILD_INPUT_SUFFIXES and "target" not in path.parts:
                digest.update(f"code {_stat_line(path)}\n".encode())
    return digest.hexdigest()


def up_to_date(settings: Settings) -> LastRun | None:
    """The last successful run, when nothing has changed since it; otherwise None."""
    path = state_path(settings)
    if not path.exists() or not settings.serving_path.exists():
        return None
    try:
        last = LastRun(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        return None
    if pending_inbox_files(settings):
        return None
    return last if last.inputs_digest == inputs_digest(settings) else None


def record_successful_run(settings: Settings, run_id: str) -> None:
    """Remember the inputs of a run that succeeded, taken after it: the ledger then holds
    the files it ingested, and a file arriving during the run is still pending next time."""
    digest = inputs_digest(settings)
    path = state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    finished = datetime.now(UTC).isoformat(timespec="seconds")
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(asdict(LastRun(digest, finished, run_id))), encoding="utf-8")
    make_private(temporary)
    temporary.replace(path)


def forget_last_run(settings: Settings) -> None:
    """Make the next run do the work whatever the digest (a failed or forced run)."""
    state_path(settings).unlink(missing_ok=True)


def _stat_line(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return f"{path} missing"
    return f"{path} {stat.st_size} {stat.st_mtime_ns}"


def _version() -> str:
    try:
        return metadata.version("orderlens")
    except metadata.PackageNotFoundError:
        return "unknown"
