"""Simulated runs shared by the simulator tests (each generated once per session).

Runs are small (thousands of orders) but large enough for rate checks with a binomial
tolerance; baseline and scenario runs use the same seed and size so their differences
come from the injected causes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from orderlens.simulator import SimulationConfig, SimulationResult, simulate

RUN_ORDERS = 25_000
RUN_SEED = 7


@dataclass(frozen=True)
class SimulatedRun:
    """A finished run with its files loaded as DataFrames."""

    config: SimulationConfig
    result: SimulationResult
    workflow: pd.DataFrame
    integration: pd.DataFrame
    truth: pd.DataFrame


def load_run(config: SimulationConfig) -> SimulatedRun:
    """Simulate ``config`` (Parquet) and read its three tables."""
    result = simulate(config)
    out = Path(config.out_dir)
    return SimulatedRun(
        config=config,
        result=result,
        workflow=pd.read_parquet(out / "workflow_events.parquet"),
        integration=pd.read_parquet(out / "integration_events.parquet"),
        truth=pd.read_parquet(out / "ground_truth_exceptions.parquet"),
    )


def _run(factory: pytest.TempPathFactory, scenario: str) -> SimulatedRun:
    out = factory.mktemp(scenario.replace("-", "_"))
    return load_run(
        SimulationConfig(orders=RUN_ORDERS, out_dir=out, scenario=scenario, seed=RUN_SEED)
    )


@pytest.fixture(scope="session")
def baseline_run(tmp_path_factory: pytest.TempPathFactory) -> SimulatedRun:
    """The baseline operation."""
    return _run(tmp_path_factory, "baseline")


@pytest.fixture(scope="session")
def scenario_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SimulatedRun]:
    """Every non-baseline scenario, same seed and size as the baseline."""
    names = ("holiday-peak", "store-inventory-drift", "marketplace-payloads", "returns-backlog")
    return {name: _run(tmp_path_factory, name) for name in names}
