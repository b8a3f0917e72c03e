"""What every stage of the simulated order process shares.

The orders of a chunk (:class:`Orders`: channel, fulfillment method, node, lines,
carrier, and each order's clock) and the small tools the stages use to write a step,
cancel an order or draw an exception and run its lifecycle. The stages are mixins of
:class:`ProcessBase`, one module each; :class:`orderlens.simulator.process.OrderProcess`
puts them together in causal order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orderlens.contract import Milestone, ResourceType, SourceSystem
from orderlens.simulator.config import FulfillmentMethod
from orderlens.simulator.context import ChunkContext
from orderlens.simulator.lifecycle import ExceptionOutcome, draw_exceptions, run_exceptions

METHODS: tuple[FulfillmentMethod, ...] = tuple(FulfillmentMethod)
DC_SHIP, SHIP_FROM_STORE, STORE_PICKUP, THIRD_PARTY = (METHODS.index(m) for m in METHODS)

SYSTEM = ResourceType.SYSTEM.value
HUMAN = ResourceType.HUMAN.value
BOT = ResourceType.BOT.value


@dataclass
class Orders:
    """Order-level state of a chunk (one entry per order, by local index)."""

    created_at: np.ndarray
    method: np.ndarray
    customer_region: np.ndarray
    node: np.ndarray
    lines: np.ndarray
    line_start: np.ndarray
    line_supplier: np.ndarray
    line_value: np.ndarray
    value: np.ndarray
    carrier: np.ndarray
    alive: np.ndarray
    clock: np.ndarray


class ProcessBase:
    """The orders of one chunk and the tools every stage uses to write their events into
    a :class:`ChunkContext`."""

    def __init__(self, context: ChunkContext, created_at: np.ndarray, channel_index: np.ndarray):
        """Prepare the orders of a chunk: channel, fulfillment method, node, lines, carrier.

        Args:
            context: The chunk being generated.
            created_at: Creation time of every order (UNIX seconds, ascending).
            channel_index: Channel of every order, by index into the context's names.
        """
        self.c = context
        self.size = len(created_at)
        self.index = np.arange(self.size)
        self.strings = context.strings
        params = context.parameters
        self.team_hours_warehouse = "Warehouse Operations"
        self.node_region = self.strings.codes(
            [context.network.node_regions[i] for i in range(len(context.network.node_ids))]
        )
        self.pickers = np.array(
            [
                self.strings.codes([f"{node}.picker-{k:02d}" for k in range(1, 13)])
                for node in context.network.node_ids
            ]
        )
        self.carrier_names = tuple(params.carriers)
        network = context.network
        self.node_region_index = np.array([network.regions.index(r) for r in network.node_regions])
        self.orders = self._create_orders(created_at, channel_index)
        self.backorder_order = np.zeros(0, dtype=np.int64)
        self.backorder_ready = np.zeros(0)

    def _create_orders(self, created_at: np.ndarray, channel_index: np.ndarray) -> Orders:
        c, rng, n = self.c, self.c.rng, self.size
        params, network = c.parameters, c.network
        method = np.zeros(n, dtype=np.int8)
        for number, name in enumerate(c.channel_names):
            mask = channel_index == number
            mix = params.channels[name].fulfillment
            weights = np.array([mix.get(m, 0.0) for m in METHODS])
            method[mask] = rng.choice(len(METHODS), int(mask.sum()), p=weights / weights.sum())
        region = rng.choice(len(network.regions), n, p=network.region_weights)
        store = network.stores_of_region[
            region, rng.integers(0, network.stores_of_region.shape[1], n)
        ]
        node = np.select(
            [method == DC_SHIP, method == THIRD_PARTY],
            [network.dc_of_region[region], network.third_party_of_region[region]],
            store,
        ).astype(np.int32)
        line_profile = params.order_lines
        lines = 1 + np.minimum(
            rng.poisson(line_profile.extra_lines_mean, n), line_profile.max_lines - 1
        )
        line_start = np.cumsum(lines) - lines
        total_lines = int(lines.sum())
        line_supplier = rng.integers(0, len(params.suppliers), total_lines)
        line_value = np.round(
            c.lognormal(line_profile.line_value_median, line_profile.line_value_sigma, total_lines),
            2,
        )
        value = np.round(np.add.reduceat(line_value, line_start) if n else np.zeros(0), 2)
        shares = np.array([params.carriers[name].share for name in self.carrier_names])
        carrier = rng.choice(len(self.carrier_names), n, p=shares / shares.sum()).astype(np.int32)
        local = (method == SHIP_FROM_STORE) & c.chance(params.ship_from_store_carrier_share, n)
        carrier[local] = self.carrier_names.index(params.ship_from_store_carrier)
        return Orders(
            created_at=created_at,
            method=method,
            customer_region=region,
            node=node,
            lines=lines,
            line_start=line_start,
            line_supplier=line_supplier,
            line_value=line_value,
            value=value,
            carrier=carrier,
            alive=np.ones(n, dtype=bool),
            clock=created_at.copy(),
        )

    def place(self, order: np.ndarray) -> dict[str, np.ndarray]:
        """Event columns locating an order at its current node."""
        node = self.orders.node[order]
        return {"node": self.c.node_codes[node], "region": self.node_region[node]}

    def cancel(self, order: np.ndarray, at: np.ndarray, exception: np.ndarray) -> None:
        """Cancel orders because of exceptions (the event carries the exception id)."""
        self.c.workflow.add(
            order,
            at,
            activity=Milestone.ORDER_CANCELLED.value,
            source_system=SourceSystem.OMS.value,
            resource="order-management",
            resource_type=SYSTEM,
            channel=self.c.channel[order],
            exception=exception,
            amount=self.orders.value[order],
            **self.place(order),
        )
        self.orders.alive[order] = False

    def step(
        self,
        order: np.ndarray,
        at: np.ndarray,
        activity: str,
        system: str,
        resource: str | np.ndarray,
        resource_type: str,
        **columns: np.ndarray | str | int | float,
    ) -> None:
        """Add one happy-path step for ``order`` at the order's current node."""
        self._add(order, at, activity, system, resource, resource_type, self.place(order) | columns)

    def alive(self) -> np.ndarray:
        """Local indices of orders not cancelled."""
        return self.index[self.orders.alive]

    def handle(
        self,
        exception_type: str,
        order: np.ndarray,
        at: np.ndarray,
        *,
        dimensions: dict[str, np.ndarray | str],
        rate: float | np.ndarray | None = None,
        **where: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, ExceptionOutcome]:
        """Draw exceptions of ``exception_type`` for ``order`` and run their lifecycle.

        Returns:
            The mask of orders hit, the time each order can continue (unchanged where not
            hit), and the lifecycle outcome of the hit ones.
        """
        hit, cause = draw_exceptions(
            self.c, exception_type, at=at, dimensions=dimensions, rate=rate
        )
        outcome = run_exceptions(
            self.c,
            exception_type,
            order=order[hit],
            detected_at=at[hit] + 1.0,
            cause=cause[hit],
            **{name: value[hit] for name, value in where.items()},
        )
        after = at.copy()
        after[hit] = outcome.resolved_at + 1.0
        return hit, after, outcome

    def _add(
        self,
        order: np.ndarray,
        at: np.ndarray,
        activity: str,
        system: str,
        resource: str | np.ndarray,
        resource_type: str,
        where: dict[str, np.ndarray],
        **more: np.ndarray | int | float,
    ) -> None:
        """Add one step for ``order`` at an explicit place (``where``: node, region), for
        stages whose step happens somewhere other than the order's current node."""
        self.c.workflow.add(
            order,
            at,
            activity=activity,
            source_system=system,
            resource=resource,
            resource_type=resource_type,
            channel=self.c.channel[order],
            **where,
            **more,
        )
