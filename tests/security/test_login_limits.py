"""Guessing resistance of the login: failed logins lock the account at the guessing address
only, for a minute and then an hour, with a 429 that says how long; every failure, lock
and unlock is audited; against the real server, 300 wrong passwords leave the right one
refused, before the password is checked."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import limits.storage.memory
import limits.strategies
import pytest
import requests
from browser_support import free_port
from dashboard_server import EXECUTIVE, SECRET_KEY, write_users

import dashboard.login_limits
from dashboard.app import create_app
from orderlens.settings import Settings
from orderlens.users import Role, add_user

PASSWORD = "executive-passphrase"
ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}
DANA_AT_HOME = {"REMOTE_ADDR": "198.51.100.7"}


class _Clock:
    """Real time plus a settable offset, for the limiter's windows and the messages."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock(monkeypatch):
    fake = _Clock()
    shifted = SimpleNamespace(time=fake.time)
    for module in (limits.storage.memory, limits.strategies, dashboard.login_limits):
        monkeypatch.setattr(module, "time", shifted)
    return fake


@pytest.fixture
def app(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", secret_key="limits-test-secret-key-0123456789")
    add_user(settings.users_path, "dana", Role.EXECUTIVE, PASSWORD)
    add_user(settings.users_path, "omar", Role.OPERATIONS, "operations-passphrase")
    return create_app(settings).server


def _attempt(app, address: dict, password: str, name: str = "dana"):
    client = app.test_client()
    form = client.get("/login", environ_base=address).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    return client.post(
        "/login",
        data={"csrf_token": token, "username": name, "password": password},
        environ_base=address,
    )


@pytest.fixture
def audit(app, caplog):
    """The audit lines written while the test runs (the audit logger does not propagate)."""
    logger = logging.getLogger("orderlens.audit")
    logger.addHandler(caplog.handler)
    yield lambda: [r.getMessage() for r in caplog.records if r.name == "orderlens.audit"]
    logger.removeHandler(caplog.handler)


def test_login_limits_lock_the_account_at_the_guessing_address_only(app, clock, audit):
    assert [_attempt(app, ATTACKER, f"guess-{n}").status_code for n in range(5)] == [401] * 5
    locked = _attempt(app, ATTACKER, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.get_data(as_text=True)
    assert "try again in about 1 minute." in locked.get_data(as_text=True)
    assert 1 <= int(locked.headers["Retry-After"]) <= 60
    assert "orderlens_session=" not in locked.headers.get("Set-Cookie", "")
    assert _attempt(app, DANA_AT_HOME, PASSWORD).status_code == 303
    assert _attempt(app, ATTACKER, "operations-passphrase", name="omar").status_code == 303
    lines = audit()
    assert sum("login failed: account='dana' address=203.0.113.9" in line for line in lines) == 5
    assert [line for line in lines if line.startswith("login locked")] == [
        line for line in lines if "login locked: account='dana' address=203.0.113.9" in line
    ]
    assert len([line for line in lines if line.startswith("login locked")]) == 1


def test_login_limits_unlock_after_the_minute_then_lock_for_the_hour(app, clock, audit):
    for _ in range(3):
        assert [_attempt(app, ATTACKER, "wrong-guess-1").status_code for _ in range(5)] == [401] * 5
        assert _attempt(app, ATTACKER, PASSWORD).status_code == 429
        clock.offset += 61
    assert [_attempt(app, ATTACKER, "wrong-guess-1").status_code for _ in range(5)] == [401] * 5
    clock.offset += 61
    hour_lock = _attempt(app, ATTACKER, PASSWORD)
    assert hour_lock.status_code == 429, "20 failures in an hour lock the pair for the hour"
    assert int(hour_lock.headers["Retry-After"]) > 30 * 60
    clock.offset += 3600
    assert _attempt(app, ATTACKER, PASSWORD).status_code == 303
    lines = audit()
    assert sum(line.startswith("login unlocked: account='dana'") for line in lines) == 4
    assert "(1 attempts refused while locked)" in lines[-1]


def test_login_limits_refuse_spraying_many_accounts_from_one_address(app, clock):
    names = [f"user{n}" for n in range(50)]
    statuses = [_attempt(app, ATTACKER, "wrong-guess-1", name=name).status_code for name in names]
    assert statuses == [401] * 50
    assert _attempt(app, ATTACKER, "wrong-guess-1", name="someone-else").status_code == 429
    assert _attempt(app, DANA_AT_HOME, PASSWORD).status_code == 303


@contextmanager
def _serving(published_demo, tmp_path, **environment: str) -> Iterator[tuple[str, Path]]:
    """``orderlens serve`` of its own (its lockouts touch no other test); yields its
    address and the file holding what it printed."""
    users = write_users(tmp_path / "users.yaml")
    port = free_port()
    env = published_demo.settings.subprocess_env()
    env.update(
        ORDERLENS_PORT=str(port),
        ORDERLENS_SECRET_KEY=SECRET_KEY,
        ORDERLENS_USERS_FILE=str(users),
        **environment,
    )
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "orderlens.cli", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{url}/health", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield url, log_path
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)


def _guess(url: str, password: str, forwarded_for: str | None = None) -> requests.Response:
    client = requests.Session()
    if forwarded_for:
        client.headers["X-Forwarded-For"] = forwarded_for
    form = client.get(f"{url}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    return client.post(
        f"{url}/login",
        data={"csrf_token": token, "username": EXECUTIVE[0], "password": password},
        allow_redirects=False,
        timeout=30,
    )


@pytest.mark.slow
def test_login_limits_real_server_refuses_the_right_password_after_300_wrong_ones(
    published_demo, tmp_path
):
    with _serving(published_demo, tmp_path) as (url, log_path):
        statuses = [_guess(url, f"wrong-{n}").status_code for n in range(300)]
        right = _guess(url, EXECUTIVE[1])
        assert statuses == [401] * 5 + [429] * 295
        assert right.status_code == 429
        assert "Too many failed logins" in right.text
        assert "orderlens_session" not in right.headers.get("Set-Cookie", "")
        # A forged X-Forwarded-For from a client that is not the trusted proxy changes nothing.
        assert _guess(url, EXECUTIVE[1], forwarded_for="198.51.100.7").status_code == 429
    log = log_path.read_text()
    assert log.count("login failed: account='dana' address=127.0.0.1") == 5
    assert log.count("login locked: account='dana' address=127.0.0.1") == 1


@pytest.mark.slow
def test_login_limits_behind_a_trusted_proxy_key_on_the_forwarded_client(published_demo, tmp_path):
    with _serving(published_demo, tmp_path, ORDERLENS_TRUSTED_PROXY="127.0.0.1") as (url, log):
        attacker, dana = "203.0.113.9", "198.51.100.7"
        assert [_guess(url, "wrong-guess-1", attacker).status_code for _ in range(5)] == [401] * 5
        assert _guess(url, EXECUTIVE[1], attacker).status_code == 429
        assert _guess(url, EXECUTIVE[1], dana).status_code == 303
    assert "login locked: account='dana' address=203.0.113.9" in log.read_text()
