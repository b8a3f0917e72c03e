"""Sessions end after their absolute and idle limits, when the user is removed or the
password changes; the login form redirects only to local paths; the CLI manages users."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from types import SimpleNamespace

import pytest

import dashboard.auth
from dashboard.app import create_app
from orderlens.settings import Settings
from orderlens.users import Role, add_user, load_users, remove_user, verify_password

PASSWORD = "executive-passphrase"


class _Clock:
    """A settable stand-in for ``time`` inside ``dashboard.auth``."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = _Clock()
    monkeypatch.setattr(dashboard.auth, "time", SimpleNamespace(time=fake.time))
    return fake


@pytest.fixture
def settings(tmp_path):
    chosen = Settings(
        data_dir=tmp_path / "data",
        secret_key="sessions-test-secret-key-0123456789",
        session_hours=2,
        session_idle_minutes=10,
    )
    add_user(chosen.users_path, "dana", Role.EXECUTIVE, PASSWORD)
    return chosen


def _log_in(client, password: str = PASSWORD, next_path: str = "/"):
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    return client.post(
        "/login",
        data={"csrf_token": token, "username": "dana", "password": password, "next": next_path},
    )


def test_sessions_end_after_the_idle_limit(settings, clock):
    client = create_app(settings).server.test_client()
    assert _log_in(client).status_code == 303
    clock.now += 9 * 60
    assert client.get("/_dash-layout").status_code == 200
    clock.now += 9 * 60
    assert client.get("/_dash-layout").status_code == 200
    clock.now += 11 * 60
    assert client.get("/_dash-layout").status_code == 401


def test_sessions_end_after_the_absolute_limit_even_when_active(settings, clock):
    client = create_app(settings).server.test_client()
    _log_in(client)
    for _ in range(13):
        clock.now += 9 * 60
        assert client.get("/_dash-layout").status_code == 200
    clock.now += 9 * 60
    assert client.get("/_dash-layout").status_code == 401


def test_sessions_end_when_the_user_is_removed_or_the_password_changes(settings, clock):
    client = create_app(settings).server.test_client()
    _log_in(client)
    assert client.get("/_dash-layout").status_code == 200
    add_user(settings.users_path, "dana", Role.EXECUTIVE, "a-new-passphrase")
    assert client.get("/_dash-layout").status_code == 401
    _log_in(client, "a-new-passphrase")
    assert client.get("/_dash-layout").status_code == 200
    remove_user(settings.users_path, "dana")
    assert client.get("/_dash-layout").status_code == 401


def test_sessions_login_redirects_only_to_local_paths(settings, clock):
    client = create_app(settings).server.test_client()
    assert _log_in(client, next_path="/backlog?channel=web").headers["Location"] == (
        "/backlog?channel=web"
    )
    for hostile in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        fresh = create_app(settings).server.test_client()
        assert _log_in(fresh, next_path=hostile).headers["Location"] == "/"


def test_sessions_app_refuses_to_start_without_a_secret_key(tmp_path):
    from orderlens.users import MissingSecretKeyError

    with pytest.raises(MissingSecretKeyError, match="ORDERLENS_SECRET_KEY"):
        create_app(Settings(data_dir=tmp_path / "data"))


def test_sessions_cli_adds_lists_and_removes_users(tmp_path):
    env = Settings(data_dir=tmp_path / "data").subprocess_env()
    cli = [sys.executable, "-m", "orderlens.cli", "users"]

    def run(*arguments: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [*cli, *arguments], input=stdin, env=env, capture_output=True, text=True, timeout=60
        )

    added = run("add", "omar", "--role", "operations", "--password-stdin", stdin="ops-password-1\n")
    assert added.returncode == 0, added.stderr
    users = load_users(tmp_path / "data" / "users.yaml")
    assert users["omar"].role is Role.OPERATIONS
    assert verify_password("ops-password-1", users["omar"].password_hash)
    assert run("list").stdout.split() == ["omar", "operations"]
    refused = run("add", "omar", "--role", "operations", "--password-stdin", stdin="short\n")
    assert refused.returncode != 0
    assert "at least 12 characters" in refused.stderr
    secret = run("secret")
    assert "created a new session secret key" in secret.stdout
    assert "kept the existing" in run("secret").stdout
    assert run("remove", "omar").returncode == 0
    assert run("remove", "omar").returncode != 0
    assert load_users(tmp_path / "data" / "users.yaml") == {}


def _layout_csrf_token(client) -> str:
    """The session's CSRF token as the page carries it: the logout form's hidden input."""

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props", {})
            if isinstance(props, dict) and props.get("name") == "csrf_token":
                return props["value"]
            return next((found for v in node.values() if (found := walk(v))), None)
        if isinstance(node, list):
            return next((found for v in node if (found := walk(v))), None)
        return None

    return walk(client.get("/_dash-layout").get_json())


def test_sessions_logout_is_a_post_with_the_token_and_ends_a_captured_cookie(settings, clock):
    client = create_app(settings).server.test_client()
    _log_in(client)
    captured = client.get_cookie("orderlens_session").value
    client.get("/logout")
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/_dash-layout").status_code == 200, "a GET or a forged POST logs out"
    answer = client.post("/logout", data={"csrf_token": _layout_csrf_token(client)})
    assert (answer.status_code, answer.headers["Location"]) == (303, "/login")
    thief = create_app(settings).server.test_client()
    thief.set_cookie("orderlens_session", captured)
    assert thief.get("/backlog").headers["Location"].startswith("/login?next=/backlog")
    assert thief.get("/_dash-layout").status_code == 401


def test_sessions_revoke_and_role_change_end_every_session_of_the_user(settings, clock):
    app = create_app(settings).server
    laptop, phone = app.test_client(), app.test_client()
    _log_in(laptop)
    _log_in(phone)
    env = settings.subprocess_env()
    revoked = subprocess.run(
        [sys.executable, "-m", "orderlens.cli", "users", "revoke", "dana"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert revoked.returncode == 0, revoked.stderr
    assert "ended 2 open session(s) of dana" in revoked.stdout
    assert laptop.get("/_dash-layout").status_code == 401
    assert phone.get("/_dash-layout").status_code == 401
    _log_in(laptop)
    assert laptop.get("/_dash-layout").status_code == 200
    add_user(settings.users_path, "dana", Role.OPERATIONS, PASSWORD)
    assert laptop.get("/_dash-layout").status_code == 401


def test_sessions_cookies_are_secure_and_hsts_is_sent_only_behind_tls(settings, clock):
    plain = create_app(settings).server.test_client()
    login_page = plain.get("/login")
    assert "Strict-Transport-Security" not in login_page.headers
    assert "Secure" not in login_page.headers["Set-Cookie"]
    assert "Secure" not in _log_in(plain).headers["Set-Cookie"]
    behind_tls = replace(settings, behind_tls=True)
    secure = create_app(behind_tls).server.test_client()
    login_page = secure.get("/login")
    assert login_page.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "; Secure" in login_page.headers["Set-Cookie"]
    session_cookie = _log_in(secure).headers["Set-Cookie"]
    assert session_cookie.startswith("orderlens_session=")
    assert "; Secure" in session_cookie
    assert "; HttpOnly" in session_cookie
