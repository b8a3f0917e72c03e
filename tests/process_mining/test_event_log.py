"""Case filters on a hand-built log whose kept cases are known in advance."""

from datetime import UTC, datetime

import duckdb
import pandas as pd
import pytest

from process_mining.event_log import (
    EventLog,
    TimeFrameMode,
    events_query,
    filter_attribute,
    filter_endpoints,
    filter_throughput,
    filter_time_frame,
    filter_variants,
    quoted,
)


def _at(day: int, hour: int = 0) -> pd.Timestamp:
    return pd.Timestamp(datetime(2026, 3, day, hour, tzinfo=UTC))


@pytest.fixture()
def con():
    rows = [
        # case, activity, time, arrival, channel
        ("a", "Order Created", _at(1), 1, "web"),
        ("a", "Delivered", _at(3), 2, "web"),
        ("b", "Order Created", _at(2), 3, "store"),
        ("b", "Order Cancelled", _at(2, 5), 4, "store"),
        ("c", "Order Created", _at(5), 5, "web"),
        ("c", "Delivered", _at(9), 6, "web"),
    ]
    connection = duckdb.connect()
    frame = pd.DataFrame(rows, columns=["case_id", "activity", "event_at", "event_seq", "channel"])
    connection.register("frame", frame)
    connection.execute("CREATE TABLE ev AS SELECT * FROM frame")
    yield connection
    connection.close()


def _kept(con, log: EventLog) -> set[str]:
    query, parameters = events_query(log)
    return {
        row[0]
        for row in con.execute(f"SELECT DISTINCT case_id FROM ({query})", parameters).fetchall()
    }


def test_filter_time_frame_modes_keep_the_expected_cases(con):
    log = EventLog(relation="ev")
    start, end = datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 6, tzinfo=UTC)
    assert _kept(con, filter_time_frame(log, start=start, end=end, mode=TimeFrameMode.STARTED)) == {
        "b",
        "c",
    }
    assert _kept(
        con, filter_time_frame(log, start=start, end=end, mode=TimeFrameMode.CONTAINED)
    ) == {"b"}
    assert _kept(
        con, filter_time_frame(log, start=start, end=end, mode=TimeFrameMode.INTERSECTING)
    ) == {"a", "b", "c"}
    assert _kept(con, filter_time_frame(log, start=start, end=end, mode=TimeFrameMode.ACTIVE)) == {
        "a",
        "b",
        "c",
    }
    narrow = filter_time_frame(
        log,
        start=datetime(2026, 3, 6, tzinfo=UTC),
        end=datetime(2026, 3, 8, tzinfo=UTC),
        mode=TimeFrameMode.ACTIVE,
    )
    assert _kept(con, narrow) == set()


def test_filter_attribute_endpoints_variants_and_throughput_compose(con):
    log = EventLog(relation="ev")
    assert _kept(con, filter_attribute(log, column="channel", values=["web"])) == {"a", "c"}
    assert _kept(con, filter_attribute(log, column="channel", values=["web"], keep=False)) == {"b"}
    assert _kept(con, filter_endpoints(log, end_activities=["Order Cancelled"])) == {"b"}
    assert _kept(con, filter_variants(log, variants=[["Order Created", "Delivered"]])) == {"a", "c"}
    assert _kept(con, filter_throughput(log, min_seconds=3 * 86400)) == {"c"}
    both = filter_throughput(
        filter_attribute(log, column="channel", values=["web"]),
        max_seconds=86400 * 2.5,
        min_seconds=0,
    )
    assert _kept(con, both) == {"a"}
    assert len(both.describe_filters()) == 2


def test_filter_time_frame_rejects_an_empty_frame():
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="before it starts"):
        filter_time_frame(EventLog(), start=moment, end=moment)


def test_quoted_rejects_names_that_could_carry_sql():
    assert quoted("staging.stg_raw__workflow_events") == '"staging"."stg_raw__workflow_events"'
    with pytest.raises(ValueError, match="not a plain"):
        quoted("channel; DROP TABLE x")
