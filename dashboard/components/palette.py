"""The dashboard's colours and figure defaults: one colour-blind-safe palette everywhere.

Okabe and Ito's eight colours stay distinguishable under the common colour-vision
deficiencies; continuous values use Cividis, designed for the same reason.
"""

from __future__ import annotations

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
LINE_STYLES: tuple[tuple[str, str], ...] = (
    (BLUE, "solid"),
    (ORANGE, "dash"),
    (GREEN, "dot"),
    (PURPLE, "dashdot"),
    (BLACK, "longdash"),
    (SKY, "solid"),
    (VERMILLION, "dot"),
)
"""Colour and dash of each line of a many-line chart, in order: neighbours differ in hue
and in dash, and orange and vermillion (close to each other) sit far apart, so lines stay
apart in greyscale and for colour-blind readers."""
COST_COLOURS: dict[str, str] = {
    "labor_cost": BLUE,
    "escalation_cost": ORANGE,
    "expedite_cost": GREEN,
    "cancellation_cost": VERMILLION,
    "refund_leakage_cost": PURPLE,
}


_AXIS = {
    "gridcolor": "#EBF0F8",
    "linecolor": "#EBF0F8",
    "zerolinecolor": "#EBF0F8",
    "zerolinewidth": 2,
    "ticks": "",
    "automargin": True,
}
"""Axis style of Plotly's ``plotly_white`` template, the part our cartesian charts use."""


def count_axis(largest: float | None, **axis: object) -> dict:
    """Axis properties for counts: whole-number ticks only (never 0.5 of an exception).

    Plotly's automatic ticks split small ranges into halves; up to ten, every whole
    number is a tick, above that Plotly's own steps are whole numbers already.
    """
    properties: dict[str, object] = {"tickformat": ",d", "rangemode": "tozero", **axis}
    if largest is None or largest <= 10:
        properties["dtick"] = 1
    return properties


def figure_layout(*, x_title: str, y_title: str, height: int = 340) -> dict:
    """The house layout as a plain dict: white background, labelled axes, compact margins,
    legend on top.

    It spells out the few ``plotly_white`` properties the charts need instead of naming
    the template: plotly.js knows no template names, and sending the whole template with
    every figure would make Dash's encoder walk thousands of entries per chart.
    """
    return {
        "height": height,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "hovermode": "closest",
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "font": {
            "family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
            "size": 12,
            "color": "#2a3f5f",
        },
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "title": None},
        "colorway": list(OKABE_ITO),
        "hoverlabel": {"namelength": -1, "align": "left"},
        "xaxis": {**_AXIS, "title": {"text": x_title, "standoff": 15}},
        "yaxis": {**_AXIS, "title": {"text": y_title, "standoff": 15}},
    }


def plain_figure(
    traces: list[dict], *, x_title: str, y_title: str, height: int = 340, **layout: object
) -> dict:
    """A figure as the dict plotly.js reads: ``traces`` (``{"type": "bar", ...}``) under
    the house layout, with ``layout`` merged on top (``barmode="stack"``).

    Every chart is built this way, not from ``plotly.graph_objects``: validating trace and
    layout objects (and deep-copying the template into each) cost several times the query
    behind a chart on the busiest callbacks. pandas columns may be passed as they are;
    Dash's encoder turns them into lists.
    """
    return {
        "data": traces,
        "layout": {**figure_layout(x_title=x_title, y_title=y_title, height=height), **layout},
    }
