"""KPI cards and empty states."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard.headlines import Headline
from dashboard.kpis import KpiComparison


def kpi_card(title: str, value: str, *, value_id: str, note: str = "") -> dbc.Card:
    """A card showing one headline number; ``value_id`` lets tests and callbacks find it."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(title, className="text-muted small text-uppercase"),
                html.Div(value, id=value_id, className="fs-2 fw-semibold"),
                html.Div(note, className="small text-muted"),
            ]
        ),
        className="shadow-sm h-100",
    )


_TREND_CLASS = {"better": "trend-better", "worse": "trend-worse", "flat": "text-muted"}
_TREND_ARROW = {"up": "▲", "down": "▼", "flat": "■"}


_TARGET_ICON = {"met": "✔", "missed": "✖"}
_TARGET_WORDS = {"met": "Target met", "missed": "Target missed"}


def comparison_card(comparison: KpiComparison, *, value_id: str) -> dbc.Card:
    """A KPI card with its change against the previous period and its target.

    A missed target marks the whole card (a red edge, a cross and the words "Target
    missed"); a met one gets a tick. The arrow shows the direction of the change and its
    colour whether that is good news, except that a missed target is never shown green:
    improving while still missing the target is not good news yet. Colour is never the
    only signal: icons and words say the same.
    """
    status = comparison.target_status
    trend_class = _TREND_CLASS[comparison.verdict]
    if status == "missed" and comparison.verdict == "better":
        trend_class = "text-muted"
    change = html.Div(
        [
            html.Span(
                _TREND_ARROW[comparison.movement], className="me-1", **{"aria-hidden": "true"}
            ),
            html.Span(comparison.change_text),
        ],
        className=f"small {trend_class}",
        id=f"{value_id}-change",
    )
    if status == "none":
        target = html.Div(
            comparison.target_text, className="small text-muted", id=f"{value_id}-target"
        )
    else:
        target = html.Div(
            [
                html.Span(
                    _TARGET_ICON[status],
                    className=f"target-icon target-icon-{status} me-1",
                    **{"aria-hidden": "true"},
                ),
                html.Span(f"{_TARGET_WORDS[status]}: ", className="fw-semibold"),
                html.Span(comparison.target_text.split(":")[0].removeprefix("target ")),
            ],
            className=f"small target-{status}",
            id=f"{value_id}-target",
        )
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(comparison.label, className="text-muted small text-uppercase kpi-label"),
                html.Div(comparison.value_text, id=value_id, className="fs-3 fw-semibold"),
                change,
                target,
            ]
        ),
        className=f"shadow-sm h-100 kpi-card kpi-card-{status}",
        id=f"{value_id}-card",
    )


def empty_state(message: str) -> html.Div:
    """Says why there is nothing to show instead of leaving a blank chart."""
    return html.Div(message, className="alert alert-light border text-muted my-3", role="status")


def section(title: str, body: object, *, note: str = "", body_id: str | None = None) -> dbc.Card:
    """A titled card holding one chart or table; ``note`` explains scope or caveats."""
    children: list[object] = [html.H5(title, className="card-title mb-1")]
    if note:
        children.append(html.Div(note, className="small text-muted mb-2"))
    if body_id:
        children.append(html.Div(body, id=body_id))
    elif isinstance(body, list | tuple):
        children.extend(body)
    else:
        children.append(body)
    return dbc.Card(dbc.CardBody(children), className="shadow-sm mb-4")


def headline_banner(headline: Headline, *, element_id: str) -> html.Div:
    """The page's first sentence: what needs attention, marked when it asks for action."""
    marker = "headline-attention" if headline.needs_attention else "headline-calm"
    return html.Div(
        [
            html.Span(
                "⚠" if headline.needs_attention else "✔",
                className="me-2",
                **{"aria-hidden": "true"},
            ),
            html.Span(headline.text),
        ],
        id=element_id,
        className=f"page-headline {marker} rounded shadow-sm px-3 py-2 mb-3",
        role="status",
    )
