"""fct_orders on the hand-made warehouse: each order's status and the nodes it touched.

Worked out by hand from tests/dbt/fixtures/workflow_events.csv: o1 is delivered and
invoiced at DC1 (closed); o2 is cancelled at store ST7 after a fraud review; o3 is
delivered from DC1 without an invoice (delivered). Every exception's node is among its
order's nodes.
"""

from __future__ import annotations

from fixture_warehouse import BuiltWarehouse


def test_fct_orders_status_and_nodes_from_the_events(built_warehouse: BuiltWarehouse) -> None:
    rows = built_warehouse.query(
        "select case_id, order_status, node_id, nodes, has_shipment, is_split"
        " from marts.fct_orders order by case_id"
    )
    assert rows == [
        ("o1", "closed", "DC1", "DC1", True, False),
        ("o2", "cancelled", "ST7", "ST7", False, False),
        ("o3", "delivered", "DC1", "DC1", True, False),
    ]


def test_fct_orders_nodes_hold_every_exception_node(built_warehouse: BuiltWarehouse) -> None:
    exception_nodes = built_warehouse.query(
        "select exceptions.exception_id, exceptions.node_id, orders.nodes"
        " from marts.fct_exceptions as exceptions"
        " join marts.fct_orders as orders on exceptions.case_id = orders.case_id"
        " where exceptions.node_id is not null order by 1"
    )
    # x3's events name no node: it takes its order's primary node (DC1).
    assert [row[:2] for row in exception_nodes] == [("x1", "DC1"), ("x2", "ST7"), ("x3", "DC1")]
    for _, node, nodes in exception_nodes:
        assert node in nodes.split(", ")
