"""Process: the map of how orders really flow, its variants, bottlenecks and deviations."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.components.cards import empty_state, section
from dashboard.components.missing_data import page_without_data
from dashboard.components.process_map import build_process_map
from dashboard.components.tables import data_table
from dashboard.queries.filter_bar import read_filters
from dashboard.queries.process import (
    get_conformance_summary,
    get_deviations,
    get_process_edges,
    get_variants,
)
from dashboard.serving import MissingTableError, ServingCopyUnavailableError

dash.register_page(
    __name__,
    path="/process",
    name="Process",
    title="orderlens · Process",
    order=3,
    analysis="process",
)

BOTTLENECK_COLUMNS = {
    "source_activity": "From",
    "target_activity": "To",
    "frequency": "Transitions",
    "mean_wait_hours": "Mean wait (h)",
    "total_wait_hours": "Total wait (h)",
}
VARIANT_COLUMNS = {
    "variant_rank": "Rank",
    "variant_key": "Activities in order",
    "case_count": "Cases",
    "case_share_percent": "Share (%)",
    "median_throughput_hours": "Median throughput (h)",
    "p95_throughput_hours": "P95 throughput (h)",
}
DEVIATION_COLUMNS = {
    "deviation": "Deviation",
    "kind": "Kind",
    "case_count": "Cases",
    "case_share_percent": "Share (%)",
    "extra_hours": "Extra time (h)",
}
ALL_TIME_NOTE = (
    "All cases in the published data (variants and conformance are not split by the filters)."
)


def layout(**_query: str) -> html.Div:
    """The map with its edge slider, then bottlenecks, variants and deviations."""
    if (missing := page_without_data("Process", "process")) is not None:
        return missing
    return html.Div(
        [
            html.H2("Process"),
            section(
                "Process map",
                [
                    html.Div(
                        [
                            html.Label(
                                "Edges shown (most frequent first)",
                                htmlFor="process-edge-count",
                                className="form-label small mb-0",
                            ),
                            dcc.Slider(
                                id="process-edge-count",
                                min=5,
                                max=80,
                                step=5,
                                value=30,
                                marks={5: "5", 20: "20", 40: "40", 60: "60", 80: "80"},
                            ),
                        ],
                        style={"maxWidth": "420px"},
                    ),
                    dcc.Loading(html.Div(id="process-map")),
                ],
                note="Edge width: number of transitions in the period; edge colour: mean wait "
                "between the two activities. Hover an edge's midpoint for figures.",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        section(
                            "Bottleneck edges",
                            dcc.Loading(html.Div(id="process-bottlenecks")),
                            note="Edges ranked by total waiting time in the period.",
                        ),
                        lg=6,
                    ),
                    dbc.Col(
                        section(
                            "Conformance deviations",
                            dcc.Loading(html.Div(id="process-deviations")),
                            note=ALL_TIME_NOTE,
                        ),
                        lg=6,
                    ),
                ]
            ),
            section(
                "Variant explorer", dcc.Loading(html.Div(id="process-variants")), note=ALL_TIME_NOTE
            ),
        ]
    )


@callback(
    Output("process-map", "children"),
    Output("process-bottlenecks", "children"),
    Input("filters", "data"),
    Input("process-edge-count", "value"),
)
def update_map(filters_data, edge_count):
    """Map and bottleneck table from the directly-follows edges of the period."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    try:
        edges = get_process_edges(filters)
    except ServingCopyUnavailableError as error:
        return empty_state(str(error)), empty_state(str(error))
    if edges.empty:
        message = "No transitions were completed in this period for these filters."
        return empty_state(message), empty_state(message)
    figure = build_process_map(edges, max_edges=int(edge_count or 30))
    bottlenecks = (
        edges.assign(
            mean_wait_hours=edges["mean_wait_seconds"] / 3600,
            total_wait_hours=edges["total_wait_seconds"] / 3600,
        )
        .sort_values(["total_wait_hours", "source_activity"], ascending=[False, True])
        .head(15)
    )
    table = data_table(
        bottlenecks,
        table_id="process-bottleneck-table",
        columns=BOTTLENECK_COLUMNS,
        numeric_formats={"frequency": ",d", "mean_wait_hours": ",.1f", "total_wait_hours": ",.0f"},
        page_size=10,
    )
    return dcc.Graph(id="process-map-chart", figure=figure, config={"displaylogo": False}), table


@callback(Output("process-variants", "children"), Input("filters", "data"))
def update_variants(filters_data):
    """The most frequent variants (all-time), whatever the conformance tables hold."""
    if not filters_data:
        raise PreventUpdate
    try:
        variants = get_variants()
    except ServingCopyUnavailableError as error:
        return empty_state(str(error))
    if variants.empty:
        return empty_state("No variants: no cases have been processed yet.")
    return data_table(
        variants.assign(case_share_percent=variants["case_share"] * 100),
        table_id="process-variant-table",
        columns=VARIANT_COLUMNS,
        page_size=10,
        numeric_formats={
            "case_count": ",d",
            "case_share_percent": ".1f",
            "median_throughput_hours": ",.1f",
            "p95_throughput_hours": ",.1f",
        },
    )


@callback(Output("process-deviations", "children"), Input("filters", "data"))
def update_deviations(filters_data):
    """Conformance fitness (with its model) and the deviations found (all-time)."""
    if not filters_data:
        raise PreventUpdate
    try:
        deviations = get_deviations()
        summary = get_conformance_summary()
    except MissingTableError:
        return empty_state(
            "Conformance has not been checked yet: the process-mining stage has not published "
            "its tables. Run the whole pipeline (`orderlens run`)."
        )
    except ServingCopyUnavailableError as error:
        return empty_state(str(error))
    header = html.Div(summary.headline, className="small mb-2", id="process-conformance-summary")
    if deviations.empty:
        message = (
            "No deviations from the model."
            if summary.fitness is not None
            else "No deviations to list: no case was checked against a model."
        )
        return [header, empty_state(message)]
    return [
        header,
        data_table(
            deviations.assign(case_share_percent=deviations["case_share"] * 100),
            table_id="process-deviation-table",
            columns=DEVIATION_COLUMNS,
            page_size=10,
            numeric_formats={
                "case_count": ",d",
                "case_share_percent": ".1f",
                "extra_hours": ",.1f",
            },
        ),
    ]
