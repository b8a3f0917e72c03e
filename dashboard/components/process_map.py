"""The process map figure: frequency as edge width, mean wait as edge colour, on one map.

Built as a plain figure dict (one line trace and one arrow per edge): with tens of edges,
Plotly's figure objects would spend longer validating than the query takes.
"""

from __future__ import annotations

import pandas as pd
from plotly.colors import sample_colorscale

from dashboard.components.palette import BLUE, SEQUENTIAL, figure_layout
from dashboard.process_layout import layer_activities

MIN_WIDTH, MAX_WIDTH = 1.0, 12.0
HIDDEN_AXIS = {"showticklabels": False, "showgrid": False, "zeroline": False}


def _duration(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:,.1f} min"
    return f"{seconds / 3600:,.1f} h"


def _wrap(label: str, width: int = 14) -> str:
    """Break an activity name into short lines so neighbouring labels do not overlap."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "<br>".join(lines)


def build_process_map(edges: pd.DataFrame, *, max_edges: int) -> dict:
    """A network figure (as a dict for ``dcc.Graph``) of the most frequent edges.

    Args:
        edges: ``source_activity``, ``target_activity``, ``frequency``, ``mean_wait_seconds``.
        max_edges: How many edges to draw (the rest are too rare to read).
    """
    shown = edges.sort_values(["frequency", "source_activity"], ascending=[False, True]).head(
        max_edges
    )
    shown = shown[shown["source_activity"] != shown["target_activity"]]
    positions = layer_activities(
        shown[["source_activity", "target_activity", "frequency"]].itertuples(index=False)
    )
    top = float(shown["frequency"].max())
    waits = shown["mean_wait_seconds"].astype(float)
    low, high = float(waits.min()), float(waits.max())
    span = high - low or 1.0
    colours = sample_colorscale(SEQUENTIAL, [(wait - low) / span for wait in waits])
    traces: list[dict] = []
    arrows: list[dict] = []
    mid_x, mid_y, mid_text, mid_wait = [], [], [], []
    for edge, colour in zip(shown.itertuples(index=False), colours, strict=True):
        source, target = positions[edge.source_activity], positions[edge.target_activity]
        bend = 0.25 if source.layer >= target.layer else 0.0
        xs = [source.layer, (source.layer + target.layer) / 2, target.layer]
        ys = [source.row, (source.row + target.row) / 2 + bend, target.row]
        width = MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * float(edge.frequency) / top
        traces.append(
            {
                "type": "scatter", "x": xs, "y": ys, "mode": "lines", "hoverinfo": "skip",
                "line": {"width": width, "color": colour, "shape": "spline"},
                "showlegend": False, "opacity": 0.85,
            }
        )  # fmt: skip
        arrows.append(
            {
                "x": xs[2] - 0.12 * (xs[2] - xs[1]), "y": ys[2] - 0.12 * (ys[2] - ys[1]),
                "ax": xs[1], "ay": ys[1], "xref": "x", "yref": "y", "axref": "x", "ayref": "y",
                "showarrow": True, "arrowhead": 2, "arrowsize": 1, "arrowwidth": 1.2,
                "arrowcolor": colour, "text": "",
            }
        )  # fmt: skip
        mid_x.append(xs[1])
        mid_y.append(ys[1])
        mid_wait.append(float(edge.mean_wait_seconds) / 3600)
        mid_text.append(
            f"{edge.source_activity} → {edge.target_activity}<br>"
            f"{int(edge.frequency):,} transitions<br>mean wait {_duration(edge.mean_wait_seconds)}"
        )
    traces.append(
        {
            "type": "scatter", "x": mid_x, "y": mid_y, "mode": "markers", "name": "edges",
            "hovertext": mid_text, "hoverinfo": "text", "showlegend": False,
            "marker": {
                "size": 9, "color": mid_wait, "colorscale": SEQUENTIAL, "cmin": low / 3600,
                "cmax": high / 3600, "showscale": True,
                "colorbar": {"title": {"text": "Mean wait (h)"}, "thickness": 12},
            },
        }
    )  # fmt: skip
    names = list(positions)
    traces.append(
        {
            "type": "scatter",
            "x": [positions[name].layer for name in names],
            "y": [positions[name].row for name in names],
            "mode": "markers+text",
            "text": [_wrap(name) for name in names],
            "textposition": [
                "top center" if positions[name].layer % 2 == 0 else "bottom center"
                for name in names
            ],
            "textfont": {"size": 10},
            "hovertext": [f"{name}<br>{positions[name].frequency:,.0f} events" for name in names],
            "hoverinfo": "text",
            "marker": {"size": 16, "color": BLUE, "line": {"color": "white", "width": 2}},
            "showlegend": False,
            "name": "activities",
        }
    )
    rows = [position.row for position in positions.values()]
    layout = figure_layout(
        x_title="Process stage (left to right)",
        y_title="",
        height=max(420, 120 * (max(rows) - min(rows) + 1) + 80),
    )
    layout["xaxis"].update(HIDDEN_AXIS)
    layout["yaxis"].update({**HIDDEN_AXIS, "range": [min(rows) - 0.7, max(rows) + 0.7]})
    layout["annotations"] = arrows
    return {"data": traces, "layout": layout}
