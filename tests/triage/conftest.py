"""Fixtures of the triage tests: small simulated warehouses built once per session.

Building a warehouse (simulate, ingest, dbt build) is the slow part, so each scenario is
built once and shared read-only by the tests that need real marts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orderlens.triage.scenario_evaluation import ScenarioWarehouse, build_scenario_warehouse

ORDERS = 3000
HOLIDAY_PEAK_ORDERS = 6000
DAYS = 60


@pytest.fixture(scope="session")
def baseline_warehouse(tmp_path_factory: pytest.TempPathFactory) -> ScenarioWarehouse:
    """A baseline retailer: 3,000 orders over 60 days, no injected cause."""
    directory: Path = tmp_path_factory.mktemp("triage_baseline") / "data"
    return build_scenario_warehouse("baseline", directory, orders=ORDERS, days=DAYS, seed=5)


@pytest.fixture(scope="session")
def holiday_peak_warehouse(tmp_path_factory: pytest.TempPathFactory) -> ScenarioWarehouse:
    """A holiday peak: 6,000 orders over 60 days with four injected causes, at seed 6, the
    seed ``orderlens triage evaluate --scenario`` gives its test scenario.

    Twice the baseline's orders because at 3,000 one cause or another leaves too few
    events to be told from chance by any per-series test: at seed 5 four extra
    inventory mismatches per store in six weeks, at seed 6 three failed messages in the
    eight-hour outage.
    """
    directory: Path = tmp_path_factory.mktemp("triage_holiday_peak") / "data"
    return build_scenario_warehouse(
        "holiday-peak", directory, orders=HOLIDAY_PEAK_ORDERS, days=DAYS, seed=6
    )
