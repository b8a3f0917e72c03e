"""The broken-file corpus: every file is rejected whole with a reason, fails whole (more
records invalid than valid) with the dominant reason and its fix, or every record it holds
is either loaded or quarantined with its file, row, column and reason.

Expected outcomes are written by hand from the fixture files in ``tests/fixtures/broken``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from orderlens.ingest import FileStatus, ingest_paths
from orderlens.settings import Settings
from tests.ingest.conftest import FIXTURES, query

BROKEN = FIXTURES / "broken"


@dataclass(frozen=True)
class Rejected:
    """The file is refused whole; the message says why."""

    says: str


@dataclass(frozen=True)
class Failed:
    """The file is read but rolled back: more records fail validation than pass."""

    says: tuple[str, ...]


@dataclass(frozen=True)
class Loaded:
    """Counts of a processed file and the quarantined (row, column, reason part)s."""

    rows_read: int
    loaded: int
    quarantined: list[tuple[int, str | None, str]]
    duplicates: int = 0
    encoding: str = "utf-8"


CORPUS = {
    "empty.csv": Rejected("the file is empty"),
    "truncated.csv.gz": Rejected("GZIP"),
    "latin1.csv": Loaded(2, 2, [], encoding="cp1252"),
    "missing_columns.csv": Rejected("required column(s) activity, event_at missing"),
    "not_parquet.parquet": Rejected("magic bytes"),
    "not_xml.xes": Rejected("truncated"),
    "header_only.csv": Loaded(0, 0, []),
    # rows 2 and 3 cannot be read as timestamps, 4 is before 1990, 5 after next year, 6 blank
    "bad_timestamps.csv": Failed(
        (
            "5 of 6 records fail validation, 1 pass",
            "(2 records, first at row 2): event_at: cannot read '2024-02-30T10:00:00Z'",
            "Fix: declare the timestamps' form with `timestamp_format:`",
        )
    ),
    "duplicate_rows.csv": Loaded(
        5,
        3,
        [(3, "event_id", "duplicate of row 1"), (5, "event_id", "duplicate of row 1")],
        duplicates=2,
    ),
    "huge_field.csv": Loaded(2, 1, [(2, "activity", "value of 70000 characters exceeds")]),
    "nul_bytes.csv": Loaded(2, 1, [(2, "activity", "contains a NUL byte")]),
    "ragged.csv": Loaded(3, 2, [(2, None, "unreadable record at line 3")]),
    "bad_lines.jsonl": Loaded(
        4, 2, [(2, None, "line 2 is not a JSON object"), (4, None, "line 4 is not a JSON object")]
    ),
    "mixed_timezones.csv": Loaded(4, 4, []),
}


def test_corpus_covers_every_fixture_file() -> None:
    assert sorted(path.name for path in BROKEN.iterdir()) == sorted(CORPUS)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_ingest_paths_gives_each_broken_file_its_outcome(settings: Settings, name: str) -> None:
    expected = CORPUS[name]
    path = BROKEN / name

    report = ingest_paths(settings, [path])

    (result,) = report.results
    if isinstance(expected, Rejected):
        assert result.status is FileStatus.REJECTED
        assert not report.ok
        assert expected.says in result.message
        assert query(settings, "SELECT count(*) FROM raw.workflow_events") == [(0,)]
        assert query(settings, "SELECT count(*) FROM quarantine.rejected_rows") == [(0,)]
        assert query(settings, "SELECT status, message FROM raw.ingest_manifest") == [
            ("rejected", result.message)
        ]
        return
    if isinstance(expected, Failed):
        assert result.status is FileStatus.FAILED
        assert not report.ok
        for part in expected.says:
            assert part in result.message
        assert (result.rows_read, result.loaded, result.quarantined) == (0, 0, 0)
        assert query(settings, "SELECT count(*) FROM raw.workflow_events") == [(0,)]
        assert query(settings, "SELECT count(*) FROM quarantine.rejected_rows") == [(0,)]
        assert query(settings, "SELECT status, message FROM raw.ingest_manifest") == [
            ("failed", result.message)
        ]
        return
    assert report.ok
    assert (result.rows_read, result.loaded, result.quarantined, result.duplicates) == (
        expected.rows_read,
        expected.loaded,
        len(expected.quarantined),
        expected.duplicates,
    )
    rows = query(
        settings,
        "SELECT source_row, column_name, reason, source_file FROM quarantine.rejected_rows "
        "ORDER BY source_row",
    )
    assert [(row, column) for row, column, _, _ in rows] == [
        (row, column) for row, column, _ in expected.quarantined
    ]
    for (_, _, reason, source_file), (_, _, says) in zip(rows, expected.quarantined, strict=True):
        assert says in reason
        assert source_file == str(path.resolve())
    raw_rows = query(settings, "SELECT count(*) FROM raw.workflow_events")[0][0]
    assert raw_rows + len(rows) == expected.rows_read
    assert result.encoding == expected.encoding
    assert query(settings, "SELECT encoding FROM raw.ingest_manifest") == [(expected.encoding,)]


def test_ingest_paths_converts_each_zone_of_a_mixed_file_to_utc(settings: Settings) -> None:
    ingest_paths(settings, [BROKEN / "mixed_timezones.csv"])

    rows = query(settings, "SELECT event_id, event_at FROM raw.workflow_events ORDER BY event_seq")
    assert rows == [
        ("E1", datetime(2024, 3, 1, 10, 0, tzinfo=UTC)),
        ("E2", datetime(2024, 3, 1, 10, 0, tzinfo=UTC)),
        ("E3", datetime(2024, 3, 1, 9, 30, tzinfo=UTC)),
        ("E4", datetime(2024, 3, 1, 10, 15, tzinfo=UTC)),
    ]


def test_ingest_paths_reads_a_declared_encoding(settings: Settings, tmp_path) -> None:
    mapping = tmp_path / "latin.yaml"
    mapping.write_text("sources:\n  - match: 'latin1.csv'\n    csv: {encoding: latin-1}\n")

    (result,) = ingest_paths(settings, [BROKEN / "latin1.csv"], mapping=mapping).results

    assert result.loaded == 2
    assert query(settings, "SELECT activity FROM raw.workflow_events ORDER BY event_seq")[0] == (
        "Bestellung geprüft",
    )
