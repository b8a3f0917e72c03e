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
import threading
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
from flask import request

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


def test_login_limits_gate_refuses_a_locked_pair_before_flask_runs(app, clock, audit):
    reaching_flask: list[str] = []

    @app.before_request
    def count_login_posts():
        if request.path == "/login" and request.method == "POST":
            reaching_flask.append(request.form.get("username", ""))

    assert [_attempt(app, ATTACKER, f"guess-{n}").status_code for n in range(5)] == [401] * 5
    assert _attempt(app, ATTACKER, PASSWORD).status_code == 429, "the limiter sets the lock"
    assert len(reaching_flask) == 6
    refused = [_attempt(app, ATTACKER, PASSWORD) for _ in range(10)]
    assert [answer.status_code for answer in refused] == [429] * 10
    assert len(reaching_flask) == 6, "locked guesses never reach Flask, its limiter or the view"
    assert "try again in about 1 minute." in refused[-1].get_data(as_text=True)
    # The limiter's reset time is rounded up to a whole second, hence up to 61.
    assert 1 <= int(refused[-1].headers["Retry-After"]) <= 61
    assert "Set-Cookie" not in refused[-1].headers
    assert refused[-1].headers["X-Frame-Options"] == "DENY"
    assert _attempt(app, DANA_AT_HOME, PASSWORD).status_code == 303, "other addresses pass"
    assert reaching_flask[-1] == "dana"
    clock.offset += 61
    assert _attempt(app, ATTACKER, PASSWORD).status_code == 303, "the lock ends on time"
    assert "(11 attempts refused while locked)" in audit()[-1]


def test_login_limits_gate_refuses_a_locked_address_for_every_account(app, clock):
    reaching_flask: list[str] = []

    @app.before_request
    def count_login_posts():
        if request.path == "/login" and request.method == "POST":
            reaching_flask.append(request.form.get("username", ""))

    for n in range(50):
        assert _attempt(app, ATTACKER, "wrong-guess-1", name=f"user{n}").status_code == 401
    reaching_flask.clear()
    assert _attempt(app, ATTACKER, "wrong-guess-1", name="first-refused").status_code == 429
    assert reaching_flask == ["first-refused"], "the limiter sees the breach once"
    assert _attempt(app, ATTACKER, PASSWORD, name="dana").status_code == 429
    assert reaching_flask == ["first-refused"], "then the address is refused before Flask"


def test_login_limits_gate_refuses_login_requests_crowding_in_from_one_address(app):
    entered = threading.Semaphore(0)
    release = threading.Event()

    @app.before_request
    def hold_the_attackers_login_forms():
        if request.path == "/login" and request.remote_addr == ATTACKER["REMOTE_ADDR"]:
            entered.release()
            release.wait(timeout=60)

    held: list[int] = []
    holders = [
        threading.Thread(
            target=lambda: held.append(
                app.test_client().get("/login", environ_base=ATTACKER).status_code
            )
        )
        for _ in range(dashboard.login_limits.LOGIN_REQUESTS_AT_ONCE_PER_ADDRESS)
    ]
    for holder in holders:
        holder.start()
    for _ in holders:
        assert entered.acquire(timeout=60)
    crowding = app.test_client().get("/login", environ_base=ATTACKER)
    elsewhere = app.test_client().get("/login", environ_base=DANA_AT_HOME)
    release.set()
    for holder in holders:
        holder.join()
    assert crowding.status_code == 429
    assert "at once" in crowding.get_data(as_text=True)
    assert elsewhere.status_code == 200, "another address is not crowded out"
    assert held == [200] * len(holders)
    assert app.test_client().get("/login", environ_base=ATTACKER).status_code == 200


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
