"""The dashboard's colours and figure defaults: one colour-blind-safe palette everywhere.

Okabe and Ito's eight colours stay distinguishable under the common colour-vision
deficiencies; continuous values use Cividis, designed for the same reason.
"""

from __future__ import annotations

import plotly.graph_objects as go

OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, YELLOW, BLACK = OKABE_ITO
GREY = "#6c757d"
SEQUENTIAL = "Cividis"
AGING_COLOURS: dict[str, str] = {
    "0-4h": SKY,
    "4-24h": BLUE,
    "1-3d": ORANGE,
    "3-7d": VERMILLION,
    "7d+": BLACK,
}
"""Older is darker and warmer, so the eye finds the oldest work first."""
COST_COLOURS: dict[str, str] = {
    "labor_cost": BLUE,
    "escalation_cost": ORANGE,
    "expedite_cost": GREEN,
    "cancellation_cost": VERMILLION,
    "refund_leakage_cost": PURPLE,
}


def figure_layout(*, x_title: str, y_title: str, height: int = 340) -> dict:
    """The house layout as a plain dict: white background, labelled axes, compact margins,
    legend on top. Figures built as dicts skip Plotly's per-trace validation, which costs
    more than the query on the busiest charts."""
    return {
        "template": "plotly_white",
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "title": None},
        "colorway": list(OKABE_ITO),
        "hoverlabel": {"namelength": -1},
        "xaxis": {"title": {"text": x_title}, "automargin": True},
        "yaxis": {"title": {"text": y_title}, "automargin": True},
    }


def style_figure(figure: go.Figure, *, x_title: str, y_title: str, height: int = 340) -> go.Figure:
    """Apply :func:`figure_layout` to a Plotly figure object."""
    figure.update_layout(**figure_layout(x_title=x_title, y_title=y_title, height=height))
    return figure
