"""Exports name the case, activity and time in many ways (``Case ID``, ``concept:name``,
``Complete Timestamp``); the common names load without a mapping, matched loosely and
only when one column of the file matches, and anything else asks for a mapping by name."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from orderlens.ingest import ingest_paths
from orderlens.ingest.results import FileStatus
from orderlens.settings import Settings
from tests.ingest.conftest import query


def test_ingest_paths_loads_a_process_mining_export_without_a_mapping(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "Case ID,Activity,Complete Timestamp,org:resource,Cost\n"
        "A-1,Register,2025-03-01 09:00:00,ann,10\n"
        "A-1,Approve,2025-03-01 11:30:00,bob,20\n"
        "A-2,Register,2025-03-02 08:15:00,ann,10\n"
    )
    expected = pd.read_csv(path)

    (result,) = ingest_paths(settings, [path]).results

    assert (result.status, result.loaded, result.quarantined) == (FileStatus.LOADED, 3, 0)
    rows = query(
        settings,
        "SELECT case_id, activity, strftime(event_at AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S'),"
        " resource, json_extract_string(attributes, '$.Cost')"
        " FROM raw.workflow_events ORDER BY source_row",
    )
    assert rows == [
        (case, activity, at, who, str(cost))
        for case, activity, at, who, cost in expected.itertuples(index=False)
    ]


def test_ingest_paths_asks_for_a_mapping_when_two_columns_could_be_the_time(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "ambiguous.csv"
    path.write_text("case,activity,time,timestamp\nc1,A,2025-01-01,2025-01-01T10:00:00Z\n")

    (result,) = ingest_paths(settings, [path]).results

    assert result.status is FileStatus.REJECTED
    assert "event_at missing" in result.message
    assert "columns: {event_at: <your column>}" in result.message


@pytest.mark.parametrize(
    ("case", "activity", "time"),
    [("case", "concept:name", "time:timestamp"), ("CASE_KEY", "Task", "event-time")],
)
def test_ingest_paths_matches_aliases_ignoring_case_spaces_and_separators(
    settings: Settings, tmp_path: Path, case: str, activity: str, time: str
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(f"{case},{activity},{time}\nc1,A,2025-01-01T10:00:00Z\n")

    (result,) = ingest_paths(settings, [path]).results

    assert (result.status, result.loaded) == (FileStatus.LOADED, 1)
    assert query(settings, "SELECT case_id, activity FROM raw.workflow_events") == [("c1", "A")]
