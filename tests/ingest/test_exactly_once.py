"""An ingest killed with SIGKILL halfway, then run again, loads every event exactly once.

The ingest runs as a real ``orderlens ingest`` process over several files and is killed
at several moments after it reports a loaded file, that is while it reads or loads the
next one. After every kill the warehouse must hold whole files only, exactly as the
manifest says; a final run completes the load, and every event is there exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orderlens.settings import Settings
from tests.ingest.conftest import query

FILES = 6
ROWS_PER_FILE = 100_000
KILL_DELAYS = (0.0, 0.15, 0.4)
"""Seconds after the run reports a loaded file before it is killed: during the next file."""


def _write_inputs(folder: Path) -> None:
    folder.mkdir()
    con = duckdb.connect()
    for index in range(FILES):
        con.execute(
            f"COPY (SELECT 'F{index}-' || i AS event_id, 'C' || (i // 6) AS case_id, "
            "'Order Created' AS activity, "
            "TIMESTAMPTZ '2024-05-01 00:00:00+00' + to_seconds(i) AS event_at, "
            f"'OMS' AS source_system FROM range({ROWS_PER_FILE}) t(i)) "
            f"TO '{folder / f'part{index}.parquet'}' (FORMAT parquet)"
        )
    con.close()


def _ingest_command(inputs: Path) -> list[str]:
    return [sys.executable, "-c", "from orderlens.cli import main; main()", "ingest", str(inputs)]


def _warehouse_agrees_with_manifest(settings: Settings) -> int:
    """Files fully loaded so far; asserts no file is partly loaded or loaded twice."""
    loaded_files, loaded_rows = query(
        settings,
        "SELECT count(*), coalesce(sum(loaded), 0) FROM raw.ingest_manifest "
        "WHERE status = 'loaded'",
    )[0]
    rows, distinct_ids = query(
        settings, "SELECT count(*), count(DISTINCT event_id) FROM raw.workflow_events"
    )[0]
    assert rows == distinct_ids == loaded_rows == loaded_files * ROWS_PER_FILE
    return int(loaded_files)


@pytest.mark.slow
def test_ingest_killed_halfway_and_rerun_loads_every_event_exactly_once(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    _write_inputs(inputs)
    settings = Settings(data_dir=tmp_path / "data")
    env = settings.subprocess_env()
    killed_with_files_left = 0
    for delay in KILL_DELAYS:
        process = subprocess.Popen(
            _ingest_command(inputs),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("LOADED"):
                break
        time.sleep(delay)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        process.stdout.close()
        if _warehouse_agrees_with_manifest(settings) < FILES:
            killed_with_files_left += 1

    rerun = subprocess.run(
        _ingest_command(inputs), capture_output=True, text=True, env=env, check=False
    )

    assert killed_with_files_left >= 2
    assert rerun.returncode == 0, rerun.stderr
    assert _warehouse_agrees_with_manifest(settings) == FILES
    assert query(settings, "SELECT count(DISTINCT event_seq) FROM raw.workflow_events") == [
        (FILES * ROWS_PER_FILE,)
    ]
