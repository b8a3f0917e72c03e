"""Files at rest: a real ``orderlens ingest`` and a publish leave nothing others can read.

The modes are read from the file system after the real commands ran, in processes of
their own (the CLI's umask and the library's own chmod are both under test).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ORDERLENS = Path(sys.executable).with_name("orderlens")
LOG = (
    "case_id,activity,event_at,customer_id,mail\n"
    "C1,Order Created,2024-05-01T08:00:00Z,K1,jane@example.org\n"
    "C1,Order Shipped,2024-05-01T09:00:00Z,K1,jane@example.org\n"
)


def _run(data_dir: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ORDERLENS_DATA_DIR=str(data_dir))
    return subprocess.run(arguments, env=env, capture_output=True, text=True, timeout=300)


def _modes(data_dir: Path) -> dict[str, int]:
    """Permission bits of the data directory and everything under it, by relative path."""
    modes = {".": stat.S_IMODE(data_dir.stat().st_mode)}
    for path in data_dir.rglob("*"):
        modes[str(path.relative_to(data_dir))] = stat.S_IMODE(path.stat().st_mode)
    return modes


def test_file_modes_after_a_real_ingest_and_publish_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    source = tmp_path / "log.csv"
    source.write_text(LOG)

    ingested = _run(data_dir, str(ORDERLENS), "ingest", str(source))
    published = _run(
        data_dir,
        sys.executable,
        "-c",
        "from orderlens.settings import Settings; "
        "from orderlens.warehouse import publish_serving_copy; "
        "publish_serving_copy(Settings.from_env())",
    )

    assert ingested.returncode == 0, ingested.stderr
    assert published.returncode == 0, published.stderr
    modes = _modes(data_dir)
    for name in (
        "warehouse.duckdb",
        "serving.duckdb",
        "ingest_ledger.jsonl",
        "pseudonymization_key",
        "dagster_home/dagster.yaml",
    ):
        assert modes[name] == 0o600, name
    for name in (".", "inbox", "reports", "dagster_home"):
        assert modes[name] == 0o700, name
    assert {name: mode for name, mode in modes.items() if mode & 0o077} == {}
    assert "warning:" not in ingested.stderr


def test_file_modes_a_data_directory_open_to_others_is_reported_not_refused(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    data_dir.chmod(0o755)
    source = tmp_path / "log.csv"
    source.write_text(LOG)

    ingested = _run(data_dir, str(ORDERLENS), "ingest", str(source))

    assert ingested.returncode == 0
    assert (
        f"warning: the data directory {data_dir} is open to other users (mode 0755): "
        f"run chmod 700 {data_dir}"
    ) in ingested.stderr
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o755
    assert stat.S_IMODE((data_dir / "warehouse.duckdb").stat().st_mode) == 0o600
