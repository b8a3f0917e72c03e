"""The object-centric view against pm4py's flattening of the same OCEL 2.0 file, and on
simulated orders where split shipments must stay visible."""

import duckdb
import pm4py
import pytest

from process_mining.event_log import EventLog
from process_mining.object_centric import (
    discover_object_edges,
    get_objects_per_case,
    load_ocel,
    object_events_query,
)
from tests.process_mining.conftest import SHARED_DATA


def test_discover_object_edges_equal_pm4py_flattening_per_object_type():
    path = SHARED_DATA / "ocel20_example.jsonocel"
    con = duckdb.connect()
    assert load_ocel(con, path, table="ocel_long") > 0
    edges = discover_object_edges(con, "ocel_long")
    ocel = pm4py.read_ocel2(str(path))
    for object_type in set(ocel.objects[ocel.object_type_column]):
        per_type = edges[edges["object_type"] == object_type]
        expected, _, _ = pm4py.discover_dfg(pm4py.ocel_flattening(ocel, object_type))
        pairs = zip(per_type["source_activity"], per_type["target_activity"], strict=True)
        assert dict(zip(pairs, per_type["frequency"], strict=True)) == dict(expected)


@pytest.mark.slow
def test_objects_per_case_counts_split_shipments_of_the_simulated_orders(holiday_peak_log):
    events = holiday_peak_log.events
    shipments = events.dropna(subset=["shipment_id"]).groupby("case_id")["shipment_id"].nunique()
    table = get_objects_per_case(holiday_peak_log.con, EventLog()).set_index("object_type")
    assert table.loc["shipment", "orders"] == len(shipments)
    assert table.loc["shipment", "objects"] == shipments.sum()
    assert table.loc["shipment", "orders_with_several"] == int((shipments > 1).sum())
    assert table.loc["shipment", "orders_with_several"] > 0
    query, parameters = object_events_query(EventLog())
    edges = discover_object_edges(holiday_peak_log.con, query, parameters)
    dispatched = edges[
        (edges["object_type"] == "shipment") & (edges["target_activity"] == "Shipment Dispatched")
    ]["frequency"].sum()
    assert dispatched == (events["activity"] == "Shipment Dispatched").sum()
