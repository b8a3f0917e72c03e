"""The process map figure, Disco-style: activity boxes with counts, labelled edges, start and end.

Graphviz's ``dot`` places everything (:mod:`dashboard.graphviz_layout`); this module only
draws its result as a Plotly figure at one pixel per point, so text keeps the size ``dot``
measured it at and no label overlaps another. Two views share the drawing: *frequency*
(edge label and thickness: transitions; the busiest path darkest) and *performance*
(edge label and thickness: mean wait; the slowest edge darkest). Boxes are shaded by
their events in both. Built as a plain figure dict: with hundreds of shapes, Plotly's
figure objects would spend longer validating than ``dot`` takes to lay them out.
"""

from __future__ import annotations

import html
import textwrap

import pandas as pd

from dashboard.graphviz_layout import (
    EDGE_FONT_SIZE,
    NODE_FONT_SIZE,
    EdgeSpec,
    GraphLayout,
    NodeSpec,
    PlacedNode,
    lay_out_graph,
)
from process_mining.process_maps import END, START, SimplifiedMap

VIEWS = ("frequency", "performance")
PADDING = 12.0
LABEL_WIDTH = 24
"""Characters per line of an activity's name inside its box."""
MIN_PEN, MAX_PEN = 1.0, 7.0
MAX_WEIGHT = 20
"""Layout weight of the most frequent edge (rarer ones in proportion, at least 1): the
same in both views, so toggling the labels does not move the boxes far."""
LABEL_FONT = "Helvetica, Arial, 'Liberation Sans', sans-serif"
NODE_LIGHT, NODE_DARK = (222, 235, 247), (33, 102, 172)
FREQUENCY_LIGHT, FREQUENCY_DARK = (189, 195, 205), (8, 48, 107)
PERFORMANCE_LIGHT, PERFORMANCE_DARK = (244, 196, 150), (153, 0, 13)
START_COLOUR, END_COLOUR = "#009E73", "#3b3b3b"


def format_duration(seconds: float) -> str:
    """A wait in the unit people read it in: minutes, hours or days."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _mix(light: tuple[int, int, int], dark: tuple[int, int, int], share: float) -> str:
    share = min(max(share, 0.0), 1.0)
    red, green, blue = (round(a + (b - a) * share) for a, b in zip(light, dark, strict=True))
    return f"rgb({red},{green},{blue})"


def _is_marker(name: str) -> bool:
    return name in (START, END)


def _edge_measure(edge: pd.Series, view: str) -> float | None:
    """What the view draws an edge by: transitions, or mean wait (none for start and end)."""
    if view == "frequency":
        return float(edge["frequency"])
    if _is_marker(edge["source_activity"]) or _is_marker(edge["target_activity"]):
        return None
    return float(edge["mean_wait_seconds"])


def _edge_label(edge: pd.Series, view: str) -> str:
    measure = _edge_measure(edge, view)
    if measure is None:
        return ""
    return f"{int(measure):,}" if view == "frequency" else format_duration(measure)


def _rounded_box(node: PlacedNode, radius: float = 6.0) -> str:
    left, right = node.x - node.width / 2, node.x + node.width / 2
    bottom, top = node.y - node.height / 2, node.y + node.height / 2
    r = min(radius, node.width / 2, node.height / 2)
    return (
        f"M {left + r},{bottom} L {right - r},{bottom} Q {right},{bottom} {right},{bottom + r} "
        f"L {right},{top - r} Q {right},{top} {right - r},{top} L {left + r},{top} "
        f"Q {left},{top} {left},{top - r} L {left},{bottom + r} "
        f"Q {left},{bottom} {left + r},{bottom} Z"
    )


def _curve_path(points: tuple[tuple[float, float], ...]) -> str:
    start, rest = points[0], points[1:]
    parts = [f"M {start[0]},{start[1]}"]
    for index in range(0, len(rest) - len(rest) % 3, 3):
        (x1, y1), (x2, y2), (x3, y3) = rest[index : index + 3]
        parts.append(f"C {x1},{y1} {x2},{y2} {x3},{y3}")
    return " ".join(parts)


def _polygon_path(points: tuple[tuple[float, float], ...]) -> str:
    return "M " + " L ".join(f"{x},{y}" for x, y in points) + " Z"


def _node_specs(simplified: SimplifiedMap) -> tuple[NodeSpec, ...]:
    names = set(simplified.edges["source_activity"]) | set(simplified.edges["target_activity"])
    specs = [NodeSpec(START, "Start", "circle")] if START in names else []
    for activity, count in simplified.activities[["activity", "event_count"]].itertuples(
        index=False
    ):
        wrapped = "\n".join(textwrap.wrap(activity, LABEL_WIDTH)) or activity
        specs.append(NodeSpec(activity, f"{wrapped}\n{int(count):,}"))
    if END in names:
        specs.append(NodeSpec(END, "End", "square"))
    return tuple(specs)


def lay_out_process_map(simplified: SimplifiedMap, *, view: str) -> GraphLayout:
    """The Graphviz layout of a simplified map in one view (labels differ by view)."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    edges = simplified.edges
    measures = [_edge_measure(edge, view) for _, edge in edges.iterrows()]
    top = max((measure for measure in measures if measure is not None), default=0.0) or 1.0
    busiest = float(edges["frequency"].max()) if len(edges) else 1.0
    specs = tuple(
        EdgeSpec(
            edge["source_activity"],
            edge["target_activity"],
            _edge_label(edge, view),
            MIN_PEN if measure is None else MIN_PEN + (MAX_PEN - MIN_PEN) * measure / top,
            weight=1 + round(MAX_WEIGHT * float(edge["frequency"]) / busiest),
        )
        for (_, edge), measure in zip(edges.iterrows(), measures, strict=True)
    )
    return lay_out_graph(_node_specs(simplified), specs)


def _edge_hover(edge: pd.Series) -> str:
    source, target = edge["source_activity"], edge["target_activity"]
    if source == START:
        return f"{int(edge['frequency']):,} cases start with {html.escape(target)}"
    if target == END:
        return f"{int(edge['frequency']):,} cases end with {html.escape(source)}"
    return (
        f"{html.escape(source)} → {html.escape(target)}<br>"
        f"{int(edge['frequency']):,} transitions<br>"
        f"mean wait {format_duration(float(edge['mean_wait_seconds']))}, "
        f"total {float(edge['total_wait_seconds']) / 3600:,.0f} h<br>"
        f"waiting on {html.escape(str(edge['waiting_on']))} ({edge['wait_class']})"
    )


def build_process_map(simplified: SimplifiedMap, *, view: str) -> dict:
    """The map as a figure dict for ``dcc.Graph``, sized in pixels to ``dot``'s points.

    Args:
        simplified: The activities and edges to draw (:func:`simplify_process_map`).
        view: ``frequency`` or ``performance``.

    Returns:
        A figure whose ``layout.width`` and ``height`` are the drawing's size: the page
        scrolls a map wider than its card instead of shrinking the text.
    """
    layout = lay_out_process_map(simplified, view=view)
    counts = dict(
        zip(simplified.activities["activity"], simplified.activities["event_count"], strict=True)
    )
    busiest = max(counts.values(), default=1) or 1
    edges = simplified.edges.reset_index(drop=True)
    measures = [_edge_measure(edge, view) for _, edge in edges.iterrows()]
    top = max((measure for measure in measures if measure is not None), default=0.0) or 1.0
    light, dark = (
        (FREQUENCY_LIGHT, FREQUENCY_DARK)
        if view == "frequency"
        else (PERFORMANCE_LIGHT, PERFORMANCE_DARK)
    )
    shapes: list[dict] = []
    annotations: list[dict] = []
    hover_x, hover_y, hover_text = [], [], []
    for placed, (_, edge), measure in zip(layout.edges, edges.iterrows(), measures, strict=True):
        share = 0.0 if measure is None else measure / top
        colour = _mix(light, dark, share**0.5)
        width = MIN_PEN if measure is None else MIN_PEN + (MAX_PEN - MIN_PEN) * share
        if placed.curve:
            shapes.append(
                {
                    "type": "path",
                    "path": _curve_path(placed.curve),
                    "layer": "below",
                    "line": {"color": colour, "width": width},
                }
            )
        if placed.arrowhead:
            shapes.append(
                {
                    "type": "path",
                    "path": _polygon_path(placed.arrowhead),
                    "layer": "below",
                    "fillcolor": colour,
                    "line": {"color": colour, "width": 1},
                }
            )
        label = _edge_label(edge, view)
        if label and placed.label_x is not None:
            annotations.append(
                {
                    "x": placed.label_x,
                    "y": placed.label_y,
                    "text": label,
                    "showarrow": False,
                    "font": {"size": EDGE_FONT_SIZE, "family": LABEL_FONT, "color": "#333"},
                    "xref": "x",
                    "yref": "y",
                    "name": "edge-label",
                }
            )
        if placed.label_x is not None or placed.curve:
            middle = placed.curve[len(placed.curve) // 2] if placed.curve else (0.0, 0.0)
            hover_x.append(placed.label_x if placed.label_x is not None else middle[0])
            hover_y.append(placed.label_y if placed.label_y is not None else middle[1])
            hover_text.append(_edge_hover(edge))
    for node in layout.nodes:
        if _is_marker(node.name):
            colour = START_COLOUR if node.name == START else END_COLOUR
            shape_type = "circle" if node.name == START else "rect"
            shapes.append(
                {
                    "type": shape_type,
                    "x0": node.x - node.width / 2,
                    "x1": node.x + node.width / 2,
                    "y0": node.y - node.height / 2,
                    "y1": node.y + node.height / 2,
                    "fillcolor": colour,
                    "line": {"color": colour},
                    "layer": "above",
                }
            )
            text, font_colour, size = ("Start" if node.name == START else "End"), "white", 10
            name = "start-marker" if node.name == START else "end-marker"
        else:
            share = counts[node.name] / busiest
            shapes.append(
                {
                    "type": "path",
                    "path": _rounded_box(node),
                    "layer": "above",
                    "fillcolor": _mix(NODE_LIGHT, NODE_DARK, share**0.5),
                    "line": {"color": _mix(NODE_LIGHT, NODE_DARK, 1.0), "width": 1},
                }
            )
            wrapped = textwrap.wrap(node.name, LABEL_WIDTH) or [node.name]
            text = "<br>".join([*map(html.escape, wrapped), f"{int(counts[node.name]):,}"])
            font_colour = "white" if share**0.5 > 0.55 else "#12263f"
            size, name = NODE_FONT_SIZE, "activity-label"
            hover_x.append(node.x)
            hover_y.append(node.y)
            hover_text.append(f"{html.escape(node.name)}<br>{int(counts[node.name]):,} events")
        annotations.append(
            {
                "x": node.x,
                "y": node.y,
                "text": text,
                "showarrow": False,
                "name": name,
                "font": {"size": size, "family": LABEL_FONT, "color": font_colour},
                "xref": "x",
                "yref": "y",
            }
        )
    axis = {"visible": False, "fixedrange": True}
    return {
        "data": [
            {
                "type": "scatter",
                "x": hover_x,
                "y": hover_y,
                "mode": "markers",
                "hovertext": hover_text,
                "hoverinfo": "text",
                "showlegend": False,
                "marker": {"size": 14, "opacity": 0},
            }
        ],
        "layout": {
            "width": round(layout.width + 2 * PADDING),
            "height": round(layout.height + 2 * PADDING),
            "autosize": False,
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "hovermode": "closest",
            "hoverlabel": {"align": "left"},
            "xaxis": {**axis, "range": [-PADDING, layout.width + PADDING]},
            "yaxis": {**axis, "range": [-PADDING, layout.height + PADDING]},
            "shapes": shapes,
            "annotations": annotations,
        },
    }
