"""Every query the dashboard runs, against the published serving copy, read-only.

The pipeline replaces ``serving.duckdb`` atomically (a rename), so the file's identity
(inode, modification time, size) names one publication. One read-only connection is
kept per publication and each query runs on its own cursor; when a new file appears the
next query opens it, so new data shows without a restart, and a query already running
keeps reading the copy it started on. Results are cached per publication: the same view
asked twice is answered from memory. Filter values are always bound as parameters.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
from flask import current_app

from dashboard.auth import may_see_costs
from dashboard.filters import (
    DIMENSIONS,
    Filters,
    SqlCondition,
    day_end,
    day_start,
    where_clause,
)
from orderlens.coverage import AnalysisCoverage, read_coverage
from orderlens.settings import Settings

SETTINGS_KEY = "ORDERLENS_SETTINGS"
DEFAULT_PERIOD_DAYS = 14
"""The default view of data with exceptions: the last two weeks, compared with the two weeks
before (a morning check of an operation). A log without exceptions opens on all its days."""
RESULT_CACHE_SIZE = 512
AGING_BUCKETS: tuple[str, ...] = ("0-4h", "4-24h", "1-3d", "3-7d", "7d+")
BACKLOG_GROUPINGS: tuple[str, ...] = ("exception_type", "owning_team", "node_id")
PARETO_DIMENSIONS: tuple[str, ...] = ("reason_code", "exception_type")
LIFT_DIMENSIONS: tuple[str, ...] = (
    "channel",
    "node_id",
    "carrier",
    "supplier",
    "region",
    "interface",
)
LIFT_MIN_ORDERS = 20
"""Values carried by fewer orders are left out of the lift chart: their rates are noise."""


class ServingCopyUnavailableError(RuntimeError):
    """No published serving copy yet, or it cannot be read."""


class MissingTableError(ServingCopyUnavailableError):
    """The serving copy lacks a table (the stage that builds it has not run yet)."""


class CostAccessDeniedError(PermissionError):
    """The logged-in user's role may not see cost or ROI figures."""


def _require_cost_access() -> None:
    if not may_see_costs():
        raise CostAccessDeniedError("cost figures are not available to your role")


def _without_costs(frame: pd.DataFrame) -> pd.DataFrame:
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
    "edges_by_order_attributes": """
        SELECT t.transition_date, t.source_activity, t.target_activity,
               o.channel, o.region, o.node_id, o.carrier,
               count(*) AS frequency, sum(t.wait_seconds) AS total_wait_seconds
        FROM serving.marts.fct_case_transitions AS t
        JOIN serving.marts.fct_orders AS o USING (case_id)
        GROUP BY ALL
        ORDER BY t.transition_date
    """,
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

``edges_by_order_attributes`` is the directly-follows graph per day and order attributes
(a process map filtered by channel, region, node or carrier without scanning every
transition); ``hurt_messages`` keeps only the failed or dead-lettered messages, with their
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


@dataclass(frozen=True)
class DataPeriod:
    """The calendar the data covers: first and last day, and the latest event time.

    Attributes:
        first_day: First day of the business calendar.
        last_day: Last day of the business calendar.
        as_of_at: The latest event time.
        default_days: Length of the default period ending on ``last_day``; ``None`` when
            the default period is the whole data set.
    """

    first_day: date
    last_day: date
    as_of_at: datetime | None
    default_days: int | None = DEFAULT_PERIOD_DAYS

    @property
    def default_description(self) -> str:
        """The default period in words, for the filter bar."""
        if self.default_days is None:
            return f"the whole data set, {self.first_day} to {self.last_day}"
        return f"the last {self.default_days} days of data, to {self.last_day}"


def get_data_period() -> DataPeriod:
    """The first and last day of the business calendar and the warehouse's "now".

    The default period is the last two weeks when the data records exceptions (an
    operation watched day by day), and the whole data set when it does not (a process log:
    its map and variants mean most over all its cases).
    """
    frame = query(
        """
        SELECT
            (SELECT min(date_day) FROM marts.dim_dates) AS first_day,
            (SELECT max(date_day) FROM marts.dim_dates) AS last_day,
            (SELECT max(last_event_at) FROM marts.fct_orders) AS as_of_at
        """
    )
    row = frame.iloc[0]
    if pd.isna(row["first_day"]):
        raise ServingCopyUnavailableError("the published data has no days yet (no events)")
    as_of = row["as_of_at"]
    return DataPeriod(
        first_day=pd.Timestamp(row["first_day"]).date(),
        last_day=pd.Timestamp(row["last_day"]).date(),
        as_of_at=None if pd.isna(as_of) else pd.Timestamp(as_of).to_pydatetime(),
        default_days=None if get_missing_analysis("exceptions") else DEFAULT_PERIOD_DAYS,
    )


def resolve_filters(filters: Filters, period: DataPeriod | None = None) -> Filters:
    """Fill in the default period (:attr:`DataPeriod.default_days`) and keep days inside
    the data."""
    period = period or get_data_period()
    end = filters.end or period.last_day
    default_start = (
        period.first_day
        if period.default_days is None
        else end - timedelta(days=period.default_days - 1)
    )
    start = filters.start or max(period.first_day, default_start)
    end = min(max(end, period.first_day), period.last_day)
    start = min(max(start, period.first_day), end)
    return filters.with_period(start, end)


def read_filters(data: dict | None) -> Filters:
    """The filters a callback received, with a missing or unreadable period filled in.

    A callback's input comes from the browser and may be anything; a period that is not
    a pair of dates falls back to the default view instead of failing the request.
    """
    filters = Filters.from_store(data)
    if filters.start is not None and filters.end is not None:
        return filters
    try:
        return resolve_filters(filters)
    except ServingCopyUnavailableError:
        return filters


DIMENSION_ANALYSES: dict[str, str] = {
    "channel": "channels",
    "region": "regions",
    "node_id": "nodes",
    "carrier": "carriers",
}
"""The coverage analysis that says whether the events carry each filter dimension."""


@dataclass(frozen=True)
class FilterOptions:
    """The values the filter drop-downs offer.

    Attributes:
        absent: Dimensions the events do not carry, with the coverage saying what would
            add them (their drop-downs are disabled: reference data alone may list
            channels, but no event would match one).
    """

    channels: list[str]
    regions: list[str]
    nodes: list[str]
    carriers: list[str]
    absent: dict[str, AnalysisCoverage] = field(default_factory=dict)

    def values(self, dimension: str) -> list[str]:
        """The offered values of one dimension (a name in :data:`DIMENSIONS`)."""
        return {
            "channel": self.channels,
            "region": self.regions,
            "node_id": self.nodes,
            "carrier": self.carriers,
        }[dimension]


def get_filter_options() -> FilterOptions:
    """Channels, regions, nodes and carriers present in the published data."""
    channels = query("SELECT channel FROM marts.dim_channels ORDER BY channel")
    nodes = query("SELECT node_id, region FROM marts.dim_nodes ORDER BY node_id")
    carriers = query("SELECT carrier FROM marts.dim_carriers ORDER BY carrier")
    absent = {
        dimension: missing
        for dimension, analysis in DIMENSION_ANALYSES.items()
        if (missing := get_missing_analysis(analysis)) is not None
    }
    offered = {
        "channel": channels["channel"].dropna().tolist(),
        "region": sorted(nodes["region"].dropna().unique().tolist()),
        "node_id": nodes["node_id"].dropna().tolist(),
        "carrier": carriers["carrier"].dropna().tolist(),
    }
    offered = {
        dimension: [] if dimension in absent else values for dimension, values in offered.items()
    }
    return FilterOptions(
        channels=offered["channel"],
        regions=offered["region"],
        nodes=offered["node_id"],
        carriers=offered["carrier"],
        absent=absent,
    )


def get_open_exceptions_by_type() -> pd.DataFrame:
    """Open exceptions counted per exception type, largest first."""
    return query(
        """
        SELECT exception_type, count(*) AS open_exceptions
        FROM marts.fct_exceptions
        WHERE is_open
        GROUP BY exception_type
        ORDER BY open_exceptions DESC, exception_type
        """
    )


def _dimension_condition(filters: Filters, alias: str = "") -> SqlCondition:
    return where_clause(filters, time_column=None, alias=alias)


def get_period_kpis(filters: Filters) -> dict[str, float | None]:
    """The overview's headline numbers for the filters' period.

    Exceptions count in the period they were detected (cost, first response) or resolved
    (resolution time, touchless rate), as in ``mart_kpi_daily``; orders in the period they
    were created. Backlog and past-SLA share are measured at the end of the period.
    """
    return _kpis_for_periods([filters])[0]


def get_kpi_comparison(
    filters: Filters,
) -> tuple[dict[str, float | None], dict[str, float | None]]:
    """:func:`get_period_kpis` for the period and the one before it, in one scan per table."""
    current, previous = _kpis_for_periods([filters, filters.previous_period()])
    if not may_see_costs():
        current, previous = (
            {key: value for key, value in kpis.items() if "cost" not in key}
            for kpis in (current, previous)
        )
    return current, previous


def _kpis_for_periods(periods: list[Filters]) -> list[dict[str, float | None]]:
    bounds = [(day_start(period.start), day_end(period.end)) for period in periods]
    dims = _dimension_condition(periods[0])
    columns: list[str] = []
    parameters: list[object] = []
    for index, (start, end) in enumerate(bounds):
        detected = "detected_at >= ? AND detected_at < ?"
        resolved = "resolved_at >= ? AND resolved_at < ?"
        columns += [
            f"count(*) FILTER (WHERE {detected}) AS detected_{index}",
            f"median(first_response_minutes) FILTER (WHERE {detected}) AS first_response_{index}",
            f"median(resolution_minutes) FILTER (WHERE {resolved}) / 60.0 AS resolution_{index}",
            f"avg(CASE WHEN is_touchless THEN 1.0 ELSE 0.0 END) FILTER (WHERE {resolved})"
            f" AS touchless_{index}",
            f"coalesce(sum(total_cost) FILTER (WHERE {detected}), 0) AS cost_{index}",
        ]
        parameters += [start, end] * 5
    scan_start, scan_end = min(b[0] for b in bounds), max(b[1] for b in bounds)
    exceptions = query(
        f"""
        SELECT {", ".join(columns)}
        FROM marts.fct_exceptions
        WHERE ({dims.sql})
          AND ((detected_at >= ? AND detected_at < ?) OR (resolved_at >= ? AND resolved_at < ?))
        """,
        [*parameters, *dims.parameters, scan_start, scan_end, scan_start, scan_end],
    ).iloc[0]
    order_columns: list[str] = []
    order_parameters: list[object] = []
    for index, (start, end) in enumerate(bounds):
        inside = "ordered_at >= ? AND ordered_at < ?"
        order_columns += [
            f"count(*) FILTER (WHERE {inside}) AS orders_{index}",
            f"avg(CASE WHEN is_on_time THEN 1.0 WHEN NOT is_on_time THEN 0.0 END)"
            f" FILTER (WHERE {inside}) AS on_time_{index}",
        ]
        order_parameters += [start, end] * 2
    orders = query(
        f"""
        SELECT {", ".join(order_columns)}
        FROM marts.fct_orders
        WHERE ({dims.sql}) AND ordered_at >= ? AND ordered_at < ?
        """,
        [*order_parameters, *dims.parameters, scan_start, scan_end],
    ).iloc[0]
    results = []
    for index, period in enumerate(periods):
        backlog = get_backlog_at(period, period.end)
        open_backlog = float(backlog["open_count"].sum()) if not backlog.empty else 0.0
        past_sla = float(backlog["past_sla_count"].sum()) if not backlog.empty else 0.0
        orders_created = float(orders[f"orders_{index}"])
        detected = float(exceptions[f"detected_{index}"])
        results.append(
            {
                "open_backlog": open_backlog,
                "past_sla_share": past_sla / open_backlog if open_backlog else None,
                "exceptions_per_1000_orders": 1000.0 * detected / orders_created
                if orders_created
                else None,
                "median_first_response_minutes": _number(exceptions[f"first_response_{index}"]),
                "median_resolution_hours": _number(exceptions[f"resolution_{index}"]),
                "touchless_rate": _number(exceptions[f"touchless_{index}"]),
                "on_time_delivery_rate": _number(orders[f"on_time_{index}"]),
                "exception_cost": float(exceptions[f"cost_{index}"]),
            }
        )
    return results


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def backlog_is_exact(filters: Filters) -> bool:
    """Whether backlog figures come from the exact daily backlog mart.

    ``fct_exception_backlog_daily`` replays every open interval (reopenings included) but is
    split only by type, team and node. With a channel, region or carrier filter the backlog
    is rebuilt from ``fct_exceptions`` as open from detection to final resolution, which
    counts a closed-then-reopened exception as open during its closed gap.
    """
    return not filters.has_order_attribute_filter


def _aging_bucket_sql(age_hours: str) -> str:
    return (
        f"CASE WHEN {age_hours} < 4 THEN '0-4h' WHEN {age_hours} < 24 THEN '4-24h' "
        f"WHEN {age_hours} < 72 THEN '1-3d' WHEN {age_hours} < 168 THEN '3-7d' ELSE '7d+' END"
    )


def get_backlog_at(filters: Filters, day: date, by: str = "exception_type") -> pd.DataFrame:
    """Exceptions open at the end of ``day`` per ``by`` value, with aging buckets.

    Returns:
        Columns ``group_value``, ``open_count``, ``past_sla_count`` and one count column per
        aging bucket (``aged_0_4h`` ... ``aged_7d_plus``), largest backlog first.
    """
    if by not in BACKLOG_GROUPINGS:
        raise ValueError(f"backlog grouping must be one of {BACKLOG_GROUPINGS}, got {by!r}")
    if backlog_is_exact(filters):
        nodes = where_clause(filters, time_column=None, dimensions=("node_id",))
        return query(
            f"""
            SELECT {by} AS group_value,
                   sum(open_count) AS open_count,
                   sum(past_sla_count) AS past_sla_count,
                   sum(aged_0_4h_count) AS aged_0_4h,
                   sum(aged_4_24h_count) AS aged_4_24h,
                   sum(aged_1_3d_count) AS aged_1_3d,
                   sum(aged_3_7d_count) AS aged_3_7d,
                   sum(aged_7d_plus_count) AS aged_7d_plus
            FROM marts.fct_exception_backlog_daily
            WHERE date_day = ? AND ({nodes.sql})
            GROUP BY 1
            HAVING sum(open_count) > 0
            ORDER BY open_count DESC, group_value
            """,
            [day, *nodes.parameters],
        )
    dims = _dimension_condition(filters)
    cutoff = day_end(day)
    return query(
        f"""
        WITH open_exceptions AS (
            SELECT coalesce({by}, 'unassigned') AS group_value,
                   (epoch(?::TIMESTAMPTZ) - epoch(detected_at)) / 3600.0 AS age_hours,
                   resolution_sla_minutes
            FROM marts.fct_exceptions
            WHERE ({dims.sql}) AND detected_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)
        ),
        bucketed AS (
            SELECT group_value,
                   {_aging_bucket_sql("age_hours")} AS aging_bucket,
                   age_hours * 60 > resolution_sla_minutes AS is_past_sla
            FROM open_exceptions
        )
        SELECT group_value,
               count(*) AS open_count,
               count(*) FILTER (WHERE is_past_sla) AS past_sla_count,
               count(*) FILTER (WHERE aging_bucket = '0-4h') AS aged_0_4h,
               count(*) FILTER (WHERE aging_bucket = '4-24h') AS aged_4_24h,
               count(*) FILTER (WHERE aging_bucket = '1-3d') AS aged_1_3d,
               count(*) FILTER (WHERE aging_bucket = '3-7d') AS aged_3_7d,
               count(*) FILTER (WHERE aging_bucket = '7d+') AS aged_7d_plus
        FROM bucketed
        GROUP BY 1
        ORDER BY open_count DESC, group_value
        """,
        [cutoff, *dims.parameters, cutoff, cutoff],
    )


def get_backlog_series(filters: Filters) -> pd.DataFrame:
    """Per day of the period: backlog and past-SLA at day end, exceptions opened and closed.

    Returns:
        Columns ``date_day``, ``open_count``, ``past_sla_count``, ``opened_count``,
        ``closed_count``, one row per day of the period (zeros on quiet days).
    """
    if backlog_is_exact(filters):
        nodes = where_clause(filters, time_column=None, dimensions=("node_id",), alias="b")
        return query(
            f"""
            SELECT d.date_day,
                   coalesce(sum(b.open_count), 0) AS open_count,
                   coalesce(sum(b.past_sla_count), 0) AS past_sla_count,
                   coalesce(sum(b.opened_count + b.reopened_count), 0) AS opened_count,
                   coalesce(sum(b.closed_count), 0) AS closed_count
            FROM marts.dim_dates AS d
            LEFT JOIN marts.fct_exception_backlog_daily AS b
                ON b.date_day = d.date_day AND ({nodes.sql})
            WHERE d.date_day BETWEEN ? AND ?
            GROUP BY d.date_day
            ORDER BY d.date_day
            """,
            [*nodes.parameters, filters.start, filters.end],
        )
    dims = _dimension_condition(filters, alias="e")
    # An exception is open at the end of day d when detected_at < d + 1 day <= resolved_at:
    # the days from its detection day to the day before its resolution moment's day end.
    return query(
        f"""
        WITH filtered AS (
            SELECT detected_at, resolved_at, resolution_sla_minutes
            FROM marts.fct_exceptions AS e
            WHERE ({dims.sql}) AND detected_at < ?
              AND (resolved_at IS NULL OR resolved_at >= ?)
        ),
        open_days AS (
            SELECT unnest(generate_series(
                       greatest(detected_at::DATE, ?::DATE),
                       least(
                           coalesce((resolved_at - INTERVAL 1 DAY)::DATE, ?::DATE),
                           ?::DATE
                       ),
                       INTERVAL 1 DAY
                   ))::DATE AS date_day,
                   detected_at, resolution_sla_minutes
            FROM filtered
        ),
        backlog AS (
            SELECT date_day,
                   count(*) AS open_count,
                   count(*) FILTER (
                       WHERE (epoch((date_day + INTERVAL 1 DAY)::TIMESTAMPTZ) - epoch(detected_at))
                             / 60.0 > resolution_sla_minutes
                   ) AS past_sla_count
            FROM open_days GROUP BY 1
        ),
        flows AS (
            SELECT detected_at::DATE AS date_day, count(*) AS opened_count, 0 AS closed_count
            FROM marts.fct_exceptions AS e
            WHERE ({dims.sql}) AND detected_at >= ? AND detected_at < ?
            GROUP BY 1
            UNION ALL
            SELECT resolved_at::DATE, 0, count(*)
            FROM marts.fct_exceptions AS e
            WHERE ({dims.sql}) AND resolved_at >= ? AND resolved_at < ?
            GROUP BY 1
        ),
        flow_totals AS (
            SELECT date_day, sum(opened_count) AS opened_count, sum(closed_count) AS closed_count
            FROM flows GROUP BY 1
        )
        SELECT d.date_day,
               coalesce(backlog.open_count, 0) AS open_count,
               coalesce(backlog.past_sla_count, 0) AS past_sla_count,
               coalesce(flow_totals.opened_count, 0) AS opened_count,
               coalesce(flow_totals.closed_count, 0) AS closed_count
        FROM marts.dim_dates AS d
        LEFT JOIN backlog USING (date_day)
        LEFT JOIN flow_totals USING (date_day)
        WHERE d.date_day BETWEEN ? AND ?
        ORDER BY d.date_day
        """,
        [
            *dims.parameters,
            day_end(filters.end),
            day_end(filters.start),
            filters.start,
            filters.end,
            filters.end,
            *dims.parameters,
            day_start(filters.start),
            day_end(filters.end),
            *dims.parameters,
            day_start(filters.start),
            day_end(filters.end),
            filters.start,
            filters.end,
        ],
    )


def get_oldest_open_exceptions(filters: Filters, day: date, limit: int = 200) -> pd.DataFrame:
    """The longest-open exceptions at the end of ``day`` (oldest first), for the work table."""
    dims = _dimension_condition(filters)
    cutoff = day_end(day)
    return query(
        f"""
        SELECT exception_id, case_id, exception_type, owning_team, node_id, channel, carrier,
               reason_code, detected_at,
               round((epoch(?::TIMESTAMPTZ) - epoch(detected_at)) / 3600.0, 1) AS age_hours,
               (epoch(?::TIMESTAMPTZ) - epoch(detected_at)) / 60.0 > resolution_sla_minutes
                   AS is_past_sla
        FROM marts.fct_exceptions
        WHERE ({dims.sql}) AND detected_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)
        ORDER BY detected_at, exception_id
        LIMIT ?
        """,
        [cutoff, cutoff, *dims.parameters, cutoff, cutoff, limit],
    )


@dataclass(frozen=True)
class Focus:
    """A clicked bar of the root-cause page: only exceptions of this type or reason."""

    dimension: str
    value: str

    def __post_init__(self) -> None:
        if self.dimension not in PARETO_DIMENSIONS:
            raise ValueError(f"focus dimension must be one of {PARETO_DIMENSIONS}")


def _focus_condition(focus: Focus | None, alias: str = "") -> SqlCondition:
    if focus is None:
        return SqlCondition("TRUE", ())
    prefix = f"{alias}." if alias else ""
    return SqlCondition(f"{prefix}{focus.dimension} = ?", (focus.value,))


def get_pareto(filters: Filters, dimension: str, focus: Focus | None = None) -> pd.DataFrame:
    """Exceptions detected in the period per reason code or type, with cumulative share.

    A focus on one dimension narrows the other one (a type's reasons, a reason's types).

    Returns:
        Columns ``value``, ``exception_count``, ``exception_cost``, ``cumulative_share``.
    """
    if dimension not in PARETO_DIMENSIONS:
        raise ValueError(f"Pareto dimension must be one of {PARETO_DIMENSIONS}")
    period = where_clause(filters, time_column="detected_at")
    narrowing = _focus_condition(focus if focus and focus.dimension != dimension else None)
    condition = period.and_(narrowing)
    counted = query(
        f"""
        WITH counted AS (
            SELECT coalesce({dimension}, 'none given') AS value,
                   count(*) AS exception_count,
                   sum(total_cost) AS exception_cost
            FROM marts.fct_exceptions
            WHERE {condition.sql}
            GROUP BY 1
        )
        SELECT value, exception_count, exception_cost,
               sum(exception_count) OVER (ORDER BY exception_count DESC, value
                                          ROWS UNBOUNDED PRECEDING)
                   / sum(exception_count) OVER () AS cumulative_share
        FROM counted
        ORDER BY exception_count DESC, value
        """,
        condition.parameters,
    )
    return _without_costs(counted)


def get_lift(
    filters: Filters,
    dimension: str,
    focus: Focus | None = None,
    *,
    min_orders: int = LIFT_MIN_ORDERS,
) -> pd.DataFrame:
    """Exception rate of the period's orders per value of ``dimension`` against all of them.

    An order counts as hit when it has an exception (of the focused type or reason, if
    any). For ``interface`` an order carries the value when a delivery attempt of one of
    its messages on that interface failed.

    Returns:
        Columns ``value``, ``order_count``, ``hit_order_count``, ``rate``,
        ``overall_rate`` and ``lift``, highest lift first, values with at least
        ``min_orders`` orders.
    """
    if dimension not in LIFT_DIMENSIONS:
        raise ValueError(f"lift dimension must be one of {LIFT_DIMENSIONS}")
    if dimension == "interface":
        return _get_interface_lift(filters, focus, min_orders)
    return get_order_attribute_lifts(filters, focus, min_orders=min_orders)[dimension]


ORDER_ATTRIBUTE_LIFT_DIMENSIONS: tuple[str, ...] = tuple(
    dimension for dimension in LIFT_DIMENSIONS if dimension != "interface"
)


def get_order_attribute_lifts(
    filters: Filters, focus: Focus | None = None, *, min_orders: int = LIFT_MIN_ORDERS
) -> dict[str, pd.DataFrame]:
    """:func:`get_lift` for every order attribute at once, in one scan of the orders
    (without a focus, of their per-day counts in the derived tables).

    Returns:
        One frame per dimension of :data:`ORDER_ATTRIBUTE_LIFT_DIMENSIONS`, with the
        columns and order of :func:`get_lift`.
    """
    orders = where_clause(filters, time_column="ordered_at", alias="o")
    focus_condition = _focus_condition(focus, alias="x")
    hit = (
        "o.has_exception"
        if focus is None
        else f"o.case_id IN (SELECT x.case_id FROM marts.fct_exceptions AS x "
        f"WHERE {focus_condition.sql})"
    )
    columns = ", ".join(ORDER_ATTRIBUTE_LIFT_DIMENSIONS)
    order_columns = ", ".join(f"o.{dimension}" for dimension in ORDER_ATTRIBUTE_LIFT_DIMENSIONS)
    which = " ".join(
        f"WHEN grouping({dimension}) = 0 THEN '{dimension}'"
        for dimension in ORDER_ATTRIBUTE_LIFT_DIMENSIONS
    )
    sets = ", ".join(f"({dimension})" for dimension in ORDER_ATTRIBUTE_LIFT_DIMENSIONS)
    marts_sql = f"""
        WITH scoped AS (
            SELECT {hit} AS is_hit, {order_columns}
            FROM marts.fct_orders AS o
            WHERE {orders.sql}
        )
        SELECT CASE {which} END AS dimension,
               coalesce({columns}) AS value,
               count(*) AS order_count,
               count(*) FILTER (WHERE is_hit) AS hit_order_count,
               (SELECT avg(CASE WHEN is_hit THEN 1.0 ELSE 0.0 END) FROM scoped) AS overall_rate
        FROM scoped
        GROUP BY GROUPING SETS ({sets})
        """
    marts_parameters = [*focus_condition.parameters, *orders.parameters]
    if focus is None:
        dims = _dimension_condition(filters)
        counted = query_derived(
            f"""
            WITH scoped AS (
                SELECT has_exception AS is_hit, order_count, {columns}
                FROM memory.main.orders_by_attributes
                WHERE ordered_date BETWEEN ? AND ? AND ({dims.sql})
            )
            SELECT CASE {which} END AS dimension,
                   coalesce({columns}) AS value,
                   sum(order_count)::BIGINT AS order_count,
                   coalesce(sum(order_count) FILTER (WHERE is_hit), 0)::BIGINT
                       AS hit_order_count,
                   (SELECT coalesce(sum(order_count) FILTER (WHERE is_hit), 0)
                           / sum(order_count)
                    FROM scoped) AS overall_rate
            FROM scoped
            GROUP BY GROUPING SETS ({sets})
            """,
            [filters.start, filters.end, *dims.parameters],
            fallback_sql=marts_sql,
            fallback_parameters=marts_parameters,
        )
    else:
        counted = query(marts_sql, marts_parameters)
    counted = counted[counted["value"].notna() & (counted["order_count"] >= min_orders)]
    counted = counted.assign(rate=counted["hit_order_count"] / counted["order_count"])
    overall = counted["overall_rate"]
    counted = counted.assign(lift=(counted["rate"] / overall).where(overall > 0))
    result = {}
    for dimension in ORDER_ATTRIBUTE_LIFT_DIMENSIONS:
        frame = counted[counted["dimension"] == dimension]
        result[dimension] = (
            frame[["value", "order_count", "hit_order_count", "rate", "overall_rate", "lift"]]
            .sort_values(
                ["lift", "order_count", "value"],
                ascending=[False, False, True],
                na_position="last",
            )
            .reset_index(drop=True)
        )
    return result


def _get_interface_lift(filters: Filters, focus: Focus | None, min_orders: int) -> pd.DataFrame:
    """Lift for failing interfaces: hit rate of the orders with a failed attempt on each."""
    orders = where_clause(filters, time_column="ordered_at", alias="o")
    focus_condition = _focus_condition(focus, alias="x")
    hit = (
        "o.has_exception"
        if focus is None
        else f"o.case_id IN (SELECT x.case_id FROM marts.fct_exceptions AS x "
        f"WHERE {focus_condition.sql})"
    )
    marts_overall_sql = (
        f"SELECT avg(CASE WHEN {hit} THEN 1.0 ELSE 0.0 END) AS rate "
        f"FROM marts.fct_orders AS o WHERE {orders.sql}"
    )
    marts_overall_parameters = [*focus_condition.parameters, *orders.parameters]
    if focus is None:
        dims = _dimension_condition(filters)
        overall_rows = query_derived(
            f"""
            SELECT coalesce(sum(order_count) FILTER (WHERE has_exception), 0)
                   / sum(order_count) AS rate
            FROM memory.main.orders_by_attributes
            WHERE ordered_date BETWEEN ? AND ? AND ({dims.sql})
            """,
            [filters.start, filters.end, *dims.parameters],
            fallback_sql=marts_overall_sql,
            fallback_parameters=marts_overall_parameters,
        )
    else:
        overall_rows = query(marts_overall_sql, marts_overall_parameters)
    overall = overall_rows["rate"].iloc[0]
    derived_orders = where_clause(filters, time_column="ordered_at")
    if focus is None:
        derived_hit: SqlCondition = SqlCondition("has_exception", ())
    else:
        column = "exception_types" if focus.dimension == "exception_type" else "reason_codes"
        derived_hit = SqlCondition(f"list_contains({column}, ?)", (focus.value,))
    per_value = query_derived(
        f"""
        SELECT interface AS value,
               count(DISTINCT case_id) AS order_count,
               count(DISTINCT case_id) FILTER (WHERE {derived_hit.sql}) AS hit_order_count
        FROM memory.main.hurt_messages
        WHERE is_failed AND ({derived_orders.sql})
        GROUP BY 1
        """,
        [*derived_hit.parameters, *derived_orders.parameters],
        fallback_sql=f"""
        WITH scoped AS (
            SELECT o.case_id, {hit} AS is_hit FROM marts.fct_orders AS o WHERE {orders.sql}
        ),
        carried AS (
            SELECT DISTINCT m.interface AS value, m.case_id
            FROM marts.fct_integration_messages AS m
            WHERE m.failed_attempt_count > 0
        )
        SELECT carried.value,
               count(*) AS order_count,
               count(*) FILTER (WHERE scoped.is_hit) AS hit_order_count
        FROM carried JOIN scoped USING (case_id)
        GROUP BY 1
        """,
        fallback_parameters=[*focus_condition.parameters, *orders.parameters],
    )
    per_value = per_value[per_value["order_count"] >= min_orders].copy()
    per_value["rate"] = per_value["hit_order_count"] / per_value["order_count"]
    per_value["overall_rate"] = overall
    per_value["lift"] = per_value["rate"] / overall if overall and overall > 0 else float("nan")
    return per_value.sort_values(
        ["lift", "order_count", "value"], ascending=[False, False, True], na_position="last"
    ).reset_index(drop=True)


def get_process_edges(filters: Filters) -> pd.DataFrame:
    """The directly-follows graph of the transitions completed in the period.

    Without order filters it adds up ``agg_process_edges_daily``; with them it counts the
    period's ``fct_case_transitions`` of the kept orders.

    Returns:
        Columns ``source_activity``, ``target_activity``, ``frequency``,
        ``mean_wait_seconds`` and ``total_wait_seconds``, most frequent first.
    """
    if not filters.has_order_attribute_filter and not filters.node_id:
        return query(
            """
            SELECT source_activity, target_activity,
                   sum(frequency) AS frequency,
                   sum(total_wait_seconds) / sum(frequency) AS mean_wait_seconds,
                   sum(total_wait_seconds) AS total_wait_seconds
            FROM marts.agg_process_edges_daily
            WHERE transition_date BETWEEN ? AND ?
            GROUP BY 1, 2
            ORDER BY frequency DESC, source_activity, target_activity
            """,
            [filters.start, filters.end],
        )
    dims = _dimension_condition(filters, alias="o")
    derived_dims = _dimension_condition(filters)
    return query_derived(
        f"""
        SELECT source_activity, target_activity,
               sum(frequency) AS frequency,
               sum(total_wait_seconds) / sum(frequency) AS mean_wait_seconds,
               sum(total_wait_seconds) AS total_wait_seconds
        FROM memory.main.edges_by_order_attributes
        WHERE transition_date BETWEEN ? AND ? AND ({derived_dims.sql})
        GROUP BY 1, 2
        ORDER BY frequency DESC, source_activity, target_activity
        """,
        [filters.start, filters.end, *derived_dims.parameters],
        fallback_sql=f"""
        SELECT t.source_activity, t.target_activity,
               count(*) AS frequency,
               sum(t.wait_seconds) / count(*) AS mean_wait_seconds,
               sum(t.wait_seconds) AS total_wait_seconds
        FROM marts.fct_case_transitions AS t
        WHERE t.transition_date BETWEEN ? AND ?
          AND t.case_id IN (SELECT o.case_id FROM marts.fct_orders AS o WHERE {dims.sql})
        GROUP BY 1, 2
        ORDER BY frequency DESC, t.source_activity, t.target_activity
        """,
        fallback_parameters=[filters.start, filters.end, *dims.parameters],
    )


def get_variants(limit: int = 25) -> pd.DataFrame:
    """The most frequent process variants over all cases (``agg_variants``)."""
    return query(
        """
        SELECT variant_rank, variant_key, activity_count, case_count, case_share,
               median_throughput_seconds / 3600.0 AS median_throughput_hours,
               p95_throughput_seconds / 3600.0 AS p95_throughput_hours
        FROM marts.agg_variants
        ORDER BY variant_rank
        LIMIT ?
        """,
        [limit],
    )


def get_deviations() -> pd.DataFrame:
    """Deviations from the reference model found by conformance checking (``mining``)."""
    return query(
        """
        SELECT deviation, kind, activity, case_count, case_share,
               extra_seconds / 3600.0 AS extra_hours
        FROM mining.deviations
        ORDER BY case_count DESC, deviation
        """
    )


@dataclass(frozen=True)
class ConformanceSummary:
    """How well the cases fit the model conformance was measured against.

    Attributes:
        fitness: Case-weighted alignment fitness; ``None`` when not measured.
        conforming_share: Share of cases fitting the model; ``None`` when not measured.
        model_label: The model in a few words (``mining.conformance_model``); ``None``
            when the publication does not say which model was used.
        unmeasured_reason: Why there is no fitness, in words.
    """

    fitness: float | None
    conforming_share: float | None
    model_label: str | None
    unmeasured_reason: str | None

    @property
    def headline(self) -> str:
        """Fitness and the share of fitting cases against the named model, or why none."""
        against = f" against {self.model_label}" if self.model_label else ""
        if self.fitness is None:
            return f"No fitness{against}: {self.unmeasured_reason}."
        conforming = (
            f" · cases fitting the model {self.conforming_share:.1%}"
            if self.conforming_share is not None
            else ""
        )
        return f"Fitness {self.fitness:.1%}{against}{conforming}"


NO_CASES_CHECKED = "no case of this log could be checked against a model of its process"


def _conformance_model_row() -> pd.Series | None:
    """The one row of ``mining.conformance_model``, or ``None`` when not published."""
    try:
        frame = query("SELECT * FROM mining.conformance_model")
    except MissingTableError:
        return None
    return None if frame.empty else frame.iloc[0]


def get_conformance_summary() -> ConformanceSummary:
    """Fitness and conforming share, with the model's label and why a figure is missing.

    Read from ``mining.conformance_model`` when the publication has it; otherwise the
    case-weighted fitness of the variants that have one (``mining.conformance_variants``).
    """
    model = _conformance_model_row()
    if model is not None:
        fitness = _number(model.get("fitness"))
        conforming = _number(model.get("conforming_case_share"))
        reason = model.get("unmeasured_reason")
        label = model.get("label")
        return ConformanceSummary(
            fitness=fitness,
            conforming_share=conforming if fitness is not None else None,
            model_label=None if label is None or pd.isna(label) else str(label),
            unmeasured_reason=(
                str(reason) if isinstance(reason, str) and reason else NO_CASES_CHECKED
            )
            if fitness is None
            else None,
        )
    row = query(
        """
        SELECT sum(fitness * case_count) FILTER (WHERE fitness IS NOT NULL)
                   / sum(case_count) FILTER (WHERE fitness IS NOT NULL) AS fitness,
               sum(case_count) FILTER (WHERE fitness IS NOT NULL AND is_conforming)
                   / sum(case_count) FILTER (WHERE fitness IS NOT NULL) AS conforming_share
        FROM mining.conformance_variants
        """
    ).iloc[0]
    fitness = _number(row["fitness"])
    return ConformanceSummary(
        fitness=fitness,
        conforming_share=_number(row["conforming_share"]) if fitness is not None else None,
        model_label=None,
        unmeasured_reason=NO_CASES_CHECKED if fitness is None else None,
    )


def get_interface_health(filters: Filters) -> pd.DataFrame:
    """Per interface over the period: calls and failure, retry, duplicate, dead-letter rates.

    Returns:
        Columns ``interface``, ``call_count``, ``failure_rate``, ``retry_rate``,
        ``duplicate_rate``, ``dead_letter_rate``, ``mean_latency_ms``, ``worst_p95_latency_ms``.
    """
    return query(
        """
        SELECT interface,
               sum(call_count) AS call_count,
               sum(failure_count) / sum(call_count) AS failure_rate,
               sum(retry_count) / sum(call_count) AS retry_rate,
               sum(duplicate_count) / sum(call_count) AS duplicate_rate,
               sum(dead_letter_count) / sum(call_count) AS dead_letter_rate,
               sum(mean_latency_ms * call_count) / sum(call_count) AS mean_latency_ms,
               max(p95_latency_ms) AS worst_p95_latency_ms
        FROM marts.agg_integration_health_hourly
        WHERE hour_at >= ? AND hour_at < ?
        GROUP BY interface
        ORDER BY failure_rate DESC, interface
        """,
        [day_start(filters.start), day_end(filters.end)],
    )


INTERFACE_METRICS: dict[str, str] = {
    "failure_rate": "sum(failure_count) / sum(call_count)",
    "retry_rate": "sum(retry_count) / sum(call_count)",
    "duplicate_rate": "sum(duplicate_count) / sum(call_count)",
    "dead_letter_rate": "sum(dead_letter_count) / sum(call_count)",
    "mean_latency_ms": "sum(mean_latency_ms * call_count) / sum(call_count)",
}
"""Daily roll-ups of the hourly interface mart (rates re-weighted by calls)."""


def get_interface_series(filters: Filters, metric: str) -> pd.DataFrame:
    """One metric per interface and day of the period.

    Returns:
        Columns ``day``, ``interface`` and ``value``.
    """
    if metric not in INTERFACE_METRICS:
        raise ValueError(f"interface metric must be one of {tuple(INTERFACE_METRICS)}")
    return query(
        f"""
        SELECT hour_at::DATE AS day, interface, {INTERFACE_METRICS[metric]} AS value
        FROM marts.agg_integration_health_hourly
        WHERE hour_at >= ? AND hour_at < ?
        GROUP BY 1, 2
        ORDER BY 1, 2
        """,
        [day_start(filters.start), day_end(filters.end)],
    )


def get_interface_impact(filters: Filters) -> pd.DataFrame:
    """Orders hurt by each interface in the period and the exceptions those orders had.

    An order is hurt by an interface when one of its messages on it, first sent in the
    period, had a failed attempt or was dead-lettered.

    Returns:
        Columns ``interface``, ``orders_hurt``, ``exceptions_on_hurt_orders``,
        ``dead_lettered_messages``, most orders first.
    """
    dims = _dimension_condition(filters, alias="o")
    order_scope = (
        f"AND m.case_id IN (SELECT o.case_id FROM marts.fct_orders AS o WHERE {dims.sql})"
        if dims.parameters
        else ""
    )
    period = [day_start(filters.start), day_end(filters.end)]
    derived_dims = _dimension_condition(filters)
    return query_derived(
        f"""
        WITH hurt AS (
            SELECT interface, case_id,
                   count(*) FILTER (WHERE is_dead_lettered) AS dead_lettered_messages,
                   any_value(exception_count) AS exception_count
            FROM memory.main.hurt_messages
            WHERE first_sent_at >= ? AND first_sent_at < ? AND ({derived_dims.sql})
            GROUP BY 1, 2
        )
        SELECT interface,
               count(*) AS orders_hurt,
               sum(exception_count) AS exceptions_on_hurt_orders,
               sum(dead_lettered_messages) AS dead_lettered_messages
        FROM hurt
        GROUP BY interface
        ORDER BY orders_hurt DESC, interface
        """,
        [*period, *derived_dims.parameters],
        fallback_sql=f"""
        WITH hurt AS (
            SELECT m.interface, m.case_id,
                   count(*) FILTER (WHERE m.is_dead_lettered) AS dead_lettered_messages
            FROM marts.fct_integration_messages AS m
            WHERE m.first_sent_at >= ? AND m.first_sent_at < ?
              AND (m.failed_attempt_count > 0 OR m.is_dead_lettered)
              {order_scope}
            GROUP BY 1, 2
        ),
        exceptions_per_order AS (
            SELECT case_id, count(*) AS exception_count
            FROM marts.fct_exceptions
            WHERE case_id IN (SELECT case_id FROM hurt)
            GROUP BY 1
        )
        SELECT hurt.interface,
               count(*) AS orders_hurt,
               coalesce(sum(exceptions_per_order.exception_count), 0) AS exceptions_on_hurt_orders,
               sum(hurt.dead_lettered_messages) AS dead_lettered_messages
        FROM hurt LEFT JOIN exceptions_per_order USING (case_id)
        GROUP BY hurt.interface
        ORDER BY orders_hurt DESC, hurt.interface
        """,
        fallback_parameters=[*period, *dims.parameters],
    )


def get_exception_costs(filters: Filters) -> pd.DataFrame:
    """Cost of the period's exceptions per type, split into the cost model's components.

    Returns:
        Columns ``exception_type``, ``exception_class``, ``is_auto_resolvable_type``,
        ``exception_count``, ``touch_count``, ``labor_cost``, ``escalation_cost``,
        ``expedite_cost``, ``cancellation_cost``, ``refund_leakage_cost``, ``total_cost``.

    Raises:
        CostAccessDeniedError: When the logged-in user's role may not see costs.
    """
    _require_cost_access()
    period = where_clause(filters, time_column="detected_at")
    return query(
        f"""
        SELECT exception_type,
               any_value(exception_class) AS exception_class,
               bool_or(coalesce(is_auto_resolvable_type, FALSE)) AS is_auto_resolvable_type,
               count(*) AS exception_count,
               sum(touch_count) AS touch_count,
               sum(labor_cost) AS labor_cost,
               sum(escalation_cost) AS escalation_cost,
               sum(expedite_cost) AS expedite_cost,
               sum(cancellation_cost) AS cancellation_cost,
               sum(refund_leakage_cost) AS refund_leakage_cost,
               sum(total_cost) AS total_cost
        FROM marts.fct_exceptions
        WHERE {period.sql}
        GROUP BY exception_type
        ORDER BY total_cost DESC, exception_type
        """,
        period.parameters,
    )


def get_cost_model() -> dict[str, float]:
    """The cost model's parameters by name (``reference.cost_model``).

    Raises:
        CostAccessDeniedError: When the logged-in user's role may not see costs.
    """
    _require_cost_access()
    frame = query("SELECT parameter, value FROM reference.cost_model")
    return {str(row.parameter): float(row.value) for row in frame.itertuples()}


def get_automation_levels() -> pd.DataFrame:
    """The stated automation levels and the share of touches each automates."""
    return query(
        "SELECT automation_level, touch_automation_share, description "
        "FROM reference.automation_levels ORDER BY touch_automation_share"
    )


ORDER_SUMMARY_COLUMNS: tuple[str, ...] = (
    "case_id",
    "channel",
    "region",
    "node_id",
    "carrier",
    "first_event_at",
    "last_event_at",
    "event_count",
    "ordered_at",
    "promised_at",
    "fulfilled_at",
    "is_on_time",
    "is_cancelled",
    "exception_count",
    "exception_cost",
)
"""The ``fct_orders`` columns of an order's summary: turning a row into a DataFrame costs
about half a millisecond per column, so the 46-column row is not read whole."""


def get_order(case_id: str) -> pd.DataFrame:
    """One order's summary row from ``fct_orders`` (empty when unknown)."""
    columns = ", ".join(ORDER_SUMMARY_COLUMNS)
    return _without_costs(
        query(f"SELECT {columns} FROM marts.fct_orders WHERE case_id = ?", [case_id])
    )


def get_order_events(case_id: str) -> pd.DataFrame:
    """One order's workflow events in case order, rebuilt from its directly-follows pairs.

    Returns:
        Columns ``event_id``, ``activity``, ``event_at``, ``event_seq``.
    """
    return query(
        """
        SELECT source_event_id AS event_id, source_activity AS activity,
               source_at AS event_at, source_event_seq AS event_seq
        FROM marts.fct_case_transitions
        WHERE case_id = ? AND transition_index = 1
        UNION ALL
        SELECT target_event_id, target_activity, target_at, target_event_seq
        FROM marts.fct_case_transitions
        WHERE case_id = ?
        ORDER BY event_at, event_seq
        """,
        [case_id, case_id],
    )


def get_order_messages(case_id: str) -> pd.DataFrame:
    """One order's integration messages, first sent first."""
    return query(
        """
        SELECT idempotency_key, interface, source_system, target_system, operation,
               first_sent_at, last_sent_at, attempt_count, failed_attempt_count,
               final_status, is_dead_lettered, is_replayed, has_duplicate_delivery,
               delivery_latency_ms
        FROM marts.fct_integration_messages
        WHERE case_id = ?
        ORDER BY first_sent_at, idempotency_key
        """,
        [case_id],
    )


def get_order_exceptions(case_id: str) -> pd.DataFrame:
    """One order's exceptions, first detected first (without cost for roles that may not
    see it)."""
    exceptions = query(
        """
        SELECT exception_id, exception_type, owning_team, reason_code, source_system, status,
               detected_at, first_response_at, resolved_at, touch_count, escalation_count,
               reopen_count, is_resolution_sla_breached, total_cost
        FROM marts.fct_exceptions
        WHERE case_id = ?
        ORDER BY detected_at, exception_id
        """,
        [case_id],
    )
    return _without_costs(exceptions)


def get_automatable_classes() -> list[str]:
    """Exception classes with at least one type the taxonomy allows to resolve automatically."""
    frame = query(
        "SELECT DISTINCT exception_class FROM marts.dim_exception_types "
        "WHERE is_auto_resolvable ORDER BY exception_class"
    )
    return frame["exception_class"].dropna().tolist()


__all__ = [
    "AGING_BUCKETS",
    "BACKLOG_GROUPINGS",
    "DIMENSIONS",
    "LIFT_DIMENSIONS",
    "PARETO_DIMENSIONS",
    "SETTINGS_KEY",
    "ConformanceSummary",
    "CostAccessDeniedError",
    "DataPeriod",
    "FilterOptions",
    "Focus",
    "MissingTableError",
    "Publication",
    "ServingCopyUnavailableError",
]


def get_work_queue(filters: Filters, limit: int = 200) -> pd.DataFrame:
    """Open exceptions by priority (SLA-breach risk x impact), with the recommended next
    action, whether policy lets it be automated, and the score's top factors in words."""
    dims = _dimension_condition(filters)
    frame = query(
        f"""
        SELECT priority_rank, exception_id, case_id, exception_type, owning_team, node_id,
               carrier, channel, detected_at, due_at, is_past_due,
               round(100 * risk, 0) AS risk_percent, order_amount, round(priority, 2) AS priority,
               recommended_action, action_mode, requires_human, explanation, model_version
        FROM triage.exception_risk_scores
        WHERE {dims.sql}
        ORDER BY priority_rank
        LIMIT ?
        """,
        [*dims.parameters, limit],
    )
    if may_see_costs():
        return frame
    return frame.drop(columns=["order_amount"])


def get_current_alerts(limit: int = 5) -> pd.DataFrame:
    """The latest spike alerts with their likely cause (echoes of another alert left out)."""
    return query(
        """
        SELECT dimension, value, metric, last_alert_at, observed, expected, likely_cause,
               is_recurring
        FROM triage.alerts
        WHERE echo_of IS NULL
        ORDER BY last_alert_at DESC, alert_id
        LIMIT ?
        """,
        [limit],
    )
