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

import logging
import math
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask, Response, request
from flask_limiter import Limiter, RequestLimit

from orderlens.settings import Settings

ACCOUNT_AND_ADDRESS_LIMITS = "5 per minute; 20 per hour"
ADDRESS_LIMITS = "50 per hour"
ACCOUNT_KEY_LENGTH = 64
"""Longest account name kept in a key or log line (longer input is cut, not trusted)."""
AUDIT_LOGGER = logging.getLogger("orderlens.audit")


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
            (ADDRESS_LIMITS, client_address, "address"),
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
        if new_lock:
            AUDIT_LOGGER.warning(
                "login locked: account=%r address=%s until=%s (limit %s)",
                attempted_account(),
                client_address(),
                datetime.fromtimestamp(until, UTC).isoformat(timespec="seconds"),
                breached.limit,
            )
        wait_minutes = max(1, round((until - time.time()) / 60))
        message = (
            "Too many failed logins from your address. For your safety, logging in is "
            f"paused: try again in about {wait_minutes} minute{'s' if wait_minutes > 1 else ''}."
        )
        response = self._refusal(message, 429)
        response.headers["Retry-After"] = str(max(1, math.ceil(until - time.time())))
        return response
