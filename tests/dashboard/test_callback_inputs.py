"""The callback request checks on their own: body parsing, value rules and request shape
(the whole app is fuzzed in ``tests/security/test_callback_fuzz.py``)."""

from __future__ import annotations

import json
import re

import pytest

from dashboard.callback_inputs import (
    MAX_DEPTH,
    CallbackInputError,
    check_callback_request,
    click_data,
    day,
    number,
    parse_callback_body,
    texts,
    url_query,
)

PATTERN = '{"class":["ALL"],"type":"roi-class-share"}'
CALLBACK_MAP = {
    "roi-outcome.children": {
        "callback": object(),
        "inputs": [
            {"id": "filters", "property": "data"},
            {"id": PATTERN, "property": "value"},
        ],
        "state": [{"id": PATTERN, "property": "id"}],
    },
    "page-title.children": {"inputs": [{"id": "filters", "property": "data"}], "state": []},
}


def _sliders(*classes: str) -> list[dict]:
    return [
        {"id": {"type": "roi-class-share", "class": name}, "property": "value", "value": 50}
        for name in classes
    ]


def _ids(*classes: str) -> list[dict]:
    return [
        {
            "id": {"type": "roi-class-share", "class": name},
            "property": "id",
            "value": {"type": "roi-class-share", "class": name},
        }
        for name in classes
    ]


def _outcome_body(sliders: list[dict], ids: list[dict], changed: list | None = None) -> dict:
    return {
        "output": "roi-outcome.children",
        "outputs": {"id": "roi-outcome", "property": "children"},
        "inputs": [{"id": "filters", "property": "data", "value": None}, sliders],
        "state": [ids],
        "changedPropIds": changed or [],
    }


def test_callback_inputs_parse_takes_strict_shallow_json_only():
    assert parse_callback_body(b'{"output": "x", "inputs": [[1]]}') == {
        "output": "x",
        "inputs": [[1]],
    }
    deepest_allowed = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_callback_body(deepest_allowed.encode())
    for raw in (
        b'{"value": NaN}',
        b'{"value": Infinity}',
        b"{'single': 'quotes'}",
        b"\xff\xfe",
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)).encode(),
        ("[" * 200_000 + "]" * 200_000).encode(),
    ):
        with pytest.raises(CallbackInputError):
            parse_callback_body(raw)


def test_callback_inputs_number_takes_its_range_and_nothing_else():
    rule = number(5, 80)
    assert all(rule.accepts(value) for value in (None, 5, 30, 80, 42.5))
    assert not any(
        rule.accepts(value)
        for value in (4, 81, "'", "30", True, [30], {"v": 30}, float("nan"), float("inf"), 10**400)
    )


def test_callback_inputs_day_texts_click_and_query_rules():
    assert day().accepts("2026-03-01") and day().accepts("2026-03-01T00:00:00")
    assert not any(
        day().accepts(value) for value in ("2026-02-30", "'", "0001-01-01", "9999-12-31", 20260301)
    )
    assert texts().accepts(["web", "a b\u00a0c", "<script>"]) and texts().accepts([])
    assert not any(texts().accepts(value) for value in ([1], [["web"]], ["x" * 501], ["\x00"]))
    assert click_data().accepts({"points": [{"x": "late", "y": 3, "curveNumber": 0}]})
    assert not any(
        click_data().accepts(value)
        for value in ({"points": "x"}, {"points": [{}]}, {"points": [{"x": [1], "y": 1}]}, "'")
    )
    assert url_query().accepts("?start=2026-01-01&channel=web%27") and url_query().accepts("")
    assert not any(url_query().accepts(value) for value in ("?a='", "?a=<b>", "no-mark", 5))


def test_callback_inputs_check_takes_a_consistent_pattern_request():
    sliders, ids = _sliders("a", "b"), _ids("a", "b")
    changed = [json.dumps(sliders[1]["id"]) + ".value"]
    check_callback_request(CALLBACK_MAP, _outcome_body(sliders, ids, changed))


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (_outcome_body(_sliders("a", "b"), _ids("a")), "state[0]"),
        (_outcome_body(_sliders("a"), _ids("b")), "state[0]"),
        (
            _outcome_body(
                [{"id": {"type": "roi-class-share", "class": {"x": 1}}, "property": "value"}], []
            ),
            "class",
        ),
        (_outcome_body(_sliders("a"), _ids("a"), ["filters.nope"]), "changedPropIds"),
        (_outcome_body(_sliders("a"), [{**_ids("a")[0], "value": "forged"}]), "own id"),
        ({**_outcome_body([], []), "output": "page-title.children"}, "in the browser"),
        ({**_outcome_body([], []), "output": "nope.children"}, "no callback"),
        ({**_outcome_body([], []), "inputs": [None, []]}, "inputs[0]"),
    ],
    ids=[
        "fewer-ids-than-sliders",
        "other-ids-than-sliders",
        "wildcard-not-text",
        "unknown-changed-prop",
        "forged-id-value",
        "clientside-callback",
        "unknown-output",
        "input-not-object",
    ],
)
def test_callback_inputs_check_refuses_inconsistent_requests(body, named):
    with pytest.raises(CallbackInputError, match=re.escape(named)):
        check_callback_request(CALLBACK_MAP, body)
