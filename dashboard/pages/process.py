"""Process: the map of how orders really flow, its bottlenecks, variants and deviations.

The map is Disco-style: boxes with their events, labelled edges, start and end markers,
a frequency / performance toggle and sliders keeping the busiest activities and paths
(:func:`process_mining.process_maps.simplify_process_map`), laid out by Graphviz. The
map, the bottlenecks and the variants all read the dbt marts split by day and by the
filter dimensions, so they follow the page filters.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.components.cards import empty_state, headline_banner, section
from dashboard.components.missing_data import page_without_data
from dashboard.components.process_map import build_process_map, format_duration
from dashboard.components.tables import data_table
from dashboard.graphviz_layout import GraphLayoutError
from dashboard.headlines import Wait, process_headline
from dashboard.queries.filter_bar import read_filters
from dashboard.queries.process import (
    get_case_endpoints,
    get_conformance_summary,
    get_deviations,
    get_process_edges,
    get_variants,
)
from dashboard.serving import MissingTableError, ServingCopyUnavailableError
from process_mining.process_maps import simplify_process_map

dash.register_page(
    __name__,
    path="/process",
    name="Process",
    title="orderlens · Process",
    order=3,
    analysis="process",
)

WAIT_CLASSES = {
    "internal": "Internal (your teams and systems)",
    "partner": "Partner (carrier, supplier, marketplace)",
    "customer": "Customer",
    "all": "All waits",
}
BOTTLENECK_COLUMNS = {
    "source_activity": "From",
    "target_activity": "To",
    "waiting_on": "Waiting on",
    "frequency": "Transitions",
    "mean_wait": "Mean wait",
    "total_wait_hours": "Total wait (h)",
    "waiting_share_percent": "Share of all waiting (%)",
}
DEVIATION_KINDS = {
    "skipped": "Step the model expects was not done",
    "inserted": "Step done where the model does not allow it",
}
"""The conformance check's two kinds of deviation, in people's words."""
DEVIATION_COLUMNS = {
    "deviation": "Deviation",
    "kind_words": "What happened",
    "case_count": "Cases",
    "case_share_percent": "Share (%)",
    "throughput_effect": "Throughput vs fitting cases",
}
ALL_TIME_NOTE = "All cases in the published data (conformance is not split by the filters)."
DEFAULT_ACTIVITY_PERCENT = 30
DEFAULT_PATH_PERCENT = 20
VARIANT_COUNTS = ("5", "10", "20", "50")
"""The variant explorer's choices, as text: a choice the page never offered shows the top 10."""
DEFAULT_VARIANT_COUNT = "10"
PERCENT_MARKS = {value: f"{value}%" for value in (5, 25, 50, 75, 100)}
MAP_NOTE = (
    "Boxes: activities, with their events in the period (darker: more). Arrows: one "
    "activity directly followed by the next, labelled with how often (frequency) or the "
    "mean wait between them (performance); thicker and darker is more. Start and End "
    "mark where cases begin and finish. Hover a box or a label for its figures."
)


def _slider(label: str, slider_id: str, value: int, minimum: int) -> html.Div:
    return html.Div(
        [
            html.Label(label, htmlFor=slider_id, className="form-label small mb-0"),
            dcc.Slider(
                id=slider_id, min=minimum, max=100, step=5, value=value, marks=PERCENT_MARKS
            ),
        ],
        style={"minWidth": "260px", "flex": "1"},
    )


def layout(**_query: str) -> html.Div:
    """The map with its view toggle and sliders, then bottlenecks, deviations and variants."""
    if (missing := page_without_data("Process", "process")) is not None:
        return missing
    controls = html.Div(
        [
            html.Div(
                [
                    html.Div("Edge labels", className="form-label small mb-0"),
                    dbc.RadioItems(
                        id="process-map-view",
                        options=[
                            {"label": "Frequency (transitions)", "value": "frequency"},
                            {"label": "Performance (mean wait)", "value": "performance"},
                        ],
                        value="frequency",
                        inline=True,
                    ),
                ],
                style={"minWidth": "330px"},
            ),
            _slider(
                "Activities: the busiest shown",
                "process-activity-share",
                DEFAULT_ACTIVITY_PERCENT,
                5,
            ),
            _slider(
                "Paths: the most frequent shown", "process-path-share", DEFAULT_PATH_PERCENT, 0
            ),
        ],
        className="d-flex flex-wrap gap-4 align-items-end mb-2",
    )
    return html.Div(
        [
            html.H2("Process"),
            html.Div(id="process-headline-body"),
            section(
                "Process map",
                [
                    controls,
                    html.Div(id="process-map-summary", className="small text-muted mb-1"),
                    dcc.Loading(html.Div(id="process-map", style={"overflowX": "auto"})),
                ],
                note=MAP_NOTE,
            ),
            section(
                "Bottlenecks: where cases wait longest",
                [
                    dbc.RadioItems(
                        id="process-wait-class",
                        options=[
                            {"label": label, "value": value}
                            for value, label in WAIT_CLASSES.items()
                        ],
                        value="internal",
                        inline=True,
                        className="small mb-2",
                    ),
                    dcc.Loading(html.Div(id="process-bottlenecks")),
                ],
                note="Transitions ranked by the waiting time they add in the period. A wait "
                "is classed by who performs the next step (your reference list of which "
                "steps partners and customers perform): internal waits are the ones your "
                "teams can shorten.",
            ),
            section(
                "Conformance deviations",
                dcc.Loading(html.Div(id="process-deviations")),
                note=ALL_TIME_NOTE,
            ),
            section(
                "Variant explorer",
                [
                    html.Div(
                        [
                            html.Label(
                                "Variants shown",
                                htmlFor="process-variant-count",
                                className="form-label small mb-0 me-2",
                            ),
                            dbc.RadioItems(
                                id="process-variant-count",
                                options=[{"label": f"Top {n}", "value": n} for n in VARIANT_COUNTS],
                                value=DEFAULT_VARIANT_COUNT,
                                inline=True,
                            ),
                        ],
                        className="d-flex align-items-center small mb-2",
                    ),
                    dcc.Loading(html.Div(id="process-variants")),
                ],
                note="Cases that started in the period under the filters, grouped by the "
                "sequence of activities they went through.",
            ),
        ]
    )


def _share(value: object, default: int) -> float:
    return (default if value is None else float(value)) / 100


@callback(
    Output("process-map", "children"),
    Output("process-map-summary", "children"),
    Input("filters", "data"),
    Input("process-map-view", "value"),
    Input("process-activity-share", "value"),
    Input("process-path-share", "value"),
)
def update_map(filters_data, view, activity_percent, path_percent):
    """The map of the period's transitions under the filters, cut by the two sliders."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    try:
        edges = get_process_edges(filters)
        endpoints = get_case_endpoints(filters)
    except ServingCopyUnavailableError as error:
        return empty_state(str(error)), ""
    if edges.empty and endpoints.empty:
        return empty_state("No events in this period for these filters."), ""
    simplified = simplify_process_map(
        edges,
        endpoints,
        activity_share=_share(activity_percent, DEFAULT_ACTIVITY_PERCENT),
        path_share=_share(path_percent, DEFAULT_PATH_PERCENT),
    )
    try:
        figure = build_process_map(simplified, view=view if view == "performance" else "frequency")
    except GraphLayoutError as error:
        return empty_state(f"The map could not be laid out: {error}."), ""
    summary = (
        f"Showing {len(simplified.activities):,} of {simplified.activity_total:,} activities "
        f"and {len(simplified.edges):,} of {simplified.edge_total:,} paths."
    )
    graph = dcc.Graph(
        id="process-map-chart",
        figure=figure,
        config={"displaylogo": False, "displayModeBar": False, "responsive": False},
        style={"width": f"{figure['layout']['width']}px", "margin": "0 auto"},
    )
    return graph, summary


def _wait_summary(edges) -> html.Div:
    """Waiting time per class, in hours and as a share of all waiting in the period."""
    total = float(edges["total_wait_seconds"].sum()) or 1.0
    by_class = edges.groupby("wait_class")["total_wait_seconds"].sum()
    parts = [
        f"{name.capitalize()}: {by_class.get(name, 0.0) / 3600:,.0f} h "
        f"({by_class.get(name, 0.0) / total:.0%})"
        for name in ("internal", "partner", "customer")
    ]
    return html.Div(
        "Waiting time in the period by who the case waits on: " + " · ".join(parts) + ".",
        className="small mb-2",
        id="process-wait-summary",
    )


@callback(Output("process-headline-body", "children"), Input("filters", "data"))
def update_headline(filters_data):
    """The page's first sentence: the longest internal wait, the main path and the fit."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    try:
        edges = get_process_edges(filters)
        variants = get_variants(filters, limit=1)
        fitness = get_conformance_summary().fitness
    except (MissingTableError, ServingCopyUnavailableError):
        return None
    longest = None
    internal = edges[edges["wait_class"] == "internal"]
    total = float(edges["total_wait_seconds"].sum())
    if not internal.empty and total > 0:
        row = internal.sort_values("total_wait_seconds", ascending=False).iloc[0]
        longest = Wait(
            str(row["source_activity"]),
            str(row["target_activity"]),
            float(row["total_wait_seconds"]) / 3600,
            float(row["total_wait_seconds"]) / total,
        )
    top_share = None if variants.empty else float(variants["case_share"].iloc[0])
    return headline_banner(
        process_headline(top_share, longest, fitness), element_id="process-headline"
    )


@callback(
    Output("process-bottlenecks", "children"),
    Input("filters", "data"),
    Input("process-wait-class", "value"),
)
def update_bottlenecks(filters_data, wait_class):
    """The transitions adding the most waiting time, internal waits first by default."""
    if not filters_data:
        raise PreventUpdate
    try:
        edges = get_process_edges(read_filters(filters_data))
    except ServingCopyUnavailableError as error:
        return empty_state(str(error))
    if edges.empty:
        return empty_state("No transitions were completed in this period for these filters.")
    total = float(edges["total_wait_seconds"].sum()) or 1.0
    shown = (
        edges
        if wait_class not in ("internal", "partner", "customer")
        else edges[edges["wait_class"] == wait_class]
    )
    if shown.empty:
        return [_wait_summary(edges), empty_state(f"No {wait_class} waits in this period.")]
    ranked = (
        shown.assign(
            mean_wait=shown["mean_wait_seconds"].map(format_duration),
            total_wait_hours=shown["total_wait_seconds"] / 3600,
            waiting_share_percent=shown["total_wait_seconds"] / total * 100,
        )
        .sort_values(["total_wait_seconds", "source_activity"], ascending=[False, True])
        .head(15)
    )
    return [
        _wait_summary(edges),
        data_table(
            ranked,
            table_id="process-bottleneck-table",
            columns=BOTTLENECK_COLUMNS,
            numeric_formats={
                "frequency": ",d",
                "total_wait_hours": ",.0f",
                "waiting_share_percent": ".1f",
            },
            page_size=10,
        ),
    ]


def _variant_row(variant) -> html.Div:
    """One variant: its rank, share and cases, then its steps as labelled chips."""
    steps: list = []
    for position, activity in enumerate(variant.activities):
        if position:
            steps.append(html.Span("→", className="text-muted", **{"aria-hidden": "true"}))
        steps.append(
            html.Span(activity, className="badge rounded-pill text-bg-light border process-step")
        )
    throughput = format_duration(variant.mean_throughput_hours * 3600)
    return html.Div(
        [
            html.Div(
                [
                    html.Span(f"#{int(variant.variant_rank)}", className="fw-semibold me-2"),
                    html.Span(
                        f"{variant.case_share:.1%} of cases · {int(variant.case_count):,} cases"
                        f" · {len(variant.activities)} steps"
                        f" · mean throughput {throughput}",
                        className="text-muted",
                    ),
                ],
                className="small",
            ),
            dbc.Progress(value=variant.case_share * 100, style={"height": "4px"}, className="my-1"),
            html.Div(steps, className="d-flex flex-wrap align-items-center gap-1"),
        ],
        className="process-variant border-bottom py-2",
    )


@callback(
    Output("process-variants", "children"),
    Input("filters", "data"),
    Input("process-variant-count", "value"),
)
def update_variants(filters_data, variant_count):
    """The most frequent variants of the cases that started in the period, filtered."""
    if not filters_data:
        raise PreventUpdate
    try:
        shown = variant_count if variant_count in VARIANT_COUNTS else DEFAULT_VARIANT_COUNT
        variants = get_variants(read_filters(filters_data), limit=int(shown))
    except ServingCopyUnavailableError as error:
        return empty_state(str(error))
    if variants.empty:
        return empty_state("No case started in this period for these filters.")
    first = variants.iloc[0]
    covered = variants["case_share"].sum()
    header = html.Div(
        f"Top {len(variants):,} of {int(first.variant_total):,} variants, covering "
        f"{covered:.1%} of {int(first.case_total):,} cases.",
        className="small mb-1",
        id="process-variant-summary",
    )
    return [header, *(_variant_row(row) for row in variants.itertuples(index=False))]


def _throughput_effect(extra_hours: float) -> str:
    """A deviation's effect on throughput in words: a skipped step often makes cases
    shorter, which is not "negative extra time"."""
    if extra_hours != extra_hours:  # NaN: no fitting case to compare with
        return "no fitting cases to compare"
    if abs(extra_hours) < 0.05:
        return "about the same"
    direction = "longer" if extra_hours > 0 else "shorter"
    return f"{format_duration(abs(extra_hours) * 3600)} {direction}"


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
            deviations.assign(
                case_share_percent=deviations["case_share"] * 100,
                kind_words=deviations["kind"].map(DEVIATION_KINDS).fillna(deviations["kind"]),
                throughput_effect=deviations["extra_hours"].map(_throughput_effect),
            ),
            table_id="process-deviation-table",
            columns=DEVIATION_COLUMNS,
            page_size=10,
            numeric_formats={
                "case_count": ",d",
                "case_share_percent": ".1f",
            },
        ),
    ]
