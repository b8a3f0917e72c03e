"""The overview page in a real browser shows the numbers the raw data implies."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from orderlens.warehouse import connect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
OPENING = {"detected", "reopened"}
CLOSING = {"resolved_auto", "resolved_manual"}


def _open_exceptions_from_raw(warehouse_path: Path) -> int:
    """Replay each exception's lifecycle events in arrival order; count those left open."""
    with connect(warehouse_path, read_only=True) as con:
        events = con.execute(
            "SELECT exception_id, exception_stage, event_at, event_seq FROM raw.workflow_events"
            " WHERE exception_id IS NOT NULL AND exception_stage IS NOT NULL"
        ).df()
    open_count = 0
    for _, lifecycle in events.sort_values(["event_at", "event_seq"]).groupby("exception_id"):
        is_open = False
        for stage in lifecycle["exception_stage"]:
            if stage in OPENING:
                is_open = True
            elif stage in CLOSING:
                is_open = False
        open_count += is_open
    return open_count


def test_overview_shows_the_open_exceptions_counted_from_raw_events(
    published_demo, dashboard_url, page
):
    expected = _open_exceptions_from_raw(published_demo.settings.warehouse_path)
    page.goto(dashboard_url + "/")
    shown = page.locator("#kpi-open-exceptions")
    shown.wait_for(timeout=20_000)
    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
    assert int(shown.inner_text().replace(",", "")) == expected
    assert page.locator("#data-as-of").inner_text().startswith("Data as of")
    assert page.console_errors == []


def test_overview_health_endpoint_reports_the_publication(dashboard_url, published_demo):
    import json
    import urllib.request

    with urllib.request.urlopen(dashboard_url + "/health", timeout=5) as response:
        body = json.loads(response.read())
    with connect(published_demo.settings.serving_path, read_only=True) as con:
        (published_at,) = con.execute("SELECT published_at FROM meta.publication").fetchone()
    assert body["status"] == "ok"
    assert pd.Timestamp(body["published_at"]) == pd.Timestamp(published_at)
