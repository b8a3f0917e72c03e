"""Login, sessions and roles for the dashboard.

Every request needs a logged-in user except ``/health``, the login page and the two
style sheets that page uses. A request without a valid session gets 401 (Dash's
endpoints, any non-GET request) or a redirect to the login page (pages).

Sessions live on the server (:class:`orderlens.sessions.SessionStore`); the cookie
``orderlens_session`` (HttpOnly, SameSite=Lax, ``Secure`` behind TLS) holds only a random
token. A session ends at logout (a POST carrying the session's CSRF token), after
``session_hours`` in total or ``session_idle_minutes`` without a request, when its user is
removed or changes role or password, and at ``orderlens users revoke``: its row is
deleted, so a copied cookie opens nothing afterwards. Before login, the form's CSRF token
sits in Flask's signed cookie ``orderlens_login`` (no server state for anonymous
visitors, so they cannot fill the store). Failed logins are limited and audited by
:mod:`dashboard.login_limits`, whose gate answers locked guesses before Flask runs.

Roles are enforced on the server: ``operations`` is refused the ROI page and every ROI
callback here, and the pages and ``dashboard.queries`` leave cost figures out for it, so
posting callback payloads by hand reveals no more than the browser shows.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from urllib.parse import urlsplit

from dash import dcc, html
from flask import Flask, Response, g, has_request_context, jsonify, redirect, request, session
from markupsafe import escape

from dashboard.login_limits import LoginGate, LoginLimits
from orderlens.sessions import SessionRecord, SessionStore
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
LOGIN_FORM_COOKIE = "orderlens_login"
"""Flask's signed cookie, used only for the login form's CSRF token before login."""


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


def current_csrf_token() -> str:
    """The logged-in session's CSRF token (forms that change state send it back); empty
    outside a logged-in request."""
    if not has_request_context():
        return ""
    record: SessionRecord | None = g.get("orderlens_session")
    return record.csrf_token if record else ""


def logout_control() -> html.Form:
    """The navigation's logout button: a POST form carrying the session's CSRF token, so
    another site cannot log a user out with a link or an image."""
    return html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=current_csrf_token()),
            html.Button(
                "Log out", type="submit", id="logout-link", className="btn btn-link nav-link"
            ),
        ],
        action=LOGOUT_PATH,
        method="post",
        className="d-flex mb-0",
    )


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


def _session_user(
    store: SessionStore, cache: _UserCache, limits: tuple[float, float]
) -> tuple[User, SessionRecord] | None:
    """The session's user and record if the session is still valid; ends a stale one."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    record = store.find(token)
    if record is None:
        return None
    now = time.time()
    absolute_seconds, idle_seconds = limits
    user = cache.users().get(record.user_name)
    valid = (
        user is not None
        and now - record.login_at <= absolute_seconds
        and now - record.seen_at <= idle_seconds
        and record.role == user.role.value
        and record.password_fingerprint == password_fingerprint(user)
    )
    if not valid:
        store.end(token)
        return None
    store.touch(token, record, now)
    return user, record


def _is_cost_callback() -> bool:
    payload = request.get_json(silent=True) or {}
    output = str(payload.get("output", "")) if isinstance(payload, dict) else ""
    return any(
        part.lstrip(".").startswith(COST_OUTPUT_PREFIX) or f'"{COST_OUTPUT_PREFIX}' in part
        for part in output.split("...")
    )


def install_access_control(server: Flask, settings: Settings) -> None:
    """Require a login on every route of ``server`` but the open ones, and add the login
    route (behind the guessing limits) and the logout route (POST with the CSRF token).

    Raises:
        orderlens.users.MissingSecretKeyError: When no key for the login form's cookie is
            configured.
    """
    server.secret_key = resolve_secret_key(settings)
    server.config.update(
        SESSION_COOKIE_NAME=LOGIN_FORM_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.behind_tls,
    )
    cache = _UserCache(settings.users_path)
    store = SessionStore(settings.sessions_path)
    limits = (settings.session_hours * 3600, settings.session_idle_minutes * 60)
    guessing = LoginLimits(server, _login_page)

    @server.before_request
    def require_login():
        if request.path in OPEN_PATHS or request.path in OPEN_ASSETS:
            return None
        found = _session_user(store, cache, limits)
        if found is None:
            return _refuse(401, "login required")
        user, record = found
        g.orderlens_user = user.name
        g.orderlens_role = user.role
        g.orderlens_session = record
        if request.path == LOGOUT_PATH:
            return None
        if not user.role.sees_costs:
            if request.path.rstrip("/") in COST_PAGES:
                return _refuse(403, "this page is not available to your role")
            if request.path == CALLBACK_PATH and _is_cost_callback():
                return _refuse(403, "not available to your role")
        return None

    def login():
        next_path = _safe_next(request.values.get("next"))
        if request.method == "GET":
            return _login_page(next_path=next_path)
        expected = session.get("csrf", "")
        offered = request.form.get("csrf_token", "")
        if not expected or not secrets.compare_digest(expected, offered):
            session.pop("csrf", None)
            return _login_page("The form expired; please log in again.", 400, next_path)
        guessing.record_admitted()
        user = authenticate(
            cache.users(), request.form.get("username", ""), request.form.get("password", "")
        )
        if user is None:
            guessing.record_failure()
            return _login_page("Wrong user name or password.", 401, next_path)
        now = time.time()
        store.end_expired(now=now, absolute_seconds=limits[0], idle_seconds=limits[1])
        token, _ = store.open_session(
            user_name=user.name,
            role=user.role.value,
            password_fingerprint=password_fingerprint(user),
            now=now,
        )
        response = redirect(next_path, code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(limits[0]),
            httponly=True,
            samesite="Lax",
            secure=settings.behind_tls,
        )
        return response

    server.add_url_rule(LOGIN_PATH, "login", guessing.protect(login), methods=["GET", "POST"])
    server.wsgi_app = LoginGate(
        server.wsgi_app, guessing, LOGIN_PATH, behind_tls=settings.behind_tls
    )

    @server.route(LOGOUT_PATH, methods=["POST"])
    def logout():
        token = request.cookies.get(SESSION_COOKIE, "")
        offered = request.form.get("csrf_token", "")
        if not secrets.compare_digest(current_csrf_token(), offered):
            return _refuse(400, "the logout form expired; reload the page and log out again")
        store.end(token)
        response = redirect(LOGIN_PATH, code=303)
        response.delete_cookie(
            SESSION_COOKIE, httponly=True, samesite="Lax", secure=settings.behind_tls
        )
        return response
