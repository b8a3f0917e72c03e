"""Sourcing: inventory is reserved at the order's node (stale counts become inventory
mismatches and reroutes), multi-line orders risk a split backorder from their line
suppliers, and the order is released to the node for fulfilment."""

from __future__ import annotations

import numpy as np

from orderlens.contract import MessageStatus, Milestone, SourceSystem
from orderlens.simulator.events import NONE
from orderlens.simulator.integration import prepare_messages, send_messages
from orderlens.simulator.lifecycle import draw_exceptions, run_exceptions
from orderlens.simulator.network import NODE_KIND_STORE
from orderlens.simulator.process.base import (
    BOT,
    DC_SHIP,
    STORE_PICKUP,
    SYSTEM,
    ProcessBase,
)


class Sourcing(ProcessBase):
    """Inventory reservation, backorder risk, release, reroutes and mismatches."""

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
        o.method[order] = np.where(o.method[order] == STORE_PICKUP, DC_SHIP, o.method[order])
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
