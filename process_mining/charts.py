"""Charts for the self-contained report, as inline SVG text (no script, no network).

Every string that comes from the data is escaped here, so a hostile activity name
cannot inject markup. The process map is laid out by Graphviz (``dot``), which escapes
its own SVG output; the names reach it through :func:`dot_quoted`.
"""

from __future__ import annotations

import html
import math
import re
import shutil
import subprocess

import pandas as pd

PALETTE = ("#1f4e79", "#2e75b6", "#9dc3e6", "#c55a11", "#f4b183")
"""Blues for volume, oranges for delay: the report's two meanings of colour."""


def format_duration(seconds: float) -> str:
    """Seconds as a short human duration: ``45 s``, ``12 min``, ``5.2 h``, ``3.1 d``."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    if abs(seconds) < 60:
        return f"{seconds:.0f} s"
    if abs(seconds) < 3600:
        return f"{seconds / 60:.0f} min"
    if abs(seconds) < 86400 * 2:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def dot_quoted(*lines: str) -> str:
    """``lines`` as one quoted Graphviz label that Graphviz shows literally.

    Quotes and backslashes are escaped (so ``\\N`` or ``\\G`` stay text), and so is
    ``&``: Graphviz reads ``&amp;`` or ``&#60;`` in a label as an entity, so a name holding
    one would be drawn as ``&`` or ``<`` instead of what it says.
    """
    escaped = (
        line.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
        for line in lines
    )
    return '"' + "\\n".join(escaped) + '"'


def render_process_map(
    edges: pd.DataFrame,
    endpoints: pd.DataFrame,
    *,
    performance: bool,
    max_edges: int = 45,
) -> str:
    """The process map as inline SVG: frequency (blue, thickness) or waiting (orange).

    Only the ``max_edges`` most frequent edges are drawn so the map stays readable; the
    report's tables list them all.
    """
    if shutil.which("dot") is None:
        return "<p class='note'>Graphviz (dot) is not installed: process map not drawn.</p>"
    shown = edges.nlargest(max_edges, "frequency")
    activities = sorted(set(shown["source_activity"]) | set(shown["target_activity"]))
    counts = dict(zip(endpoints["activity"], endpoints["event_count"], strict=True))
    top_frequency = max(int(shown["frequency"].max()), 1) if len(shown) else 1
    top_wait = max(float(shown["median_wait_seconds"].max()), 1.0) if len(shown) else 1.0
    lines = [
        "digraph process {",
        'graph [rankdir=TB, bgcolor="transparent", nodesep=0.25, ranksep=0.35];',
        'node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10,'
        ' color="#1f4e79", fillcolor="#eaf1f8"];',
        'edge [fontname="Helvetica", fontsize=8, arrowsize=0.6];',
    ]
    for index, activity in enumerate(activities):
        label = dot_quoted(activity, f"{int(counts.get(activity, 0)):,}")
        lines.append(f"n{index} [label={label}];")
    node_of = {activity: f"n{index}" for index, activity in enumerate(activities)}
    for edge in shown.itertuples():
        if performance:
            weight = float(edge.median_wait_seconds) / top_wait
            color = PALETTE[3] if weight > 0.33 else PALETTE[4]
            label = format_duration(float(edge.median_wait_seconds))
        else:
            weight = int(edge.frequency) / top_frequency
            color = PALETTE[1] if weight > 0.33 else PALETTE[2]
            label = f"{int(edge.frequency):,}"
        width = 0.6 + 4.0 * weight
        lines.append(
            f"{node_of[edge.source_activity]} -> {node_of[edge.target_activity]}"
            f' [label={dot_quoted(label)}, penwidth={width:.2f}, color="{color}"];'
        )
    lines.append("}")
    result = subprocess.run(
        ["dot", "-Tsvg"], input="\n".join(lines), capture_output=True, text=True, check=True
    )
    svg = result.stdout
    svg = svg[svg.index("<svg") :]
    return re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg class="process-map"', svg, count=1)


def render_bars(
    labels: list[str], values: list[float], *, value_text: list[str], color: str = PALETTE[1]
) -> str:
    """A horizontal bar chart as inline SVG, one bar per label, longest value first."""
    row = 22
    label_width = 330
    bar_width = 300
    height = row * len(labels) + 6
    top = max((abs(value) for value in values), default=1.0) or 1.0
    parts = [
        f'<svg class="bars" viewBox="0 0 {label_width + bar_width + 90} {height}"'
        f' role="img" xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, (label, value, text) in enumerate(zip(labels, values, value_text, strict=True)):
        y = index * row + 4
        length = max(abs(value) / top * bar_width, 1.0)
        short = label if len(label) <= 52 else label[:50] + "…"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end">{html.escape(short)}'
            f"<title>{html.escape(label)}</title></text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 8}"'
            f' fill="{color}" rx="2"/>'
            f'<text x="{label_width + length + 5:.1f}" y="{y + 14}">{html.escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_trend(trend: pd.DataFrame) -> str:
    """Cases started per day (bars) and their median throughput time (line), inline SVG."""
    if trend.empty:
        return "<p class='note'>No cases in the period.</p>"
    width, height, left, bottom = 860, 220, 50, 30
    plot_w, plot_h = width - left - 60, height - bottom - 14
    count = len(trend)
    step = plot_w / count
    top_cases = max(int(trend["case_count"].max()), 1)
    median_hours = trend["median_throughput_seconds"] / 3600
    top_hours = max(float(median_hours.max()), 1.0)
    parts = [
        f'<svg class="trend" viewBox="0 0 {width} {height}" role="img"'
        f' xmlns="http://www.w3.org/2000/svg">'
    ]
    points = []
    for index, row in enumerate(trend.itertuples()):
        x = left + index * step
        bar = row.case_count / top_cases * plot_h
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{14 + plot_h - bar:.1f}" width="{max(step - 2, 1):.1f}"'
            f' height="{bar:.1f}" fill="{PALETTE[2]}"><title>'
            f"{html.escape(str(row.period_start)[:10])}: {int(row.case_count):,} cases,"
            f" median {format_duration(row.median_throughput_seconds)}</title></rect>"
        )
        y = 14 + plot_h - (row.median_throughput_seconds / 3600) / top_hours * plot_h
        points.append(f"{x + step / 2:.1f},{y:.1f}")
    parts.append(
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{PALETTE[3]}"'
        f' stroke-width="2"/>'
    )
    first, last = trend["period_start"].iloc[0], trend["period_start"].iloc[-1]
    parts.append(
        f'<text x="{left}" y="{height - 8}">{html.escape(str(first)[:10])}</text>'
        f'<text x="{left + plot_w}" y="{height - 8}" text-anchor="end">'
        f"{html.escape(str(last)[:10])}</text>"
        f'<text x="{left - 6}" y="22" text-anchor="end">{top_cases:,}</text>'
        f'<text x="{left - 6}" y="{14 + plot_h}" text-anchor="end">0</text>'
        f'<text x="{left + plot_w + 6}" y="22" fill="{PALETTE[3]}">{top_hours:.0f} h</text>'
        "</svg>"
    )
    return "".join(parts)
