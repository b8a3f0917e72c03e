"""Filters survive the URL round trip and reach SQL only as bound parameters."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pytest

from dashboard.filters import Filters, filters_from_query, filters_to_query, where_clause


def test_filters_round_trip_through_the_url():
    filters = Filters(
        start=date(2026, 3, 2),
        end=date(2026, 3, 8),
        channel=("app", "web"),
        region=("east",),
        node_id=("DC-EAST-01",),
        carrier=("Parcel & Co",),
    )
    query = filters_to_query(filters)
    assert query == (
        "?start=2026-03-02&end=2026-03-08&channel=app&channel=web&region=east"
        "&node=DC-EAST-01&carrier=Parcel+%26+Co"
    )
    assert filters_from_query(query) == filters


def test_filters_from_query_ignores_unknown_keys_and_bad_dates_and_orders_the_period():
    parsed = filters_from_query("?start=2026-03-09&end=2026-03-01&colour=red&channel=&node=N1")
    assert parsed == Filters(start=date(2026, 3, 1), end=date(2026, 3, 9), node_id=("N1",))
    assert filters_from_query("?start=yesterday") == Filters()


def test_filters_previous_period_has_the_same_length_and_ends_the_day_before():
    filters = Filters(start=date(2026, 3, 15), end=date(2026, 3, 28))
    previous = filters.previous_period()
    assert (previous.start, previous.end) == (date(2026, 3, 1), date(2026, 3, 14))


def test_filters_store_round_trip_keeps_every_value():
    filters = Filters(start=date(2026, 1, 1), end=date(2026, 1, 31), carrier=("A", "B"))
    assert Filters.from_store(filters.to_store()) == filters
    assert Filters.from_store(None) == Filters()


def test_where_clause_binds_a_hostile_value_as_data_not_sql():
    hostile = "web') OR TRUE --"
    condition = where_clause(
        Filters(start=date(2026, 3, 1), end=date(2026, 3, 1), channel=(hostile, "app")),
        time_column="happened_at",
    )
    assert hostile not in condition.sql
    assert condition.parameters == (
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2026, 3, 2, tzinfo=UTC),
        hostile,
        "app",
    )
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE t (channel VARCHAR, happened_at TIMESTAMPTZ)")
    con.execute(
        "INSERT INTO t VALUES ('web', '2026-03-01 10:00+00'), ('app', '2026-03-01 23:59+00'),"
        " ('app', '2026-03-02 00:00+00'), (?, '2026-03-01 12:00+00')",
        [hostile],
    )
    kept = con.execute(
        f"SELECT channel FROM t WHERE {condition.sql} ORDER BY channel", list(condition.parameters)
    ).fetchall()
    assert kept == [("app",), (hostile,)]


def test_where_clause_needs_a_period_when_filtering_on_time():
    with pytest.raises(ValueError, match="resolved start and end"):
        where_clause(Filters(), time_column="happened_at")
    with pytest.raises(ValueError, match="unknown filter dimension"):
        Filters().values("colour")
