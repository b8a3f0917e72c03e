"""The server-side session store: owner-only file, hashed tokens, ending one session, all of
a user's sessions, and expired ones."""

from __future__ import annotations

import hashlib
import sqlite3
import stat

from orderlens.sessions import SEEN_AT_RESOLUTION_SECONDS, SessionStore


def _open(store: SessionStore, name: str, now: float = 1000.0) -> str:
    token, _ = store.open_session(
        user_name=name, role="executive", password_fingerprint="f1", now=now
    )
    return token


def test_session_store_is_owner_only_and_keeps_no_usable_token(tmp_path):
    store = SessionStore(tmp_path / "data" / "sessions.sqlite3")
    token = _open(store, "dana")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    with sqlite3.connect(store.path) as connection:
        stored = connection.execute("SELECT token_sha256 FROM sessions").fetchall()
    assert stored == [(hashlib.sha256(token.encode()).hexdigest(),)]
    assert token.encode() not in store.path.read_bytes()
    found = store.find(token)
    assert (found.user_name, found.role, found.login_at) == ("dana", "executive", 1000.0)
    assert store.find(token + "x") is None


def test_session_store_ends_one_session_or_every_session_of_a_user(tmp_path):
    store = SessionStore(tmp_path / "sessions.sqlite3")
    first, second, other = _open(store, "dana"), _open(store, "dana"), _open(store, "omar")
    assert first != second
    assert store.find(first).csrf_token != store.find(second).csrf_token
    store.end(first)
    assert store.find(first) is None
    assert store.find(second) is not None
    _open(store, "dana")
    assert store.end_user_sessions("dana") == 2
    assert store.find(second) is None
    assert store.find(other).user_name == "omar"
    assert store.count_user_sessions("dana") == 0


def test_session_store_touch_is_coarse_and_expired_sessions_are_swept(tmp_path):
    store = SessionStore(tmp_path / "sessions.sqlite3")
    token = _open(store, "dana", now=1000.0)
    store.touch(token, store.find(token), 1000.0 + SEEN_AT_RESOLUTION_SECONDS / 2)
    assert store.find(token).seen_at == 1000.0
    store.touch(token, store.find(token), 1100.0)
    assert store.find(token).seen_at == 1100.0
    idle = _open(store, "omar", now=1000.0)
    assert store.end_expired(now=1700.0, absolute_seconds=3600, idle_seconds=601) == 1
    assert store.find(idle) is None
    assert store.find(token) is not None
    assert store.end_expired(now=4700.0, absolute_seconds=3600, idle_seconds=10_000) == 1
    assert store.find(token) is None
