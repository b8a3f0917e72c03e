"""What an operations leader meets first, in a real browser on the demo data: the order
search navigates, no page shows a snake_case code, missed targets are marked, chart text
does not overlap, tables fit their cards, quick ranges count back from the data's last
day, and every page is screenshotted at two screen sizes."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from orderlens.warehouse import connect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
ALL_PAGES = {
    "overview": ("/", "#overview-headline"),
    "backlog": ("/backlog", "#backlog-oldest-table"),
    "root_causes": ("/root-causes", "#pareto-reason_code .main-svg"),
    "integration": ("/integration", "#integration-health-table"),
    "work_queue": ("/work-queue", "#work-queue"),
    "orders": ("/orders", "#order-search"),
    "glossary": ("/glossary", "#glossary-terms"),
    "process": ("/process", "#process-map-chart"),
    "roi": ("/roi", "#roi-outcome-chart"),
}
SIZES = ((1440, 900), (1920, 1080))


def _serving(published_demo, sql: str, parameters: list | None = None):
    with connect(published_demo.settings.serving_path, read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=30_000
    )


def _open(page, url: str, ready: str) -> None:
    page.goto(url)
    page.locator(ready).first.wait_for(timeout=30_000)
    _settle(page)


def _an_order_with_exceptions(published_demo) -> str:
    ((case_id,),) = _serving(
        published_demo,
        "SELECT case_id FROM marts.fct_exceptions GROUP BY case_id"
        " ORDER BY count(*) DESC, case_id LIMIT 1",
    )
    return case_id


@pytest.mark.parametrize("how", ["enter", "click"])
def test_order_search_navigates_to_the_typed_order(published_demo, dashboard_url, page, how):
    case_id = _an_order_with_exceptions(published_demo)
    _open(page, dashboard_url + "/orders", "#order-search")
    page.fill("#order-search", case_id)
    if how == "enter":
        page.press("#order-search", "Enter")
    else:
        page.click("#order-open")
    page.wait_for_url(re.compile(rf"/orders/{re.escape(case_id)}"), timeout=20_000)
    page.locator("#order-title").wait_for(timeout=30_000)
    assert page.locator("#order-title").inner_text() == case_id
    assert page.console_errors == []


@pytest.mark.parametrize("name", list(ALL_PAGES))
def test_pages_show_no_snake_case_code(name, dashboard_url, page):
    path, ready = ALL_PAGES[name]
    _open(page, dashboard_url + path, ready)
    codes = sorted(set(SNAKE_CASE.findall(page.inner_text("body"))))
    assert codes == []
    assert page.console_errors == []


def test_order_detail_shows_no_snake_case_code_and_keeps_codes_on_hover(
    published_demo, dashboard_url, page
):
    case_id = _an_order_with_exceptions(published_demo)
    _open(page, f"{dashboard_url}/orders/{case_id}", "#order-exceptions-table")
    assert SNAKE_CASE.findall(page.inner_text("body")) == []
    ((node,),) = _serving(
        published_demo, "SELECT node_id FROM marts.fct_orders WHERE case_id = ?", [case_id]
    )
    assert node in page.locator("#order-fact-node_id").get_attribute("title")


def test_missed_targets_are_marked_by_class_and_icon_and_never_green(
    published_demo, dashboard_url, page
):
    (last_day,) = _serving(published_demo, "SELECT max(date_day) FROM marts.dim_dates")[0]
    end = last_day if isinstance(last_day, date) else last_day.date()
    start = end - timedelta(days=13)
    _open(page, f"{dashboard_url}/?start={start}&end={end}", "#kpi-exceptions-per-1000-card")
    (exceptions, orders) = _serving(
        published_demo,
        "SELECT (SELECT count(*) FROM marts.fct_exceptions WHERE detected_at >= ? AND "
        "detected_at < ?), (SELECT count(*) FROM marts.fct_orders WHERE ordered_at >= ? AND "
        "ordered_at < ?)",
        [start, end + timedelta(days=1)] * 2,
    )[0]
    per_thousand = 1000 * exceptions / orders
    card = page.locator("#kpi-exceptions-per-1000-card")
    expected = "missed" if per_thousand > 150 else "met"
    assert f"kpi-card-{expected}" in card.get_attribute("class")
    missed_cards = page.locator(".kpi-card-missed")
    assert missed_cards.count() >= (1 if expected == "missed" else 0)
    for index in range(missed_cards.count()):
        missed = missed_cards.nth(index)
        assert "✖" in missed.inner_text()
        assert "Target missed" in missed.inner_text()
        assert missed.locator(".trend-better").count() == 0
    headline = page.locator("#overview-headline").inner_text()
    assert f"{missed_cards.count()} of " in headline or missed_cards.count() == 0
    assert page.console_errors == []


def _boxes(page, selector: str) -> list[dict]:
    return [box for box in (item.bounding_box() for item in page.locator(selector).all()) if box]


def _overlap(first: dict, second: dict) -> bool:
    return not (
        first["x"] + first["width"] <= second["x"]
        or second["x"] + second["width"] <= first["x"]
        or first["y"] + first["height"] <= second["y"]
        or second["y"] + second["height"] <= first["y"]
    )


@pytest.mark.parametrize("dimension", ["reason_code", "exception_type"])
def test_pareto_share_axis_title_does_not_overlap_its_tick_labels(dimension, dashboard_url, page):
    page.set_viewport_size({"width": 1440, "height": 900})
    _open(page, dashboard_url + "/root-causes", f"#pareto-{dimension} .main-svg")
    chart = f"#pareto-{dimension}"
    (title,) = _boxes(page, f"{chart} .g-y2title text")
    ticks = _boxes(page, f"{chart} .y2tick text")
    assert len(ticks) == 5
    assert [tick for tick in ticks if _overlap(title, tick)] == []
    count_title = _boxes(page, f"{chart} .g-ytitle text")[0]
    assert [
        tick for tick in _boxes(page, f"{chart} .ytick text") if _overlap(count_title, tick)
    ] == []


def test_pareto_says_how_many_of_all_values_it_shows(published_demo, dashboard_url, page):
    _open(page, dashboard_url + "/root-causes", "#pareto-reason_code .main-svg")
    start, end = (parse_qs(urlparse(page.url).query)[key][0] for key in ("start", "end"))
    ((reasons,),) = _serving(
        published_demo,
        "SELECT count(DISTINCT reason_code) FROM marts.fct_exceptions"
        " WHERE detected_at >= ?::DATE AND detected_at < ?::DATE + 1",
        [start, end],
    )
    scope = page.locator("#pareto-reason_code-scope").inner_text()
    shown = min(reasons, 15)
    assert (f"The {shown} most frequent of {reasons}" in scope) or (f"All {reasons}" in scope)


def test_count_axes_tick_at_whole_numbers_only(dashboard_url, page):
    _open(page, dashboard_url + "/backlog", "#backlog-aging-chart .main-svg")
    for chart in ("#backlog-aging-chart .xtick text", "#backlog-flow-chart .ytick text"):
        texts = page.locator(chart).evaluate_all("items => items.map(item => item.textContent)")
        labels = [text.replace(",", "") for text in texts]
        assert labels
        assert all(re.fullmatch(r"\d+", label) for label in labels), labels


@pytest.mark.parametrize(
    ("path", "table"),
    [
        ("/backlog", "#backlog-oldest-table"),
        ("/integration", "#integration-health-table"),
        ("/work-queue", "#work-queue"),
        (None, "#order-exceptions-table"),
        (None, "#order-messages-table"),
    ],
)
def test_tables_fit_their_card_at_1440_px(published_demo, dashboard_url, page, path, table):
    page.set_viewport_size({"width": 1440, "height": 900})
    path = path or f"/orders/{_an_order_with_exceptions(published_demo)}"
    _open(page, dashboard_url + path, f"{table} table")
    fits = page.evaluate(
        """selector => {
            const table = document.querySelector(selector + ' table');
            const card = document.querySelector(selector).closest('.card-body');
            const cardBox = card.getBoundingClientRect();
            const tableBox = table.getBoundingClientRect();
            return {overflow: tableBox.right - cardBox.right,
                    scroll: table.closest('.dash-spreadsheet-inner') ?
                        table.scrollWidth - table.clientWidth : 0};
        }""",
        table,
    )
    assert fits["overflow"] <= 1
    assert fits["scroll"] <= 1


def test_quick_range_counts_back_from_the_last_event_day(published_demo, dashboard_url, page):
    (last_event,) = _serving(
        published_demo, "SELECT max(last_event_at) FROM marts.fct_case_traces"
    )[0]
    last_day = last_event.date()
    _open(page, dashboard_url + "/", "#overview-headline")
    page.get_by_role("button", name="Last 7 days").click()
    page.wait_for_url(re.compile(rf"start={last_day - timedelta(days=6)}"), timeout=20_000)
    query = parse_qs(urlparse(page.url).query)
    assert query["end"] == [last_day.isoformat()]
    assert page.locator("#data-as-of").inner_text() == (
        f"Data as of {last_event:%Y-%m-%d %H:%M} UTC"
    )
    page.get_by_role("button", name="Whole period").click()
    ((first_day,),) = _serving(published_demo, "SELECT min(date_day) FROM marts.dim_dates")
    page.wait_for_url(re.compile(rf"start={first_day:%Y-%m-%d}"), timeout=20_000)
    assert page.console_errors == []


def test_glossary_is_linked_from_every_page(dashboard_url, page):
    _open(page, dashboard_url + "/backlog", "#backlog-oldest-table")
    page.click("#glossary-link")
    page.locator("#glossary-terms").wait_for(timeout=20_000)
    terms = page.locator("#glossary-terms dt").all_inner_texts()
    assert {"Fitness", "Variant", "Rework", "Conformance", "SLA"} <= set(terms)
    assert any(term.startswith("p95") for term in terms)


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_every_page_is_screenshotted_at_executive_screen_sizes(
    published_demo, dashboard_url, page, size
):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = {
        **ALL_PAGES,
        "order_detail": (
            f"/orders/{_an_order_with_exceptions(published_demo)}",
            "#order-exceptions-table",
        ),
    }
    for name, (path, ready) in pages.items():
        _open(page, dashboard_url + path, ready)
        target = SCREENSHOTS / f"{name}-{width}x{height}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000
    assert page.console_errors == []


def test_process_headline_names_the_internal_handover_with_the_most_waiting(
    published_demo, dashboard_url, page
):
    _open(page, dashboard_url + "/process", "#process-headline")
    text = page.inner_text("#process-headline")
    internal = _serving(
        published_demo,
        "SELECT source_activity || ' → ' || target_activity FROM marts.agg_process_edges_daily"
        " WHERE wait_class = 'internal' GROUP BY ALL",
    )
    named = text.split("longest internal wait is ")[1].split(":")[0]
    assert named in {row[0] for row in internal}
    assert "of all waiting" in text
    assert page.console_errors == []
