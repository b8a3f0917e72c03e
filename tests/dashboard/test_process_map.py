"""The process map's Graphviz layout and figure, on a real 44-activity log counted by pm4py."""

from __future__ import annotations

import itertools
import re

import pandas as pd
import pm4py
import pytest

from dashboard.components.process_map import (
    build_process_map,
    format_duration,
    lay_out_process_map,
)
from dashboard.graphviz_layout import EdgeSpec, NodeSpec, lay_out_graph
from process_mining.process_maps import END, START, simplify_process_map
from tests.conftest import read_receipt_by_group

KEYS = {"case_id_key": "case_id", "activity_key": "activity", "timestamp_key": "event_at"}
EDGE_HOVER = re.compile(r"(?P<source>.+) → (?P<target>.+)<br>(?P<count>[\d,]+) transitions")


@pytest.fixture(scope="module")
def receipt_by_group():
    """pm4py's DFG, performance DFG and start/end activities of the 44-activity log."""
    log = read_receipt_by_group()
    dfg, starts, ends = pm4py.discover_dfg(log, **KEYS)
    performance, _, _ = pm4py.discover_performance_dfg(log, **KEYS)
    edges = pd.DataFrame(
        [
            {
                "source_activity": source,
                "target_activity": target,
                "frequency": count,
                "mean_wait_seconds": performance[(source, target)]["mean"],
                "total_wait_seconds": performance[(source, target)]["mean"] * count,
                "wait_class": "internal",
                "waiting_on": "your teams and systems",
            }
            for (source, target), count in dfg.items()
        ]
    )
    endpoints = pd.DataFrame(
        [{"endpoint": "start", "activity": a, "case_count": n} for a, n in starts.items()]
        + [{"endpoint": "end", "activity": a, "case_count": n} for a, n in ends.items()]
    )
    return log, dfg, performance, edges, endpoints


def _overlap(first: tuple, second: tuple) -> bool:
    (x0, y0, x1, y1), (u0, v0, u1, v1) = first, second
    return x0 < u1 and u0 < x1 and y0 < v1 and v0 < y1


@pytest.mark.parametrize("view", ["frequency", "performance"])
def test_process_map_boxes_of_a_44_activity_log_never_overlap(receipt_by_group, view):
    log, _, _, edges, endpoints = receipt_by_group
    simplified = simplify_process_map(edges, endpoints, activity_share=1.0, path_share=1.0)
    assert len(simplified.activities) == log["activity"].nunique() == 44
    layout = lay_out_process_map(simplified, view=view)
    boxes = [
        (node.x - node.width / 2, node.y - node.height / 2,
         node.x + node.width / 2, node.y + node.height / 2)
        for node in layout.nodes
    ]  # fmt: skip
    assert len(boxes) == 44 + 2
    assert not [pair for pair in itertools.combinations(boxes, 2) if _overlap(*pair)]
    assert all(box[0] >= 0 and box[2] <= layout.width for box in boxes)
    labels = [(edge.label_x, edge.label_y) for edge in layout.edges if edge.label_x is not None]
    inside = [
        point
        for point in labels
        for box in boxes
        if box[0] < point[0] < box[2] and box[1] < point[1] < box[3]
    ]
    assert labels and not inside


def test_process_map_frequency_view_counts_equal_pm4py_dfg(receipt_by_group):
    log, dfg, _, edges, endpoints = receipt_by_group
    simplified = simplify_process_map(edges, endpoints, activity_share=1.0, path_share=1.0)
    figure = build_process_map(simplified, view="frequency")
    hovers = figure["data"][0]["hovertext"]
    drawn = {
        (found["source"], found["target"]): int(found["count"].replace(",", ""))
        for found in map(EDGE_HOVER.match, hovers)
        if found
    }
    assert drawn == dict(dfg)
    labels = sorted(
        int(note["text"].replace(",", ""))
        for note in figure["layout"]["annotations"]
        if note["name"] == "edge-label"
    )
    starts = pm4py.get_start_activities(log, **KEYS)
    ends = pm4py.get_end_activities(log, **KEYS)
    assert labels == sorted([*dfg.values(), *starts.values(), *ends.values()])
    events = log["activity"].value_counts()
    boxes = [note for note in figure["layout"]["annotations"] if note["name"] == "activity-label"]
    assert len(boxes) == len(events)
    for note in boxes:
        *name_lines, count = note["text"].split("<br>")
        assert events[" ".join(name_lines).replace("&amp;", "&")] == int(count.replace(",", ""))


def test_process_map_performance_view_labels_edges_with_pm4py_mean_waits(receipt_by_group):
    _, _, performance, edges, endpoints = receipt_by_group
    simplified = simplify_process_map(edges, endpoints, activity_share=0.5, path_share=0.5)
    figure = build_process_map(simplified, view="performance")
    labels = sorted(
        note["text"] for note in figure["layout"]["annotations"] if note["name"] == "edge-label"
    )
    inner = simplified.edges[
        ~simplified.edges["source_activity"].eq(START)
        & ~simplified.edges["target_activity"].eq(END)
    ]
    expected = sorted(
        format_duration(performance[(source, target)]["mean"])
        for source, target in zip(inner["source_activity"], inner["target_activity"], strict=True)
    )
    assert labels == expected
    markers = {note["name"] for note in figure["layout"]["annotations"]}
    assert {"start-marker", "end-marker"} <= markers


def test_graphviz_layout_quotes_names_with_quotes_and_backslashes():
    awkward = 'Check "urgent" \\ escalate'
    layout = lay_out_graph(
        (NodeSpec(awkward, awkward), NodeSpec("b", "B")), (EdgeSpec(awkward, "b", "1"),)
    )
    (edge,) = layout.edges
    source, target = layout.nodes
    assert source.y > target.y  # top to bottom
    assert edge.curve[0][1] <= source.y and edge.curve[-1][1] >= target.y
    assert edge.arrowhead
