"""Spike alerts on the overview follow the filters: an alert about a value the filters
leave out is not shown."""

from __future__ import annotations

import pytest

from dashboard.filters import Filters
from dashboard.queries.overview import alert_matches_filters


@pytest.mark.parametrize(
    ("dimension", "value", "filters", "expected"),
    [
        ("node_id", "DC-EAST-01", Filters(), True),
        ("node_id", "DC-EAST-01", Filters(node_id=("DC-EAST-01",)), True),
        ("node_id", "DC-EAST-01", Filters(node_id=("DC-WEST-01",)), False),
        ("node", "DC-EAST-01", Filters(node_id=("DC-WEST-01",)), False),
        ("carrier", "SwiftShip", Filters(carrier=("ParcelPro", "MetroCourier")), False),
        ("carrier", "SwiftShip", Filters(carrier=("SwiftShip",)), True),
        ("channel", "web", Filters(channel=("app",)), False),
        ("region", "east", Filters(region=("east", "west")), True),
        # The filters cannot narrow interfaces or suppliers: those alerts stay.
        ("interface", "OMS->ERP:post_invoice", Filters(channel=("app",)), True),
        ("supplier", "SUP-003", Filters(node_id=("DC-WEST-01",)), True),
    ],
)
def test_alert_matches_filters_keeps_only_alerts_about_kept_values(
    dimension, value, filters, expected
):
    assert alert_matches_filters(dimension, value, filters) is expected
