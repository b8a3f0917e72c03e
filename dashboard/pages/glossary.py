"""Glossary: the process-mining and operations terms the pages keep, in plain words.

Reached from the "Glossary" link in every page's header; it is not in the page list of
the navigation (``utility=True``) because it is help, not a view of the data.
"""

from __future__ import annotations

import dash
from dash import html

dash.register_page(
    __name__,
    path="/glossary",
    name="Glossary",
    title="orderlens · Glossary",
    order=99,
    utility=True,
)

GLOSSARY: dict[str, str] = {
    "Exception": "Anything that stops an order from flowing on its own and needs handling: "
    "a payment hold, a stock mismatch, a late carrier scan.",
    "Reason": "Why an exception happened, as the detecting system recorded it "
    "(for example 'Item damaged' for a pick failure).",
    "Backlog": "Exceptions open (detected, not yet resolved) at the end of a day.",
    "SLA": "Service-level agreement: the time an exception type should be answered (first "
    "response) and resolved in. An exception 'past SLA' is open longer than its resolution "
    "time.",
    "First response": "Time from detecting an exception to the first action on it.",
    "Touchless resolution": "Exceptions resolved by systems alone, with no person touching them.",
    "Target": "The value a KPI should reach. A missed target is marked in red with a cross; "
    "a met one with a green tick.",
    "Pareto chart": "Causes sorted from most to least frequent, with a line adding up their "
    "share: the few causes behind most exceptions stand out.",
    "Lift": "How much more often orders with a value (a node, a carrier) have exceptions "
    "than all orders: 1 is average, 2 is twice as often.",
    "Variant": "One distinct sequence of steps an order took from start to end. Orders that "
    "took the same steps in the same order share a variant.",
    "Conformance": "How well the recorded orders follow the expected process model.",
    "Fitness": "A conformance score from 0 to 1: 1 means the order's steps fit the expected "
    "process exactly; lower means steps were skipped, added or done out of order.",
    "Rework": "A step repeated on the same object (the same shipment, line or payment). "
    "A step repeated on another object, such as a second parcel, is not rework.",
    "Split shipment": "An order shipped in more than one parcel.",
    "Throughput time": "Time from an order's first event to its last.",
    "Bottleneck": "Where orders wait longest between two steps.",
    "p95 (95th percentile)": "The value 95 in 100 cases stay within; the slowest 5 in 100 "
    "take longer. On integration health: the 95th-percentile latency of the slowest hour.",
    "Time-out": "A call the receiving system did not answer in time. Its latency is "
    "recorded as the time-out itself (30,000 ms in the demo data).",
    "Retry, duplicate, dead letter": "A message sent again after a failure; the same message "
    "delivered twice; a message given up on after its last retry.",
    "Breach risk": "The model's chance that an open exception misses its resolution SLA. "
    "Risk points: how much one factor raises or lowers that chance, in percentage points.",
    "Who acts (automation mode)": "Automatic: within policy for orderlens to act without a "
    "person. Needs a decision: a person decides. Watch: ranked, no action proposed yet.",
    "Node": "A place that fulfils orders: a distribution centre, a store or a third-party "
    "(3PL) warehouse.",
    "OMS, WMS, TMS, ERP, CRM, POS": "Order management, warehouse management, transport "
    "management, finance (enterprise resource planning), customer service, and store-till "
    "systems.",
}
"""Term to its meaning, in the order a reader meets them on the pages."""


def layout(**_query: str) -> html.Div:
    """The terms and their meanings as a definition list."""
    entries: list[object] = []
    for term, meaning in GLOSSARY.items():
        entries.append(html.Dt(term, className="mt-2"))
        entries.append(html.Dd(meaning, className="mb-1"))
    return html.Div(
        [
            html.H2("Glossary"),
            html.P(
                "The terms the dashboard uses, in plain words. Codes from the data are shown "
                "by name; hover a name in a table to see its code.",
                className="text-muted",
            ),
            html.Dl(entries, id="glossary-terms", className="bg-white border rounded p-3"),
        ]
    )
