"""Login, sessions and roles for the dashboard, on Flask's own primitives.

Every request needs a logged-in user except ``/health``, the login page and the two
style sheets that page uses. A request without a valid session gets 401 (Dash's
endpoints, any non-GET request) or a redirect to the login page (pages). Sessions are
Flask's signed cookies (HttpOnly, SameSite=Lax) signed with the key from the settings;
a session ends after ``session_hours`` in total or ``session_idle_minutes`` without a
request, when its user is removed or changes role, or when the password changes.

Roles are enforced on the server: ``operations`` is refused the ROI page and every ROI
callback here, and the pages and ``dashboard.data`` leave cost figures out for it, so
posting callback payloads by hand reveals no more than the browser shows.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, g, has_request_context, jsonify, redirect, request, session
from markupsafe import escape

from orderlens.settings import Settings
from orderlens.users import (
    Role,
    User,
    authenticate,
    load_users,
    password_fingerprint,
    resolve_secret_key,
)

LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
OPEN_PATHS = frozenset({"/health", LOGIN_PATH})
OPEN_ASSETS = frozenset({"/assets/vendor/bootstrap.min.css", "/assets/orderlens.css"})
"""The only files served without a login: the login page's style sheets (no data)."""
COST_PAGES = frozenset({"/roi"})
COST_OUTPUT_PREFIX = "roi-"
"""Every output id of the ROI page starts with this; those callbacks need ``sees_costs``."""
CALLBACK_PATH = "/_dash-update-component"
SESSION_COOKIE = "orderlens_session"


class _UserCache:
    """The users file, re-read only when its modification time or size changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._identity: tuple[int, int] | None = None
        self._users: dict[str, User] = {}

    def users(self) -> dict[str, User]:
        try:
            status = self.path.stat()
            identity = (status.st_mtime_ns, status.st_size)
        except FileNotFoundError:
            return {}
        if identity != self._identity:
            self._users = load_users(self.path)
            self._identity = identity
        return self._users


def current_role() -> Role | None:
    """The logged-in user's role in this request; ``None`` outside a request or before login."""
    if not has_request_context():
        return None
    return g.get("orderlens_role")


def may_see_costs() -> bool:
    """Whether cost and ROI figures may be computed and shown in this request.

    Outside a request (tests, benchmarks, the library used directly) there is no user to
    restrict; inside one, only a role that ``sees_costs`` may.
    """
    if not has_request_context():
        return True
    role = current_role()
    return role is not None and role.sees_costs


def _safe_next(target: str | None) -> str:
    """Only a local path may be the redirect after login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return "/"
    return target


def _login_page(message: str = "", status: int = 200, next_path: str = "/") -> Response:
    token = session.get("csrf") or secrets.token_urlsafe(32)
    session["csrf"] = token
    notice = (
        f'<div class="alert alert-danger" role="alert">{escape(message)}</div>' if message else ""
    )
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>orderlens · Log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/vendor/bootstrap.min.css">
<link rel="stylesheet" href="/assets/orderlens.css"></head>
<body class="bg-light"><main class="container" style="max-width: 420px">
<h1 class="h3 my-4">orderlens</h1>{notice}
<form method="post" action="{LOGIN_PATH}" autocomplete="on">
<input type="hidden" name="csrf_token" value="{escape(token)}">
<input type="hidden" name="next" value="{escape(next_path)}">
<div class="mb-3"><label class="form-label" for="username">User name</label>
<input class="form-control" id="username" name="username" autocomplete="username" required></div>
<div class="mb-3"><label class="form-label" for="password">Password</label>
<input class="form-control" id="password" name="password" type="password"
 autocomplete="current-password" required></div>
<button class="btn btn-primary" type="submit" id="login-submit">Log in</button>
</form></main></body></html>"""
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _refuse(status: int, message: str) -> Response:
    wants_page = (
        request.method == "GET"
        and not request.path.startswith("/_dash-")
        and not request.path.startswith("/_reload-hash")
    )
    if status == 401 and wants_page:
        return redirect(f"{LOGIN_PATH}?next={request.full_path.rstrip('?')}", code=302)
    response = jsonify(error=message)
    response.status_code = status
    return response


def _session_user(cache: _UserCache, limits: tuple[float, float]) -> User | None:
    """The session's user if the session is still valid; clears an expired session."""
    name = session.get("user")
    if not name:
        return None
    now = time.time()
    absolute_seconds, idle_seconds = limits
    login_at, seen_at = session.get("login_at", 0.0), session.get("seen_at", 0.0)
    user = cache.users().get(name)
    valid = (
        user is not None
        and now - login_at <= absolute_seconds
        and now - seen_at <= idle_seconds
        and session.get("role") == user.role.value
        and session.get("fingerprint") == password_fingerprint(user)
    )
    if not valid:
        session.clear()
        return None
    session["seen_at"] = now
    return user


def _is_cost_callback() -> bool:
    payload = request.get_json(silent=True) or {}
    output = str(payload.get("output", "")) if isinstance(payload, dict) else ""
    return any(
        part.lstrip(".").startswith(COST_OUTPUT_PREFIX) or f'"{COST_OUTPUT_PREFIX}' in part
        for part in output.split("...")
    )


def install_access_control(server: Flask, settings: Settings) -> None:
    """Require a login on every route of ``server`` but the open ones, and add the login
    and logout routes.

    Raises:
        orderlens.users.MissingSecretKeyError: When no session key is configured.
    """
    server.secret_key = resolve_secret_key(settings)
    server.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
    )
    cache = _UserCache(settings.users_path)
    limits = (settings.session_hours * 3600, settings.session_idle_minutes * 60)

    @server.before_request
    def require_login():
        if request.path in OPEN_PATHS or request.path in OPEN_ASSETS:
            return None
        user = _session_user(cache, limits)
        if user is None:
            return _refuse(401, "login required")
        g.orderlens_user = user.name
        g.orderlens_role = user.role
        if request.path == LOGOUT_PATH:
            return None
        if not user.role.sees_costs:
            if request.path.rstrip("/") in COST_PAGES:
                return _refuse(403, "this page is not available to your role")
            if request.path == CALLBACK_PATH and _is_cost_callback():
                return _refuse(403, "not available to your role")
        return None

    @server.route(LOGIN_PATH, methods=["GET", "POST"])
    def login():
        next_path = _safe_next(request.values.get("next"))
        if request.method == "GET":
            return _login_page(next_path=next_path)
        expected = session.get("csrf", "")
        offered = request.form.get("csrf_token", "")
        if not expected or not secrets.compare_digest(expected, offered):
            session.pop("csrf", None)
            return _login_page("The form expired; please log in again.", 400, next_path)
        user = authenticate(
            cache.users(), request.form.get("username", ""), request.form.get("password", "")
        )
        if user is None:
            return _login_page("Wrong user name or password.", 401, next_path)
        now = time.time()
        session.clear()
        session.permanent = True
        session.update(
            user=user.name,
            role=user.role.value,
            fingerprint=password_fingerprint(user),
            login_at=now,
            seen_at=now,
        )
        return redirect(next_path, code=303)

    @server.route(LOGOUT_PATH)
    def logout():
        session.clear()
        return redirect(LOGIN_PATH, code=303)

    @server.after_request
    def forbid_framing(response: Response) -> Response:
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
