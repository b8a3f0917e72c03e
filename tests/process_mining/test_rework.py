"""Ping-pong between teams, counted on handovers, against hand-worked answers."""

from datetime import UTC, datetime

import duckdb
import pandas as pd
import pytest

from process_mining.event_log import EventLog
from process_mining.rework import get_team_ping_pong

START = pd.Timestamp(datetime(2026, 3, 1, tzinfo=UTC))


def _teams_log(cases: dict[str, list[tuple[str | None, int]]]) -> duckdb.DuckDBPyConnection:
    """cases: id -> [(source system, minutes after the case's start)] in arrival order."""
    rows = [
        (case_id, f"step {index}", START + pd.Timedelta(minutes=minutes), team)
        for case_id, steps in cases.items()
        for index, (team, minutes) in enumerate(steps)
    ]
    frame = pd.DataFrame(rows, columns=["case_id", "activity", "event_at", "source_system"])
    frame["event_seq"] = range(len(frame))
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute("CREATE TABLE ev AS SELECT * FROM frame")
    return con


def test_team_ping_pong_counts_handovers_not_steps():
    con = _teams_log(
        {
            # OMS hands to WMS for two steps and gets it back 50 minutes after leaving it.
            "x": [("OMS", 0), ("OMS", 10), ("WMS", 20), ("WMS", 40), ("OMS", 60), ("TMS", 70)],
            # No return: OMS, WMS, TMS.
            "y": [("OMS", 0), ("OMS", 5), ("WMS", 9), ("TMS", 30)],
            # OMS -> MIDDLEWARE -> OMS twice (away 10 and 30 minutes), MIDDLEWARE -> OMS ->
            # MIDDLEWARE once (away 25); the event without a team does not break a stint.
            "z": [
                ("OMS", 0),
                ("MIDDLEWARE", 5),
                ("OMS", 10),
                (None, 12),
                ("OMS", 15),
                ("MIDDLEWARE", 30),
                ("OMS", 45),
            ],
        }
    )
    pong = get_team_ping_pong(con, EventLog(relation="ev")).set_index(["first_team", "second_team"])
    assert sorted(pong.index) == [("MIDDLEWARE", "OMS"), ("OMS", "MIDDLEWARE"), ("OMS", "WMS")]
    assert pong.loc[("OMS", "WMS"), "occurrences"] == 1
    assert pong.loc[("OMS", "WMS"), "mean_away_seconds"] == pytest.approx(50 * 60)
    assert pong.loc[("OMS", "MIDDLEWARE"), "occurrences"] == 2
    assert pong.loc[("OMS", "MIDDLEWARE"), "case_count"] == 1
    assert pong.loc[("OMS", "MIDDLEWARE"), "mean_away_seconds"] == pytest.approx(20 * 60)
    assert pong.loc[("MIDDLEWARE", "OMS"), "mean_away_seconds"] == pytest.approx(25 * 60)
