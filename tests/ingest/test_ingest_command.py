"""The ``orderlens ingest`` command: summary lines, JSON report and exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from orderlens.cli import main
from tests.ingest.conftest import FIXTURES

BROKEN = FIXTURES / "broken"


def _run(tmp_path: Path, *arguments: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(
        main, ["ingest", *arguments], env={"ORDERLENS_DATA_DIR": str(tmp_path / "data")}
    )
    return result.exit_code, result.stdout, result.stderr


def test_ingest_command_exits_zero_when_every_file_is_processed(tmp_path: Path) -> None:
    code, out, _ = _run(tmp_path, str(BROKEN / "duplicate_rows.csv"), str(BROKEN / "ragged.csv"))

    assert code == 0
    lines = out.splitlines()
    assert (
        lines[0].startswith("LOADED")
        and "read 5, loaded 3, quarantined 2 (duplicates 2)" in lines[0]
    )
    # ragged.csv repeats event (OMS, E1) of the first file, has one unreadable record (E2)
    # and one new event (E3): quarantined rows alone do not fail a file
    assert (
        lines[1].startswith("LOADED")
        and "read 3, loaded 1, quarantined 2 (duplicates 1)" in lines[1]
    )


def test_ingest_command_exits_non_zero_and_says_why_a_file_was_rejected(tmp_path: Path) -> None:
    code, out, _ = _run(
        tmp_path, str(BROKEN / "missing_columns.csv"), str(BROKEN / "header_only.csv")
    )

    assert code == 1
    assert (
        f"REJECTED  {BROKEN / 'missing_columns.csv'}: required column(s) activity, event_at missing"
        in out
    )
    assert "Traceback" not in out


def test_ingest_command_json_report_holds_every_file(tmp_path: Path) -> None:
    code, out, _ = _run(
        tmp_path, "--json", str(BROKEN / "bad_timestamps.csv"), str(BROKEN / "empty.csv")
    )

    report = json.loads(out)
    assert code == 1
    assert report["ok"] is False
    assert [
        (f["status"], f["rows_read"], f["loaded"], f["quarantined"]) for f in report["files"]
    ] == [
        ("failed", 0, 0, 0),
        ("rejected", 0, 0, 0),
    ]
    assert "5 of 6 records fail validation" in report["files"][0]["message"]
    assert report["totals"]["rows_read"] == 0


def test_ingest_command_reports_an_unusable_mapping_without_a_trace(tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("sources:\n  - colums: {}\n")

    code, out, err = _run(tmp_path, "--mapping", str(mapping), str(BROKEN / "header_only.csv"))

    assert code == 2
    assert f"error: {mapping}: sources[0]: unknown key(s) colums" in err
    assert "Traceback" not in out + err


def test_ingest_command_reports_a_locked_warehouse_with_status_3_without_a_trace(
    tmp_path: Path,
) -> None:
    (tmp_path / "data").mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); time.sleep(60)",
            str(tmp_path / "data" / "warehouse.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"

        result = CliRunner().invoke(
            main,
            ["ingest", str(BROKEN / "header_only.csv")],
            env={
                "ORDERLENS_DATA_DIR": str(tmp_path / "data"),
                "ORDERLENS_WAREHOUSE_LOCK_TIMEOUT": "1",
            },
        )
    finally:
        holder.kill()
        holder.wait()

    assert result.exit_code == 3
    assert f"locked by PID {holder.pid}" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
