"""Fixtures of the security tests: a dashboard behind its login on the shared demo
warehouse, headless Chromium, and the callback requests the browser sends on every page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS
from dashboard_server import (
    PAGE_PATHS,
    Dashboard,
    record_callbacks,
    start_dashboard,
    stop_dashboard,
    write_users,
)


@pytest.fixture(scope="session")
def chromium(playwright_driver):
    """Headless Debian Chromium through Playwright (each test opens its own context)."""
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def secured_dashboard(published_demo, tmp_path_factory) -> Iterator[Dashboard]:
    """The dashboard on the shared demo warehouse, with both users."""
    users = write_users(tmp_path_factory.mktemp("security-users") / "users.yaml")
    dashboard = start_dashboard(published_demo.settings, users)
    try:
        yield dashboard
    finally:
        stop_dashboard(dashboard)


@pytest.fixture(scope="session")
def recorded_callbacks(chromium, secured_dashboard, published_demo):
    """Every callback request the browser sends on every page and one order's page."""
    from orderlens.warehouse import connect

    with connect(published_demo.settings.serving_path, read_only=True) as con:
        case_id = con.execute(
            "SELECT case_id FROM marts.fct_exceptions ORDER BY total_cost DESC LIMIT 1"
        ).fetchone()[0]
    paths = (*PAGE_PATHS, f"/orders/{case_id}")
    return record_callbacks(chromium, secured_dashboard.url, paths)
