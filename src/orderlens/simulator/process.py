"""The omnichannel order process, generated step by step for a whole chunk of orders.

One function per stage of the order's life (capture, payment, screening, sourcing and
reservation, release, pick-pack-ship or store pickup, carrier transit, invoicing,
returns and refunds). Each stage works on arrays over the orders (or shipments) still
alive, draws its exceptions, lets them run their lifecycle, applies their effects
(delay, reroute, expedite, cancellation, refund) and sends the middleware messages that
carry the handoff. Every step is strictly later than the step it follows (at least one
second), so the written order of events inside a case is a causally possible one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from orderlens.contract import MessageStatus, Milestone, ResourceType, SourceSystem
from orderlens.simulator.config import FulfillmentMethod
from orderlens.simulator.context import ChunkContext
from orderlens.simulator.events import NONE
from orderlens.simulator.integration import prepare_messages, send_messages
from orderlens.simulator.lifecycle import ExceptionOutcome, draw_exceptions, run_exceptions
from orderlens.simulator.network import NODE_KIND_DC, NODE_KIND_STORE

METHODS: tuple[FulfillmentMethod, ...] = tuple(FulfillmentMethod)
_DC_SHIP, _SHIP_FROM_STORE, _STORE_PICKUP, _THIRD_PARTY = (METHODS.index(m) for m in METHODS)

_ORDER_SOURCE = {
    "web": ("COMMERCE", "web-storefront", ResourceType.SYSTEM, "COMMERCE->OMS:create_order"),
    "app": ("COMMERCE", "mobile-app", ResourceType.SYSTEM, "COMMERCE->OMS:create_order"),
    "marketplace": (
        "MIDDLEWARE",
        "marketplace-connector",
        ResourceType.SYSTEM,
        "MIDDLEWARE->OMS:marketplace_import",
    ),
    "store": ("POS", "store-associate", ResourceType.HUMAN, "POS->OMS:create_order"),
    "call_center": ("CRM", "call-center-agent", ResourceType.HUMAN, "CRM->OMS:create_order"),
}
"""Per channel: system writing the order, who captures it, and the interface it uses."""

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


class OrderProcess:
    """Generates the events of one chunk of orders into a :class:`ChunkContext`."""

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

    # ----------------------------------------------------------------- set-up
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
            [method == _DC_SHIP, method == _THIRD_PARTY],
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
        local = (method == _SHIP_FROM_STORE) & c.chance(params.ship_from_store_carrier_share, n)
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

    # ------------------------------------------------------------ small tools
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
        located = self.place(order) | columns
        self.c.workflow.add(
            order,
            at,
            activity=activity,
            source_system=system,
            resource=resource,
            resource_type=resource_type,
            channel=self.c.channel[order],
            **located,
        )

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

    # ----------------------------------------------------------------- stages
    def run(self) -> None:
        """Generate every stage for the chunk, in causal order."""
        self.capture()
        self.authorize_payment()
        self.screen_fraud()
        self.validate_address()
        self.reserve_inventory()
        self.release()
        shipments = self.fulfil()
        self.invoice(shipments)
        self.returns(shipments)

    def capture(self) -> None:
        """Order Created in the channel and its handoff to the OMS."""
        c, o = self.c, self.orders
        region_names = c.network.regions
        attributes = np.zeros(
            (len(METHODS), c.parameters.order_lines.max_lines + 1, len(region_names)),
            dtype=np.int32,
        )
        for m, method in enumerate(METHODS):
            for lines in range(1, c.parameters.order_lines.max_lines + 1):
                for r, region in enumerate(region_names):
                    attributes[m, lines, r] = self.strings.code(
                        json.dumps(
                            {
                                "fulfillment_method": method.value,
                                "lines": lines,
                                "customer_region": region,
                            },
                            separators=(",", ":"),
                        )
                    )
        for number, name in enumerate(c.channel_names):
            order = self.index[c.channel_index == number]
            if len(order) == 0:
                continue
            system, resource, resource_type, interface = _ORDER_SOURCE[name]
            at = o.created_at[order]
            c.workflow.add(
                order,
                at,
                activity=Milestone.ORDER_CREATED.value,
                source_system=system,
                resource=resource,
                resource_type=resource_type.value,
                channel=c.channel[order],
                region=self.strings.codes(region_names)[o.customer_region[order]],
                amount=o.value[order],
                attributes=attributes[o.method[order], o.lines[order], o.customer_region[order]],
            )
            sent = at + 1.0 + c.rng.uniform(0.0, 5.0, len(order))
            if name == "marketplace":
                o.clock[order] = self._marketplace_import(order, sent, interface)
            else:
                o.clock[order] = send_messages(c, interface, order=order, at=sent)

    def _marketplace_import(
        self, order: np.ndarray, sent: np.ndarray, interface: str
    ) -> np.ndarray:
        c = self.c
        hit, cause = draw_exceptions(
            c, "marketplace_payload_incomplete", at=sent, dimensions={"channel": c.channel[order]}
        )
        batch = prepare_messages(
            c,
            interface,
            order=order,
            at=sent,
            forced=hit,
            forced_status=MessageStatus.CLIENT_ERROR,
            forced_error="HTTP 422 payload incomplete: tax or shipping attributes missing",
        )
        outcome = run_exceptions(
            c,
            "marketplace_payload_incomplete",
            order=order[hit],
            detected_at=batch.failed_until[hit] + 1.0,
            cause=cause[hit],
            region=self.strings.codes(c.network.regions)[self.orders.customer_region[order[hit]]],
        )
        recover = np.zeros(len(order))
        recover[hit] = outcome.resolved_at + 30.0
        return batch.deliver(recover_at=recover) + 1.0

    def authorize_payment(self) -> None:
        """Authorization through the payment gateway; declines become payment holds."""
        c, o = self.c, self.orders
        order = self.alive()
        sent = o.clock[order] + 1.0 + c.lognormal(5.0, 0.5, len(order))
        hit, cause = draw_exceptions(
            c, "payment_hold", at=sent, dimensions={"channel": c.channel[order]}
        )
        batch = prepare_messages(
            c,
            "OMS->PAYMENT:authorize",
            order=order,
            at=sent,
            forced=hit,
            forced_status=MessageStatus.CLIENT_ERROR,
            forced_error="HTTP 402 authorization declined",
            forced_dead_letter=False,
        )
        held = order[hit]
        outcome = run_exceptions(
            c,
            "payment_hold",
            order=held,
            detected_at=batch.failed_until[hit] + 1.0,
            cause=cause[hit],
            payment=np.ones(len(held), dtype=np.int32),
        )
        profile = c.parameters.exceptions["payment_hold"]
        cancelled = outcome.rejected & profile.cancel_on_reject
        recover = np.zeros(len(order))
        recover[hit] = outcome.resolved_at + 5.0
        abandoned = np.zeros(len(order), dtype=bool)
        abandoned[np.flatnonzero(hit)[cancelled]] = True
        authorized = batch.deliver(recover_at=recover, abandoned=abandoned) + 1.0
        self.cancel(
            held[cancelled], outcome.resolved_at[cancelled] + 60.0, outcome.index[cancelled]
        )
        keep = o.alive[order]
        order, authorized = order[keep], authorized[keep]
        self.step(
            order,
            authorized,
            Milestone.PAYMENT_AUTHORIZED.value,
            SourceSystem.PAYMENT.value,
            "payment-gateway",
            SYSTEM,
            payment=1,
            amount=o.value[order],
        )
        o.clock[order] = authorized

    def _screen(self, exception_type: str, order: np.ndarray, **where: np.ndarray) -> None:
        """A screening exception that may cancel the order or holds it until resolved."""
        c, o = self.c, self.orders
        at = o.clock[order] + 1.0 + c.lognormal(20.0, 0.5, len(order))
        hit, after, outcome = self.handle(
            exception_type, order, at, dimensions={"channel": c.channel[order]}, **where
        )
        profile = c.parameters.exceptions[exception_type]
        cancelled = (outcome.rejected & profile.cancel_on_reject) | (
            ~outcome.is_auto & c.chance(profile.cancel_share, len(outcome.index))
        )
        held = order[hit]
        self.cancel(
            held[cancelled], outcome.resolved_at[cancelled] + 60.0, outcome.index[cancelled]
        )
        o.clock[order] = np.maximum(o.clock[order], np.where(hit, after, o.clock[order]))

    def screen_fraud(self) -> None:
        """Fraud screening: flagged orders wait for an analyst, rejected ones are cancelled."""
        self._screen("fraud_review", self.alive())

    def validate_address(self) -> None:
        """Address validation of orders shipped to the customer."""
        order = self.alive()
        order = order[self.orders.method[order] != _STORE_PICKUP]
        self._screen("address_validation_failure", order)

    def reserve_inventory(self) -> None:
        """Sourcing: reserve stock at the node; delays, backorder risk and splits."""
        c, o, network = self.c, self.orders, self.c.network
        order = self.alive()
        at = o.clock[order] + 1.0 + c.delay("reservation", len(order))
        at_store = network.node_kinds[o.node[order]] == NODE_KIND_STORE
        arrived = np.zeros(len(order))
        for interface, mask in (("OMS->POS:reserve", at_store), ("OMS->WMS:reserve", ~at_store)):
            part = order[mask]
            hit, cause = draw_exceptions(
                c, "reservation_delay", at=at[mask], dimensions=self._dims(part)
            )
            batch = prepare_messages(
                c,
                interface,
                order=part,
                at=at[mask],
                forced=hit,
                forced_status=MessageStatus.TIMEOUT,
                forced_dead_letter=False,
            )
            outcome = run_exceptions(
                c,
                "reservation_delay",
                order=part[hit],
                detected_at=batch.failed_until[hit] + 1.0,
                cause=cause[hit],
                **self.place(part[hit]),
            )
            recover = np.zeros(len(part))
            recover[hit] = outcome.resolved_at + 5.0
            arrived[mask] = batch.deliver(recover_at=recover) + 1.0
        self.step(
            order, arrived, "Inventory Reserved", SourceSystem.OMS.value, "sourcing-engine", BOT
        )
        o.clock[order] = arrived
        self._backorder_risk(order)

    def _dims(self, order: np.ndarray) -> dict[str, np.ndarray | str]:
        o = self.orders
        return {
            "channel": self.c.channel[order],
            "node_id": self.c.node_codes[o.node[order]],
            "carrier": self.c.carrier_codes[o.carrier[order]],
        }

    def _backorder_risk(self, order: np.ndarray) -> None:
        """Split-order backorder risk on multi-line orders, driven by line suppliers."""
        c, o = self.c, self.orders
        order = order[o.lines[order] > 1]
        count = len(order)
        focus = o.line_start[order] + c.rng.integers(0, o.lines[order])
        for cause in c.scenario.causes_for("split_order_backorder"):
            if cause.dimension != "supplier":
                continue
            codes = c.strings.codes(cause.values)
            supplier_codes = c.supplier_codes[o.line_supplier]
            line_order = np.repeat(np.arange(self.size), o.lines)
            matching = np.flatnonzero(np.isin(supplier_codes, codes))
            owners, first = np.unique(line_order[matching], return_index=True)
            first_line = np.full(self.size, NONE, dtype=np.int64)
            first_line[owners] = matching[first]
            chosen = first_line[order]
            focus = np.where(chosen >= 0, chosen, focus)
        supplier = c.supplier_codes[o.line_supplier[focus]]
        at = o.clock[order] + 1.0 + c.lognormal(60.0, 0.5, count)
        line_number = focus - o.line_start[order] + 1
        hit, after, outcome = self.handle(
            "split_order_backorder",
            order,
            at,
            dimensions={"supplier": supplier, "channel": c.channel[order]},
            supplier=supplier,
            line=line_number,
            **self.place(order),
        )
        profile = c.parameters.exceptions["split_order_backorder"]
        held, held_focus = order[hit], focus[hit]
        cancelled = ~outcome.rejected & ~outcome.is_auto & c.chance(profile.cancel_share, len(held))
        self.cancel(
            held[cancelled], outcome.resolved_at[cancelled] + 60.0, outcome.index[cancelled]
        )
        line_cut = outcome.rejected
        self.step(
            held[line_cut],
            outcome.resolved_at[line_cut] + 30.0,
            "Order Line Cancelled",
            SourceSystem.OMS.value,
            "order-management",
            SYSTEM,
            exception=outcome.index[line_cut],
            line=line_number[hit][line_cut],
            supplier=supplier[hit][line_cut],
            amount=o.line_value[held_focus[line_cut]],
        )
        o.value[held[line_cut]] = np.round(
            o.value[held[line_cut]] - o.line_value[held_focus[line_cut]], 2
        )
        backordered = ~line_cut & ~cancelled
        self.backorder_order = held[backordered]
        self.backorder_ready = outcome.resolved_at[backordered] + c.delay(
            "backorder_wait", int(backordered.sum())
        )
        o.clock[order] = np.where(hit, np.minimum(after, o.clock[order] + 3600.0), o.clock[order])

    def release(self) -> None:
        """Release to the node (WMS for DCs and 3PLs, store system for stores)."""
        c, o = self.c, self.orders
        order = self.alive()
        at = o.clock[order] + 1.0 + c.delay("release", len(order))
        self.step(
            order,
            at,
            Milestone.ORDER_RELEASED.value,
            SourceSystem.OMS.value,
            "order-management",
            SYSTEM,
        )
        at_store = c.network.node_kinds[o.node[order]] == NODE_KIND_STORE
        arrived = np.zeros(len(order))
        for interface, mask in (("OMS->POS:release", at_store), ("OMS->WMS:release", ~at_store)):
            arrived[mask] = send_messages(c, interface, order=order[mask], at=at[mask] + 1.0)
        o.clock[order] = arrived + 1.0
        self._inventory_mismatch(order)

    def _reroute(self, order: np.ndarray, at: np.ndarray, exception: np.ndarray) -> np.ndarray:
        """Reroute orders to their region's DC (or 3PL if already at the DC)."""
        c, o, network = self.c, self.orders, self.c.network
        region = self.node_region_index[o.node[order]]
        dc = network.dc_of_region[region]
        target = np.where(o.node[order] == dc, network.third_party_of_region[region], dc)
        o.node[order] = target
        o.method[order] = np.where(o.method[order] == _STORE_PICKUP, _DC_SHIP, o.method[order])
        self.step(
            order,
            at,
            Milestone.ORDER_REROUTED.value,
            SourceSystem.OMS.value,
            "sourcing-engine",
            BOT,
            exception=exception,
        )
        arrived = send_messages(c, "OMS->WMS:release", order=order, at=at + 1.0, instance=2)
        return arrived + c.delay("reroute_extra", len(order))

    def _inventory_mismatch(self, order: np.ndarray) -> None:
        """Stock the node cannot find: recount, reroute or cancel."""
        c, o, network = self.c, self.orders, self.c.network
        profile = c.parameters.exceptions["inventory_mismatch"]
        at_store = network.node_kinds[o.node[order]] == NODE_KIND_STORE
        rate = np.where(at_store, profile.store_rate or profile.rate, profile.rate)
        at = c.working_time(o.clock[order] + 60.0, self.team_hours_warehouse)
        hit, cause = draw_exceptions(
            c, "inventory_mismatch", at=at, dimensions=self._dims(order), rate=rate
        )
        held = order[hit]
        outcome = run_exceptions(
            c,
            "inventory_mismatch",
            order=held,
            detected_at=at[hit] + 1.0,
            cause=cause[hit],
            **self.place(held),
        )
        share = np.full(len(held), profile.reroute_share)
        for number, entry in enumerate(c.scenario.causes):
            if entry.exception_type == "inventory_mismatch" and entry.reroute_share is not None:
                share[cause[hit] == number] = entry.reroute_share
        rerouted = c.chance(share, len(held))
        cancelled = ~rerouted & c.chance(profile.cancel_share, len(held))
        self.cancel(
            held[cancelled], outcome.resolved_at[cancelled] + 60.0, outcome.index[cancelled]
        )
        continue_at = outcome.resolved_at + 1.0
        moved = held[rerouted]
        continue_at[rerouted] = self._reroute(
            moved, outcome.resolved_at[rerouted] + 60.0, outcome.index[rerouted]
        )
        o.clock[held] = continue_at

    # ------------------------------------------------------------- fulfilment
    def fulfil(self) -> dict[str, np.ndarray]:
        """Pick, pack and hand over every shipment; returns the shipment table."""
        c, o, network = self.c, self.orders, self.c.network
        order = self.alive()
        multi = (
            (o.lines[order] > 1)
            & (o.method[order] != _STORE_PICKUP)
            & (o.method[order] != _SHIP_FROM_STORE)
        )
        split = order[multi & c.chance(c.parameters.split_shipment_rate, len(order))]
        backorder_alive = o.alive[self.backorder_order]
        back = self.backorder_order[backorder_alive]
        ship_order = np.concatenate([order, split, back])
        ship_number = np.concatenate(
            [
                np.ones(len(order), np.int32),
                np.full(len(split), 2, np.int32),
                np.full(len(back), 3, np.int32),
            ]
        )
        region = self.node_region_index[o.node[split]]
        split_node = np.where(
            network.node_kinds[o.node[split]] == NODE_KIND_DC,
            network.third_party_of_region[region],
            network.dc_of_region[region],
        )
        node = np.concatenate([o.node[order], split_node, o.node[back]]).astype(np.int32)
        ready = np.concatenate(
            [
                o.clock[order],
                o.clock[split],
                np.maximum(self.backorder_ready[backorder_alive], o.clock[back]),
            ]
        )
        pickup = (o.method[ship_order] == _STORE_PICKUP) & (ship_number == 1)
        picked = self._pick(ship_order, ship_number, node, ready)
        packed = c.working_time(
            picked + 1.0 + c.delay("pack", len(ship_order)), self.team_hours_warehouse
        )
        where = {
            "node": c.node_codes[node],
            "region": self.node_region[node],
            "shipment": ship_number,
        }
        self._add(
            ship_order,
            packed,
            "Pack Completed",
            "WMS",
            self.pickers[node, c.rng.integers(0, 12, len(node))],
            HUMAN,
            where,
        )
        handed = np.full(len(ship_order), np.nan)
        handed[pickup] = self._pickup(
            ship_order[pickup], packed[pickup], {k: v[pickup] for k, v in where.items()}
        )
        shipped = ~pickup
        dispatched, delivered = self._ship(
            ship_order[shipped], ship_number[shipped], node[shipped], packed[shipped]
        )
        handed[shipped] = dispatched
        first = self._first_handover(ship_order, handed)
        self._capture_payment(ship_order[first], handed[first])
        completed = np.full(len(ship_order), np.nan)
        completed[shipped] = delivered
        completed[pickup] = handed[pickup]
        return {
            "order": ship_order,
            "number": ship_number,
            "node": node,
            "handed": handed,
            "completed": completed,
        }

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

    def _pick(
        self, order: np.ndarray, number: np.ndarray, node: np.ndarray, ready: np.ndarray
    ) -> np.ndarray:
        """Pick each shipment; pick failures repick, reroute or ask for a substitution."""
        c, o, network = self.c, self.orders, self.c.network
        count = len(order)
        at_store = network.node_kinds[node] == NODE_KIND_STORE
        duration = np.where(at_store, c.delay("store_pick", count), c.delay("dc_pick", count))
        start = c.working_time(ready + 1.0, self.team_hours_warehouse)
        picked = c.working_time(start + duration, self.team_hours_warehouse)
        where = {"node": c.node_codes[node], "region": self.node_region[node], "shipment": number}
        line = 1 + c.rng.integers(0, o.lines[order])
        supplier = c.supplier_codes[o.line_supplier[o.line_start[order] + line - 1]]
        hit, cause = draw_exceptions(
            c,
            "pick_failure",
            at=picked,
            dimensions={"node_id": where["node"], "channel": c.channel[order]},
        )
        profile = c.parameters.exceptions["pick_failure"]
        outcome = run_exceptions(
            c,
            "pick_failure",
            order=order[hit],
            detected_at=picked[hit],
            cause=cause[hit],
            line=line[hit],
            supplier=supplier[hit],
            **{k: v[hit] for k, v in where.items()},
        )
        choice = c.rng.random(len(outcome.index))
        rerouted = choice < profile.reroute_share
        substituted = ~rerouted & (choice < profile.reroute_share + profile.substitution_share)
        after = outcome.resolved_at + 1.0 + c.delay("store_pick", len(outcome.index))
        held = np.flatnonzero(hit)
        moved = held[rerouted]
        if len(moved):
            region = self.node_region_index[node[moved]]
            target = np.where(
                node[moved] == network.dc_of_region[region],
                network.third_party_of_region[region],
                network.dc_of_region[region],
            )
            self._add(
                order[moved],
                outcome.resolved_at[rerouted] + 30.0,
                Milestone.ORDER_REROUTED.value,
                "OMS",
                "sourcing-engine",
                BOT,
                {
                    "node": c.node_codes[target],
                    "region": self.node_region[target],
                    "shipment": number[moved],
                },
                exception=outcome.index[rerouted],
            )
            node[moved] = target
            where["node"][moved] = c.node_codes[target]
            where["region"][moved] = self.node_region[target]
            after[rerouted] += c.delay("reroute_extra", len(moved))
        picked[held] = c.working_time(after, self.team_hours_warehouse)
        substitution = np.zeros(count, dtype=bool)
        substitution[held[substituted]] = True
        natural, _ = draw_exceptions(
            c, "substitution_approval", at=picked, dimensions={"channel": c.channel[order]}
        )
        substitution |= natural & (number == 1)
        picked = self._substitute(order, picked, substitution, line, supplier, where)
        self._add(
            order,
            picked,
            "Pick Completed",
            "WMS",
            self.pickers[node, c.rng.integers(0, 12, count)],
            HUMAN,
            where,
        )
        return picked

    def _substitute(
        self,
        order: np.ndarray,
        picked: np.ndarray,
        mask: np.ndarray,
        line: np.ndarray,
        supplier: np.ndarray,
        where: dict[str, np.ndarray],
    ) -> np.ndarray:
        """Substitution approvals; a rejected substitute cancels the line."""
        c, o = self.c, self.orders
        held = np.flatnonzero(mask)
        outcome = run_exceptions(
            c,
            "substitution_approval",
            order=order[held],
            detected_at=picked[held] + 1.0,
            line=line[held],
            supplier=supplier[held],
            **{k: v[held] for k, v in where.items()},
        )
        cut = held[outcome.rejected]
        line_index = o.line_start[order[cut]] + line[cut] - 1
        self._add(
            order[cut],
            outcome.resolved_at[outcome.rejected] + 30.0,
            "Order Line Cancelled",
            "OMS",
            "order-management",
            SYSTEM,
            {k: v[cut] for k, v in where.items()},
            exception=outcome.index[outcome.rejected],
            line=line[cut],
            amount=o.line_value[line_index],
        )
        np.subtract.at(o.value, order[cut], o.line_value[line_index])
        picked = picked.copy()
        picked[held] = np.maximum(picked[held], outcome.resolved_at + 60.0)
        return picked

    def _pickup(
        self, order: np.ndarray, packed: np.ndarray, where: dict[str, np.ndarray]
    ) -> np.ndarray:
        """Store pickup: ready, customer notified, collected; payment captured at pickup."""
        c = self.c
        ready = packed + 1.0 + c.rng.uniform(60.0, 600.0, len(order))
        self._add(
            order,
            ready,
            Milestone.READY_FOR_PICKUP.value,
            "POS",
            "store-fulfilment-app",
            SYSTEM,
            where,
        )
        send_messages(c, "OMS->CRM:notify_pickup_ready", order=order, at=ready + 1.0)
        collected = c.working_time(ready + c.delay("customer_pickup", len(order)), "Store")
        self._add(
            order, collected, Milestone.PICKED_UP.value, "POS", "store-associate", HUMAN, where
        )
        return collected

    def _capture_payment(self, order: np.ndarray, at: np.ndarray) -> None:
        c, o = self.c, self.orders
        captured = send_messages(c, "OMS->PAYMENT:capture", order=order, at=at + 1.0) + 1.0
        self.step(
            order,
            captured,
            Milestone.PAYMENT_CAPTURED.value,
            "PAYMENT",
            "payment-gateway",
            SYSTEM,
            payment=1,
            amount=o.value[order],
        )

    def _ship(
        self, order: np.ndarray, number: np.ndarray, node: np.ndarray, packed: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Carrier handover, shipment confirmation, transit scans and delivery."""
        c, o = self.c, self.orders
        count = len(order)
        carrier = o.carrier[order]
        carrier_code = c.carrier_codes[carrier]
        where = {
            "node": c.node_codes[node],
            "region": self.node_region[node],
            "shipment": number,
            "carrier": carrier_code,
        }
        send_messages(c, "WMS->TMS:ship_request", order=order, at=packed + 1.0, instance=number)
        dispatched = packed + 1.0 + c.delay("carrier_pickup", count)
        self._add(
            order,
            dispatched,
            Milestone.SHIPMENT_DISPATCHED.value,
            "TMS",
            "transport-planning",
            SYSTEM,
            where,
        )
        duplicate, dup_cause = draw_exceptions(
            c,
            "duplicate_shipment_confirmation",
            at=dispatched,
            dimensions={"carrier": carrier_code},
        )
        confirm = prepare_messages(
            c,
            "TMS->OMS:ship_confirm",
            order=order,
            at=dispatched + 1.0,
            instance=number,
            duplicate=duplicate,
        )
        confirm.deliver()
        run_exceptions(
            c,
            "duplicate_shipment_confirmation",
            order=order[duplicate],
            detected_at=confirm.duplicated_at[duplicate] + 1.0,
            cause=dup_cause[duplicate],
            **{k: v[duplicate] for k, v in where.items()},
        )

        scanned = dispatched + 1.0 + c.delay("first_scan", count)
        failure, timeout_share = self._tracking_failures(carrier_code, scanned)
        self._add(order, scanned, "In Transit", "TMS", carrier_code, SYSTEM, where)
        send_messages(
            c,
            "TMS->OMS:tracking_update",
            order=order,
            at=scanned + 1.0,
            instance=number * 10 + 1,
            failure_rate=failure,
            timeout_share=timeout_share,
        )
        transit = (
            np.array(
                [c.parameters.carriers[name].transit_hours_median for name in self.carrier_names]
            )[carrier]
            * 3600.0
        )
        sigma = np.array(
            [c.parameters.carriers[name].transit_sigma for name in self.carrier_names]
        )[carrier]
        delivered = dispatched + transit * np.exp(sigma * c.rng.standard_normal(count))
        delivered = np.maximum(delivered, scanned + 600.0)
        expected = dispatched + transit
        delayed, cause = draw_exceptions(
            c, "carrier_delay", at=scanned, dimensions={"carrier": carrier_code}
        )
        profile = c.parameters.exceptions["carrier_delay"]
        detected = np.maximum(expected, scanned + 60.0)
        forced = delayed & (cause >= 0)
        outage = prepare_messages(
            c,
            "TMS->OMS:tracking_update",
            order=order[forced],
            at=detected[forced] - 1800.0,
            instance=number[forced] * 10 + 2,
            forced=np.ones(int(forced.sum()), dtype=bool),
            forced_status=MessageStatus.TIMEOUT,
        )
        detected[forced] = np.maximum(detected[forced], outage.failed_until + 1.0)
        outcome = run_exceptions(
            c,
            "carrier_delay",
            order=order[delayed],
            detected_at=detected[delayed],
            cause=cause[delayed],
            **{k: v[delayed] for k, v in where.items()},
        )
        expedited = c.chance(profile.expedite_share, len(outcome.index))
        held = np.flatnonzero(delayed)
        self._add(
            order[held[expedited]],
            outcome.resolved_at[expedited] + 30.0,
            Milestone.SHIPMENT_EXPEDITED.value,
            "TMS",
            "transport-planning",
            SYSTEM,
            {k: v[held[expedited]] for k, v in where.items()},
            exception=outcome.index[expedited],
        )
        recovery = np.where(
            expedited,
            c.lognormal(8 * 3600.0, 0.4, len(held)),
            c.lognormal(20 * 3600.0, 0.5, len(held)),
        )
        delivered[held] = outcome.resolved_at + 60.0 + recovery
        outage.deliver(recover_at=delivered[forced] - 600.0)
        self._add(order, delivered, Milestone.DELIVERED.value, "TMS", carrier_code, SYSTEM, where)
        send_messages(
            c,
            "TMS->OMS:tracking_update",
            order=order,
            at=delivered + 1.0,
            instance=number * 10 + 3,
            failure_rate=self._tracking_failures(carrier_code, delivered)[0],
            timeout_share=timeout_share,
        )
        return dispatched, delivered

    def _first_handover(self, order: np.ndarray, handed: np.ndarray) -> np.ndarray:
        """Index of the earliest handover (dispatch or pickup) of every order's shipments."""
        ranking = np.lexsort((handed, order))
        leading = np.r_[True, order[ranking][1:] != order[ranking][:-1]]
        return ranking[leading]

    def _tracking_failures(
        self, carrier_code: np.ndarray, at: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Failure rate and time-out share of tracking updates (carrier API outages)."""
        c = self.c
        spec = c.parameters.integration.interfaces["TMS->OMS:tracking_update"]
        rate = np.full(len(at), spec.failure_rate)
        share = np.full(len(at), spec.timeout_share)
        for cause in c.scenario.causes:
            if cause.interface != "TMS->OMS:tracking_update":
                continue
            inside = c.in_scope(cause, at, {"carrier": carrier_code})
            rate[inside] = cause.interface_failure_rate
            share[inside] = 1.0
        return rate, share

    # ---------------------------------------------------------------- finance
    def _post_to_erp(
        self,
        order: np.ndarray,
        at: np.ndarray,
        interface: str,
        activity: str,
        amount: np.ndarray,
        instance: int,
        **where: np.ndarray,
    ) -> np.ndarray:
        """Post a document to the ERP; dead letters become ERP posting failures."""
        c = self.c
        hit, cause = draw_exceptions(
            c, "erp_posting_failure", at=at, dimensions={"channel": c.channel[order]}
        )
        batch = prepare_messages(
            c,
            interface,
            order=order,
            at=at,
            instance=instance,
            forced=hit,
            forced_status=MessageStatus.SERVER_ERROR,
        )
        outcome = run_exceptions(
            c,
            "erp_posting_failure",
            order=order[hit],
            detected_at=batch.failed_until[hit] + 1.0,
            cause=cause[hit],
            **{k: v[hit] for k, v in where.items()},
        )
        recover = np.zeros(len(order))
        recover[hit] = outcome.resolved_at + 5.0
        posted = batch.deliver(recover_at=recover) + 1.0
        self._add(
            order, posted, activity, "ERP", "erp-posting-service", SYSTEM, where, amount=amount
        )
        return posted

    def invoice(self, shipments: dict[str, np.ndarray]) -> None:
        """Invoice each order in the ERP once its last shipment left (or it was collected)."""
        c, o = self.c, self.orders
        last = np.full(self.size, -np.inf)
        np.maximum.at(last, shipments["order"], shipments["handed"])
        order = self.index[o.alive & np.isfinite(last)]
        at = last[order] + 1.0 + c.delay("invoice_posting", len(order))
        self._post_to_erp(
            order,
            at,
            "OMS->ERP:post_invoice",
            Milestone.INVOICE_POSTED.value,
            o.value[order],
            1,
            **self.place(order),
        )

    def returns(self, shipments: dict[str, np.ndarray]) -> None:
        """Returns of delivered or collected orders: receipt, inspection, refund, credit memo."""
        c, o, network = self.c, self.orders, self.c.network
        done = np.full(self.size, -np.inf)
        np.maximum.at(done, shipments["order"], shipments["completed"])
        eligible = self.index[o.alive & np.isfinite(done)]
        order = eligible[c.chance(c.parameters.return_rate, len(eligible))]
        count = len(order)
        node = network.dc_of_region[o.customer_region[order]]
        where = {
            "node": c.node_codes[node],
            "region": self.node_region[node],
            "return_": np.ones(count, dtype=np.int32),
        }
        requested = done[order] + c.delay("return_request", count)
        self._add(order, requested, "Return Requested", "CRM", "customer-portal", SYSTEM, where)
        received = c.working_time(
            requested + c.delay("return_transit", count), self.team_hours_warehouse
        )
        self._add(
            order,
            received,
            Milestone.RETURN_RECEIVED.value,
            "WMS",
            self.pickers[node, c.rng.integers(0, 12, count)],
            HUMAN,
            where,
        )
        hit, after, _ = self.handle(
            "returns_conflict",
            order,
            received,
            dimensions={"node_id": where["node"], "channel": c.channel[order]},
            **where,
        )
        inspected = c.working_time(
            after + c.delay("return_inspection", count), self.team_hours_warehouse
        )
        self._add(
            order,
            inspected,
            "Return Inspected",
            "WMS",
            self.pickers[node, c.rng.integers(0, 12, count)],
            HUMAN,
            where,
        )
        approval = c.delay("refund_approval", count)
        for cause in c.scenario.causes:
            if cause.step == "refund_approval" and cause.step_median_minutes is not None:
                inside = c.in_scope(cause, inspected, {"activity": "Refund Approved"})
                approval[inside] = c.lognormal(
                    cause.step_median_minutes * 60.0, 0.35, int(inside.sum())
                )
        approved = c.working_time(inspected + approval, "Returns")
        team = c.strings.codes(
            [f"returns.{k:02d}" for k in range(1, c.parameters.size_of("Returns") + 1)]
        )
        self._add(
            order,
            approved,
            "Refund Approved",
            "OMS",
            team[c.rng.integers(0, len(team), count)],
            HUMAN,
            where,
        )
        line = o.line_start[order] + c.rng.integers(0, o.lines[order])
        refund = np.where(o.lines[order] == 1, o.value[order], o.line_value[line])
        refund = np.round(np.minimum(refund, o.value[order]), 2)
        refunded = send_messages(c, "OMS->PAYMENT:refund", order=order, at=approved + 1.0) + 1.0
        self._add(
            order,
            refunded,
            Milestone.REFUND_ISSUED.value,
            "PAYMENT",
            "payment-gateway",
            SYSTEM,
            where,
            payment=1,
            amount=refund,
        )
        self._post_to_erp(
            order,
            refunded + c.delay("credit_memo_posting", count),
            "OMS->ERP:post_credit_memo",
            Milestone.CREDIT_MEMO_POSTED.value,
            refund,
            1,
            **where,
        )
        disputed_at = refunded + c.lognormal(2 * 86400.0, 0.6, count)
        hit, _, outcome = self.handle(
            "refund_dispute",
            order,
            disputed_at,
            dimensions={"activity": "Refund Approved", "channel": c.channel[order]},
            **where,
        )
        profile = c.parameters.exceptions["refund_dispute"]
        paid = ~outcome.rejected & c.chance(profile.refund_share, len(outcome.index))
        held = np.flatnonzero(hit)[paid]
        self._add(
            order[held],
            outcome.resolved_at[paid] + 120.0,
            Milestone.REFUND_ISSUED.value,
            "PAYMENT",
            "payment-gateway",
            SYSTEM,
            {k: v[held] for k, v in where.items()},
            exception=outcome.index[paid],
            payment=1,
            amount=np.round(refund[held] * c.rng.uniform(0.1, 0.5, len(held)), 2),
        )
