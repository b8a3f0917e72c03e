"""SQL-injection payloads through the URL filters and the callback inputs: every answer
is a normal page or "no data", never an error that leaks SQL, and the data is unchanged."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from urllib.parse import quote, quote_plus

import pytest
from dashboard_server import EXECUTIVE, logged_in

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PAYLOADS = (
    "' OR '1'='1",
    "web'; DROP TABLE marts.fct_orders; --",
    "x') UNION SELECT parameter, value FROM reference.cost_model --",
    "\"; ATTACH '/tmp/evil.duckdb' AS evil; --",
    "2026-01-01' OR 1=1 --",
)
LEAK_PATTERN = re.compile(
    r"Traceback|duckdb|Binder Error|Parser Error|Catalog Error|SELECT |DROP TABLE|"
    r"syntax error|Internal Server Error",
    re.IGNORECASE,
)


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _with_filters(payload: dict, value: str, *, typed: bool = False) -> dict:
    """The payload with every text input (filter values, the URL query, order ids) set to
    ``value``; with ``typed``, also the inputs that only hold a day or a choice name,
    which are then refused before any query (``dashboard.callback_inputs``)."""
    hostile = copy.deepcopy(payload)
    for group in ("inputs", "state"):
        for item in hostile.get(group, []):
            if not isinstance(item, dict):
                continue
            if item.get("property") == "search":
                item["value"] = "?" + "&".join(
                    f"{name}={quote(value)}"
                    for name in ("start", "end", "channel", "region", "node", "carrier")
                )
            elif item.get("id") == "filters" and item.get("property") == "data":
                recorded = item.get("value") or {}
                item["value"] = {
                    "start": value if typed else recorded.get("start"),
                    "end": value if typed else recorded.get("end"),
                    "channel": [value],
                    "region": [value],
                    "node_id": [value],
                    "carrier": [value],
                    "query": "?channel=" + quote(value),
                }
            elif item.get("id") in ("order-case-id", "order-search") or (typed and _is_typed(item)):
                item["value"] = value
    return hostile


def _is_typed(item: dict) -> bool:
    """A day (date pickers) or a choice name (radio items)."""
    return item.get("property") in ("start_date", "end_date", "date") or (
        isinstance(item.get("value"), str) and item.get("property") == "value"
    )


def _typed_inputs_changed(payload: dict, value: str) -> bool:
    return _with_filters(payload, value, typed=True) != _with_filters(payload, value)


def test_injection_through_filters_and_callbacks_is_inert(
    secured_dashboard, recorded_callbacks, published_demo
):
    serving = published_demo.settings.serving_path
    warehouse = published_demo.settings.warehouse_path
    before = (_digest(serving), _digest(warehouse))
    client = logged_in(secured_dashboard.url, *EXECUTIVE)
    answered = 0
    for value in PAYLOADS:
        page = client.get(
            f"{secured_dashboard.url}/backlog?channel={quote(value)}&start={quote(value)}",
            timeout=60,
        )
        assert page.status_code == 200
        order = client.get(f"{secured_dashboard.url}/orders/{quote(value, safe='')}", timeout=60)
        assert order.status_code == 200
        for key, (endpoint, payload) in recorded_callbacks.items():
            if _typed_inputs_changed(payload, value):
                refused = client.post(
                    endpoint, json=_with_filters(payload, value, typed=True), timeout=60
                )
                assert refused.status_code == 400, f"{key} with {value!r} in a day or choice"
                assert not LEAK_PATTERN.search(refused.text)
            answer = client.post(endpoint, json=_with_filters(payload, value), timeout=60)
            assert answer.status_code in (200, 204), f"{key} with {value!r}: {answer.status_code}"
            normalized = json.dumps(answer.json(), ensure_ascii=False) if answer.text else ""
            echoed_as_data = json.dumps(value, ensure_ascii=False)[1:-1]
            scrubbed = normalized.replace(echoed_as_data, "")
            for encoded in (quote(value), quote_plus(value)):
                scrubbed = scrubbed.replace(encoded, "")
            assert not LEAK_PATTERN.search(scrubbed), f"{key} with {value!r} leaked SQL"
            answered += 1
    assert answered >= len(PAYLOADS) * 10
    assert (_digest(serving), _digest(warehouse)) == before
    health = client.get(f"{secured_dashboard.url}/health", timeout=30)
    assert json.loads(health.text)["status"] == "ok"
