"""Two real processes and one warehouse: a second writer waits for the lock, boundedly.

Every process here is a real ``orderlens ingest`` or a real DuckDB connection holding the
file; the holder's PID is known to the test, so the message naming it is checked against
the operating system's own number.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from orderlens.exit_status import ExitStatus
from orderlens.settings import Settings
from tests.ingest.conftest import query

ORDERLENS = Path(sys.executable).with_name("orderlens")
ROWS = 20_000


def _log(path: Path) -> Path:
    lines = ["event_id,case_id,activity,event_at,source_system"]
    lines += [
        f"E{row},C{row // 10},Step {row % 7},2024-05-01T08:{row % 60:02d}:00Z,OMS"
        for row in range(ROWS)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _hold(warehouse: Path, seconds: float) -> subprocess.Popen[str]:
    """A process holding the warehouse's write lock for ``seconds``, started when it says so."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); time.sleep(float(sys.argv[2]))",
            str(warehouse),
            str(seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "ready"
    return holder


def _ingest(data_dir: Path, source: Path, timeout: str) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.update({"ORDERLENS_DATA_DIR": str(data_dir), "ORDERLENS_WAREHOUSE_LOCK_TIMEOUT": timeout})
    return subprocess.Popen(
        [str(ORDERLENS), "ingest", str(source)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_ingests_of_one_file_wait_for_each_other_and_load_it_exactly_once(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    source = _log(tmp_path / "orders.csv")
    holder = _hold(data_dir / "warehouse.duckdb", 4)
    try:
        ingests = [_ingest(data_dir, source, "120") for _ in range(2)]
        outcomes = [(ingest.wait(timeout=180), *ingest.communicate()) for ingest in ingests]
    finally:
        holder.kill()
        holder.wait()

    assert [code for code, _, _ in outcomes] == [ExitStatus.OK, ExitStatus.OK]
    # both started while the holder had the file, so both waited, naming it
    assert all(f"locked by PID {holder.pid}" in err for _, _, err in outcomes)
    lines = sorted(out.splitlines()[-1].split()[0] for _, out, _ in outcomes)
    assert lines == ["LOADED", "SKIPPED"]
    settings = Settings(data_dir=data_dir)
    assert query(
        settings, "SELECT count(*), count(DISTINCT event_id) FROM raw.workflow_events"
    ) == [(ROWS, ROWS)]
    assert query(settings, "SELECT count(*) FROM raw.ingest_manifest WHERE status = 'loaded'") == [
        (1,)
    ]


def test_ingest_gives_up_after_the_bounded_wait_with_status_3_naming_the_holder(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    source = _log(tmp_path / "orders.csv")
    holder = _hold(data_dir / "warehouse.duckdb", 600)
    try:
        started = time.monotonic()
        ingest = _ingest(data_dir, source, "3")
        code = ingest.wait(timeout=120)
        waited = time.monotonic() - started
        out, err = ingest.communicate()
    finally:
        holder.kill()
        holder.wait()

    assert code == ExitStatus.WAREHOUSE_BUSY == 3
    assert waited >= 3
    assert f"waiting: waiting up to 3 s for {data_dir / 'warehouse.duckdb'}" in err
    assert f"locked by PID {holder.pid} ({sys.executable} -c import duckdb" in err
    assert "gave up after waiting 3 s" in err
    assert "Traceback" not in out + err
