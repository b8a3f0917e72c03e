"""Work queue: open exceptions ranked by SLA-breach risk x impact, with the next action.

The scores come from the triage model (``orderlens.triage``), each with its top factors
in plain words and whether policy lets the action run automatically or needs a person.
"""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.auth import may_see_costs
from dashboard.components.cards import empty_state, headline_banner, section
from dashboard.components.missing_data import page_without_data
from dashboard.components.tables import data_table
from dashboard.headlines import Driver, work_queue_headline
from dashboard.queries.display_names import get_display_names
from dashboard.queries.filter_bar import read_filters
from dashboard.queries.work_queue import get_work_queue
from dashboard.serving import ServingCopyUnavailableError

dash.register_page(
    __name__,
    path="/work-queue",
    name="Work queue",
    title="orderlens · Work queue",
    order=6,
    analysis="triage",
)

QUEUE_COLUMNS = {
    "priority_rank": "#",
    "exception_id": "Exception",
    "case_id": "Order",
    "exception_type": "Type",
    "owning_team": "Team",
    "risk_percent": "Breach risk (%)",
    "order_amount": "Order value (USD)",
    "due_at": "Resolution due (UTC)",
    "recommended_action": "Recommended action",
    "action_mode": "Who acts",
    "explanation": "Why (top factors, in risk points)",
}
QUEUE_CODE_KINDS = {"exception_type": "exception_type", "action_mode": "automation_mode"}
MODES = ("auto_act", "recommend", "monitor")


def layout(**_query: str) -> html.Div:
    """The page frame; the queue is filled from the global filters."""
    if (missing := page_without_data("Work queue", "triage")) is not None:
        return missing
    try:
        names = get_display_names()
    except ServingCopyUnavailableError:
        names = None
    modes = (
        [
            html.Li(
                [html.Strong(names.name("automation_mode", mode) + ": "), _meaning(names, mode)]
            )
            for mode in MODES
        ]
        if names is not None
        else []
    )
    return html.Div(
        [
            html.H2("Work queue"),
            html.Div(id="work-queue-headline-body"),
            html.P(
                "Open exceptions by priority: the chance that an exception breaches its "
                "resolution SLA, weighted by the order's value and promise. A factor's risk "
                "points say how much it raises (+) or lowers (-) that chance, in percentage "
                "points. Who acts:",
                className="text-muted small mb-1",
            ),
            html.Ul(modes, className="text-muted small", id="work-queue-modes"),
            section("Prioritized open exceptions", dcc.Loading(html.Div(id="work-queue-table"))),
        ]
    )


def _meaning(names, mode: str) -> str:
    """What an automation mode means, without the code the hover text adds."""
    return names.description("automation_mode", mode).split(" Code:")[0]


@callback(
    Output("work-queue-table", "children"),
    Output("work-queue-headline-body", "children"),
    Input("filters", "data"),
)
def update_queue(filters_data):
    """The top of the queue for the filtered channel, region, node and carrier, and the
    headline: how many are ranked, how many need a decision, the highest risk."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    try:
        queue = get_work_queue(filters)
        names = get_display_names()
    except ServingCopyUnavailableError as error:
        return empty_state(f"No risk scores are published: {error}"), None
    if queue.empty:
        calm = work_queue_headline(0, 0, 0, None)
        return (
            empty_state("No open exceptions are scored for these filters."),
            headline_banner(calm, element_id="work-queue-headline"),
        )
    riskiest = queue.loc[queue["risk_percent"].idxmax()]
    headline = work_queue_headline(
        len(queue),
        int((queue["action_mode"] == "recommend").sum()),
        int((queue["action_mode"] == "auto_act").sum()),
        Driver(str(riskiest["case_id"]), int(riskiest["risk_percent"])),
    )
    columns = {
        name: header
        for name, header in QUEUE_COLUMNS.items()
        if name in queue.columns and (name != "order_amount" or may_see_costs())
    }
    model = queue["model_version"].iloc[0]
    return [
        html.Div(
            "Breach risk comes from a model trained on this data's past exceptions "
            "(hover for its version).",
            title=f"Risk model version {model}",
            className="small text-muted mb-1",
            id="work-queue-model",
        ),
        data_table(
            queue,
            table_id="work-queue",
            columns=columns,
            query=filters_data.get("query", ""),
            numeric_formats={"order_amount": ",.2f"},
            code_kinds=QUEUE_CODE_KINDS,
            names=names,
        ),
    ], headline_banner(headline, element_id="work-queue-headline")
