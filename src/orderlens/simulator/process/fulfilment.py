"""Fulfilment: pick and pack at the node (short picks, substitutions), store pickup or
shipment with the carrier (handover, tracking messages that may time out, transit and
delivery, carrier delays), and the payment captured when the goods leave."""

from __future__ import annotations

import numpy as np

from orderlens.contract import MessageStatus, Milestone
from orderlens.simulator.integration import prepare_messages, send_messages
from orderlens.simulator.lifecycle import draw_exceptions, run_exceptions
from orderlens.simulator.network import NODE_KIND_DC, NODE_KIND_STORE
from orderlens.simulator.process.base import (
    BOT,
    HUMAN,
    SHIP_FROM_STORE,
    STORE_PICKUP,
    SYSTEM,
    ProcessBase,
)


class Fulfilment(ProcessBase):
    """Pick, pack, store pickup, shipment, carrier transit and payment capture."""

    def fulfil(self) -> dict[str, np.ndarray]:
        """Pick, pack and hand over every shipment; returns the shipment table."""
        c, o, network = self.c, self.orders, self.c.network
        order = self.alive()
        multi = (
            (o.lines[order] > 1)
            & (o.method[order] != STORE_PICKUP)
            & (o.method[order] != SHIP_FROM_STORE)
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
        pickup = (o.method[ship_order] == STORE_PICKUP) & (ship_number == 1)
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
