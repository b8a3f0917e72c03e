"""The work queue and the overview's spike alerts in a real browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderlens.warehouse import connect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_work_queue_lists_first_the_exception_with_the_highest_risk_times_impact(
    published_demo, dashboard_url, page
):
    with connect(published_demo.settings.serving_path, read_only=True) as con:
        scored = con.execute(
            "SELECT exception_id FROM triage.exception_risk_scores"
            " ORDER BY risk * impact DESC, exception_id"
        ).fetchall()
        open_exceptions = con.execute(
            "SELECT count(*) FROM marts.fct_exceptions WHERE is_open"
        ).fetchone()[0]
    assert len(scored) == open_exceptions
    page.goto(dashboard_url + "/work-queue")
    table = page.locator("#work-queue")
    table.wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "work_queue.png"), full_page=True)
    first_exception = table.locator("td[data-dash-column='exception_id']").first.inner_text()
    assert first_exception == scored[0][0]
    assert page.console_errors == []
