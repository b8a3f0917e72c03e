"""Turn a generated chunk into Arrow tables with exactly the contract's columns.

Events after the horizon are dropped (the log is a snapshot), rows are sorted by case,
time and causal order, and ids are spelled: ``ORD-00000042`` for the order (case),
``ORD-00000042-007`` for its seventh event, ``-L2``/``-S1``/``-P1``/``-R1`` for the
order line, shipment, payment and return, ``-X1`` for its first exception, and
``ORD-00000042/release/1`` for a middleware message's idempotency key. ``ORD`` is the
run's id prefix, so every id of a run carries it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orderlens.contract import Milestone
from orderlens.simulator.context import ChunkContext
from orderlens.simulator.events import (
    NONE,
    join_ids,
    numbered,
    seconds_to_timestamps,
    whole_milliseconds,
    with_nulls,
)

WORKFLOW_SCHEMA = pa.schema(
    [
        ("event_id", pa.string()),
        ("case_id", pa.string()),
        ("activity", pa.string()),
        ("event_at", pa.timestamp("us", tz="UTC")),
        ("source_system", pa.string()),
        ("resource", pa.string()),
        ("resource_type", pa.string()),
        ("channel", pa.string()),
        ("node_id", pa.string()),
        ("region", pa.string()),
        ("carrier", pa.string()),
        ("supplier", pa.string()),
        ("order_line_id", pa.string()),
        ("shipment_id", pa.string()),
        ("payment_id", pa.string()),
        ("return_id", pa.string()),
        ("exception_id", pa.string()),
        ("exception_type", pa.string()),
        ("exception_stage", pa.string()),
        ("reason_code", pa.string()),
        ("amount", pa.float64()),
        ("currency", pa.string()),
        ("lifecycle", pa.string()),
        ("attributes", pa.string()),
    ]
)
"""Arrow schema of the workflow-event files (the contract's ``WorkflowEvent`` fields).

Simulated steps are instantaneous, so ``lifecycle`` is left empty (a log without
transitions), as most order-system exports are."""

INTEGRATION_SCHEMA = pa.schema(
    [
        ("message_id", pa.string()),
        ("idempotency_key", pa.string()),
        ("correlation_id", pa.string()),
        ("interface", pa.string()),
        ("source_system", pa.string()),
        ("target_system", pa.string()),
        ("operation", pa.string()),
        ("sent_at", pa.timestamp("us", tz="UTC")),
        ("latency_ms", pa.float64()),
        ("status", pa.string()),
        ("attempt", pa.int64()),
        ("dead_lettered", pa.bool_()),
        ("replayed", pa.bool_()),
        ("error_message", pa.string()),
    ]
)
"""Arrow schema of the integration-event files (the contract's ``IntegrationEvent`` fields)."""

_DICTIONARY_COLUMNS = frozenset(
    {
        "case_id",
        "correlation_id",
        "activity",
        "source_system",
        "target_system",
        "resource",
        "resource_type",
        "channel",
        "node_id",
        "region",
        "carrier",
        "supplier",
        "exception_type",
        "exception_stage",
        "reason_code",
        "currency",
        "attributes",
        "order_line_id",
        "shipment_id",
        "payment_id",
        "return_id",
        "exception_id",
        "interface",
        "operation",
        "status",
        "error_message",
    }
)
"""Low-cardinality columns kept dictionary-encoded from generation to the Parquet file."""


def dictionary_schema(schema: pa.Schema) -> pa.Schema:
    """``schema`` with its low-cardinality string columns dictionary-encoded."""
    return pa.schema(
        [
            pa.field(field.name, pa.dictionary(pa.int32(), pa.string()))
            if field.name in _DICTIONARY_COLUMNS
            else field
            for field in schema
        ]
    )


WORKFLOW_FILE_SCHEMA = dictionary_schema(WORKFLOW_SCHEMA)
"""``WORKFLOW_SCHEMA`` with repeated strings dictionary-encoded (same values)."""

INTEGRATION_FILE_SCHEMA = dictionary_schema(INTEGRATION_SCHEMA)
"""``INTEGRATION_SCHEMA`` with repeated strings dictionary-encoded (same values)."""


def plain(table: pa.Table) -> pa.Table:
    """``table`` with dictionary-encoded columns decoded to plain strings."""
    return table.cast(
        pa.schema(
            [
                pa.field(field.name, field.type.value_type)
                if pa.types.is_dictionary(field.type)
                else field
                for field in table.schema
            ]
        )
    )


EXCEPTION_TRUTH_SCHEMA = pa.schema(
    [
        ("exception_id", pa.string()),
        ("case_id", pa.string()),
        ("exception_type", pa.string()),
        ("detected_at", pa.timestamp("us", tz="UTC")),
        ("first_response_at", pa.timestamp("us", tz="UTC")),
        ("resolved_at", pa.timestamp("us", tz="UTC")),
        ("is_auto_resolved", pa.bool_()),
        ("touches", pa.int64()),
        ("escalations", pa.int64()),
        ("is_reopened", pa.bool_()),
        ("node_id", pa.string()),
        ("carrier", pa.string()),
        ("supplier", pa.string()),
        ("cause", pa.string()),
        ("caused_expedite", pa.bool_()),
        ("caused_cancellation", pa.bool_()),
        ("refund_amount", pa.float64()),
    ]
)
"""One row per exception: its lifecycle as of the horizon and the effects it caused."""


@dataclass(frozen=True)
class ChunkTables:
    """The Arrow tables of one generated chunk."""

    workflow: pa.Table
    integration: pa.Table
    exceptions: pa.Table


def case_ids(first_order: int, count: int, prefix: str) -> pa.Array:
    """Case ids ``<prefix>-00000001`` of ``count`` orders numbered from ``first_order``."""
    numbers = np.arange(first_order + 1, first_order + count + 1)
    return join_ids(f"{prefix}-", numbered(numbers, width=8))


def _suffix(cases: pa.Array, marker: str, numbers: np.ndarray) -> pa.Array:
    return join_ids(cases, marker, numbered(numbers))


def _object_ids(
    cases: pa.Array, order: np.ndarray, marker: str, numbers: np.ndarray
) -> pa.DictionaryArray:
    """Ids ``<case><marker><number>`` of the objects rows refer to (null where < 0).

    Most rows refer to no line, shipment, payment, return or exception, and many rows
    refer to the same one, so each distinct id is spelled once, as a dictionary entry.
    """
    present = numbers >= 0
    key = order[present] * 100_000 + numbers[present]
    distinct, position = np.unique(key, return_inverse=True)
    values = join_ids(
        pc.take(cases, pa.array(distinct // 100_000)), marker, numbered(distinct % 100_000)
    )
    indices = np.full(len(numbers), NONE, dtype=np.int32)
    indices[present] = position
    return pa.DictionaryArray.from_arrays(with_nulls(indices, present), values)


def _timestamps_or_null(seconds: np.ndarray) -> pa.Array:
    missing = np.isnan(seconds)
    micros = whole_milliseconds(np.where(missing, 0.0, seconds))
    return with_nulls(micros, ~missing).cast(pa.timestamp("us", tz="UTC"))


def build_tables(
    context: ChunkContext, first_order: int, order_count: int, id_prefix: str
) -> ChunkTables:
    """Arrow tables of the chunk whose orders are numbered from ``first_order``.

    Every id is derived from the case id, so ``id_prefix`` alone keeps two runs' ids apart.
    """
    strings = context.strings
    horizon = context.horizon
    cases = case_ids(first_order, order_count, id_prefix)
    workflow = context.workflow

    at = workflow.column("at", np.nan, np.float64)
    order = workflow.column("order", NONE, np.int64)
    sequence = workflow.block_sequence()
    keep = at <= horizon
    rows = np.flatnonzero(keep)
    rows = rows[np.lexsort((sequence[rows], at[rows], order[rows]))]

    def codes(name: str) -> np.ndarray:
        return workflow.column(name, NONE, np.int32)[rows]

    def numbers(name: str) -> np.ndarray:
        return workflow.column(name, NONE, np.int64)[rows]

    order_rows = order[rows]
    starts = np.flatnonzero(np.r_[True, order_rows[1:] != order_rows[:-1]]) if len(rows) else rows
    counts = np.diff(np.r_[starts, len(rows)])
    rank = np.arange(len(rows)) - np.repeat(starts, counts)
    row_cases = pc.take(cases, pa.array(order_rows))

    records = context.exceptions
    exc_index = records.column("index", np.int64)
    exc_order = records.column("order", np.int64)
    exc_detected = records.column("detected_at", np.float64)
    ranking = np.lexsort((exc_index, exc_detected, exc_order))
    sorted_orders = exc_order[ranking]
    exc_starts = (
        np.flatnonzero(np.r_[True, sorted_orders[1:] != sorted_orders[:-1]])
        if len(ranking)
        else ranking
    )
    exc_rank = np.arange(len(ranking)) - np.repeat(
        exc_starts, np.diff(np.r_[exc_starts, len(ranking)])
    )
    number_of = np.full(max(context.next_exception, 1), NONE, dtype=np.int64)
    number_of[exc_index[ranking]] = exc_rank + 1
    event_exception = numbers("exception")
    exception_number = np.where(
        event_exception >= 0, number_of[np.maximum(event_exception, 0)], NONE
    )

    amount = workflow.column("amount", np.nan, np.float64)[rows]
    has_amount = ~np.isnan(amount)
    currency = np.where(has_amount, strings.code(context.parameters.order_lines.currency), NONE)
    workflow_table = pa.Table.from_arrays(
        [
            join_ids(row_cases, "-", numbered(rank + 1, width=3)),
            pa.DictionaryArray.from_arrays(pa.array(order_rows.astype(np.int32)), cases),
            strings.encode(codes("activity")),
            seconds_to_timestamps(at[rows]),
            strings.encode(codes("source_system")),
            strings.encode(codes("resource")),
            strings.encode(codes("resource_type")),
            strings.encode(codes("channel")),
            strings.encode(codes("node")),
            strings.encode(codes("region")),
            strings.encode(codes("carrier")),
            strings.encode(codes("supplier")),
            _object_ids(cases, order_rows, "-L", numbers("line")),
            _object_ids(cases, order_rows, "-S", numbers("shipment")),
            _object_ids(cases, order_rows, "-P", numbers("payment")),
            _object_ids(cases, order_rows, "-R", numbers("return_")),
            _object_ids(cases, order_rows, "-X", exception_number),
            strings.encode(codes("exception_type")),
            strings.encode(codes("stage")),
            strings.encode(codes("reason")),
            with_nulls(amount, has_amount),
            strings.encode(currency),
            pa.nulls(len(rows), pa.string()),
            strings.encode(codes("attributes")),
        ],
        schema=WORKFLOW_FILE_SCHEMA,
    )

    exceptions_table = _exception_truth(
        context, cases, number_of, event_exception, codes("activity"), codes("stage"), amount
    )
    integration_table = _integration_table(context, cases)
    return ChunkTables(workflow_table, integration_table, exceptions_table)


def _exception_truth(
    context: ChunkContext,
    cases: pa.Array,
    number_of: np.ndarray,
    event_exception: np.ndarray,
    activity: np.ndarray,
    stage: np.ndarray,
    amount: np.ndarray,
) -> pa.Table:
    strings = context.strings
    records = context.exceptions
    detected = records.column("detected_at", np.float64)
    keep = np.flatnonzero(detected <= context.horizon)
    index = records.column("index", np.int64)[keep]
    order = records.column("order", np.int64)[keep]
    exc_cases = pc.take(cases, pa.array(order))

    effect = (event_exception >= 0) & (stage < 0)
    size = max(context.next_exception, 1)
    expedite = np.zeros(size, dtype=bool)
    cancellation = np.zeros(size, dtype=bool)
    refund = np.zeros(size)
    expedite_code = strings.code(Milestone.SHIPMENT_EXPEDITED.value)
    cancel_code = strings.code(Milestone.ORDER_CANCELLED.value)
    refund_code = strings.code(Milestone.REFUND_ISSUED.value)
    expedite[event_exception[effect & (activity == expedite_code)]] = True
    cancellation[event_exception[effect & (activity == cancel_code)]] = True
    refunds = effect & (activity == refund_code)
    np.add.at(refund, event_exception[refunds], amount[refunds])

    cause_names = [cause.name for cause in context.scenario.causes]
    cause_codes = strings.codes(cause_names) if cause_names else np.zeros(0, dtype=np.int32)
    cause = records.column("cause", np.int64)[keep]
    cause_code = np.where(
        cause >= 0, cause_codes[np.maximum(cause, 0)] if len(cause_codes) else NONE, NONE
    )
    return pa.Table.from_arrays(
        [
            _suffix(exc_cases, "-X", number_of[index]),
            exc_cases,
            strings.decode(records.column("exception_type", np.int32)[keep]),
            seconds_to_timestamps(detected[keep]),
            _timestamps_or_null(records.column("first_response_at", np.float64)[keep]),
            _timestamps_or_null(records.column("resolved_at", np.float64)[keep]),
            pa.array(records.column("is_auto_resolved", bool)[keep]),
            pa.array(records.column("touches", np.int64)[keep]),
            pa.array(records.column("escalations", np.int64)[keep]),
            pa.array(records.column("is_reopened", bool)[keep]),
            strings.decode(records.column("node", np.int32)[keep]),
            strings.decode(records.column("carrier", np.int32)[keep]),
            strings.decode(records.column("supplier", np.int32)[keep]),
            strings.decode(cause_code.astype(np.int32)),
            pa.array(expedite[index]),
            pa.array(cancellation[index]),
            pa.array(np.round(refund[index], 2)),
        ],
        schema=EXCEPTION_TRUTH_SCHEMA,
    )


def _integration_table(context: ChunkContext, cases: pa.Array) -> pa.Table:
    strings = context.strings
    buffer = context.integration
    sent = buffer.column("sent_at").astype(np.float64)
    order = buffer.column("order").astype(np.int64)
    attempt = buffer.column("attempt").astype(np.int64)
    rows = np.flatnonzero(sent <= context.horizon)
    rows = rows[np.lexsort((attempt[rows], sent[rows], order[rows]))]
    interface = buffer.column("interface").astype(np.int32)[rows]
    lookup_size = int(interface.max()) + 1 if len(interface) else 1
    source = np.full(lookup_size, NONE, dtype=np.int32)
    target = np.full(lookup_size, NONE, dtype=np.int32)
    operation = np.full(lookup_size, NONE, dtype=np.int32)
    for code in np.unique(interface):
        name = strings.decode(np.array([code]))[0].as_py()
        route, op = name.split(":")
        sender, receiver = route.split("->")
        source[code], target[code], operation[code] = (
            strings.code(sender),
            strings.code(receiver),
            strings.code(op),
        )
    row_cases = pc.take(cases, pa.array(order[rows]))
    keys = join_ids(
        row_cases,
        "/",
        strings.decode(operation[interface]),
        "/",
        numbered(buffer.column("instance").astype(np.int64)[rows]),
    )
    return pa.Table.from_arrays(
        [
            join_ids(keys, "#", numbered(attempt[rows])),
            keys,
            pa.DictionaryArray.from_arrays(pa.array(order[rows].astype(np.int32)), cases),
            strings.encode(interface),
            strings.encode(source[interface]),
            strings.encode(target[interface]),
            strings.encode(operation[interface]),
            seconds_to_timestamps(sent[rows]),
            pa.array(np.round(buffer.column("latency_ms").astype(np.float64)[rows], 1)),
            strings.encode(buffer.column("status").astype(np.int32)[rows]),
            pa.array(attempt[rows]),
            pa.array(buffer.column("dead_lettered").astype(bool)[rows]),
            pa.array(buffer.column("replayed").astype(bool)[rows]),
            strings.encode(buffer.column("error").astype(np.int32)[rows]),
        ],
        schema=INTEGRATION_FILE_SCHEMA,
    )
