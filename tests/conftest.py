"""Shared fixtures: a demo data directory simulated, ingested, built and published once.

Building the warehouse is the slow part of many tests (dbt runs as a real subprocess),
so the session builds it once and tests that only read it share it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from orderlens.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT / "tests" / "data" / "real"
DEMO_ORDERS = 400
DEMO_SEED = 11


@dataclass(frozen=True)
class PublishedDemo:
    """A data directory after simulate -> ingest -> dbt -> mining -> publish."""

    settings: Settings
    simulation_dir: Path
    run_success: bool
    materialized: list[str]


def _simulate_demo(out_dir: Path) -> None:
    from orderlens.simulator import SimulationConfig, simulate

    simulate(
        SimulationConfig(orders=DEMO_ORDERS, scenario="baseline", seed=DEMO_SEED, out_dir=out_dir)
    )


@pytest.fixture(scope="session")
def simulate_demo_into() -> Callable[[Path], None]:
    """Write the demo simulation (the one ``published_demo`` is built from) into a folder."""
    return _simulate_demo


@pytest.fixture(scope="session")
def published_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublishedDemo]:
    """Simulate a small baseline retailer into the inbox and run the whole asset graph."""
    from orchestration.run import run_pipeline

    data_dir = tmp_path_factory.mktemp("demo") / "data"
    settings = Settings(data_dir=data_dir)
    settings.ensure_dirs()
    simulation_dir = settings.inbox_dir / "demo"
    _simulate_demo(simulation_dir)
    saved_environment = dict(os.environ)
    try:
        outcome = run_pipeline(settings)
    finally:
        os.environ.clear()
        os.environ.update(saved_environment)
    yield PublishedDemo(settings, simulation_dir, outcome.success, outcome.materialized)


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver for the whole session: its sync API refuses to start a second
    one while the first is running, so every browser fixture launches from this one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright
