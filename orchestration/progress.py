"""Quiet, useful progress for a pipeline run: one line per stage, a bar while dbt builds.

Dagster's console logger prints every event of a run at DEBUG level (about a thousand
lines, the same warning many times), which hides what a user wants to know: which stage
is running, how long it took, how many rows it moved and what it skipped. A
:class:`StageProgress` receives the same event records through a Dagster logger and
prints one line per stage instead; ``orderlens run --verbose`` keeps Dagster's own log.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import IO, Any

import dagster as dg
from tqdm import tqdm

LOGGER_NAME = "orderlens_progress"

STAGE_ORDER: tuple[str, ...] = ("ingest", "dbt", "mining", "triage", "publish", "report")

STAGE_OF_STEP_PREFIX: tuple[tuple[str, str], ...] = (
    ("reference", "ingest"),
    ("raw", "ingest"),
    ("dbt", "dbt"),
    ("staging__", "dbt"),
    ("intermediate__", "dbt"),
    ("marts__", "dbt"),
    ("mining_report", "report"),
    ("mining__report", "report"),
    ("mining", "mining"),
    ("triage", "triage"),
    ("serving", "publish"),
)
"""Step-key prefix -> the stage a user recognises (first match wins); a check's step is
keyed by its asset (``raw__workflow_events_...``) and counts with that asset's stage."""


def stage_of_step(step_key: str) -> str:
    """The user-facing stage of a Dagster step (``dbt_models`` -> ``dbt``)."""
    for prefix, stage in STAGE_OF_STEP_PREFIX:
        if step_key.startswith(prefix):
            return stage
    return step_key


@dataclass
class StageTally:
    """What one stage did so far."""

    name: str
    seconds: float = 0.0
    assets: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    checks_passed: int = 0
    checks_failed: int = 0
    skipped: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    failed: bool = False

    def describe(self) -> str:
        """The stage's line after its name and time, in words."""
        parts: list[str] = []
        if self.name == "ingest":
            parts.append(f"{self.rows_loaded:,} rows loaded, {self.rows_quarantined:,} quarantined")
        elif self.assets and self.name != "publish":
            noun = "model" if self.name == "dbt" else "table"
            parts.append(f"{self.assets} {noun}{'s' if self.assets != 1 else ''}")
        if self.checks_passed or self.checks_failed:
            parts.append(f"{self.checks_passed} checks passed, {self.checks_failed} failed")
        parts += self.facts
        if self.skipped:
            parts.append(f"skipped: {', '.join(self.skipped)}")
        if self.failed:
            parts.append("FAILED")
        return "; ".join(parts)


def _metadata_value(metadata: dict[str, Any], key: str) -> Any:
    entry = metadata.get(key)
    return getattr(entry, "value", entry)


DBT_OBSERVATION_WARNING = "Logging an `AssetObservation` instead of an `AssetCheckResult`"
"""dagster-dbt's warning for a dbt test that is not one of the step's asset checks: tests
on the raw and reference sources (their assets are the ingestion assets, not dbt's) and
relationship tests reaching a model outside the selection. Those tests still run inside
``dbt build`` and a failing one fails the dbt step; only their record in Dagster is an
observation instead of a check. Made checks, the source tests would tie the ingestion
assets to the dbt step and split it in pieces, so the warning is left out of the stage
lines on purpose (``--verbose`` still shows it)."""


class StageProgress:
    """Turns a run's Dagster event records into one line per stage on ``stream``.

    Args:
        stream: Where the lines go (the terminal); ``None`` keeps them to itself.
        dbt_models: How many dbt models a full build materializes (the progress bar's
            total); ``0`` for no bar.
    """

    def __init__(self, stream: IO[str] | None, *, dbt_models: int = 0) -> None:
        self.stream = stream
        self.dbt_models = dbt_models
        self.stages: dict[str, StageTally] = {}
        self.current: StageTally | None = None
        self.step_started: dict[str, float] = {}
        self.bar: tqdm | None = None
        self.warnings: dict[str, int] = {}

    def handle(self, record: logging.LogRecord) -> None:
        """Take one Dagster log record: a step starting or ending, an asset, a check."""
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None:
            if record.levelno >= logging.WARNING:
                message = str(meta.get("orig_message", record.getMessage()))
                if not message.startswith(DBT_OBSERVATION_WARNING):
                    first_line = message.splitlines()[0]
                    self.warnings[first_line] = self.warnings.get(first_line, 0) + 1
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            self._start_step(event.step_key or "")
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            self._end_step(event.step_key or "", failed=kind == "STEP_FAILURE")
        elif kind == "ASSET_MATERIALIZATION" and self.current is not None:
            self._count_materialization(event.event_specific_data.materialization)
        elif kind == "ASSET_CHECK_EVALUATION" and self.current is not None:
            if event.event_specific_data.passed:
                self.current.checks_passed += 1
            else:
                self.current.checks_failed += 1

    def _start_step(self, step_key: str) -> None:
        stage = stage_of_step(step_key)
        self.current = self.stages.setdefault(stage, StageTally(stage))
        self.step_started[step_key] = time.perf_counter()
        if step_key.startswith("dbt") and self.dbt_models:
            self.bar = tqdm(
                total=self.dbt_models,
                desc="dbt",
                unit="model",
                file=self.stream,
                leave=False,
                disable=self.stream is None or not self.stream.isatty(),
            )

    def _end_step(self, step_key: str, *, failed: bool) -> None:
        started = self.step_started.pop(step_key, None)
        tally = self.stages.get(stage_of_step(step_key))
        if tally is not None and started is not None:
            tally.seconds += time.perf_counter() - started
            tally.failed = tally.failed or failed
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def _count_materialization(self, materialization: dg.AssetMaterialization) -> None:
        tally = self.current
        if tally is None:
            return
        tally.assets += 1
        if self.bar is not None:
            self.bar.update(1)
        metadata = dict(materialization.metadata)
        tally.rows_loaded += int(_metadata_value(metadata, "rows_loaded_this_run") or 0)
        tally.rows_quarantined += int(_metadata_value(metadata, "rows_quarantined_this_run") or 0)
        if _metadata_value(metadata, "skipped"):
            tally.skipped.append(materialization.asset_key.to_user_string())
        for key, label in (("variants", "variants"), ("scored", "scored"), ("rows", "rows")):
            value = _metadata_value(metadata, key)
            if tally.name in ("mining", "triage", "publish") and isinstance(value, int) and value:
                tally.facts.append(f"{value:,} {label}")

    def print_stages(self) -> None:
        """One line per stage of the run that just ended, in the order data flows."""
        order = {stage: index for index, stage in enumerate(STAGE_ORDER)}
        for tally in sorted(self.stages.values(), key=lambda s: order.get(s.name, len(order))):
            self._write(f"{tally.name:<8}{tally.seconds:6.1f} s  {tally.describe()}")
        self.stages.clear()
        self.current = None

    def _write(self, line: str) -> None:
        if self.stream is not None:
            self.stream.write(line.rstrip() + "\n")
            self.stream.flush()

    def report_warnings(self) -> None:
        """Each distinct warning once, with how often it came."""
        for message, count in self.warnings.items():
            times = f" ({count} times)" if count > 1 else ""
            self._write(f"warning{times}: {message}")


class _ProgressHandler(logging.Handler):
    def __init__(self, progress: StageProgress) -> None:
        super().__init__(level=logging.DEBUG)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        self.progress.handle(record)


def progress_logger(progress: StageProgress) -> dg.LoggerDefinition:
    """A Dagster logger that feeds every event record of a run to ``progress``."""

    def build(_init_context: dg.InitLoggerContext) -> logging.Logger:
        logger = logging.Logger(LOGGER_NAME, level=logging.DEBUG)
        logger.addHandler(_ProgressHandler(progress))
        return logger

    return dg.LoggerDefinition(build, description="One line per pipeline stage.")
