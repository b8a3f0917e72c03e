"""Order lookup: the entry point to one order's detail page from the navigation bar."""

from __future__ import annotations

import dash
from dash import html

from dashboard.components.cards import empty_state
from dashboard.components.order_search import order_search_box

dash.register_page(__name__, path="/orders", name="Orders", title="orderlens · Orders", order=6)


def layout(**_query: str) -> html.Div:
    """The search box; every table listing orders also links to their pages."""
    return html.Div(
        [
            html.H2("Order detail"),
            order_search_box(),
            empty_state(
                "Type an order id to see its timeline across every system, or open an order "
                "from the oldest-exceptions table or any other table that lists orders."
            ),
        ]
    )
