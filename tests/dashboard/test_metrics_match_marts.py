"""Every KPI the overview shows equals the mart that defines it, on the demo warehouse.

The dashboard only filters and adds up mart rows; here each figure is read back from the
marts themselves (``mart_kpi_daily`` for single days, the exception-, order- and
backlog-grain marts in pandas under filters) and compared, so a rule written a second
time in the dashboard would show up as a difference.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
import yaml

from dashboard.app import create_app
from dashboard.filters import Filters, day_end, day_start
from dashboard.queries.filter_bar import resolve_filters
from dashboard.queries.overview import get_period_kpis
from dashboard.queries.root_causes import get_lift, get_lift_min_orders
from orderlens.warehouse import connect

pytestmark = pytest.mark.slow

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml"
TEST_SECRET_KEY = "metrics-tests-secret-key-0123456789abcdef"
KPIS = (
    "open_backlog",
    "past_sla_share",
    "exceptions_per_1000_orders",
    "median_first_response_minutes",
    "median_resolution_hours",
    "touchless_rate",
    "on_time_delivery_rate",
    "exception_cost",
)


@pytest.fixture(scope="module")
def app_context(published_demo):
    app = create_app(dataclasses.replace(published_demo.settings, secret_key=TEST_SECRET_KEY))
    with app.server.app_context():
        yield


@pytest.fixture(scope="module")
def mart(published_demo):
    def read(table: str) -> pd.DataFrame:
        with connect(published_demo.settings.serving_path, read_only=True) as con:
            return con.execute(f"SELECT * FROM {table}").df()

    return read


def _value(number) -> float | None:
    return None if number is None or pd.isna(number) else float(number)


def _assert_same(shown: dict, expected: dict) -> None:
    assert set(shown) == set(KPIS)
    for kpi in KPIS:
        left, right = _value(shown[kpi]), _value(expected[kpi])
        if right is None:
            assert left is None, kpi
        else:
            assert left == pytest.approx(right, rel=1e-9, abs=1e-9), kpi


def test_overview_kpis_of_single_days_equal_mart_kpi_daily(app_context, mart):
    daily = mart("marts.mart_kpi_daily")
    daily = daily.set_index(pd.to_datetime(daily["date_day"]).dt.date)
    exceptions = mart("marts.fct_exceptions")
    period = resolve_filters(Filters())
    days = (period.start, period.start + timedelta(days=6), period.end)
    for day in days:
        row = daily.loc[day]
        detected = exceptions[
            (exceptions["detected_at"] >= day_start(day))
            & (exceptions["detected_at"] < day_end(day))
        ]
        expected = {
            "open_backlog": row["open_backlog"],
            "past_sla_share": row["past_sla_share"],
            "exceptions_per_1000_orders": row["exceptions_per_1000_orders"],
            "median_first_response_minutes": row["median_first_response_minutes"],
            "median_resolution_hours": row["median_resolution_minutes"] / 60.0,
            "touchless_rate": row["touchless_rate"],
            "on_time_delivery_rate": row["on_time_delivery_rate"],
            "exception_cost": detected["total_cost"].sum(),
        }
        _assert_same(get_period_kpis(Filters(start=day, end=day)), expected)
    assert daily.loc[list(days), "open_backlog"].sum() > 0


def _kpis_from_marts(mart, filters: Filters) -> dict[str, float | None]:
    """The overview's KPIs for ``filters`` recounted in pandas from the marts' rows."""
    start, end = day_start(filters.start), day_end(filters.end)

    def kept(frame: pd.DataFrame) -> pd.DataFrame:
        for dimension in ("channel", "region", "node_id", "carrier"):
            values = filters.values(dimension)
            if values:
                frame = frame[frame[dimension].isin(values)]
        return frame

    exceptions = kept(mart("marts.fct_exceptions"))
    orders = kept(mart("marts.fct_orders"))
    backlog = kept(mart("marts.fct_exception_backlog_daily"))
    backlog = backlog[pd.to_datetime(backlog["date_day"]).dt.date == filters.end]
    detected = exceptions[(exceptions["detected_at"] >= start) & (exceptions["detected_at"] < end)]
    resolved = exceptions[(exceptions["resolved_at"] >= start) & (exceptions["resolved_at"] < end)]
    created = orders[(orders["ordered_at"] >= start) & (orders["ordered_at"] < end)]
    open_count = float(backlog["open_count"].sum())
    decided = created["is_on_time"].dropna().astype(float)
    return {
        "open_backlog": open_count,
        "past_sla_share": backlog["past_sla_count"].sum() / open_count if open_count else None,
        "exceptions_per_1000_orders": 1000.0 * len(detected) / len(created)
        if len(created)
        else None,
        "median_first_response_minutes": detected["first_response_minutes"].median(),
        "median_resolution_hours": resolved["resolution_minutes"].median() / 60.0,
        "touchless_rate": resolved["is_touchless"].astype(float).mean(),
        "on_time_delivery_rate": decided.mean() if len(decided) else None,
        "exception_cost": detected["total_cost"].sum(),
    }


def _most_common(mart, column: str) -> str:
    return str(mart("marts.fct_exceptions")[column].value_counts().index[0])


@pytest.mark.parametrize("scope", ["channel", "node_and_week", "channel_region_carrier"])
def test_overview_kpis_with_filters_equal_the_marts_rows(app_context, mart, scope):
    period = resolve_filters(Filters())
    filters = {
        "channel": Filters(channel=("web",)),
        "node_and_week": Filters(
            start=period.end - timedelta(days=6),
            end=period.end,
            node_id=(_most_common(mart, "node_id"),),
        ),
        "channel_region_carrier": Filters(
            channel=("web", "store"),
            region=(_most_common(mart, "region"),),
            carrier=(_most_common(mart, "carrier"),),
        ),
    }[scope]
    filters = resolve_filters(filters)
    expected = _kpis_from_marts(mart, filters)
    _assert_same(get_period_kpis(filters), expected)
    assert expected["exceptions_per_1000_orders"] > 0


def test_lift_leaves_out_values_under_dbts_root_cause_min_orders(app_context, mart):
    min_orders = yaml.safe_load(DBT_PROJECT.read_text())["vars"]["root_cause_min_orders"]
    assert get_lift_min_orders() == min_orders
    filters = resolve_filters(Filters())
    start, end = day_start(filters.start), day_end(filters.end)
    orders = mart("marts.fct_orders")
    scoped = orders[(orders["ordered_at"] >= start) & (orders["ordered_at"] < end)]
    counts = scoped["node_id"].value_counts()
    lift = get_lift(filters, "node_id")
    assert sorted(lift["value"]) == sorted(counts[counts >= min_orders].index)
    assert len(lift) > 0
