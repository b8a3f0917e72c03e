"""Named scenario presets and the causes they inject.

Each scenario is the baseline operation plus a few injected causes taken from the
retail operations articles the project is built on: a promotion, a late supplier
shipment, a carrier API timing out, stores with stale on-hand counts, incomplete
marketplace payloads, refund approvals by email. A cause names where it acts (a
dimension the workflow events carry, such as ``node_id`` or ``carrier``, and its values),
when (a window), and what it does, so root-cause analysis can be scored against it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from orderlens.simulator.config import SimulationConfig
from orderlens.simulator.network import Network


@dataclass(frozen=True)
class InjectedCause:
    """One cause a scenario injects into the baseline operation.

    The one cause type of orderlens: the simulator injects it, ``ground_truth.json``
    records it (:meth:`describe`), :func:`orderlens.simulator.ground_truth.read_injected_causes`
    reads it back, and the evaluations (spike alerts, root causes) score against it.

    Attributes:
        name: Short identifier, e.g. ``late_supplier_shipment``.
        dimension: Workflow-event column where the cause acts (``channel``, ``node_id``,
            ``carrier``, ``supplier`` or ``activity``).
        values: Values of that column the cause affects.
        start: Window start, UNIX seconds (UTC).
        end: Window end, UNIX seconds (UTC).
        expected_effect: What an analyst should find, in words.
        exception_type: Exception type whose rate the cause multiplies, if any.
        rate_multiplier: Factor on that type's rate inside the scope.
        volume_multiplier: Factor on order arrivals of the scope (promotions).
        interface: Middleware interface that fails inside the scope, if any.
        interface_failure_rate: Failure rate of one attempt of that interface.
        step: Happy-path duration (a key of ``durations``) the cause stretches, if any.
        step_median_minutes: The stretched median of that step.
        reroute_share: Share of the cause's exceptions rerouted to another node
            (overrides the type's own share inside the scope), if set.
    """

    name: str
    dimension: str
    values: tuple[str, ...]
    start: float
    end: float
    expected_effect: str
    exception_type: str | None = None
    rate_multiplier: float = 1.0
    volume_multiplier: float = 1.0
    interface: str | None = None
    interface_failure_rate: float = 0.0
    step: str | None = None
    step_median_minutes: float | None = None
    reroute_share: float | None = None

    @property
    def start_at(self) -> datetime:
        """Window start as an aware UTC datetime."""
        return datetime.fromtimestamp(self.start, UTC)

    @property
    def end_at(self) -> datetime:
        """Window end as an aware UTC datetime."""
        return datetime.fromtimestamp(self.end, UTC)

    def describe(self) -> dict[str, object]:
        """The cause as written to ``ground_truth.json``."""
        return {
            "name": self.name,
            "dimension": self.dimension,
            "values": list(self.values),
            "start": self.start_at.isoformat(),
            "end": self.end_at.isoformat(),
            "exception_type": self.exception_type,
            "rate_multiplier": self.rate_multiplier,
            "volume_multiplier": self.volume_multiplier,
            "interface": self.interface,
            "interface_failure_rate": self.interface_failure_rate,
            "step": self.step,
            "step_median_minutes": self.step_median_minutes,
            "expected_effect": self.expected_effect,
        }


@dataclass(frozen=True)
class Scenario:
    """A named preset: a description and the causes it injects."""

    name: str
    description: str
    causes: tuple[InjectedCause, ...] = field(default_factory=tuple)

    def causes_for(self, exception_type: str) -> list[InjectedCause]:
        """Causes that multiply the rate of ``exception_type``."""
        return [cause for cause in self.causes if cause.exception_type == exception_type]


def _window(config: SimulationConfig, first_day: float, last_day: float) -> tuple[float, float]:
    """A window from fractional day ``first_day`` to ``last_day`` of the run."""
    return (
        config.start_seconds + first_day * 86400.0,
        config.start_seconds + min(last_day, config.days) * 86400.0,
    )


def _baseline(config: SimulationConfig, network: Network) -> Scenario:
    return Scenario("baseline", "The operation on ordinary days, no injected cause.")


def _holiday_peak(config: SimulationConfig, network: Network) -> Scenario:
    days = config.days
    promo = _window(config, 0.40 * days, 0.40 * days + max(2.0, 0.2 * days))
    supplier = _window(config, 0.45 * days, 0.45 * days + max(2.0, 0.2 * days))
    outage_day = int(0.5 * days)
    carrier_outage = _window(config, outage_day + 10 / 24, outage_day + 18 / 24)
    stores = tuple(network.store_ids[index] for index in (2, 11, 20))
    drift = _window(config, 0.35 * days, days)
    return Scenario(
        "holiday-peak",
        "A holiday promotion: web volume peaks, one supplier's shipment arrives late, one "
        "carrier's tracking API times out for eight hours, several stores carry "
        "inaccurate on-hand inventory.",
        (
            InjectedCause(
                "promotion_volume",
                "channel",
                ("web",),
                *promo,
                "web orders per day about 2.5 times the baseline during the promotion",
                volume_multiplier=2.5,
            ),
            InjectedCause(
                "late_supplier_shipment",
                "supplier",
                ("SUP-007",),
                *supplier,
                "split_order_backorder exceptions on orders with SUP-007 lines about 12 "
                "times the baseline rate, with multi-day backorder waits",
                exception_type="split_order_backorder",
                rate_multiplier=12.0,
            ),
            InjectedCause(
                "carrier_api_timeouts",
                "carrier",
                ("SwiftShip",),
                *carrier_outage,
                "TMS->OMS:tracking_update time-outs and dead letters for SwiftShip "
                "shipments, and carrier_delay exceptions about 10 times the baseline rate",
                exception_type="carrier_delay",
                rate_multiplier=10.0,
                interface="TMS->OMS:tracking_update",
                interface_failure_rate=0.65,
            ),
            InjectedCause(
                "inaccurate_store_inventory",
                "node_id",
                stores,
                *drift,
                "inventory_mismatch exceptions at these stores about 8 times the baseline",
                exception_type="inventory_mismatch",
                rate_multiplier=8.0,
            ),
        ),
    )


def _store_inventory_drift(config: SimulationConfig, network: Network) -> Scenario:
    stores = tuple(network.store_ids[index] for index in (1, 5, 14, 27))
    window = _window(config, 0.3 * config.days, config.days)
    return Scenario(
        "store-inventory-drift",
        "Store counts go stale: pickup and ship-from-store orders are routed to stores "
        "that cannot fill them and are reassigned to a distribution centre.",
        (
            InjectedCause(
                "stale_store_counts",
                "node_id",
                stores,
                *window,
                "inventory_mismatch exceptions at these stores about 10 times the baseline, "
                "most orders rerouted to a DC and pickup promises missed",
                exception_type="inventory_mismatch",
                rate_multiplier=10.0,
                reroute_share=0.9,
            ),
        ),
    )


def _marketplace_payloads(config: SimulationConfig, network: Network) -> Scenario:
    window = _window(config, 0.3 * config.days, config.days)
    return Scenario(
        "marketplace-payloads",
        "Marketplace orders arrive without tax or shipping attributes and are held for "
        "manual review before release.",
        (
            InjectedCause(
                "incomplete_marketplace_payloads",
                "channel",
                ("marketplace",),
                *window,
                "marketplace_payload_incomplete exceptions about 6 times the baseline "
                "rate; 4xx rejections on MIDDLEWARE->OMS:marketplace_import; later release",
                exception_type="marketplace_payload_incomplete",
                rate_multiplier=6.0,
            ),
        ),
    )


def _returns_backlog(config: SimulationConfig, network: Network) -> Scenario:
    window = _window(config, 0.2 * config.days, config.days)
    return Scenario(
        "returns-backlog",
        "Refund approvals move to email between customer service, warehouse inspection "
        "and finance: refunds take about seven days and disputes rise.",
        (
            InjectedCause(
                "refund_approval_by_email",
                "activity",
                ("Refund Approved",),
                *window,
                "time from Return Received to Refund Issued rises to about seven days",
                step="refund_approval",
                step_median_minutes=8000.0,
            ),
            InjectedCause(
                "refund_disputes_from_backlog",
                "activity",
                ("Refund Approved",),
                *window,
                "refund_dispute exceptions about 3 times the baseline rate",
                exception_type="refund_dispute",
                rate_multiplier=3.0,
            ),
        ),
    )


_PRESETS: dict[str, Callable[[SimulationConfig, Network], Scenario]] = {
    "baseline": _baseline,
    "holiday-peak": _holiday_peak,
    "store-inventory-drift": _store_inventory_drift,
    "marketplace-payloads": _marketplace_payloads,
    "returns-backlog": _returns_backlog,
}

SCENARIO_NAMES: tuple[str, ...] = tuple(_PRESETS)
"""Names accepted by :func:`build_scenario` and ``orderlens simulate --scenario``."""


def build_scenario(config: SimulationConfig, network: Network) -> Scenario:
    """The scenario ``config.scenario`` with its causes placed in the run's window.

    Raises:
        ValueError: the name is not a known scenario.
    """
    try:
        preset = _PRESETS[config.scenario]
    except KeyError:
        raise ValueError(
            f"unknown scenario {config.scenario!r}; choose one of {', '.join(SCENARIO_NAMES)}"
        ) from None
    return preset(config, network)
