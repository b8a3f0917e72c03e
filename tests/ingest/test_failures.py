"""The plausible-timestamp window and the failure rule, on a log of relative times.

The log is a simulation export whose times count from 1970-01-01 (as a public
insurance-claims simulation writes them): by default every record is before the window,
so the file fails whole, ``orderlens ingest`` exits 1 and says how to fix it; with the
window opened (mapping or setting) it loads, every time as written.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from orderlens.cli import main
from orderlens.ingest import FileStatus, ingest_paths
from orderlens.settings import Settings
from tests.ingest.conftest import query

RELATIVE_EVENTS = [
    ("E1", "claim-1", "Register", "1970-01-01T00:00:00Z"),
    ("E2", "claim-1", "Assess", "1970-01-01T02:30:00Z"),
    ("E3", "claim-1", "Pay", "1970-01-03T08:00:00Z"),
    ("E4", "claim-2", "Register", "1970-01-01T01:00:00Z"),
    ("E5", "claim-2", "Reject", "1970-01-02T00:15:00Z"),
]


def _relative_log(path: Path) -> Path:
    path.write_text(
        "event_id,case_id,activity,event_at\n"
        + "".join(",".join(event) + "\n" for event in RELATIVE_EVENTS),
        encoding="utf-8",
    )
    return path


def _expected_rows() -> list[tuple[str, datetime]]:
    return [
        (event_id, datetime.fromisoformat(text.replace("Z", "+00:00")))
        for event_id, _, _, text in RELATIVE_EVENTS
    ]


def _ingest_command(data_dir: Path, *arguments: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(
        main, ["ingest", *arguments], env={"ORDERLENS_DATA_DIR": str(data_dir), **(env or {})}
    )


def test_ingest_command_fails_a_relative_log_by_default_naming_the_reason_and_the_fix(
    tmp_path: Path,
) -> None:
    log = _relative_log(tmp_path / "claims.csv")

    outcome = _ingest_command(tmp_path / "data", str(log))

    assert outcome.exit_code == 1
    line = outcome.stdout.strip()
    assert line.startswith(f"FAILED    {log}: 5 of 5 records fail validation, 0 pass")
    assert "(5 records, first at row 1): event_at: implausible timestamp 1970-01-01" in line
    assert "before 1990-01-01" in line
    assert "set `plausible_from: 1970-01-01` in the mapping" in line
    assert "ORDERLENS_PLAUSIBLE_FROM=1970-01-01" in line
    assert "`relative_timestamps: true`" in line
    assert "LOADED" not in outcome.stdout
    settings = Settings(data_dir=tmp_path / "data")
    assert query(settings, "SELECT count(*) FROM raw.workflow_events") == [(0,)]
    assert query(settings, "SELECT count(*) FROM quarantine.rejected_rows") == [(0,)]
    assert query(settings, "SELECT status FROM raw.ingest_manifest") == [("failed",)]


def test_ingest_command_loads_the_failed_log_once_relative_timestamps_are_declared(
    tmp_path: Path,
) -> None:
    log = _relative_log(tmp_path / "claims.csv")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("sources:\n  - match: 'claims*'\n    relative_timestamps: true\n")
    assert _ingest_command(tmp_path / "data", str(log)).exit_code == 1

    fixed = _ingest_command(tmp_path / "data", "--mapping", str(mapping), str(log))
    again = _ingest_command(tmp_path / "data", "--mapping", str(mapping), str(log))

    assert fixed.exit_code == 0, fixed.stdout
    assert "read 5, loaded 5, quarantined 0 (duplicates 0)" in fixed.stdout
    assert again.exit_code == 0 and again.stdout.startswith("SKIPPED")
    settings = Settings(data_dir=tmp_path / "data")
    rows = query(settings, "SELECT event_id, event_at FROM raw.workflow_events ORDER BY event_id")
    assert rows == _expected_rows()
    assert query(
        settings,
        "SELECT status, earliest_plausible FROM raw.ingest_manifest ORDER BY finished_at",
    ) == [
        ("failed", datetime(1990, 1, 1, tzinfo=UTC)),
        ("loaded", datetime(1969, 12, 31, tzinfo=UTC)),
    ]


def test_ingest_command_reads_the_plausible_window_from_the_environment(tmp_path: Path) -> None:
    log = _relative_log(tmp_path / "claims.csv")

    outcome = _ingest_command(
        tmp_path / "data", str(log), env={"ORDERLENS_PLAUSIBLE_FROM": "1970-01-01"}
    )

    assert outcome.exit_code == 0, outcome.stdout
    rows = query(
        Settings(data_dir=tmp_path / "data"),
        "SELECT event_id, event_at FROM raw.workflow_events ORDER BY event_id",
    )
    assert rows == _expected_rows()


def test_ingest_paths_mapping_window_wins_over_the_settings(tmp_path: Path) -> None:
    log = _relative_log(tmp_path / "claims.csv")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("sources:\n  - match: '*'\n    plausible_from: 1970-01-01\n")
    # the setting alone would refuse everything before 2000
    settings = Settings(data_dir=tmp_path / "data", plausible_from=date(2000, 1, 1))

    (result,) = ingest_paths(settings, [log], mapping=mapping).results

    assert (result.status, result.loaded) == (FileStatus.LOADED, 5)


def test_ingest_paths_last_plausible_day_quarantines_later_events(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "event_id,case_id,activity,event_at\n"
        "E1,C1,Created,2024-01-31T23:59:59Z\n"
        "E2,C1,Shipped,2024-02-01T00:00:00Z\n"
        "E3,C2,Created,2024-01-15T10:00:00Z\n",
        encoding="utf-8",
    )
    settings = Settings(data_dir=tmp_path / "data", plausible_until=date(2024, 1, 31))

    (result,) = ingest_paths(settings, [path]).results

    assert (result.status, result.loaded, result.quarantined) == (FileStatus.LOADED, 2, 1)
    assert query(settings, "SELECT source_row, reason FROM quarantine.rejected_rows") == [
        (
            2,
            "event_at: implausible timestamp 2024-02-01 00:00:00+00 "
            "(after 2024-01-31; window 1990-01-01 .. 2024-01-31)",
        )
    ]


@pytest.mark.parametrize(
    ("valid", "invalid", "status"),
    [(2, 2, FileStatus.LOADED), (1, 2, FileStatus.FAILED), (0, 1, FileStatus.FAILED)],
)
def test_ingest_paths_fails_a_file_only_when_invalid_records_outnumber_valid_ones(
    tmp_path: Path, valid: int, invalid: int, status: FileStatus
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "event_id,case_id,activity,event_at\n"
        + "".join(f"V{n},C1,Created,2024-01-01T10:00:0{n}Z\n" for n in range(valid))
        + "".join(f"I{n},C1,Created,0001-01-01T00:00:00Z\n" for n in range(invalid)),
        encoding="utf-8",
    )
    settings = Settings(data_dir=tmp_path / "data")

    report = ingest_paths(settings, [path])

    (result,) = report.results
    assert result.status is status
    assert report.ok is (status is FileStatus.LOADED)
    stored = query(
        settings,
        "SELECT (SELECT count(*) FROM raw.workflow_events), "
        "(SELECT count(*) FROM quarantine.rejected_rows)",
    )
    assert stored == [(valid, invalid) if status is FileStatus.LOADED else (0, 0)]
