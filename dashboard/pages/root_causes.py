"""Root causes: which reasons and types make up most exceptions, and where they concentrate.

Clicking a bar of a Pareto chart focuses the page on that reason code or exception type;
clicking a bar of a lift chart for channel, region, node or carrier adds it to the global
filters, so every page follows.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.components.cards import empty_state, section
from dashboard.components.filter_bar import FILTER_IDS
from dashboard.components.missing_data import page_without_data
from dashboard.components.palette import (
    BLUE,
    GREY,
    ORANGE,
    VERMILLION,
    figure_layout,
    plain_figure,
)
from dashboard.filters import Filters
from dashboard.queries.filter_bar import read_filters
from dashboard.queries.root_causes import (
    LIFT_DIMENSIONS,
    PARETO_DIMENSIONS,
    Focus,
    get_lift,
    get_lift_min_orders,
    get_order_attribute_lifts,
    get_pareto,
)
from dashboard.serving import ServingCopyUnavailableError

dash.register_page(
    __name__,
    path="/root-causes",
    name="Root causes",
    title="orderlens · Root causes",
    order=2,
    analysis="exceptions",
)

PARETO_TITLES = {"reason_code": "Reason codes", "exception_type": "Exception types"}
LIFT_TITLES = {
    "channel": "Channel",
    "node_id": "Node",
    "carrier": "Carrier",
    "supplier": "Supplier",
    "region": "Region",
    "interface": "Failing interface",
}
GLOBAL_FILTER_DIMENSIONS = ("channel", "region", "node_id", "carrier")
PARETO_LIMIT = 15
LIFT_LIMIT = 10


def layout(**_query: str) -> html.Div:
    """Two Pareto charts on top, six lift charts below, and the current focus."""
    if (missing := page_without_data("Root causes", "exceptions")) is not None:
        return missing
    pareto = [
        dbc.Col(
            section(
                f"Pareto of {PARETO_TITLES[dimension].lower()}",
                dcc.Loading(dcc.Graph(id=f"pareto-{dimension}", config={"displaylogo": False})),
                note="Bars: exceptions detected in the period; line: cumulative share.",
            ),
            lg=6,
        )
        for dimension in PARETO_DIMENSIONS
    ]
    lifts = [
        dbc.Col(
            section(
                f"Lift by {LIFT_TITLES[dimension].lower()}",
                dcc.Loading(html.Div(id=f"lift-{dimension}-body")),
            ),
            lg=4,
            md=6,
        )
        for dimension in LIFT_DIMENSIONS
    ]
    return html.Div(
        [
            dcc.Store(id="root-cause-focus"),
            html.H2("Root causes"),
            html.Div(
                [
                    html.Span("Focus: ", className="text-muted"),
                    html.Span(
                        "all exceptions", id="root-cause-focus-text", className="fw-semibold"
                    ),
                    dbc.Button("Clear focus", id="root-cause-clear", size="sm", color="link"),
                ],
                className="mb-2",
            ),
            dbc.Row(pareto),
            html.P(
                f"Lift = exception rate of the period's orders carrying a value divided by the "
                f"rate of all the period's orders (above 1: more exceptions than usual). "
                f"{_support_note()} Click a channel, region, node or carrier bar to filter "
                "every page by it.",
                className="small text-muted",
            ),
            dbc.Row(lifts),
        ]
    )


@callback(
    Output("root-cause-focus", "data"),
    Input("pareto-reason_code", "clickData"),
    Input("pareto-exception_type", "clickData"),
    Input("root-cause-clear", "n_clicks"),
    prevent_initial_call=True,
)
def choose_focus(reason_click, type_click, _clear):
    """A clicked Pareto bar becomes the focus; the clear button removes it."""
    if ctx.triggered_id == "root-cause-clear":
        return None
    click = reason_click if ctx.triggered_id == "pareto-reason_code" else type_click
    if not click or not click.get("points"):
        raise PreventUpdate
    dimension = "reason_code" if ctx.triggered_id == "pareto-reason_code" else "exception_type"
    return {"dimension": dimension, "value": str(click["points"][0]["x"])}


def _focus(data) -> Focus | None:
    return Focus(data["dimension"], data["value"]) if data else None


def _empty_figure(message: str) -> dict:
    return {
        "data": [],
        "layout": {
            **figure_layout(x_title="", y_title="", height=340),
            "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "annotations": [
                {
                    "text": message,
                    "showarrow": False,
                    "font": {"size": 14, "color": GREY},
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                }
            ],
        },
    }


def _pareto_figure(filters: Filters, dimension: str, focus: Focus | None) -> dict:
    try:
        pareto = get_pareto(filters, dimension, focus).head(PARETO_LIMIT)
    except ServingCopyUnavailableError as error:
        return _empty_figure(str(error))
    if pareto.empty:
        return _empty_figure("No exceptions in this period for these filters and focus.")
    selected = focus.value if focus and focus.dimension == dimension else None
    colours = [ORANGE if value == selected else BLUE for value in pareto["value"]]
    hover = (
        {
            "customdata": pareto["exception_cost"],
            "hovertemplate": "%{x}<br>%{y:,} exceptions<br>cost $%{customdata:,.0f}<extra></extra>",
        }
        if "exception_cost" in pareto
        else {"hovertemplate": "%{x}<br>%{y:,} exceptions<extra></extra>"}
    )
    figure = plain_figure(
        [
            {
                "type": "bar",
                "x": pareto["value"],
                "y": pareto["exception_count"],
                "name": "Exceptions",
                "marker": {"color": colours},
                **hover,
            },
            {
                "type": "scatter",
                "x": pareto["value"],
                "y": pareto["cumulative_share"] * 100,
                "name": "Cumulative share",
                "mode": "lines+markers",
                "yaxis": "y2",
                "line": {"color": VERMILLION},
                "hovertemplate": "%{x}<br>cumulative %{y:.1f}%<extra></extra>",
            },
        ],
        x_title="",
        y_title="Exceptions detected (count)",
        height=360,
        yaxis2={
            "title": {"text": "Cumulative share (%)"},
            "overlaying": "y",
            "side": "right",
            "range": [0, 105],
            "showgrid": False,
            "tickvals": [0, 25, 50, 75, 100],
        },
        clickmode="event",
    )
    figure["layout"]["xaxis"]["tickangle"] = -35
    return figure


@callback(
    Output("pareto-reason_code", "figure"),
    Output("pareto-exception_type", "figure"),
    Output("root-cause-focus-text", "children"),
    Input("filters", "data"),
    Input("root-cause-focus", "data"),
)
def update_pareto(filters_data, focus_data):
    """Both Pareto charts for the period, narrowed by the focus on the other dimension."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    focus = _focus(focus_data)
    text = (
        f"{PARETO_TITLES[focus.dimension][:-1].lower()} = {focus.value}"
        if focus
        else "all exceptions"
    )
    return (
        _pareto_figure(filters, "reason_code", focus),
        _pareto_figure(filters, "exception_type", focus),
        text,
    )


def _support_note() -> str:
    """Which values the lift charts leave out (the marts' support threshold)."""
    try:
        return f"Values with fewer than {get_lift_min_orders()} orders are left out."
    except ServingCopyUnavailableError:
        return "Values with too few orders are left out."


def _lift_body(dimension: str, lift: pd.DataFrame, min_orders: int):
    lift = lift.head(LIFT_LIMIT)
    if lift.empty or lift["lift"].isna().all():
        return empty_state(
            f"No {LIFT_TITLES[dimension].lower()} value has {min_orders}+ orders "
            "with exceptions to compare in this period for these filters."
        )
    ordered = lift.iloc[::-1]
    colours = [VERMILLION if value > 1 else BLUE for value in ordered["lift"].fillna(0)]
    layout = figure_layout(x_title="Lift (1 = average)", y_title="", height=300)
    layout["shapes"] = [
        {"type": "line", "x0": 1, "x1": 1, "xref": "x", "y0": 0, "y1": 1, "yref": "paper",
         "line": {"dash": "dot", "color": GREY}}
    ]  # fmt: skip
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": ordered["lift"].tolist(),
                "y": ordered["value"].astype(str).tolist(),
                "marker": {"color": colours},
                "customdata": ordered[["order_count", "hit_order_count", "rate"]]
                .astype(float)
                .to_numpy()
                .tolist(),
                "hovertemplate": "%{y}<br>lift %{x:.2f}<br>%{customdata[1]:,} of "
                "%{customdata[0]:,} orders hit (%{customdata[2]:.1%})<extra></extra>",
            }
        ],
        "layout": layout,
    }
    return dcc.Graph(
        id={"type": "lift-chart", "dimension": dimension},
        figure=figure,
        config={"displaylogo": False},
    )


@callback(
    *[Output(f"lift-{dimension}-body", "children") for dimension in LIFT_DIMENSIONS],
    Input("filters", "data"),
    Input("root-cause-focus", "data"),
)
def update_lift(filters_data, focus_data):
    """Lift of every dimension's values for the period's orders and the focus."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    focus = _focus(focus_data)
    try:
        min_orders = get_lift_min_orders()
        # One scan answers every order attribute; asking per dimension would redo it.
        lifts = {
            **get_order_attribute_lifts(filters, focus, min_orders=min_orders),
            "interface": get_lift(filters, "interface", focus, min_orders=min_orders),
        }
    except ServingCopyUnavailableError as error:
        return tuple(empty_state(str(error)) for _ in LIFT_DIMENSIONS)
    return tuple(
        _lift_body(dimension, lifts[dimension], min_orders) for dimension in LIFT_DIMENSIONS
    )


@callback(
    *[
        Output(FILTER_IDS[dimension], "value", allow_duplicate=True)
        for dimension in GLOBAL_FILTER_DIMENSIONS
    ],
    Input({"type": "lift-chart", "dimension": dash.ALL}, "clickData"),
    State("filters", "data"),
    prevent_initial_call=True,
)
def filter_by_clicked_lift(_clicks, filters_data):
    """A clicked channel, region, node or carrier bar becomes a global filter."""
    trigger = ctx.triggered_id
    if not trigger or trigger["dimension"] not in GLOBAL_FILTER_DIMENSIONS or not filters_data:
        raise PreventUpdate
    click = ctx.triggered[0]["value"]
    if not click or not click.get("points"):
        raise PreventUpdate
    value = str(click["points"][0]["y"])
    outputs = []
    for dimension in GLOBAL_FILTER_DIMENSIONS:
        if dimension == trigger["dimension"]:
            outputs.append([value])
        else:
            outputs.append(no_update)
    return tuple(outputs)
