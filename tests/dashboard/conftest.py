"""A real dashboard server on 127.0.0.1 and a real headless Chromium, logged in as an
executive, to drive it: on the demo retail data, and on real public logs that carry only
case, activity, time and resource."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, free_port

from orderlens.settings import Settings
from orderlens.users import Role, add_user

EXECUTIVE = ("dana", "executive-passphrase")
TEST_SECRET_KEY = "dashboard-tests-secret-key-0123456789abcdef"


def _wait_until_healthy(url: str, process: subprocess.Popen, deadline_seconds: float) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dashboard exited early with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"dashboard at {url} not healthy after {deadline_seconds} s")


@pytest.fixture(scope="session")
def dashboard_users_file(tmp_path_factory):
    """A users file with one executive (``EXECUTIVE``)."""
    path = tmp_path_factory.mktemp("dashboard-users") / "users.yaml"
    add_user(path, EXECUTIVE[0], Role.EXECUTIVE, EXECUTIVE[1])
    return path


@contextmanager
def serve_dashboard(settings: Settings, users_file: Path) -> Iterator[str]:
    """Run ``orderlens serve`` for ``settings`` on a free loopback port; stop it by its PID."""
    port = free_port()
    env = settings.subprocess_env()
    env["ORDERLENS_SECRET_KEY"] = TEST_SECRET_KEY
    env["ORDERLENS_USERS_FILE"] = str(users_file)
    env["ORDERLENS_PORT"] = str(port)
    env["ORDERLENS_HOST"] = "127.0.0.1"
    process = subprocess.Popen(
        [sys.executable, "-m", "orderlens.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, deadline_seconds=60)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def dashboard_url(published_demo, dashboard_users_file) -> Iterator[str]:
    """The dashboard on the demo retail data."""
    with serve_dashboard(published_demo.settings, dashboard_users_file) as url:
        yield url


def log_in(page, url: str, name: str, password: str) -> None:
    """Fill in and submit the login form in ``page``; wait until the dashboard shows."""
    page.goto(f"{url}/login")
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(lambda address: "/login" not in address, timeout=30_000)


@contextmanager
def logged_in_browser(playwright_driver, profile: Path, url: str) -> Iterator[object]:
    """Headless Debian Chromium with a fresh profile, logged in to ``url`` as the executive."""
    context = playwright_driver.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1366, "height": 768},
    )
    try:
        tab = context.new_page()
        log_in(tab, url, *EXECUTIVE)
        tab.close()
        yield context
    finally:
        context.close()


@pytest.fixture(scope="session")
def browser(tmp_path_factory, dashboard_url, playwright_driver):
    """Chromium logged in to the dashboard on the demo data as the executive."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    with logged_in_browser(playwright_driver, profile, dashboard_url) as context:
        yield context


def open_recording_tab(context):
    """A new tab that records console errors in ``console_errors`` and failed callback
    requests (HTTP 4xx/5xx from ``/_dash-update-component``) in ``callback_failures``."""
    tab = context.new_page()
    tab.console_errors = []
    tab.callback_failures = []
    tab.on(
        "console",
        lambda message: message.type == "error" and tab.console_errors.append(message.text),
    )
    tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    tab.on(
        "response",
        lambda response: (
            "/_dash-update-component" in response.url
            and response.status >= 400
            and tab.callback_failures.append(f"{response.status} {response.url}")
        ),
    )
    return tab


@pytest.fixture
def page(browser):
    """A new tab on the demo dashboard, recording console errors and failed callbacks."""
    tab = open_recording_tab(browser)
    yield tab
    tab.close()


@dataclass(frozen=True)
class RealLogDashboard:
    """A published real log, the dashboard serving it, and a browser logged in to it.

    Attributes:
        log: The root conftest's ``PublishedForeignLog`` (settings, log file, exit code).
    """

    log: object
    url: str
    browser: object


@pytest.fixture(scope="session")
def real_log_dashboard(
    published_foreign_log, dashboard_users_file, playwright_driver, tmp_path_factory
) -> Iterator[object]:
    """A function of a foreign log's name (``receipt``, ``running_example``) giving its
    :class:`RealLogDashboard`: the log is published once per session (shared with every
    test that asks for it), and the server and browser started once, stopped (server by
    PID, browser closed) at the end."""
    started: dict[str, RealLogDashboard] = {}
    with ExitStack() as stack:

        def dashboard(name: str) -> RealLogDashboard:
            if name not in started:
                log = published_foreign_log(name)
                assert log.exit_code == 0, f"orderlens run failed on {name}:\n{log.output}"
                url = stack.enter_context(serve_dashboard(log.settings, dashboard_users_file))
                profile = tmp_path_factory.mktemp("chromium-profile-real")
                context = stack.enter_context(logged_in_browser(playwright_driver, profile, url))
                started[name] = RealLogDashboard(log, url, context)
            return started[name]

        yield dashboard


@pytest.fixture(scope="session")
def recording_tab():
    """:func:`open_recording_tab`, for tests that open tabs in their own browser context."""
    return open_recording_tab
