"""simplify_process_map: Disco-style activity and path sliders, on hand-counted maps."""

from __future__ import annotations

import pandas as pd

from process_mining.process_maps import END, START, simplify_process_map

# Cases: 5 x a->b->d, 1 x a->b->c->d, 3 x a->c->d, 1 x a->e.
# Events: a 10, b 6, c 4, d 9, e 1.
EDGES = pd.DataFrame(
    {
        "source_activity": ["a", "b", "a", "c", "a", "b"],
        "target_activity": ["b", "d", "c", "d", "e", "c"],
        "frequency": [6, 5, 3, 4, 1, 1],
        "mean_wait_seconds": [60.0, 120.0, 30.0, 600.0, 5.0, 8.0],
    }
)
ENDPOINTS = pd.DataFrame(
    {
        "endpoint": ["start", "end", "end"],
        "activity": ["a", "d", "e"],
        "case_count": [10, 9, 1],
    }
)


def _pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["source_activity"], frame["target_activity"], strict=True))


def test_simplify_process_map_counts_events_from_incoming_edges_and_starts():
    simplified = simplify_process_map(EDGES, ENDPOINTS, activity_share=1.0, path_share=1.0)
    activities = simplified.activities
    counts = dict(zip(activities["activity"], activities["event_count"], strict=True))
    assert counts == {"a": 10, "d": 9, "b": 6, "c": 4, "e": 1}
    assert simplified.activity_total == 5
    assert simplified.edge_total == 6 + 1 + 2


def test_simplify_process_map_full_sliders_keep_every_edge_and_the_markers():
    simplified = simplify_process_map(EDGES, ENDPOINTS, activity_share=1.0, path_share=1.0)
    assert _pairs(simplified.edges) == _pairs(EDGES) | {(START, "a"), ("d", END), ("e", END)}
    start = simplified.edges.set_index(["source_activity", "target_activity"]).loc[(START, "a")]
    assert start["frequency"] == 10


def test_simplify_process_map_activity_slider_keeps_the_busiest_and_their_edges():
    simplified = simplify_process_map(EDGES, ENDPOINTS, activity_share=0.6, path_share=1.0)
    assert list(simplified.activities["activity"]) == ["a", "d", "b"]
    assert _pairs(simplified.edges) == {("a", "b"), ("b", "d"), (START, "a"), ("d", END)}


def test_simplify_process_map_path_slider_at_zero_keeps_each_activity_connected():
    """With no path asked for, every activity still keeps its busiest way in and out:
    c keeps a->c and c->d though they are rarer than a->b; b->c goes."""
    simplified = simplify_process_map(EDGES, ENDPOINTS, activity_share=0.8, path_share=0.0)
    kept = _pairs(simplified.edges)
    assert kept == {(START, "a"), ("a", "b"), ("b", "d"), ("d", END), ("a", "c"), ("c", "d")}
    for activity in simplified.activities["activity"]:
        assert any(target == activity for _, target in kept)
        assert any(source == activity for source, _ in kept)


def test_simplify_process_map_path_slider_drops_the_rarest_edges_first():
    everything = simplify_process_map(EDGES, ENDPOINTS, activity_share=1.0, path_share=1.0)
    fewer = simplify_process_map(EDGES, ENDPOINTS, activity_share=1.0, path_share=0.5)
    assert len(fewer.edges) < len(everything.edges)
    dropped = _pairs(everything.edges) - _pairs(fewer.edges)
    assert dropped and max(
        everything.edges.set_index(["source_activity", "target_activity"]).loc[
            list(dropped), "frequency"
        ]
    ) <= min(fewer.edges["frequency"])


def test_simplify_process_map_keeps_other_columns_of_the_edges():
    simplified = simplify_process_map(EDGES, ENDPOINTS, activity_share=1.0, path_share=1.0)
    waits = simplified.edges.set_index(["source_activity", "target_activity"])
    assert waits.loc[("c", "d"), "mean_wait_seconds"] == 600.0


def test_simplify_process_map_hides_a_busy_activity_reached_only_through_hidden_ones():
    """x is busy (3 executions) but entered only from rare w (1): with w hidden, x would
    float unconnected, so it is hidden too. Events: a 10, b 6, d 9, x 3, c 4, e 1, w 1."""
    edges = pd.concat(
        [
            EDGES,
            pd.DataFrame(
                {
                    "source_activity": ["a", "w", "x"],
                    "target_activity": ["w", "x", "x"],
                    "frequency": [1, 1, 2],
                    "mean_wait_seconds": [1.0, 1.0, 1.0],
                }
            ),
        ],
        ignore_index=True,
    )
    simplified = simplify_process_map(edges, ENDPOINTS, activity_share=0.6, path_share=1.0)
    assert list(simplified.activities["activity"]) == ["a", "d", "b", "c"]
    assert "x" not in {*simplified.edges["source_activity"], *simplified.edges["target_activity"]}
    assert simplified.activity_total == 7
