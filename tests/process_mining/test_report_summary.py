"""The forum report's executive summary: findings chosen by the documented rule, with
their number, cost, owner and action; and the report around it readable in print."""

import html
import re

import pandas as pd
import pytest

from orderlens.report_inputs import read_report_reference
from orderlens.warehouse import connect
from process_mining.charts import MAP_FONT_POINTS
from process_mining.event_log import EventLog
from process_mining.report import ReportRequest, build_report
from process_mining.report_summary import (
    EXCEPTION_COST,
    INTERNAL_WAITING,
    REWORK,
    SummaryInputs,
    summarize_findings,
)

EXCEPTION_COSTS = pd.DataFrame(
    {
        "exception_type": ["payment_hold", "carrier_delay", "pick_failure", "fraud_review"],
        "display_name": ["Payment hold", "Carrier delay", "Pick failure", "Fraud review"],
        # The most frequent type is not the costliest: cost decides.
        "exception_count": [1200, 310, 95, 40],
        "total_cost": [2100.0, 5234.5, 3120.0, 800.0],
        "owning_team": ["Payments", "Transportation", "Warehouse Operations", "Fraud and Risk"],
        "recommended_action": [
            "retry authorization",
            "expedite or switch carrier",
            "repick or reroute to another node",
            "review and approve or cancel",
        ],
    }
)
HANDOVERS = pd.DataFrame(
    {
        "source_activity": ["In Transit", "Released", "Picked", "Created"],
        "target_activity": ["Delivered", "Picked", "Packed", "Released"],
        "frequency": [1500, 1400, 1380, 1500],
        # The partner wait (carrier) is longest; the longest internal one is Released -> Picked.
        "total_wait_seconds": [3600.0 * 40_000, 3600.0 * 7_400, 3600.0 * 2_100, 3600.0 * 90],
        "median_wait_seconds": [3600.0 * 26, 3600.0 * 4.5, 3600.0, 60.0],
        "wait_class": ["partner", "internal", "internal", "internal"],
        "source_system": [None, "WMS", "WMS", "OMS"],
    }
)
REWORK_BY_STEP = pd.DataFrame(
    {
        "activity": ["Payment Retry", "Pick Completed"],
        "rework_cases": [27, 41],
        "extra_executions": [60, 45],
        "source_system": ["PAYMENT", "WMS"],
    }
)
SYSTEMS = {"WMS": "Warehouse (WMS)", "OMS": "Order management (OMS)"}


def test_summarize_findings_ranks_one_finding_per_lens_by_the_documented_rule():
    summary = summarize_findings(
        SummaryInputs(
            case_noun="orders",
            exception_costs=EXCEPTION_COSTS,
            currency="USD",
            handovers=HANDOVERS,
            rework=REWORK_BY_STEP,
            deviations=pd.DataFrame({"deviation": ["skipped: Packed"], "case_count": [900]}),
            system_names=SYSTEMS,
        )
    )

    assert [finding.lens for finding in summary.findings] == [
        EXCEPTION_COST,
        INTERNAL_WAITING,
        REWORK,
    ]
    costliest, waiting, rework = summary.findings
    total = EXCEPTION_COSTS["total_cost"].sum()
    assert costliest.sentence == (
        "Carrier delay is the costliest exception: 310 exceptions cost USD 5,234 "
        f"({5234.5 / total:.0%} of all exception cost)."
    )
    assert (costliest.cost, costliest.owner, costliest.action) == (
        5234.5,
        "Transportation",
        "Expedite or switch carrier",
    )
    assert waiting.subject == "Released → Picked"
    assert "7,400 h in total" in waiting.sentence
    assert "1,400 handovers" in waiting.sentence
    share = 7_400 / (40_000 + 7_400 + 2_100 + 90)
    assert f"{share:.0%} of all waiting" in waiting.sentence
    assert waiting.owner == "Warehouse (WMS)" and waiting.cost is None
    assert "not priced" in waiting.cost_text
    assert rework.subject == "Pick Completed"
    assert rework.sentence.startswith("41 orders repeat Pick Completed on the same object, 45")
    assert rework.owner == "Warehouse (WMS)"
    assert [action.action for action in summary.actions] == [
        "Expedite or switch carrier",
        "Repick or reroute to another node",
        "Retry authorization",
    ]
    assert [action.owner for action in summary.actions] == [
        "Transportation",
        "Warehouse Operations",
        "Payments",
    ]
    assert summary.total_cost_text == f"USD {total:,.0f}"
    assert summary.missing == ()


def test_summarize_findings_without_exceptions_takes_process_findings_and_says_so():
    summary = summarize_findings(
        SummaryInputs(
            case_noun="cases",
            exception_costs=None,
            currency="USD",
            handovers=HANDOVERS.drop(columns=["wait_class", "source_system"]),
            rework=REWORK_BY_STEP.drop(columns=["source_system"]),
            deviations=pd.DataFrame(
                {
                    "deviation": ["skipped: Packed"],
                    "kind": ["skipped"],
                    "activity": ["Packed"],
                    "case_count": [1_250],
                }
            ),
        )
    )

    waiting, rework, deviation = summary.findings
    # Without wait classes every handover is a candidate, and the sentence says so.
    assert waiting.subject == "In Transit → Delivered"
    assert "its class is unknown" in waiting.sentence
    assert rework.subject == "Pick Completed"
    assert deviation.sentence.startswith("1,250 cases skip Packed")
    assert all(finding.cost is None for finding in summary.findings)
    assert summary.actions == () and summary.total_cost_text is None
    assert any("No exception is recorded" in text for text in summary.missing)
    assert any("no cost" in text for text in summary.missing)
    assert any("No wait classes" in text for text in summary.missing)


def test_summarize_findings_counts_exceptions_when_nothing_is_priced():
    unpriced = EXCEPTION_COSTS.assign(total_cost=float("nan"))
    summary = summarize_findings(
        SummaryInputs("orders", unpriced, None, HANDOVERS, REWORK_BY_STEP, None, SYSTEMS)
    )
    top = summary.findings[0]
    assert top.sentence == (
        "Payment hold is the most frequent exception: 1,200 of 1,645 exceptions."
    )
    assert top.cost is None and top.owner == "Payments"
    assert any("No cost model priced" in text for text in summary.missing)


def _visible_text(report: str) -> str:
    """The report's text as a reader sees it: no styles, no hover titles, no tags."""
    body = re.sub(r"<style>.*?</style>|<title>.*?</title>", " ", report, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture(scope="module")
def demo_report(published_demo) -> str:
    assert published_demo.run_success
    path = published_demo.settings.reports_dir / "process_mining_report.html"
    return path.read_text(encoding="utf-8")


def _first_finding(report: str) -> str:
    found = re.search(r"<ol class='findings'><li>(.*?)</li>", report, flags=re.S)
    assert found, "the executive summary lists its findings"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip()


@pytest.mark.slow
def test_report_top_finding_is_the_costliest_exception_type_in_the_marts(
    published_demo, demo_report
):
    with connect(published_demo.settings.serving_path, read_only=True) as con:
        exceptions = con.execute("SELECT * FROM marts.fct_exceptions").df()
        taxonomy = con.execute("SELECT * FROM marts.dim_exception_types").df()
        names = con.execute(
            "SELECT code, display_name FROM marts.dim_display_names"
            " WHERE code_kind = 'exception_type'"
        ).df()
    by_type = exceptions.groupby("exception_type").agg(
        count=("exception_id", "size"), cost=("total_cost", "sum")
    )
    top_type = by_type.sort_values(["cost", "count"], ascending=False).index[0]
    owner = taxonomy.set_index("exception_type").loc[top_type]
    name = names.set_index("code").loc[top_type, "display_name"]

    finding = _first_finding(demo_report)
    assert finding.startswith(f"{name} is the costliest exception")
    assert f"{by_type.loc[top_type, 'count']:,} exceptions cost USD " in finding
    assert f"USD {by_type.loc[top_type, 'cost']:,.0f}" in finding
    assert owner["owning_team"] in finding
    action = owner["recommended_action"]
    assert action[:1].upper() + action[1:] in finding
    assert f"cost USD {exceptions['total_cost'].sum():,.0f} in total" in demo_report


@pytest.mark.slow
def test_report_shows_no_snake_case_code_and_separates_thousands(demo_report):
    text = _visible_text(demo_report)
    assert re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", text) == []
    undated = re.sub(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}", " ", text)
    assert re.findall(r"(?<![\d,.])\d{4,}(?![\d,])", undated) == []
    assert re.search(r"\d,\d{3}", text), "the demo has counts of a thousand or more"


@pytest.mark.slow
def test_report_prints_the_summary_on_one_a4_page_and_maps_in_nine_points_or_more(
    demo_report, tmp_path, playwright_driver
):
    """Laid out as Chromium prints the report on A4 (12 mm margins: 186 mm = 703 CSS
    px of line), each map's smallest text is measured from its SVG font size and the scale
    at which the map is drawn."""
    page_file = tmp_path / "report.html"
    page_file.write_text(demo_report, encoding="utf-8")
    printable_px = round((210 - 2 * 12) / 25.4 * 96)
    browser = playwright_driver.chromium.launch(
        executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
    )
    try:
        page = browser.new_page(viewport={"width": printable_px, "height": 1000})
        page.emulate_media(media="print")
        page.goto(page_file.as_uri())
        maps = page.eval_on_selector_all(
            "svg.process-map",
            """maps => maps.map(svg => ({
                drawn: svg.getBoundingClientRect().width,
                natural: svg.viewBox.baseVal.width,
                fonts: [...svg.querySelectorAll('text')].map(
                    text => parseFloat(text.getAttribute('font-size'))),
                labels: svg.querySelectorAll('text').length,
            }))""",
        )
        summary_bottom = page.eval_on_selector(
            "section.executive", "section => section.getBoundingClientRect().bottom"
        )
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
    finally:
        browser.close()
    # The executive summary fits the first page (297 mm less the margins).
    assert summary_bottom <= (297 - 2 * 12) / 25.4 * 96
    assert len(maps) == 2
    for drawn in maps:
        assert drawn["labels"] > 10
        assert min(drawn["fonts"]) >= MAP_FONT_POINTS
        printed_points = min(drawn["fonts"]) * drawn["drawn"] / drawn["natural"]
        assert printed_points >= 9.0, drawn
    assert pdf.startswith(b"%PDF")


@pytest.mark.slow
def test_report_of_a_foreign_log_summarizes_it_and_says_it_has_no_cost(published_foreign_log):
    run = published_foreign_log("running_example")
    assert run.exit_code == 0, run.output
    report = (run.settings.reports_dir / "process_mining_report.html").read_text("utf-8")
    with connect(run.settings.serving_path, read_only=True) as con:
        edges = con.execute(
            "SELECT source_activity, target_activity FROM marts.agg_process_edges"
            " WHERE wait_class = 'internal' ORDER BY total_wait_seconds DESC LIMIT 1"
        ).fetchone()
    assert "<h2>Executive summary</h2>" in report
    text = _visible_text(report)
    assert "No exception is recorded for these cases" in text
    assert "carry no cost" in text
    assert "USD" not in text
    finding = _first_finding(report)
    assert f"between {edges[0]} and {edges[1]}, the longest internal wait" in finding


@pytest.mark.slow
def test_read_report_reference_gives_the_demo_marts_as_plain_data(published_demo):
    with connect(published_demo.settings.warehouse_path, read_only=True) as con:
        reference = read_report_reference(con)
        (exceptions,) = con.execute("SELECT count(*) FROM marts.fct_exceptions").fetchone()
        nodes = con.execute("SELECT DISTINCT node_id FROM marts.fct_orders").fetchall()
        report = build_report(con, EventLog(), ReportRequest(reference=reference))
    assert len(reference.exceptions) == exceptions
    assert reference.currency == "USD"
    assert all(("node", node) in reference.display_names for (node,) in nodes if node)
    assert "<h2>Executive summary</h2>" in report
