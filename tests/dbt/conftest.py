"""Fixtures of the dbt tests: the hand-made warehouse, built once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fixture_warehouse import BuiltWarehouse, build_warehouse


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltWarehouse]:
    """The hand-made warehouse, built once for the whole session."""
    yield BuiltWarehouse(build_warehouse(tmp_path_factory.mktemp("dbt_fixture")))
