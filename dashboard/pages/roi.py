"""ROI: what exceptions cost, by type and component, and what automation would save."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.auth import may_see_costs
from dashboard.components.cards import empty_state, kpi_card, section
from dashboard.components.missing_data import page_without_data
from dashboard.components.palette import BLUE, COST_COLOURS, GREEN, plain_figure
from dashboard.queries.filter_bar import read_filters
from dashboard.queries.roi import (
    get_automatable_classes,
    get_automation_levels,
    get_cost_model,
    get_exception_costs,
)
from dashboard.roi import COST_COMPONENTS, project_savings
from dashboard.serving import ServingCopyUnavailableError

dash.register_page(
    __name__, path="/roi", name="ROI", title="orderlens · ROI", order=5, analysis="roi"
)

COMPONENT_LABELS = {
    "labor_cost": "Labor",
    "escalation_cost": "Escalation",
    "expedite_cost": "Expedite",
    "cancellation_cost": "Cancellation",
    "refund_leakage_cost": "Refund leakage",
}
LABOR_RATE = "labor_rate_per_hour"


def _starting_share(levels) -> int:
    """The first stated level above today's baseline, in percent (0 without one)."""
    above = levels[levels["touch_automation_share"] > 0]["touch_automation_share"]
    return round(float(above.min()) * 100) if not above.empty else 0


def _controls(classes: list[str], levels, labor_rate: float) -> list:
    presets = [
        dbc.Button(
            f"{row.automation_level} ({row.touch_automation_share:.0%})",
            id={"type": "roi-preset", "share": float(row.touch_automation_share)},
            size="sm",
            color="secondary",
            outline=True,
            className="me-1 mb-1",
            title=row.description,
        )
        for row in levels.itertuples()
    ]
    sliders = [
        html.Div(
            [
                html.Label(f"{name}: share of manual touches automated", className="small mb-0"),
                dcc.Slider(
                    id={"type": "roi-class-share", "class": name},
                    min=0,
                    max=100,
                    step=5,
                    value=_starting_share(levels),
                    marks={0: "0%", 50: "50%", 100: "100%"},
                    tooltip={"placement": "bottom", "template": "{value}%"},
                ),
            ],
            className="mb-1",
        )
        for name in classes
    ]
    return [
        html.Div([html.Span("Stated automation levels: ", className="small text-muted"), *presets]),
        html.Div(
            [
                html.Label(
                    "Labor rate (USD per hour)", htmlFor="roi-labor-rate", className="small mb-0"
                ),
                dbc.Input(
                    id="roi-labor-rate",
                    type="number",
                    min=0,
                    step=1,
                    value=labor_rate,
                    style={"maxWidth": "160px"},
                ),
            ],
            className="my-2",
        ),
        *sliders,
    ]


def layout(**_query: str) -> html.Div:
    """Cost breakdown, the what-if controls and their outcome (refused to roles that may
    not see costs, whatever route asks for it)."""
    if not may_see_costs():
        return html.Div([html.H2("ROI"), empty_state("This page is not available to your role.")])
    if (missing := page_without_data("ROI", "roi")) is not None:
        return missing
    try:
        classes = get_automatable_classes()
        levels = get_automation_levels()
        base_rate = get_cost_model().get(LABOR_RATE, 0.0)
    except ServingCopyUnavailableError as error:
        return html.Div([html.H2("ROI"), empty_state(str(error))])
    controls = (
        _controls(classes, levels, base_rate)
        if classes
        else [empty_state("No exception type is marked auto-resolvable in the taxonomy.")]
    )
    return html.Div(
        [
            dcc.Store(id="roi-base-labor-rate", data=base_rate),
            html.H2("ROI"),
            section(
                "Cost of exceptions by type and component",
                dcc.Loading(html.Div(id="roi-cost-breakdown")),
                note="Exceptions detected in the period, priced by the cost model "
                "(reference data).",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        section(
                            "What if we automate?",
                            controls,
                            note="Automation removes the chosen share of labor and escalation "
                            "cost of auto-resolvable types, as in the ROI mart.",
                        ),
                        lg=5,
                    ),
                    dbc.Col(
                        section(
                            "Savings against the baseline", dcc.Loading(html.Div(id="roi-outcome"))
                        ),
                        lg=7,
                    ),
                ]
            ),
        ]
    )


@callback(Output("roi-cost-breakdown", "children"), Input("filters", "data"))
def update_breakdown(filters_data):
    """Stacked cost components per exception type."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    try:
        costs = get_exception_costs(filters)
    except ServingCopyUnavailableError as error:
        return empty_state(str(error))
    if costs.empty or costs["total_cost"].sum() == 0:
        return empty_state("No exception cost in this period for these filters.")
    ordered = costs.iloc[::-1]
    figure = plain_figure(
        [
            {
                "type": "bar",
                "y": ordered["exception_type"],
                "x": ordered[component],
                "orientation": "h",
                "name": COMPONENT_LABELS[component],
                "marker": {"color": COST_COLOURS[component]},
                "hovertemplate": "%{y}<br>"
                + COMPONENT_LABELS[component]
                + ": $%{x:,.0f}<extra></extra>",
            }
            for component in COST_COMPONENTS
        ],
        x_title="Cost (USD)",
        y_title="",
        height=420,
        barmode="stack",
    )
    total = html.Div(
        [
            html.Span("Total in the period: "),
            html.Span(
                f"${costs['total_cost'].sum():,.0f}", id="roi-total-cost", className="fw-semibold"
            ),
        ],
        className="small",
    )
    return [
        total,
        dcc.Graph(id="roi-breakdown-chart", figure=figure, config={"displaylogo": False}),
    ]


@callback(
    Output({"type": "roi-class-share", "class": ALL}, "value"),
    Input({"type": "roi-preset", "share": ALL}, "n_clicks"),
    State({"type": "roi-class-share", "class": ALL}, "id"),
    prevent_initial_call=True,
)
def apply_preset(_clicks, slider_ids):
    """A stated automation level sets every class to its share."""
    if not ctx.triggered_id or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    share = round(float(ctx.triggered_id["share"]) * 100)
    return [share for _ in slider_ids] if slider_ids else no_update


@callback(
    Output("roi-outcome", "children"),
    Input("filters", "data"),
    Input({"type": "roi-class-share", "class": ALL}, "value"),
    Input("roi-labor-rate", "value"),
    State({"type": "roi-class-share", "class": ALL}, "id"),
    State("roi-base-labor-rate", "data"),
)
def update_outcome(filters_data, shares, labor_rate, slider_ids, base_rate):
    """Baseline, projected cost and savings for the chosen plan."""
    if not filters_data or not base_rate:
        raise PreventUpdate
    filters = read_filters(filters_data)
    try:
        costs = get_exception_costs(filters)
    except ServingCopyUnavailableError as error:
        return empty_state(str(error))
    if costs.empty:
        return empty_state("No exceptions in this period for these filters: nothing to save.")
    rate = (
        float(labor_rate) if labor_rate not in (None, "") and float(labor_rate) >= 0 else base_rate
    )
    plan = {
        identity["class"]: float(value or 0) / 100
        for identity, value in zip(slider_ids, shares, strict=True)
    }
    outcome = project_savings(
        costs, automation_by_class=plan, labor_rate=rate, base_labor_rate=base_rate
    )
    cards = dbc.Row(
        [
            dbc.Col(
                kpi_card(
                    "Baseline cost", f"${outcome.baseline_cost:,.0f}", value_id="roi-baseline"
                ),
                md=3,
            ),
            dbc.Col(
                kpi_card(
                    "Projected cost", f"${outcome.projected_cost:,.0f}", value_id="roi-projected"
                ),
                md=3,
            ),
            dbc.Col(
                kpi_card(
                    "Savings",
                    f"${outcome.savings:,.0f}",
                    value_id="roi-savings",
                    note=f"{outcome.savings / outcome.baseline_cost:.1%} of baseline"
                    if outcome.baseline_cost
                    else "",
                ),
                md=3,
            ),
            dbc.Col(
                kpi_card(
                    "Touches avoided", f"{outcome.touches_avoided:,.0f}", value_id="roi-touches"
                ),
                md=3,
            ),
        ],
        className="g-2 mb-2",
    )
    per_type = outcome.per_type.sort_values("baseline_cost").tail(12)
    figure = plain_figure(
        [
            {
                "type": "bar",
                "y": per_type["exception_type"],
                "x": per_type["baseline_cost"],
                "name": "Baseline",
                "orientation": "h",
                "marker": {"color": BLUE},
            },
            {
                "type": "bar",
                "y": per_type["exception_type"],
                "x": per_type["projected_cost"],
                "name": "With automation",
                "orientation": "h",
                "marker": {"color": GREEN},
            },
        ],
        x_title="Cost in the period (USD)",
        y_title="",
        height=380,
        barmode="group",
    )
    return [cards, dcc.Graph(id="roi-outcome-chart", figure=figure, config={"displaylogo": False})]
