"""Fuzzing every callback of the real dashboard: malformed input gets a 4xx, never a 500.

The callbacks are enumerated from the app (``Dash.callback_map``), so a new callback is
fuzzed without touching this file. What a browser may send each input is read from the
components of the rendered layouts (the app shell and every page, rendered by Dash Pages
for a logged-in executive on the demo data): a slider's ``min``/``max``/``step``, a
drop-down's or radio item's options, a date picker's days, a store's data. Malformed
values are built against that, independently of ``dashboard.callback_inputs``: the wrong
JSON kind, out-of-range numbers, huge or control-character text, nested lists, broken
Plotly click data, and requests whose shape does not match the callback. Valid but odd
values (unknown options, days outside the data, empty lists, SQL and HTML
metacharacters) must be answered normally.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import quote

import pytest
from dashboard_server import EXECUTIVE, SECRET_KEY, write_users
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.app import create_app
from dashboard.callback_inputs import VALUE_RULES, WILDCARD_RULES
from dashboard.components.filter_bar import FILTER_IDS
from dashboard.filters import DIMENSIONS, Filters, filters_to_query

pytestmark = pytest.mark.slow

CALLBACK_PATH = "/_dash-update-component"
ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
EXAMPLES_PER_CALLBACK = 30
SHAPE_EXAMPLES_PER_CALLBACK = 8
METACHARACTERS = (
    "'",
    '"',
    "' OR '1'='1",
    "x'); DROP TABLE marts.fct_orders; --",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "%27%22%3C",
    "../../etc/passwd",
    "{{7*7}}",
    "ünïcödé ✓",
)
HUGE_TEXT = "'" * 200_000


@dataclass(frozen=True)
class Component:
    """A component of a rendered layout: its type and props."""

    type: str
    props: dict


@dataclass(frozen=True)
class Dependency:
    """One output, input or state of a callback as Dash declares it."""

    component_id: str
    prop: str

    @property
    def pattern(self) -> dict | None:
        return json.loads(self.component_id) if self.component_id.startswith("{") else None

    @property
    def is_many(self) -> bool:
        return self.pattern is not None and any(v == ["ALL"] for v in self.pattern.values())

    @property
    def key(self) -> str:
        """The component id, or a pattern's ``type``."""
        return self.pattern["type"] if self.pattern else self.component_id


@dataclass
class FuzzTarget:
    """The logged-in test client, the app's callbacks and the rendered components."""

    client: object
    callback_map: dict
    components: dict[str, Component]
    """Plain ids -> component; pattern ids by their ``type`` -> the first one found."""
    pattern_ids: dict[str, list[dict]]
    """A pattern's ``type`` -> every concrete id of it in the layouts."""
    answers: list[int]

    def post(self, body: object, **kwargs) -> int:
        data = body if isinstance(body, bytes | str) else json.dumps(body)
        kwargs.setdefault("content_type", "application/json")
        answer = self.client.post(CALLBACK_PATH, data=data, **kwargs)
        self.answers.append(answer.status_code)
        if answer.status_code >= 500:
            pytest.fail(f"{answer.status_code} for {str(body)[:300]}")
        text = answer.get_data(as_text=True)
        assert "Traceback" not in text
        return answer.status_code


def _walk(node, found: dict[str, Component], patterns: dict[str, list[dict]]) -> None:
    if isinstance(node, list):
        for child in node:
            _walk(child, found, patterns)
        return
    if not isinstance(node, dict):
        return
    props = node.get("props")
    if isinstance(props, dict) and "type" in node:
        component_id = props.get("id")
        component = Component(node["type"], props)
        if isinstance(component_id, dict):
            patterns.setdefault(component_id["type"], []).append(component_id)
            found.setdefault(component_id["type"], component)
        elif isinstance(component_id, str):
            found.setdefault(component_id, component)
        for value in props.values():
            _walk(value, found, patterns)
        return
    for value in node.values():
        _walk(value, found, patterns)


def _router_body(path: str, search: str = "") -> dict:
    return {
        "output": ROUTER_OUTPUT,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }


@pytest.fixture(scope="module")
def target(published_demo, tmp_path_factory) -> Iterator[FuzzTarget]:
    """The dashboard on the demo data, logged in as the executive, every page rendered."""
    users = write_users(tmp_path_factory.mktemp("fuzz-users") / "users.yaml")
    app = create_app(replace(published_demo.settings, users_file=users, secret_key=SECRET_KEY))
    client = app.server.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    login = client.post(
        "/login", data={"csrf_token": token, "username": EXECUTIVE[0], "password": EXECUTIVE[1]}
    )
    assert login.status_code == 303
    found: dict[str, Component] = {}
    patterns: dict[str, list[dict]] = {}
    _walk(client.get("/_dash-layout").get_json(), found, patterns)
    paths = [*_page_paths(), f"/orders/{_costliest_order(published_demo.settings)}"]
    for path in paths:
        answer = client.post(CALLBACK_PATH, json=_router_body(path))
        assert answer.status_code == 200, (path, answer.get_data(as_text=True)[:300])
        _walk(answer.get_json(), found, patterns)
    yield FuzzTarget(client, app.callback_map, found, patterns, [])


def _costliest_order(settings) -> str:
    """The demo's costliest order (its page shows every section)."""
    from orderlens.warehouse import connect

    with connect(settings.serving_path, read_only=True) as con:
        return con.execute(
            "SELECT case_id FROM marts.fct_exceptions ORDER BY total_cost DESC LIMIT 1"
        ).fetchone()[0]


def _page_paths() -> list[str]:
    import dash

    return [
        page["relative_path"]
        for page in dash.page_registry.values()
        if page.get("path_template") is None
    ]


# What a browser may send, read from the rendered component.

PRINTABLE = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=60
) | st.sampled_from(METACHARACTERS)
DAYS = st.dates(date(1900, 1, 1), date(2200, 12, 31))


def _option_values(props: dict) -> list:
    options = props.get("options") or []
    return [option["value"] if isinstance(option, dict) else option for option in options]


def _filters_strategy(target: FuzzTarget) -> st.SearchStrategy[Filters]:
    """Filters as the sync callback writes them: option values, unknown values and any
    period (in the data or far outside it)."""
    dimension_values = {}
    for dimension in DIMENSIONS:
        component = target.components.get(FILTER_IDS[dimension])
        known = _option_values(component.props) if component else []
        choices = st.sampled_from(known) | PRINTABLE if known else PRINTABLE
        dimension_values[dimension] = st.lists(choices, max_size=4).map(
            lambda values: tuple(sorted({value for value in values if value}))
        )
    return st.builds(Filters, start=DAYS | st.none(), end=DAYS | st.none(), **dimension_values)


def _store_of(filters: Filters) -> dict:
    return {**filters.to_store(), "query": filters_to_query(filters)}


def _click_strategy() -> st.SearchStrategy[dict]:
    point = st.fixed_dictionaries(
        {
            "x": PRINTABLE | st.integers(0, 10**6),
            "y": PRINTABLE | st.floats(0, 1e6),
            "curveNumber": st.integers(0, 3),
            "pointNumber": st.integers(0, 50),
        }
    )
    return st.builds(lambda points: {"points": points}, st.lists(point, max_size=2))


def browser_values(target: FuzzTarget, dependency: Dependency) -> st.SearchStrategy:
    """Values a browser on these layouts can send this input, odd ones included."""
    component = target.components.get(dependency.key)
    kind, props = (component.type, component.props) if component else ("", {})
    prop = dependency.prop
    if prop in ("n_clicks", "n_submit"):
        return st.none() | st.integers(0, 10_000)
    if prop == "clickData":
        return st.none() | _click_strategy()
    if kind == "Location" and prop == "pathname":
        return st.sampled_from(_page_paths()) | PRINTABLE.map(
            lambda case_id: "/orders/" + quote(case_id, safe="")
        )
    if kind == "Location" and prop == "search":
        return st.sampled_from(
            ["", None, "?case_id=a&case_id=b", "?x=[1]{}|^`"]
        ) | _filters_strategy(target).map(filters_to_query)
    if kind in ("Slider", "RangeSlider"):
        step = props.get("step") or 1
        return st.none() | st.integers(0, int((props["max"] - props["min"]) / step)).map(
            lambda steps: props["min"] + steps * step
        )
    if kind == "Input" and props.get("type") == "number":
        low = props.get("min", 0)
        return st.none() | st.integers(low, 100_000) | st.floats(low, 100_000)
    if kind == "Input":
        return st.none() | PRINTABLE
    if kind == "Dropdown":
        known = _option_values(props)
        choices = st.sampled_from(known) | PRINTABLE if known else PRINTABLE
        return st.none() | st.lists(choices, max_size=4)
    if kind == "RadioItems":
        return st.none() | st.sampled_from(_option_values(props)) | st.just("no_such_choice")
    if kind.startswith("DatePicker"):
        return st.none() | DAYS.map(date.isoformat)
    if dependency.key == "filters":
        return _filters_strategy(target).map(_store_of)
    if dependency.key == "root-cause-focus":
        dimensions = [
            key.removeprefix("pareto-")
            for key, component in target.components.items()
            if key.startswith("pareto-") and component.type == "Graph"
        ]
        return st.none() | st.fixed_dictionaries(
            {"dimension": st.sampled_from(dimensions), "value": PRINTABLE}
        )
    if kind == "Store" and isinstance(props.get("data"), str):
        return st.none() | PRINTABLE | st.just(props["data"])
    if kind == "Store":
        return st.just(props.get("data"))
    return st.none()


# Malformed values: kinds and shapes no component of these layouts can send.

NESTED = st.recursive(
    st.integers() | st.text(max_size=3), lambda inner: st.lists(inner, max_size=3), max_leaves=8
)
OBJECTS = st.dictionaries(
    st.text(max_size=5), st.integers() | st.text(max_size=5), min_size=1, max_size=3
)
WRONG_SHAPES = (
    st.just(True)
    | OBJECTS
    | st.lists(NESTED, min_size=1, max_size=3).filter(
        lambda value: any(isinstance(item, list) for item in value)
    )
)
BAD_TEXT = st.sampled_from([HUGE_TEXT, "order\x00id", "line\nbreak\x1b[31m"])
NUMBERS = st.integers(-(10**30), 10**30) | st.floats(allow_nan=False, allow_infinity=False)


def malformed_values(target: FuzzTarget, dependency: Dependency) -> st.SearchStrategy:
    """Values this input can never hold when a browser sends it."""
    component = target.components.get(dependency.key)
    kind, props = (component.type, component.props) if component else ("", {})
    prop = dependency.prop
    text_values = st.sampled_from(METACHARACTERS) | BAD_TEXT
    if prop in ("n_clicks", "n_submit"):
        return text_values | WRONG_SHAPES | st.integers(max_value=-1) | st.just(2.5)
    if prop == "clickData":
        return (
            text_values
            | NUMBERS
            | st.sampled_from(
                [
                    [],
                    {"points": "x"},
                    {"points": [{}]},
                    {"points": [{"x": [1], "y": 1}]},
                    {"pts": []},
                ]
            )
        )
    if kind == "Location":
        return NUMBERS | WRONG_SHAPES | BAD_TEXT
    if kind in ("Slider", "RangeSlider") or (kind == "Input" and props.get("type") == "number"):
        low, high = props.get("min", 0), props.get("max", 1_000_000)
        return (
            text_values
            | WRONG_SHAPES
            | st.integers(high + 1, 10**30)
            | st.integers(-(10**30), low - 1)
            | st.sampled_from([float("inf"), float("-inf")])
        )
    if kind == "Dropdown":
        return (
            NUMBERS
            | OBJECTS
            | BAD_TEXT
            | st.lists(NUMBERS | OBJECTS | BAD_TEXT, min_size=1, max_size=3)
        )
    if kind.startswith("DatePicker"):
        return (
            text_values
            | NUMBERS
            | WRONG_SHAPES
            | st.sampled_from(["2026-13-45", "2026-02-30", "yesterday"])
        )
    if dependency.key == "filters":
        return (
            text_values
            | NUMBERS
            | st.lists(st.integers(), max_size=2)
            | st.sampled_from(
                [
                    {"start": "'"},
                    {"channel": {"a": 1}},
                    {"end": 20260101},
                    {"query": "<script>"},
                    {"evil": 1},
                ]
            )
        )
    if dependency.key == "root-cause-focus":
        return (
            text_values
            | NUMBERS
            | st.sampled_from(
                [
                    {"dimension": "'; DROP TABLE x; --", "value": "x"},
                    {"dimension": "reason_code"},
                    {"value": 1},
                ]
            )
        )
    if kind == "Store" and not isinstance(props.get("data"), str):
        return text_values | WRONG_SHAPES | st.integers(max_value=-1)
    return NUMBERS | WRONG_SHAPES | BAD_TEXT


# Requests: a callback's dependencies with browser values, some replaced by malformed ones.


def _id_text(component_id: object) -> str:
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return str(component_id)


def _dependencies(entries: list[dict]) -> list[Dependency]:
    return [Dependency(entry["id"], entry["property"].split("@")[0]) for entry in entries]


def _declared_outputs(output: str) -> list[Dependency]:
    """Outputs as the browser names them (``value@<hash>`` where duplicates are allowed)."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [Dependency(*part.rsplit(".", 1)) for part in parts]


def server_callbacks(target: FuzzTarget) -> list[str]:
    """Every callback of the app that runs on the server."""
    return sorted(output for output, entry in target.callback_map.items() if "callback" in entry)


@st.composite
def callback_requests(draw, target: FuzzTarget, output: str) -> tuple[dict, bool]:
    """A request for the callback of ``output`` and whether it holds a malformed value."""
    entry = target.callback_map[output]
    inputs, state = _dependencies(entry["inputs"]), _dependencies(entry.get("state", []))
    broken = draw(st.sets(st.integers(0, len(inputs) + len(state) - 1), max_size=2))
    malformed = False

    def component(dependency: Dependency, component_id: object, position: int | None) -> dict:
        nonlocal malformed
        item = {"id": component_id, "property": dependency.prop}
        if position is None:
            return item
        if position in broken:
            malformed = True
            if dependency.prop == "id":
                item["value"] = {"type": "not-this-component"}
            else:
                item["value"] = draw(malformed_values(target, dependency))
        elif dependency.prop == "id":
            item["value"] = component_id
        else:
            item["value"] = draw(browser_values(target, dependency))
        return item

    def entries(dependencies: list[Dependency], offset: int | None) -> list:
        listed = []
        for index, dependency in enumerate(dependencies):
            position = None if offset is None else offset + index
            if dependency.is_many:
                ids = target.pattern_ids.get(dependency.key, [])
                listed.append([component(dependency, one, position) for one in ids])
            else:
                listed.append(component(dependency, dependency.component_id, position))
        return listed

    outputs = entries(_declared_outputs(output), None)
    body = {
        "output": output,
        "outputs": outputs if output.startswith("..") else outputs[0],
        "inputs": entries(inputs, 0),
    }
    if state:
        body["state"] = entries(state, len(inputs))
    flat = [
        item for entry in body["inputs"] for item in (entry if isinstance(entry, list) else [entry])
    ]
    changed = draw(st.lists(st.sampled_from(flat), max_size=2, unique_by=id)) if flat else []
    body["changedPropIds"] = [f"{_id_text(item['id'])}.{item['property']}" for item in changed]
    return body, malformed


SHAPE_MUTATIONS = (
    ("unknown output", lambda body: {**body, "output": "no-such.children"}),
    ("output not text", lambda body: {**body, "output": ["x"]}),
    ("no output", lambda body: {k: v for k, v in body.items() if k != "output"}),
    ("no inputs", lambda body: {k: v for k, v in body.items() if k != "inputs"}),
    ("inputs an object", lambda body: {**body, "inputs": {"id": "x"}}),
    ("one input fewer", lambda body: {**body, "inputs": body["inputs"][:-1]}),
    ("one input more", lambda body: {**body, "inputs": [*body["inputs"], body["inputs"][0]]}),
    (
        "input without id",
        lambda body: {**body, "inputs": [{"property": "value", "value": 1}, *body["inputs"][1:]]},
    ),
    (
        "input of another component",
        lambda body: {
            **body,
            "inputs": [
                {"id": "filter-bar", "property": "n_clicks", "value": 1},
                *body["inputs"][1:],
            ],
        },
    ),
    ("input a string", lambda body: {**body, "inputs": ["'", *body["inputs"][1:]]}),
    (
        "state where none is",
        lambda body: {
            **body,
            "state": [*body.get("state", []), {"id": "x", "property": "data", "value": 1}],
        },
    ),
    (
        "outputs of another callback",
        lambda body: {**body, "outputs": {"id": "nope", "property": "children"}},
    ),
    ("changedPropIds text", lambda body: {**body, "changedPropIds": "filters.data"}),
    ("changedPropIds unknown", lambda body: {**body, "changedPropIds": ['{"type":[[[[.x', 1]}),
    ("body a list", lambda body: [body]),
)


def _assert_answers(target: FuzzTarget, body: object, malformed: bool) -> None:
    status = target.post(body)
    if malformed:
        assert 400 <= status < 500, (status, str(body)[:300])
    else:
        assert status in (200, 204), (status, str(body)[:300])


def test_callback_fuzz_every_callback_answers_malformed_input_with_4xx(target):
    callbacks = server_callbacks(target)
    assert len(callbacks) >= 20, callbacks
    for output in callbacks:

        @settings(
            max_examples=EXAMPLES_PER_CALLBACK,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(request=callback_requests(target, output))
        def fuzz_values(request):
            _assert_answers(target, *request)

        @settings(max_examples=SHAPE_EXAMPLES_PER_CALLBACK, deadline=None, database=None)
        @given(request=callback_requests(target, output), mutation=st.sampled_from(SHAPE_MUTATIONS))
        def fuzz_shape(request, mutation):
            _assert_answers(target, mutation[1](request[0]), True)

        fuzz_values()
        fuzz_shape()
    assert all(status < 500 for status in target.answers)


# The examples of the security test, and what the body itself may be.


def _path_share_body(value: object) -> dict:
    return {
        "output": "..process-map.children...process-map-summary.children..",
        "outputs": [
            {"id": "process-map", "property": "children"},
            {"id": "process-map-summary", "property": "children"},
        ],
        "inputs": [
            {"id": "filters", "property": "data", "value": _store_of(Filters())},
            {"id": "process-map-view", "property": "value", "value": "frequency"},
            {"id": "process-activity-share", "property": "value", "value": 30},
            {"id": "process-path-share", "property": "value", "value": value},
        ],
        "changedPropIds": ["process-path-share.value"],
    }


def test_callback_fuzz_path_share_quote_is_refused_with_a_short_message(target):
    answer = target.client.post(CALLBACK_PATH, json=_path_share_body("'"))
    assert answer.status_code == 400
    assert answer.mimetype == "text/plain"
    message = answer.get_data(as_text=True)
    assert "process-path-share.value" in message
    assert "a number from 0 to 100" in message
    assert len(message) < 200
    assert "'" not in message.split("(got")[1]
    control = target.client.post(CALLBACK_PATH, json=_path_share_body(20))
    assert control.status_code == 200
    assert "process-map-chart" in control.get_data(as_text=True)


@pytest.mark.parametrize(
    ("raw", "content_type", "status"),
    [
        ("{'output': not json", "application/json", 400),
        ('{"output": NaN}', "application/json", 400),
        ("[" * 100_000 + "]" * 100_000, "application/json", 400),
        ('{"output": "' + "x" * 1_100_000 + '"}', "application/json", 413),
        ("output=filters.data", "application/x-www-form-urlencoded", 415),
        (b"\xff\xfe\x00garbage", "application/json", 400),
    ],
    ids=["not-json", "nan", "nested-100000-deep", "over-1mb", "form-encoded", "not-utf8"],
)
def test_callback_fuzz_unreadable_bodies_are_refused(target, raw, content_type, status):
    answer = target.client.post(CALLBACK_PATH, data=raw, content_type=content_type)
    assert answer.status_code == status
    assert len(answer.get_data(as_text=True)) < 200


def test_callback_fuzz_a_malformed_request_without_a_session_gets_401(target):
    anonymous = target.client.application.test_client()
    answer = anonymous.post(CALLBACK_PATH, json=_path_share_body("'"))
    assert answer.status_code == 401
    assert "process-path-share" not in answer.get_data(as_text=True)


def test_callback_fuzz_order_page_with_a_repeated_order_query_opens(target):
    answer = target.client.post(
        CALLBACK_PATH, json=_router_body("/orders/x", "?case_id=a&case_id=b")
    )
    assert answer.status_code == 200
    assert "order-search" in answer.get_data(as_text=True)


def test_callback_fuzz_every_input_has_a_rule_taking_what_its_component_offers(target):
    """A new callback's inputs need a rule; each rule takes the values its rendered
    component can hold and refuses a slider's or number input's neighbours outside it."""
    checked = 0
    for output in server_callbacks(target):
        entry = target.callback_map[output]
        for dependency in _dependencies(entry["inputs"] + entry.get("state", [])):
            if dependency.prop == "id":
                continue
            rule = VALUE_RULES.get((dependency.key, dependency.prop))
            assert rule is not None, f"no rule for {dependency}"
            component = target.components.get(dependency.key)
            if component is None:
                continue
            props, kind = component.props, component.type
            if kind == "Slider" or (kind == "Input" and props.get("type") == "number"):
                assert rule.accepts(props["min"]) and not rule.accepts(props["min"] - 1)
                if "max" in props:
                    assert rule.accepts(props["max"]) and not rule.accepts(props["max"] + 1)
            elif kind == "Dropdown":
                assert rule.accepts(_option_values(props))
            elif kind == "RadioItems":
                assert all(rule.accepts(value) for value in _option_values(props))
            elif kind.startswith("DatePicker"):
                for bound in ("min_date_allowed", "max_date_allowed"):
                    assert rule.accepts(props.get(bound))
            elif kind == "Store":
                assert rule.accepts(props.get("data"))
            checked += 1
    for kind, component_ids in target.pattern_ids.items():
        for component_id in component_ids:
            for key, value in component_id.items():
                if key != "type" and (kind, key) in WILDCARD_RULES:
                    assert WILDCARD_RULES[(kind, key)].accepts(value), component_id
    assert checked >= 20
