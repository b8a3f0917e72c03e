"""Limits on failed logins, so that passwords cannot be guessed at the speed of the server.

Flask-Limiter counts only failed logins (answers 401), in moving windows, under two keys:

- the account and the client address together: ``ACCOUNT_AND_ADDRESS_LIMITS``. After a
  few failures that pair waits a minute, after more an hour (progressive). Someone
  guessing Dana's password from their own address cannot lock Dana out at hers;
- the client address alone: ``ADDRESS_LIMITS``, so trying many names from one address
  (password spraying) is limited too.

While a limit holds, the login answers 429 with the login form and a message saying how
long to wait, before the password is checked: a locked-out guess costs a few
milliseconds, not an scrypt hash, so guessing cannot starve logged-in users' callbacks.

:class:`LoginGate` makes a refused guess cheaper still: a WSGI middleware in front of
Flask that answers a POST from a locked account+address pair (or a locked address) with a
small 429 page before sessions, the limiter, the form and Dash run, and refuses at once a
login request from an address that already has ``LOGIN_REQUESTS_AT_ONCE_PER_ADDRESS`` in
the server, so guessing cannot occupy every waitress thread. The gate only repeats locks
Flask-Limiter has set (until the instant the limiter gave): whatever it lets through is
judged by the limiter as before.

Every failure, every lockout and every unlock is written to the ``orderlens.audit``
logger (the server's standard error): the account as typed, the address, and for a
lockout until when. An unlock is noticed, and logged, at the next attempt of that pair
after the lock ended, with how many attempts the lock refused.

The counters live in the server's memory (``orderlens serve`` is one process): a restart
clears them. Behind a reverse proxy, ``Settings.trusted_proxy`` names it, and
:func:`proxy_options` makes waitress take the client address from the proxy's
``X-Forwarded-For`` (from that proxy only: anyone else's header is dropped, so it cannot
be used to dodge the limits).
"""

from __future__ import annotations

import io
import logging
import math
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs

from flask import Flask, Response, request
from flask_limiter import Limiter, RequestLimit
from markupsafe import escape

from dashboard.security_headers import HSTS_SECONDS, PERMISSIONS_POLICY, REFERRER_POLICY
from orderlens.settings import Settings

ACCOUNT_AND_ADDRESS_LIMITS = "5 per minute; 20 per hour"
ADDRESS_LIMITS = "50 per hour"
ADDRESS_SCOPE = "address"
ACCOUNT_KEY_LENGTH = 64
"""Longest account name kept in a key or log line (longer input is cut, not trusted)."""
AUDIT_LOGGER = logging.getLogger("orderlens.audit")
LOGIN_REQUESTS_AT_ONCE_PER_ADDRESS = 4
"""Login requests (form or attempt) one address may have in the server at the same time;
half of waitress's 8 threads, so guessing from one address leaves the rest to others."""
LOGIN_FORM_BODY_LIMIT = 16 * 1024
"""Largest login form the gate reads to find the account (larger goes to Flask as is)."""
REFUSAL_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def proxy_options(settings: Settings) -> dict[str, object]:
    """Waitress options that trust ``settings.trusted_proxy`` for the client's address
    and scheme; none when no proxy is named."""
    if settings.trusted_proxy is None:
        return {}
    return {
        "trusted_proxy": settings.trusted_proxy,
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        "clear_untrusted_proxy_headers": True,
    }


def client_address() -> str:
    """The address the request came from (the proxy's, behind a reverse proxy)."""
    return request.remote_addr or "unknown"


def attempted_account() -> str:
    """The account name a login attempt gave, normalized as the users file does."""
    return request.form.get("username", "").strip().lower()[:ACCOUNT_KEY_LENGTH]


def _account_and_address() -> str:
    return f"{attempted_account()}@{client_address()}"


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _breached_scope(breached: RequestLimit) -> str:
    """The breached limit's scope (``endpoint:scope``), read from the end of its storage
    key, since the key's front holds the account as typed, which may contain anything."""
    return breached.key.split("/")[-4]


def _lockout_message(until: float, now: float) -> str:
    wait_minutes = max(1, round((until - now) / 60))
    return (
        "Too many failed logins from your address. For your safety, logging in is "
        f"paused: try again in about {wait_minutes} minute{'s' if wait_minutes > 1 else ''}."
    )


def _retry_after(until: float, now: float) -> int:
    return max(1, math.ceil(until - now))


@dataclass
class _Lock:
    until: float
    refused: int = 0


class LoginLimits:
    """The guessing limits of one server's login view, and their audit trail.

    Args:
        server: The Flask server whose login view ``protect`` wraps.
        refusal: Builds the 429 answer from a message (the login form with the message).
    """

    def __init__(self, server: Flask, refusal: Callable[[str, int], Response]) -> None:
        self._refusal = refusal
        if not AUDIT_LOGGER.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
            AUDIT_LOGGER.addHandler(handler)
            AUDIT_LOGGER.setLevel(logging.INFO)
            # One line per event, whatever the process's root logger prints as well.
            AUDIT_LOGGER.propagate = False
        self._locks: dict[str, _Lock] = {}
        self._address_locks: dict[str, float] = {}
        self._guard = threading.Lock()
        self.limiter = Limiter(
            client_address,
            app=server,
            storage_uri="memory://",
            strategy="moving-window",
            headers_enabled=True,
        )

    def protect(self, view: Callable) -> Callable:
        """Wrap the login view in both limits (POST only; showing the form is free)."""
        for limits, key, scope in (
            (ACCOUNT_AND_ADDRESS_LIMITS, _account_and_address, "account-and-address"),
            (ADDRESS_LIMITS, client_address, ADDRESS_SCOPE),
        ):
            view = self.limiter.limit(
                limits,
                key_func=key,
                scope=scope,
                methods=["POST"],
                deduct_when=_failed,
                on_breach=self._locked_out,
            )(view)
        return view

    def lockout(self, account: str, address: str) -> tuple[str, int] | None:
        """The refusal message and seconds to wait if the limiter has locked this
        account+address pair or this address and the lock still holds; counts the refused
        attempt for the unlock's audit line.

        Args:
            account: The account name as :func:`attempted_account` normalizes it.
            address: The client address the request came from.
        """
        now = time.time()
        with self._guard:
            address_until = self._address_locks.get(address, 0.0)
            if address_until <= now:
                self._address_locks.pop(address, None)
            lock = self._locks.get(f"{account}@{address}")
            pair_until = lock.until if lock is not None else 0.0
            until = max(address_until, pair_until)
            if until <= now:
                return None
            if lock is not None:
                lock.refused += 1
        return _lockout_message(until, now), _retry_after(until, now)

    def record_failure(self) -> None:
        """Audit one failed login (called by the view when the password is wrong)."""
        AUDIT_LOGGER.warning(
            "login failed: account=%r address=%s", attempted_account(), client_address()
        )

    def record_admitted(self) -> None:
        """Called when an attempt passes the limits: logs the end of a lock it had."""
        key = _account_and_address()
        with self._guard:
            ended = self._locks.pop(key, None)
        if ended is not None:
            AUDIT_LOGGER.warning(
                "login unlocked: account=%r address=%s (%d attempts refused while locked)",
                attempted_account(),
                client_address(),
                ended.refused,
            )

    def _locked_out(self, breached: RequestLimit) -> Response:
        until = float(breached.reset_at)
        key = _account_and_address()
        with self._guard:
            lock = self._locks.get(key)
            new_lock = lock is None
            if new_lock:
                lock = self._locks[key] = _Lock(until=until)
            lock.until = max(lock.until, until)
            lock.refused += 1
            if _breached_scope(breached).endswith(f":{ADDRESS_SCOPE}"):
                address = client_address()
                self._address_locks[address] = max(self._address_locks.get(address, 0.0), until)
        if new_lock:
            AUDIT_LOGGER.warning(
                "login locked: account=%r address=%s until=%s (limit %s)",
                attempted_account(),
                client_address(),
                datetime.fromtimestamp(until, UTC).isoformat(timespec="seconds"),
                breached.limit,
            )
        now = time.time()
        response = self._refusal(_lockout_message(until, now), 429)
        response.headers["Retry-After"] = str(_retry_after(until, now))
        return response


class LoginGate:
    """WSGI middleware that refuses locked guesses and crowding login requests before
    Flask runs, so a guessing flood costs the server as little as a request can.

    Args:
        app: The WSGI application behind the gate (Flask's ``wsgi_app``).
        limits: The login limits whose locks the gate repeats.
        login_path: The login route's path; every other path passes untouched.
        behind_tls: Whether the refusals carry HSTS, like every other answer then.
    """

    def __init__(
        self, app: Callable, limits: LoginLimits, login_path: str, *, behind_tls: bool
    ) -> None:
        self._app = app
        self._limits = limits
        self._login_path = login_path
        self._headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("Content-Security-Policy", REFUSAL_CONTENT_SECURITY_POLICY),
            ("Referrer-Policy", REFERRER_POLICY),
            ("Permissions-Policy", PERMISSIONS_POLICY),
            ("X-Frame-Options", "DENY"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if behind_tls:
            self._headers.append(("Strict-Transport-Security", f"max-age={HSTS_SECONDS}"))
        self._in_flight: dict[str, int] = {}
        self._guard = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> list[bytes]:
        if environ.get("PATH_INFO") != self._login_path:
            return self._app(environ, start_response)
        address = environ.get("REMOTE_ADDR") or "unknown"
        with self._guard:
            busy = self._in_flight.get(address, 0)
            if busy >= LOGIN_REQUESTS_AT_ONCE_PER_ADDRESS:
                crowded = True
            else:
                crowded = False
                self._in_flight[address] = busy + 1
        if crowded:
            message = "Too many login requests at once from your address; try again shortly."
            return self._refuse(start_response, message, 1)
        try:
            if environ.get("REQUEST_METHOD") == "POST":
                account = self._account(environ)
                lockout = None if account is None else self._limits.lockout(account, address)
                if lockout is not None:
                    return self._refuse(start_response, *lockout)
            return self._app(environ, start_response)
        finally:
            with self._guard:
                left = self._in_flight.pop(address) - 1
                if left:
                    self._in_flight[address] = left

    def _account(self, environ: dict) -> str | None:
        """The account a form post names, normalized as :func:`attempted_account` does;
        ``None`` for a body the gate does not read (Flask then judges it in full). The
        body read is put back for Flask."""
        content_type = environ.get("CONTENT_TYPE", "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if not 0 < length <= LOGIN_FORM_BODY_LIMIT:
            return None
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        fields = parse_qs(body.decode("latin-1"), encoding="utf-8", errors="replace")
        return fields.get("username", [""])[0].strip().lower()[:ACCOUNT_KEY_LENGTH]

    def _refuse(self, start_response: Callable, message: str, retry_after: int) -> list[bytes]:
        body = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            "<title>orderlens · Log in</title>"
            '<link rel="stylesheet" href="/assets/vendor/bootstrap.min.css"></head>'
            '<body class="bg-light"><main class="container">'
            f'<h1 class="h3 my-4">orderlens</h1><div class="alert alert-danger" role="alert">'
            f'{escape(message)}</div><a href="/login">Back to the login form</a>'
            "</main></body></html>"
        ).encode()
        headers = [
            *self._headers,
            ("Retry-After", str(retry_after)),
            ("Content-Length", str(len(body))),
        ]
        start_response("429 Too Many Requests", headers)
        return [body]
