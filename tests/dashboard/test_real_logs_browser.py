"""Every page in a real browser on real public logs (case, activity, time and resource only).

A permit-application log (``receipt.xes.gz``) and pm4py's running example are published
through the whole pipeline once each; every page must then render without a console
error, a failed callback or error text, the exception pages must say which data would
fill them, and the figures shown must equal pm4py's on the same file.
"""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pm4py
import pytest

from orderlens.coverage import read_coverage
from orderlens.warehouse import connect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REAL_LOGS_DIR = Path(__file__).resolve().parents[1] / "data" / "real"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

REAL_LOGS = ("receipt", "running_example")
OTHER_FOREIGN_LOGS = ("ocel20_json", "ocel20_xml", "ocel20_sqlite", "simulated_minimal")
ALWAYS_LISTED = ("/", "/process", "/orders")
EXCEPTION_PAGES = {
    "/backlog": "exceptions",
    "/root-causes": "exceptions",
    "/roi": "roi",
    "/work-queue": "triage",
    "/integration": "integration",
}
ERROR_TEXT = re.compile(
    r"Error|Traceback|Catalog Error|does not exist|no such table|Exception:|NaN|undefined"
)
CONTENT = ".js-plotly-plot, table, [role='status'], .alert, ul"
"""A card holding one of these (a chart, a table, an empty state, a list) is filled; any
other card must show text beyond its title and note."""


@pytest.fixture(scope="module", params=REAL_LOGS)
def dashboard(request, real_log_dashboard):
    """The dashboard serving one real log (published once for the session)."""
    served = real_log_dashboard(request.param)
    assert served.log.exit_code == 0, served.log.output
    return served


@pytest.fixture(scope="module")
def pm4py_log(dashboard) -> pd.DataFrame:
    """The same file read by pm4py: the independent reference for every figure."""
    log = pm4py.read_xes(str(REAL_LOGS_DIR / dashboard.log.log_path.name))
    return log.assign(**{"time:timestamp": pd.to_datetime(log["time:timestamp"], utc=True)})


def _serving(dashboard, sql: str, parameters: list | None = None):
    with connect(dashboard.log.settings.serving_path, read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()


def _coverage(dashboard):
    with connect(dashboard.log.settings.serving_path, read_only=True) as con:
        return read_coverage(con)


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=30_000
    )


def _visit(dashboard, recording_tab, path: str):
    page = recording_tab(dashboard.browser)
    response = page.goto(dashboard.url + path)
    assert response is not None and response.status == 200, path
    _settle(page)
    return page


def _every_path(pm4py_log: pd.DataFrame) -> list[str]:
    case_id = pm4py_log["case:concept:name"].iloc[0]
    return [*ALWAYS_LISTED, *EXCEPTION_PAGES, f"/orders/{case_id}"]


def _page_failures(dashboard, recording_tab, paths: list[str]) -> list[tuple]:
    """Each page of ``paths`` with a console error, a failed callback, error text or a
    blank card, and what was wrong on it."""
    failures = []
    for path in paths:
        page = _visit(dashboard, recording_tab, path)
        try:
            ARTIFACTS.mkdir(exist_ok=True)
            slug = path.strip("/").replace("/", "-") or "overview"
            page.screenshot(
                path=str(ARTIFACTS / f"real-{dashboard.log.name}-{slug}.png"), full_page=True
            )
            text = page.inner_text("body")
            found = ERROR_TEXT.search(text)
            empty_cards = [
                card.inner_text().splitlines()[0]
                for card in page.locator(".card-body").all()
                if card.locator(CONTENT).count() == 0
                and len(card.inner_text().strip().splitlines()) <= 2
            ]
            if page.console_errors or page.callback_failures or found or empty_cards:
                failures.append(
                    (path, page.console_errors, page.callback_failures, found, empty_cards)
                )
        finally:
            page.close()
    return failures


def test_real_logs_every_page_renders_without_errors(dashboard, pm4py_log, recording_tab):
    assert _page_failures(dashboard, recording_tab, _every_path(pm4py_log)) == []


@pytest.mark.parametrize("name", OTHER_FOREIGN_LOGS)
def test_foreign_logs_every_page_renders_without_errors(name, real_log_dashboard, recording_tab):
    """The OCEL 2.0 example in its three encodings and the bare simulator export."""
    served = real_log_dashboard(name)
    ((case_id,),) = _serving(served, "SELECT min(case_id) FROM marts.fct_case_traces")
    paths = [*ALWAYS_LISTED, *EXCEPTION_PAGES, f"/orders/{quote(case_id, safe='')}"]
    assert _page_failures(served, recording_tab, paths) == []


def test_real_logs_exception_pages_say_which_data_would_fill_them(
    dashboard, pm4py_log, recording_tab
):
    assert not {"exception_id", "exception_type"} & set(pm4py_log.columns)
    coverage = _coverage(dashboard)
    for path, analysis in EXCEPTION_PAGES.items():
        missing = coverage[analysis]
        assert not missing.is_available
        page = _visit(dashboard, recording_tab, path)
        try:
            state = page.locator("#page-missing-data")
            text = " ".join(state.inner_text().split())
        finally:
            page.close()
        assert text.startswith(f"{missing.name}: not in this data.")
        assert missing.missing_reason.lower() in text.lower()
        assert f"To fill this view, load {missing.how_to_enable.rstrip('.')}" in text


def test_real_logs_navigation_lists_only_the_pages_the_data_answers(dashboard, recording_tab):
    page = _visit(dashboard, recording_tab, "/")
    try:
        hrefs = page.locator("a.nav-link[id*='nav-link']").evaluate_all(
            "links => links.map(link => new URL(link.href).pathname)"
        )
    finally:
        page.close()
    assert sorted(hrefs) == sorted(ALWAYS_LISTED)


def test_real_logs_data_as_of_is_the_last_event_of_the_log(dashboard, pm4py_log, recording_tab):
    last_event = pm4py_log["time:timestamp"].max().tz_convert(UTC)
    ((published_at,),) = _serving(dashboard, "SELECT published_at FROM meta.publication")
    page = _visit(dashboard, recording_tab, "/")
    try:
        as_of = page.locator("#data-as-of").inner_text()
        published = page.locator("#data-published").inner_text()
        navigation = page.locator("#data-as-of-nav").inner_text()
    finally:
        page.close()
    assert as_of == f"Data as of {last_event:%Y-%m-%d %H:%M} UTC"
    assert (
        published == f"(published {pd.Timestamp(published_at).tz_convert(UTC):%Y-%m-%d %H:%M} UTC)"
    )
    assert navigation.startswith(as_of)


def test_real_logs_default_period_is_the_whole_log_and_the_map_counts_every_transition(
    dashboard, pm4py_log, recording_tab
):
    first_day = pm4py_log["time:timestamp"].min().date()
    last_day = pm4py_log["time:timestamp"].max().date()
    dfg, _, _ = pm4py.discover_dfg(pm4py_log)
    page = _visit(dashboard, recording_tab, "/process")
    try:
        page.locator("#process-map-chart .main-svg").first.wait_for(timeout=30_000)
        start = page.locator("#filter-dates").input_value()
        end = page.locator("#filter-bar .dash-datepicker-end-date").input_value()
        note = page.locator("#filter-period-note").inner_text()
        rows = page.locator("#process-bottleneck-table tbody tr").all()
        edges = [
            (
                row.locator("td[data-dash-column='source_activity']").inner_text(),
                row.locator("td[data-dash-column='target_activity']").inner_text(),
                int(row.locator("td[data-dash-column='frequency']").inner_text().replace(",", "")),
            )
            for row in rows
            if row.locator("td[data-dash-column='frequency']").count()
        ]
    finally:
        page.close()
    assert (start, end) == (first_day.isoformat(), last_day.isoformat())
    assert note.endswith("the whole data set.")
    assert edges
    assert [(source, target, dfg[(source, target)]) for source, target, _ in edges] == edges


def test_real_logs_variant_explorer_lists_pm4py_variants_and_says_why_fitness_is_missing(
    dashboard, pm4py_log, recording_tab
):
    variants = pm4py.get_variants(pm4py_log)
    top_count = max(variants.values())
    page = _visit(dashboard, recording_tab, "/process")
    try:
        first_variant = page.locator(".process-variant").first
        first_variant.wait_for(timeout=30_000)
        first_cases = re.search(r"([\d,]+) cases", first_variant.inner_text()).group(1)
        summary = page.locator("#process-conformance-summary").inner_text()
    finally:
        page.close()
    assert int(first_cases.replace(",", "")) == top_count
    assert re.fullmatch(r"(Fitness \d+\.\d%.*|No fitness.*: .+\.)", summary)
    has_model = _serving(
        dashboard,
        "SELECT count(*) FROM information_schema.tables"
        " WHERE table_schema = 'mining' AND table_name = 'conformance_model'",
    )[0][0]
    if has_model:
        ((label,),) = _serving(dashboard, "SELECT label FROM mining.conformance_model")
        assert label in summary


def test_real_logs_filters_for_absent_dimensions_are_disabled_with_a_note(dashboard, recording_tab):
    coverage = _coverage(dashboard)
    page = _visit(dashboard, recording_tab, "/process")
    try:
        disabled = {
            dimension: page.locator(f"#filter-{dimension}").is_disabled()
            for dimension in ("channel", "region", "node", "carrier")
        }
        note = page.locator("#filter-absent-note").inner_text()
    finally:
        page.close()
    absent = {
        "channel": not coverage["channels"].is_available,
        "region": not coverage["regions"].is_available,
        "node": not coverage["nodes"].is_available,
        "carrier": not coverage["carriers"].is_available,
    }
    assert disabled == absent
    assert any(absent.values())
    for dimension, analysis in (("channel", "channels"), ("carrier", "carriers")):
        if absent[dimension]:
            assert coverage[analysis].how_to_enable.rstrip(".") in note


def test_real_logs_order_detail_counts_the_cases_events(dashboard, pm4py_log, recording_tab):
    case_id = pm4py_log["case:concept:name"].iloc[-1]
    events = pm4py_log[pm4py_log["case:concept:name"] == case_id]
    page = _visit(dashboard, recording_tab, f"/orders/{case_id}")
    try:
        page.locator("#order-title").wait_for(timeout=30_000)
        event_count = page.locator("#order-fact-event_count").inner_text()
        last_event = page.locator("#order-fact-last_event_at").inner_text()
        blank = page.locator("#order-blank-facts").inner_text()
    finally:
        page.close()
    assert int(event_count) == len(events)
    assert last_event == f"{events['time:timestamp'].max():%Y-%m-%d %H:%M}"
    if not _coverage(dashboard)["channels"].is_available:
        assert "Channel" in blank


def test_real_logs_overview_gives_pm4py_cases_events_paths_and_throughput(
    dashboard, pm4py_log, recording_tab
):
    durations = pm4py.get_all_case_durations(pm4py_log)
    expected = {
        "#overview-cases": f"{pm4py_log['case:concept:name'].nunique():,}",
        "#overview-events": f"{len(pm4py_log):,}",
        "#overview-variants": f"{len(pm4py.get_variants(pm4py_log)):,}",
        "#overview-median-throughput": f"{pd.Series(durations).median() / 3600:,.1f} h",
    }
    page = _visit(dashboard, recording_tab, "/")
    try:
        page.locator("#overview-cases").wait_for(timeout=30_000)
        shown = {selector: page.locator(selector).inner_text() for selector in expected}
    finally:
        page.close()
    assert shown == expected
