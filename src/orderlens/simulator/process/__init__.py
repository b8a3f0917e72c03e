"""The omnichannel order process, generated step by step for a whole chunk of orders.

One method per stage of the order's life, grouped by module: intake and payment
(:mod:`.intake_payment`: capture, payment, screening), sourcing (:mod:`.sourcing`:
reservation, backorder risk, release), fulfilment (:mod:`.fulfilment`: pick-pack-ship or
store pickup, carrier transit) and after shipment (:mod:`.after_shipment`: invoicing,
returns and refunds), on the shared orders and tools of :mod:`.base`. Each stage works on
arrays over the orders (or shipments) still alive, draws its exceptions, lets them run
their lifecycle, applies their effects (delay, reroute, expedite, cancellation, refund)
and sends the middleware messages that carry the handoff. Every step is strictly later
than the step it follows (at least one second), so the written order of events inside a
case is a causally possible one.
"""

from __future__ import annotations

from orderlens.simulator.process.after_shipment import AfterShipment
from orderlens.simulator.process.fulfilment import Fulfilment
from orderlens.simulator.process.intake_payment import IntakeAndPayment
from orderlens.simulator.process.sourcing import Sourcing


class OrderProcess(IntakeAndPayment, Sourcing, Fulfilment, AfterShipment):
    """Generates the events of one chunk of orders into a ``ChunkContext``, stage by stage."""

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


__all__ = ["OrderProcess"]
