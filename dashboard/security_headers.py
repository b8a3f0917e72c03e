"""Response headers that tell the browser what the dashboard's pages may do.

The Content-Security-Policy allows scripts only from the dashboard itself plus the inline
scripts Dash writes into its page (the renderer's start-up line and the clientside
callbacks), each by its SHA-256 hash from ``Dash.csp_hashes``: an injected inline script
or event handler does not run. Styles allow ``'unsafe-inline'`` because Plotly and the
React components set inline styles; styles cannot run code. Nothing may frame the
dashboard, forms post only to it, and no plugin, other origin or ``<base>`` is allowed.

Referrer-Policy keeps order addresses (which carry order ids) from leaking to other
sites; Permissions-Policy turns off browser features the dashboard never uses. Behind TLS
(``Settings.behind_tls``) every answer also carries HSTS, so browsers use HTTPS only.
"""

from __future__ import annotations

from dash import Dash
from flask import Response

from orderlens.settings import Settings

HSTS_SECONDS = 365 * 24 * 3600
REFERRER_POLICY = "same-origin"
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


def content_security_policy(script_hashes: list[str]) -> str:
    """The dashboard's CSP, allowing exactly the given inline-script hashes."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def install_security_headers(app: Dash, settings: Settings) -> None:
    """Add the CSP, framing, referrer, permissions and (behind TLS) HSTS headers to every
    answer of ``app``.

    The CSP is computed at the first answer, once every page and clientside callback has
    registered its inline script.
    """
    policy: list[str] = []

    @app.server.after_request
    def add_security_headers(response: Response) -> Response:
        if not policy:
            policy.append(content_security_policy(list(app.csp_hashes())))
        response.headers["Content-Security-Policy"] = policy[0]
        response.headers["Referrer-Policy"] = REFERRER_POLICY
        response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        if settings.behind_tls:
            response.headers["Strict-Transport-Security"] = f"max-age={HSTS_SECONDS}"
        return response
