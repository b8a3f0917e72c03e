"""Integration health: failing, retrying, duplicating and dead-lettering interfaces, and the
orders and exceptions they hurt."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.components.cards import empty_state, headline_banner, section
from dashboard.components.missing_data import page_without_data
from dashboard.components.palette import BLUE, LINE_STYLES, ORANGE, count_axis, plain_figure
from dashboard.components.tables import data_table
from dashboard.headlines import integration_headline
from dashboard.queries.display_names import get_display_names
from dashboard.queries.filter_bar import read_filters
from dashboard.queries.integration import (
    INTERFACE_METRICS,
    get_interface_health,
    get_interface_impact,
    get_interface_series,
)
from dashboard.serving import ServingCopyUnavailableError

dash.register_page(
    __name__,
    path="/integration",
    name="Integration health",
    title="orderlens · Integration",
    order=4,
    analysis="integration",
)

METRIC_LABELS = {
    "failure_rate": ("Failure rate", "Failed attempts (% of calls)"),
    "retry_rate": ("Retry rate", "Retries (% of calls)"),
    "duplicate_rate": ("Duplicate rate", "Duplicate deliveries (% of calls)"),
    "dead_letter_rate": ("Dead-letter rate", "Dead-lettered (% of calls)"),
    "mean_latency_ms": ("Mean latency", "Mean attempt latency (ms)"),
}
HEALTH_COLUMNS = {
    "interface": "Interface",
    "call_count": "Calls",
    "failure_percent": "Failure (%)",
    "retry_percent": "Retry (%)",
    "duplicate_percent": "Duplicate (%)",
    "dead_letter_percent": "Dead letter (%)",
    "mean_latency_ms": "Mean latency (ms)",
    "worst_p95_latency_ms": "Slowest hour, 95th percentile (ms)",
    "timeout_count": "Timed-out attempts",
}
LATENCY_NOTE = (
    "Slowest hour, 95th percentile: 95 in 100 calls of the interface's slowest hour were "
    "answered within this time. A call that times out is recorded at the time-out, so a "
    "value equal to the time-out (30,000 ms in the demo data) means that hour had time-outs, "
    "counted in the last column, rather than calls that took that long. Hover an "
    "interface for its code."
)
SERIES_LIMIT = 6
INTERFACE_NOTE = (
    "Interface metrics follow the period only: calls are not split by channel, region, node "
    "or carrier. The orders-hurt chart below follows every filter."
)


def layout(**_query: str) -> html.Div:
    """Metric picker, time series, per-interface table, and the orders each interface hurt."""
    if (missing := page_without_data("Integration health", "integration")) is not None:
        return missing
    return html.Div(
        [
            html.H2("Integration health"),
            html.Div(id="integration-headline-body"),
            html.Div(INTERFACE_NOTE, className="small text-muted mb-2"),
            section(
                "Interfaces over time",
                [
                    dbc.RadioItems(
                        id="integration-metric",
                        options=[
                            {"label": label, "value": key}
                            for key, (label, _) in METRIC_LABELS.items()
                        ],
                        value="failure_rate",
                        inline=True,
                        className="mb-2",
                    ),
                    dcc.Loading(html.Div(id="integration-series")),
                ],
                note=f"Daily values of the {SERIES_LIMIT} interfaces worst on the metric "
                "in the period.",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        section(
                            "Per interface in the period",
                            dcc.Loading(html.Div(id="integration-table")),
                            note=LATENCY_NOTE,
                        ),
                        lg=7,
                    ),
                    dbc.Col(
                        section(
                            "Orders and exceptions hurt by each interface",
                            dcc.Loading(html.Div(id="integration-impact")),
                            note="Orders with a failed or dead-lettered message on the "
                            "interface, first sent in the period; exceptions of those orders.",
                        ),
                        lg=5,
                    ),
                ]
            ),
        ]
    )


@callback(
    Output("integration-series", "children"),
    Input("filters", "data"),
    Input("integration-metric", "value"),
)
def update_series(filters_data, metric):
    """One line per interface of the chosen metric, day by day."""
    if not filters_data or metric not in INTERFACE_METRICS:
        raise PreventUpdate
    filters = read_filters(filters_data)
    try:
        series = get_interface_series(filters, metric)
        names = get_display_names()
    except ServingCopyUnavailableError as error:
        return empty_state(str(error))
    if series.empty:
        return empty_state("No integration calls in this period.")
    worst = (
        series.groupby("interface")["value"].mean().sort_values(ascending=False).head(SERIES_LIMIT)
    )
    scale = 1 if metric == "mean_latency_ms" else 100
    shown = series[series["interface"].isin(worst.index)]
    figure = plain_figure(
        [
            {
                "type": "scatter",
                "x": frame["day"],
                "y": frame["value"] * scale,
                "name": names.name("interface", interface),
                "mode": "lines+markers",
                "line": {"color": colour, "dash": dash, "width": 2},
                "marker": {"color": colour, "size": 6},
                "hovertemplate": names.name("interface", interface)
                + "<br>%{x|%Y-%m-%d}: %{y:,.2f}<extra></extra>",
            }
            for (interface, frame), (colour, dash) in zip(
                shown.groupby("interface"), LINE_STYLES, strict=False
            )
        ],
        x_title="Day (UTC)",
        y_title=METRIC_LABELS[metric][1],
        height=340,
    )
    return dcc.Graph(id="integration-series-chart", figure=figure, config={"displaylogo": False})


@callback(
    Output("integration-table", "children"),
    Output("integration-headline-body", "children"),
    Input("filters", "data"),
)
def update_table(filters_data):
    """Totals of the period per interface, worst failure rate first, and the headline:
    the interface failing most often and the orders it hurt."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    try:
        health = get_interface_health(filters)
        impact = get_interface_impact(filters)
        names = get_display_names()
    except ServingCopyUnavailableError as error:
        return empty_state(str(error)), None
    if health.empty:
        return empty_state("No integration calls in this period."), None
    worst = health.iloc[0]
    hurt = impact.loc[impact["interface"] == worst["interface"], "orders_hurt"]
    headline = integration_headline(
        names.name("interface", worst["interface"]),
        float(worst["failure_rate"] or 0.0),
        int(worst["call_count"]),
        int(hurt.iloc[0]) if not hurt.empty else 0,
    )
    for rate in ("failure", "retry", "duplicate", "dead_letter"):
        health[f"{rate}_percent"] = health[f"{rate}_rate"] * 100
    table = data_table(
        health,
        table_id="integration-health-table",
        columns=HEALTH_COLUMNS,
        page_size=20,
        code_kinds={"interface": "interface"},
        names=names,
        numeric_formats={
            "call_count": ",d",
            "failure_percent": ".2f",
            "retry_percent": ".2f",
            "duplicate_percent": ".2f",
            "dead_letter_percent": ".2f",
            "mean_latency_ms": ",.0f",
            "worst_p95_latency_ms": ",.0f",
            "timeout_count": ",d",
        },
    )
    return table, headline_banner(headline, element_id="integration-headline")


@callback(Output("integration-impact", "children"), Input("filters", "data"))
def update_impact(filters_data):
    """Orders hurt and exceptions on them, per interface."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    try:
        impact = get_interface_impact(filters)
        names = get_display_names()
    except ServingCopyUnavailableError as error:
        return empty_state(str(error))
    if impact.empty:
        return empty_state("No failed or dead-lettered messages in this period for these filters.")
    ordered = impact.head(12).iloc[::-1]
    labels = names.names("interface", ordered["interface"])
    figure = plain_figure(
        [
            {
                "type": "bar",
                "y": ordered["interface"],
                "x": ordered["orders_hurt"],
                "name": "Orders hurt",
                "orientation": "h",
                "marker": {"color": BLUE},
            },
            {
                "type": "bar",
                "y": ordered["interface"],
                "x": ordered["exceptions_on_hurt_orders"],
                "name": "Exceptions on those orders",
                "orientation": "h",
                "marker": {"color": ORANGE},
            },
        ],
        x_title="Orders or exceptions (count)",
        y_title="",
        height=420,
        barmode="group",
    )
    figure["layout"]["yaxis"].update(
        {"tickmode": "array", "tickvals": ordered["interface"].tolist(), "ticktext": labels}
    )
    largest = float(max(ordered["orders_hurt"].max(), ordered["exceptions_on_hurt_orders"].max()))
    figure["layout"]["xaxis"].update(count_axis(largest))
    return dcc.Graph(id="integration-impact-chart", figure=figure, config={"displaylogo": False})
