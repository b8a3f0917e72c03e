"""A real dashboard server on 127.0.0.1 and a real headless Chromium, logged in as an
executive, to drive it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, free_port

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


@pytest.fixture(scope="session")
def dashboard_url(published_demo, dashboard_users_file) -> Iterator[str]:
    """Start ``orderlens serve`` on a free loopback port; stop it (by its PID) afterwards."""
    port = free_port()
    env = published_demo.settings.subprocess_env()
    env["ORDERLENS_SECRET_KEY"] = TEST_SECRET_KEY
    env["ORDERLENS_USERS_FILE"] = str(dashboard_users_file)
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


def log_in(page, url: str, name: str, password: str) -> None:
    """Fill in and submit the login form in ``page``; wait until the dashboard shows."""
    page.goto(f"{url}/login")
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(lambda address: "/login" not in address, timeout=30_000)


@pytest.fixture(scope="session")
def browser(tmp_path_factory, dashboard_url, playwright_driver):
    """Headless Debian Chromium through Playwright, with a fresh profile directory, logged
    in to the dashboard as the executive."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    context = playwright_driver.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1366, "height": 768},
    )
    tab = context.new_page()
    log_in(tab, dashboard_url, *EXECUTIVE)
    tab.close()
    yield context
    context.close()


@pytest.fixture
def page(browser):
    """A new tab that records console errors in ``page.console_errors``."""
    tab = browser.new_page()
    tab.console_errors = []
    tab.on(
        "console",
        lambda message: message.type == "error" and tab.console_errors.append(message.text),
    )
    tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    yield tab
    tab.close()
