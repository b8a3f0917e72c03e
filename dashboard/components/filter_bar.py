"""The global filter bar: date range, channel, region, node and carrier, above every page."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.data import DataPeriod, FilterOptions

FILTER_IDS: dict[str, str] = {
    "channel": "filter-channel",
    "region": "filter-region",
    "node_id": "filter-node",
    "carrier": "filter-carrier",
}


def _dropdown(element_id: str, label: str, options: list[str]) -> dbc.Col:
    return dbc.Col(
        [
            html.Label(label, htmlFor=element_id, className="form-label small mb-0"),
            dcc.Dropdown(
                id=element_id,
                options=[{"label": option, "value": option} for option in options],
                multi=True,
                placeholder="All",
                className="filter-dropdown",
            ),
        ],
        md=2,
    )


def filter_bar(options: FilterOptions | None, period: DataPeriod | None) -> html.Div:
    """The filter controls; their values are set from the URL by the app's sync callback."""
    options = options or FilterOptions([], [], [], [])
    return html.Div(
        dbc.Row(
            [
                dbc.Col(
                    [
                        html.Label(
                            "Period (UTC)",
                            htmlFor="filter-dates",
                            className="form-label small mb-0",
                        ),
                        dcc.DatePickerRange(
                            id="filter-dates",
                            min_date_allowed=period.first_day if period else None,
                            max_date_allowed=period.last_day if period else None,
                            display_format="YYYY-MM-DD",
                            first_day_of_week=1,
                            minimum_nights=0,
                        ),
                    ],
                    md=4,
                ),
                _dropdown(FILTER_IDS["channel"], "Channel", options.channels),
                _dropdown(FILTER_IDS["region"], "Region", options.regions),
                _dropdown(FILTER_IDS["node_id"], "Node", options.nodes),
                _dropdown(FILTER_IDS["carrier"], "Carrier", options.carriers),
            ],
            className="g-2 align-items-end",
        ),
        className="filter-bar bg-white border rounded shadow-sm p-2 mb-3",
        id="filter-bar",
    )
