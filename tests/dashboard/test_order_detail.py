"""The order page's node line: every node an order touched, by display name, in order."""

import dataclasses

import pandas as pd
import pytest

from dashboard.app import create_app
from orderlens.display_names import DisplayName, DisplayNames
from orderlens.settings import Settings

NAMES = DisplayNames(
    {
        ("node", "DC-EAST-01"): DisplayName("East distribution centre", "Main DC of the east"),
        ("node", "3PL-SOUTH-01"): DisplayName("South 3PL warehouse", "Partner warehouse"),
    }
)


@pytest.fixture(scope="module")
def other_nodes(tmp_path_factory):
    """The page's node-line builder; a page module registers itself, so an app comes first."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("order_detail"))
    create_app(dataclasses.replace(settings, secret_key="order-detail-test-key-0123456789abcdef"))
    from dashboard.pages.order_detail import _other_nodes

    return _other_nodes


def _text(component) -> str:
    """The visible text of a Dash component tree."""
    children = getattr(component, "children", component)
    if isinstance(children, str):
        return children
    if isinstance(children, list):
        return "".join(_text(child) for child in children)
    return _text(children) if children is not None else ""


def test_order_detail_lists_the_nodes_of_an_order_touching_several(other_nodes):
    summary = pd.Series({"node_id": "DC-EAST-01", "nodes": "DC-EAST-01, 3PL-SOUTH-01"})
    (line,) = other_nodes(summary, NAMES)
    assert line.id == "order-nodes"
    assert _text(line).endswith("East distribution centre, South 3PL warehouse")
    titles = [span.title for span in line.children[1:]]
    assert len(titles) == 2
    assert titles[0].endswith("DC-EAST-01")
    assert titles[1].endswith("3PL-SOUTH-01")


def test_order_detail_adds_no_node_line_for_one_node_or_none(other_nodes):
    assert other_nodes(pd.Series({"nodes": "DC-EAST-01"}), NAMES) == []
    assert other_nodes(pd.Series({"nodes": None}), NAMES) == []
    assert other_nodes(pd.Series({"channel": "web"}), NAMES) == []
