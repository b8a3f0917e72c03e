"""Row rules of validation that every format shares: case ids that name no single case.

Each file holds five good events and five whose case id is empty, whitespace only or a
list literal (as pm4py's OCEL 1.0 CSV example writes object references); the expected
reasons are written by hand.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from orderlens.ingest import FileStatus, ingest_paths
from orderlens.settings import Settings
from tests.ingest.conftest import query

GOOD = [f"C{n}" for n in range(5)]
BAD = ["", "   ", "['990001']", "[]", '["a", "b"]']
EXPECTED_REASONS = [
    "case_id: missing required value",
    "case_id: case id is only whitespace",
    "case_id: case id '['990001']' is a list literal, not one case id",
    "case_id: case id '[]' is a list literal, not one case id",
    """case_id: case id '["a", "b"]' is a list literal, not one case id""",
]


def _records() -> list[dict[str, str]]:
    return [
        {
            "event_id": f"E{index}",
            "case_id": case_id,
            "activity": "Created",
            "event_at": f"2024-03-01T10:{index:02d}:00Z",
        }
        for index, case_id in enumerate(GOOD + BAD, start=1)
    ]


def _write_csv(path: Path) -> Path:
    target = path.with_suffix(".csv")
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(_records()[0]), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(_records())
    return target


def _write_jsonl(path: Path) -> Path:
    target = path.with_suffix(".jsonl")
    target.write_text("".join(json.dumps(r) + "\n" for r in _records()), encoding="utf-8")
    return target


def _write_parquet(path: Path) -> Path:
    target = path.with_suffix(".parquet")
    source = _write_jsonl(path.with_name("for_parquet"))
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT * FROM read_json('{source}', format = 'newline_delimited', "
            "columns = {event_id: 'VARCHAR', case_id: 'VARCHAR', activity: 'VARCHAR', "
            f"event_at: 'VARCHAR'}})) TO '{target}' (FORMAT parquet)"
        )
    source.unlink()
    return target


@pytest.mark.parametrize("write", [_write_csv, _write_jsonl, _write_parquet])
def test_ingest_paths_quarantines_case_ids_naming_no_single_case(tmp_path: Path, write) -> None:
    path = write(tmp_path / "orders")
    settings = Settings(data_dir=tmp_path / "data")

    (result,) = ingest_paths(settings, [path]).results

    assert (result.status, result.rows_read, result.loaded, result.quarantined) == (
        FileStatus.LOADED,
        10,
        5,
        5,
    )
    assert query(settings, "SELECT case_id FROM raw.workflow_events ORDER BY source_row") == [
        (case_id,) for case_id in GOOD
    ]
    assert query(
        settings,
        "SELECT source_row, column_name, reason FROM quarantine.rejected_rows ORDER BY source_row",
    ) == [(6 + n, "case_id", reason) for n, reason in enumerate(EXPECTED_REASONS)]


def test_ingest_paths_quarantines_an_xes_trace_named_by_a_list_literal(tmp_path: Path) -> None:
    traces = [("T1", 2), ("T2", 2), ("['990001']", 1)]
    events = "".join(
        f'<trace><string key="concept:name" value="{name}"/>'
        + "".join(
            f'<event><string key="concept:name" value="Step {n}"/>'
            f'<date key="time:timestamp" value="2024-03-01T10:0{n}:00.000+00:00"/></event>'
            for n in range(count)
        )
        + "</trace>"
        for name, count in traces
    )
    path = tmp_path / "log.xes"
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><log xes.version="1.0">{events}</log>',
        encoding="utf-8",
    )
    settings = Settings(data_dir=tmp_path / "data")

    (result,) = ingest_paths(settings, [path]).results

    assert (result.status, result.loaded, result.quarantined) == (FileStatus.LOADED, 4, 1)
    assert query(settings, "SELECT source_row, reason FROM quarantine.rejected_rows") == [
        (5, "case_id: case id '['990001']' is a list literal, not one case id")
    ]
