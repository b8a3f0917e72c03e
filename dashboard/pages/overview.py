"""Overview: how many exceptions are open, of which types, and as of when."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import plotly.express as px
from dash import dcc, html

from dashboard.components.cards import empty_state, kpi_card
from dashboard.data import ServingCopyUnavailableError, get_open_exceptions_by_type, get_publication

dash.register_page(__name__, path="/", name="Overview", title="orderlens · Overview")


def layout(**_query: str) -> html.Div:
    """Build the page from the serving copy at request time (new data needs no restart)."""
    try:
        by_type = get_open_exceptions_by_type()
        publication = get_publication()
    except ServingCopyUnavailableError as error:
        return html.Div([html.H2("Overview"), empty_state(str(error))])
    total = int(by_type["open_exceptions"].sum()) if not by_type.empty else 0
    if by_type.empty:
        chart: html.Div | dcc.Graph = empty_state("No open exceptions in the published data.")
    else:
        figure = px.bar(
            by_type.sort_values("open_exceptions"),
            x="open_exceptions",
            y="exception_type",
            orientation="h",
            labels={"open_exceptions": "Open exceptions (count)", "exception_type": ""},
            color_discrete_sequence=["#0072B2"],
        )
        figure.update_layout(margin={"l": 10, "r": 10, "t": 10, "b": 40}, height=420)
        chart = dcc.Graph(id="open-by-type-chart", figure=figure, config={"displaylogo": False})
    return html.Div(
        [
            html.H2("Overview"),
            html.P(
                f"Data as of {publication.published_at:%Y-%m-%d %H:%M} UTC",
                id="data-as-of",
                className="text-muted",
            ),
            dbc.Row(
                dbc.Col(
                    kpi_card("Open exceptions", f"{total:,}", value_id="kpi-open-exceptions"),
                    md=4,
                ),
                className="mb-4",
            ),
            html.H4("Open exceptions by type"),
            chart,
        ]
    )
