"""ROI: what exceptions cost, by type and component, and what automating them would save,
cost and return, with the assumptions in words (for roles that may see costs)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.auth import may_see_costs
from dashboard.components.cards import empty_state, headline_banner, kpi_card, section
from dashboard.components.missing_data import page_without_data
from dashboard.components.palette import BLUE, COST_COLOURS, GREEN, plain_figure
from dashboard.headlines import roi_headline
from dashboard.queries.display_names import get_display_names
from dashboard.queries.filter_bar import read_filters
from dashboard.queries.roi import (
    get_automatable_types,
    get_automation_levels,
    get_cost_parameters,
    get_exception_costs,
    get_period_days,
)
from dashboard.serving import ServingCopyUnavailableError
from dashboard.what_if import (
    IMPLEMENTATION_COST,
    LABOR_RATE,
    YEARLY_RUN_COST,
    AutomationPlan,
    Investment,
    WhatIf,
    plan_assumptions,
    project_plan,
)
from orderlens.display_names import DisplayNames

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
"""The cost model's components, in the order the breakdown stacks them."""

MAX_RATE = 1_000_000
MAX_AMOUNT = 1_000_000_000
"""Largest labor rate and investment the inputs take (the callback-input rules say the
same)."""


def _starting_share(levels: pd.DataFrame) -> int:
    """The first stated level above today's baseline, in percent (0 without one)."""
    above = levels[levels["touch_automation_share"] > 0]["touch_automation_share"]
    return round(float(above.min()) * 100) if not above.empty else 0


def _amount_input(
    component_id: str, label: str, value: float, *, step: float, maximum: float
) -> html.Div:
    return html.Div(
        [
            html.Label(label, htmlFor=component_id, className="small mb-0"),
            dbc.Input(
                id=component_id,
                type="number",
                min=0,
                max=maximum,
                step=step,
                value=value,
                style={"maxWidth": "180px"},
            ),
        ],
        className="me-3 mb-2",
    )


def _controls(
    classes: list[str], levels: pd.DataFrame, parameters: dict[str, float], names: DisplayNames
) -> list:
    presets = [
        dbc.Button(
            f"{row.automation_level.capitalize()} ({row.touch_automation_share:.0%})",
            id={"type": "roi-preset", "share": float(row.touch_automation_share)},
            size="sm",
            color="primary",
            outline=True,
            className="me-1 mb-1",
            title=row.description,
        )
        for row in levels.itertuples()
    ]
    sliders = [
        html.Div(
            [
                html.Label(
                    f"{names.name('exception_class', name)}: share of automatable touches removed",
                    className="small mb-0",
                    title=names.description("exception_class", name),
                ),
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
        html.Div(id="roi-active-plan", className="small fw-semibold mb-2"),
        html.Div(
            [
                _amount_input(
                    "roi-labor-rate",
                    "Labor rate (USD per hour)",
                    parameters[LABOR_RATE],
                    step=1,
                    maximum=MAX_RATE,
                ),
                _amount_input(
                    "roi-implementation-cost",
                    "Implementation, once (USD)",
                    parameters[IMPLEMENTATION_COST],
                    step=500,
                    maximum=MAX_AMOUNT,
                ),
                _amount_input(
                    "roi-yearly-run-cost",
                    "Running cost per year (USD)",
                    parameters[YEARLY_RUN_COST],
                    step=100,
                    maximum=MAX_AMOUNT,
                ),
            ],
            className="d-flex flex-wrap",
        ),
        *sliders,
    ]


def layout(**_query: str) -> html.Div:
    """Cost breakdown, the what-if controls, their outcome and its assumptions (refused to
    roles that may not see costs, whatever route asks for it)."""
    if not may_see_costs():
        return html.Div([html.H2("ROI"), empty_state("This page is not available to your role.")])
    if (missing := page_without_data("ROI", "roi")) is not None:
        return missing
    try:
        automatable = get_automatable_types()
        levels = get_automation_levels()
        parameters = get_cost_parameters()
        names = get_display_names()
    except ServingCopyUnavailableError as error:
        return html.Div([html.H2("ROI"), empty_state(str(error))])
    classes = list(dict.fromkeys(automatable["exception_class"]))
    controls = (
        _controls(classes, levels, parameters, names)
        if classes
        else [empty_state("No exception type is marked auto-resolvable in the taxonomy.")]
    )
    return html.Div(
        [
            html.H2("ROI"),
            html.Div(id="roi-headline-body"),
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
                            note="Pick a stated level or set a share per class; change the "
                            "labor rate and the investment to test a business case.",
                        ),
                        lg=5,
                    ),
                    dbc.Col(
                        section("Savings and payback", dcc.Loading(html.Div(id="roi-outcome"))),
                        lg=7,
                    ),
                ]
            ),
            section("Assumptions", html.Ul(id="roi-assumptions", className="small mb-0")),
        ]
    )


@callback(Output("roi-cost-breakdown", "children"), Input("filters", "data"))
def update_breakdown(filters_data):
    """Stacked cost components per exception type; a component that costs nothing in the
    period gets no bar and no legend entry."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    try:
        costs = get_exception_costs(filters)
        names = get_display_names()
    except ServingCopyUnavailableError as error:
        return empty_state(str(error))
    if costs.empty or costs["total_cost"].sum() == 0:
        return empty_state("No exception cost in this period for these filters.")
    ordered = costs.iloc[::-1]
    type_names = names.names("exception_type", ordered["exception_type"])
    figure = plain_figure(
        [
            {
                "type": "bar",
                "y": type_names,
                "x": ordered[component],
                "customdata": ordered["exception_type"],
                "orientation": "h",
                "name": label,
                "marker": {"color": COST_COLOURS[component]},
                "hovertemplate": "%{y} (code %{customdata})<br>"
                + label
                + ": $%{x:,.0f}<extra></extra>",
            }
            for component, label in COMPONENT_LABELS.items()
            if costs[component].sum() > 0
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


def _stated_level(shares: list, levels: pd.DataFrame) -> tuple[str, int] | None:
    """The stated level the class shares all match, as its name and percent, if any."""
    percents = {round(float(value or 0)) for value in shares}
    if len(percents) != 1:
        return None
    (percent,) = percents
    level = levels[(levels["touch_automation_share"] * 100).round() == percent]
    if level.empty:
        return None
    return str(level["automation_level"].iloc[0]).capitalize(), percent


@callback(
    Output("roi-active-plan", "children"),
    Output({"type": "roi-preset", "share": ALL}, "outline"),
    Input({"type": "roi-class-share", "class": ALL}, "value"),
    State({"type": "roi-preset", "share": ALL}, "id"),
)
def show_active_plan(shares, preset_ids):
    """Name the stated level the sliders match (its button filled), or say the shares are
    the user's own."""
    try:
        stated = _stated_level(shares, get_automation_levels())
    except ServingCopyUnavailableError:
        raise PreventUpdate from None
    if stated is None:
        return "Plan: your own share per class (no stated level).", [True for _ in preset_ids]
    name, percent = stated
    text = f"Plan: stated level {name} ({percent}% of automatable touches in every class)."
    return text, [round(float(identity["share"]) * 100) != percent for identity in preset_ids]


def _amount_or(value: object, fallback: float) -> float:
    """A number input's value, or ``fallback`` when it is empty or negative."""
    if value in (None, ""):
        return fallback
    number = float(value)
    return number if number >= 0 else fallback


def _money(amount: float | None) -> str:
    return "-" if amount is None else f"${amount:,.0f}"


def _payback_text(outcome: WhatIf) -> tuple[str, str]:
    """The payback card's value and note."""
    if outcome.payback_months is None:
        return "Never", "savings do not exceed the running cost"
    if outcome.payback_months < 1:
        return "Under 1 month", ""
    years = outcome.payback_months / 12
    note = f"about {years:,.1f} years" if years >= 2 else ""
    return f"{outcome.payback_months:,.1f} months", note


def _outcome_cards(outcome: WhatIf, plan: AutomationPlan) -> list:
    payback, payback_note = _payback_text(outcome)
    share = (
        f"{outcome.savings / outcome.baseline_cost:.1%} of baseline"
        if outcome.baseline_cost
        else ""
    )
    headline = [
        ("Savings in the period", _money(outcome.savings), "roi-savings", share),
        (
            "Yearly run-rate",
            _money(outcome.annualised_savings),
            "roi-annualised",
            f"from {outcome.period_days} days of data",
        ),
        (
            "Investment",
            _money(plan.investment.implementation_cost),
            "roi-investment",
            f"once, then {_money(plan.investment.yearly_run_cost)} a year",
        ),
        ("Payback", payback, "roi-payback", payback_note),
    ]
    detail = [
        ("Baseline cost", _money(outcome.baseline_cost), "roi-baseline", "in the period"),
        ("Projected cost", _money(outcome.projected_cost), "roi-projected", "in the period"),
        (
            "Net benefit per year",
            _money(outcome.net_yearly_benefit),
            "roi-net-benefit",
            "run-rate less running cost",
        ),
        ("Touches avoided", f"{outcome.touches_avoided:,.0f}", "roi-touches", "in the period"),
    ]
    return [
        dbc.Row(
            [
                dbc.Col(kpi_card(title, value, value_id=value_id, note=note), md=3)
                for title, value, value_id, note in cards
            ],
            className="g-2 mb-2",
        )
        for cards in (headline, detail)
    ]


@callback(
    Output("roi-outcome", "children"),
    Output("roi-assumptions", "children"),
    Output("roi-headline-body", "children"),
    Input("filters", "data"),
    Input({"type": "roi-class-share", "class": ALL}, "value"),
    Input("roi-labor-rate", "value"),
    Input("roi-implementation-cost", "value"),
    Input("roi-yearly-run-cost", "value"),
    State({"type": "roi-class-share", "class": ALL}, "id"),
)
def update_outcome(filters_data, shares, labor_rate, implementation, run_cost, slider_ids):
    """Savings, run-rate, investment and payback of the chosen plan, its assumptions and
    the page's headline."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    try:
        costs = get_exception_costs(filters)
        parameters = get_cost_parameters()
        period_days = get_period_days(filters)
        automatable = get_automatable_types()
        names = get_display_names()
        stated = _stated_level(shares, get_automation_levels())
    except ServingCopyUnavailableError as error:
        return empty_state(str(error)), [], None
    plan = AutomationPlan(
        share_by_class={
            identity["class"]: float(value or 0) / 100
            for identity, value in zip(slider_ids, shares, strict=True)
        },
        labor_rate_per_hour=_amount_or(labor_rate, parameters[LABOR_RATE]),
        investment=Investment(
            implementation_cost=_amount_or(implementation, parameters[IMPLEMENTATION_COST]),
            yearly_run_cost=_amount_or(run_cost, parameters[YEARLY_RUN_COST]),
        ),
    )
    assumptions = [
        html.Li(sentence)
        for sentence in plan_assumptions(
            plan,
            period=(filters.start, filters.end),
            period_days=period_days,
            cost_model=parameters,
            automatable_types=names.names("exception_type", automatable["exception_type"]),
        )
    ]
    if costs.empty:
        return (
            empty_state("No exceptions in this period for these filters: nothing to save."),
            assumptions,
            None,
        )
    outcome = project_plan(costs, plan, period_days=period_days)
    headline = roi_headline(
        f"{stated[0]} ({stated[1]}%)" if stated else "Your plan",
        outcome.annualised_savings,
        plan.investment.implementation_cost,
        outcome.payback_months,
    )
    per_type = outcome.per_type.sort_values("baseline_cost").tail(12)
    type_names = names.names("exception_type", per_type["exception_type"])
    figure = plain_figure(
        [
            {
                "type": "bar",
                "y": type_names,
                "x": per_type["baseline_cost"],
                "name": "Baseline",
                "orientation": "h",
                "marker": {"color": BLUE},
            },
            {
                "type": "bar",
                "y": type_names,
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
    chart = dcc.Graph(id="roi-outcome-chart", figure=figure, config={"displaylogo": False})
    return (
        [*_outcome_cards(outcome, plan), chart],
        assumptions,
        headline_banner(headline, element_id="roi-headline"),
    )
