"""The ``lifecycle`` contract column: from XES ``lifecycle:transition``, from a CSV column
named ``lifecycle`` or ``lifecycle:transition`` without a mapping, or from any column a
mapping names; trimmed and lower-cased, never left in ``attributes``."""

from __future__ import annotations

from pathlib import Path

import pm4py

from orderlens.ingest import ingest_paths
from orderlens.settings import Settings
from tests.ingest.conftest import REAL_DATA, query


def test_ingest_paths_xes_reads_lifecycle_transition_into_the_lifecycle_column(
    settings: Settings,
) -> None:
    path = REAL_DATA / "receipt.xes.gz"
    transitions = pm4py.read_xes(str(path), variant="iterparse")["lifecycle:transition"]
    expected = transitions.str.strip().str.lower().value_counts().to_dict()

    ingest_paths(settings, [path])

    counts = query(settings, "SELECT lifecycle, count(*) FROM raw.workflow_events GROUP BY 1")
    assert dict(counts) == expected
    leftovers = query(
        settings,
        "SELECT count(*) FROM raw.workflow_events WHERE attributes LIKE '%lifecycle:transition%'",
    )
    assert leftovers == [(0,)]


def test_ingest_paths_csv_lifecycle_transition_column_needs_no_mapping(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "steps.csv"
    path.write_text(
        "case_id,activity,event_at,lifecycle:transition,note\n"
        "c1,Pick,2025-01-01T10:00:00Z,START,a\n"
        "c1,Pick,2025-01-01T10:05:00Z, Complete ,b\n"
        "c1,Pack,2025-01-01T10:06:00Z,,c\n"
    )

    (result,) = ingest_paths(settings, [path]).results

    assert (result.loaded, result.quarantined) == (3, 0)
    rows = query(
        settings,
        "SELECT lifecycle, json_extract_string(attributes, '$.\"lifecycle:transition\"'),"
        " json_extract_string(attributes, '$.note') FROM raw.workflow_events ORDER BY event_at",
    )
    assert rows == [("start", None, "a"), ("complete", None, "b"), (None, None, "c")]


def test_ingest_paths_maps_any_column_to_lifecycle(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "steps.csv"
    path.write_text(
        "case,step,at,transition\n"
        "c1,Pick,2025-01-01T10:00:00Z,Schedule\n"
        "c1,Pick,2025-01-01T10:05:00Z,COMPLETE\n"
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "sources:\n"
        "  - match: 'steps.csv'\n"
        "    columns: {case_id: case, activity: step, event_at: at, lifecycle: transition}\n"
    )

    ingest_paths(settings, [path], mapping=mapping)

    rows = query(
        settings, "SELECT lifecycle, attributes FROM raw.workflow_events ORDER BY event_at"
    )
    assert rows == [("schedule", None), ("complete", None)]
