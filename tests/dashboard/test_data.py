"""The dashboard's queries against independent computations on the same demo warehouse.

Each figure the pages show comes from ``dashboard.queries``; here it is recomputed from the
raw events (or from the mart's rows, in pandas) and compared.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
import yaml

from dashboard.app import create_app
from dashboard.filters import Filters, day_end, day_start
from dashboard.queries.backlog import get_backlog_at, get_backlog_series
from dashboard.queries.filter_bar import get_data_period, resolve_filters
from dashboard.queries.integration import get_interface_impact
from dashboard.queries.overview import get_kpi_comparison, get_period_kpis, get_split_shipments
from dashboard.queries.process import get_process_edges
from dashboard.queries.roi import get_exception_costs
from dashboard.queries.root_causes import Focus, get_lift
from dashboard.serving import get_publication, prepare_derived_tables
from orderlens.settings import Settings
from orderlens.users import Role, add_user
from orderlens.warehouse import connect, publish_serving_copy

pytestmark = pytest.mark.slow

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml"
OPENING = {"detected", "reopened"}
TEST_SECRET_KEY = "data-tests-secret-key-0123456789abcdef"


def _with_key(settings: Settings) -> Settings:
    """The settings with a session key: the app refuses to start without one."""
    return dataclasses.replace(settings, secret_key=TEST_SECRET_KEY)


CLOSING = {"resolved_auto", "resolved_manual"}


@pytest.fixture(scope="module")
def app_context(published_demo):
    """The real app's Flask context, so ``dashboard.serving`` finds the demo serving copy."""
    app = create_app(_with_key(published_demo.settings))
    with app.server.app_context():
        yield


@pytest.fixture(params=["marts", "derived"])
def answered_from(request, published_demo, tmp_path, monkeypatch):
    """A fresh publication answered either straight from the marts or from the in-memory
    derived tables, so both paths are compared with the same independent figures."""
    import dashboard.serving

    settings = Settings(data_dir=tmp_path / "data")
    settings.ensure_dirs()
    shutil.copy(published_demo.settings.warehouse_path, settings.warehouse_path)
    publish_serving_copy(settings)
    app = create_app(_with_key(settings))
    with app.server.app_context():
        if request.param == "derived":
            assert prepare_derived_tables()
        else:
            monkeypatch.setattr(dashboard.serving._SERVING, "start_derived", lambda _: None)
        yield request.param


@pytest.fixture(scope="module")
def mart(published_demo):
    """Read a whole mart table from the serving copy, for recomputation in pandas."""

    def read(table: str) -> pd.DataFrame:
        with connect(published_demo.settings.serving_path, read_only=True) as con:
            return con.execute(f"SELECT * FROM {table}").df()

    return read


@pytest.fixture(scope="module")
def raw_events(published_demo) -> pd.DataFrame:
    with connect(published_demo.settings.warehouse_path, read_only=True) as con:
        return con.execute(
            "SELECT case_id, activity, event_at, event_seq, exception_id, exception_stage"
            " FROM raw.workflow_events"
        ).df()


def _open_at(raw_events: pd.DataFrame, cutoff) -> int:
    """Replay each exception's lifecycle up to ``cutoff``; count those left open."""
    lifecycle = raw_events[
        raw_events["exception_id"].notna()
        & raw_events["exception_stage"].notna()
        & (raw_events["event_at"] < cutoff)
    ].sort_values(["event_at", "event_seq"])
    open_count = 0
    for _, events in lifecycle.groupby("exception_id"):
        is_open = False
        for stage in events["exception_stage"]:
            if stage in OPENING:
                is_open = True
            elif stage in CLOSING:
                is_open = False
        open_count += is_open
    return open_count


def test_data_backlog_series_equals_replaying_raw_lifecycles(app_context, raw_events):
    filters = resolve_filters(Filters())
    series = get_backlog_series(filters)
    days = pd.date_range(filters.start, filters.end, freq="D").date
    assert [d for d in pd.to_datetime(series["date_day"]).dt.date] == list(days)
    expected = [_open_at(raw_events, day_end(day)) for day in days]
    assert series["open_count"].astype(int).tolist() == expected
    assert sum(expected) > 0


def test_data_period_kpis_count_exceptions_per_1000_orders_like_raw_events(app_context, raw_events):
    filters = resolve_filters(Filters())
    start, end = day_start(filters.start), day_end(filters.end)
    created = raw_events[raw_events["activity"] == "Order Created"]
    orders = created[(created["event_at"] >= start) & (created["event_at"] < end)]
    tagged = raw_events[raw_events["exception_id"].notna()]
    detected_stage = (
        tagged[tagged["exception_stage"] == "detected"].groupby("exception_id")["event_at"].min()
    )
    first_event = tagged.groupby("exception_id")["event_at"].min()
    detected_at = detected_stage.reindex(first_event.index).fillna(first_event)
    detected = ((detected_at >= start) & (detected_at < end)).sum()
    kpis = get_period_kpis(filters)
    assert kpis["exceptions_per_1000_orders"] == pytest.approx(
        1000 * detected / orders["case_id"].nunique()
    )
    assert kpis["open_backlog"] == _open_at(raw_events, end)


def test_data_period_kpis_with_a_channel_filter_match_the_marts_rows(app_context, mart):
    filters = resolve_filters(Filters(channel=("web",)))
    start, end = day_start(filters.start), day_end(filters.end)
    exceptions = mart("marts.fct_exceptions")
    web = exceptions[exceptions["channel"] == "web"]
    in_period = web[(web["detected_at"] >= start) & (web["detected_at"] < end)]
    resolved = web[(web["resolved_at"] >= start) & (web["resolved_at"] < end)]
    orders = mart("marts.fct_orders")
    web_orders = orders[
        (orders["channel"] == "web")
        & (orders["ordered_at"] >= start)
        & (orders["ordered_at"] < end)
    ]
    kpis = get_period_kpis(filters)
    assert kpis["exception_cost"] == pytest.approx(in_period["total_cost"].sum())
    assert kpis["median_first_response_minutes"] == pytest.approx(
        in_period["first_response_minutes"].median()
    )
    assert kpis["touchless_rate"] == pytest.approx(resolved["is_touchless"].mean())
    assert kpis["on_time_delivery_rate"] == pytest.approx(
        web_orders["is_on_time"].dropna().astype(float).mean()
    )
    still_open = web[
        (web["detected_at"] < end) & (web["resolved_at"].isna() | (web["resolved_at"] >= end))
    ]
    assert kpis["open_backlog"] == len(still_open)


def test_data_kpi_comparison_equals_each_period_computed_alone(app_context):
    filters = resolve_filters(Filters(region=("east",)))
    current, previous = get_kpi_comparison(filters)
    assert current == pytest.approx(get_period_kpis(filters))
    assert previous == pytest.approx(get_period_kpis(filters.previous_period()))
    assert current["exception_cost"] > 0


def test_data_backlog_at_a_past_day_by_node_adds_up_to_the_days_backlog(app_context, raw_events):
    filters = resolve_filters(Filters())
    day = filters.start + timedelta(days=3)
    by_node = get_backlog_at(filters, day, "node_id")
    aged = by_node[["aged_0_4h", "aged_4_24h", "aged_1_3d", "aged_3_7d", "aged_7d_plus"]].sum(
        axis=1
    )
    assert (aged == by_node["open_count"]).all()
    assert int(by_node["open_count"].sum()) == _open_at(raw_events, day_end(day))


def test_data_lift_by_carrier_matches_a_pandas_recount(answered_from, mart):
    filters = resolve_filters(Filters())
    start, end = day_start(filters.start), day_end(filters.end)
    orders = mart("marts.fct_orders")
    scoped = orders[(orders["ordered_at"] >= start) & (orders["ordered_at"] < end)]
    overall = scoped["has_exception"].mean()
    min_orders = yaml.safe_load(DBT_PROJECT.read_text())["vars"]["root_cause_min_orders"]
    expected = (
        scoped.dropna(subset=["carrier"])
        .groupby("carrier")["has_exception"]
        .agg(["count", "mean"])
        .loc[lambda counted: counted["count"] >= min_orders]
    )
    lift = get_lift(filters, "carrier").set_index("value")
    assert sorted(lift.index) == sorted(expected.index)
    for carrier, row in expected.iterrows():
        assert lift.loc[carrier, "order_count"] == row["count"]
        assert lift.loc[carrier, "lift"] == pytest.approx(row["mean"] / overall)


def test_data_lift_with_a_type_focus_counts_orders_hit_by_that_type(app_context, mart):
    filters = resolve_filters(Filters())
    start, end = day_start(filters.start), day_end(filters.end)
    exceptions = mart("marts.fct_exceptions")
    top_type = exceptions["exception_type"].value_counts().index[0]
    hit_orders = set(exceptions.loc[exceptions["exception_type"] == top_type, "case_id"])
    orders = mart("marts.fct_orders")
    scoped = orders[(orders["ordered_at"] >= start) & (orders["ordered_at"] < end)]
    by_region = scoped.assign(hit=scoped["case_id"].isin(hit_orders)).groupby("region")["hit"]
    lift = get_lift(filters, "region", Focus("exception_type", top_type)).set_index("value")
    for region, hits in by_region.sum().items():
        assert lift.loc[region, "hit_order_count"] == hits


def test_data_process_edges_equal_the_transitions_counted_with_and_without_filters(
    answered_from, mart
):
    transitions = mart("marts.fct_case_transitions")
    orders = mart("marts.fct_orders")
    for filters in (resolve_filters(Filters()), resolve_filters(Filters(region=("east",)))):
        days = pd.to_datetime(transitions["transition_date"]).dt.date
        kept = transitions[(days >= filters.start) & (days <= filters.end)]
        if filters.region:
            east = set(orders.loc[orders["region"].isin(filters.region), "case_id"])
            kept = kept[kept["case_id"].isin(east)]
        expected = kept.groupby(["source_activity", "target_activity"]).agg(
            frequency=("wait_seconds", "size"), mean_wait_seconds=("wait_seconds", "mean")
        )
        edges = get_process_edges(filters).set_index(["source_activity", "target_activity"])
        assert len(edges) == len(expected)
        assert edges["frequency"].astype(int).to_dict() == expected["frequency"].to_dict()
        joined = edges.join(expected, how="inner", lsuffix="", rsuffix="_expected")
        assert joined["mean_wait_seconds"].to_numpy() == pytest.approx(
            joined["mean_wait_seconds_expected"].to_numpy()
        )


def test_data_interface_impact_counts_hurt_orders_and_their_exceptions(answered_from, mart):
    filters = resolve_filters(Filters(channel=("web",)))
    start, end = day_start(filters.start), day_end(filters.end)
    messages = mart("marts.fct_integration_messages")
    orders = mart("marts.fct_orders")
    exceptions = mart("marts.fct_exceptions")
    web = set(orders.loc[orders["channel"] == "web", "case_id"])
    hurt = messages[
        (messages["first_sent_at"] >= start)
        & (messages["first_sent_at"] < end)
        & ((messages["failed_attempt_count"] > 0) | messages["is_dead_lettered"])
        & messages["case_id"].isin(web)
    ][["interface", "case_id"]].drop_duplicates()
    per_order = exceptions.groupby("case_id").size()
    expected_orders = hurt.groupby("interface").size()
    expected_exceptions = (
        hurt.assign(n=hurt["case_id"].map(per_order).fillna(0)).groupby("interface")["n"].sum()
    )
    impact = get_interface_impact(filters).set_index("interface")
    assert len(expected_orders) > 0
    assert impact["orders_hurt"].astype(int).to_dict() == expected_orders.to_dict()
    assert impact["exceptions_on_hurt_orders"].astype(int).to_dict() == (
        expected_exceptions.astype(int).to_dict()
    )


def test_data_lift_by_failing_interface_with_a_reason_focus_matches_a_pandas_recount(
    answered_from, mart
):
    period = get_data_period()
    orders = mart("marts.fct_orders")
    regions = tuple(sorted(orders["region"].value_counts().index[:3]))
    filters = resolve_filters(Filters(start=period.first_day, end=period.last_day, region=regions))
    start, end = day_start(filters.start), day_end(filters.end)
    exceptions = mart("marts.fct_exceptions")
    reason = exceptions["reason_code"].value_counts().index[0]
    hit_orders = set(exceptions.loc[exceptions["reason_code"] == reason, "case_id"])
    scoped = orders[
        (orders["ordered_at"] >= start)
        & (orders["ordered_at"] < end)
        & orders["region"].isin(regions)
    ]
    overall = scoped["case_id"].isin(hit_orders).mean()
    messages = mart("marts.fct_integration_messages")
    failed = messages[messages["failed_attempt_count"] > 0][["interface", "case_id"]]
    carried = failed.drop_duplicates().merge(scoped[["case_id"]], on="case_id")
    carried["hit"] = carried["case_id"].isin(hit_orders)
    expected = carried.groupby("interface")["hit"].agg(["count", "sum"]).query("count >= 3")
    lift = get_lift(filters, "interface", Focus("reason_code", reason), min_orders=3)
    lift = lift.set_index("value")
    assert len(expected) > 0
    assert sorted(lift.index) == sorted(expected.index)
    for interface, row in expected.iterrows():
        assert lift.loc[interface, "hit_order_count"] == row["sum"]
        assert lift.loc[interface, "lift"] == pytest.approx(row["sum"] / row["count"] / overall)


def test_data_exception_costs_over_all_days_equal_the_roi_marts_baseline(app_context, mart):
    period = get_data_period()
    costs = get_exception_costs(
        resolve_filters(Filters(start=period.first_day, end=period.last_day))
    )
    roi = mart("marts.mart_roi")
    baseline = roi[roi["automation_level"] == "baseline"]
    assert costs["total_cost"].sum() == pytest.approx(baseline["baseline_cost"].sum())
    assert costs["labor_cost"].sum() == pytest.approx(baseline["labor_cost"].sum())


def test_data_query_sees_a_new_publication_without_a_restart(published_demo, tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    settings.ensure_dirs()
    shutil.copy(published_demo.settings.warehouse_path, settings.warehouse_path)
    first = publish_serving_copy(settings)
    app = create_app(_with_key(settings))
    with app.server.app_context():
        assert get_publication().published_at == first.published_at
        second = publish_serving_copy(settings)
        assert second.published_at > first.published_at
        assert get_publication().published_at == second.published_at


def test_data_health_is_503_and_pages_explain_when_nothing_is_published(tmp_path):
    settings = Settings(data_dir=tmp_path / "empty", users_file=tmp_path / "users.yaml")
    add_user(settings.users_path, "dana", Role.EXECUTIVE, "executive-passphrase")
    app = create_app(_with_key(settings))
    client = app.server.test_client()
    response = client.get("/health")
    assert response.status_code == 503
    assert "orderlens run" in response.get_json()["reason"]
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    client.post(
        "/login",
        data={"csrf_token": token, "username": "dana", "password": "executive-passphrase"},
    )
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    assert "No published data yet" in layout.get_data(as_text=True)


def test_data_split_shipments_equal_the_raw_events(app_context, published_demo):
    filters = resolve_filters(Filters(channel=("web",)))
    start, end = day_start(filters.start), day_end(filters.end)
    with connect(published_demo.settings.warehouse_path, read_only=True) as con:
        events = con.execute(
            "SELECT case_id, activity, event_at, channel, shipment_id FROM raw.workflow_events"
        ).df()
    created = events[events["activity"] == "Order Created"]
    web_orders = created[
        (created["channel"] == "web") & (created["event_at"] >= start) & (created["event_at"] < end)
    ]["case_id"]
    shipped = events[events["case_id"].isin(web_orders) & events["shipment_id"].notna()]
    shipments = shipped.groupby("case_id")["shipment_id"].nunique()
    assert (shipments > 1).sum() > 0
    assert get_split_shipments(filters) == (int((shipments > 1).sum()), len(shipments))
