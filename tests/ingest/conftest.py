"""Fixtures of the ingestion tests: a fresh data directory and a query helper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orderlens.settings import Settings
from orderlens.warehouse import connect

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REAL_DATA = Path(__file__).resolve().parents[1] / "data" / "real"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose data directory is empty and private to the test."""
    return Settings(data_dir=tmp_path / "data")


def query(
    settings: Settings, sql: str, parameters: list[Any] | None = None
) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` run read-only against the test's warehouse."""
    with connect(settings.warehouse_path, read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()
