"""The process map figure: frequency as edge width, mean wait as edge colour, on one map."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from dashboard.components.palette import BLUE, SEQUENTIAL, style_figure
from dashboard.process_layout import layer_activities

MIN_WIDTH, MAX_WIDTH = 1.0, 12.0


def _hours(seconds: float) -> str:
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


def build_process_map(edges: pd.DataFrame, *, max_edges: int) -> go.Figure:
    """A network figure of the ``max_edges`` most frequent directly-follows edges.

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
    figure = go.Figure()
    top = float(shown["frequency"].max())
    waits = shown["mean_wait_seconds"].astype(float)
    low, high = float(waits.min()), float(waits.max())
    span = high - low or 1.0
    mid_x, mid_y, mid_text, mid_wait = [], [], [], []
    for edge in shown.itertuples(index=False):
        source, target = positions[edge.source_activity], positions[edge.target_activity]
        width = MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * float(edge.frequency) / top
        colour = sample_colorscale(SEQUENTIAL, [(float(edge.mean_wait_seconds) - low) / span])[0]
        bend = 0.25 if source.layer >= target.layer else 0.0
        xs = [source.layer, (source.layer + target.layer) / 2, target.layer]
        ys = [source.row, (source.row + target.row) / 2 + bend, target.row]
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"width": width, "color": colour, "shape": "spline"},
                hoverinfo="skip",
                showlegend=False,
                opacity=0.85,
            )
        )
        figure.add_annotation(
            x=target.layer - 0.12 * (target.layer - xs[1]) if target.layer != xs[1] else xs[2],
            y=ys[2] - 0.12 * (ys[2] - ys[1]),
            ax=xs[1],
            ay=ys[1],
            xref="x",
            yref="y",
            axref="x",
            ayref="y",
            showarrow=True,
            arrowhead=2,
            arrowsize=1,
            arrowwidth=1.2,
            arrowcolor=colour,
            text="",
        )
        mid_x.append(xs[1])
        mid_y.append(ys[1])
        mid_wait.append(float(edge.mean_wait_seconds) / 3600)
        mid_text.append(
            f"{edge.source_activity} → {edge.target_activity}<br>"
            f"{int(edge.frequency):,} transitions<br>mean wait {_hours(edge.mean_wait_seconds)}"
        )
    figure.add_trace(
        go.Scatter(
            x=mid_x,
            y=mid_y,
            mode="markers",
            hovertext=mid_text,
            hoverinfo="text",
            marker={
                "size": 9,
                "color": mid_wait,
                "colorscale": SEQUENTIAL,
                "cmin": low / 3600,
                "cmax": high / 3600,
                "showscale": True,
                "colorbar": {"title": {"text": "Mean wait (h)"}, "thickness": 12},
            },
            showlegend=False,
            name="edges",
        )
    )
    names = list(positions)
    figure.add_trace(
        go.Scatter(
            x=[positions[name].layer for name in names],
            y=[positions[name].row for name in names],
            mode="markers+text",
            text=[_wrap(name) for name in names],
            textposition=[
                "top center" if positions[name].layer % 2 == 0 else "bottom center"
                for name in names
            ],
            textfont={"size": 10},
            hovertext=[f"{name}<br>{positions[name].frequency:,.0f} events" for name in names],
            hoverinfo="text",
            marker={"size": 16, "color": BLUE, "line": {"color": "white", "width": 2}},
            showlegend=False,
            name="activities",
        )
    )
    rows = [position.row for position in positions.values()]
    style_figure(
        figure,
        x_title="Process stage (left to right)",
        y_title="",
        height=max(420, 120 * (max(rows) - min(rows) + 1) + 80),
    )
    figure.update_yaxes(range=[min(rows) - 0.7, max(rows) + 0.7])
    figure.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    figure.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)
    return figure
