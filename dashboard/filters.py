"""The global filters (date range, channel, region, node, carrier) and their two encodings.

Filters travel in the URL so a view can be shared as a link (:func:`filters_to_query`,
:func:`filters_from_query`), and reach SQL only as bound parameters
(:func:`where_clause`): a filter value is never formatted into a statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlencode

DIMENSIONS: tuple[str, ...] = ("channel", "region", "node_id", "carrier")
"""Order attributes every fact table of the dashboard carries under these column names."""

QUERY_KEYS: dict[str, str] = {
    "channel": "channel",
    "region": "region",
    "node_id": "node",
    "carrier": "carrier",
}
"""URL parameter name of each dimension (``node`` reads better in a link than ``node_id``)."""


@dataclass(frozen=True)
class Filters:
    """What the user chose to look at.

    Attributes:
        start: First day of the period (UTC, inclusive); ``None`` for the default period.
        end: Last day of the period (UTC, inclusive); ``None`` for the default period.
        channel: Sales channels kept (empty keeps all).
        region: Regions kept (empty keeps all).
        node_id: Fulfillment nodes kept (empty keeps all).
        carrier: Carriers kept (empty keeps all).
    """

    start: date | None = None
    end: date | None = None
    channel: tuple[str, ...] = field(default_factory=tuple)
    region: tuple[str, ...] = field(default_factory=tuple)
    node_id: tuple[str, ...] = field(default_factory=tuple)
    carrier: tuple[str, ...] = field(default_factory=tuple)

    def values(self, dimension: str) -> tuple[str, ...]:
        """The kept values of one dimension (a name in :data:`DIMENSIONS`)."""
        if dimension not in DIMENSIONS:
            raise ValueError(f"unknown filter dimension {dimension!r}; known: {DIMENSIONS}")
        return getattr(self, dimension)

    def with_period(self, start: date, end: date) -> Filters:
        """The same filters over another period."""
        return replace(self, start=start, end=end)

    def previous_period(self) -> Filters:
        """The period of equal length that ends the day before this one starts."""
        if self.start is None or self.end is None:
            raise ValueError("previous_period needs a resolved start and end")
        length = (self.end - self.start).days + 1
        return self.with_period(self.start - timedelta(days=length), self.start - timedelta(days=1))

    @property
    def has_order_attribute_filter(self) -> bool:
        """True when channel, region or carrier narrows the data (node alone does not)."""
        return bool(self.channel or self.region or self.carrier)

    def to_store(self) -> dict[str, object]:
        """A JSON-able form for a ``dcc.Store``."""
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            **{dimension: list(self.values(dimension)) for dimension in DIMENSIONS},
        }

    @classmethod
    def from_store(cls, data: Mapping[str, object] | None) -> Filters:
        """Read back :meth:`to_store`'s form (``None`` gives the default filters)."""
        if not data:
            return cls()
        return cls(
            start=_parse_day(data.get("start")),
            end=_parse_day(data.get("end")),
            **{dimension: _clean_values(data.get(dimension)) for dimension in DIMENSIONS},
        )


def _parse_day(value: object) -> date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _clean_values(values: object) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple):
        return ()
    return tuple(sorted({str(value) for value in values if value not in (None, "")}))


def filters_from_query(search: str | None) -> Filters:
    """Parse a URL query string (``?start=...&channel=web&channel=app``) into filters.

    Unknown parameters and unreadable dates are ignored, so an old or hand-edited link
    still opens.
    """
    parsed = parse_qs((search or "").lstrip("?"), keep_blank_values=False)
    start = _parse_day((parsed.get("start") or [None])[0])
    end = _parse_day((parsed.get("end") or [None])[0])
    if start and end and start > end:
        start, end = end, start
    return Filters(
        start=start,
        end=end,
        **{dimension: _clean_values(parsed.get(key, [])) for dimension, key in QUERY_KEYS.items()},
    )


def filters_to_query(filters: Filters) -> str:
    """Encode filters as a URL query string starting with ``?`` (empty when all default)."""
    pairs: list[tuple[str, str]] = []
    if filters.start:
        pairs.append(("start", filters.start.isoformat()))
    if filters.end:
        pairs.append(("end", filters.end.isoformat()))
    for dimension, key in QUERY_KEYS.items():
        pairs.extend((key, value) for value in filters.values(dimension))
    return f"?{urlencode(pairs)}" if pairs else ""


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of ``day``."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def day_end(day: date) -> datetime:
    """Midnight UTC at the end of ``day`` (exclusive bound)."""
    return day_start(day + timedelta(days=1))


@dataclass(frozen=True)
class SqlCondition:
    """A SQL boolean expression with ``?`` placeholders and the values bound to them."""

    sql: str
    parameters: tuple[object, ...]

    def and_(self, other: SqlCondition) -> SqlCondition:
        """Both conditions."""
        return SqlCondition(f"({self.sql}) AND ({other.sql})", self.parameters + other.parameters)


def where_clause(
    filters: Filters,
    *,
    time_column: str | None,
    alias: str = "",
    dimensions: tuple[str, ...] = DIMENSIONS,
) -> SqlCondition:
    """The condition keeping rows inside the filters' period and dimension values.

    Args:
        filters: Resolved filters (start and end set when ``time_column`` is given).
        time_column: Timestamp column compared with the period (``None``: no period).
        alias: Table alias prefixed to column names (``"o"`` gives ``o.channel``).
        dimensions: Which dimension columns the table has.

    Returns:
        A condition whose parameters are the filter values, in placeholder order.
    """
    prefix = f"{alias}." if alias else ""
    parts: list[str] = ["TRUE"]
    parameters: list[object] = []
    if time_column is not None:
        if filters.start is None or filters.end is None:
            raise ValueError("where_clause with a time_column needs a resolved start and end")
        parts.append(f"{prefix}{time_column} >= ? AND {prefix}{time_column} < ?")
        parameters.extend([day_start(filters.start), day_end(filters.end)])
    for dimension in dimensions:
        kept = filters.values(dimension)
        if kept:
            placeholders = ", ".join("?" for _ in kept)
            parts.append(f"{prefix}{dimension} IN ({placeholders})")
            parameters.extend(kept)
    return SqlCondition(" AND ".join(parts), tuple(parameters))
