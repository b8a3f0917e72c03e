"""The dashboard's Content-Security-Policy holds in a real Chromium: every page renders with
no CSP violation and no console error, while a script injected into the page is blocked;
the referrer and permissions headers are sent; the logout button ends the session, so a
cookie copied before it opens nothing after it."""

from __future__ import annotations

import requests
from dashboard_server import EXECUTIVE, PAGE_PATHS, log_in_page, settle

from orderlens.warehouse import connect

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""


def _order_path(published_demo) -> str:
    with connect(published_demo.settings.serving_path, read_only=True) as con:
        case_id = con.execute("SELECT case_id FROM marts.fct_exceptions LIMIT 1").fetchone()[0]
    return f"/orders/{case_id}"


def test_security_headers_every_page_renders_under_the_csp_in_chromium(
    chromium, secured_dashboard, published_demo
):
    url = secured_dashboard.url
    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    log_in_page(page, url, *EXECUTIVE)
    rendered = 0
    for path in ("/login", *PAGE_PATHS, _order_path(published_demo)):
        answer = page.goto(url + path)
        assert "script-src 'self' 'sha256-" in answer.headers["content-security-policy"]
        settle(page)
        assert page.evaluate("window.__cspViolations") == [], path
        rendered += page.locator(".main-svg, .dash-table-container, table").count()
    assert rendered > 0, "the pages should have drawn charts and tables"
    problems = [line for line in console if line.startswith("error") or "Security" in line]
    assert problems == []
    injected = page.evaluate(
        """() => {
            const script = document.createElement('script');
            script.textContent = 'window.__injected = true';
            document.head.appendChild(script);
            return window.__injected === true;
        }"""
    )
    assert injected is False
    assert any(v.startswith("script-src") for v in page.evaluate("window.__cspViolations"))
    context.close()


def test_security_headers_referrer_permissions_and_framing_on_every_answer(secured_dashboard):
    url = secured_dashboard.url
    for path in ("/login", "/health", "/", "/_dash-layout"):
        headers = requests.get(url + path, allow_redirects=False, timeout=30).headers
        assert headers["Referrer-Policy"] == "same-origin", path
        assert "camera=()" in headers["Permissions-Policy"], path
        assert "geolocation=()" in headers["Permissions-Policy"], path
        policy = dict(
            directive.strip().split(" ", 1)
            for directive in headers["Content-Security-Policy"].split(";")
        )
        assert policy["frame-ancestors"] == "'none'", path
        assert policy["default-src"] == "'self'", path
        assert "unsafe" not in policy["script-src"], path
        assert headers["X-Frame-Options"] == "DENY", path
        assert "Strict-Transport-Security" not in headers, "HSTS only behind TLS"


def test_security_headers_logout_button_ends_the_session_and_a_copied_cookie(
    chromium, secured_dashboard
):
    url = secured_dashboard.url
    context = chromium.new_context()
    page = context.new_page()
    log_in_page(page, url, *EXECUTIVE)
    settle(page)
    copied = {c["name"]: c["value"] for c in context.cookies()}["orderlens_session"]
    thief = requests.Session()
    thief.cookies.set("orderlens_session", copied)
    assert thief.get(f"{url}/_dash-layout", timeout=30).status_code == 200, "the control"
    page.click("#logout-link")
    page.wait_for_url(lambda address: "/login" in address, timeout=30_000)
    assert "orderlens_session" not in {c["name"] for c in context.cookies()}
    assert thief.get(f"{url}/_dash-layout", timeout=30).status_code == 401
    backlog = thief.get(f"{url}/backlog", allow_redirects=False, timeout=30)
    assert backlog.headers["Location"].startswith("/login?next=/backlog")
    context.close()
