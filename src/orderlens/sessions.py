"""Dashboard sessions kept on the server, in one SQLite file in the data directory.

A signed cookie cannot be taken back: whoever copied it keeps a working session until it
expires. Here the cookie carries only a random token, and the session lives in a row of
``Settings.sessions_path`` (created mode 0600). Ending a session deletes its row, so a
cookie captured before a logout answers nothing after it, and ``end_user_sessions``
ends every session of one user at once (``orderlens users revoke``, ``passwd``,
``remove``, a role change).

The file stores the SHA-256 of each token, never the token, so a copy of the file opens
no session. SQLite, not DuckDB: the warehouse allows one writer and is rebuilt by the
pipeline, while sessions are written by the dashboard's threads and the CLI alike.

Example:
    >>> store = SessionStore(settings.sessions_path)  # doctest: +SKIP
    >>> token, record = store.open_session(  # doctest: +SKIP
    ...     user_name="dana", role="executive", password_fingerprint="ab12", now=time.time()
    ... )
    >>> store.end_user_sessions("dana")  # doctest: +SKIP
    1
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SESSION_TOKEN_BYTES = 32
CSRF_TOKEN_BYTES = 32
SEEN_AT_RESOLUTION_SECONDS = 15.0
"""Last-seen times are written at most this often per session: a write on every
callback would queue the dashboard's threads behind SQLite's single writer, and the idle
limit (minutes) needs no finer clock."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_fingerprint TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    login_at REAL NOT NULL,
    seen_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_name);
"""


@dataclass(frozen=True)
class SessionRecord:
    """One open session: whose it is, what it was opened with, and when.

    Attributes:
        user_name: The user who logged in.
        role: The role at login; a different role now ends the session.
        password_fingerprint: A digest of the password hash at login; a changed
            password ends the session.
        csrf_token: The token that state-changing forms (logout) must send back.
        login_at: Unix time of the login (for the absolute limit).
        seen_at: Unix time of the last request, to ``SEEN_AT_RESOLUTION_SECONDS``.
    """

    user_name: str
    role: str
    password_fingerprint: str
    csrf_token: str
    login_at: float
    seen_at: float


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionStore:
    """The sessions file: open, find, touch and end sessions.

    Each call opens its own short SQLite connection, so the store can be shared by the
    server's threads and used from the CLI while the server runs.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Created owner-only before SQLite opens it; SQLite gives its journal files
            # the same mode as the database.
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        if not self._ready:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)
            self._ready = True
        try:
            connection.execute("PRAGMA synchronous=NORMAL")
            yield connection
        finally:
            connection.close()

    def open_session(
        self, *, user_name: str, role: str, password_fingerprint: str, now: float
    ) -> tuple[str, SessionRecord]:
        """Start a session; returns the token for the cookie and the stored record."""
        token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
        record = SessionRecord(
            user_name=user_name,
            role=role,
            password_fingerprint=password_fingerprint,
            csrf_token=secrets.token_urlsafe(CSRF_TOKEN_BYTES),
            login_at=now,
            seen_at=now,
        )
        with self._connect() as connection:
            connection.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    _token_digest(token),
                    record.user_name,
                    record.role,
                    record.password_fingerprint,
                    record.csrf_token,
                    record.login_at,
                    record.seen_at,
                ),
            )
        return token, record

    def find(self, token: str) -> SessionRecord | None:
        """The session the token opens, or ``None`` when it was ended or never existed."""
        with self._connect() as connection:
            row = connection.execute(
                "SELECT user_name, role, password_fingerprint, csrf_token, login_at, seen_at"
                " FROM sessions WHERE token_sha256 = ?",
                (_token_digest(token),),
            ).fetchone()
        return SessionRecord(*row) if row else None

    def touch(self, token: str, record: SessionRecord, now: float) -> None:
        """Record a request on the session (at most every ``SEEN_AT_RESOLUTION_SECONDS``)."""
        if now - record.seen_at < SEEN_AT_RESOLUTION_SECONDS:
            return
        with self._connect() as connection:
            connection.execute(
                "UPDATE sessions SET seen_at = ? WHERE token_sha256 = ?",
                (now, _token_digest(token)),
            )

    def end(self, token: str) -> None:
        """End one session (logout, or a session found expired or stale)."""
        with self._connect() as connection:
            connection.execute(
                "DELETE FROM sessions WHERE token_sha256 = ?", (_token_digest(token),)
            )

    def end_user_sessions(self, user_name: str) -> int:
        """End every session of ``user_name``; returns how many were open."""
        if not self.path.exists():
            return 0
        with self._connect() as connection:
            return connection.execute(
                "DELETE FROM sessions WHERE user_name = ?", (user_name,)
            ).rowcount

    def end_expired(self, *, now: float, absolute_seconds: float, idle_seconds: float) -> int:
        """Delete sessions past either limit (they are refused anyway); returns how many."""
        with self._connect() as connection:
            return connection.execute(
                "DELETE FROM sessions WHERE login_at < ? OR seen_at < ?",
                (now - absolute_seconds, now - idle_seconds),
            ).rowcount

    def count_user_sessions(self, user_name: str) -> int:
        """How many sessions ``user_name`` has open (expired ones included until swept)."""
        if not self.path.exists():
            return 0
        with self._connect() as connection:
            return connection.execute(
                "SELECT count(*) FROM sessions WHERE user_name = ?", (user_name,)
            ).fetchone()[0]
