"""Great Expectations suites derived from the data contract, run on loaded batches.

The suite of a contract model says what every loaded row must satisfy: each contract
column exists, required columns are non-null, enumerated columns hold known values,
timestamps lie in the plausible window the load used, latencies are non-negative and
attempts start at 1.
It is built from :mod:`orderlens.contract` exactly as the SQL checks of
:mod:`orderlens.ingest.validation` are, so the two cannot drift apart silently.

Why not run it on every row while loading: importing Great Expectations alone takes
several seconds and its pandas path validates about a million rows per second, which
does not fit the ingestion budget (ten million rows in a few seconds). The row-level
decisions (load or quarantine, with the reason) are therefore made in DuckDB SQL, and
this suite produces the independent validation report on what was loaded: on a whole
batch or on a sample of it, with failing-row counts per expectation. The SQL datasource
of Great Expectations fails on DuckDB (see STACK.md), so batches are validated as pandas
DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlmodel import SQLModel

from orderlens.contract import enum_values, field_names, qualified_name, required_field_names
from orderlens.ingest.mapping import SourceMapping, Target
from orderlens.ingest.validation import MODELS, TimestampWindow, timestamp_window
from orderlens.settings import DEFAULT_PLAUSIBLE_FROM, Settings
from orderlens.warehouse import connect

SAMPLE_ROWS = 200_000
"""Rows of a large batch validated (a reservoir sample); small batches are taken whole."""


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's verdict on a batch."""

    expectation: str
    column: str | None
    success: bool
    unexpected_count: int


@dataclass(frozen=True)
class ExpectationReport:
    """Verdict of a contract suite on one batch of rows."""

    suite: str
    evaluated_rows: int
    success: bool
    outcomes: tuple[ExpectationOutcome, ...]

    def failures(self) -> list[ExpectationOutcome]:
        """The expectations that failed."""
        return [outcome for outcome in self.outcomes if not outcome.success]


def _time_columns(model: type[SQLModel]) -> list[str]:
    return [
        name
        for name, info in model.model_fields.items()
        if info.annotation is datetime and name in field_names(model)
    ]


def build_expectation_suite(
    model: type[SQLModel], *, window: TimestampWindow | None = None, now: datetime | None = None
) -> Any:
    """The Great Expectations suite of a contract model (see the module documentation).

    ``window`` bounds the timestamps; by default the default settings' window around ``now``.
    """
    import great_expectations as gx

    window = window or timestamp_window(
        SourceMapping(), plausible_from=DEFAULT_PLAUSIBLE_FROM, now=now or datetime.now(UTC)
    )
    suite = gx.ExpectationSuite(name=f"contract_{model.__tablename__}")
    for name in field_names(model):
        suite.add_expectation(gx.expectations.ExpectColumnToExist(column=name))
    for name in required_field_names(model):
        suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column=name))
    for name, allowed in enum_values(model).items():
        suite.add_expectation(
            gx.expectations.ExpectColumnValuesToBeInSet(column=name, value_set=allowed)
        )
    for name in _time_columns(model):
        suite.add_expectation(
            gx.expectations.ExpectColumnValuesToBeBetween(
                column=name,
                min_value=pd.Timestamp(window.earliest),
                max_value=pd.Timestamp(window.latest),
            )
        )
    bounds = {"latency_ms": 0, "attempt": 1}
    for name, lowest in bounds.items():
        if name in field_names(model):
            suite.add_expectation(
                gx.expectations.ExpectColumnValuesToBeBetween(column=name, min_value=lowest)
            )
    return suite


def validate_frame(
    frame: pd.DataFrame, model: type[SQLModel], *, window: TimestampWindow | None = None
) -> ExpectationReport:
    """Run the contract suite of ``model`` on ``frame`` with an ephemeral context."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas(name="orderlens")
    asset = source.add_dataframe_asset(name=model.__tablename__)
    batch_definition = asset.add_batch_definition_whole_dataframe("batch")
    suite = context.suites.add(build_expectation_suite(model, window=window))
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite)
    outcomes = tuple(
        ExpectationOutcome(
            expectation=item.expectation_config.type,
            column=item.expectation_config.kwargs.get("column"),
            success=bool(item.success),
            unexpected_count=int((item.result or {}).get("unexpected_count") or 0),
        )
        for item in result.results
    )
    return ExpectationReport(suite.name, len(frame), bool(result.success), outcomes)


def validate_loaded_batch(
    settings: Settings, load_id: str, target: Target, *, sample_rows: int = SAMPLE_ROWS
) -> ExpectationReport:
    """Validate the rows one load appended to its raw table (a sample if it is large),
    timestamps against the window that load was validated with (from the manifest)."""
    model = MODELS[target]
    columns = ", ".join(field_names(model))
    with connect(settings.warehouse_path, read_only=True) as con:
        bounds = con.execute(
            "SELECT earliest_plausible, latest_plausible FROM raw.ingest_manifest "
            "WHERE load_id = ?",
            [load_id],
        ).fetchone()
        frame = con.execute(
            f"SELECT {columns} FROM {qualified_name(model)} WHERE load_id = ? "
            f"USING SAMPLE reservoir({int(sample_rows)} ROWS) REPEATABLE (7)",
            [load_id],
        ).df()
    window = TimestampWindow(bounds[0], bounds[1]) if bounds and None not in bounds else None
    return validate_frame(frame, model, window=window)
