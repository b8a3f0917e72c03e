"""Row-level validation derived from the data contract, as one vectorised DuckDB query.

For a target model (workflow or integration events) and a source view, :func:`plan_validation`
writes a SELECT that turns every source record into typed contract columns and says, for
each record, which columns fail and why: a required value missing, a value that does not
parse as its contract type, an unknown enumeration value, a timestamp outside the plausible
range (:class:`TimestampWindow`), a case id that is blank or a list literal, a negative
latency, an attempt below 1, an oversized value or a NUL byte. The checks
run in DuckDB over Arrow/Parquet/CSV data so ten million rows validate in seconds; the
Great Expectations suite in :mod:`orderlens.ingest.expectations` derives from the same
contract and reports on loaded batches.

Time zones: a timestamp that carries an offset keeps it; a naive one is read in the
mapping's declared zone; everything is stored in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import SQLModel

from orderlens.contract import (
    COLUMN_ALIASES,
    LOWER_CASE_COLUMNS,
    IntegrationEvent,
    WorkflowEvent,
    column_types,
    enum_values,
    field_names,
    required_field_names,
)
from orderlens.ingest.mapping import SourceMapping, Target
from orderlens.ingest.source import (
    ERROR_COLUMN,
    ROW_COLUMN,
    SOURCE_VIEW,
    TEXT_COLUMN,
    SourceColumns,
    quote_identifier,
    quote_literal,
)
from orderlens.settings import DEFAULT_PLAUSIBLE_FROM

LATEST_PLAUSIBLE_AHEAD = timedelta(days=366)
"""Without a last plausible day, events more than this after the ingestion are impossible."""
RELATIVE_TIMESTAMPS_FROM = date(1969, 12, 31)
"""First plausible day of relative times (counted from 1970-01-01 UTC): a day early, so an
offset written with such times (``1970-01-01T00:00:00+01:00``) stays inside."""
MAX_TEXT_CHARACTERS = 65_536
"""Longest value of a text column; longer values are quarantined, never truncated."""
MAX_ATTRIBUTES_CHARACTERS = 1_048_576
"""Longest attributes JSON object."""

REASON_COLUMN = "__reason"
VALID_COLUMN = "__valid"
FAILED_COLUMN = "__column"
RECORD_COLUMN = "__record"
CHECKED_VIEW = "_ingest_checked"
REJECTED_TABLE = "_ingest_rejected"
HASHED_TABLE = "_ingest_hashed"

MODELS: dict[Target, type[SQLModel]] = {
    Target.WORKFLOW: WorkflowEvent,
    Target.INTEGRATION: IntegrationEvent,
}
IDENTITY_COLUMNS: dict[Target, tuple[str, ...]] = {
    Target.WORKFLOW: ("source_system", "event_id"),
    Target.INTEGRATION: ("message_id",),
}
"""Columns identifying one event: a second row with the same values is a duplicate."""
DEFAULTED_COLUMNS: dict[Target, dict[str, str]] = {
    Target.WORKFLOW: {"source_system": "'UNKNOWN'"},
    Target.INTEGRATION: {"dead_lettered": "false", "replayed": "false"},
}
"""Required contract columns a source may omit, with the value they then take."""
HASHED_CONTENT: tuple[str, ...] = ("source_system", "case_id", "activity", "event_at", "resource")
"""Columns whose values (plus the occurrence number) identify a workflow event without id."""

_OFFSET_PATTERN = r"\d:\d\d(:\d\d(\.\d+)?)?\s*([zZ]|[+-]\d\d(:?\d\d)?)$"
_NAIVE_TIME_TYPES = ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE")
_NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE")


@dataclass(frozen=True)
class TimestampWindow:
    """Timestamps outside ``earliest .. latest`` are quarantined as implausible.

    Attributes:
        earliest: First plausible instant (UTC).
        latest: Last plausible instant (UTC).
    """

    earliest: datetime
    latest: datetime


def timestamp_window(
    mapping: SourceMapping,
    *,
    plausible_from: date,
    plausible_until: date | None = None,
    now: datetime | None = None,
) -> TimestampWindow:
    """The window of one file: the mapping's days win over the settings' days.

    ``relative_timestamps`` starts the window at :data:`RELATIVE_TIMESTAMPS_FROM`; the last
    day counts whole (up to 23:59:59.999999 UTC); without one, the window ends
    :data:`LATEST_PLAUSIBLE_AHEAD` after ``now``.
    """
    first = mapping.plausible_from or plausible_from
    if mapping.relative_timestamps:
        first = RELATIVE_TIMESTAMPS_FROM
    last = mapping.plausible_until or plausible_until
    earliest = datetime.combine(first, time(), tzinfo=UTC)
    if last is None:
        latest = ((now or datetime.now(UTC)) + LATEST_PLAUSIBLE_AHEAD).replace(microsecond=0)
    else:
        latest = datetime.combine(last, time.max, tzinfo=UTC)
    return TimestampWindow(earliest, latest)


class MissingColumnsError(ValueError):
    """The file lacks columns the contract requires; it is rejected whole."""


@dataclass(frozen=True)
class ValidationPlan:
    """The query that types and checks a source, and what it was derived from.

    Attributes:
        target: The raw table fed.
        select_sql: SELECT producing ``__row``, the contract columns (typed),
            ``__valid`` (the record passes every check: cheaper to test than the reason),
            ``__reason`` (NULL when the record is valid), ``__column`` (first failing
            column) and ``__record`` (the source record as JSON, for failing records).
        attribute_columns: Source columns kept inside ``attributes``.
        written_columns: Contract columns the load writes, in contract order: those the
            file supplies (mapped, constant or defaulted), the required ones, and
            ``attributes`` when extra columns fill it. The others are NULL in every
            record, and the raw table need not store them (see
            :func:`orderlens.contract.stored_table_name`).
    """

    target: Target
    select_sql: str
    attribute_columns: tuple[str, ...]
    written_columns: tuple[str, ...]


def infer_target(source: SourceColumns, mapping: SourceMapping) -> Target:
    """Integration when the (mapped) columns carry message ids, else workflow."""
    if mapping.target is not None:
        return mapping.target
    mapped = set(source.names) | set(mapping.columns) | set(mapping.constants)
    return Target.INTEGRATION if mapped & {"idempotency_key", "message_id"} else Target.WORKFLOW


def required_source_columns(target: Target) -> list[str]:
    """Contract columns a file must provide (or map, or set as constants)."""
    optional = set(DEFAULTED_COLUMNS[target]) | {"event_id"}
    return [name for name in required_field_names(MODELS[target]) if name not in optional]


def _resolve(name: str, source: SourceColumns, mapping: SourceMapping) -> tuple[str, str] | None:
    """SQL of the raw value feeding contract column ``name`` and its DuckDB type."""
    if name in mapping.constants:
        value = mapping.constants[name]
        return (("NULL" if value is None else quote_literal(str(value))) + "::VARCHAR", "VARCHAR")
    column = mapping.columns.get(name, source_column_for(name, source))
    if column is None:
        return None
    if column not in source.types:
        raise MissingColumnsError(
            f"the mapping reads {name} from column {column!r}, which the file lacks"
        )
    return quote_identifier(column), source.types[column]


def _normal_name(name: str) -> str:
    """A column name compared loosely: lower case, spaces, ``_`` and ``-`` alike."""
    return re.sub(r"[\s_\-]+", " ", name.strip().lower())


def source_column_for(name: str, source: SourceColumns) -> str | None:
    """The source column carrying contract column ``name`` without a mapping: its own
    name, else the one column of the file matching it or one of its
    :data:`~orderlens.contract.COLUMN_ALIASES` loosely (``Case ID``, ``Complete
    Timestamp``); ``None`` when none or several match."""
    if name in source.types:
        return name
    wanted = {_normal_name(alias) for alias in (name, *COLUMN_ALIASES.get(name, ()))}
    matches = [column for column in source.types if _normal_name(column) in wanted]
    return matches[0] if len(matches) == 1 else None


def _text(raw: str, kind: str) -> str:
    return f"nullif(CAST({raw} AS VARCHAR), '')" if kind == "VARCHAR" else f"CAST({raw} AS VARCHAR)"


def _renamed(text: str, renames: dict[str, str]) -> str:
    if not renames:
        return text
    whens = " ".join(
        f"WHEN {quote_literal(old)} THEN {quote_literal(new)}" for old, new in renames.items()
    )
    return f"(CASE {text} {whens} ELSE {text} END)"


def _timestamp(raw: str, kind: str, mapping: SourceMapping) -> str:
    zone = quote_literal(mapping.timezone)
    fmt = mapping.timestamp_format
    if kind.startswith("TIMESTAMP WITH TIME ZONE"):
        return raw
    if kind in _NAIVE_TIME_TYPES:
        return f"timezone({zone}, CAST({raw} AS TIMESTAMP))"
    if kind in _NUMERIC_TYPES or fmt in ("epoch_s", "epoch_ms"):
        number = raw if kind in _NUMERIC_TYPES else f"try_cast({_text(raw, kind)} AS DOUBLE)"
        scale = " / 1000.0" if fmt == "epoch_ms" else ""
        return f"try(to_timestamp({number}{scale}))"
    text = _text(raw, kind)
    if fmt:
        parsed = f"try_strptime({text}, {quote_literal(fmt)})"
        if "%z" in fmt or "%Z" in fmt:
            return f"CAST({parsed} AS TIMESTAMPTZ)"
        return f"timezone({zone}, {parsed})"
    if mapping.timezone == "UTC":
        # DuckDB reads an offset when there is one and takes UTC (the session zone) when
        # there is none, which is the declared zone here: no pattern test needed.
        return f"try_cast({text} AS TIMESTAMPTZ)"
    return (
        f"(CASE WHEN regexp_matches({text}, {quote_literal(_OFFSET_PATTERN)}) "
        f"THEN try_cast({text} AS TIMESTAMPTZ) "
        f"ELSE timezone({zone}, try_cast({text} AS TIMESTAMP)) END)"
    )


def _typed(
    name: str, sql_type: str, raw: str, kind: str, mapping: SourceMapping, allowed: list[str] | None
) -> str:
    renames = mapping.values.get(name, {})
    if sql_type == "TIMESTAMPTZ":
        return _timestamp(raw, kind, mapping)
    if allowed is not None:
        text = _renamed(_text(raw, kind), renames)
        whens = " ".join(
            f"WHEN {quote_literal(value.upper())} THEN {quote_literal(value)}" for value in allowed
        )
        return f"(CASE upper(trim({text})) {whens} END)"
    if name in LOWER_CASE_COLUMNS:
        return f"nullif(lower(trim({_renamed(_text(raw, kind), renames)})), '')"
    if sql_type == "VARCHAR":
        return _renamed(_text(raw, kind), renames)
    if kind == "VARCHAR":
        return f"try_cast(nullif(trim({raw}), '') AS {sql_type})"
    return f"try_cast({raw} AS {sql_type})"


def _present(raw: str, kind: str) -> str:
    return f"({raw} IS NOT NULL AND {raw} <> '')" if kind == "VARCHAR" else f"({raw} IS NOT NULL)"


def _shown(raw: str) -> str:
    """The offending raw value, shortened, for a reason text."""
    return f"'''' || left(CAST({raw} AS VARCHAR), 80) || ''''"


def _checks(
    name: str,
    sql_type: str,
    typed: str,
    raw: str,
    kind: str,
    *,
    required: bool,
    allowed: list[str] | None,
    window: TimestampWindow,
) -> str:
    """CASE giving the reason a value of column ``name`` fails, else NULL."""
    whens: list[str] = []
    present = _present(raw, kind)
    if required:
        whens.append(f"WHEN NOT {present} THEN 'missing required value'")
    if allowed is not None:
        expected = ", ".join(allowed)
        whens.append(
            f"WHEN {present} AND {typed} IS NULL THEN 'unknown value ' || {_shown(raw)} "
            f"|| ' (expected one of {expected})'"
        )
    elif sql_type != "VARCHAR":
        label = {
            "TIMESTAMPTZ": "a timestamp",
            "DOUBLE": "a number",
            "BIGINT": "an integer",
            "BOOLEAN": "true/false",
        }[sql_type]
        whens.append(
            f"WHEN {present} AND {typed} IS NULL "
            f"THEN 'cannot read ' || {_shown(raw)} || ' as {label}'"
        )
    if sql_type == "TIMESTAMPTZ":
        earliest = window.earliest.isoformat()
        latest = window.latest.isoformat()
        shown_window = f"{earliest[:10]} .. {latest[:10]}"
        whens.append(
            f"WHEN {typed} < TIMESTAMPTZ '{earliest}' THEN 'implausible timestamp ' "
            f"|| CAST({typed} AS VARCHAR) || ' (before {earliest[:10]}; window {shown_window})'"
        )
        whens.append(
            f"WHEN {typed} > TIMESTAMPTZ '{latest}' THEN 'implausible timestamp ' "
            f"|| CAST({typed} AS VARCHAR) || ' (after {latest[:10]}; window {shown_window})'"
        )
    if name == "case_id":
        # An exporter's list (OCEL 1.0 CSV's ['990001']) or blanks name no single case.
        # The cheap first test keeps the pattern off ordinary ids.
        whens.append(
            f"WHEN ascii({typed}) IN (9, 10, 11, 12, 13, 32) "
            f"AND regexp_full_match({typed}, '\\s+') THEN 'case id is only whitespace'"
        )
        whens.append(
            f"WHEN contains({typed}, '[') AND regexp_full_match({typed}, '(?s)\\s*\\[.*\\]\\s*') "
            f"THEN 'case id ' || {_shown(raw)} || ' is a list literal, not one case id'"
        )
    if name == "latency_ms":
        whens.append(f"WHEN {typed} < 0 THEN 'negative latency ' || CAST({typed} AS VARCHAR)")
    if name == "attempt":
        whens.append(
            f"WHEN {typed} < 1 THEN 'attempt ' || CAST({typed} AS VARCHAR) || ' is below 1'"
        )
    if sql_type == "VARCHAR" and allowed is None:
        limit = MAX_ATTRIBUTES_CHARACTERS if name == "attributes" else MAX_TEXT_CHARACTERS
        # strlen (bytes, known without reading the text) bounds length (characters)
        whens.append(
            f"WHEN strlen({typed}) > {limit} AND length({typed}) > {limit} "
            f"THEN 'value of ' || length({typed}) || ' characters exceeds the limit of {limit}'"
        )
        whens.append(f"WHEN contains({typed}, chr(0)) THEN 'contains a NUL byte'")
    if name == "attributes":
        whens.append(
            f"WHEN {typed} IS NOT NULL AND NOT coalesce(json_valid({typed}) "
            f"AND json_type({typed}) = 'OBJECT', false) THEN 'not a JSON object'"
        )
    return f"(CASE {' '.join(whens)} END)" if whens else "NULL::VARCHAR"


def plan_validation(
    source: SourceColumns,
    mapping: SourceMapping,
    *,
    target: Target | None = None,
    window: TimestampWindow | None = None,
    source_view: str = SOURCE_VIEW,
) -> ValidationPlan:
    """Write the typing-and-checking query of a source view for its target table.

    ``source_view`` is the registered source, or the view replacing its personal data;
    ``window`` the plausible timestamps (the default settings' window when ``None``).

    Raises:
        MissingColumnsError: a required contract column is neither in the file, nor
            mapped, nor a constant (the message names every missing column).
    """
    target = target or infer_target(source, mapping)
    model = MODELS[target]
    window = window or timestamp_window(mapping, plausible_from=DEFAULT_PLAUSIBLE_FROM)
    types = column_types(model)
    enums = enum_values(model)
    required = set(required_field_names(model))
    resolved = {name: _resolve(name, source, mapping) for name in field_names(model)}
    resolved = _derive_interface_parts(target, resolved)
    missing = [name for name in required_source_columns(target) if resolved[name] is None]
    if missing:
        raise MissingColumnsError(
            f"required column(s) {', '.join(missing)} missing "
            f"(the file has: {', '.join(source.names) or 'no columns'}); name them in a "
            "mapping file, e.g. columns: {"
            + ", ".join(f"{name}: <your column>" for name in missing)
            + "} (docs/ingestion.md)"
        )
    used = {
        mapping.columns.get(name, source_column_for(name, source) or name)
        for name in field_names(model)
    }
    extras = tuple(name for name in source.names if name not in used)

    typed_parts: list[str] = []
    check_parts: list[str] = []
    for name in field_names(model):
        sql_type = types[name]
        resolution = resolved[name]
        if resolution is None:
            default = DEFAULTED_COLUMNS[target].get(name, "NULL")
            typed_parts.append(f"CAST({default} AS {sql_type}) AS {quote_identifier('t__' + name)}")
            check_parts.append(f"NULL::VARCHAR AS {quote_identifier('c__' + name)}")
            continue
        raw, kind = resolution
        typed = _typed(name, sql_type, raw, kind, mapping, enums.get(name))
        if name in DEFAULTED_COLUMNS[target]:
            default = DEFAULTED_COLUMNS[target][name]
            typed = f"(CASE WHEN NOT {_present(raw, kind)} THEN {default} ELSE {typed} END)"
        typed_parts.append(f"{typed} AS {quote_identifier('t__' + name)}")
        is_required = (
            name in required and name not in DEFAULTED_COLUMNS[target] and name != "event_id"
        )
        checks = _checks(
            name,
            sql_type,
            typed,
            raw,
            kind,
            required=is_required,
            allowed=enums.get(name),
            window=window,
        )
        check_parts.append(f"{checks} AS {quote_identifier('c__' + name)}")

    names = field_names(model)
    reason = (
        "concat_ws('; ', "
        + ", ".join(
            f"CASE WHEN c__{name} IS NOT NULL THEN '{name}: ' || c__{name} END" for name in names
        )
        + ")"
    )
    first_failed = (
        "coalesce("
        + ", ".join(f"CASE WHEN c__{name} IS NOT NULL THEN '{name}' END" for name in names)
        + ")"
    )
    record = (
        "to_json(struct_pack("
        + ", ".join(
            f"{quote_identifier(column)} := CAST({quote_identifier(column)} AS VARCHAR)"
            for column in source.names
        )
        + "))"
        if source.names
        else "'{}'"
    )
    attributes = _attributes_sql(extras)
    outputs = []
    for name in names:
        value = f"t__{name}"
        if name == "attributes" and attributes is not None:
            value = (
                f"CASE WHEN t__attributes IS NULL THEN {attributes} "
                f"ELSE json_merge_patch(t__attributes, {attributes}) END"
            )
        outputs.append(f"{value} AS {quote_identifier(name)}")
    valid = " AND ".join([f"{ERROR_COLUMN} IS NULL"] + [f"c__{name} IS NULL" for name in names])
    select_sql = (
        f"WITH checked AS (SELECT {ROW_COLUMN}, {ERROR_COLUMN}, {TEXT_COLUMN}, "
        f"{', '.join(typed_parts)}, {', '.join(check_parts)}, "
        f"{', '.join(quote_identifier(column) for column in source.names) or 'NULL AS __none'} "
        f"FROM {source_view}) "
        f"SELECT {ROW_COLUMN}, {', '.join(outputs)}, {valid} AS {VALID_COLUMN}, "
        f"CASE WHEN {ERROR_COLUMN} IS NOT NULL THEN {ERROR_COLUMN} "
        f"ELSE nullif({reason}, '') END AS {REASON_COLUMN}, "
        f"CASE WHEN {ERROR_COLUMN} IS NULL THEN {first_failed} END AS {FAILED_COLUMN}, "
        f"CASE WHEN {ERROR_COLUMN} IS NOT NULL THEN to_json(struct_pack(record := {TEXT_COLUMN})) "
        f"WHEN nullif({reason}, '') IS NOT NULL THEN {record} END AS {RECORD_COLUMN} "
        "FROM checked"
    )
    written = tuple(
        name
        for name in names
        if resolved[name] is not None
        or name in required
        or name in DEFAULTED_COLUMNS[target]
        or (name == "attributes" and attributes is not None)
    )
    return ValidationPlan(target, select_sql, extras, written)


def _derive_interface_parts(
    target: Target, resolved: dict[str, tuple[str, str] | None]
) -> dict[str, tuple[str, str] | None]:
    """Fill source, target and operation from ``interface`` ('OMS->WMS:release') or back."""
    if target is not Target.INTEGRATION:
        return resolved
    derived = dict(resolved)
    interface = resolved.get("interface")
    if interface is not None:
        text = _text(*interface)
        pattern = quote_literal(r"^\s*([^-]+?)\s*->\s*([^:]+?)\s*:\s*(.+?)\s*$")
        for name, group in (("source_system", 1), ("target_system", 2), ("operation", 3)):
            if derived.get(name) is None:
                derived[name] = (
                    f"nullif(regexp_extract({text}, {pattern}, {group}), '')",
                    "VARCHAR",
                )
    elif all(
        resolved.get(name) is not None for name in ("source_system", "target_system", "operation")
    ):
        parts = [
            _text(*part)
            for part in (resolved[name] for name in ("source_system", "target_system", "operation"))
            if part is not None
        ]
        derived["interface"] = (
            f"({parts[0]} || '->' || {parts[1]} || ':' || {parts[2]})",
            "VARCHAR",
        )
    return derived


def _attributes_sql(extras: tuple[str, ...]) -> str | None:
    """JSON object of the extra source columns (NULL values left out)."""
    if not extras:
        return None
    pairs = ", ".join(
        f"{quote_literal(column)}, CAST({quote_identifier(column)} AS VARCHAR)" for column in extras
    )
    return f"CAST(json_object({pairs}) AS VARCHAR)"


def content_id_sql(occurrence: str) -> str:
    """Expression of the deterministic id of a workflow event without one.

    The id is ``'h' || md5(source_system | case_id | activity | event_at (UTC ISO with
    microseconds) | resource | n)`` where ``n`` (the SQL ``occurrence``) numbers identical
    valid records in file order (1, 2, ...): two identical records of one file stay two
    events, while the same record arriving again in a later file gets the same id and is
    recognised as a duplicate.
    """
    parts = ", ".join(
        f"coalesce(strftime({name}, '%Y-%m-%dT%H:%M:%S.%fZ'), '')"
        if name == "event_at"
        else f"coalesce(CAST({name} AS VARCHAR), '')"
        for name in HASHED_CONTENT
    )
    return f"'h' || md5(concat_ws('|', {parts}, CAST({occurrence} AS VARCHAR)))"


def content_hash_sql() -> str:
    """CREATE the table of :func:`content_id_sql` ids for valid workflow events that have none.

    Only valid rows lacking an id are hashed, so files with ids pay nothing.
    """
    partition = ", ".join(HASHED_CONTENT)
    occurrence = f"row_number() OVER (PARTITION BY {partition} ORDER BY {ROW_COLUMN})"
    return (
        f"CREATE OR REPLACE TEMP TABLE {HASHED_TABLE} AS "
        f"SELECT {ROW_COLUMN}, {content_id_sql(occurrence)} AS hashed_id "
        f"FROM {CHECKED_VIEW} WHERE {VALID_COLUMN} AND event_id IS NULL"
    )
