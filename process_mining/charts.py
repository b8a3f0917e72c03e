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
import textwrap
from dataclasses import dataclass

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


MAP_FONT_POINTS = 10.0
"""Size of every text on the process map at its natural size, in points."""
MAP_MAX_WIDTH_POINTS = 540.0
"""The widest the map is laid out. The report prints on A4 with 12 mm margins, leaving
about 500 pt for a figure: a map this wide is shrunk by 500/540 at most, so its 10 pt text
prints at 9.3 pt or more (text below 9 pt is hard to read in a printed forum pack)."""
MAP_MAX_HEIGHT_POINTS = 700.0
"""The tallest the map is laid out, so that it prints on one A4 page."""
MAP_LABEL_CHARACTERS = 18
"""Longest line of a step's name in a map box; longer names wrap onto further lines."""


@dataclass(frozen=True)
class ProcessMapDrawing:
    """A process map drawn for the report.

    Attributes:
        svg: The map as inline SVG (or a note when Graphviz is missing).
        shown_activities: The steps drawn, busiest first.
        activity_total: The steps of the whole map.
    """

    svg: str
    shown_activities: tuple[str, ...]
    activity_total: int


def wrap_label(text: str, width: int = MAP_LABEL_CHARACTERS) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken between words.

    Example:
        >>> wrap_label("Address Validation Failure Detected")
        ['Address Validation', 'Failure Detected']
    """
    return textwrap.wrap(text, width=width, break_on_hyphens=False) or [text]


def _map_source(shown: pd.DataFrame, counts: dict[str, int], *, performance: bool) -> str:
    """The Graphviz description of the edges ``shown``, boxes carrying their counts."""
    activities = sorted(set(shown["source_activity"]) | set(shown["target_activity"]))
    top_frequency = max(int(shown["frequency"].max()), 1) if len(shown) else 1
    top_wait = max(float(shown["median_wait_seconds"].max()), 1.0) if len(shown) else 1.0
    lines = [
        "digraph process {",
        'graph [rankdir=TB, bgcolor="transparent", nodesep=0.18, ranksep=0.22, margin=0];',
        f'node [shape=box, style="rounded,filled", fontname="Helvetica", '
        f'fontsize={MAP_FONT_POINTS}, margin="0.06,0.03", color="#1f4e79", '
        'fillcolor="#eaf1f8"];',
        f'edge [fontname="Helvetica", fontsize={MAP_FONT_POINTS}, arrowsize=0.6];',
    ]
    node_of = {activity: f"n{index}" for index, activity in enumerate(activities)}
    for activity in activities:
        label = dot_quoted(*wrap_label(activity), f"{int(counts.get(activity, 0)):,}")
        lines.append(f"{node_of[activity]} [label={label}];")
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
    return "\n".join(lines)


def _laid_out(source: str) -> tuple[str, float, float]:
    """Graphviz's SVG of ``source`` and its natural width and height in points."""
    result = subprocess.run(
        ["dot", "-Tsvg"], input=source, capture_output=True, text=True, check=True
    )
    svg = result.stdout[result.stdout.index("<svg") :]
    size = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    return svg, float(size.group(1)), float(size.group(2))


def render_process_maps(
    edges: pd.DataFrame,
    endpoints: pd.DataFrame,
    *,
    max_edges: int = 45,
) -> tuple[ProcessMapDrawing, ProcessMapDrawing]:
    """The frequency map (blue, thickness) and the performance map (orange, median wait)
    as inline SVG, drawing the same steps.

    The busiest steps are drawn with the most frequent handovers between them (two per
    step, at most ``max_edges``); while either layout would be wider than
    :data:`MAP_MAX_WIDTH_POINTS` or taller than :data:`MAP_MAX_HEIGHT_POINTS`, the least
    busy steps are left out, so each map prints on one A4 page with text of at least 9 pt.
    Long names wrap inside their box.

    Returns:
        The frequency drawing and the performance drawing.
    """
    counts = {
        str(activity): int(count)
        for activity, count in zip(endpoints["activity"], endpoints["event_count"], strict=True)
    }
    ranked = sorted(counts, key=lambda activity: (-counts[activity], activity))
    if shutil.which("dot") is None:
        note = "<p class='note'>Graphviz (dot) is not installed: process map not drawn.</p>"
        drawing = ProcessMapDrawing(note, (), len(ranked))
        return drawing, drawing
    busiest = edges.nlargest(max_edges, "frequency")
    drawn = set(busiest["source_activity"]) | set(busiest["target_activity"])
    keep = len([activity for activity in ranked if activity in drawn]) or len(ranked)
    while True:
        kept = set(ranked[:keep])
        shown = edges[
            edges["source_activity"].isin(kept) & edges["target_activity"].isin(kept)
        ].nlargest(min(max_edges, 2 * keep), "frequency")
        layouts = [
            _laid_out(_map_source(shown, counts, performance=performance))
            for performance in (False, True)
        ]
        fits = all(
            width <= MAP_MAX_WIDTH_POINTS and height <= MAP_MAX_HEIGHT_POINTS
            for _, width, height in layouts
        )
        if fits or keep <= 2:
            break
        keep = max(2, min(keep - 1, int(keep * 0.9)))
    shown_activities = set(shown["source_activity"]) | set(shown["target_activity"])
    listed = tuple(activity for activity in ranked if activity in shown_activities)
    frequency, performance = (
        ProcessMapDrawing(
            re.sub(r"<svg ", '<svg class="process-map" ', svg, count=1), listed, len(ranked)
        )
        for svg, _, _ in layouts
    )
    return frequency, performance


def nice_ticks(top: float, *, count: int = 5) -> list[float]:
    """Axis ticks from 0 in a round step (1, 2, 2.5 or 5 times a power of ten) that reach
    at least ``top`` in about ``count`` steps.

    Example:
        >>> nice_ticks(88)
        [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        >>> nice_ticks(3)
        [0.0, 1.0, 2.0, 3.0]
    """
    top = max(float(top), 1.0)
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(multiple * power for multiple in (1, 2, 2.5, 5, 10) if multiple * power >= raw)
    if step < 1:
        step = 1.0
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(round(ticks[-1] + step, 6))
    return ticks


def _tick_text(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def render_trend(trend: pd.DataFrame, *, case_noun: str = "cases") -> str:
    """Cases started per day (bars, left axis) and their median throughput time (line,
    right axis) as inline SVG, both axes ticked at round values and titled, the days
    labelled along the bottom."""
    if trend.empty:
        return f"<p class='note'>No {html.escape(case_noun)} in the period.</p>"
    width, height = 720, 300
    left, right, top, bottom = 64, 72, 16, 52
    plot_w, plot_h = width - left - right, height - top - bottom
    count = len(trend)
    step = plot_w / count
    case_ticks = nice_ticks(float(trend["case_count"].max()))
    case_top = case_ticks[-1]
    median_seconds = trend["median_throughput_seconds"]
    in_days = float(median_seconds.max()) >= 3 * 86400
    unit_seconds, unit = (86400, "days") if in_days else (3600, "hours")
    duration = median_seconds / unit_seconds
    duration_ticks = nice_ticks(float(duration.max()), count=len(case_ticks) - 1)
    duration_top = duration_ticks[-1]
    base = top + plot_h
    parts = [
        f'<svg class="trend" viewBox="0 0 {width} {height}" role="img"'
        f' xmlns="http://www.w3.org/2000/svg">'
    ]
    for value in case_ticks:
        y = base - value / case_top * plot_h
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}"'
            ' stroke="#e6ebf1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_tick_text(value)}</text>'
        )
    for value in duration_ticks:
        y = base - value / duration_top * plot_h
        parts.append(
            f'<text x="{left + plot_w + 6}" y="{y + 4:.1f}" fill="{PALETTE[3]}">'
            f"{_tick_text(value)}</text>"
        )
    points = []
    for index, row in enumerate(trend.itertuples()):
        x = left + index * step
        bar = row.case_count / case_top * plot_h
        day = html.escape(str(row.period_start)[:10])
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{base - bar:.1f}" width="{max(step - 2, 1):.1f}"'
            f' height="{bar:.1f}" fill="{PALETTE[2]}"><title>'
            f"{day}: {int(row.case_count):,} {html.escape(case_noun)},"
            f" median {format_duration(row.median_throughput_seconds)}</title></rect>"
        )
        if pd.notna(row.median_throughput_seconds):
            y = base - row.median_throughput_seconds / unit_seconds / duration_top * plot_h
            points.append(f"{x + step / 2:.1f},{y:.1f}")
    parts.append(
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{PALETTE[3]}"'
        f' stroke-width="2"/>'
    )
    label_every = max(1, math.ceil(count / 7))
    for index in range(0, count, label_every):
        day = pd.Timestamp(trend["period_start"].iloc[index])
        x = left + index * step + step / 2
        parts.append(f'<text x="{x:.1f}" y="{base + 18}" text-anchor="middle">{day:%d %b}</text>')
    middle = top + plot_h / 2
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{base}" y2="{base}" stroke="#5a6b7d"/>'
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle">'
        f"Day the {html.escape(case_noun)} started</text>"
        f'<text transform="translate(16 {middle:.1f}) rotate(-90)" text-anchor="middle">'
        f"{html.escape(case_noun.capitalize())} started per day</text>"
        f'<text transform="translate({width - 14} {middle:.1f}) rotate(90)"'
        f' text-anchor="middle" fill="{PALETTE[3]}">Median throughput ({unit})</text>'
        "</svg>"
    )
    return "".join(parts)
