"""The filter bar's data: the calendar the data covers, the default period, and the values
each drop-down offers (or why a dimension is not in this data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from dashboard.filters import Filters
from dashboard.serving import ServingCopyUnavailableError, get_missing_analysis, query
from orderlens.coverage import AnalysisCoverage

DEFAULT_PERIOD_DAYS = 14
"""The default view of data with exceptions: the last two weeks, compared with the two weeks
before (a morning check of an operation). A log without exceptions opens on all its days."""


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


QUICK_RANGES: dict[str, str] = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "qtd": "Quarter to date",
    "all": "Whole period",
}
"""The quick date ranges of the filter bar, by key, with their button labels."""


def quick_range(key: str, period: DataPeriod) -> tuple[date, date]:
    """First and last day of a quick range, counted back from the data's last day.

    "Last 7 days" means the seven days ending on the day of the last event, not today:
    a log exported last quarter still opens on its own last week.

    Example:
        >>> period = DataPeriod(date(2026, 1, 10), date(2026, 5, 20), None)
        >>> quick_range("qtd", period)
        (datetime.date(2026, 4, 1), datetime.date(2026, 5, 20))
        >>> quick_range("90d", period)
        (datetime.date(2026, 2, 20), datetime.date(2026, 5, 20))

    Raises:
        ValueError: for a key not in :data:`QUICK_RANGES`.
    """
    end = period.last_day
    if key == "all":
        start = period.first_day
    elif key == "qtd":
        start = date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    elif key in {"7d", "30d", "90d"}:
        start = end - timedelta(days=int(key[:-1]) - 1)
    else:
        raise ValueError(f"unknown quick range {key!r}; known: {tuple(QUICK_RANGES)}")
    return max(start, period.first_day), end


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
