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

from dashboard.components.cards import empty_state, headline_banner, section
from dashboard.components.filter_bar import FILTER_IDS
from dashboard.components.missing_data import page_without_data
from dashboard.components.palette import (
    BLUE,
    GREY,
    ORANGE,
    VERMILLION,
    count_axis,
    figure_layout,
    plain_figure,
)
from dashboard.headlines import Driver, root_cause_headline
from dashboard.queries.display_names import get_display_names
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
from orderlens.display_names import DisplayNames

dash.register_page(
    __name__,
    path="/root-causes",
    name="Root causes",
    title="orderlens · Root causes",
    order=2,
    analysis="exceptions",
)

PARETO_TITLES = {"reason_code": "Reasons", "exception_type": "Exception types"}
LIFT_CODE_KINDS = {"node_id": "node"}
"""The display-name kind of a lift dimension where it differs from the dimension's name."""
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
                [
                    html.Div(id=f"pareto-{dimension}-scope", className="small text-muted"),
                    dcc.Loading(dcc.Graph(id=f"pareto-{dimension}", config={"displaylogo": False})),
                ],
                note="Bars: exceptions detected in the period; line: their cumulative share "
                "of all the period's exceptions. Click a bar to focus the page on it.",
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
            html.Div(id="root-cause-headline-body"),
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


def _pareto_figure(
    pareto: pd.DataFrame, dimension: str, focus: Focus | None, names: DisplayNames
) -> dict:
    """Bars of the first :data:`PARETO_LIMIT` values and their cumulative share of all.

    The bars keep the codes as their x values (a click focuses on the code) and show
    display names as tick labels; the share axis has its own margin, so its title never
    sits on its tick labels.
    """
    if pareto.empty:
        return _empty_figure("No exceptions in this period for these filters and focus.")
    pareto = pareto.head(PARETO_LIMIT)
    labels = names.names(dimension, pareto["value"])
    selected = focus.value if focus and focus.dimension == dimension else None
    colours = [ORANGE if value == selected else BLUE for value in pareto["value"]]
    hover = (
        {
            "customdata": pareto["exception_cost"],
            "hovertemplate": "%{hovertext}<br>%{y:,} exceptions<br>cost $%{customdata:,.0f}"
            "<extra></extra>",
        }
        if "exception_cost" in pareto
        else {"hovertemplate": "%{hovertext}<br>%{y:,} exceptions<extra></extra>"}
    )
    figure = plain_figure(
        [
            {
                "type": "bar",
                "x": pareto["value"],
                "y": pareto["exception_count"],
                "hovertext": labels,
                "name": "Exceptions",
                "marker": {"color": colours},
                **hover,
            },
            {
                "type": "scatter",
                "x": pareto["value"],
                "y": pareto["cumulative_share"] * 100,
                "hovertext": labels,
                "name": "Cumulative share of all exceptions",
                "mode": "lines+markers",
                "yaxis": "y2",
                "line": {"color": VERMILLION},
                "hovertemplate": "%{hovertext}<br>cumulative %{y:.1f}%<extra></extra>",
            },
        ],
        x_title="",
        y_title="Exceptions detected (count)",
        height=400,
        yaxis2={
            "title": {"text": "Cumulative share (%)", "standoff": 12},
            "overlaying": "y",
            "side": "right",
            "range": [0, 105],
            "showgrid": False,
            "tickvals": [0, 25, 50, 75, 100],
            "ticksuffix": "%",
            "automargin": True,
        },
        clickmode="event",
    )
    figure["layout"]["margin"] = {"l": 10, "r": 10, "t": 30, "b": 10}
    figure["layout"]["xaxis"].update(
        {
            "tickangle": -35,
            "tickmode": "array",
            "tickvals": pareto["value"].tolist(),
            "ticktext": labels,
        }
    )
    figure["layout"]["yaxis"].update(count_axis(float(pareto["exception_count"].max())))
    return figure


def _pareto_scope(pareto: pd.DataFrame, dimension: str) -> str:
    """Which values the chart shows out of how many (the line ends below 100% otherwise
    unexplained)."""
    if pareto.empty:
        return ""
    kind = PARETO_TITLES[dimension].lower()
    if len(pareto) <= PARETO_LIMIT:
        return f"All {len(pareto)} {kind} of the period."
    shown = pareto.head(PARETO_LIMIT)
    return (
        f"The {PARETO_LIMIT} most frequent of {len(pareto)} {kind}: "
        f"{int(shown['exception_count'].sum()):,} of {int(pareto['exception_count'].sum()):,} "
        f"exceptions ({float(shown['cumulative_share'].iloc[-1]):.0%})."
    )


@callback(
    Output("pareto-reason_code", "figure"),
    Output("pareto-exception_type", "figure"),
    Output("root-cause-focus-text", "children"),
    Output("pareto-reason_code-scope", "children"),
    Output("pareto-exception_type-scope", "children"),
    Output("root-cause-headline-body", "children"),
    Input("filters", "data"),
    Input("root-cause-focus", "data"),
)
def update_pareto(filters_data, focus_data):
    """Both Pareto charts for the period, narrowed by the focus on the other dimension,
    and the headline: the leading reason and the share of the first three."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    focus = _focus(focus_data)
    try:
        names = get_display_names()
        paretos = {dimension: get_pareto(filters, dimension, focus) for dimension in PARETO_TITLES}
    except ServingCopyUnavailableError as error:
        figure = _empty_figure(str(error))
        return figure, figure, "all exceptions", "", "", None
    text = (
        f"{PARETO_TITLES[focus.dimension][:-1].lower()}: {names.name(focus.dimension, focus.value)}"
        if focus
        else "all exceptions"
    )
    reasons = paretos["reason_code"]
    headline = root_cause_headline(
        [
            Driver(names.name("reason_code", row.value), int(row.exception_count))
            for row in reasons.itertuples()
        ],
        int(reasons["exception_count"].sum()) if not reasons.empty else 0,
    )
    return (
        _pareto_figure(paretos["reason_code"], "reason_code", focus, names),
        _pareto_figure(paretos["exception_type"], "exception_type", focus, names),
        text,
        _pareto_scope(paretos["reason_code"], "reason_code"),
        _pareto_scope(paretos["exception_type"], "exception_type"),
        headline_banner(headline, element_id="root-cause-headline"),
    )


def _support_note() -> str:
    """Which values the lift charts leave out (the marts' support threshold)."""
    try:
        return f"Values with fewer than {get_lift_min_orders()} orders are left out."
    except ServingCopyUnavailableError:
        return "Values with too few orders are left out."


def _lift_body(dimension: str, lift: pd.DataFrame, min_orders: int, names: DisplayNames):
    lift = lift.head(LIFT_LIMIT)
    if lift.empty or lift["lift"].isna().all():
        return empty_state(
            f"No {LIFT_TITLES[dimension].lower()} value has {min_orders}+ orders "
            "with exceptions to compare in this period for these filters."
        )
    ordered = lift.iloc[::-1]
    codes = ordered["value"].astype(str).tolist()
    labels = names.names(LIFT_CODE_KINDS.get(dimension, dimension), codes)
    colours = [VERMILLION if value > 1 else BLUE for value in ordered["lift"].fillna(0)]
    layout = figure_layout(x_title="Lift (1 = average)", y_title="", height=300)
    layout["shapes"] = [
        {"type": "line", "x0": 1, "x1": 1, "xref": "x", "y0": 0, "y1": 1, "yref": "paper",
         "line": {"dash": "dot", "color": GREY}}
    ]  # fmt: skip
    layout["yaxis"].update({"tickmode": "array", "tickvals": codes, "ticktext": labels})
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": ordered["lift"].tolist(),
                "y": codes,
                "hovertext": labels,
                "marker": {"color": colours},
                "customdata": ordered[["order_count", "hit_order_count", "rate"]]
                .astype(float)
                .to_numpy()
                .tolist(),
                "hovertemplate": "%{hovertext}<br>lift %{x:.2f}<br>%{customdata[1]:,} of "
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
        names = get_display_names()
        # One scan answers every order attribute; asking per dimension would redo it.
        lifts = {
            **get_order_attribute_lifts(filters, focus, min_orders=min_orders),
            "interface": get_lift(filters, "interface", focus, min_orders=min_orders),
        }
    except ServingCopyUnavailableError as error:
        return tuple(empty_state(str(error)) for _ in LIFT_DIMENSIONS)
    return tuple(
        _lift_body(dimension, lifts[dimension], min_orders, names) for dimension in LIFT_DIMENSIONS
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
