"""Faults: processes killed mid-write, a full disk, an unwritable data directory.

Each test checks the promise of the design: the published serving copy is always a
complete one, and a failed write leaves the warehouse as it was, with a clear error.
"""

import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from orderlens.settings import Settings
from orderlens.warehouse import connect, initialize_warehouse, publish_serving_copy

pytestmark = pytest.mark.slow

PUBLISH_FOREVER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from orderlens.settings import Settings
    from orderlens.warehouse import publish_serving_copy
    settings = Settings(data_dir=Path(sys.argv[1]))
    while True:
        publish_serving_copy(settings)
    """
)


def _warehouse_with_marts(settings: Settings, rows: int) -> None:
    initialize_warehouse(settings)
    with connect(settings.warehouse_path) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(
            f"CREATE OR REPLACE TABLE marts.fct_big AS SELECT range AS id FROM range({rows})"
        )


def test_publisher_killed_at_random_moments_always_leaves_a_complete_serving_copy(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    _warehouse_with_marts(settings, rows=2_000_000)
    publish_serving_copy(settings)
    for attempt in range(6):
        publisher = subprocess.Popen(
            [sys.executable, "-c", PUBLISH_FOREVER, str(settings.data_dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.4 + 0.35 * attempt)
        publisher.send_signal(signal.SIGKILL)
        publisher.wait()
        with connect(settings.serving_path, read_only=True) as con:
            assert con.execute("SELECT count(*) FROM marts.fct_big").fetchone() == (2_000_000,)
            assert con.execute("SELECT count(*) FROM meta.publication").fetchone() == (1,)
    publish_serving_copy(settings)
    assert list(settings.data_dir.glob(".serving-*")) == []


def _events(count: int, prefix: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": [f"{prefix}-{i}" for i in range(count)],
            "case_id": [f"{prefix}-case-{i // 5}" for i in range(count)],
            "activity": ["Order Created"] * count,
            "event_at": pd.Timestamp("2026-03-01T10:00:00Z"),
            "source_system": ["OMS"] * count,
            "attributes": ['{"note": "' + "x" * 200 + '"}'] * count,
        }
    )


def _raw_count(settings: Settings) -> int:
    with connect(settings.warehouse_path, read_only=True) as con:
        return con.execute("SELECT count(*) FROM raw.workflow_events").fetchone()[0]


@contextmanager
def _tmpfs(mount_point: Path, options: str) -> Iterator[Path]:
    """Mount a real tmpfs with ``options`` at ``mount_point``; unmount it afterwards."""
    mount_point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A real 24 MB file system that fills up."""
    with _tmpfs(tmp_path / "small_disk", "size=24m") as mount_point:
        yield mount_point


def test_ingest_on_a_full_disk_fails_clearly_and_leaves_the_warehouse_intact(small_disk, tmp_path):
    settings = Settings(data_dir=small_disk / "data")
    first = tmp_path / "first.parquet"
    _events(1_000, "a").to_parquet(first)
    loaded = subprocess.run(
        [sys.executable, "-m", "orderlens.cli", "ingest", str(first)],
        env=settings.subprocess_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
    before = _raw_count(settings)
    assert before == 1_000

    filler = small_disk / "filler"
    with filler.open("ab") as handle:
        try:
            while True:
                handle.write(b"\0" * (1 << 20))
                handle.flush()
        except OSError:
            pass
    big = tmp_path / "big.parquet"
    _events(200_000, "b").to_parquet(big)
    failed = subprocess.run(
        [sys.executable, "-m", "orderlens.cli", "ingest", str(big)],
        env=settings.subprocess_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert "Traceback" not in output
    assert "space" in output.lower()
    filler.unlink()
    assert _raw_count(settings) == before


@pytest.fixture
def read_only_dir(tmp_path) -> Iterator[Path]:
    """A real read-only file system (even root cannot write)."""
    with _tmpfs(tmp_path / "read_only", "ro,size=1m") as mount_point:
        yield mount_point


def test_run_with_an_unwritable_data_directory_fails_clearly(read_only_dir):
    settings = Settings(data_dir=read_only_dir / "data")
    result = subprocess.run(
        [sys.executable, "-m", "orderlens.cli", "run"],
        env=settings.subprocess_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in output
    assert "Read-only file system" in output
    assert str(settings.data_dir) in output
