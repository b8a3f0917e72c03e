"""Fixtures of the triage tests: small simulated warehouses built once per session.

Building a warehouse (simulate, ingest, dbt build) is the slow part, so each scenario is
built once and shared read-only by the tests that need real marts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orderlens.triage.scenario_evaluation import ScenarioWarehouse, build_scenario_warehouse

ORDERS = 3000
DAYS = 60


@pytest.fixture(scope="session")
def baseline_warehouse(tmp_path_factory: pytest.TempPathFactory) -> ScenarioWarehouse:
    """A baseline retailer: 3,000 orders over 60 days, no injected cause."""
    directory: Path = tmp_path_factory.mktemp("triage_baseline") / "data"
    return build_scenario_warehouse("baseline", directory, orders=ORDERS, days=DAYS, seed=5)


@pytest.fixture(scope="session")
def holiday_peak_warehouse(tmp_path_factory: pytest.TempPathFactory) -> ScenarioWarehouse:
    """A holiday peak: 3,000 orders over 60 days with four injected causes."""
    directory: Path = tmp_path_factory.mktemp("triage_holiday_peak") / "data"
    return build_scenario_warehouse("holiday-peak", directory, orders=ORDERS, days=DAYS, seed=5)
