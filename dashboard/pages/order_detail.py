"""Order detail: one order's timeline across workflow events, integration messages and
exceptions, reachable from every table that lists orders."""

from __future__ import annotations

from urllib.parse import unquote

import dash
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, callback, dcc, html

from dashboard.components.cards import empty_state, section
from dashboard.components.order_search import order_search_box
from dashboard.components.palette import BLUE, GREY, ORANGE, VERMILLION, plain_figure
from dashboard.components.tables import data_table
from dashboard.queries.display_names import get_display_names
from dashboard.queries.orders import (
    get_order,
    get_order_events,
    get_order_exceptions,
    get_order_messages,
)
from dashboard.serving import ServingCopyUnavailableError
from orderlens.display_names import DisplayNames

dash.register_page(
    __name__,
    path_template="/orders/<case_id>",
    path="/orders/detail",
    name="Order detail",
    title="orderlens · Order",
    order=7,
)

SUMMARY_FIELDS = {
    "order_status": "Status",
    "channel": "Channel",
    "region": "Region",
    "node_id": "Primary node",
    "carrier": "Carrier",
    "first_event_at": "First event (UTC)",
    "last_event_at": "Last event (UTC)",
    "event_count": "Events",
    "ordered_at": "Ordered (UTC)",
    "promised_at": "Promised (UTC)",
    "fulfilled_at": "Fulfilled (UTC)",
    "is_on_time": "On time",
    "is_cancelled": "Cancelled",
    "exception_count": "Exceptions",
    "exception_cost": "Exception cost (USD)",
}
MESSAGE_COLUMNS = {
    "interface": "Interface",
    "first_sent_at": "First sent (UTC)",
    "attempt_count": "Attempts",
    "failed_attempt_count": "Failed",
    "final_status": "Final status",
    "is_dead_lettered": "Dead-lettered",
    "delivery_latency_ms": "Latency (ms)",
}
EXCEPTION_COLUMNS = {
    "exception_id": "Exception",
    "exception_type": "Type",
    "reason_code": "Reason",
    "status": "Status",
    "detected_at": "Detected (UTC)",
    "resolved_at": "Resolved (UTC)",
    "touch_count": "Touches",
    "is_resolution_sla_breached": "SLA breached",
    "total_cost": "Cost (USD)",
}
WORKFLOW_LANE = "Workflow"
FACT_CODE_KINDS = {
    "channel": "channel",
    "region": "region",
    "node_id": "node",
    "carrier": "carrier",
}
"""Summary facts shown by display name, their code on hover."""
EXCEPTION_CODE_KINDS = {"exception_type": "exception_type", "reason_code": "reason_code"}
MESSAGE_CODE_KINDS = {"interface": "interface", "final_status": "message_status"}


def _is_blank(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _show(value: object) -> str:
    if _is_blank(value):
        return "—"
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _other_nodes(summary: pd.Series, names: DisplayNames) -> list[html.Div]:
    """Every node of an order that touched several (``fct_orders.nodes``, primary first), so
    the order tells the same node story as its exceptions, which keep their own node."""
    nodes = summary.get("nodes")
    codes = nodes.split(", ") if isinstance(nodes, str) else []
    if len(codes) < 2:
        return []
    return [
        html.Div(
            [
                html.Span("Nodes this order touched (primary first): ", className="text-muted"),
                *(
                    html.Span(
                        f"{names.name('node', code)}{', ' if index < len(codes) - 1 else ''}",
                        title=names.description("node", code),
                    )
                    for index, code in enumerate(codes)
                ),
            ],
            className="small",
            id="order-nodes",
        )
    ]


def layout(case_id: str | list[str] | None = None, **_query: str) -> html.Div:
    """A search box, then the order's summary, timeline and tables.

    ``case_id`` comes from the path, or from the query when the address also carries
    ``?case_id=``: repeated there, Dash Pages passes a list, which names no order.
    """
    chosen = unquote(case_id) if isinstance(case_id, str) else ""
    return html.Div(
        [
            order_search_box(chosen),
            dcc.Store(id="order-case-id", data=chosen),
            dcc.Loading(html.Div(id="order-body")),
        ]
    )


def _timeline(
    events: pd.DataFrame, messages: pd.DataFrame, exceptions: pd.DataFrame, names: DisplayNames
) -> dict:
    """Workflow events, messages per interface and each exception from detection to
    resolution, one lane each, every kind of mark named in the legend."""
    traces: list[dict] = []
    if not events.empty:
        traces.append(
            {
                "type": "scatter",
                "x": events["event_at"],
                "y": [WORKFLOW_LANE] * len(events),
                "mode": "markers+lines",
                "name": "Workflow events",
                "marker": {"size": 11, "color": BLUE},
                "line": {"color": GREY, "width": 1},
                "hovertext": events["activity"],
                "hovertemplate": "%{hovertext}<br>%{x}<extra></extra>",
            }
        )
    if not messages.empty:
        failed = messages["failed_attempt_count"].fillna(0) > 0
        traces.append(
            {
                "type": "scatter",
                "x": messages["first_sent_at"],
                "y": names.names("interface", messages["interface"]),
                "mode": "markers",
                "name": "Integration messages (✕ failed)",
                "marker": {
                    "size": 10,
                    "symbol": ["x" if bad else "circle" for bad in failed],
                    "color": [VERMILLION if bad else ORANGE for bad in failed],
                },
                "hovertext": [
                    f"{names.name('interface', row.interface)}: "
                    f"{names.name('message_status', row.final_status).lower()}, "
                    f"{row.attempt_count} attempt(s)"
                    for row in messages.itertuples()
                ],
                "hovertemplate": "%{hovertext}<br>%{x}<extra></extra>",
            }
        )
    for index, row in enumerate(exceptions.itertuples()):
        end = row.resolved_at if not pd.isna(row.resolved_at) else row.detected_at
        type_name = names.name("exception_type", row.exception_type)
        traces.append(
            {
                "type": "scatter",
                "x": [row.detected_at, end],
                "y": [f"Exception: {type_name}"] * 2,
                "mode": "lines+markers",
                "name": "Exception: detected to resolved (a dot when both fall together)",
                "legendgroup": "exceptions",
                "line": {"color": VERMILLION, "width": 6},
                "marker": {"size": 10, "color": VERMILLION, "symbol": "diamond"},
                "hovertemplate": f"{type_name} ({row.status})<br>%{{x}}<extra></extra>",
                "showlegend": index == 0,
            }
        )
    lanes = (
        1 + messages["interface"].nunique() + len(exceptions)
        if not messages.empty
        else 1 + len(exceptions)
    )
    return plain_figure(traces, x_title="Time (UTC)", y_title="", height=max(260, 40 * lanes + 120))


@callback(
    Output("order-body", "children"), Input("order-case-id", "data"), Input("filters", "data")
)
def update_order(case_id, filters_data):
    """The order's summary, timeline, workflow events, messages and exceptions."""
    if not case_id:
        return empty_state("Type an order id above, or open an order from any table.")
    try:
        order = get_order(case_id)
        events = get_order_events(case_id)
        messages = get_order_messages(case_id)
        exceptions = get_order_exceptions(case_id)
        names = get_display_names()
    except ServingCopyUnavailableError as error:
        return empty_state(str(error))
    if order.empty:
        return empty_state(f"No order with id {case_id} in the published data.")
    summary = order.iloc[0]
    known = {name: label for name, label in SUMMARY_FIELDS.items() if name in summary.index}
    # A log of another process has no channel, promise or fulfilment: its blank facts are
    # named once below instead of filling the card with dashes.
    blank = [label for name, label in known.items() if _is_blank(summary[name])]
    facts = dbc.Row(
        [
            dbc.Col(
                [
                    html.Div(label, className="small text-muted"),
                    html.Div(
                        names.name(FACT_CODE_KINDS[name], summary.get(name))
                        if name in FACT_CODE_KINDS
                        else _show(summary.get(name)),
                        title=names.description(FACT_CODE_KINDS[name], summary.get(name))
                        if name in FACT_CODE_KINDS
                        else None,
                        className="fw-semibold",
                        id=f"order-fact-{name}",
                    ),
                ],
                md=2,
                className="mb-2",
            )
            for name, label in known.items()
            if not _is_blank(summary[name])
        ]
    )
    # One flat list: a list nested in a Dash children list reaches React as raw objects.
    facts = [facts, *_other_nodes(summary, names)]
    if blank:
        facts.append(
            html.Div(
                f"Not recorded for this order: {', '.join(blank)}.",
                className="small text-muted",
                id="order-blank-facts",
            )
        )
    query = (filters_data or {}).get("query", "")
    events_table = (
        data_table(
            events,
            table_id="order-events-table",
            columns={"event_at": "Time (UTC)", "activity": "Activity", "event_id": "Event"},
            page_size=25,
        )
        if not events.empty
        else empty_state("No workflow transitions are recorded for this order (one event or none).")
    )
    return [
        html.H4(case_id, id="order-title", className="mb-2"),
        section("Summary", facts),
        section(
            "Timeline across systems",
            dcc.Graph(
                id="order-timeline",
                figure=_timeline(events, messages, exceptions, names),
                config={"displaylogo": False},
            ),
        ),
        section(
            "Exceptions",
            data_table(
                exceptions,
                table_id="order-exceptions-table",
                columns={
                    name: label for name, label in EXCEPTION_COLUMNS.items() if name in exceptions
                },
                query=query,
                numeric_formats={"total_cost": ",.2f"},
                code_kinds=EXCEPTION_CODE_KINDS,
                names=names,
            )
            if not exceptions.empty
            else empty_state("This order had no exceptions."),
        ),
        dbc.Row(
            [
                dbc.Col(section("Workflow events", events_table), lg=5),
                dbc.Col(
                    section(
                        "Integration messages",
                        data_table(
                            messages,
                            table_id="order-messages-table",
                            columns=MESSAGE_COLUMNS,
                            numeric_formats={"delivery_latency_ms": ",.0f"},
                            page_size=10,
                            code_kinds=MESSAGE_CODE_KINDS,
                            names=names,
                        )
                        if not messages.empty
                        else empty_state("No integration messages for this order."),
                    ),
                    lg=7,
                ),
            ]
        ),
    ]
