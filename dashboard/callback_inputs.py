"""What each dashboard callback may receive, checked before Dash runs it.

Dash hands a callback whatever JSON is posted to ``/_dash-update-component``. A hand-made
request can put a string where a slider's number goes, an object where an order id goes,
a pattern id the layout never had, or lists nested a thousand deep; the callback then
fails and the answer is a 500 with a stack trace in the log. This module refuses such a
request with a short plain-text answer naming the input (the hostile value is described
by its kind, never echoed), before Dash or the callback sees it:

- the body (:func:`read_callback_body`, before the login check, which reads it too): JSON
  (strict: no ``NaN``) of at most :data:`MAX_BODY_BYTES`, nested at most
  :data:`MAX_DEPTH` deep; else 413, 415 or 400;
- its shape (:func:`check_callback_request`): ``output`` names a server-side callback of
  the app; ``outputs``, ``inputs`` and ``state`` list exactly that callback's
  dependencies (same ids and properties; a pattern-matching dependency lists ids with the
  pattern's keys, and one ``ALL`` pattern lists the same components wherever it
  appears); ``changedPropIds`` names only inputs of the request; else 400;
- every value: the rule of its component property in :data:`VALUE_RULES`, and every
  wildcard key of a pattern id the rule in :data:`WILDCARD_RULES`; else 400.

A dependency without a rule is refused, so a new callback declares here what its inputs
hold (``tests/security/test_callback_fuzz.py`` fuzzes every callback of the app and
fails until it does). The rules follow the components in the layouts: a slider's or
number input's ``min`` and ``max``, a date picker's ISO days, a drop-down's text values,
a click count, Plotly click data, and the shape of each ``dcc.Store``. Values a browser
can send but no data holds (an unknown drop-down value, a day outside the data, an empty
list) pass: the callbacks answer them with "no data".
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from dash import Dash
from flask import Response, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from dashboard.components.filter_bar import FILTER_IDS
from dashboard.filters import DIMENSIONS

MAX_BODY_BYTES = 1_000_000
"""The largest callback request read; the browser's largest (every filter value of a
big data set chosen) is a few tens of kilobytes."""
MAX_DEPTH = 16
"""Deepest nesting of lists and objects in a callback request (the browser's deepest,
Plotly click data inside a pattern-matching input, is 8)."""
MAX_MATCHES = 500
"""Most components one ``ALL`` pattern may list."""
MAX_VALUE_LENGTH = 500
"""Longest text taken from the data (a filter value, an order id, a clicked bar)."""
MAX_URL_LENGTH = 4096
FIRST_DAY = date(1800, 1, 1)
LAST_DAY = date(2999, 12, 31)
"""Days outside these are refused: comparing a period this long with the one before it
stays inside the calendar Python and DuckDB can count."""
PAGES_LOCATION = "_pages_location"
"""Dash Pages' own ``dcc.Location``: its path and query choose the page and its layout."""
WILDCARDS = ("ALL", "ALLSMALLER", "MATCH")

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CHOICE_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
_URL_QUERY = re.compile(r"(\?[!$%&()*+,\-./0-9:;=?@A-Z\[\\\]^_`a-z{|}~]*)?")
"""A query as a browser's ``location.search`` holds it: printable ASCII but the space and
``"#'<>``, which browsers percent-encode in the query of an http(s) address."""
_ISO_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?")


class CallbackInputError(ValueError):
    """A callback request Dash must not run; the message says which input and why."""


@dataclass(frozen=True)
class ValueRule:
    """What one component property may hold.

    Attributes:
        expects: The allowed values in words, for the refusal message.
        accepts: True for a value the property may hold.
    """

    expects: str
    accepts: Callable[[object], bool]


def _kind(value: object) -> str:
    """A value's JSON kind, to say what was sent without repeating it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return f"text of length {len(value):,}"
    if isinstance(value, list):
        return f"a list of length {len(value):,}"
    return "an object"


def _is_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def _is_text(value: object, max_length: int = MAX_VALUE_LENGTH) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= max_length
        and _CONTROL_CHARACTERS.search(value) is None
    )


def _is_day(value: object) -> bool:
    if not isinstance(value, str) or (match := _ISO_DAY.fullmatch(value)) is None:
        return False
    try:
        day = date.fromisoformat(match.group(1))
    except ValueError:
        return False
    return FIRST_DAY <= day <= LAST_DAY


def number(minimum: float, maximum: float) -> ValueRule:
    """A slider's or number input's value: a number from ``minimum`` to ``maximum``, or
    nothing."""
    return ValueRule(
        f"a number from {minimum:g} to {maximum:g}",
        lambda value: value is None or (_is_number(value) and minimum <= value <= maximum),
    )


def click_count() -> ValueRule:
    """``n_clicks`` or ``n_submit``: a count of clicks or submits, or nothing."""
    return ValueRule(
        "a whole number of clicks",
        lambda value: (
            value is None
            or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**53)
        ),
    )


def text(max_length: int = MAX_VALUE_LENGTH) -> ValueRule:
    """Free text (an order id typed in): bounded, without control characters."""
    return ValueRule(
        f"text of at most {max_length} characters without control characters",
        lambda value: value is None or _is_text(value, max_length),
    )


def choice_name() -> ValueRule:
    """A radio item's value: one of the page's choice keys (letters, digits, ``_``); the
    callback ignores one it does not offer."""
    return ValueRule(
        "a choice name (letters, digits and _)",
        lambda value: (
            value is None or (isinstance(value, str) and _CHOICE_NAME.fullmatch(value) is not None)
        ),
    )


def texts() -> ValueRule:
    """A multi-select drop-down's value: nothing, one text or a list of texts."""
    return ValueRule(
        f"a list of at most {MAX_MATCHES} texts",
        lambda value: (
            value is None
            or _is_text(value)
            or (
                isinstance(value, list)
                and len(value) <= MAX_MATCHES
                and all(_is_text(item) for item in value)
            )
        ),
    )


def day() -> ValueRule:
    """A date picker's day: ``YYYY-MM-DD`` (a time of day may follow), or nothing."""
    return ValueRule(
        f"an ISO day (YYYY-MM-DD) from {FIRST_DAY} to {LAST_DAY}",
        lambda value: value is None or _is_day(value),
    )


def _is_click_point(point: object) -> bool:
    return (
        isinstance(point, dict)
        and all(isinstance(key, str) and len(key) <= 64 for key in point)
        and all(_is_number(point.get(axis)) or _is_text(point.get(axis)) for axis in ("x", "y"))
    )


def click_data() -> ValueRule:
    """A Plotly graph's ``clickData``: ``{"points": [...]}``, each point with its ``x`` and
    ``y``."""
    return ValueRule(
        'Plotly click data ({"points": [...]} with x and y)',
        lambda value: (
            value is None
            or (
                isinstance(value, dict)
                and set(value) == {"points"}
                and isinstance(value["points"], list)
                and len(value["points"]) <= MAX_MATCHES
                and all(_is_click_point(point) for point in value["points"])
            )
        ),
    )


def url_path() -> ValueRule:
    """A location's path: starts with ``/``."""
    return ValueRule(
        "a path starting with /",
        lambda value: _is_text(value, MAX_URL_LENGTH) and value.startswith("/"),
    )


def url_query() -> ValueRule:
    """A location's query: empty or ``?`` then URL-encoded pairs."""
    return ValueRule(
        "an encoded URL query starting with ?",
        lambda value: (
            value is None
            or (
                isinstance(value, str)
                and len(value) <= MAX_URL_LENGTH
                and _URL_QUERY.fullmatch(value) is not None
            )
        ),
    )


def filters_store() -> ValueRule:
    """The ``filters`` store: what :meth:`dashboard.filters.Filters.to_store` writes plus
    its ``query``."""
    dimension_values, period_day, query = texts(), day(), url_query()

    def accepts(value: object) -> bool:
        if value is None:
            return True
        if not isinstance(value, dict) or not set(value) <= {"start", "end", "query", *DIMENSIONS}:
            return False
        return (
            all(period_day.accepts(value.get(bound)) for bound in ("start", "end"))
            and all(dimension_values.accepts(value.get(name)) for name in DIMENSIONS)
            and query.accepts(value.get("query"))
        )

    return ValueRule("the filters (start, end, " + ", ".join(DIMENSIONS) + ", query)", accepts)


def focus_store(dimensions: tuple[str, ...]) -> ValueRule:
    """The root-cause focus store: nothing, or a clicked Pareto bar's dimension and value."""
    return ValueRule(
        "nothing or a focus {dimension, value}",
        lambda value: (
            value is None
            or (
                isinstance(value, dict)
                and set(value) == {"dimension", "value"}
                and value["dimension"] in dimensions
                and _is_text(value["value"])
            )
        ),
    )


VALUE_RULES: dict[tuple[str, str], ValueRule] = {
    (PAGES_LOCATION, "pathname"): url_path(),
    (PAGES_LOCATION, "search"): url_query(),
    ("filters", "data"): filters_store(),
    ("filter-dates", "start_date"): day(),
    ("filter-dates", "end_date"): day(),
    **{(FILTER_IDS[dimension], "value"): texts() for dimension in DIMENSIONS},
    ("backlog-as-of", "date"): day(),
    ("backlog-grouping", "value"): choice_name(),
    ("integration-metric", "value"): choice_name(),
    ("process-map-view", "value"): choice_name(),
    ("process-activity-share", "value"): number(5, 100),
    ("process-path-share", "value"): number(0, 100),
    ("process-wait-class", "value"): choice_name(),
    ("process-variant-count", "value"): choice_name(),
    ("quick-range", "n_clicks"): click_count(),
    ("order-open", "n_clicks"): click_count(),
    ("order-search", "n_submit"): click_count(),
    ("order-search", "value"): text(),
    ("order-case-id", "data"): text(),
    ("pareto-reason_code", "clickData"): click_data(),
    ("pareto-exception_type", "clickData"): click_data(),
    ("root-cause-clear", "n_clicks"): click_count(),
    ("root-cause-focus", "data"): focus_store(("reason_code", "exception_type")),
    ("lift-chart", "clickData"): click_data(),
    ("roi-preset", "n_clicks"): click_count(),
    ("roi-class-share", "value"): number(0, 100),
    ("roi-labor-rate", "value"): number(0, 1_000_000),
    ("roi-implementation-cost", "value"): number(0, 1_000_000_000),
    ("roi-yearly-run-cost", "value"): number(0, 1_000_000_000),
}
"""Rules by (component id, property); a pattern-matching component by its id's ``type``.
A component's ``id`` property needs no rule: its value must be the component's id."""

WILDCARD_RULES: dict[tuple[str, str], ValueRule] = {
    ("roi-preset", "share"): number(0, 1),
    ("roi-class-share", "class"): text(),
    ("lift-chart", "dimension"): choice_name(),
    ("quick-range", "range"): choice_name(),
}
"""Rules for the wildcard keys of pattern-matching ids, by (the id's ``type``, key)."""


def _depth(value: object) -> int:
    """How deeply lists and objects nest in ``value`` (a scalar is 0), without recursion."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            deepest = max(deepest, level)
            continue
        deepest = max(deepest, level + 1)
        pending.extend((child, level + 1) for child in children)
    return deepest


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_callback_body(raw: bytes) -> object:
    """The JSON of a callback request, or :class:`CallbackInputError` for anything else.

    Strict JSON only (Python's parser would take ``NaN``), and no deeper than
    :data:`MAX_DEPTH`, so whatever parses it after this cannot fail.
    """
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise CallbackInputError("the request body is not valid JSON") from error
    if _depth(body) > MAX_DEPTH:
        raise CallbackInputError(f"the request body nests deeper than {MAX_DEPTH} levels")
    return body


def _pattern(component_id: str) -> dict | None:
    """A pattern-matching id as Dash keeps it (``{"type": "x", "key": ["ALL"]}``)."""
    return json.loads(component_id) if component_id.startswith("{") else None


def _wildcard(value: object) -> str | None:
    if isinstance(value, list) and len(value) == 1 and value[0] in WILDCARDS:
        return value[0]
    return None


def _id_text(component_id: object) -> str:
    """The canonical text of a component id (``json.dumps`` with sorted keys for a dict)."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return str(component_id)


def _check_pattern_id(where: str, pattern: dict, component_id: object) -> None:
    if not isinstance(component_id, dict) or set(component_id) != set(pattern):
        raise CallbackInputError(f"{where}: the id must have the keys {sorted(pattern)}")
    kind = pattern.get("type")
    for key, expected in pattern.items():
        value = component_id[key]
        if _wildcard(expected) is None:
            if value != expected:
                raise CallbackInputError(f"{where}: the id's {key} must be {expected!r}")
            continue
        rule = WILDCARD_RULES.get((str(kind), key))
        if rule is None:
            raise CallbackInputError(f"{where}: no rule for the id's {key}")
        if not rule.accepts(value):
            raise CallbackInputError(
                f"{where}: the id's {key} must be {rule.expects} (got {_kind(value)})"
            )


def _check_component(
    where: str, declared: dict, item: object, *, with_value: bool
) -> tuple[str, dict]:
    """Check one component entry against its declared dependency.

    Returns:
        The entry's prop id (``id.property``) and the entry.
    """
    if not isinstance(item, dict) or not {"id", "property"} <= set(item):
        raise CallbackInputError(f"{where} must be an object with an id and a property")
    # An output that allows duplicates is declared ``value@<hash>``; the browser sends that.
    declared_property = declared["property"].split("@")[0]
    if item["property"] not in (declared["property"], declared_property):
        raise CallbackInputError(f"{where} must be the property {declared_property!r}")
    pattern = _pattern(declared["id"])
    if pattern is None:
        if item["id"] != declared["id"]:
            raise CallbackInputError(f"{where} must be the component {declared['id']!r}")
        rule_key = declared["id"]
    else:
        _check_pattern_id(where, pattern, item["id"])
        rule_key = str(pattern.get("type"))
    name = f"{rule_key}.{declared_property}"
    if with_value:
        value = item.get("value")
        if declared_property == "id":
            if value != item["id"]:
                raise CallbackInputError(f"{name} must be the component's own id")
        else:
            rule = VALUE_RULES.get((rule_key, declared_property))
            if rule is None:
                raise CallbackInputError(f"{name}: this input has no rule and is refused")
            if not rule.accepts(value):
                raise CallbackInputError(f"{name} must be {rule.expects} (got {_kind(value)})")
    return f"{_id_text(item['id'])}.{declared_property}", item


def _check_dependencies(
    group: str,
    items: object,
    declared: list[dict],
    *,
    with_value: bool,
    matches: dict[str, list[str]],
) -> list[str]:
    """Check a request's ``inputs``, ``state`` or ``outputs`` against the declared list.

    Returns:
        The prop ids of the components listed.
    """
    if not isinstance(items, list) or len(items) != len(declared):
        raise CallbackInputError(f"{group} must list the callback's {len(declared)} items")
    prop_ids: list[str] = []
    for position, (dependency, item) in enumerate(zip(declared, items, strict=True)):
        where = f"{group}[{position}]"
        pattern = _pattern(dependency["id"])
        many = pattern is not None and any(
            _wildcard(value) in ("ALL", "ALLSMALLER") for value in pattern.values()
        )
        if not many:
            prop_ids.append(_check_component(where, dependency, item, with_value=with_value)[0])
            continue
        if not isinstance(item, list) or len(item) > MAX_MATCHES:
            raise CallbackInputError(f"{where} must be a list of at most {MAX_MATCHES} components")
        checked = [
            _check_component(f"{where}[{index}]", dependency, component, with_value=with_value)
            for index, component in enumerate(item)
        ]
        prop_ids.extend(prop_id for prop_id, _ in checked)
        listed = [_id_text(component["id"]) for _, component in checked]
        if matches.setdefault(dependency["id"], listed) != listed:
            raise CallbackInputError(f"{where} must list the same components as the others")
    return prop_ids


def _declared_outputs(output: str) -> list[dict]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [dict(zip(("id", "property"), part.rsplit(".", 1), strict=True)) for part in parts]


def _changed_prop_id(text_id: object) -> str | None:
    """A ``changedPropIds`` entry in canonical form, or ``None`` when it is not one."""
    if not isinstance(text_id, str) or "." not in text_id:
        return None
    component, prop = text_id.rsplit(".", 1)
    if component.startswith("{"):
        try:
            parsed = json.loads(component)
        except (ValueError, RecursionError):
            return None
        component = _id_text(parsed)
    return f"{component}.{prop}"


def check_callback_request(callback_map: Mapping[str, dict], body: object) -> None:
    """Refuse a callback request whose shape or values the callback was not made for.

    Args:
        callback_map: The app's callbacks (``Dash.callback_map``) by output key.
        body: The parsed JSON of the request.

    Raises:
        CallbackInputError: Naming the first input found wrong and what it must be.
    """
    if not isinstance(body, dict):
        raise CallbackInputError("the request body must be a JSON object")
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        raise CallbackInputError("the request names no callback of this dashboard")
    callback = callback_map[output]
    if "callback" not in callback:
        raise CallbackInputError("this callback runs in the browser, not on the server")
    declared_outputs = _declared_outputs(output)
    outputs = body.get("outputs")
    matches: dict[str, list[str]] = {}
    _check_dependencies(
        "outputs",
        outputs if output.startswith("..") else [outputs],
        declared_outputs,
        with_value=False,
        matches=matches,
    )
    input_ids = _check_dependencies(
        "inputs", body.get("inputs"), callback["inputs"], with_value=True, matches=matches
    )
    _check_dependencies(
        "state", body.get("state", []), callback["state"], with_value=True, matches=matches
    )
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or len(changed) > len(input_ids):
        raise CallbackInputError("changedPropIds must list some of the request's inputs")
    known = set(input_ids)
    if any(_changed_prop_id(prop_id) not in known for prop_id in changed):
        raise CallbackInputError("changedPropIds must name inputs of this request")


def _refusal(status: int, message: str) -> Response:
    response = Response(message, status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def install_callback_input_checks(app: Dash) -> None:
    """Refuse malformed callback requests to ``app`` with 4xx before Dash runs them.

    Two hooks: the body is read and parsed first of all (the login check reads it too,
    and must not meet a body that breaks a JSON parser); the request is checked against
    the callback after the login check, so only a logged-in user learns what is wrong.
    """
    path = f"{app.config.routes_pathname_prefix}_dash-update-component"

    def read_callback_body() -> Response | None:
        if request.path != path or request.method != "POST":
            return None
        if not request.is_json:
            return _refusal(415, "callback requests are JSON (Content-Type: application/json)")
        request.max_content_length = MAX_BODY_BYTES
        try:
            g.callback_body = parse_callback_body(request.get_data(cache=True))
        except RequestEntityTooLarge:
            return _refusal(413, f"callback requests are at most {MAX_BODY_BYTES:,} bytes")
        except CallbackInputError as error:
            return _refusal(400, str(error))
        return None

    def check_callback_inputs() -> Response | None:
        if request.path != path or request.method != "POST":
            return None
        try:
            check_callback_request(app.callback_map, g.get("callback_body"))
        except CallbackInputError as error:
            return _refusal(400, f"refused: {error}")
        return None

    app.server.before_request_funcs.setdefault(None, []).insert(0, read_callback_body)
    app.server.before_request(check_callback_inputs)
