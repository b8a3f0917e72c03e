"""What to simulate (:class:`SimulationConfig`) and the operation's parameters.

The run settings (size, scenario, seed, window, output) are a frozen dataclass; the
operation itself (network, channel mix, durations, interfaces, exception rates and
lifecycles) is read from ``defaults.yaml`` beside this module or from a user's copy, and
validated with pydantic so a typo fails with the file and the key that is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_START = date(2026, 3, 2)
"""First simulated day when none is given (a Monday)."""

DEFAULT_ID_PREFIX = "ORD"
"""Prefix of order ids when none is given (``ORD-00000042``)."""

_ID_PREFIX = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_ID_PREFIX_MAX_LENGTH = 24


class OutputFormat(StrEnum):
    """File formats the simulator writes."""

    PARQUET = "parquet"
    CSV = "csv"
    JSONL = "jsonl"
    XES = "xes"
    OCEL = "ocel"


class FulfillmentMethod(StrEnum):
    """How an order reaches the customer."""

    DC_SHIP = "dc_ship"
    SHIP_FROM_STORE = "ship_from_store"
    STORE_PICKUP = "store_pickup"
    THIRD_PARTY = "third_party"


@dataclass(frozen=True)
class SimulationConfig:
    """One simulation run.

    Attributes:
        orders: Number of orders to create inside the window.
        out_dir: Folder the files are written to (created if missing).
        scenario: Name of a scenario preset (see ``orderlens.simulator.scenarios``).
        seed: Random seed; the same seed and settings give byte-identical rows.
        start: First simulated day (UTC midnight).
        days: Length of the window; events after its end are not written yet (the
            log is a snapshot, so late orders and exceptions are still open).
        output_format: Format of the event files.
        chunk_orders: Orders generated and written per chunk (bounds memory).
        parameters_file: A user's copy of ``defaults.yaml``; ``None`` for the defaults.
        reference_file: A user's reference data (taxonomy); ``None`` for the defaults.
        workers: Processes generating chunks in parallel (1 = in this process).
        id_prefix: Start of every order id (``<prefix>-00000042``) and so of every
            event, object, exception and message id derived from it. Order numbers
            restart at 1 in every run, so batches loaded into the same warehouse need
            different prefixes or ingestion takes the later batch's events for
            duplicates of the earlier one's.
    """

    orders: int
    out_dir: Path
    scenario: str = "baseline"
    seed: int = 42
    start: date = DEFAULT_START
    days: int = 30
    output_format: OutputFormat = OutputFormat.PARQUET
    chunk_orders: int = 50_000
    parameters_file: Path | None = None
    reference_file: Path | None = None
    workers: int = 1
    id_prefix: str = DEFAULT_ID_PREFIX

    def __post_init__(self) -> None:
        if self.orders < 1:
            raise ValueError(f"orders must be at least 1, got {self.orders}")
        if self.days < 1:
            raise ValueError(f"days must be at least 1, got {self.days}")
        if self.chunk_orders < 1:
            raise ValueError(f"chunk_orders must be at least 1, got {self.chunk_orders}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        # ids are joined with "-", "/" and "#" into event, object and message ids, so
        # the prefix may hold letters, digits and inner hyphens only
        if (
            len(self.id_prefix) > _ID_PREFIX_MAX_LENGTH
            or _ID_PREFIX.fullmatch(self.id_prefix) is None
        ):
            raise ValueError(
                f"id_prefix must be up to {_ID_PREFIX_MAX_LENGTH} letters, digits and inner "
                f"hyphens, got {self.id_prefix!r}"
            )

    @property
    def start_seconds(self) -> float:
        """Start of the window as UNIX seconds (UTC midnight of ``start``)."""
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC).timestamp()

    @property
    def horizon_seconds(self) -> float:
        """End of the window as UNIX seconds: nothing later is written."""
        return self.start_seconds + self.days * 86400.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DurationProfile(_Strict):
    """A log-normal delay: its median in minutes and its spread (sigma of the log)."""

    median_minutes: float = Field(gt=0)
    sigma: float = Field(ge=0)


class ChannelProfile(_Strict):
    """Share of orders of one channel and how its orders are fulfilled."""

    share: float = Field(gt=0)
    fulfillment: dict[FulfillmentMethod, float]


class NetworkProfile(_Strict):
    """Fulfillment nodes: DCs and 3PLs with their region, stores per region."""

    distribution_centers: dict[str, str]
    third_party: dict[str, str]
    stores_per_region: int = Field(ge=1)
    dc_for_region: dict[str, str]


class OrderLineProfile(_Strict):
    """How many lines an order has and what they cost."""

    extra_lines_mean: float = Field(ge=0)
    max_lines: int = Field(ge=1)
    line_value_median: float = Field(gt=0)
    line_value_sigma: float = Field(ge=0)
    currency: str


class CarrierProfile(_Strict):
    """Share of shipments of one carrier and its transit time."""

    share: float = Field(gt=0)
    transit_hours_median: float = Field(gt=0)
    transit_sigma: float = Field(ge=0)


class InterfaceProfile(_Strict):
    """Reliability and speed of one middleware interface."""

    failure_rate: float = Field(ge=0, lt=1)
    timeout_share: float = Field(ge=0, le=1)
    latency_ms: float = Field(gt=0)


class IntegrationProfile(_Strict):
    """Retry policy of the middleware and its interfaces."""

    max_attempts: int = Field(ge=1)
    backoff_seconds: float = Field(gt=0)
    timeout_ms: float = Field(gt=0)
    replay_minutes_median: float = Field(gt=0)
    duplicate_rate: float = Field(ge=0, lt=1)
    interfaces: dict[str, InterfaceProfile]


class ExceptionProfile(_Strict):
    """Rate, lifecycle and effects of one exception type.

    ``auto_share`` only applies to types the taxonomy marks auto-resolvable. The effect
    shares (``cancel_share``, ``reroute_share``, ...) are probabilities per exception.
    """

    label: str
    per: str
    rate: float = Field(ge=0, le=1)
    store_rate: float | None = Field(default=None, ge=0, le=1)
    detected_by: tuple[str, str]
    worked_in: str
    reason_codes: list[str] = Field(min_length=1)
    auto_share: float = Field(ge=0, le=1)
    response_minutes: float = Field(gt=0)
    work_minutes: float = Field(gt=0)
    escalation_rate: float = Field(ge=0, le=1)
    decision: str = Field(pattern="^(approve|none)$")
    reject_rate: float = Field(ge=0, le=1)
    reopen_rate: float = Field(ge=0, le=1)
    cancel_on_reject: bool = False
    cancel_share: float = Field(default=0.0, ge=0, le=1)
    reroute_share: float = Field(default=0.0, ge=0, le=1)
    expedite_share: float = Field(default=0.0, ge=0, le=1)
    substitution_share: float = Field(default=0.0, ge=0, le=1)
    refund_share: float = Field(default=0.0, ge=0, le=1)


class LifecycleProfile(_Strict):
    """Delays of lifecycle steps shared by all exception types."""

    auto_retry_minutes: float = Field(gt=0)
    max_auto_retries: int = Field(ge=1)
    escalation_minutes: float = Field(gt=0)
    decision_minutes: float = Field(gt=0)
    reopen_minutes: float = Field(gt=0)
    delay_sigma: float = Field(ge=0)


class SimulationParameters(_Strict):
    """The simulated operation: everything ``defaults.yaml`` holds."""

    regions: dict[str, float]
    network: NetworkProfile
    channels: dict[str, ChannelProfile]
    weekday_volume: list[float] = Field(min_length=7, max_length=7)
    hourly_volume: list[float] = Field(min_length=24, max_length=24)
    order_lines: OrderLineProfile
    suppliers: list[str] = Field(min_length=1)
    carriers: dict[str, CarrierProfile]
    ship_from_store_carrier: str
    ship_from_store_carrier_share: float = Field(ge=0, le=1)
    split_shipment_rate: float = Field(ge=0, le=1)
    return_rate: float = Field(ge=0, le=1)
    working_hours: dict[str, tuple[int, int]]
    team_size: dict[str, int]
    durations: dict[str, DurationProfile]
    integration: IntegrationProfile
    exceptions: dict[str, ExceptionProfile]
    lifecycle: LifecycleProfile

    @model_validator(mode="after")
    def _known_names(self) -> SimulationParameters:
        if self.ship_from_store_carrier not in self.carriers:
            raise ValueError(
                f"ship_from_store_carrier {self.ship_from_store_carrier!r} is not in carriers"
            )
        return self

    def hours_of(self, team: str) -> tuple[int, int]:
        """Working hours (UTC start and end hour) of ``team``."""
        return self.working_hours.get(team, self.working_hours["default"])

    def size_of(self, team: str) -> int:
        """Number of people in ``team``."""
        return self.team_size.get(team, self.team_size["default"])


def load_parameters(path: Path | None = None) -> SimulationParameters:
    """Read and validate simulation parameters from ``path`` or the shipped defaults.

    Raises:
        ValueError: naming the file and the key that is wrong.
    """
    if path is None:
        text = resources.files("orderlens.simulator").joinpath("defaults.yaml").read_text()
        origin = "defaults.yaml"
    else:
        text = Path(path).read_text()
        origin = str(path)
    try:
        return SimulationParameters.model_validate(yaml.safe_load(text) or {})
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        location = f"{origin}: {where}" if where else origin
        raise ValueError(f"{location}: {problem['msg']}") from error
