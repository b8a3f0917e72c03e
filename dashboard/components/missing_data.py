"""Empty states for data the published log does not carry.

Real exports often hold only case, activity and time. A view whose analysis has no input
says so in people's words, from the coverage mart (``orderlens.coverage``): what the
events lack, and which columns or file would fill it, instead of an empty chart or a
database error.
"""

from __future__ import annotations

from dash import html

from dashboard.serving import get_missing_analysis
from orderlens.coverage import AnalysisCoverage


def _sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return f"{text[:1].upper()}{text[1:]}."


def missing_data_state(coverage: AnalysisCoverage, *, element_id: str | None = None) -> html.Div:
    """Says which data a view needs and how to add it, where a chart would stay empty.

    The wording comes from the coverage mart (``orderlens.coverage``): what the events
    lack, and which columns or file would fill the view.
    """
    return html.Div(
        [
            html.Strong(f"{coverage.name}: not in this data. "),
            html.Span(_sentence(coverage.missing_reason or "its inputs are missing")),
            html.Div(
                f"To fill this view, load {coverage.how_to_enable.rstrip('.')}, "
                "then run the pipeline again (`orderlens run`).",
                className="mt-1",
            ),
        ],
        className="alert alert-info my-3 missing-data",
        role="status",
        **({"id": element_id} if element_id else {}),
    )


def coverage_list(coverage: dict[str, AnalysisCoverage]) -> html.Ul:
    """Every analysis with whether the data answers it, and what would enable the others."""
    items = [
        html.Li(
            [html.Span("Available: ", className="fw-semibold"), item.name]
            if item.is_available
            else [
                html.Span("Not in this data: ", className="fw-semibold"),
                f"{item.name} ({item.missing_reason}; load {item.how_to_enable.rstrip('.')})",
            ],
            className="" if item.is_available else "text-muted",
        )
        for item in sorted(coverage.values(), key=lambda item: (not item.is_available, item.name))
    ]
    return html.Ul(items, className="small mb-0", id="coverage-list")


def page_without_data(title: str, analysis: str) -> html.Div | None:
    """The whole page as one empty state when ``analysis`` lacks its data, else ``None``.

    Pages call it first in their layout, so a direct link to a page left out of the
    navigation still opens and explains itself.
    """
    missing = get_missing_analysis(analysis)
    if missing is None:
        return None
    return html.Div([html.H2(title), missing_data_state(missing, element_id="page-missing-data")])
