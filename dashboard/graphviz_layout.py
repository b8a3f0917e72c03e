"""Positions of a process map computed by Graphviz's ``dot`` (a layered, Sugiyama-style layout).

``dot`` ranks the activities top to bottom along the flow, orders each rank to cross as
few edges as possible, routes every edge as a spline around the boxes and places every
edge label as a box of its own, so no label sits on another or on an activity. Its
``-Tjson`` output gives the boxes' centres and sizes, each edge's Bézier control points,
arrowhead and label centre, in points; the dashboard draws them at one pixel per point.
Graphviz is a system package (``scripts/install_system_packages.sh`` installs it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

DOT_TIMEOUT_SECONDS = 30
LAYOUT_CACHE_SIZE = 256
NODE_FONT_SIZE = 12
EDGE_FONT_SIZE = 11
FONT_NAME = "Helvetica"
"""The font ``dot`` measures labels with; the browser draws them in Arial or Liberation Sans,
which have Helvetica's widths."""


class GraphLayoutError(RuntimeError):
    """Graphviz is missing or could not lay the graph out."""


@dataclass(frozen=True)
class NodeSpec:
    """One box (or marker) to place.

    Attributes:
        name: Unique name (the activity).
        label: Text inside, lines separated by ``\\n``.
        shape: ``box`` for an activity, ``circle`` for the start marker, ``square`` for
            the end marker.
    """

    name: str
    label: str
    shape: str = "box"


@dataclass(frozen=True)
class EdgeSpec:
    """One directed edge: the label drawn beside it, its thickness in points, and its weight
    (``dot`` keeps heavier edges shorter and straighter: the main path runs straight)."""

    source: str
    target: str
    label: str
    pen_width: float = 1.0
    weight: int = 1


@dataclass(frozen=True)
class PlacedNode:
    """A node's centre and size, in points from the drawing's bottom-left corner."""

    name: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class PlacedEdge:
    """An edge as drawn: a chain of cubic Béziers, an arrowhead polygon, the label centre.

    Attributes:
        source: Source node name.
        target: Target node name.
        curve: Points ``p0, c1, c2, p1, c1, c2, p2, ...`` of the cubic Bézier chain.
        arrowhead: The arrowhead polygon's corners.
        label_x: Horizontal centre of the label (``None`` without a label).
        label_y: Vertical centre of the label.
    """

    source: str
    target: str
    curve: tuple[tuple[float, float], ...]
    arrowhead: tuple[tuple[float, float], ...]
    label_x: float | None
    label_y: float | None


@dataclass(frozen=True)
class GraphLayout:
    """Where everything goes; ``width`` and ``height`` of the whole drawing in points."""

    width: float
    height: float
    nodes: tuple[PlacedNode, ...]
    edges: tuple[PlacedEdge, ...]


def _quoted(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, lines as ``\\n``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n") + '"'


SHAPES = {
    "box": 'shape=box, style="rounded", margin="0.14,0.07"',
    "circle": "shape=circle, fixedsize=true, width=0.55, fontsize=10",
    "square": "shape=square, fixedsize=true, width=0.55, fontsize=10",
}


def to_dot(nodes: tuple[NodeSpec, ...], edges: tuple[EdgeSpec, ...]) -> str:
    """The DOT source ``dot`` lays out: top to bottom, rounded boxes, labelled edges."""
    lines = [
        "digraph process {",
        '  graph [rankdir=TB, nodesep=0.3, ranksep=0.4, splines=true, outputorder="edgesfirst"];',
        f'  node [fontname="{FONT_NAME}", fontsize={NODE_FONT_SIZE}];',
        f'  edge [fontname="{FONT_NAME}", fontsize={EDGE_FONT_SIZE}, arrowsize=0.7];',
    ]
    index = {node.name: number for number, node in enumerate(nodes)}
    for number, node in enumerate(nodes):
        lines.append(f"  n{number} [label={_quoted(node.label)}, {SHAPES[node.shape]}];")
    for edge in edges:
        lines.append(
            f"  n{index[edge.source]} -> n{index[edge.target]} "
            f"[label={_quoted(edge.label)}, penwidth={edge.pen_width:.2f}, "
            f"weight={edge.weight}];"
        )
    lines.append("}")
    return "\n".join(lines)


def _points(text: str) -> tuple[float, float]:
    x, y = text.split(",")[:2]
    return float(x), float(y)


def _ops(drawing: list[dict], kinds: set[str]) -> list[dict]:
    return [op for op in drawing if op.get("op") in kinds]


@lru_cache(maxsize=LAYOUT_CACHE_SIZE)
def _run_dot(source: str) -> str:
    executable = shutil.which("dot")
    if executable is None:
        raise GraphLayoutError(
            "Graphviz's dot is not installed: run `make setup` (or install the graphviz package)"
        )
    try:
        finished = subprocess.run(
            [executable, "-Tjson"],
            input=source,
            capture_output=True,
            text=True,
            timeout=DOT_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise GraphLayoutError(f"dot took over {DOT_TIMEOUT_SECONDS} s") from error
    if finished.returncode != 0:
        raise GraphLayoutError(f"dot failed: {finished.stderr.strip()[:300]}")
    return finished.stdout


def lay_out_graph(nodes: tuple[NodeSpec, ...], edges: tuple[EdgeSpec, ...]) -> GraphLayout:
    """Lay out a directed graph with ``dot`` (cached by graph: a repeated view costs nothing).

    Args:
        nodes: Every node, each name once.
        edges: Edges between those names.

    Returns:
        The :class:`GraphLayout`, in points.

    Raises:
        GraphLayoutError: ``dot`` is missing, failed or took too long.

    Example:
        >>> layout = lay_out_graph((NodeSpec("a", "A"), NodeSpec("b", "B")),
        ...                        (EdgeSpec("a", "b", "3"),))
        >>> [node.y > 0 for node in layout.nodes], layout.edges[0].label_x is not None
        ([True, True], True)
    """
    graph = json.loads(_run_dot(to_dot(nodes, edges)))
    _, _, width, height = (float(value) for value in graph["bb"].split(","))
    objects = sorted(graph.get("objects", []), key=lambda drawn: drawn["_gvid"])
    placed_nodes = []
    for node, drawn in zip(nodes, objects, strict=True):
        x, y = _points(drawn["pos"])
        placed_nodes.append(
            PlacedNode(node.name, x, y, float(drawn["width"]) * 72.0, float(drawn["height"]) * 72.0)
        )
    drawn_edges = {(drawn["tail"], drawn["head"]): drawn for drawn in graph.get("edges", [])}
    index = {node.name: number for number, node in enumerate(nodes)}
    placed_edges = []
    for edge in edges:
        drawn = drawn_edges[(index[edge.source], index[edge.target])]
        curve = tuple(
            (float(x), float(y))
            for op in _ops(drawn.get("_draw_", []), {"b", "B"})
            for x, y in op["points"]
        )
        arrowhead = tuple(
            (float(x), float(y))
            for op in _ops(drawn.get("_hdraw_", []), {"p", "P"})[:1]
            for x, y in op["points"]
        )
        label = _points(drawn["lp"]) if "lp" in drawn else (None, None)
        placed_edges.append(
            PlacedEdge(edge.source, edge.target, curve, arrowhead, label[0], label[1])
        )
    return GraphLayout(width, height, tuple(placed_nodes), tuple(placed_edges))
