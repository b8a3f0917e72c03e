"""Access control against the real server: every route but /health and the login page
refuses a request without a session, and an operations user gets no cost or ROI figure
from any callback, even when posting the browser's payloads by hand."""

from __future__ import annotations

import re

import pytest
import requests
from dashboard_server import EXECUTIVE, OPERATIONS, PAGE_PATHS, log_out, logged_in

pytestmark = [pytest.mark.slow, pytest.mark.browser]

COST_PATTERN = re.compile(r"cost|\$|roi-|savings", re.IGNORECASE)
"""What a response must not contain for an operations user: cost labels, currency
amounts, ROI components or savings."""


def _post(client: requests.Session, endpoint: str, payload: dict) -> requests.Response:
    return client.post(endpoint, json=payload, timeout=60, allow_redirects=False)


def test_access_control_refuses_every_page_and_endpoint_without_a_login(
    secured_dashboard, recorded_callbacks
):
    url = secured_dashboard.url
    anonymous = requests.Session()
    for path in (*PAGE_PATHS, "/orders/anything", "/_favicon.ico"):
        answer = anonymous.get(url + path, allow_redirects=False, timeout=30)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].startswith("/login?next="), path
    for path in ("/_dash-layout", "/_dash-dependencies", "/_reload-hash"):
        assert anonymous.get(url + path, timeout=30).status_code == 401, path
    scripts = re.findall(
        r'src="([^"]+)"', logged_in(url, *EXECUTIVE).get(url + "/", timeout=30).text
    )
    assert scripts, "the page should load Dash's scripts"
    for script in scripts:
        assert anonymous.get(url + script, allow_redirects=False, timeout=30).status_code in (
            302,
            401,
        ), script
    assert recorded_callbacks, "the browser should have sent callbacks"
    for endpoint, payload in recorded_callbacks.values():
        answer = _post(anonymous, endpoint, payload)
        assert answer.status_code == 401, payload["output"]
        assert "cost" not in answer.text.lower()
    assert anonymous.get(url + "/health", timeout=30).status_code == 200
    assert anonymous.get(url + "/login", timeout=30).status_code == 200
    assert anonymous.get(url + "/assets/vendor/bootstrap.min.css", timeout=30).status_code == 200


def test_access_control_login_rejects_a_wrong_password_and_a_missing_csrf_token(
    secured_dashboard,
):
    url = secured_dashboard.url
    client = requests.Session()
    form = client.get(f"{url}/login", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    wrong = client.post(
        f"{url}/login",
        data={"csrf_token": token, "username": EXECUTIVE[0], "password": "not-the-password"},
        allow_redirects=False,
        timeout=30,
    )
    assert wrong.status_code == 401
    assert client.get(f"{url}/_dash-layout", timeout=30).status_code == 401
    forged = requests.post(
        f"{url}/login",
        data={"username": EXECUTIVE[0], "password": EXECUTIVE[1]},
        allow_redirects=False,
        timeout=30,
    )
    assert forged.status_code == 400
    assert (
        requests.get(f"{url}/_dash-layout", cookies=forged.cookies, timeout=30).status_code == 401
    )


def test_access_control_session_cookie_is_httponly_and_samesite_lax(secured_dashboard):
    url = secured_dashboard.url
    client = requests.Session()
    form = client.get(f"{url}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = client.post(
        f"{url}/login",
        data={"csrf_token": token, "username": EXECUTIVE[0], "password": EXECUTIVE[1]},
        allow_redirects=False,
        timeout=30,
    )
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("orderlens_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert client.get(f"{url}/_dash-layout", timeout=30).status_code == 200


def test_access_control_operations_gets_no_cost_from_any_callback(
    secured_dashboard, recorded_callbacks
):
    url = secured_dashboard.url
    executive = logged_in(url, *EXECUTIVE)
    operations = logged_in(url, *OPERATIONS)
    executive_saw_cost = False
    refused_roi = 0
    for key, (endpoint, payload) in recorded_callbacks.items():
        as_executive = _post(executive, endpoint, payload)
        assert as_executive.status_code in (200, 204), key
        executive_saw_cost |= "cost" in as_executive.text.lower()
        as_operations = _post(operations, endpoint, payload)
        if "roi-" in payload["output"]:
            assert as_operations.status_code == 403, key
            refused_roi += 1
        else:
            assert as_operations.status_code in (200, 204), key
        leaked = COST_PATTERN.findall(as_operations.text)
        assert leaked == [], f"{key} leaked {leaked[:5]}"
    assert executive_saw_cost, "the control: the executive's responses carry cost figures"
    assert refused_roi >= 2
    assert operations.get(f"{url}/roi", allow_redirects=False, timeout=30).status_code == 403
    layout = operations.get(f"{url}/_dash-layout", timeout=30).text
    assert "ROI" not in layout
    assert "ROI" in executive.get(f"{url}/_dash-layout", timeout=30).text


def test_access_control_operations_page_content_for_roi_is_a_refusal(
    secured_dashboard, recorded_callbacks
):
    operations = logged_in(secured_dashboard.url, *OPERATIONS)
    page_requests = [
        (endpoint, payload)
        for key, (endpoint, payload) in recorded_callbacks.items()
        if key.startswith("/roi ") and "_pages_content" in payload["output"]
    ]
    assert page_requests, "the browser should have rendered the ROI page through Dash Pages"
    for endpoint, payload in page_requests:
        answer = _post(operations, endpoint, payload)
        assert answer.status_code == 200
        assert "not available to your role" in answer.text
        assert "roi-cost-breakdown" not in answer.text


def test_access_control_logout_ends_the_session_and_a_cookie_captured_before_it(
    secured_dashboard,
):
    url = secured_dashboard.url
    client = logged_in(url, *EXECUTIVE)
    captured = client.cookies["orderlens_session"]
    assert client.get(f"{url}/_dash-layout", timeout=30).status_code == 200
    client.get(f"{url}/logout", timeout=30)
    assert client.get(f"{url}/_dash-layout", timeout=30).status_code == 200, "GET does not log out"
    assert log_out(client, url).headers["Location"] == "/login"
    assert client.get(f"{url}/_dash-layout", timeout=30).status_code == 401
    replay = requests.get(
        f"{url}/backlog", cookies={"orderlens_session": captured}, allow_redirects=False, timeout=30
    )
    assert replay.status_code == 302
    assert replay.headers["Location"].startswith("/login?next=/backlog")
