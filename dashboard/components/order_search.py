"""The order search box: type an order id, open its detail page (filters kept in the URL)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.components.tables import order_href


def order_search_box(value: str = "") -> html.Div:
    """The input and button; the callback below navigates to the typed order."""
    return html.Div(
        [
            # "callback-nav" moves within the app (history push, then Dash Pages renders the
            # order). refresh=True would assign window.location field by field, and its
            # stale ``search`` (the filters are written into the address after the page
            # opened) sent the browser back to the search page.
            dcc.Location(id="order-location", refresh="callback-nav"),
            dbc.InputGroup(
                [
                    dbc.Input(
                        id="order-search",
                        placeholder="Order id, e.g. ORD-00000001",
                        value=value,
                        debounce=True,
                    ),
                    dbc.Button("Open", id="order-open", color="primary"),
                ],
                className="mb-3",
                style={"maxWidth": "480px"},
            ),
        ]
    )


@callback(
    Output("order-location", "href"),
    Input("order-open", "n_clicks"),
    Input("order-search", "n_submit"),
    State("order-search", "value"),
    State("filters", "data"),
    prevent_initial_call=True,
)
def open_order(_clicks, _submit, value, filters_data):
    """Go to the typed order's page, keeping the filters in the URL."""
    if not value or not value.strip():
        raise PreventUpdate
    return order_href(value.strip(), (filters_data or {}).get("query", ""))
