"""KPI cards and empty states."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def kpi_card(title: str, value: str, *, value_id: str, note: str = "") -> dbc.Card:
    """A card showing one headline number; ``value_id`` lets tests and callbacks find it."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(title, className="text-muted small text-uppercase"),
                html.Div(value, id=value_id, className="fs-2 fw-semibold"),
                html.Div(note, className="small text-muted"),
            ]
        ),
        className="shadow-sm",
    )


def empty_state(message: str) -> html.Div:
    """Says why there is nothing to show instead of leaving a blank chart."""
    return html.Div(message, className="alert alert-light border text-muted my-3", role="status")
