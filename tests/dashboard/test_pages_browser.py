"""Every page in a real browser: loads without console errors, shows the numbers an
independent query gives, follows the filters, keeps them in the URL, and is screenshotted."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from orderlens.warehouse import connect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PAGES = {
    "overview": ("/", "#overview-backlog-chart"),
    "backlog": ("/backlog", "#backlog-oldest-table"),
    "root_causes": ("/root-causes", "#pareto-reason_code .main-svg"),
    "process": ("/process", "#process-map-chart .main-svg"),
    "integration": ("/integration", "#integration-health-table"),
    "roi": ("/roi", "#roi-outcome-chart"),
    "orders": ("/orders", "#order-search"),
}


def _serving(published_demo, sql: str, parameters: list | None = None):
    with connect(published_demo.settings.serving_path, read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()


def _number(text: str) -> float:
    return float(re.sub(r"[^0-9.\-]", "", text))


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=20_000
    )


def _screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("name", list(PAGES))
def test_pages_each_loads_without_console_errors(name, dashboard_url, page):
    path, ready = PAGES[name]
    page.goto(dashboard_url + path)
    page.locator(ready).first.wait_for(timeout=30_000)
    _settle(page)
    _screenshot(page, name)
    assert page.locator(".alert").filter(has_text="no such table").count() == 0
    assert page.console_errors == []


def test_pages_order_detail_is_reached_from_the_oldest_exceptions_table(
    published_demo, dashboard_url, page
):
    page.goto(dashboard_url + "/backlog")
    link = page.locator("#backlog-oldest-table a").first
    link.wait_for(timeout=30_000)
    case_id = link.inner_text()
    link.click()
    page.locator("#order-title").wait_for(timeout=30_000)
    _settle(page)
    _screenshot(page, "order_detail")
    assert page.locator("#order-title").inner_text() == case_id
    assert urlparse(page.url).path == f"/orders/{case_id}"
    (exceptions,) = _serving(
        published_demo, "SELECT count(*) FROM marts.fct_exceptions WHERE case_id = ?", [case_id]
    )[0]
    assert int(page.locator("#order-fact-exception_count").inner_text()) == exceptions
    assert page.locator("#order-exceptions-table tbody tr").count() == exceptions + 1
    assert page.console_errors == []


def test_pages_channel_filter_narrows_the_backlog_and_round_trips_in_the_url(
    published_demo, dashboard_url, page, browser
):
    page.goto(dashboard_url + "/")
    shown = page.locator("#kpi-open-exceptions")
    shown.wait_for(timeout=30_000)
    _settle(page)
    everything = int(_number(shown.inner_text()))
    page.locator("#filter-channel").click()
    page.get_by_role("option", name="Web shop", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"channel=web"), timeout=20_000)
    _settle(page)
    (web_open,) = _serving(
        published_demo,
        "SELECT count(*) FROM marts.fct_exceptions WHERE is_open AND channel = 'web'",
    )[0]
    page.wait_for_function(
        "expected => document.querySelector('#kpi-open-exceptions').innerText"
        ".replace(/,/g, '') === String(expected)",
        arg=web_open,
        timeout=20_000,
    )
    assert web_open <= everything
    query = parse_qs(urlparse(page.url).query)
    assert query["channel"] == ["web"]
    shared = browser.new_page()
    try:
        shared.goto(page.url)
        shared.locator("#kpi-open-exceptions").wait_for(timeout=30_000)
        _settle(shared)
        assert int(_number(shared.locator("#kpi-open-exceptions").inner_text())) == web_open
        assert shared.locator("#filter-channel").inner_text().strip() == "Web shop"
        assert parse_qs(urlparse(shared.url).query) == query
    finally:
        shared.close()
    assert page.console_errors == []


def test_pages_backlog_as_of_a_past_day_equals_the_backlog_mart(
    published_demo, dashboard_url, page
):
    (last_day,) = _serving(published_demo, "SELECT max(date_day) FROM marts.dim_dates")[0]
    end = last_day if isinstance(last_day, date) else last_day.date()
    start = end - timedelta(days=6)
    past = end - timedelta(days=3)
    page.goto(f"{dashboard_url}/backlog?start={start}&end={end}")
    total = page.locator("#backlog-open-total")
    total.wait_for(timeout=30_000)
    _settle(page)
    assert page.locator("#backlog-as-of").input_value() == end.isoformat()
    picker = page.locator("#backlog-as-of")
    picker.fill(past.isoformat())
    picker.press("Enter")
    page.wait_for_function(
        "day => document.querySelector('#backlog-note').innerText.includes(day)",
        arg=past.isoformat(),
        timeout=20_000,
    )
    _settle(page)
    (expected,) = _serving(
        published_demo,
        "SELECT coalesce(sum(open_count), 0) FROM marts.fct_exception_backlog_daily"
        " WHERE date_day = ?",
        [past],
    )[0]
    assert int(_number(total.inner_text())) == expected
    assert page.console_errors == []


def test_pages_roi_full_automation_saves_and_pays_back_what_the_roi_marts_project(
    published_demo, dashboard_url, page
):
    (month, first_day, last_day) = _serving(
        published_demo,
        "SELECT date_trunc('month', min(date_day)), min(date_day), max(date_day)"
        " FROM marts.dim_dates"
        " WHERE date_trunc('month', date_day) = (SELECT date_trunc('month', min(date_day))"
        " FROM marts.dim_dates)",
    )[0]
    page.goto(f"{dashboard_url}/roi?start={first_day:%Y-%m-%d}&end={last_day:%Y-%m-%d}")
    page.locator("#roi-savings").wait_for(timeout=30_000)
    _settle(page)
    (share, savings, baseline, yearly, implementation, payback) = _serving(
        published_demo,
        "SELECT touch_automation_share, projected_savings, baseline_cost, annualised_savings,"
        " implementation_cost, payback_months FROM marts.mart_roi_payback"
        " WHERE automation_level = 'full' AND period_month = ?",
        [month],
    )[0]
    page.get_by_role("button", name=f"Full ({share:.0%})").click()
    page.wait_for_function(
        "expected => document.querySelector('#roi-savings').innerText === expected",
        arg=f"${savings:,.0f}",
        timeout=20_000,
    )
    assert page.locator("#roi-baseline").inner_text() == f"${baseline:,.0f}"
    assert page.locator("#roi-annualised").inner_text() == f"${yearly:,.0f}"
    assert page.locator("#roi-investment").inner_text() == f"${implementation:,.0f}"
    assert page.locator("#roi-payback").inner_text() == (
        "Never" if payback is None else f"{payback:,.1f} months"
    )
    assert "Full" in page.locator("#roi-active-plan").inner_text()
    assert f"saves ${yearly:,.0f} a year" in page.locator("#roi-headline").inner_text()
    assert "365" in page.locator("#roi-assumptions").inner_text()
    assert re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", page.inner_text("body")) == []
    # Only cost components with a value in the period get a legend entry.
    totals = _serving(
        published_demo,
        "SELECT sum(labor_cost), sum(escalation_cost), sum(expedite_cost),"
        " sum(cancellation_cost), sum(refund_leakage_cost) FROM marts.fct_exceptions"
        " WHERE detected_at >= ? AND detected_at < ?",
        [first_day, last_day + timedelta(days=1)],
    )[0]
    names = ("Labor", "Escalation", "Expedite", "Cancellation", "Refund leakage")
    legend = page.locator("#roi-breakdown-chart .legendtext").all_text_contents()
    shown = sorted(name for name, total in zip(names, totals, strict=True) if total > 0)
    assert sorted(legend) == shown
    _screenshot(page, "roi_full_automation")
    assert page.console_errors == []
