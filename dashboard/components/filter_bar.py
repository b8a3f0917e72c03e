"""The global filter bar: date range, channel, region, node and carrier, above every page."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.queries.filter_bar import QUICK_RANGES, DataPeriod, FilterOptions
from orderlens.display_names import DisplayNames

FILTER_IDS: dict[str, str] = {
    "channel": "filter-channel",
    "region": "filter-region",
    "node_id": "filter-node",
    "carrier": "filter-carrier",
}


DIMENSION_LABELS: dict[str, str] = {
    "channel": "Channel",
    "region": "Region",
    "node_id": "Node",
    "carrier": "Carrier",
}
ABSENT_PLACEHOLDER = "Not in this data"


DIMENSION_CODE_KINDS: dict[str, str] = {
    "channel": "channel",
    "region": "region",
    "node_id": "node",
    "carrier": "carrier",
}


def _dropdown(
    element_id: str, label: str, options: list[dict[str, str]], *, absent: bool
) -> dbc.Col:
    return dbc.Col(
        [
            html.Label(label, htmlFor=element_id, className="form-label small mb-0"),
            dcc.Dropdown(
                id=element_id,
                options=options,
                multi=True,
                placeholder=ABSENT_PLACEHOLDER if absent else "All",
                disabled=absent,
                className="filter-dropdown",
            ),
        ],
        md=2,
    )


def _absent_note(options: FilterOptions) -> html.Div | None:
    """Which filters the events cannot serve, and the columns that would enable them."""
    if not options.absent:
        return None
    named = ", ".join(DIMENSION_LABELS[dimension].lower() for dimension in options.absent)
    columns = "; ".join(coverage.how_to_enable.rstrip(".") for coverage in options.absent.values())
    return html.Div(
        f"Filters by {named} are off: the events do not carry them. To enable them, load "
        f"{columns}.",
        id="filter-absent-note",
        className="small text-muted mt-1",
    )


def _quick_ranges() -> html.Div:
    """Buttons for the usual periods, counted back from the data's last day."""
    return html.Div(
        [
            html.Span("Quick:", className="small text-muted me-1"),
            *[
                dbc.Button(
                    label,
                    id={"type": "quick-range", "range": key},
                    size="sm",
                    color="link",
                    className="p-0 me-2 quick-range",
                )
                for key, label in QUICK_RANGES.items()
            ],
        ],
        className="mt-1",
        id="filter-quick-ranges",
    )


def filter_bar(
    options: FilterOptions | None, period: DataPeriod | None, names: DisplayNames | None = None
) -> html.Div:
    """The filter controls; their values are set from the URL by the app's sync callback.

    Drop-downs offer display names (the values stay the codes, so links and SQL use the
    data's own values). Dimensions the events lack are disabled with a note saying what
    would enable them.
    """
    options = options or FilterOptions([], [], [], [])
    names = names or DisplayNames()
    return html.Div(
        [
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
                            _quick_ranges(),
                        ],
                        md=4,
                    ),
                    *[
                        _dropdown(
                            FILTER_IDS[dimension],
                            label,
                            [
                                {
                                    "label": names.name(DIMENSION_CODE_KINDS[dimension], value),
                                    "value": value,
                                }
                                for value in options.values(dimension)
                            ],
                            absent=dimension in options.absent,
                        )
                        for dimension, label in DIMENSION_LABELS.items()
                    ],
                ],
                className="g-2 align-items-end",
            ),
            html.Div(id="filter-period-note", className="small text-muted mt-1"),
            _absent_note(options),
        ],
        className="filter-bar bg-white border rounded shadow-sm p-2 mb-3",
        id="filter-bar",
    )
