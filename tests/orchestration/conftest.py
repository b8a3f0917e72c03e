"""Fixtures shared by the orchestration tests."""

from __future__ import annotations

import dagster as dg
import pytest

from orchestration.definitions import build_definitions
from orderlens.settings import Settings


@pytest.fixture(scope="session")
def definitions(tmp_path_factory: pytest.TempPathFactory) -> dg.Definitions:
    """The code location on an empty data directory (dbt's manifest parsed there once)."""
    return build_definitions(Settings(data_dir=tmp_path_factory.mktemp("definitions")))
