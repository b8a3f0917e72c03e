"""Overview: how bad is it, where, why and what it costs, against the previous period."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.auth import may_see_costs
from dashboard.components.cards import (
    comparison_card,
    empty_state,
    headline_banner,
    kpi_card,
    section,
)
from dashboard.components.missing_data import coverage_list, missing_data_state
from dashboard.components.palette import BLUE, VERMILLION, count_axis, plain_figure
from dashboard.headlines import Driver, overview_headline
from dashboard.kpis import KPI_ELEMENT_IDS, compare_all, format_value
from dashboard.queries.backlog import get_backlog_series
from dashboard.queries.display_names import get_display_names
from dashboard.queries.filter_bar import read_filters
from dashboard.queries.overview import (
    ALERT_FILTER_DIMENSIONS,
    get_current_alerts,
    get_kpi_comparison,
    get_past_sla_driver,
    get_process_kpis,
    get_split_shipments,
)
from dashboard.queries.root_causes import get_pareto
from dashboard.serving import (
    ServingCopyUnavailableError,
    get_coverage,
    get_missing_analysis,
    get_publication,
)

dash.register_page(__name__, path="/", name="Overview", title="orderlens · Overview", order=0)


OVERVIEW_REASON_LIMIT = 8
ALERT_CODE_KINDS = {"node_id": "node", "node": "node"}
"""The display-name kind of an alert's dimension where it differs from the dimension."""


def _alert_text(row, names) -> str:
    """One spike alert in words, from its columns (the stored sentence carries codes)."""
    kind = ALERT_CODE_KINDS.get(row.dimension, row.dimension)
    where = f"{names.name('dimension', row.dimension).lower()} {names.name(kind, row.value)}"
    window = f"{row.window_hours:.0f} h" if not pd.isna(row.window_hours) else "its window"
    counts = f"{row.observed:,.0f} against {row.expected:,.1f} expected in {window}"
    if row.metric == "integration_failures":
        what = f"Failing messages on {names.name('interface', row.value)}"
        return f"{what}: {counts}"
    if row.metric == "orders_created":
        return f"Order volume surge at {where}: {counts}"
    exceptions = (
        f"{names.name('exception_type', row.exception_type)} exceptions"
        if isinstance(row.exception_type, str)
        else "Exceptions"
    )
    return f"{exceptions} at {where}: {counts}"


def _alert_lines(filters) -> html.Div | None:
    """One line per spike alert raised in the period about what the filters keep."""
    try:
        alerts = get_current_alerts(filters)
        names = get_display_names()
    except ServingCopyUnavailableError:
        return None
    if alerts.empty:
        return None
    lines = [
        html.Li(
            f"{_alert_text(row, names)} (last alert {row.last_alert_at:%Y-%m-%d %H:%M} UTC"
            f"{', recurring' if row.is_recurring else ''})"
        )
        for row in alerts.itertuples()
    ]
    narrowed = any(filters.values(dimension) for dimension in set(ALERT_FILTER_DIMENSIONS.values()))
    scope = " for these filters" if narrowed else ""
    return html.Div(
        [html.Strong(f"Spike alerts in the period{scope}"), html.Ul(lines, className="mb-0")],
        id="overview-alerts",
        className="alert alert-warning py-2",
        role="alert",
    )


def _coverage_section() -> dbc.Card | None:
    """What the published data can answer, and what would enable the rest (when known)."""
    coverage = get_coverage()
    if not coverage:
        return None
    return section(
        "What this data can answer",
        coverage_list(coverage),
        note="Read from the events themselves: each analysis needs the columns named here.",
    )


def layout(**_query: str) -> html.Div:
    """The page frame; its numbers are filled by the callbacks below from the filters.

    Without exceptions in the data, the exception charts give way to what the data can
    answer and what would enable the rest.
    """
    try:
        publication = get_publication()
    except ServingCopyUnavailableError as error:
        return html.Div([html.H2("Overview"), empty_state(str(error))])
    header = html.Div(
        [
            html.H2("Overview", className="mb-0 me-3"),
            html.Span(publication.as_of_text, id="data-as-of", className="text-muted me-2"),
            html.Span(
                f"({publication.published_text})", id="data-published", className="small text-muted"
            ),
        ],
        className="d-flex align-items-baseline flex-wrap mb-2",
    )
    if get_missing_analysis("exceptions") is not None:
        return html.Div(
            [
                header,
                html.Div(id="overview-period", className="small text-muted mb-2"),
                html.Div(id="overview-headline-body"),
                html.Div(id="overview-alerts-body"),
                dcc.Loading(html.Div(id="overview-kpis"), type="dot"),
                _coverage_section(),
            ]
        )
    return html.Div(
        [
            header,
            html.Div(id="overview-period", className="small text-muted mb-2"),
            html.Div(id="overview-headline-body"),
            html.Div(id="overview-alerts-body"),
            dcc.Loading(html.Div(id="overview-kpis"), type="dot"),
            dbc.Row(
                [
                    dbc.Col(
                        section(
                            "Backlog at the end of each day",
                            dcc.Loading(html.Div(id="overview-backlog-trend")),
                        ),
                        lg=7,
                    ),
                    dbc.Col(
                        section(
                            "Top reasons in the period",
                            dcc.Loading(html.Div(id="overview-root-causes")),
                        ),
                        lg=5,
                    ),
                ]
            ),
        ]
    )


@callback(
    Output("overview-kpis", "children"),
    Output("overview-period", "children"),
    Output("overview-headline-body", "children"),
    Output("overview-alerts-body", "children"),
    Input("filters", "data"),
)
def update_kpis(filters_data):
    """KPI cards for the period, each compared with the period of equal length before it;
    above them the headline (targets missed and what drives the worst) and the spike
    alerts of the period that concern the filtered data."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    previous = filters.previous_period()
    missing = get_missing_analysis("exceptions")
    if missing is not None:
        return (
            html.Div(
                [
                    _process_cards(filters),
                    missing_data_state(missing, element_id="overview-missing-exceptions"),
                ]
            ),
            f"Period {filters.start} to {filters.end} (UTC): cases started in it.",
            None,
            None,
        )
    try:
        current, earlier = get_kpi_comparison(filters)
        comparisons = compare_all(current, earlier)
        split_orders, shipped_orders = get_split_shipments(filters)
    except ServingCopyUnavailableError as error:
        return empty_state(str(error)), "", None, None
    shows_costs = may_see_costs()
    shown = [
        (definition, comparison)
        for definition, comparison in comparisons
        if shows_costs or definition.unit != "currency"
    ]
    cards = [
        dbc.Col(comparison_card(comparison, value_id=KPI_ELEMENT_IDS[definition.key]), md=3)
        for definition, comparison in shown
    ]
    period = (
        f"Period {filters.start} to {filters.end} (UTC), compared with "
        f"{previous.start} to {previous.end}. Backlog is measured at the end of the period."
    )
    if shipped_orders:
        period += (
            f" Split shipments: {split_orders / shipped_orders:.1%} of shipped orders "
            f"({split_orders:,} of {shipped_orders:,}), not counted as rework."
        )
    headline = overview_headline(shown, current, _past_sla_driver(filters))
    return (
        dbc.Row(cards, className="g-3 mb-4"),
        period,
        headline_banner(headline, element_id="overview-headline"),
        _alert_lines(filters),
    )


def _past_sla_driver(filters) -> Driver | None:
    """The exception type and node holding most of the late backlog, in people's words."""
    driver = get_past_sla_driver(filters, filters.end)
    if driver is None:
        return None
    exception_type, node, count = driver
    names = get_display_names()
    where = f" at {names.name('node', node)}" if node else ""
    return Driver(f"{names.name('exception_type', exception_type).lower()}{where}", count)


def _process_cards(filters) -> dbc.Row | html.Div:
    """Cases, events, paths and throughput times: the overview of a log without exceptions."""
    try:
        kpis = get_process_kpis(filters)
    except ServingCopyUnavailableError as error:
        return empty_state(str(error))
    cards = [
        ("Cases started", format_value(kpis["cases"], "count"), "overview-cases", "in the period"),
        ("Events", format_value(kpis["events"], "count"), "overview-events", "of those cases"),
        (
            "Distinct paths",
            format_value(kpis["variants"], "count"),
            "overview-variants",
            "activity sequences (variants)",
        ),
        (
            "Median throughput",
            format_value(kpis["median_hours"], "hours"),
            "overview-median-throughput",
            "first to last event of a case",
        ),
        (
            "90th percentile throughput",
            format_value(kpis["p90_hours"], "hours"),
            "overview-p90-throughput",
            "nine cases in ten finish within this",
        ),
    ]
    return dbc.Row(
        [
            dbc.Col(kpi_card(title, value, value_id=value_id, note=note), md=True)
            for title, value, value_id, note in cards
        ],
        className="g-3 mb-4",
    )


@callback(Output("overview-backlog-trend", "children"), Input("filters", "data"))
def update_backlog_trend(filters_data):
    """Open backlog and the part of it past SLA, day by day."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    try:
        series = get_backlog_series(filters)
    except ServingCopyUnavailableError as error:
        return empty_state(str(error))
    if series.empty or series["open_count"].sum() == 0:
        return empty_state("No exceptions were open in this period for these filters.")
    figure = plain_figure(
        [
            {
                "type": "scatter",
                "x": series["date_day"],
                "y": series["open_count"],
                "name": "Open",
                "mode": "lines+markers",
                "line": {"color": BLUE, "width": 2},
            },
            {
                "type": "scatter",
                "x": series["date_day"],
                "y": series["past_sla_count"],
                "name": "Open past SLA",
                "mode": "lines+markers",
                "line": {"color": VERMILLION, "width": 2, "dash": "dot"},
            },
        ],
        x_title="Day (UTC)",
        y_title="Open exceptions (count)",
        height=320,
    )
    figure["layout"]["yaxis"].update(count_axis(float(series["open_count"].max())))
    return dcc.Graph(id="overview-backlog-chart", figure=figure, config={"displaylogo": False})


@callback(Output("overview-root-causes", "children"), Input("filters", "data"))
def update_root_causes(filters_data):
    """The reason codes behind most of the period's exceptions."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    try:
        full = get_pareto(filters, "reason_code")
        names = get_display_names()
    except ServingCopyUnavailableError as error:
        return empty_state(str(error))
    if full.empty:
        return empty_state("No exceptions were detected in this period for these filters.")
    pareto = full.head(OVERVIEW_REASON_LIMIT)
    ordered = pareto.iloc[::-1]
    labels = names.names("reason_code", ordered["value"])
    cost_hover = (
        {
            "customdata": ordered["exception_cost"],
            "hovertemplate": "%{hovertext}<br>%{x:,} exceptions<br>cost $%{customdata:,.0f}"
            "<extra></extra>",
        }
        if "exception_cost" in ordered
        else {"hovertemplate": "%{hovertext}<br>%{x:,} exceptions<extra></extra>"}
    )
    figure = plain_figure(
        [
            {
                "type": "bar",
                "x": ordered["exception_count"],
                "y": ordered["value"],
                "hovertext": labels,
                "orientation": "h",
                "marker": {"color": BLUE},
                "text": ordered["exception_count"],
                "textposition": "auto",
                **cost_hover,
            }
        ],
        x_title="Exceptions detected (count)",
        y_title="",
        height=320,
    )
    figure["layout"]["yaxis"].update(
        {"tickmode": "array", "tickvals": ordered["value"].tolist(), "ticktext": labels}
    )
    figure["layout"]["xaxis"].update(count_axis(float(pareto["exception_count"].max())))
    scope = (
        f"The {len(pareto)} most frequent of {len(full)} reasons "
        f"({int(pareto['exception_count'].sum()):,} of {int(full['exception_count'].sum()):,} "
        "exceptions); all of them on the Root causes page."
        if len(full) > len(pareto)
        else f"All {len(full)} reasons of the period."
    )
    return [
        html.Div(scope, className="small text-muted", id="overview-root-cause-scope"),
        dcc.Graph(id="overview-root-cause-chart", figure=figure, config={"displaylogo": False}),
    ]
