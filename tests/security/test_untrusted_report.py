"""The exports, the process-mining report and its PDF, built from a log whose activity
names and dimension values carry script and markup payloads: opened in a real browser
nothing executes and the text is shown literally.

The log is the dashboard test's (payloads in reason codes, resources and attributes, which
the report does not show) with main-path activities, carriers, regions and nodes renamed
to payloads as well. Channels and source systems are not: they are closed lists, and
ingest quarantines any other value. The report is the product's only export (the
dashboard offers no downloads); ``orderlens report`` writes it, and the nightly report
asset calls the same ``build_report``.
"""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner
from hostile_log import write_hostile_log

from orderlens.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.browser]

MAP_ACTIVITY = '"><svg onload="window.__pwned=\'map\'"> Pack & "Completed"'
SCRIPT_ACTIVITY = "<script>window.__pwned='variant'</script>Pick Completed"
LINK_ACTIVITY = "<a href=\"javascript:window.__pwned='link'\">In Transit</a>"
MARKUP_ACTIVITY = "<b>bold</b> &amp; &#60;i&#62; \\N \\G Delivered"
"""Entities and Graphviz escapes (``\\N`` is the node's name) must stay text too."""
RENAMED_ACTIVITIES = {
    "Pack Completed": MAP_ACTIVITY,
    "Pick Completed": SCRIPT_ACTIVITY,
    "In Transit": LINK_ACTIVITY,
    "Delivered": MARKUP_ACTIVITY,
}
CARRIER = "<iframe src=\"javascript:window.__pwned='carrier'\"></iframe>ParcelPro"
REGION = "south' onmouseover='window.__pwned=1"
NODE = "DC-CENTRAL-01</td><style>main{display:none}</style><img src=x onerror=alert(1)>"
RENAMED_VALUES = {
    "carrier": ("ParcelPro", CARRIER),
    "region": ("south", REGION),
    "node_id": ("DC-CENTRAL-01", NODE),
}

INJECTED_ELEMENTS = """() => [...document.querySelectorAll('main *')].filter((element) =>
    ['SCRIPT', 'STYLE', 'IMG', 'IFRAME', 'A', 'B', 'I'].includes(element.tagName.toUpperCase())
    || [...element.attributes].some((attribute) => attribute.name.startsWith('on'))
).map((element) => element.outerHTML.slice(0, 120))"""
"""Elements a payload would have created: the report's body has no script, style sheet,
image, frame, link, bold or italic element and no event-handler attribute."""


def _plant_report_payloads(log_dir) -> None:
    """Rename main-path activities and frequent dimension values, so the payloads reach the
    process map, the variants, the bottlenecks and the root causes."""
    path = log_dir / "workflow_events.parquet"
    events = pd.read_parquet(path)
    events["activity"] = events["activity"].replace(RENAMED_ACTIVITIES)
    for column, (value, payload) in RENAMED_VALUES.items():
        events.loc[events[column] == value, column] = payload
    events.to_parquet(path, index=False)


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    """``orderlens report --pdf`` run on a warehouse built from the hostile log."""
    from orderlens.cli import main
    from orderlens.dbt_runner import run_dbt
    from orderlens.ingest import ingest_paths

    root = tmp_path_factory.mktemp("hostile-report")
    settings = Settings(data_dir=root / "data")
    settings.ensure_dirs()
    write_hostile_log(root / "log")
    (root / "log" / "ground_truth.json").unlink()
    _plant_report_payloads(root / "log")
    report = ingest_paths(settings, [root / "log"])
    assert report is not None
    # The report reads the marts and their reference seeds (display names, wait classes).
    run_dbt(settings, ["seed"])
    run_dbt(settings, ["run"])
    out = root / "report.html"
    result = CliRunner().invoke(
        main, ["report", "--out", str(out), "--pdf"], env=settings.subprocess_env()
    )
    assert result.exit_code == 0, result.output
    return out


def test_report_untrusted_text_never_executes_and_is_shown_literally(hostile_report, chromium):
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    tab = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.on("console", lambda message: message.type == "error" and errors.append(message.text))
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(hostile_report.as_uri(), wait_until="load")
    assert tab.evaluate(INJECTED_ELEMENTS) == []
    tab.get_by_text(REGION, exact=True).first.hover(timeout=5_000)
    assert tab.evaluate("window.__pwned") is None
    assert dialogs == []
    assert errors == []
    process_maps = tab.locator("svg.process-map").all_text_contents()
    variants = tab.locator("td.variant").all_text_contents()
    assert len(process_maps) == 2
    for activity in RENAMED_ACTIVITIES.values():
        # Map labels wrap onto several lines: compare without the line breaks.
        unwrapped = "".join(activity.split())
        assert all(unwrapped in "".join(text.split()) for text in process_maps), activity
        assert any(activity in variant for variant in variants), activity
    root_causes = tab.locator("section", has_text="What slow orders have in common")
    for _, payload in RENAMED_VALUES.values():
        assert payload in root_causes.text_content(), payload
    assert tab.locator("main").is_visible()
    context.close()


def test_report_pdf_has_no_link_or_script_action(hostile_report):
    pdf = hostile_report.with_suffix(".pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    for action in (b"/Annot", b"/URI", b"/JavaScript", b"/JS", b"/Launch"):
        assert action not in pdf, action


def test_report_policy_refuses_a_script_that_slipped_past_escaping(hostile_report, chromium):
    # Simulate an escaping bug: plant a live script and an event handler in the real report.
    page = hostile_report.read_text(encoding="utf-8").replace(
        "<main>",
        "<main><script>window.__pwned='csp'</script>"
        "<img src='x' onerror=\"window.__pwned='csp-img'\">",
        1,
    )
    planted = hostile_report.with_name("report_with_planted_script.html")
    planted.write_text(page, encoding="utf-8")
    context = chromium.new_context()
    tab = context.new_page()
    tab.goto(planted.as_uri(), wait_until="load")
    assert tab.evaluate("document.querySelectorAll('main > script').length") == 1
    assert tab.evaluate("window.__pwned") is None
    context.close()
