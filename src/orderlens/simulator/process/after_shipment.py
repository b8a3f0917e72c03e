"""After shipment: the invoice posted to the ERP, returns received and inspected, and
refunds approved and issued (with their disputes)."""

from __future__ import annotations

import numpy as np

from orderlens.contract import MessageStatus, Milestone
from orderlens.simulator.integration import prepare_messages, send_messages
from orderlens.simulator.lifecycle import draw_exceptions, run_exceptions
from orderlens.simulator.process.base import (
    HUMAN,
    SYSTEM,
    ProcessBase,
)


class AfterShipment(ProcessBase):
    """Invoicing, returns and refunds, posted to the ERP."""

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
