"""The layered layout puts activities left to right in process order, loops set aside."""

from __future__ import annotations

from dashboard.process_layout import layer_activities


def test_layer_activities_orders_a_chain_with_a_shortcut_by_longest_path():
    positions = layer_activities([("A", "B", 5), ("B", "C", 5), ("A", "C", 1), ("C", "D", 5)])
    assert {name: p.layer for name, p in positions.items()} == {"A": 0, "B": 1, "C": 2, "D": 3}


def test_layer_activities_sets_a_rework_loop_aside_and_spreads_a_split():
    positions = layer_activities(
        [
            ("Start", "Pick", 10),
            ("Pick", "Pack", 8),
            ("Pack", "Pick", 2),
            ("Pack", "Ship", 6),
            ("Pack", "Collect", 2),
        ]
    )
    layers = {name: p.layer for name, p in positions.items()}
    assert layers == {"Start": 0, "Pick": 1, "Pack": 2, "Ship": 3, "Collect": 3}
    assert positions["Ship"].row != positions["Collect"].row
    assert positions["Ship"].row + positions["Collect"].row == 0


def test_layer_activities_handles_a_graph_that_is_one_cycle():
    positions = layer_activities([("A", "B", 3), ("B", "A", 1)])
    assert sorted(p.layer for p in positions.values()) == [0, 1]
    assert positions["A"].layer == 0
