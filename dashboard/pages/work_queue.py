"""Work queue: open exceptions ranked by SLA-breach risk x impact, with the next action.

The scores come from the triage model (``orderlens.triage``), each with its top factors
in plain words and whether policy lets the action run automatically or needs a person.
"""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.auth import may_see_costs
from dashboard.components.cards import empty_state, section
from dashboard.components.missing_data import page_without_data
from dashboard.components.tables import data_table
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
    "action_mode": "Mode",
    "explanation": "Why (top factors)",
}


def layout(**_query: str) -> html.Div:
    """The page frame; the queue is filled from the global filters."""
    if (missing := page_without_data("Work queue", "triage")) is not None:
        return missing
    return html.Div(
        [
            html.H2("Work queue"),
            html.P(
                "Open exceptions by priority: the model's risk of breaching the resolution "
                "SLA times the order's value and promise. 'auto_act' actions are within "
                "policy to run without a person; 'recommend' needs a decision.",
                className="text-muted small",
            ),
            section("Prioritized open exceptions", dcc.Loading(html.Div(id="work-queue-table"))),
        ]
    )


@callback(Output("work-queue-table", "children"), Input("filters", "data"))
def update_queue(filters_data):
    """The top of the queue for the filtered channel, region, node and carrier."""
    if not filters_data:
        raise PreventUpdate
    filters = read_filters(filters_data)
    try:
        queue = get_work_queue(filters)
    except ServingCopyUnavailableError as error:
        return empty_state(f"No risk scores are published: {error}")
    if queue.empty:
        return empty_state("No open exceptions are scored for these filters.")
    columns = {
        name: header
        for name, header in QUEUE_COLUMNS.items()
        if name in queue.columns and (name != "order_amount" or may_see_costs())
    }
    model = queue["model_version"].iloc[0]
    return [
        html.Div(f"Model version {model}", className="small text-muted mb-1"),
        data_table(
            queue,
            table_id="work-queue",
            columns=columns,
            query=filters_data.get("query", ""),
            numeric_formats={"order_amount": ",.2f"},
        ),
    ]
