"""A log whose activity names, reason codes, resources and attributes carry script and
markup payloads, ingested and run through the whole pipeline, then shown in a real
browser: nothing executes and the text is shown literally."""

from __future__ import annotations

import pytest
from dashboard_server import (
    EXECUTIVE,
    log_in_page,
    settle,
    start_dashboard,
    stop_dashboard,
    write_users,
)
from hostile_log import ACTIVITY, REASON, write_hostile_log

from orderlens.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def hostile_dashboard(tmp_path_factory):
    """The pipeline run on the hostile log, and the dashboard serving it."""
    from orchestration.run import run_pipeline
    from orderlens.ingest import ingest_paths

    root = tmp_path_factory.mktemp("hostile")
    settings = Settings(data_dir=root / "data")
    settings.ensure_dirs()
    case_id = write_hostile_log(root / "log")
    (root / "log" / "ground_truth.json").unlink()
    report = ingest_paths(settings, [root / "log"])
    assert report is not None
    outcome = run_pipeline(settings)
    assert outcome.success, outcome.failed_steps
    dashboard = start_dashboard(settings, write_users(root / "users.yaml"))
    try:
        yield dashboard, case_id
    finally:
        stop_dashboard(dashboard)


def test_untrusted_text_never_executes_and_is_shown_literally(hostile_dashboard, chromium):
    dashboard, case_id = hostile_dashboard
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    dialogs: list[str] = []
    tab = context.new_page()
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in_page(tab, dashboard.url, *EXECUTIVE)
    for path in ("/", "/backlog", "/root-causes", "/process", "/integration"):
        tab.goto(dashboard.url + path)
        settle(tab)
        assert tab.evaluate("window.__pwned") is None, path
        assert tab.locator("img[src='x'], iframe, svg[onload]").count() == 0, path
    tab.goto(f"{dashboard.url}/orders/{case_id}")
    settle(tab)
    exceptions = tab.locator("#order-exceptions-table").inner_text()
    events = tab.locator("#order-events-table").inner_text()
    assert REASON in exceptions
    assert ACTIVITY in events
    assert tab.evaluate("window.__pwned") is None
    assert tab.locator("img[src='x'], iframe, svg[onload]").count() == 0
    assert dialogs == []
    context.close()
