"""Intake and payment: the order is captured in its channel and handed to the OMS
(marketplace payloads may arrive incomplete), its payment is authorized (declines
become payment holds), and it is screened for fraud and its address validated."""

from __future__ import annotations

import json

import numpy as np

from orderlens.contract import MessageStatus, Milestone, ResourceType, SourceSystem
from orderlens.simulator.integration import prepare_messages, send_messages
from orderlens.simulator.lifecycle import draw_exceptions, run_exceptions
from orderlens.simulator.process.base import (
    METHODS,
    STORE_PICKUP,
    SYSTEM,
    ProcessBase,
)

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


class IntakeAndPayment(ProcessBase):
    """Capture, payment authorization, fraud screening and address validation."""

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
        order = order[self.orders.method[order] != STORE_PICKUP]
        self._screen("address_validation_failure", order)
