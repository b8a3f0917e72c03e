"""Backlog and aging: what is open, for how long, where; backlog on any past day."""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.components.cards import empty_state, headline_banner, section
from dashboard.components.missing_data import page_without_data
from dashboard.components.palette import AGING_COLOURS, BLUE, ORANGE, count_axis, plain_figure
from dashboard.components.tables import data_table
from dashboard.filters import Filters
from dashboard.headlines import Driver, backlog_headline
from dashboard.queries.backlog import (
    AGING_BUCKETS,
    get_backlog_at,
    get_backlog_series,
    get_oldest_open_exceptions,
)
from dashboard.queries.display_names import get_display_names
from dashboard.queries.filter_bar import read_filters
from dashboard.serving import ServingCopyUnavailableError

dash.register_page(
    __name__,
    path="/backlog",
    name="Backlog and aging",
    title="orderlens · Backlog",
    order=1,
    analysis="exceptions",
)

GROUPINGS = {"exception_type": "Exception type", "owning_team": "Team", "node_id": "Node"}
BUCKET_COLUMNS = dict(
    zip(
        AGING_BUCKETS,
        ("aged_0_4h", "aged_4_24h", "aged_1_3d", "aged_3_7d", "aged_7d_plus"),
        strict=True,
    )
)
OLDEST_COLUMNS = {
    "exception_id": "Exception",
    "case_id": "Order",
    "exception_type": "Type",
    "owning_team": "Team",
    "node_id": "Node",
    "channel": "Channel",
    "reason_code": "Reason",
    "detected_at": "Detected (UTC)",
    "age_hours": "Age (h)",
    "is_past_sla": "Past SLA",
}
OLDEST_CODE_KINDS = {
    "exception_type": "exception_type",
    "node_id": "node",
    "channel": "channel",
    "reason_code": "reason_code",
}
GROUPING_CODE_KINDS = {"exception_type": "exception_type", "node_id": "node"}
"""The display-name kind of each grouping's values (teams are named in words already)."""


def layout(**_query: str) -> html.Div:
    """The page frame: an as-of date, a grouping choice, and three sections."""
    if (missing := page_without_data("Backlog and aging", "exceptions")) is not None:
        return missing
    return html.Div(
        [
            html.H2("Backlog and aging"),
            html.Div(id="backlog-headline-body"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Label(
                                "Backlog as of the end of (UTC)",
                                htmlFor="backlog-as-of",
                                className="form-label small mb-0",
                            ),
                            dcc.DatePickerSingle(
                                id="backlog-as-of", display_format="YYYY-MM-DD", first_day_of_week=1
                            ),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            html.Label("Group aging by", className="form-label small mb-0"),
                            dbc.RadioItems(
                                id="backlog-grouping",
                                options=[
                                    {"label": text, "value": key} for key, text in GROUPINGS.items()
                                ],
                                value="exception_type",
                                inline=True,
                            ),
                        ],
                        md=6,
                    ),
                ],
                className="g-2 align-items-end mb-3",
            ),
            html.Div(id="backlog-note", className="small text-muted mb-2"),
            dbc.Row(
                [
                    dbc.Col(
                        section(
                            "Aging of the open backlog", dcc.Loading(html.Div(id="backlog-aging"))
                        ),
                        lg=7,
                    ),
                    dbc.Col(
                        section(
                            "Opened and closed per day", dcc.Loading(html.Div(id="backlog-flow"))
                        ),
                        lg=5,
                    ),
                ]
            ),
            section(
                "Oldest open exceptions",
                dcc.Loading(html.Div(id="backlog-oldest")),
                note="Click a column header to sort; click an order to see its timeline.",
            ),
        ]
    )


@callback(
    Output("backlog-as-of", "date"),
    Output("backlog-as-of", "min_date_allowed"),
    Output("backlog-as-of", "max_date_allowed"),
    Input("filters", "data"),
    State("backlog-as-of", "date"),
)
def bound_as_of(filters_data, chosen):
    """Keep the as-of day inside the period, defaulting to its last day."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    start, end = filters.start.isoformat(), filters.end.isoformat()
    keep = chosen if isinstance(chosen, str) and start <= chosen[:10] <= end else end
    return keep, start, end


def _as_of(filters: Filters, chosen: object) -> date:
    """The chosen as-of day, or the period's last day when none (or no date) was sent."""
    try:
        return date.fromisoformat(chosen[:10]) if isinstance(chosen, str) else filters.end
    except ValueError:
        return filters.end


@callback(
    Output("backlog-aging", "children"),
    Output("backlog-note", "children"),
    Output("backlog-headline-body", "children"),
    Input("filters", "data"),
    Input("backlog-as-of", "date"),
    Input("backlog-grouping", "value"),
)
def update_aging(filters_data, chosen, grouping):
    """Open exceptions at the end of the as-of day by group, stacked by age band."""
    if not filters_data or grouping not in GROUPINGS:
        raise PreventUpdate
    filters = read_filters(filters_data)
    day = _as_of(filters, chosen)
    note = f"Backlog as of the end of {day} (UTC)."
    try:
        backlog = get_backlog_at(filters, day, grouping)
        names = get_display_names()
    except ServingCopyUnavailableError as error:
        return empty_state(str(error)), note, None
    if backlog.empty:
        calm = headline_banner(
            backlog_headline(str(day), 0, 0, None), element_id="backlog-headline"
        )
        return (
            empty_state(f"No exceptions were open at the end of {day} for these filters."),
            note,
            calm,
        )
    kind = GROUPING_CODE_KINDS.get(grouping)
    values = backlog["group_value"].astype(str).tolist()
    labels = names.names(kind, values) if kind else values
    largest = Driver(labels[0], int(backlog["open_count"].iloc[0]))
    headline = backlog_headline(
        str(day),
        int(backlog["open_count"].sum()),
        int(backlog["past_sla_count"].sum()),
        largest,
    )
    backlog = backlog.head(15).iloc[::-1]
    shown_labels = labels[: len(backlog)][::-1]
    figure = plain_figure(
        [
            {
                "type": "bar",
                "y": backlog["group_value"],
                "x": backlog[column],
                "hovertext": shown_labels,
                "name": bucket,
                "orientation": "h",
                "marker": {"color": AGING_COLOURS[bucket]},
                "hovertemplate": "%{hovertext}<br>" + bucket + ": %{x:,}<extra></extra>",
            }
            for bucket, column in BUCKET_COLUMNS.items()
        ],
        x_title="Open exceptions (count)",
        y_title="",
        height=380,
        barmode="stack",
    )
    figure["layout"]["legend"]["traceorder"] = "normal"
    figure["layout"]["yaxis"].update(
        {"tickmode": "array", "tickvals": backlog["group_value"].tolist(), "ticktext": shown_labels}
    )
    figure["layout"]["xaxis"].update(count_axis(float(backlog["open_count"].max())))
    total = int(backlog["open_count"].sum())
    past = int(backlog["past_sla_count"].sum())
    summary = html.Div(
        [
            html.Span(f"{total:,}", id="backlog-open-total", className="fw-semibold"),
            html.Span(" open, "),
            html.Span(f"{past:,}", id="backlog-past-sla-total", className="fw-semibold"),
            html.Span(
                " past their resolution SLA"
                + (" (the 15 largest groups shown)." if len(labels) > 15 else ".")
            ),
        ],
        className="small mb-1",
    )
    return (
        [
            summary,
            dcc.Graph(id="backlog-aging-chart", figure=figure, config={"displaylogo": False}),
        ],
        note,
        headline_banner(headline, element_id="backlog-headline"),
    )


@callback(Output("backlog-flow", "children"), Input("filters", "data"))
def update_flow(filters_data):
    """Exceptions opened (and reopened) against closed, day by day."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    try:
        series = get_backlog_series(filters)
    except ServingCopyUnavailableError as error:
        return empty_state(str(error))
    if series.empty or (series["opened_count"].sum() + series["closed_count"].sum()) == 0:
        return empty_state("No exceptions were opened or closed in this period for these filters.")
    figure = plain_figure(
        [
            {
                "type": "bar",
                "x": series["date_day"],
                "y": series["opened_count"],
                "name": "Opened",
                "marker": {"color": ORANGE},
            },
            {
                "type": "bar",
                "x": series["date_day"],
                "y": series["closed_count"],
                "name": "Closed",
                "marker": {"color": BLUE},
            },
        ],
        x_title="Day (UTC)",
        y_title="Exceptions (count)",
        height=380,
        barmode="group",
    )
    largest = float(max(series["opened_count"].max(), series["closed_count"].max()))
    figure["layout"]["yaxis"].update(count_axis(largest))
    return dcc.Graph(id="backlog-flow-chart", figure=figure, config={"displaylogo": False})


@callback(
    Output("backlog-oldest", "children"),
    Input("filters", "data"),
    Input("backlog-as-of", "date"),
)
def update_oldest(filters_data, chosen):
    """The longest-open exceptions at the end of the as-of day."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    day = _as_of(filters, chosen)
    try:
        oldest = get_oldest_open_exceptions(filters, day)
        names = get_display_names()
    except ServingCopyUnavailableError as error:
        return empty_state(str(error))
    if oldest.empty:
        return empty_state(f"No exceptions were open at the end of {day} for these filters.")
    return data_table(
        oldest,
        table_id="backlog-oldest-table",
        columns=OLDEST_COLUMNS,
        query=filters_data.get("query", ""),
        numeric_formats={"age_hours": ",.1f"},
        code_kinds=OLDEST_CODE_KINDS,
        names=names,
    )
