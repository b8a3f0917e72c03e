"""The data contract: the canonical event and reference models, defined once.

Everything else derives from these classes: the raw tables' DDL
(:func:`create_stored_table_sql`, :func:`raw_view_sql`), the validation suites of
ingestion, the dbt source documentation and the simulator's output columns. A source
file whose columns carry these field names needs no mapping.

Timestamps are timezone-aware and stored in UTC (DuckDB ``TIMESTAMPTZ``). Order inside a
case is (``event_at``, then ``event_seq``): ``event_seq`` is the arrival order assigned
at ingestion (file by file, row by row), so ties keep the order of the source file.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class SourceSystem(StrEnum):
    """Systems that write workflow events; ``UNKNOWN`` for logs that do not say."""

    OMS = "OMS"
    WMS = "WMS"
    ERP = "ERP"
    TMS = "TMS"
    PAYMENT = "PAYMENT"
    CRM = "CRM"
    COMMERCE = "COMMERCE"
    MIDDLEWARE = "MIDDLEWARE"
    POS = "POS"
    UNKNOWN = "UNKNOWN"


class Channel(StrEnum):
    """Sales channels an order can come from."""

    WEB = "web"
    APP = "app"
    MARKETPLACE = "marketplace"
    STORE = "store"
    CALL_CENTER = "call_center"


class ResourceType(StrEnum):
    """Who performed a step: a person (a manual touch), a bot or a system."""

    HUMAN = "human"
    BOT = "bot"
    SYSTEM = "system"


class ExceptionStage(StrEnum):
    """Lifecycle stage of an exception that a workflow event records.

    The marts read the lifecycle from these stages: ``detected`` opens an exception, the
    first later event of any stage is its first response, ``resolved_auto`` or
    ``resolved_manual`` closes it and ``reopened`` opens it again.
    """

    DETECTED = "detected"
    ASSIGNED = "assigned"
    AUTO_RETRY = "auto_retry"
    ESCALATED = "escalated"
    APPROVED = "approved"
    REJECTED = "rejected"
    RESOLVED_AUTO = "resolved_auto"
    RESOLVED_MANUAL = "resolved_manual"
    REOPENED = "reopened"


class Milestone(StrEnum):
    """Activity names of the fulfillment milestones the marts recognise.

    Activities are free text (a real XES log has its own), but these names carry meaning
    for the fulfillment and ROI marts: when an order was placed, shipped, delivered or
    picked up, cancelled, expedited, rerouted, invoiced, returned and refunded. A source
    that uses other names maps them in its column mapping.
    """

    ORDER_CREATED = "Order Created"
    PAYMENT_AUTHORIZED = "Payment Authorized"
    PAYMENT_CAPTURED = "Payment Captured"
    ORDER_RELEASED = "Order Released to Node"
    SHIPMENT_DISPATCHED = "Shipment Dispatched"
    DELIVERED = "Delivered"
    READY_FOR_PICKUP = "Ready for Pickup"
    PICKED_UP = "Picked Up by Customer"
    ORDER_CANCELLED = "Order Cancelled"
    SHIPMENT_EXPEDITED = "Shipment Expedited"
    ORDER_REROUTED = "Order Rerouted"
    INVOICE_POSTED = "Invoice Posted to ERP"
    RETURN_RECEIVED = "Return Received"
    REFUND_ISSUED = "Refund Issued"
    CREDIT_MEMO_POSTED = "Credit Memo Posted to ERP"


class MessageStatus(StrEnum):
    """Outcome of one delivery attempt of an integration message."""

    OK = "ok"
    CLIENT_ERROR = "4xx"
    SERVER_ERROR = "5xx"
    TIMEOUT = "timeout"


class WorkflowEvent(SQLModel, table=True):
    """One business step of one order (a case), written by one source system."""

    __tablename__ = "workflow_events"
    __table_args__ = {"schema": "raw"}

    event_id: str = Field(primary_key=True, description="Identifier of the event in its source.")
    case_id: str = Field(description="The order the event belongs to (the process case).")
    activity: str = Field(description="Business step, for example 'Payment Authorized'.")
    event_at: datetime = Field(description="When the step happened, in UTC.")
    source_system: SourceSystem = Field(description="System that wrote the event.")
    resource: str | None = Field(default=None, description="Person, team or bot that did it.")
    resource_type: ResourceType | None = Field(default=None, description="human, bot or system.")
    channel: Channel | None = Field(default=None, description="Sales channel of the order.")
    node_id: str | None = Field(default=None, description="Fulfillment node (DC, store, 3PL).")
    region: str | None = Field(default=None, description="Region of the node or customer.")
    carrier: str | None = Field(default=None, description="Carrier handling the shipment.")
    supplier: str | None = Field(default=None, description="Supplier of the item concerned.")
    order_line_id: str | None = Field(default=None, description="Order line the event concerns.")
    shipment_id: str | None = Field(default=None, description="Shipment or package concerned.")
    payment_id: str | None = Field(default=None, description="Payment concerned.")
    return_id: str | None = Field(default=None, description="Return concerned.")
    exception_id: str | None = Field(default=None, description="Exception the event belongs to.")
    exception_type: str | None = Field(default=None, description="Type, from the taxonomy.")
    exception_stage: ExceptionStage | None = Field(
        default=None, description="Lifecycle stage of the exception this event records."
    )
    reason_code: str | None = Field(default=None, description="Reason code given by the source.")
    amount: float | None = Field(default=None, description="Money amount of the step, if any.")
    currency: str | None = Field(default=None, description="ISO 4217 currency of the amount.")
    lifecycle: str | None = Field(
        default=None,
        description="Lifecycle transition of the step, lower case (XES standard lifecycle "
        "model: schedule, start, complete, ...); null where the source has none.",
    )
    attributes: str | None = Field(
        default=None, description="Other source attributes as a JSON object."
    )


class IntegrationEvent(SQLModel, table=True):
    """One delivery attempt of a message or API call through the middleware."""

    __tablename__ = "integration_events"
    __table_args__ = {"schema": "raw"}

    message_id: str = Field(primary_key=True, description="Identifier of this delivery attempt.")
    idempotency_key: str = Field(description="Key shared by every attempt of one logical message.")
    correlation_id: str | None = Field(default=None, description="The order (case) it concerns.")
    interface: str = Field(description="Source -> target and operation, e.g. 'OMS->WMS:release'.")
    source_system: SourceSystem = Field(description="System that sent the message.")
    target_system: SourceSystem = Field(description="System that received it.")
    operation: str = Field(description="Operation invoked, e.g. 'release'.")
    sent_at: datetime = Field(description="When the attempt was sent, in UTC.")
    latency_ms: float = Field(ge=0, description="Time until the answer or the time-out, ms.")
    status: MessageStatus = Field(description="ok, 4xx, 5xx or timeout.")
    attempt: int = Field(ge=1, description="1 for the first attempt, then 2, 3, ...")
    dead_lettered: bool = Field(default=False, description="Parked in the dead-letter queue.")
    replayed: bool = Field(default=False, description="Re-sent by an operator from dead letters.")
    error_message: str | None = Field(default=None, description="Error text returned, if any.")


class ExceptionTaxonomyEntry(SQLModel, table=True):
    """Reference data: how one exception type is owned, timed and escalated."""

    __tablename__ = "exception_taxonomy"
    __table_args__ = {"schema": "reference"}

    exception_type: str = Field(primary_key=True)
    exception_class: str = Field(description="Broader class used in reports.")
    description: str
    owning_team: str
    auto_resolvable: bool = Field(description="Policy allows resolving it without a person.")
    first_response_sla_minutes: int = Field(gt=0)
    resolution_sla_minutes: int = Field(gt=0)
    escalation_path: str = Field(description="Who takes it over, in order, when SLA is at risk.")
    recommended_action: str = Field(description="Default next action for the work queue.")


class SlaPolicy(SQLModel, table=True):
    """Reference data: the delivery or pickup promise made per channel."""

    __tablename__ = "sla_policy"
    __table_args__ = {"schema": "reference"}

    channel: Channel = Field(primary_key=True)
    promise_hours: int = Field(gt=0, description="Hours from order to delivery or pickup.")
    pickup_ready_hours: int = Field(gt=0, description="Hours to have a pickup order ready.")


class CostModel(SQLModel, table=True):
    """Reference data: one cost parameter used to price exceptions and ROI."""

    __tablename__ = "cost_model"
    __table_args__ = {"schema": "reference"}

    parameter: str = Field(primary_key=True)
    value: float = Field(ge=0)
    unit: str
    description: str


LOWER_CASE_COLUMNS: frozenset[str] = frozenset({"lifecycle"})
"""Columns whose text values ingestion trims and lower-cases: a log writing ``COMPLETE``
and one writing ``complete`` mean the same transition."""

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "case_id": ("case", "case id", "caseid", "case:concept:name", "case key"),
    "activity": ("concept:name", "activity name", "task", "event name"),
    "event_at": (
        "timestamp",
        "time:timestamp",
        "time",
        "complete timestamp",
        "end timestamp",
        "event time",
        "datetime",
    ),
    "resource": ("org:resource",),
    "lifecycle": ("lifecycle:transition",),
}
"""Source column names that feed a contract column without a mapping, besides its own
name: the XES keys that exports to CSV keep as columns, and the names process-mining
exports commonly give the case, activity and time. Matched ignoring case, spaces,
underscores and hyphens, and only when exactly one column of the file matches, so an
export with both a ``time`` and a ``timestamp`` column still asks for a mapping."""

RAW_MODELS: tuple[type[SQLModel], ...] = (WorkflowEvent, IntegrationEvent)
REFERENCE_MODELS: tuple[type[SQLModel], ...] = (ExceptionTaxonomyEntry, SlaPolicy, CostModel)

LINEAGE_COLUMNS: dict[str, str] = {
    "event_seq": "BIGINT",
    "source_file": "VARCHAR",
    "source_row": "BIGINT",
    "load_id": "VARCHAR",
}
"""Columns ingestion adds to every raw row: arrival order and where the row came from."""


def _duckdb_type(column: sa.Column[Any]) -> str:
    """Map a contract column to the DuckDB type that stores it (by its Python type).

    SQLModel wraps datetimes in a ``TypeDecorator``, so the decorated ``impl`` is asked.
    """
    column_type = column.type
    python_type = getattr(column_type, "impl", column_type).python_type
    if issubclass(python_type, datetime):
        return "TIMESTAMPTZ"
    if issubclass(python_type, bool):
        return "BOOLEAN"
    if issubclass(python_type, int):
        return "BIGINT"
    if issubclass(python_type, float):
        return "DOUBLE"
    return "VARCHAR"


def field_names(model: type[SQLModel]) -> list[str]:
    """Contract column names of ``model``, in declaration order."""
    return [column.name for column in model.__table__.columns]


def required_field_names(model: type[SQLModel]) -> list[str]:
    """Columns that every row must carry (not nullable in the contract)."""
    return [column.name for column in model.__table__.columns if not column.nullable]


def column_types(model: type[SQLModel]) -> dict[str, str]:
    """DuckDB type of every contract column of ``model``."""
    return {column.name: _duckdb_type(column) for column in model.__table__.columns}


def enum_values(model: type[SQLModel]) -> dict[str, list[str]]:
    """Allowed values of every enumerated column of ``model`` (for validation)."""
    allowed: dict[str, list[str]] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        for candidate in getattr(annotation, "__args__", (annotation,)):
            if isinstance(candidate, type) and issubclass(candidate, StrEnum):
                allowed[name] = [member.value for member in candidate]
    return allowed


def qualified_name(model: type[SQLModel]) -> str:
    """``schema.table`` of the model's table."""
    table = model.__table__
    return f"{table.schema}.{table.name}"


def create_table_sql(model: type[SQLModel]) -> str:
    """``CREATE TABLE IF NOT EXISTS`` statement for ``model``, every contract column."""
    return _create_table(qualified_name(model), [column_sql(model, n) for n in field_names(model)])


def _create_table(name: str, columns: list[str]) -> str:
    return f"CREATE TABLE IF NOT EXISTS {name} (\n    " + ",\n    ".join(columns) + "\n)"


def stored_table_name(model: type[SQLModel]) -> str:
    """``schema.table`` holding a raw model's rows: its view's name with ``stored_`` before it.

    A raw table is a view over this one. The stored table has the required columns and
    the lineage from the start and gains each optional column when a source first
    supplies it, so a load writes only the columns its file carries; the view shows
    every contract column, NULL where nothing was ever supplied.
    """
    table = model.__table__
    return f"{table.schema}.stored_{table.name}"


def create_stored_table_sql(model: type[SQLModel]) -> str:
    """``CREATE TABLE IF NOT EXISTS`` of a raw model's stored table: required and lineage
    columns (optional ones are added as sources supply them, see :func:`column_sql`)."""
    columns = [column_sql(model, name) for name in required_field_names(model)]
    columns += [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS.items()]
    return _create_table(stored_table_name(model), columns)


def column_sql(model: type[SQLModel], name: str) -> str:
    """Definition of one contract column (name, type and NOT NULL when required).

    A primary key (for raw tables, the event's own identifier) is unique by definition, so
    DuckDB's default string compression spends its effort on a dictionary that never
    pays; zstd writes ten million ids in about half the time, and the stored file grows
    by some 14 % on the benchmark's ids.
    """
    column = model.__table__.columns[name]
    compression = " USING COMPRESSION zstd" if column.primary_key else ""
    return f"{name} {_duckdb_type(column)}{compression}{'' if column.nullable else ' NOT NULL'}"


def raw_view_sql(model: type[SQLModel], stored: Collection[str]) -> str:
    """``CREATE OR REPLACE VIEW`` of a raw table: every contract column in contract order
    (a typed NULL for those not in ``stored``), then the lineage columns."""
    types = column_types(model)
    outputs = [
        name if name in stored else f"CAST(NULL AS {types[name]}) AS {name}"
        for name in field_names(model)
    ]
    outputs += list(LINEAGE_COLUMNS)
    return (
        f"CREATE OR REPLACE VIEW {qualified_name(model)} AS SELECT "
        + ", ".join(outputs)
        + f" FROM {stored_table_name(model)}"
    )


def describe_columns(model: type[SQLModel]) -> dict[str, str]:
    """Column descriptions of ``model`` (used to document dbt sources)."""
    return {
        name: info.description or ""
        for name, info in model.model_fields.items()
        if name in field_names(model)
    }
