"""Start and stop a real dashboard behind its login, log in over HTTP or in a browser, and
record the callback requests a real browser sends (so tests replay them as an attacker
would)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from browser_support import free_port

from orderlens.settings import Settings
from orderlens.users import Role, add_user

EXECUTIVE = ("dana", "executive-passphrase")
OPERATIONS = ("omar", "operations-passphrase")
SECRET_KEY = "security-tests-secret-key-0123456789abcdef"
PAGE_PATHS = ("/", "/backlog", "/root-causes", "/process", "/integration", "/roi", "/orders")


@dataclass
class Dashboard:
    """A running ``orderlens serve`` process and where it listens."""

    url: str
    process: subprocess.Popen
    settings: Settings


def write_users(path: Path) -> Path:
    """A users file with the executive and the operations user."""
    add_user(path, EXECUTIVE[0], Role.EXECUTIVE, EXECUTIVE[1])
    add_user(path, OPERATIONS[0], Role.OPERATIONS, OPERATIONS[1])
    return path


def start_dashboard(settings: Settings, users_file: Path) -> Dashboard:
    """Start ``orderlens serve`` for ``settings`` on a free port; wait until it answers."""
    port = free_port()
    env = settings.subprocess_env()
    env.update(
        ORDERLENS_PORT=str(port),
        ORDERLENS_HOST="127.0.0.1",
        ORDERLENS_SECRET_KEY=SECRET_KEY,
        ORDERLENS_USERS_FILE=str(users_file),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "orderlens.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dashboard exited early with {process.returncode}")
        try:
            requests.get(f"{url}/health", timeout=2)
            return Dashboard(url, process, settings)
        except requests.ConnectionError:
            time.sleep(0.2)
    stop_dashboard(Dashboard(url, process, settings))
    raise RuntimeError(f"dashboard at {url} did not answer in 60 s")


def stop_dashboard(dashboard: Dashboard) -> None:
    """Stop the server's process group by its PID."""
    os.killpg(dashboard.process.pid, signal.SIGTERM)
    try:
        dashboard.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(dashboard.process.pid, signal.SIGKILL)
        dashboard.process.wait()


def logged_in(url: str, name: str, password: str) -> requests.Session:
    """An HTTP session that logged in through the form (CSRF token included)."""
    client = requests.Session()
    form = client.get(f"{url}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = client.post(
        f"{url}/login",
        data={"csrf_token": token, "username": name, "password": password},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 303, answer.text
    return client


def session_csrf_token(client: requests.Session, url: str) -> str:
    """The logged-in session's CSRF token, read where the page carries it: the hidden
    input of the logout form in the layout."""

    def find(node) -> str | None:
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and props.get("name") == "csrf_token":
                return props["value"]
            nodes = node.values()
        elif isinstance(node, list):
            nodes = node
        else:
            return None
        return next((token for child in nodes if (token := find(child))), None)

    return find(client.get(f"{url}/_dash-layout", timeout=30).json()) or ""


def log_out(client: requests.Session, url: str) -> requests.Response:
    """Log out as the navigation's button does: a POST with the session's CSRF token."""
    token = session_csrf_token(client, url)
    return client.post(
        f"{url}/logout", data={"csrf_token": token}, allow_redirects=False, timeout=30
    )


def log_in_page(page, url: str, name: str, password: str) -> None:
    """Log in through the form in a Playwright page."""
    page.goto(f"{url}/login")
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(lambda address: "/login" not in address, timeout=30_000)


def settle(page) -> None:
    """Wait until no Dash component is loading."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=30_000
    )


def record_callbacks(chromium, url: str, paths: tuple[str, ...]) -> dict[str, tuple[str, dict]]:
    """Open ``paths`` as the executive; keep one request per callback output and path."""
    recorded: dict[str, tuple[str, dict]] = {}
    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    tab = context.new_page()
    log_in_page(tab, url, *EXECUTIVE)
    current = {"path": "/"}

    def keep(request) -> None:
        if request.method == "POST" and "/_dash-update-component" in request.url:
            payload = json.loads(request.post_data or "{}")
            key = f"{current['path']} {payload.get('output', '')}"
            recorded.setdefault(key, (request.url, payload))

    tab.on("request", keep)
    for path in paths:
        current["path"] = path
        tab.goto(url + path)
        settle(tab)
    context.close()
    return recorded
