"""Shared fixtures: a demo data directory simulated, ingested, built and published once.

Building the warehouse is the slow part of many tests (dbt runs as a real subprocess),
so the session builds it once and tests that only read it share it.

``make test`` runs the suite on two pytest-xdist workers (``-n 2``);
:func:`pytest_xdist_make_scheduler` keeps each module on one worker and every module of
the foreign logs on the same worker.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from orderlens.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_LOGS = REPO_ROOT / "tests" / "data" / "real"
DEMO_ORDERS = 400
DEMO_SEED = 11


FOREIGN_LOG_MODULES = frozenset(
    {
        "tests/dashboard/test_missing_data.py",
        "tests/dashboard/test_process_browser.py",
        "tests/dashboard/test_real_logs_browser.py",
        "tests/orchestration/test_foreign_logs.py",
        "tests/process_mining/test_report_summary.py",
    }
)
"""The modules whose tests use :func:`published_foreign_log`: they run on one xdist worker,
so each foreign log's pipeline run (the slowest fixture) happens once. A test checks the
set is complete."""


SPARK_TESTS = "tests/spark/"
"""The modules that start a Spark cluster: one worker runs them one after the other, so
two clusters never share the two cores, and starts them first, so the suite's longest
unit of work runs beside all the others instead of after them."""
SPARK_SCOPE = "spark"


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Hand xdist's workers whole modules (their module fixtures are built once), every
    module of :data:`FOREIGN_LOG_MODULES` to the same worker, and the Spark modules
    (:data:`SPARK_TESTS`) to one worker."""
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            if module.startswith(SPARK_TESTS):
                return SPARK_SCOPE
            return "foreign_logs" if module in FOREIGN_LOG_MODULES else module

        def _assign_work_unit(self, node: object) -> None:
            if SPARK_SCOPE in self.workqueue:
                self.workqueue.move_to_end(SPARK_SCOPE, last=False)
            super()._assign_work_unit(node)

    return ModuleScheduling(config, log)


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


FOREIGN_LOGS: dict[str, str] = {
    "receipt": "receipt.xes.gz",
    "running_example": "running-example.xes",
    "ocel20_json": "ocel20_example.jsonocel",
    "ocel20_xml": "ocel20_example.xmlocel",
    "ocel20_sqlite": "ocel20_example.sqlite",
    "simulated_minimal": "simulated_minimal.csv",
}
"""Logs nobody tuned the product for, by name: the real public logs in ``tests/data/real``
and the simulator's log cut down to case, activity and time, with no exception,
integration or optional column (written by :func:`write_minimal_simulated_log`)."""

RECEIPT_BY_GROUP_LOG = "receipt_by_group"
"""The receipt log with each activity split by the group that performed it: a real log of
44 activities with long names, for process maps as large as users bring (published by
``published_foreign_log`` under this name from :func:`write_receipt_by_group_log`)."""


def read_receipt_by_group():
    """The receipt log as a DataFrame (``case_id``, ``activity``, ``event_at``) whose
    activity is the step and its ``org:group``: a real log of 44 activities, for process
    maps as large as users bring."""
    import pm4py

    log = pm4py.read_xes(str(REAL_LOGS / "receipt.xes.gz"))
    return log.assign(
        case_id=log["case:concept:name"],
        activity=log["concept:name"] + " · " + log["org:group"].astype(str),
        event_at=log["time:timestamp"],
    )[["case_id", "activity", "event_at"]]


def write_receipt_by_group_log(path: Path) -> Path:
    """:func:`read_receipt_by_group` as a CSV file at ``path``."""
    read_receipt_by_group().to_csv(path, index=False)
    return path


@dataclass(frozen=True)
class PublishedForeignLog:
    """A data directory after ``orderlens run`` on one foreign log dropped in its inbox."""

    name: str
    settings: Settings
    log_path: Path
    exit_code: int
    output: str
    seconds: float


FEW_EXCEPTIONS_LOG = "simulated_few_exceptions"
"""The bare simulator export with the records of three exceptions kept: exceptions, but
far too few to learn a risk model from."""
FEW_EXCEPTIONS = 3


def write_minimal_simulated_log(
    path: Path, simulation_dir: Path, *, keep_exceptions: int = 0
) -> Path:
    """The demo simulation (written to ``simulation_dir``) as a bare export in ``path``:
    case, activity and time of the workflow events, as CSV; no integration file. Exception
    records are left out, but for those of the first ``keep_exceptions`` exceptions, which
    keep their exception columns."""
    import pandas as pd

    _simulate_demo(simulation_dir)
    events = pd.read_parquet(simulation_dir / "workflow_events.parquet")
    kept = sorted(events["exception_id"].dropna().unique())[:keep_exceptions]
    events = events[events["exception_id"].isna() | events["exception_id"].isin(kept)]
    columns = ["case_id", "activity", "event_at"]
    if keep_exceptions:
        columns += ["exception_id", "exception_type", "exception_stage"]
    events[columns].to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def published_foreign_log(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], PublishedForeignLog]:
    """``orderlens run`` through the CLI, as a user would, on a foreign log (once per name).

    Returns a function of the log's name in :data:`FOREIGN_LOGS` (or
    :data:`FEW_EXCEPTIONS_LOG`); tests that share a log share its run, the slow part.
    """
    import shutil
    import time

    from click.testing import CliRunner

    from orderlens.cli import main

    published: dict[str, PublishedForeignLog] = {}

    def publish(name: str) -> PublishedForeignLog:
        if name in published:
            return published[name]
        scratch = tmp_path_factory.mktemp(f"foreign-{name}")
        data_dir = scratch / "data"
        settings = Settings(data_dir=data_dir)
        settings.ensure_dirs()
        log_path = settings.inbox_dir / FOREIGN_LOGS.get(name, f"{name}.csv")
        if name == "simulated_minimal":
            write_minimal_simulated_log(log_path, scratch / "simulation")
        elif name == RECEIPT_BY_GROUP_LOG:
            write_receipt_by_group_log(log_path)
        elif name == FEW_EXCEPTIONS_LOG:
            write_minimal_simulated_log(
                log_path, scratch / "simulation", keep_exceptions=FEW_EXCEPTIONS
            )
        else:
            shutil.copyfile(REAL_LOGS / FOREIGN_LOGS[name], log_path)
        saved_environment = dict(os.environ)
        started = time.perf_counter()
        try:
            result = CliRunner().invoke(
                main, ["run"], env=settings.subprocess_env(), catch_exceptions=False
            )
        finally:
            os.environ.clear()
            os.environ.update(saved_environment)
        published[name] = PublishedForeignLog(
            name,
            settings,
            log_path,
            result.exit_code,
            result.output,
            time.perf_counter() - started,
        )
        return published[name]

    return publish


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright driver for the whole session: its sync API refuses to start a second
    one while the first is running, so every browser fixture launches from this one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright
