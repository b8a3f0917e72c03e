"""The dashboard's one door to the data: the published serving copy, read-only.

The pipeline replaces ``serving.duckdb`` atomically (a rename), so the file's identity
(inode, modification time, size) names one publication. One read-only connection is
kept per publication and each query runs on its own cursor; when a new file appears the
next query opens it, so new data shows without a restart, and a query already running
keeps reading the copy it started on. Results are cached per publication: the same view
asked twice is answered from memory. Filter values are always bound as parameters.

Here too: which role may see costs (applied where the query runs), the small in-memory
tables built per publication, and what the publication can answer (coverage). The
questions each page asks live in ``dashboard.queries.<page>``.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
from flask import current_app

from dashboard.auth import may_see_costs
from orderlens.coverage import AnalysisCoverage, read_coverage
from orderlens.settings import Settings

SETTINGS_KEY = "ORDERLENS_SETTINGS"


RESULT_CACHE_SIZE = 512


class ServingCopyUnavailableError(RuntimeError):
    """No published serving copy yet, or it cannot be read."""


class MissingTableError(ServingCopyUnavailableError):
    """The serving copy lacks a table (the stage that builds it has not run yet)."""


class CostAccessDeniedError(PermissionError):
    """The logged-in user's role may not see cost or ROI figures."""


def require_cost_access() -> None:
    if not may_see_costs():
        raise CostAccessDeniedError("cost figures are not available to your role")


def without_costs(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without its cost columns when the user's role may not see costs.

    Applied where the query runs, so no page can show (or send) what it never receives.
    """
    if may_see_costs():
        return frame
    return frame.drop(columns=[column for column in frame.columns if "cost" in column])


def _serving_path() -> Path:
    settings: Settings = current_app.config[SETTINGS_KEY]
    return settings.serving_path


DERIVED_TABLES: dict[str, str] = {
    "hurt_messages": """
        WITH exceptions_per_order AS (
            SELECT case_id, count(*) AS exception_count,
                   list(DISTINCT exception_type) AS exception_types,
                   list(DISTINCT reason_code) AS reason_codes
            FROM serving.marts.fct_exceptions GROUP BY case_id
        )
        SELECT m.interface, m.case_id, m.first_sent_at,
               m.failed_attempt_count > 0 AS is_failed, m.is_dead_lettered,
               o.channel, o.region, o.node_id, o.carrier, o.ordered_at,
               coalesce(o.has_exception, FALSE) AS has_exception,
               coalesce(e.exception_count, 0) AS exception_count,
               coalesce(e.exception_types, []) AS exception_types,
               coalesce(e.reason_codes, []) AS reason_codes
        FROM serving.marts.fct_integration_messages AS m
        LEFT JOIN serving.marts.fct_orders AS o USING (case_id)
        LEFT JOIN exceptions_per_order AS e USING (case_id)
        WHERE m.failed_attempt_count > 0 OR m.is_dead_lettered
        ORDER BY m.first_sent_at
    """,
    "orders_by_attributes": """
        SELECT ordered_at::DATE AS ordered_date, channel, region, node_id, carrier, supplier,
               coalesce(has_exception, FALSE) AS has_exception, count(*) AS order_count
        FROM serving.marts.fct_orders
        WHERE ordered_at IS NOT NULL
        GROUP BY ALL
        ORDER BY ordered_date
    """,
}
"""Aggregates the marts do not carry, built in memory once per publication.

``hurt_messages`` keeps only the failed or dead-lettered messages, with their
order's attributes and exceptions (a few percent of all messages);
``orders_by_attributes`` counts orders per day, attributes and whether they had an
exception (lift without a focus, about an eighth of the orders' rows). All are stored in
time order, so a period's query skips the row groups outside it.
"""


DERIVED_SCHEMA = "memory.main"


class _Publication:
    """One publication of the serving copy: an in-memory DuckDB with the file attached.

    A fresh in-memory database per publication (not ``duckdb.connect(path)``, which
    hands back an already open database for the same path) guarantees that a replaced
    file is really reopened. The derived tables live in the in-memory catalog.
    """

    def __init__(self, identity: tuple[str, int, int, int]) -> None:
        self.identity = identity
        try:
            self.connection = duckdb.connect()
            self.connection.execute("SET GLOBAL TimeZone = 'UTC'")
            self.connection.execute("ATTACH ? AS serving (READ_ONLY)", [identity[0]])
        except duckdb.Error as error:
            raise ServingCopyUnavailableError(
                f"{identity[0]} is not a readable DuckDB database: {error}"
            ) from error
        self.derived_ready = False
        self.derived_started = False
        self.coverage: dict[str, AnalysisCoverage] | None = None
        self.coverage_read = False
        self._build_lock = threading.Lock()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor whose unqualified names (``marts.fct_orders``) read the serving copy."""
        cursor = self.connection.cursor()
        cursor.execute("USE serving")
        return cursor

    def build_derived(self) -> None:
        """Create the derived tables (idempotent; a failure leaves the marts as the source)."""
        with self._build_lock:
            if self.derived_ready:
                return
            cursor = self.connection.cursor()
            try:
                for table, sql in DERIVED_TABLES.items():
                    cursor.execute(f"CREATE TABLE {DERIVED_SCHEMA}.{table} AS {sql}")
            except duckdb.Error:
                return
            finally:
                cursor.close()
            self.derived_ready = True


class _ServingConnection:
    """The current publication, a result cache, and the background build of derived tables
    (queries fall back to the marts until they are ready)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._publication: _Publication | None = None
        self._results: OrderedDict[tuple, pd.DataFrame] = OrderedDict()

    def publication(self, path: Path) -> _Publication:
        try:
            status = path.stat()
        except FileNotFoundError as error:
            raise ServingCopyUnavailableError(
                f"no published data yet at {path}: run `orderlens run` to build and publish it"
            ) from error
        identity = (str(path), status.st_ino, status.st_mtime_ns, status.st_size)
        with self._lock:
            if self._publication is None or self._publication.identity != identity:
                # The previous publication is dropped, not closed: a query still running on
                # one of its cursors finishes on the old copy, then it is collected.
                self._publication = _Publication(identity)
                self._results.clear()
            publication = self._publication
        self.start_derived(publication)
        return publication

    def start_derived(self, publication: _Publication) -> None:
        with self._lock:
            if publication.derived_started:
                return
            publication.derived_started = True
        threading.Thread(
            target=publication.build_derived, daemon=True, name="orderlens-derived-tables"
        ).start()

    def cached(self, key: tuple) -> pd.DataFrame | None:
        with self._lock:
            frame = self._results.get(key)
            if frame is not None:
                self._results.move_to_end(key)
            return frame

    def remember(self, key: tuple, publication: _Publication, frame: pd.DataFrame) -> None:
        with self._lock:
            if self._publication is not publication:
                return
            self._results[key] = frame
            while len(self._results) > RESULT_CACHE_SIZE:
                self._results.popitem(last=False)


_SERVING = _ServingConnection()


_MISSING_NAME = re.compile(r"with name (\S+) does not exist")


def _missing_table_message(error: duckdb.CatalogException) -> str:
    """The missing table in people's words; DuckDB's own text stays in the cause only."""
    found = _MISSING_NAME.search(str(error))
    table = f" ({found.group(1)})" if found else ""
    return (
        f"the published data lacks a table this view reads{table}: it was published by an "
        "older or partial run. Run the whole pipeline (`orderlens run`) to build it."
    )


def _run(publication: _Publication, sql: str, parameters: list[object]) -> pd.DataFrame:
    cursor = publication.cursor()
    try:
        return cursor.execute(sql, parameters).df()
    except duckdb.CatalogException as error:
        raise MissingTableError(_missing_table_message(error)) from error
    finally:
        cursor.close()


def query(sql: str, parameters: list[object] | tuple[object, ...] | None = None) -> pd.DataFrame:
    """Run one read-only query on the serving copy and return its rows (cached per publication).

    The returned frame is a copy; callers may change it. Opening a new publication also
    starts building its derived tables in the background.

    Raises:
        ServingCopyUnavailableError: nothing has been published yet, or the file is damaged.
        MissingTableError: the query names a table the serving copy does not have.
    """
    publication = _SERVING.publication(_serving_path())
    key = (publication.identity, sql, tuple(parameters or ()))
    frame = _SERVING.cached(key)
    if frame is None:
        frame = _run(publication, sql, list(parameters or ()))
        _SERVING.remember(key, publication, frame)
    return frame.copy()


def query_derived(
    sql: str,
    parameters: list[object] | tuple[object, ...],
    *,
    fallback_sql: str,
    fallback_parameters: list[object] | tuple[object, ...],
) -> pd.DataFrame:
    """Answer from the in-memory derived tables when built, else from the marts.

    Both statements must return the same rows; the derived one is only faster.
    """
    publication = _SERVING.publication(_serving_path())
    if not publication.derived_ready:
        return query(fallback_sql, fallback_parameters)
    return query(sql, parameters)


def derived_tables_ready() -> bool:
    """Whether the current publication's derived tables are built (reported by /health)."""
    return _SERVING.publication(_serving_path()).derived_ready


def prepare_derived_tables() -> bool:
    """Build the current publication's derived tables now and say whether they are ready.

    Tests and benchmarks call it to reach the steady state before measuring.
    """
    publication = _SERVING.publication(_serving_path())
    publication.build_derived()
    return publication.derived_ready


@dataclass(frozen=True)
class Publication:
    """When the data on screen was published, and the times its events span.

    Attributes:
        published_at: When the pipeline published the serving copy.
        first_event_at: The earliest event's time (``None`` from an older publication).
        last_event_at: The latest event's time: what the data is "as of" (``None`` from an
            older publication).
    """

    published_at: datetime
    first_event_at: datetime | None = None
    last_event_at: datetime | None = None

    @property
    def as_of_text(self) -> str:
        """ "Data as of" the last event (the publication time when an older copy lacks it)."""
        shown = self.last_event_at or self.published_at
        return f"Data as of {shown:%Y-%m-%d %H:%M} UTC"

    @property
    def published_text(self) -> str:
        """When the copy was published, said apart from the data's own time."""
        return f"published {self.published_at:%Y-%m-%d %H:%M} UTC"


def _timestamp(row: pd.Series, column: str) -> datetime | None:
    value = row.get(column)
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def get_publication() -> Publication:
    """The serving copy's publication time and the first and last event it holds."""
    row = query("SELECT * FROM meta.publication").iloc[0]
    return Publication(
        published_at=_timestamp(row, "published_at"),
        first_event_at=_timestamp(row, "first_event_at"),
        last_event_at=_timestamp(row, "last_event_at"),
    )


def get_coverage() -> dict[str, AnalysisCoverage] | None:
    """What the published data can answer, per analysis (``marts.mart_analysis_coverage``).

    Returns:
        The coverage keyed by analysis, or ``None`` when it is unknown: a serving copy
        published by an older version has no coverage mart, and is then read as before.
    """
    publication = _SERVING.publication(_serving_path())
    if publication.coverage_read:
        return publication.coverage
    cursor = publication.cursor()
    try:
        coverage = read_coverage(cursor)
    except duckdb.CatalogException:
        coverage = None
    finally:
        cursor.close()
    publication.coverage, publication.coverage_read = coverage, True
    return coverage


def get_missing_analysis(analysis: str) -> AnalysisCoverage | None:
    """The coverage of ``analysis`` when the data is known to lack its inputs, else ``None``.

    ``None`` also when nothing is published or the coverage is unknown: the page then
    queries as usual and says what went wrong, if anything.
    """
    try:
        coverage = get_coverage()
    except ServingCopyUnavailableError:
        return None
    found = (coverage or {}).get(analysis)
    return found if found is not None and not found.is_available else None


def number_or_none(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
