"""Which inbox files are pending, told without opening the warehouse."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from orderlens.ingest import ingest_paths, pending_inbox_files
from orderlens.settings import Settings


def _drop(path: Path, ids: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {
            "event_id": ids,
            "case_id": ["C1"] * len(ids),
            "activity": ["Order Created"] * len(ids),
            "event_at": pd.Timestamp("2024-05-01", tz="UTC"),
        }
    ).to_parquet(path)
    return path


def test_pending_inbox_files_lists_new_content_only(settings: Settings) -> None:
    inbox = settings.inbox_dir
    first = _drop(inbox / "day1" / "workflow_events.parquet", ["E1"])
    _drop(inbox / "day1" / "ground_truth.parquet", ["G1"])
    (inbox / "day1" / ".partial.csv").write_text("case_id\n")
    (inbox / "notes.txt.bak").write_text("x")

    assert pending_inbox_files(settings) == [first]

    ingest_paths(settings, pending_inbox_files(settings))
    assert pending_inbox_files(settings) == []

    second = _drop(inbox / "day2" / "workflow_events.parquet", ["E2"])
    copy = inbox / "day2" / "copy_of_day1.parquet"
    copy.write_bytes(first.read_bytes())
    assert pending_inbox_files(settings) == [second]


def test_pending_inbox_files_does_not_offer_a_rejected_file_again(settings: Settings) -> None:
    bad = settings.inbox_dir / "broken.csv"
    bad.parent.mkdir(parents=True)
    bad.write_text("case_id,when\nC1,today\n")

    report = ingest_paths(settings, pending_inbox_files(settings))

    assert not report.ok
    assert pending_inbox_files(settings) == []
    bad.write_text("case_id,activity,event_at\nC1,Order Created,2024-05-01T00:00:00Z\n")
    assert pending_inbox_files(settings) == [bad]


def test_pending_inbox_files_is_empty_without_an_inbox(settings: Settings) -> None:
    assert pending_inbox_files(settings) == []
